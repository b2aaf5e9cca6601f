//! Keyword market data: what buyers search for, how much, and how well it converts.
//!
//! Keyword exports from 生意参谋 (Business Advisor) and 直通车 (through train), and keyword
//! statistics derived from competitors' listings, are compiled into one binary
//! [`table::KeywordTable`] file by a [`table::TableBuilder`]. The title scorer asks that table
//! for the value of a couple of dozen words per title, millions of times a night, so the table
//! is memory-mapped (opening is O(1), no parse) and a lookup by keyword text is one hash probe
//! into fixed-size little-endian records.
//!
//! - [`table`]: the file format, the builder (merge rules, atomic write) and the reader
//!   (lookups, iteration, top-N); every lookup goes through the text model's one normal
//!   form of a keyword ([`normal_form`](crate::text::chars::normal_form)).
//! - [`import`]: keyword exports into table rows: which export a file is, the period of each
//!   row, and index restoration (指数还原) as a setting in the workspace's `baobei.toml`.
//! - [`mod@derive`]: keyword rows computed from the listing index when no export exists: the
//!   covering listings' sales (demand proxy), their count and their sales growth.
//! - [`keywords`]: the workspace's keyword jobs: exports imported, rows derived from the
//!   listings and a query log, under the writer lock.
//! - [`workspace`]: the directory holding the table, the index and a manifest (format version,
//!   dictionaries, import history), with a writer lock that names its holder.
//! - [`index`]: the listing index (tantivy): own, competitor and industry listings with their
//!   daily snapshots, for similar listings, keyword coverage and sales-weighted term growth;
//!   [`index::jobs`] adds files to it (skipping what it holds), rebuilds it and counts it.
//! - `mapped` (private): the only `unsafe` in the module, the read-only memory map, with its
//!   safety contract.
//!
//! ```
//! use baobei::market::table::{KeywordStats, KeywordTable, Period, Source, TableBuilder};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("keywords.bkw");
//! let mut builder = TableBuilder::new();
//! let mut stats = KeywordStats::new(Period::new(20240601, 20240630), Source::BusinessAdvisor);
//! stats.popularity = Some(12_345.0);
//! stats.ctr = Some(0.0325);
//! builder.insert("碎花 连衣裙", "女装>连衣裙", stats)?;
//! builder.write(&path)?;
//!
//! let table = KeywordTable::open(&path)?;
//! // Lookups are normalised: ASCII case, full-width forms and whitespace runs do not matter.
//! let row = table.get("碎花　 连衣裙")?.expect("the keyword was imported");
//! assert_eq!(row.category, "女装>连衣裙");
//! assert_eq!(row.stats.ctr, Some(0.0325));
//! assert_eq!(row.stats.demand, None);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod derive;
pub mod import;
pub mod index;
pub mod keywords;
mod mapped;
pub mod table;
pub mod workspace;
