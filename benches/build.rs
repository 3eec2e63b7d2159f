//! `cargo bench --bench build`: check, render and write the files of a
//! generated program of 10,000 sites over 500 hosts (target: under 250 ms
//! on the 2-core CI machine), with the time of each stage, in the three
//! situations a user meets:
//!
//! - fresh: `out/` does not exist, every file is written;
//! - unchanged: `out/` is up to date, nothing is written;
//! - one site changed: the hosts of that site (a pool of two) are written.

mod generate;

use std::time::{Duration, Instant};

use infrac::program::analyze;
use infrac::source::SourceMap;

struct Run {
    check: Duration,
    render: Duration,
    write: Duration,
    files: usize,
    hosts_written: usize,
}

impl Run {
    fn total(&self) -> Duration {
        self.check + self.render + self.write
    }
}

fn run(sources: &SourceMap, out: &camino::Utf8Path) -> Run {
    let t0 = Instant::now();
    let checked = analyze(sources);
    let model = checked.model.expect("the generated program is valid");
    let t1 = Instant::now();
    let trees = infrac::render::render(&model).expect("renders");
    let t2 = Instant::now();
    let written = infrac::output::write(&trees, out).expect("writes");
    let t3 = Instant::now();
    Run {
        check: t1 - t0,
        render: t2 - t1,
        write: t3 - t2,
        files: trees.iter().map(|t| t.files.len() + 1).sum(),
        hosts_written: written.written.len(),
    }
}

fn report(what: &str, mut runs: Vec<Run>) {
    runs.sort_by_key(Run::total);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let m = &runs[runs.len() / 2];
    println!(
        "{what:<17} median {:7.1} ms (check {:.1}, render {:.1}, write {:.1}, {} hosts written); min {:.1}, max {:.1} ({} runs)",
        ms(m.total()),
        ms(m.check),
        ms(m.render),
        ms(m.write),
        m.hosts_written,
        ms(runs[0].total()),
        ms(runs[runs.len() - 1].total()),
        runs.len(),
    );
}

fn main() {
    let (hosts, sites) = (500, 10_000);
    let files = generate::program(hosts, sites);
    // The same program with one site (`s0`, on a pool of two hosts) edited.
    let mut edited = files.clone();
    let text = &mut edited[1].1;
    assert!(
        text.starts_with("service app0 "),
        "sites-000 starts with s0"
    );
    *text = text.replacen("X-Frame-Options DENY", "X-Frame-Options SAMEORIGIN", 1);
    let (a, b) = (generate::source_map(&files), generate::source_map(&edited));
    // On the project's disk, where `out/` lives.
    let out = camino::Utf8PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-out");
    let _ = std::fs::remove_dir_all(&out);
    let first = run(&a, &out);
    // `cargo test --all-targets` runs this without `--bench`: one build, and
    // that a rebuild writes nothing and the edit writes its two hosts, are
    // the test.
    if !std::env::args().any(|a| a == "--bench") {
        assert_eq!(first.hosts_written, hosts);
        assert_eq!(run(&a, &out).hosts_written, 0);
        assert_eq!(run(&b, &out).hosts_written, 2);
        let _ = std::fs::remove_dir_all(&out);
        return;
    }
    println!(
        "build: {sites} sites, {hosts} hosts -> {} files",
        first.files
    );
    let fresh = (0..5)
        .map(|_| {
            let _ = std::fs::remove_dir_all(&out);
            run(&a, &out)
        })
        .collect();
    report("fresh out/", fresh);
    let unchanged = (0..10).map(|_| run(&a, &out)).collect();
    report("unchanged", unchanged);
    let one = (0..10)
        .map(|i| run(if i % 2 == 0 { &b } else { &a }, &out))
        .collect();
    report("one site changed", one);
    let _ = std::fs::remove_dir_all(&out);
}
