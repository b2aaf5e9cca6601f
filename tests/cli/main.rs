//! The `baobei` binary end to end: formats, exit codes, files, rejects, pipes.
//! One module per command or topic; `support` runs the binary.

#[path = "../common/mod.rs"]
mod common;
mod support;

mod ads;
mod demo;
mod determinism;
mod index;
mod input;
mod keywords;
mod lang;
mod night;
mod output;
mod runs;
mod suggest;
mod titles;
