//! Times rendering alone on the benchmark program:
//! `cargo run --release --example profile_render`.
#![allow(clippy::cast_precision_loss)] // sizes in MiB, for people
#[path = "../benches/generate/mod.rs"]
mod generate;

use std::time::Instant;

fn main() {
    let (sources, _) = generate::sources(500, 10_000);
    let model = infrac::program::analyze(&sources).model.expect("valid");
    for _ in 0..5 {
        let t = Instant::now();
        let trees = infrac::render::render(&model).expect("renders");
        let bytes: usize = trees
            .iter()
            .flat_map(|t| &t.files)
            .map(|f| f.content.len())
            .sum();
        println!(
            "render {:.1} ms, {:.1} MiB",
            t.elapsed().as_secs_f64() * 1e3,
            bytes as f64 / 1_048_576.0
        );
    }
}
