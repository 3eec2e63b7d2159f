//! The program an editor shows: every `*.infra` file under the workspace
//! folder, with the editor's unsaved buffers in place of the files on disk,
//! checked as `infrac check` checks it. Files on disk are read again only
//! when their modification time or size changed, and a re-check redoes
//! only what the edit changed (`program::Session`).

use std::collections::BTreeMap;
use std::time::SystemTime;

use camino::{Utf8Path, Utf8PathBuf};
use lsp_types::{DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Uri};

use super::position::range;
use crate::diag::{Diagnostic, Severity};
use crate::program;
use crate::source::{FileId, SourceMap};

#[derive(Default)]
pub struct Workspace {
    pub root: Option<Utf8PathBuf>,
    /// Buffers the editor has open, by absolute path.
    pub open: BTreeMap<Utf8PathBuf, String>,
    /// What the last check said, by file (for hovers).
    pub diagnostics: BTreeMap<Utf8PathBuf, Vec<lsp_types::Diagnostic>>,
    /// The program as last refreshed: files on disk, open buffers over
    /// them; each file named by its path relative to the root and shown by
    /// its absolute path.
    pub program: SourceMap,
    /// Files on disk as last read: modified when, how long, the text.
    disk: BTreeMap<Utf8PathBuf, (Option<SystemTime>, u64, String)>,
    session: program::Session,
}

impl Workspace {
    #[must_use]
    pub fn new(root: Option<Utf8PathBuf>) -> Workspace {
        let mut ws = Workspace {
            root,
            ..Workspace::default()
        };
        ws.refresh();
        ws
    }

    /// Takes in what changed on disk since the last refresh, and the open
    /// buffers.
    pub fn refresh(&mut self) {
        let listed = self
            .root
            .as_ref()
            .and_then(|root| program::files(root).ok())
            .map(|(_, files)| files)
            .unwrap_or_default();
        let mut disk = BTreeMap::new();
        for path in listed {
            let stamp = std::fs::metadata(&path)
                .ok()
                .map(|m| (m.modified().ok(), m.len()));
            let Some((modified, len)) = stamp else {
                continue;
            };
            let text = match self.disk.remove(&path) {
                Some((m, l, text)) if modified.is_some() && m == modified && l == len => text,
                _ => match program::read(&path) {
                    Ok(text) => text,
                    Err(_) => continue,
                },
            };
            disk.insert(path, (modified, len, text));
        }
        self.disk = disk;
        let mut texts: BTreeMap<&Utf8Path, &str> = self
            .disk
            .iter()
            .map(|(p, (_, _, t))| (p.as_path(), t.as_str()))
            .collect();
        for (path, text) in &self.open {
            texts.insert(path, text);
        }
        // The same files (most edits): only changed texts are put in.
        let same_files = texts.len() == self.program.len()
            && texts
                .keys()
                .zip(self.program.iter())
                .all(|(path, (_, f))| *path == f.display);
        if same_files {
            let changed: Vec<(FileId, String)> = self
                .program
                .iter()
                .zip(texts.values())
                .filter(|((_, f), text)| f.text != **text)
                .map(|((id, _), text)| (id, (*text).to_owned()))
                .collect();
            for (id, text) in changed {
                self.program.set_text(id, text);
            }
            return;
        }
        let mut sources = SourceMap::new();
        for (path, text) in texts {
            let name = self
                .root
                .as_ref()
                .and_then(|r| path.strip_prefix(r).ok())
                .unwrap_or(path);
            sources.add_shown(name, path, text.to_owned());
        }
        self.program = sources;
    }

    /// Refreshes and checks the program: every file's diagnostics (an
    /// empty list for a clean file, which clears what the editor showed).
    pub fn check(&mut self) -> Vec<(Utf8PathBuf, Vec<lsp_types::Diagnostic>)> {
        self.refresh();
        let found = self.session.diagnostics(&self.program);
        by_file(&self.program, &found)
    }

    /// The syntax tree of a file of the program as last checked.
    #[must_use]
    pub fn tree(&self, path: &Utf8Path) -> Option<&crate::syntax::Ast<'_>> {
        self.session.tree(path)
    }

    /// The text of a file: the open buffer, else the file on disk (as
    /// last read, for a file of the program).
    #[must_use]
    pub fn text(&self, path: &Utf8Path) -> Option<String> {
        self.open
            .get(path)
            .or_else(|| self.disk.get(path).map(|(_, _, text)| text))
            .cloned()
            .or_else(|| program::read(path).ok())
    }
}

/// Each file's diagnostics in LSP's terms; every file of the program has
/// a list, empty when it is clean.
fn by_file(
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
) -> Vec<(Utf8PathBuf, Vec<lsp_types::Diagnostic>)> {
    let mut by_file: BTreeMap<Utf8PathBuf, Vec<lsp_types::Diagnostic>> = sources
        .iter()
        .map(|(_, f)| (f.display.clone(), Vec::new()))
        .collect();
    for d in diagnostics {
        let file = sources.get(d.span().file);
        by_file
            .entry(file.display.clone())
            .or_default()
            .push(to_lsp(d, sources));
    }
    by_file.into_iter().collect()
}

fn to_lsp(d: &Diagnostic, sources: &SourceMap) -> lsp_types::Diagnostic {
    let primary = &d.labels[0];
    let file = sources.get(primary.span.file);
    let mut message = d.message.clone();
    if !primary.text.is_empty() {
        message.push_str(&format!(" ({})", primary.text));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = d.labels[1..]
        .iter()
        .filter_map(|l| {
            let f = sources.get(l.span.file);
            Some(DiagnosticRelatedInformation {
                location: Location::new(uri(&f.display)?, range(&f.text, l.span.start, l.span.end)),
                message: if l.text.is_empty() {
                    "here".to_owned()
                } else {
                    l.text.clone()
                },
            })
        })
        .collect();
    lsp_types::Diagnostic {
        range: range(&file.text, primary.span.start, primary.span.end),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        source: Some("infrac".to_owned()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..Default::default()
    }
}

/// `file:///…` of an absolute path.
#[must_use]
pub fn uri(path: &Utf8Path) -> Option<Uri> {
    let url = url::Url::from_file_path(path.as_std_path()).ok()?;
    url.as_str().parse().ok()
}

/// The absolute path of a `file:` URI.
#[must_use]
pub fn path(uri: &Uri) -> Option<Utf8PathBuf> {
    let url = url::Url::parse(uri.as_str()).ok()?;
    Utf8PathBuf::from_path_buf(url.to_file_path().ok()?).ok()
}
