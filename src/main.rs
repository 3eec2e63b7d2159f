fn main() -> std::process::ExitCode {
    infrac::cli::main()
}
