//! baobei: keyword and title optimisation for Taobao and Tmall listings.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod cli;
pub mod market;
