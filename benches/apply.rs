//! `cargo bench --bench apply`: `infrac apply --all` to 10 hosts, each a
//! prefix with its own running NGINX, over a real sshd on loopback. Times
//! the whole command (build, plans, applies) when nothing changes (target:
//! under 1 s) and when one site on one host changes (its NGINX reloads
//! and is proved). Needs root, sshd and nginx, like the tests.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::lab::Lab;

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    // Without `--bench` (`cargo test --all-targets`): two hosts, one round.
    let count = if bench { 10 } else { 2 };
    let lab = Lab::new("bench-apply");
    let mut hosts = String::from("defaults {\n    site_root /srv\n}\n");
    let mut servers = Vec::new();
    for i in 0..count {
        let (decl, _, server) = lab.nginx_host(&format!("h{i}"), "");
        hosts.push_str(&decl);
        servers.push(server);
    }
    let program = |version: usize| {
        let mut p = hosts.clone();
        for i in 0..count {
            let tag = if i == 0 { version } else { 0 };
            p.push_str(&format!(
                "site s{i} {{\n    domains s{i}.test\n    on h{i}\n    tls off\n    static\n    header X-Version v{tag}\n}}\n"
            ));
        }
        p
    };
    lab.write(&program(0));
    let first = lab.apply(&["--all"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );

    let time = |what: &str| {
        let start = Instant::now();
        let o = lab.apply(&["--all"]);
        let took = start.elapsed();
        assert!(
            o.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        took
    };
    let rounds = if bench { 7 } else { 1 };
    let mut noop: Vec<Duration> = (0..rounds).map(|_| time("no-op")).collect();
    let mut change: Vec<Duration> = (1..=rounds)
        .map(|v| {
            lab.write(&program(v));
            time("one change")
        })
        .collect();
    if !bench {
        return;
    }
    noop.sort();
    change.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "apply --all to {count} hosts, {rounds} runs each (whole command: build, plans, applies)\n  \
         no change:       median {:.0} ms, min {:.0} ms, max {:.0} ms\n  \
         one site change: median {:.0} ms, min {:.0} ms, max {:.0} ms",
        ms(noop[rounds / 2]),
        ms(noop[0]),
        ms(noop[rounds - 1]),
        ms(change[rounds / 2]),
        ms(change[0]),
        ms(change[rounds - 1]),
    );
    drop(servers);
}
