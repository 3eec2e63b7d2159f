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

/// The path of a real program the test needs; fails (never skips) with the
/// install step when it is missing.
pub fn require_tool(name: &str) -> std::path::PathBuf {
    let candidates = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(["/usr/sbin".into(), "/sbin".into()]);
    for dir in candidates {
        let path = dir.join(name);
        if path.is_file() {
            return path;
        }
    }
    panic!("`{name}` is not installed: run scripts/install-tools (CI's .ci/run does)");
}

/// The bundled `sites/` program, checked.
pub fn sites_model() -> infrac::model::Model {
    let dir = camino::Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("sites");
    let sources = infrac::program::load_dir(&dir).expect("sites/ loads");
    let checked = infrac::program::analyze(&sources);
    checked.model.expect("sites/ checks clean")
}

/// A fresh temporary folder for one test.
pub fn temp_dir(name: &str) -> camino::Utf8PathBuf {
    let dir = camino::Utf8PathBuf::from_path_buf(std::env::temp_dir())
        .expect("UTF-8 temp dir")
        .join(format!("infrac-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// Writes a self-signed certificate and key (for any name) to `cert` and `key`.
pub fn self_signed(cert: &std::path::Path, key: &std::path::Path) {
    for p in [cert, key] {
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
    }
    let status = std::process::Command::new(require_tool("openssl"))
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=infrac-test",
        ])
        .arg("-keyout")
        .arg(key)
        .arg("-out")
        .arg(cert)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run openssl");
    assert!(
        status.success(),
        "openssl could not make a test certificate"
    );
}
