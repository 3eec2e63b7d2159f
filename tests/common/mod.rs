//! Helpers shared by the integration tests.
#![allow(dead_code)]

use camino::Utf8Path;
use infrac::check::Checked;
use infrac::diag::{self, ColorChoice};
use infrac::source::SourceMap;

/// A program from `(name, text)` pairs.
pub fn program(files: &[(&str, &str)]) -> SourceMap {
    let mut sources = SourceMap::new();
    for (name, text) in files {
        sources.add(*name, *text);
    }
    sources
}

/// A program of one file read from disk, named by its file name.
pub fn program_file(path: &std::path::Path) -> SourceMap {
    let path = Utf8Path::from_path(path).expect("UTF-8 test paths");
    let text = std::fs::read_to_string(path).expect("readable test case");
    program(&[(path.file_name().expect("a file"), &text)])
}

/// Diagnostics as a person sees them: 80 columns, no colour.
pub fn human(checked: &Checked, sources: &SourceMap) -> String {
    diag::to_human(&checked.diagnostics, sources, ColorChoice::Never, 80)
}

pub fn json(checked: &Checked, sources: &SourceMap) -> String {
    diag::to_json(&checked.diagnostics, sources)
}

pub fn codes(checked: &Checked) -> Vec<String> {
    checked
        .diagnostics
        .iter()
        .map(|d| d.code.name().to_owned())
        .collect()
}
