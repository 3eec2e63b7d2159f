//! infrac: a compiler from a small declarative language describing web
//! hosting to the files servers run. See ARCHITECTURE.md for the stages.
//!
//! ```text
//! parse (syntax) → check (check) → model → render → write / apply
//! ```

// pest_derive without `std` writes `alloc::` paths.
extern crate alloc;

pub mod apply;
pub mod check;
pub mod cli;
pub mod diag;
pub mod layout;
pub mod lsp;
pub mod manifest;
pub mod model;
pub mod output;
pub mod parallel;
pub mod program;
pub mod quote;
pub mod render;
pub mod source;
pub mod syntax;
pub mod vocabulary;
