//! `cargo bench --bench build`: check, render and write the files of a
//! generated program of 10,000 sites over 500 hosts (target: under 250 ms
//! on the 2-core CI machine), with the time of each stage.

mod generate;

use std::time::{Duration, Instant};

use infrac::program::analyze;
use infrac::source::SourceMap;

fn main() {
    let (hosts, sites) = (500, 10_000);
    let files = generate::program(hosts, sites);
    let mut sources = SourceMap::new();
    for (name, text) in &files {
        sources.add(name.as_str(), text.as_str());
    }
    // On the project's disk, where `out/` lives.
    let out = camino::Utf8PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-out");
    let run = || {
        let t0 = Instant::now();
        let checked = analyze(&sources);
        let model = checked.model.expect("the generated program is valid");
        let t1 = Instant::now();
        let trees = infrac::render::render(&model).expect("renders");
        let t2 = Instant::now();
        infrac::output::write(&trees, &out).expect("writes");
        let t3 = Instant::now();
        let count: usize = trees.iter().map(|t| t.files.len() + 1).sum();
        (t1 - t0, t2 - t1, t3 - t2, count)
    };
    let (_, _, _, count) = run();
    // `cargo test --all-targets` runs this without `--bench`: one run (the
    // program builds) is the test.
    if !std::env::args().any(|a| a == "--bench") {
        let _ = std::fs::remove_dir_all(&out);
        return;
    }
    let mut runs: Vec<(Duration, Duration, Duration)> = (0..10)
        .map(|_| {
            let (a, b, c, _) = run();
            (a, b, c)
        })
        .collect();
    runs.sort_by_key(|(a, b, c)| *a + *b + *c);
    let (a, b, c) = runs[runs.len() / 2];
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "build: {sites} sites, {hosts} hosts -> {count} files: median {:.1} ms (check {:.1}, render {:.1}, write {:.1}); min {:.1} ms (10 runs)",
        ms(a + b + c),
        ms(a),
        ms(b),
        ms(c),
        ms(runs[0].0 + runs[0].1 + runs[0].2),
    );
    let _ = std::fs::remove_dir_all(&out);
}
