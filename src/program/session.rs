//! A program checked again and again (`infrac lsp`, after every edit):
//! each file is parsed once per text, and the check reuses what the files
//! that did not change gave the check before ([`check::Memo`]). It reports
//! what [`super::analyze`] reports (`tests/recheck.rs`).

use std::borrow::Cow;
use std::collections::HashMap;

use camino::Utf8PathBuf;

use crate::check::{self, Memo};
use crate::diag::Diagnostic;
use crate::source::{FileId, SourceMap};
use crate::syntax::{self, Ast};

/// A file's text as parsed, and where it was in the program.
struct Text {
    file: FileId,
    text: String,
}

type Parse<'a> = Result<Ast<'a>, Diagnostic>;

self_cell::self_cell!(
    /// A file's text and its syntax tree, which borrows from it.
    struct Parsed {
        owner: Text,
        #[covariant]
        dependent: Parse,
    }
);

#[derive(Default)]
pub struct Session {
    /// By the path a file is shown by.
    parsed: HashMap<Utf8PathBuf, Parsed>,
    memo: Memo,
    /// How many files the last check parsed.
    parsed_last: usize,
}

impl Session {
    /// The syntax tree of the file shown as `display`, as last checked
    /// (none when it does not parse).
    #[must_use]
    pub fn tree(&self, display: &camino::Utf8Path) -> Option<&Ast<'_>> {
        self.parsed.get(display)?.borrow_dependent().as_ref().ok()
    }

    /// How many files the last check parsed (the others were as before).
    #[must_use]
    pub fn parsed_last(&self) -> usize {
        self.parsed_last
    }

    /// Every diagnostic of the program, as [`super::analyze`] gives them.
    pub fn diagnostics(&mut self, sources: &SourceMap) -> Vec<Diagnostic> {
        let mut before = std::mem::take(&mut self.parsed);
        let mut todo = Vec::new();
        for (id, f) in sources.iter() {
            match before.remove(&f.display) {
                Some(p) if p.borrow_owner().file == id && p.borrow_owner().text == f.text => {
                    self.parsed.insert(f.display.clone(), p);
                }
                _ => todo.push((id, f)),
            }
        }
        self.parsed_last = todo.len();
        let bytes: usize = todo.iter().map(|(_, f)| f.text.len()).sum();
        let fresh = crate::parallel::map(&todo, bytes >= super::PARALLEL_BYTES, |(id, f)| {
            let text = Text {
                file: *id,
                text: f.text.clone(),
            };
            (
                f.display.clone(),
                Parsed::new(text, |t| syntax::parse(t.file, &t.text)),
            )
        });
        self.parsed.extend(fresh);

        let parses: Vec<&Parse<'_>> = sources
            .iter()
            .filter_map(|(_, f)| self.parsed.get(&f.display))
            .map(Parsed::borrow_dependent)
            .collect();
        let errors: Vec<Diagnostic> = parses
            .iter()
            .filter_map(|p| p.as_ref().err().cloned())
            .collect();
        if !errors.is_empty() {
            return errors;
        }
        let mut asts: Vec<Cow<'_, Ast<'_>>> = parses
            .iter()
            .filter_map(|p| p.as_ref().ok())
            .map(Cow::Borrowed)
            .collect();
        let listed = check::lists::expand(sources, &mut asts);
        let asts: Vec<&Ast<'_>> = asts.iter().map(|a| &**a).collect();
        check::recheck(sources, &asts, listed, &mut self.memo)
    }
}
