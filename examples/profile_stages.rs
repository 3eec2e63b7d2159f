//! Times each stage on the benchmark program: `cargo run --release --example profile_stages`.
#[path = "../benches/generate/mod.rs"]
mod generate;

use std::time::Instant;

fn main() {
    let (sources, _) = generate::sources(500, 10_000);
    for _ in 0..3 {
        let t = Instant::now();
        let mut asts: Vec<_> = sources
            .iter()
            .map(|(id, f)| {
                std::borrow::Cow::Owned(infrac::syntax::parse(id, &f.text).expect("valid"))
            })
            .collect();
        let parsed = t.elapsed();
        let t = Instant::now();
        let listed = infrac::check::lists::expand(&sources, &mut asts);
        let listed_in = t.elapsed();
        let t = Instant::now();
        let asts: Vec<&infrac::syntax::Ast<'_>> = asts.iter().map(|a| &**a).collect();
        let checked = infrac::check::check(&sources, &asts, listed);
        let checked_in = t.elapsed();
        assert!(checked.model.is_some());
        println!(
            "parse {:.1} ms, lists {:.1} ms, check {:.1} ms",
            parsed.as_secs_f64() * 1e3,
            listed_in.as_secs_f64() * 1e3,
            checked_in.as_secs_f64() * 1e3
        );
    }
}
