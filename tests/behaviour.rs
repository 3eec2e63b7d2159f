//! Generated programs, served by the real Caddy and NGINX, answer every
//! request as the reference model of their plans says
//! (`infrac::render::reference`). A fixed seed and 50 programs × 40
//! requests here; `cargo run --release --example behaviour -- SECONDS`
//! runs it for as long as asked with a random seed.

mod common;

use common::behaviour::{Lab, first_failure, generate, shrink};

#[test]
fn generated_programs_answer_as_their_plans_say_on_both_proxies() {
    let seed: u64 = std::env::var("INFRAC_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let programs: u64 = std::env::var("INFRAC_PROGRAMS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let lab = Lab::start("behaviour");
    let mut requests = 0;
    for i in 0..programs {
        let program = generate(seed + i, 40, lab.backend());
        requests += program.requests.len();
        match first_failure(&lab, &program) {
            Err(e) => panic!(
                "seed {}: the generator made a program infrac refuses: {e}\n{}",
                seed + i,
                program.shown()
            ),
            Ok(None) => {}
            Ok(Some(_)) => {
                let (small, why) = shrink(&lab, &program);
                panic!(
                    "seed {} (INFRAC_SEED to rerun), shrunk to:\n{}request: {why}",
                    seed + i,
                    small.shown()
                );
            }
        }
    }
    assert!(requests >= 40 * usize::try_from(programs).unwrap_or(0));
}
