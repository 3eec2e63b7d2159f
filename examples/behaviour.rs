//! The behaviour property (`tests/behaviour.rs`) for as long as asked:
//! `cargo run --release --example behaviour -- [PROGRAMS] [SEED]` (a
//! random seed by default). Generated programs on the real Caddy and NGINX,
//! every request's answer held to the reference model of the plans; each
//! failure shrunk and printed with its seed. Exits 1 on a failure.

#[path = "../tests/common/mod.rs"]
mod common;

use common::behaviour::{Lab, first_failure, generate, shrink};

fn main() {
    let mut args = std::env::args().skip(1);
    let programs: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(200);
    let seed: u64 = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..1 << 48));
    let lab = Lab::start("behaviour-long");
    let start = std::time::Instant::now();
    let (mut requests, mut failures) = (0, 0);
    for i in 0..programs {
        let program = generate(seed + i, 40, lab.backend());
        requests += program.requests.len();
        match first_failure(&lab, &program) {
            Err(e) => {
                failures += 1;
                println!("--- seed {}: refused: {e}\n{}", seed + i, program.shown());
            }
            Ok(None) => {}
            Ok(Some(_)) => {
                failures += 1;
                let (small, why) = shrink(&lab, &program);
                println!(
                    "--- seed {}, shrunk to:\n{}request: {why}\n",
                    seed + i,
                    small.shown()
                );
            }
        }
        if (i + 1) % 100 == 0 {
            println!(
                "{} programs, {requests} requests x 2 servers, {failures} failures, {:.0} s",
                i + 1,
                start.elapsed().as_secs_f64()
            );
        }
    }
    println!(
        "seeds {seed}..{}: {programs} programs, {requests} requests x 2 servers, {failures} failures, {:.0} s",
        seed + programs,
        start.elapsed().as_secs_f64()
    );
    if failures > 0 {
        // `exit` skips destructors: stop the servers first.
        drop(lab);
        std::process::exit(1);
    }
}
