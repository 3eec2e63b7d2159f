//! The syntax tree: directives with arguments and blocks, every node spanned.

use std::borrow::Cow;

use crate::source::{FileId, Span, Spanned};

/// One parsed file; words and names borrow from the source text.
#[derive(Clone, Debug)]
pub struct Ast<'a> {
    pub file: FileId,
    pub items: Vec<Directive<'a>>,
}

/// `name arg… { … }`
#[derive(Clone, Debug)]
pub struct Directive<'a> {
    pub name: Spanned<&'a str>,
    pub args: Vec<Arg<'a>>,
    pub block: Option<Block<'a>>,
    /// From the name to the end of the last argument or the closing brace.
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Block<'a> {
    pub items: Vec<Directive<'a>>,
    /// From `{` to `}`.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArgKind<'a> {
    /// A bare word: `opam.ocaml.org`, `15m`, `/var/www`, `https://x{uri}`;
    /// owned when a named list's item was put in (`check::lists`).
    Word(Cow<'a, str>),
    /// A quoted string, escapes resolved.
    Str(Cow<'a, str>),
    /// `[a, b]`
    List(Vec<Arg<'a>>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg<'a> {
    pub kind: ArgKind<'a>,
    pub span: Span,
}

impl Arg<'_> {
    /// The text of a word or string; `None` for a list.
    #[must_use]
    pub fn text(&self) -> Option<&str> {
        match &self.kind {
            ArgKind::Word(s) | ArgKind::Str(s) => Some(s),
            ArgKind::List(_) => None,
        }
    }

    #[must_use]
    pub fn is_string(&self) -> bool {
        matches!(self.kind, ArgKind::Str(_))
    }
}
