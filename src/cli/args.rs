//! clap types: the first stage of argument handling. Nothing outside `cli` sees them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// baobei: keyword and title optimisation for Taobao and Tmall listings.
#[derive(Debug, Parser)]
#[command(name = "baobei", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Output format: a table for people, CSV (Chinese headers) or JSON Lines. Default: table on
    /// a terminal, CSV when piped.
    #[arg(long, global = true, value_enum)]
    pub format: Option<FormatArg>,
    /// Worker threads (default: all cores).
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
    /// An extra dictionary file (lexicon, brands, prohibited or stop words, told apart by the
    /// header line). Repeatable; later files override earlier ones.
    #[arg(long = "dict", global = true, value_name = "FILE")]
    pub dicts: Vec<PathBuf>,
    /// Title budget in GBK bytes.
    #[arg(long, global = true, value_name = "BYTES", default_value_t = crate::title::text::DEFAULT_BUDGET)]
    pub budget: usize,
    /// No progress bar and no summary on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Segment titles into typed tokens (brand, product, attribute, spec, ...).
    Segment(TitleArgs),
    /// Check titles: budget, prohibited words, repeated words, wasted spaces, characters.
    Lint(TitleArgs),
    /// Run baobei on its built-in sample market, no files needed.
    Demo,
}

/// Where titles come from and where results go.
#[derive(Debug, Args)]
pub struct TitleArgs {
    /// Titles to process (each one record, in order).
    #[arg(value_name = "TITLE")]
    pub titles: Vec<String>,
    /// A file of titles: CSV, TSV, XLSX, JSON Lines (with a title column) or text (one per line).
    #[arg(long, short, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Write results to FILE (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Where to write rejected rows (default: beside the output, or `<input>.rejects.csv`).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
}
