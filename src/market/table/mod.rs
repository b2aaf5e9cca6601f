//! The keyword market table: a compact, memory-mapped, immutable file of keyword statistics.
//!
//! In four parts: `stats` (what a row holds: [`KeywordStats`], [`Period`], [`Source`]),
//! `builder` ([`TableBuilder`]: the merge rules below, the atomic write), `format` (the bytes
//! on disk, version 1) and `reader` ([`KeywordTable`]: checks, lookups, iteration, top-N).
//!
//! # Key and merge rules
//!
//! The key is the normalised keyword text alone
//! ([`normal_form`](crate::text::chars::normal_form)), not (category, keyword): the platform matches a query against titles by its words, whatever
//! category the export was taken in, and the title scorer asks "what is this word worth", so
//! one row per keyword keeps lookups a single probe. The row remembers the category of the
//! export it came from (for `keywords top --category`).
//!
//! When a keyword is inserted several times ([`TableBuilder`]):
//! 1. measured rows (any [`Source`] but [`Source::Derived`]) beat derived ones whatever their
//!    period: domain.md derives demand from listings only "without an export";
//! 2. then the newest period wins (latest `end`, then latest `start`);
//! 3. ties (same period, e.g. the same word in two category exports) are broken by source
//!    (Business Advisor, through train, other), then by the number of known fields, then by the
//!    higher popularity and demand (the broader category view), then by the category text and
//!    the encoded values, so the result never depends on insertion order;
//! 4. if the winner carries no growth, growth is computed against the previous row of the same
//!    kind (measured or derived) with an older period `end`: from popularity when both have it
//!    (domain.md defines rising words, 飙升词, by growing search popularity), else from demand.
//!
//! # Missing values
//!
//! Exports leave cells empty and derived rows have no CTR. Every statistic is an `Option`, stored
//! as a presence bit in the record plus zero bytes; no NaN sentinels, because NaN silently
//! poisons sums and sorts while `Option` makes every consumer decide. The builder refuses
//! non-finite values and fractions outside `[0, 1]` (a "3.25" CTR that was never divided by 100).
//!
//! # Checks: the body hash on open, the structure on demand
//!
//! [`KeywordTable::open`] checks magic, version, header checksum, flags, that every section
//! size and offset agrees with the row and slot counts and with the actual file length (a
//! truncated file is refused here), and the XXH3 hash of the body: a flipped bit in a statistic
//! is structurally fine and only the hash can tell, and wrong numbers must never flow into
//! scores (a demand of 4.25e24, exit 0, was the result). The hash is one pass at memory speed
//! over the mapped file, no parse: about a millisecond per 10 MB (100k keywords are ~17 MB),
//! which is what the open costs beyond O(1). [`KeywordTable::verify`] (and
//! [`KeywordTable::open_verified`]) also check every record and index slot, O(n) in lookups;
//! every rebuild from a table runs it first ([`TableBuilder::extend_from_table`]), so a damaged
//! table is never re-checksummed into a valid one. Reads stay bound-checked: damage the hash
//! cannot see (a writer bug) surfaces as a [`TableError::Corrupt`] from the lookup that meets
//! it, never as a panic or undefined behaviour.

use std::path::PathBuf;

use crate::io_error::IoError;

mod builder;
mod format;
mod reader;
mod stats;
#[cfg(test)]
mod tests;

pub use builder::{TableBuilder, WriteSummary};
pub use format::{FORMAT_VERSION, MAGIC};
pub use reader::{KeywordTable, Rows};
pub use stats::{KeywordRow, KeywordStats, Period, RankBy, Source};

/// Errors reading, verifying or writing a keyword table, or inserting a bad row.
///
/// Every file error names the path, what is wrong and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The file could not be opened, mapped or written.
    #[error(transparent)]
    Io(#[from] IoError),
    /// The file does not start with the magic bytes.
    #[error(
        "{}: not a baobei keyword table (starts with {found:?}, expected \"BAOBEIKW\"); \
         build one with `baobei keywords import`",
        path.display()
    )]
    NotATable {
        /// The file.
        path: PathBuf,
        /// The first bytes found, escaped.
        found: String,
    },
    /// The file was written in an older format version that this build no longer reads.
    #[error(
        "{}: keyword table format version {found} is older than version {supported}, which \
         this baobei reads; re-import the keyword exports with `baobei keywords import`",
        path.display()
    )]
    OldVersion {
        /// The file.
        path: PathBuf,
        /// Version in the file.
        found: u32,
        /// Version this build reads.
        supported: u32,
    },
    /// The file was written by a newer baobei.
    #[error(
        "{}: keyword table format version {found} was written by a newer baobei (this one \
         reads version {supported}); upgrade baobei or re-import the keyword exports with \
         `baobei keywords import`",
        path.display()
    )]
    NewerVersion {
        /// The file.
        path: PathBuf,
        /// Version in the file.
        found: u32,
        /// Version this build reads.
        supported: u32,
    },
    /// The file is shorter than its header says: an interrupted copy or a full disk.
    #[error(
        "{}: keyword table is truncated: {expected} bytes expected, the file has {actual}; \
         re-import the keyword exports with `baobei keywords import`",
        path.display()
    )]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Length the header promises (or the header length).
        expected: u64,
        /// Actual length.
        actual: u64,
    },
    /// The structure is inconsistent: a bad header, offset, record or index slot.
    #[error(
        "{}: keyword table is corrupt: {what}; re-import the keyword exports with \
         `baobei keywords import`",
        path.display()
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is inconsistent, with the offending values.
        what: String,
    },
    /// The body does not hash to the stored checksum.
    #[error(
        "{}: keyword table checksum mismatch (stored {stored:016x}, computed {computed:016x}): \
         the file is corrupt; re-import the keyword exports with `baobei keywords import`",
        path.display()
    )]
    Checksum {
        /// The file.
        path: PathBuf,
        /// Checksum in the header.
        stored: u64,
        /// Checksum of the bytes.
        computed: u64,
    },
    /// A row given to the builder is invalid; the importer adds file and line context.
    #[error("keyword {keyword:?}: {field} = {value}: {reason}")]
    InvalidRow {
        /// The keyword as given.
        keyword: String,
        /// The offending field.
        field: &'static str,
        /// The offending value.
        value: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// The table would exceed the format's limits (2^30 rows, 4 GiB of text).
    #[error("{}: keyword table too large: {what}", path.display())]
    TooLarge {
        /// The file being written.
        path: PathBuf,
        /// Which limit, with the figures.
        what: String,
    },
}
