//! Every sentence the checker says, and nothing else: the prose of its
//! diagnostics lives here so that it reads as one voice, is reviewed in one
//! place, and the checker's code says *which* mistake it found, not how to
//! word it (gleam's `error.rs`).
//!
//! - [`why`]: the reasons the pure value rules give (a diagnostic's label);
//! - [`value`]: diagnostics about one argument, by its type;
//! - [`shape`]: a directive's shape (arguments, block, repetition), and
//!   collecting declarations;
//! - [`decl`]: what each declaration's reader finds;
//! - [`lint`]: what crosses declarations (placement, the lints).
//!
//! A function here is named after the mistake and returns the whole
//! [`Diagnostic`](crate::diag::Diagnostic): code, message, labels, help.
//! Nouns the readers pass in (`"static root"`, `"redirect option"`) are
//! the names of things, from the vocabulary or the reader; every sentence
//! around them is here. What a code means in general (`infrac explain`)
//! is in `crate::diag`.

pub(crate) mod decl;
pub(crate) mod lint;
pub(crate) mod shape;
pub(crate) mod value;
pub(crate) mod why;

use crate::diag::Code;

/// How a value checked by a typed rule (`Checker::typed`) is described
/// when the rule rejects it: its code, the noun in "`x` is not WHAT", and
/// the help.
pub(crate) struct Expect {
    pub code: Code,
    pub what: &'static str,
    pub help: &'static str,
}
