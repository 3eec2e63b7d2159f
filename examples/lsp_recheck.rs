//! The language server's re-check latency after a one-line edit, on the
//! benchmark program (`benches/generate`) at 1,000 and 10,000 sites:
//! `cargo run --release --example lsp_recheck`. What is timed is what
//! `infrac lsp` does on `didChange`: read the program (disk files, the
//! edited buffer over its file), check it, turn every diagnostic into an
//! LSP one. Median and worst of 15 edits each.
#[path = "../benches/generate/mod.rs"]
mod generate;

use std::time::Instant;

use infrac::lsp::workspace::{Workspace, diagnostics};

fn main() {
    for (hosts, sites) in [(50, 1_000), (500, 10_000)] {
        let dir = camino::Utf8PathBuf::from(format!("/tmp/infrac-lsp-bench-{sites}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let files = generate::program(hosts, sites);
        for (name, text) in &files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        let edited = dir.join(&files[1].0);
        let original = files[1].1.clone();
        let mut ws = Workspace {
            root: Some(dir.clone()),
            ..Workspace::default()
        };
        let mut times = Vec::new();
        for i in 0..15 {
            // A one-line edit: a port changes.
            let text = original.replacen("port 8080", &format!("port {}", 8081 + i), 1);
            ws.open.insert(edited.clone(), text);
            let start = Instant::now();
            let published = diagnostics(&ws.sources());
            times.push(start.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(published.len(), files.len());
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{sites} sites ({} files): re-check after a one-line edit, median {:.1} ms, worst {:.1} ms",
            files.len(),
            times[times.len() / 2],
            times[times.len() - 1]
        );
    }
}
