//! The language server's re-check latency after a one-line edit, on the
//! benchmark program (`benches/generate`) at 1,000 and 10,000 sites:
//! `cargo run --release --example lsp_recheck`. What is timed is what
//! `infrac lsp` does on `didChange`: take in the edited buffer (and what
//! changed on disk), re-check, turn every diagnostic into an LSP one.
//! Median and worst of 15 edits each, after a first (cold) check, which
//! is timed too; then the same edits checked from scratch
//! (`program::analyze`), for comparison.
#[path = "../benches/generate/mod.rs"]
mod generate;

use std::time::Instant;

use infrac::lsp::workspace::Workspace;

fn summary(mut times: Vec<f64>) -> String {
    times.sort_by(f64::total_cmp);
    format!(
        "median {:.1} ms, worst {:.1} ms",
        times[times.len() / 2],
        times[times.len() - 1]
    )
}

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
        let start = Instant::now();
        let mut ws = Workspace::new(Some(dir.clone()));
        assert_eq!(ws.check().len(), files.len());
        let cold = start.elapsed().as_secs_f64() * 1000.0;
        // A one-line edit: a service's port, then a site's error page.
        let edit = |i: usize| {
            let (from, to) = if i.is_multiple_of(2) {
                ("port 8080", format!("port {}", 8081 + i))
            } else {
                ("error 404 /404.html", format!("error 404 /404-{i}.html"))
            };
            let text = original.replacen(from, &to, 1);
            assert_ne!(text, original);
            text
        };
        let mut times = Vec::new();
        for i in 0..16 {
            ws.open.insert(edited.clone(), edit(i));
            let start = Instant::now();
            let published = ws.check();
            times.push(start.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(published.len(), files.len());
            assert!(published.iter().all(|(_, d)| d.is_empty()));
        }
        let mut scratch = Vec::new();
        for i in 0..16 {
            ws.open.insert(edited.clone(), edit(i));
            ws.refresh();
            let start = Instant::now();
            let checked = infrac::program::analyze(&ws.program);
            scratch.push(start.elapsed().as_secs_f64() * 1000.0);
            assert!(checked.diagnostics.is_empty());
        }
        println!(
            "{sites} sites ({} files): first check {cold:.1} ms; re-check after a one-line edit {}; from scratch {}",
            files.len(),
            summary(times),
            summary(scratch)
        );
    }
}
