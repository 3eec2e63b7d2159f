//! Every file of every accepted generated program passes its real
//! validator and reads back (`common::programs`): seeded, reproducible, a
//! failure shrunk to a small program. `INFRAC_SEED` and `INFRAC_PROGRAMS`
//! change the run; `examples/generated_programs.rs` runs it for as long as
//! asked.

mod common;

#[test]
fn every_file_of_generated_programs_passes_its_validator() {
    let seed = std::env::var("INFRAC_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_122);
    let count = std::env::var("INFRAC_PROGRAMS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(24);
    let base = common::temp_dir("generated");
    let report = common::programs::run(seed, count, 2, &base);
    eprintln!(
        "seed {seed}: {} programs, {} accepted ({} files validated), {} rejected",
        report.programs,
        report.accepted,
        report.files_validated,
        report.rejected.len()
    );
    for rejection in &report.rejected {
        eprintln!("rejected: {rejection}");
    }
    for (seed, program, error) in &report.failures {
        eprintln!("--- seed {seed}, shrunk to:\n{program}--- fails: {error}\n");
    }
    assert!(
        report.failures.is_empty(),
        "{} programs failed (above)",
        report.failures.len()
    );
    // The generator writes valid programs: a rejection is its mistake, and
    // too many would leave the property untested.
    assert!(
        report.rejected.is_empty(),
        "rejected: {:#?}",
        report.rejected
    );
}
