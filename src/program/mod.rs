//! A whole program: every `*.infra` file under a folder, parsed and checked.
//! [`load_dir`] is the only IO; [`analyze`] is pure.

use std::borrow::Cow;

use camino::{Utf8Path, Utf8PathBuf};

mod session;

pub use session::Session;

use crate::check::{self, Checked};
use crate::source::SourceMap;
use crate::syntax;

/// The extension of infrac source files.
pub const EXTENSION: &str = "infra";

/// Why a folder could not be read (a usage or IO problem, exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: Utf8PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not valid UTF-8")]
    NotUtf8 { path: Utf8PathBuf },
    #[error("no `*.{EXTENSION}` files under {path}")]
    Empty { path: Utf8PathBuf },
}

/// Reads every `*.infra` file under `dir` (recursively, sorted by path). A
/// file is named relative to `dir` in generated files (`opam.infra`, the
/// same from any working directory) and by its path as given in
/// diagnostics (`sites/opam.infra`, which the user can open). A single
/// file may be given instead of a folder. A leading byte-order mark is
/// dropped.
pub fn load_dir(dir: &Utf8Path) -> Result<SourceMap, LoadError> {
    let (base, files) = files(dir)?;
    let mut sources = SourceMap::new();
    for path in files {
        let text = read(&path)?;
        let name = path.strip_prefix(&base).unwrap_or(&path).to_owned();
        sources.add_shown(name, path.clone(), text);
    }
    Ok(sources)
}

fn io(path: &Utf8Path) -> impl FnOnce(std::io::Error) -> LoadError {
    let path = path.to_owned();
    move |source| LoadError::Io { path, source }
}

/// The files of the program under `dir` (see [`load_dir`]), sorted, and
/// the folder their names are relative to.
pub fn files(dir: &Utf8Path) -> Result<(Utf8PathBuf, Vec<Utf8PathBuf>), LoadError> {
    let mut files = Vec::new();
    let meta = std::fs::metadata(dir).map_err(io(dir))?;
    if meta.is_file() {
        files.push(dir.to_owned());
    } else {
        let mut stack = vec![dir.to_owned()];
        while let Some(folder) = stack.pop() {
            for entry in std::fs::read_dir(&folder).map_err(io(&folder))? {
                let entry = entry.map_err(io(&folder))?;
                let path =
                    Utf8PathBuf::from_path_buf(entry.path()).map_err(|p| LoadError::NotUtf8 {
                        path: p.to_string_lossy().into_owned().into(),
                    })?;
                let kind = entry.file_type().map_err(io(&path))?;
                if kind.is_dir() {
                    if !path.file_name().is_some_and(|n| n.starts_with('.')) {
                        stack.push(path);
                    }
                } else if path.extension() == Some(EXTENSION) {
                    files.push(path);
                }
            }
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(LoadError::Empty {
            path: dir.to_owned(),
        });
    }
    let base = if meta.is_file() {
        dir.parent().unwrap_or(Utf8Path::new("")).to_owned()
    } else {
        dir.to_owned()
    };
    Ok((base, files))
}

/// One source file's text, without a leading byte-order mark.
pub fn read(path: &Utf8Path) -> Result<String, LoadError> {
    let bytes = std::fs::read(path).map_err(io(path))?;
    let mut text = String::from_utf8(bytes).map_err(|_| LoadError::NotUtf8 {
        path: path.to_owned(),
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

/// Parses and checks every file of a program. Syntax errors in any file
/// stop before the checks (which would report names from the broken file
/// as unknown); all files' syntax errors are reported together.
#[must_use]
pub fn analyze(sources: &SourceMap) -> Checked {
    let mut asts = Vec::with_capacity(sources.len());
    let mut diagnostics = Vec::new();
    for result in parse_all(sources) {
        match result {
            Ok(ast) => asts.push(ast),
            Err(diag) => diagnostics.push(diag),
        }
    }
    if !diagnostics.is_empty() {
        return Checked {
            model: None,
            diagnostics,
        };
    }
    let mut asts: Vec<Cow<'_, syntax::Ast<'_>>> = asts.into_iter().map(Cow::Owned).collect();
    let listed = check::lists::expand(sources, &mut asts);
    let asts: Vec<&syntax::Ast<'_>> = asts.iter().map(|a| &**a).collect();
    check::check(sources, &asts, listed)
}

/// Below this much source text one thread parses everything: starting
/// threads would cost more than it saves.
const PARALLEL_BYTES: usize = 256 * 1024;

/// Parses every file, in file order; large programs on all cores (files are
/// independent).
fn parse_all(sources: &SourceMap) -> Vec<Result<syntax::Ast<'_>, crate::diag::Diagnostic>> {
    let files: Vec<_> = sources.iter().collect();
    let bytes: usize = files.iter().map(|(_, f)| f.text.len()).sum();
    crate::parallel::map(&files, bytes >= PARALLEL_BYTES, |(id, f)| {
        syntax::parse(*id, &f.text)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A word naming an unknown list is reported once, as that (not also as
    /// a bad domain), and the rest of the program is still checked.
    #[test]
    fn an_unknown_list_is_one_problem_among_the_others() {
        let mut sources = SourceMap::new();
        sources.add(
            "a.infra",
            "host h { address 127.0.0.1; proxy caddy }\n\
             site s {\n    domains @nope\n    on h\n    static\n    max_body 12q\n}\n",
        );
        let checked = analyze(&sources);
        let codes: Vec<&str> = checked.diagnostics.iter().map(|d| d.code.name()).collect();
        assert_eq!(codes, ["unknown-list", "invalid-size"]);
        assert!(checked.model.is_none());
    }
}
