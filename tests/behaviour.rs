//! Generated programs, served by the real Caddy and NGINX, answer every
//! request as the reference model of their plans says
//! (`infrac::render::reference`). A fixed seed and 50 programs × 40
//! requests here; `cargo run --release --example behaviour -- SECONDS`
//! runs it for as long as asked with a random seed.

mod common;

use common::behaviour::{Lab, Outcomes, check, generate, shrink};

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
    let mut outcomes = Outcomes::default();
    for i in 0..programs {
        let program = generate(seed + i, 40, lab.backend());
        match check(&lab, &program, &mut outcomes) {
            Err(e) => panic!("seed {}: not served: {e}\n{}", seed + i, program.shown()),
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
    // The requests reached every kind of answer the plans give: files,
    // every redirect status, misses, writes to files, bodies over the
    // limit, refused handshakes, backends, answers over TLS, compressed
    // ones and ones with a site's headers.
    if programs >= 50 {
        for status in [0, 200, 301, 302, 307, 308, 404, 405, 413] {
            assert!(
                outcomes.statuses.contains(&status),
                "no request expected {status}: {outcomes:?}"
            );
        }
        assert!(outcomes.proxied > 10, "{outcomes:?}");
        assert!(outcomes.over_tls > 20, "{outcomes:?}");
        assert!(outcomes.compressed > 5, "{outcomes:?}");
        assert!(outcomes.with_header > 50, "{outcomes:?}");
        assert!(outcomes.challenges > 5, "{outcomes:?}");
    }
}
