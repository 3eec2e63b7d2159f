//! The syntax tree: directives with arguments and blocks, every node spanned.

use crate::source::{FileId, Span, Spanned};

/// One parsed file.
#[derive(Clone, Debug)]
pub struct Ast {
    pub file: FileId,
    pub items: Vec<Directive>,
}

/// `name arg… { … }`
#[derive(Clone, Debug)]
pub struct Directive {
    pub name: Spanned<String>,
    pub args: Vec<Arg>,
    pub block: Option<Block>,
    /// From the name to the end of the last argument or the closing brace.
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Block {
    pub items: Vec<Directive>,
    /// From `{` to `}`.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArgKind {
    /// A bare word: `opam.ocaml.org`, `15m`, `/var/www`, `https://x{uri}`.
    Word(String),
    /// A quoted string, escapes resolved.
    Str(String),
    /// `[a, b]`
    List(Vec<Arg>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg {
    pub kind: ArgKind,
    pub span: Span,
}

impl Arg {
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
