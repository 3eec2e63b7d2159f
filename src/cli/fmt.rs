//! `infrac fmt`: rewrites source files in the canonical layout
//! (`syntax::fmt`), or with `--check` lists those that would change.

use std::io::Write;

use camino::{Utf8Path, Utf8PathBuf};

use super::{Color, color_choice, exit, width};
use crate::diag;
use crate::program;
use crate::syntax::fmt::{self, Error};

/// Formats every `*.infra` file under `paths`; the exit code.
pub fn run(paths: &[Utf8PathBuf], check: bool, color: Color) -> u8 {
    let mut code = exit::OK;
    let mut changed = Vec::new();
    for path in paths {
        let sources = match program::load_dir(path) {
            Ok(s) => s,
            Err(err) => {
                eprintln!("error: {err}");
                return exit::FAILURE;
            }
        };
        for (id, file) in sources.iter() {
            match fmt::format(id, &file.text) {
                Ok(text) if text == file.text => {}
                Ok(text) => {
                    if !check && let Err(err) = write(&file.display, &text) {
                        eprintln!("error: cannot write {}: {err}", file.display);
                        return exit::FAILURE;
                    }
                    changed.push(file.display.clone());
                }
                Err(Error::Syntax(d)) => {
                    let text = diag::to_human(&[d], &sources, color_choice(color), width());
                    let _ = std::io::stderr().write_all(text.as_bytes());
                    code = exit::INPUT;
                }
                Err(Error::Changed(why)) => {
                    eprintln!(
                        "error: formatting {} would change what it says ({why}), so it was left as it is; this is a bug in infrac fmt, please report it with the file",
                        file.display
                    );
                    code = exit::FAILURE;
                }
            }
        }
    }
    for path in &changed {
        if check {
            println!("would reformat {path}");
        } else {
            eprintln!("formatted {path}");
        }
    }
    if check && !changed.is_empty() && code == exit::OK {
        code = exit::INPUT;
    }
    code
}

/// Replaces `path` by `text` in one step (a reader sees the old file or
/// the new one), keeping its permissions.
fn write(path: &Utf8Path, text: &str) -> std::io::Result<()> {
    let name = path.file_name().unwrap_or("file");
    let tmp = path.with_file_name(format!(".{name}.infrac-fmt"));
    std::fs::write(&tmp, text)?;
    if let Ok(meta) = std::fs::metadata(path) {
        std::fs::set_permissions(&tmp, meta.permissions())?;
    }
    std::fs::rename(&tmp, path)
}
