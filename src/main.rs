fn main() -> std::process::ExitCode {
    stagdb::run()
}
