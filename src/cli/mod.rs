//! Command-line edge: parses arguments and maps results to exit codes.

/// Runs the command line and returns the process exit code.
pub fn run() -> i32 {
    0
}
