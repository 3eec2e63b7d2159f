//! The generated-programs property (`tests/generated.rs`) for as long as
//! asked: `cargo run --release --example generated_programs -- [SECONDS]
//! [SEED]` (a random seed by default). Every file of every accepted program
//! through its real validator and reader; each failure shrunk and printed
//! with its seed. Exits 1 on a failure.

#[path = "../tests/common/mod.rs"]
mod common;

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(60);
    let seed: u64 = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    let base = common::temp_dir("generated-long");
    let start = std::time::Instant::now();
    let (mut programs, mut accepted, mut files, mut rejected, mut failures) = (0, 0, 0, 0, 0);
    let mut next = seed;
    while start.elapsed().as_secs() < seconds {
        let report = common::programs::run(next, 20, 2, &base);
        next = next.wrapping_add(20);
        programs += report.programs;
        accepted += report.accepted;
        files += report.files_validated;
        rejected += report.rejected.len();
        for (seed, program, error) in &report.failures {
            failures += 1;
            println!("--- seed {seed}, shrunk to:\n{program}--- fails: {error}\n");
        }
        for r in &report.rejected {
            println!("rejected: {r}");
        }
    }
    println!(
        "seeds {seed}..{next}: {programs} programs, {accepted} accepted, {files} files validated and read back, {rejected} rejected, {failures} failures, {:.0} s",
        start.elapsed().as_secs_f64()
    );
    if failures > 0 {
        std::process::exit(1);
    }
}
