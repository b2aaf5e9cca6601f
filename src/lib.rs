//! baobei: keyword and title optimisation for Taobao and Tmall listings.
//!
//! The library does the work and never prints; the `baobei` binary is a thin edge over
//! [`cli::run`], which parses arguments into typed settings, calls one library function per
//! command, and prints.
//!
//! - [`text`]: the text model, the bottom layer. [`text::Segmenter`] (jieba-rs plus baobei's
//!   [`dictionary`]) cuts a title into typed [`text::Token`]s whose spans point into the
//!   original text; [`text::chars`] folds characters and counts GBK bytes; [`text::lint`]
//!   finds what breaks the budget, the Advertising Law or wastes bytes; [`text::recall`] is
//!   the one matcher: which search queries a title is found for (every word of the query
//!   among the title's terms, in any order). Nothing in it knows the market or the engine.
//! - [`input`]: readers for the files operators export (CSV, TSV, XLSX, JSON Lines, text;
//!   UTF-8 or GBK), one bad row at a time.
//! - [`market`]: the market model: the memory-mapped keyword table and the listing index, and
//!   the workspace's jobs on them ([`market::keywords`]: import, derive; [`market::index::jobs`]:
//!   add listings, rebuild, stats).
//! - [`item`] and [`keyword`]: the items to optimise and the market's real queries, valued
//!   once ([`keyword::KeywordUniverse`]); [`title::score`] says which queries a title is found
//!   for and [`title::edit`] makes the fewest edits that gain the most.
//! - [`engine`]: the title engine over a workspace: [`engine::Market::open`] builds the market
//!   a job scores against from [`engine::Settings`] (dictionaries, budget, language), and
//!   gives the `score` and `rewrite` records.
//! - [`suggest`]: the keywords an item should have, ranked ([`suggest::Suggester`]), shared by
//!   `suggest`, the ads review's keywords to add, the nightly job and the demo.
//! - [`batch`]: jobs over many rows: bad rows set aside ([`batch::Rejects`], the rejects file),
//!   results in input order whatever the threads, and [`batch::JobError`], what ends a job.
//! - [`spreadsheet`]: the one formula-injection rule of every CSV and XLSX cell.
//! - [`ads`]: the through-train keyword review: pooled (empirical-Bayes) estimates and a bid
//!   decision with a reason and a confidence for every keyword.
//! - [`runs`]: the nightly job's runs: built aside and renamed whole, compared with the one
//!   before, reported as one self-contained HTML page.
//! - [`settings`]: the workspace's `baobei.toml`, read once per command, each section
//!   resolved by the part that owns it.
//! - [`sample`]: the built-in sample market that `baobei demo` runs on.
//!
//! ```
//! use baobei::text::{Segmenter, TokenKind, chars::gbk_len, lint::{lint, ProblemKind}};
//!
//! let segmenter = Segmenter::builtin(); // build once, share by reference
//! let title = "CHANDO/自然堂 顶级面霜50g";
//! let seg = segmenter.segment(title);
//! let kinds: Vec<_> = seg.tokens.iter().map(|t| (seg.text(t), t.kind)).collect();
//! assert_eq!(kinds[0], ("CHANDO", TokenKind::Brand));
//! assert_eq!(kinds.last(), Some(&("50g", TokenKind::Spec)));
//! assert_eq!(gbk_len(title), 25);
//!
//! let problems = lint(&seg, &segmenter, 60);
//! let banned = problems.iter().find(|p| p.kind == ProblemKind::Prohibited).unwrap();
//! assert_eq!((banned.text.as_str(), banned.suggestion.as_deref()), ("顶级", Some("高品质")));
//! ```
#![warn(clippy::print_stdout, clippy::print_stderr)]
#![deny(missing_docs)]

pub mod ads;
pub mod atomic_file;
pub mod batch;
pub mod cli;
pub mod dictionary;
pub mod engine;
pub mod input;
pub mod io_error;
pub mod item;
pub mod keyword;
pub mod lang;
pub mod market;
pub mod reason;
pub mod runs;
pub mod sample;
pub mod settings;
pub mod spreadsheet;
pub mod suggest;
pub mod text;
pub mod title;
