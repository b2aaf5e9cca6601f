fn main() {
    std::process::exit(baobei::cli::run());
}
