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
use crate::lang::{Describe, Lang};

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

/// Why the table refuses a row's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The keyword is empty once normalised.
    EmptyKeyword,
    /// The period is not two `yyyymmdd` dates with start <= end.
    BadPeriod,
    /// A figure is NaN or infinite.
    NotFinite,
    /// A rate is outside [0, 1].
    NotAFraction,
    /// Growth below -100%.
    FallsTooFar,
    /// A figure below zero.
    Negative,
    /// A count below zero (the importer's online items).
    NegativeCount,
}

impl Refusal {
    /// The reason for a person, in `lang`.
    pub fn describe(self, lang: Lang) -> &'static str {
        match self {
            Refusal::EmptyKeyword => lang.pick("规范化后为空", "is empty after normalisation"),
            Refusal::BadPeriod => lang.pick(
                "应为两个 yyyymmdd 日期，且开始不晚于结束",
                "expected two yyyymmdd dates with start <= end",
            ),
            Refusal::NotFinite => lang.pick("必须是有限的数", "must be a finite number"),
            Refusal::NotAFraction => {
                lang.pick("必须是 [0, 1] 之间的比例", "must be a fraction in [0, 1]")
            }
            Refusal::FallsTooFar => lang.pick("降幅不能超过 100%", "cannot fall by more than 100%"),
            Refusal::Negative => lang.pick("不能为负数", "must not be negative"),
            Refusal::NegativeCount => lang.pick("是负数", "is negative"),
        }
    }
}

/// Errors reading, verifying or writing a keyword table, or inserting a bad row.
///
/// Every file error names the path, what is wrong and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The file could not be opened, mapped or written.
    #[error(transparent)]
    Io(#[from] IoError),
    /// The file does not start with the magic bytes.
    #[error("{}", self.describe(Lang::En))]
    NotATable {
        /// The file.
        path: PathBuf,
        /// The first bytes found, escaped.
        found: String,
    },
    /// The file was written in an older format version that this build no longer reads.
    #[error("{}", self.describe(Lang::En))]
    OldVersion {
        /// The file.
        path: PathBuf,
        /// Version in the file.
        found: u32,
        /// Version this build reads.
        supported: u32,
    },
    /// The file was written by a newer baobei.
    #[error("{}", self.describe(Lang::En))]
    NewerVersion {
        /// The file.
        path: PathBuf,
        /// Version in the file.
        found: u32,
        /// Version this build reads.
        supported: u32,
    },
    /// The file is shorter than its header says: an interrupted copy or a full disk.
    #[error("{}", self.describe(Lang::En))]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Length the header promises (or the header length).
        expected: u64,
        /// Actual length.
        actual: u64,
    },
    /// The structure is inconsistent: a bad header, offset, record or index slot.
    #[error("{}", self.describe(Lang::En))]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is inconsistent, with the offending values.
        what: String,
    },
    /// The body does not hash to the stored checksum.
    #[error("{}", self.describe(Lang::En))]
    Checksum {
        /// The file.
        path: PathBuf,
        /// Checksum in the header.
        stored: u64,
        /// Checksum of the bytes.
        computed: u64,
    },
    /// A row given to the builder is invalid; the importer adds file and line context.
    #[error("{}", self.describe(Lang::En))]
    InvalidRow {
        /// The keyword as given.
        keyword: String,
        /// The offending field.
        field: &'static str,
        /// The offending value.
        value: String,
        /// Why it is refused.
        reason: Refusal,
    },
    /// The table would exceed the format's limits (2^30 rows, 4 GiB of text).
    #[error("{}", self.describe(Lang::En))]
    TooLarge {
        /// The file being written.
        path: PathBuf,
        /// Which limit, with the figures.
        what: String,
    },
}

impl Describe for TableError {
    fn describe(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        // The cure for a table that cannot be read, said the same way by every variant.
        let cure = lang.pick(
            "请用 `baobei keywords import` 重新导入关键词导出文件",
            "re-import the keyword exports with `baobei keywords import`",
        );
        match self {
            TableError::Io(e) => e.describe(lang),
            TableError::NotATable { path, found } => match zh {
                true => format!(
                    "{}: 不是 baobei 关键词表（开头是 {found:?}，应为 \"BAOBEIKW\"）；\
                     请用 `baobei keywords import` 生成",
                    path.display()
                ),
                false => format!(
                    "{}: not a baobei keyword table (starts with {found:?}, expected \
                     \"BAOBEIKW\"); build one with `baobei keywords import`",
                    path.display()
                ),
            },
            TableError::OldVersion {
                path,
                found,
                supported,
            } => match zh {
                true => format!(
                    "{}: 关键词表格式版本 {found} 早于本 baobei 读取的版本 {supported}；{cure}",
                    path.display()
                ),
                false => format!(
                    "{}: keyword table format version {found} is older than version \
                     {supported}, which this baobei reads; {cure}",
                    path.display()
                ),
            },
            TableError::NewerVersion {
                path,
                found,
                supported,
            } => match zh {
                true => format!(
                    "{}: 关键词表格式版本 {found} 由更新的 baobei 写入（本版本读取版本 \
                     {supported}）；请升级 baobei，或用 `baobei keywords import` 重新导入关键词导出文件",
                    path.display()
                ),
                false => format!(
                    "{}: keyword table format version {found} was written by a newer baobei \
                     (this one reads version {supported}); upgrade baobei or {cure}",
                    path.display()
                ),
            },
            TableError::Truncated {
                path,
                expected,
                actual,
            } => match zh {
                true => format!(
                    "{}: 关键词表不完整：应有 {expected} 字节，文件只有 {actual} 字节；{cure}",
                    path.display()
                ),
                false => format!(
                    "{}: keyword table is truncated: {expected} bytes expected, the file has \
                     {actual}; {cure}",
                    path.display()
                ),
            },
            TableError::Corrupt { path, what } => match zh {
                true => format!("{}: 关键词表已损坏：{what}；{cure}", path.display()),
                false => format!(
                    "{}: keyword table is corrupt: {what}; {cure}",
                    path.display()
                ),
            },
            TableError::Checksum {
                path,
                stored,
                computed,
            } => match zh {
                true => format!(
                    "{}: 关键词表校验和不符（记录为 {stored:016x}，算得 {computed:016x}）：\
                     文件已损坏；{cure}",
                    path.display()
                ),
                false => format!(
                    "{}: keyword table checksum mismatch (stored {stored:016x}, computed \
                     {computed:016x}): the file is corrupt; {cure}",
                    path.display()
                ),
            },
            TableError::InvalidRow {
                keyword,
                field,
                value,
                reason,
            } => match zh {
                true => format!(
                    "关键词 {keyword:?}：{field} = {value}：{}",
                    reason.describe(Lang::Zh)
                ),
                false => format!(
                    "keyword {keyword:?}: {field} = {value}: {}",
                    reason.describe(Lang::En)
                ),
            },
            TableError::TooLarge { path, what } => match zh {
                true => format!("{}: 关键词表太大：{what}", path.display()),
                false => format!("{}: keyword table too large: {what}", path.display()),
            },
        }
    }
}
