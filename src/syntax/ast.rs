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

    /// The span of bytes `start..end` of [`Arg::text`]: that part of the
    /// source when the text is the source's, else the whole argument (a
    /// string whose escapes were resolved, a word a named list's item was
    /// put into: their text is not what the file holds there).
    #[must_use]
    pub fn part(&self, start: usize, end: usize) -> Span {
        match &self.kind {
            ArgKind::Word(Cow::Borrowed(_)) => Span::new(
                self.span.file,
                self.span.start + start,
                self.span.start + end,
            ),
            // After the opening quote.
            ArgKind::Str(Cow::Borrowed(_)) => Span::new(
                self.span.file,
                self.span.start + 1 + start,
                self.span.start + 1 + end,
            ),
            _ => self.span,
        }
    }
}
