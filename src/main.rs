// mimalloc instead of the system allocator: the checker and the renderers
// make many small allocations, and it checks and renders the benchmark
// program 18% faster (`cargo bench --bench check`, `--bench build`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    infrac::cli::main()
}
