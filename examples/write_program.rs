//! Writes the benchmark program (10,000 sites over 500 hosts) into a folder,
//! to time the `infrac` command itself:
//! `cargo run --release --example write_program -- /tmp/program` then
//! `hyperfine 'target/release/infrac build /tmp/program -o /tmp/out'`.
#[path = "../benches/generate/mod.rs"]
mod generate;

fn main() -> std::io::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "bench-program".to_owned());
    std::fs::create_dir_all(&dir)?;
    for (name, text) in generate::program(500, 10_000) {
        std::fs::write(format!("{dir}/{name}"), text)?;
    }
    println!("wrote the benchmark program into {dir}/");
    Ok(())
}
