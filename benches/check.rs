//! `cargo bench --bench check`: parse + check a generated program of 10,000
//! sites over 500 hosts (target: under 100 ms on the 2-core CI machine).
#![allow(clippy::cast_precision_loss)] // sizes in MiB, for people

mod generate;

use std::time::{Duration, Instant};

use infrac::program::analyze;

fn main() {
    let (hosts, sites) = (500, 10_000);
    let (sources, bytes) = generate::sources(hosts, sites);
    // Warm up, and make sure the program is valid: a benchmark of the error
    // path would measure something else.
    let checked = analyze(&sources);
    assert!(
        checked.model.is_some(),
        "generated program has errors: {:?}",
        checked.diagnostics.iter().take(3).collect::<Vec<_>>()
    );
    // `cargo test --all-targets` runs this without `--bench`: the check above
    // (the generated program is valid) is the whole test; timing a debug
    // build would only mislead.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let mut times: Vec<Duration> = (0..15)
        .map(|_| {
            let start = Instant::now();
            let checked = analyze(&sources);
            let elapsed = start.elapsed();
            assert!(checked.model.is_some());
            elapsed
        })
        .collect();
    times.sort();
    println!(
        "check: {sites} sites, {hosts} hosts, {} files, {:.1} MiB: min {:.1} ms, median {:.1} ms, max {:.1} ms (15 runs)",
        sources.len(),
        bytes as f64 / 1_048_576.0,
        times[0].as_secs_f64() * 1e3,
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
    );
}
