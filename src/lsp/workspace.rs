//! The program an editor shows: every `*.infra` file under the workspace
//! folder, with the editor's unsaved buffers in place of the files on disk,
//! checked as `infrac check` checks it.

use std::collections::BTreeMap;

use camino::{Utf8Path, Utf8PathBuf};
use lsp_types::{DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Uri};

use super::position::range;
use crate::diag::{Diagnostic, Severity};
use crate::program;
use crate::source::SourceMap;

#[derive(Default)]
pub struct Workspace {
    pub root: Option<Utf8PathBuf>,
    /// Buffers the editor has open, by absolute path.
    pub open: BTreeMap<Utf8PathBuf, String>,
    /// What the last check said, by file (for hovers).
    pub diagnostics: BTreeMap<Utf8PathBuf, Vec<lsp_types::Diagnostic>>,
}

impl Workspace {
    /// The program: files on disk, open buffers over them; each file named
    /// by its path relative to the root and shown by its absolute path.
    #[must_use]
    pub fn sources(&self) -> SourceMap {
        let mut texts: BTreeMap<Utf8PathBuf, String> = BTreeMap::new();
        if let Some(root) = &self.root
            && let Ok(disk) = program::load_dir(root)
        {
            for (_, f) in disk.iter() {
                texts.insert(f.display.clone(), f.text.clone());
            }
        }
        for (path, text) in &self.open {
            texts.insert(path.clone(), text.clone());
        }
        let mut sources = SourceMap::new();
        for (path, text) in texts {
            let name = self
                .root
                .as_ref()
                .and_then(|r| path.strip_prefix(r).ok())
                .map_or_else(|| path.clone(), Utf8Path::to_owned);
            sources.add_shown(name, path, text);
        }
        sources
    }

    /// The text of a file: the open buffer, else the file on disk.
    #[must_use]
    pub fn text(&self, path: &Utf8Path) -> Option<String> {
        self.open
            .get(path)
            .cloned()
            .or_else(|| std::fs::read_to_string(path).ok())
    }
}

/// Every file's diagnostics (an empty list for a clean file, which clears
/// what the editor showed).
#[must_use]
pub fn diagnostics(sources: &SourceMap) -> Vec<(Utf8PathBuf, Vec<lsp_types::Diagnostic>)> {
    let checked = program::analyze(sources);
    let mut by_file: BTreeMap<Utf8PathBuf, Vec<lsp_types::Diagnostic>> = sources
        .iter()
        .map(|(_, f)| (f.display.clone(), Vec::new()))
        .collect();
    for d in &checked.diagnostics {
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
