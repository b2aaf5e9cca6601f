//! baobei: keyword and title optimisation for Taobao and Tmall listings.
#![warn(clippy::print_stdout, clippy::print_stderr)]
#![deny(missing_docs)]

pub mod cli;
pub mod dictionary;
pub mod input;
pub mod market;
pub mod sample;
pub mod title;
