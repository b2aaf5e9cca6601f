//! The keyword market table: a compact, memory-mapped, immutable file of keyword statistics.
//!
//! # Key and merge rules
//!
//! The key is the normalised keyword text alone ([`normal_form`]), not
//! (category, keyword): the platform matches a query against titles by its words, whatever
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
//! # File format, version 1 (all integers little-endian)
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `BAOBEIKW` |
//! | 8 | 4 | format version (1) |
//! | 12 | 4 | flags (0; unknown bits are refused) |
//! | 16 | 4 | row count `n` |
//! | 20 | 4 | slot count `s` (power of two, `s >= 2n`: load factor <= 0.5) |
//! | 24 | 8 | index offset (80) |
//! | 32 | 8 | records offset (`80 + 16s`) |
//! | 40 | 8 | arena offset (`80 + 16s + 120n`) |
//! | 48 | 8 | arena length |
//! | 56 | 8 | file length |
//! | 64 | 8 | XXH3-64 of bytes `80..file length` (index, records, arena) |
//! | 72 | 8 | XXH3-64 of header bytes `0..72` |
//!
//! - **Index**: `s` slots of 16 bytes: fingerprint, record index, keyword arena offset and
//!   keyword length (`u32` each); open addressing with linear probing from
//!   `xxh3_64(key) & (s - 1)`. The fingerprint is the high 32 bits of the hash, so a miss almost
//!   always ends at the slots without touching the arena; the keyword span in the slot lets a
//!   hit compare the text and fetch the record in parallel instead of one after the other.
//!   Empty slot: record index `u32::MAX`.
//! - **Records**: `n` records of 120 bytes, sorted by keyword bytes (iteration order):
//!   keyword offset/length and category offset/length into the arena (`u32` each), period
//!   start/end (`yyyymmdd`), presence bits, source, 3 zero bytes, then ten `f64`s and one `u64`
//!   (see [`KeywordStats`] for the order).
//! - **Arena**: UTF-8 keyword texts in record order, then each distinct category once, sorted.
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

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use xxhash_rust::xxh3::xxh3_64;

use super::mapped::Mapped;
use crate::input::Date;
use crate::io_error::IoError;
use crate::text::chars::normal_form;

/// The first 8 bytes of every keyword table file.
pub const MAGIC: [u8; 8] = *b"BAOBEIKW";
/// The format version this build writes and reads; bump it (and keep a fixture of the old
/// version in `tests/fixtures/`) whenever the byte layout changes.
pub const FORMAT_VERSION: u32 = 1;

const HEADER_LEN: usize = 80;
const RECORD_LEN: usize = 120;
const SLOT_LEN: usize = 16;
const EMPTY_SLOT: u32 = u32::MAX;
const MIN_SLOTS: usize = 8;
/// Keys per round of [`KeywordTable::get_many`]: enough independent cache misses in flight to
/// cover memory latency, few enough that the prefetched lines are still in L1 when used.
const BATCH: usize = 16;
/// Keeps `2 * rows` slots addressable by a `u32` count.
const MAX_ROWS: usize = 1 << 30;

// Record field offsets.
const R_KW_OFF: usize = 0;
const R_KW_LEN: usize = 4;
const R_CAT_OFF: usize = 8;
const R_CAT_LEN: usize = 12;
const R_START: usize = 16;
const R_END: usize = 20;
const R_PRESENT: usize = 24;
const R_SOURCE: usize = 28;
const R_VALUES: usize = 32;

/// Presence bits, in the order of the value slots at `R_VALUES`.
const F_POPULARITY: u32 = 1 << 0;
const F_DEMAND: u32 = 1 << 1;
const F_HEAT: u32 = 1 << 2;
const F_CTR: u32 = 1 << 3;
const F_CVR: u32 = 1 << 4;
const F_CLICK_POPULARITY: u32 = 1 << 5;
const F_TRADE_INDEX: u32 = 1 << 6;
const F_ONLINE_ITEMS: u32 = 1 << 7;
const F_TMALL_CLICK_SHARE: u32 = 1 << 8;
const F_REFERENCE_CPC: u32 = 1 << 9;
const F_GROWTH: u32 = 1 << 10;
const F_ALL: u32 = (1 << 11) - 1;

/// Where a row's statistics come from; decides merge priority and marks derived rows so that a
/// report never presents a derived estimate as platform data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// 生意参谋 (Business Advisor) market exports.
    BusinessAdvisor,
    /// 直通车 (through train) keyword tool exports.
    ThroughTrain,
    /// Computed by baobei from the listing index (`keywords derive`), not measured.
    Derived,
    /// Any other export (third-party tools, hand-made sheets).
    Other,
}

impl Source {
    fn code(self) -> u8 {
        match self {
            Source::BusinessAdvisor => 1,
            Source::ThroughTrain => 2,
            Source::Derived => 3,
            Source::Other => 4,
        }
    }

    fn from_code(code: u8) -> Option<Source> {
        Some(match code {
            1 => Source::BusinessAdvisor,
            2 => Source::ThroughTrain,
            3 => Source::Derived,
            4 => Source::Other,
            _ => return None,
        })
    }

    /// Tie-break priority among rows of the same period: higher wins.
    fn priority(self) -> u8 {
        match self {
            Source::BusinessAdvisor => 3,
            Source::ThroughTrain => 2,
            Source::Other => 1,
            Source::Derived => 0,
        }
    }
}

/// The period an export row covers, as `yyyymmdd` dates (inclusive); a one-day export has
/// `start == end`. Plain integers keep the record fixed-size and sort chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    /// First day, `yyyymmdd`.
    pub start: u32,
    /// Last day, `yyyymmdd`; decides which of two rows is newer.
    pub end: u32,
}

impl Period {
    /// A period from `start` to `end` (`yyyymmdd`); validated when the row is inserted.
    pub fn new(start: u32, end: u32) -> Period {
        Period { start, end }
    }

    /// A one-day period.
    pub fn day(yyyymmdd: u32) -> Period {
        Period::new(yyyymmdd, yyyymmdd)
    }

    /// True when both dates are real calendar dates and `start <= end`.
    pub fn is_valid(&self) -> bool {
        is_date(self.start) && is_date(self.end) && self.start <= self.end
    }

    fn order_key(&self) -> (u32, u32) {
        (self.end, self.start)
    }
}

/// A real calendar day from 1900 on (older "periods" are damage, not data).
fn is_date(yyyymmdd: u32) -> bool {
    Date::from_yyyymmdd(yyyymmdd).is_some_and(|d| d.year() >= 1900)
}

/// The market statistics of one keyword for one period, as an export reports them.
///
/// Every statistic is optional (see the module docs on missing values). Indices are the
/// platform's obfuscated figures; restoring them to counts (指数还原) is a configurable
/// transform applied by the importer, whose result goes into `demand`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeywordStats {
    /// 搜索人气: search popularity, an obfuscated non-linear index (not a count).
    pub popularity: Option<f64>,
    /// Restored demand: approximate searchers in the period (from `popularity` by the
    /// importer's transform, or derived from listings).
    pub demand: Option<f64>,
    /// 搜索热度: search heat index.
    pub heat: Option<f64>,
    /// 点击率: click-through rate as a fraction (`0.0325` for "3.25%").
    pub ctr: Option<f64>,
    /// 支付转化率: payment conversion rate as a fraction.
    pub cvr: Option<f64>,
    /// 点击人气: click popularity index.
    pub click_popularity: Option<f64>,
    /// 交易指数: trade index.
    pub trade_index: Option<f64>,
    /// 在线商品数: competing online items.
    pub online_items: Option<u64>,
    /// 商城点击占比: share of clicks going to Tmall shops, as a fraction.
    pub tmall_click_share: Option<f64>,
    /// 直通车参考价: through-train reference cost per click, in yuan.
    pub reference_cpc: Option<f64>,
    /// Growth against the previous period as a fraction (`0.5` = +50%); computed by the builder
    /// from the previous period when the export does not give it.
    pub growth: Option<f64>,
    /// The period the figures cover.
    pub period: Period,
    /// Where the figures come from.
    pub source: Source,
}

impl KeywordStats {
    /// Statistics with every value unknown, to be filled in field by field by an importer.
    pub fn new(period: Period, source: Source) -> KeywordStats {
        KeywordStats {
            popularity: None,
            demand: None,
            heat: None,
            ctr: None,
            cvr: None,
            click_popularity: None,
            trade_index: None,
            online_items: None,
            tmall_click_share: None,
            reference_cpc: None,
            growth: None,
            period,
            source,
        }
    }

    /// Expected buyers ≈ demand × CTR × CVR, the default value heuristic of domain.md; `None`
    /// when any factor is unknown.
    pub fn expected_buyers(&self) -> Option<f64> {
        Some(self.demand? * self.ctr? * self.cvr?)
    }

    /// The ten float fields with their presence bits and names, in record order (value slot
    /// `i` holds the `i`-th entry, `online_items` sits in slot 7).
    fn floats(&self) -> [(Option<f64>, u32, &'static str); 10] {
        [
            (self.popularity, F_POPULARITY, "popularity"),
            (self.demand, F_DEMAND, "demand"),
            (self.heat, F_HEAT, "heat"),
            (self.ctr, F_CTR, "ctr"),
            (self.cvr, F_CVR, "cvr"),
            (
                self.click_popularity,
                F_CLICK_POPULARITY,
                "click_popularity",
            ),
            (self.trade_index, F_TRADE_INDEX, "trade_index"),
            (
                self.tmall_click_share,
                F_TMALL_CLICK_SHARE,
                "tmall_click_share",
            ),
            (self.reference_cpc, F_REFERENCE_CPC, "reference_cpc"),
            (self.growth, F_GROWTH, "growth"),
        ]
    }

    fn present_count(&self) -> u32 {
        self.presence().count_ones()
    }

    fn presence(&self) -> u32 {
        let mut bits = self
            .floats()
            .iter()
            .filter(|(v, _, _)| v.is_some())
            .fold(0, |acc, (_, bit, _)| acc | bit);
        if self.online_items.is_some() {
            bits |= F_ONLINE_ITEMS;
        }
        bits
    }

    fn validate(&self, keyword: &str) -> Result<(), TableError> {
        let invalid = |field: &'static str, value: String, reason: &'static str| {
            Err(TableError::InvalidRow {
                keyword: keyword.to_owned(),
                field,
                value,
                reason,
            })
        };
        if !self.period.is_valid() {
            return invalid(
                "period",
                format!("{}..{}", self.period.start, self.period.end),
                "expected two yyyymmdd dates with start <= end",
            );
        }
        for (value, bit, name) in self.floats() {
            let Some(v) = value else { continue };
            if !v.is_finite() {
                return invalid(name, v.to_string(), "must be a finite number");
            }
            let fraction = bit & (F_CTR | F_CVR | F_TMALL_CLICK_SHARE) != 0;
            if fraction && !(0.0..=1.0).contains(&v) {
                return invalid(name, v.to_string(), "must be a fraction in [0, 1]");
            }
            if bit == F_GROWTH && v < -1.0 {
                return invalid(name, v.to_string(), "cannot fall by more than 100%");
            }
            if bit != F_GROWTH && v < 0.0 {
                return invalid(name, v.to_string(), "must not be negative");
            }
        }
        Ok(())
    }

    /// Writes the stats part of a record (`R_START..RECORD_LEN`).
    fn encode_into(&self, rec: &mut [u8; RECORD_LEN]) {
        put_u32(rec, R_START, self.period.start);
        put_u32(rec, R_END, self.period.end);
        put_u32(rec, R_PRESENT, self.presence());
        rec[R_SOURCE] = self.source.code();
        rec[R_SOURCE + 1..R_VALUES].fill(0);
        let floats = self.floats();
        let mut slot = 0;
        for (i, (value, _, _)) in floats.iter().enumerate() {
            if i == 7 {
                let items = self.online_items.unwrap_or(0);
                rec[R_VALUES + 56..R_VALUES + 64].copy_from_slice(&items.to_le_bytes());
                slot += 1;
            }
            let at = R_VALUES + 8 * slot;
            rec[at..at + 8].copy_from_slice(&value.unwrap_or(0.0).to_le_bytes());
            slot += 1;
        }
    }

    #[inline]
    fn decode(rec: &[u8; RECORD_LEN]) -> Option<KeywordStats> {
        let present = get_u32(rec, R_PRESENT);
        if present & !F_ALL != 0 || rec[R_SOURCE + 1..R_VALUES] != [0, 0, 0] {
            return None;
        }
        let source = Source::from_code(rec[R_SOURCE])?;
        let f = |slot: usize, bit: u32| {
            (present & bit != 0).then(|| f64::from_le_bytes(get8(rec, R_VALUES + 8 * slot)))
        };
        Some(KeywordStats {
            popularity: f(0, F_POPULARITY),
            demand: f(1, F_DEMAND),
            heat: f(2, F_HEAT),
            ctr: f(3, F_CTR),
            cvr: f(4, F_CVR),
            click_popularity: f(5, F_CLICK_POPULARITY),
            trade_index: f(6, F_TRADE_INDEX),
            online_items: (present & F_ONLINE_ITEMS != 0)
                .then(|| u64::from_le_bytes(get8(rec, R_VALUES + 56))),
            tmall_click_share: f(8, F_TMALL_CLICK_SHARE),
            reference_cpc: f(9, F_REFERENCE_CPC),
            growth: f(10, F_GROWTH),
            period: Period::new(get_u32(rec, R_START), get_u32(rec, R_END)),
            source,
        })
    }
}

/// One keyword of an open table: text and category borrowed from the map (zero-copy), the
/// statistics decoded from the fixed-size record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeywordRow<'a> {
    /// The normalised keyword text.
    pub keyword: &'a str,
    /// The category of the export the winning row came from (may be empty).
    pub category: &'a str,
    /// The keyword's statistics.
    pub stats: KeywordStats,
}

/// The orderings of `keywords top`, as scores over [`KeywordStats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RankBy {
    /// Expected buyers ([`KeywordStats::expected_buyers`]).
    Value,
    /// Growth against the previous period: rising words (飙升词).
    Growth,
    /// Restored demand.
    Demand,
}

impl RankBy {
    /// The score of `stats` under this ordering; `None` when the needed figures are unknown.
    pub fn score(self, stats: &KeywordStats) -> Option<f64> {
        match self {
            RankBy::Value => stats.expected_buyers(),
            RankBy::Growth => stats.growth,
            RankBy::Demand => stats.demand,
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

/// One inserted, not yet merged row.
#[derive(Debug, Clone)]
struct Pending {
    category: String,
    stats: KeywordStats,
}

/// What [`TableBuilder::write`] produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteSummary {
    /// Rows inserted into the builder.
    pub inserted: usize,
    /// Keywords in the written table (inserted minus merged duplicates).
    pub rows: usize,
    /// File size in bytes.
    pub bytes: u64,
}

/// Collects keyword rows from any number of exports, merges them (see the module docs) and
/// writes a table file atomically, with the same bytes for the same rows in any order.
#[derive(Debug, Default)]
pub struct TableBuilder {
    rows: HashMap<String, Vec<Pending>>,
    inserted: usize,
}

impl TableBuilder {
    /// An empty builder.
    pub fn new() -> TableBuilder {
        TableBuilder::default()
    }

    /// Adds one row. The keyword is normalised ([`normal_form`]) and the category
    /// trimmed; an empty keyword, an invalid period or an impossible value is refused.
    pub fn insert(
        &mut self,
        keyword: &str,
        category: &str,
        stats: KeywordStats,
    ) -> Result<(), TableError> {
        let key = normal_form(keyword);
        if key.is_empty() {
            return Err(TableError::InvalidRow {
                keyword: keyword.to_owned(),
                field: "keyword",
                value: format!("{keyword:?}"),
                reason: "is empty after normalisation",
            });
        }
        stats.validate(keyword)?;
        let pending = Pending {
            category: category.trim().to_owned(),
            stats,
        };
        match self.rows.get_mut(key.as_ref()) {
            Some(list) => list.push(pending),
            None => {
                self.rows.insert(key.into_owned(), vec![pending]);
            }
        }
        self.inserted += 1;
        Ok(())
    }

    /// Adds every row of an existing table, so that a new import merges with what was
    /// imported before (the table's rows take part in the merge like any other). The table is
    /// [verified](KeywordTable::verify) first: a rebuild must not carry damage over into a
    /// file with a fresh, valid checksum.
    pub fn extend_from_table(&mut self, table: &KeywordTable) -> Result<(), TableError> {
        table.verify()?;
        for row in table.iter() {
            let row = row?;
            self.insert(row.keyword, row.category, row.stats)?;
        }
        Ok(())
    }

    /// Rows inserted so far (before merging).
    pub fn inserted(&self) -> usize {
        self.inserted
    }

    /// Distinct keywords so far: the row count of the table `write` would produce.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when nothing has been inserted.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Merges the rows and writes the table to `path` atomically: a temporary file in the same
    /// directory is written, `fsync`ed and renamed over `path`, so readers (which memory-map the
    /// file) only ever see a complete old or a complete new table.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<WriteSummary, TableError> {
        let path = path.as_ref();
        let bytes = self.encode(path)?;
        crate::atomic_file::write(path, &bytes)
            .map_err(IoError::at(path, "write keyword table"))?;
        Ok(WriteSummary {
            inserted: self.inserted,
            rows: self.rows.len(),
            bytes: bytes.len() as u64,
        })
    }

    /// Merges every keyword's rows and encodes the whole file.
    fn encode(&self, path: &Path) -> Result<Vec<u8>, TableError> {
        let too_large = |what: String| TableError::TooLarge {
            path: path.to_owned(),
            what,
        };
        let n = self.rows.len();
        if n > MAX_ROWS {
            return Err(too_large(format!("{n} keywords, at most {MAX_ROWS}")));
        }
        let mut merged: Vec<(&str, &str, KeywordStats)> = self
            .rows
            .iter()
            .map(|(keyword, list)| {
                let (category, stats) = merge(list);
                (keyword.as_str(), category, stats)
            })
            .collect();
        merged.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));

        // Arena: keywords in record order, then distinct categories, sorted.
        let text_len: usize = merged.iter().map(|(k, _, _)| k.len()).sum();
        let mut arena = Vec::with_capacity(text_len);
        let mut keyword_spans = Vec::with_capacity(n);
        for (keyword, _, _) in &merged {
            keyword_spans.push((arena.len(), keyword.len()));
            arena.extend_from_slice(keyword.as_bytes());
        }
        let mut categories: BTreeMap<&str, usize> =
            merged.iter().map(|(_, c, _)| (*c, 0)).collect();
        for (category, at) in categories.iter_mut() {
            *at = arena.len();
            arena.extend_from_slice(category.as_bytes());
        }
        if arena.len() > u32::MAX as usize {
            return Err(too_large(format!(
                "{} bytes of keyword and category text, at most {}",
                arena.len(),
                u32::MAX
            )));
        }

        let slots = (2 * n).next_power_of_two().max(MIN_SLOTS);
        let layout = Layout::for_counts(n, slots, arena.len());
        let mut out = vec![0u8; layout.file_len];

        // Index: linear probing in record order (deterministic).
        let mask = slots - 1;
        let index = &mut out[layout.index_offset..layout.records_offset];
        for slot in index.chunks_exact_mut(SLOT_LEN) {
            slot[4..8].copy_from_slice(&EMPTY_SLOT.to_le_bytes());
        }
        for (i, ((keyword, _, _), (kw_off, kw_len))) in
            merged.iter().zip(&keyword_spans).enumerate()
        {
            let hash = xxh3_64(keyword.as_bytes());
            let mut s = hash as usize & mask;
            while index[s * SLOT_LEN + 4..s * SLOT_LEN + 8] != EMPTY_SLOT.to_le_bytes() {
                s = (s + 1) & mask;
            }
            let slot = &mut index[s * SLOT_LEN..(s + 1) * SLOT_LEN];
            slot[..4].copy_from_slice(&fingerprint(hash).to_le_bytes());
            put_u32(slot, 4, i as u32);
            put_u32(slot, 8, *kw_off as u32);
            put_u32(slot, 12, *kw_len as u32);
        }

        // Records.
        let records = &mut out[layout.records_offset..layout.arena_offset];
        for (i, ((_, category, stats), (kw_off, kw_len))) in
            merged.iter().zip(&keyword_spans).enumerate()
        {
            let rec: &mut [u8; RECORD_LEN] = (&mut records[i * RECORD_LEN..(i + 1) * RECORD_LEN])
                .try_into()
                .expect("record slice has the record length");
            put_u32(rec, R_KW_OFF, *kw_off as u32);
            put_u32(rec, R_KW_LEN, *kw_len as u32);
            put_u32(rec, R_CAT_OFF, categories[category] as u32);
            put_u32(rec, R_CAT_LEN, category.len() as u32);
            stats.encode_into(rec);
        }
        out[layout.arena_offset..].copy_from_slice(&arena);

        let body_checksum = xxh3_64(&out[HEADER_LEN..]);
        layout.write_header(&mut out[..HEADER_LEN], body_checksum);
        Ok(out)
    }
}

/// The high 32 bits of the key hash: independent of the low bits that pick the home slot.
fn fingerprint(hash: u64) -> u32 {
    (hash >> 32) as u32
}

/// Picks the winning row of one keyword and fills in its growth (module docs, merge rules).
fn merge(list: &[Pending]) -> (&str, KeywordStats) {
    let better =
        |a: &Pending, b: &Pending| -> Ordering { rank(a).cmp(&rank(b)).then_with(|| tie(a, b)) };
    let winner = list
        .iter()
        .max_by(|a, b| better(a, b))
        .expect("a keyword has at least one row");
    let mut stats = winner.stats;
    if stats.growth.is_none() {
        let measured = winner.stats.source != Source::Derived;
        let previous = list
            .iter()
            .filter(|p| {
                (p.stats.source != Source::Derived) == measured
                    && p.stats.period.end < winner.stats.period.end
            })
            .max_by(|a, b| better(a, b));
        if let Some(previous) = previous {
            stats.growth = growth(&previous.stats, &winner.stats);
        }
    }
    (winner.category.as_str(), stats)
}

/// Primary merge order: measured before derived, then newer period, then source priority.
fn rank(p: &Pending) -> (bool, (u32, u32), u8, u32) {
    let s = &p.stats;
    (
        s.source != Source::Derived,
        s.period.order_key(),
        s.source.priority(),
        s.present_count(),
    )
}

/// Tie-break among rows of equal rank so the winner never depends on insertion order.
fn tie(a: &Pending, b: &Pending) -> Ordering {
    let key = |p: &Pending| (p.stats.popularity, p.stats.demand);
    let (pa, da) = key(a);
    let (pb, db) = key(b);
    let num = |x: Option<f64>, y: Option<f64>| match (x, y) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (x, y) => x.is_some().cmp(&y.is_some()),
    };
    num(pa, pb)
        .then_with(|| num(da, db))
        // Smaller category text wins: reverse, since the maximum wins.
        .then_with(|| b.category.cmp(&a.category))
        .then_with(|| {
            let mut ra = [0u8; RECORD_LEN];
            let mut rb = [0u8; RECORD_LEN];
            a.stats.encode_into(&mut ra);
            b.stats.encode_into(&mut rb);
            rb.cmp(&ra)
        })
}

/// Growth of `new` over `old`: popularity when both have it, else demand; `None` when the
/// older figure is zero or unknown.
fn growth(old: &KeywordStats, new: &KeywordStats) -> Option<f64> {
    let ratio = |old: Option<f64>, new: Option<f64>| match (old, new) {
        (Some(old), Some(new)) if old > 0.0 => Some(new / old - 1.0),
        _ => None,
    };
    ratio(old.popularity, new.popularity).or_else(|| ratio(old.demand, new.demand))
}

/// Section offsets, all derived from the row and slot counts and the arena length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layout {
    rows: usize,
    slots: usize,
    index_offset: usize,
    records_offset: usize,
    arena_offset: usize,
    arena_len: usize,
    file_len: usize,
}

impl Layout {
    fn for_counts(rows: usize, slots: usize, arena_len: usize) -> Layout {
        let index_offset = HEADER_LEN;
        let records_offset = index_offset + slots * SLOT_LEN;
        let arena_offset = records_offset + rows * RECORD_LEN;
        Layout {
            rows,
            slots,
            index_offset,
            records_offset,
            arena_offset,
            arena_len,
            file_len: arena_offset + arena_len,
        }
    }

    fn write_header(&self, header: &mut [u8], body_checksum: u64) {
        header[0..8].copy_from_slice(&MAGIC);
        header[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        header[12..16].copy_from_slice(&0u32.to_le_bytes());
        header[16..20].copy_from_slice(&(self.rows as u32).to_le_bytes());
        header[20..24].copy_from_slice(&(self.slots as u32).to_le_bytes());
        let fields = [
            self.index_offset,
            self.records_offset,
            self.arena_offset,
            self.arena_len,
            self.file_len,
        ];
        for (i, v) in fields.into_iter().enumerate() {
            header[24 + 8 * i..32 + 8 * i].copy_from_slice(&(v as u64).to_le_bytes());
        }
        header[64..72].copy_from_slice(&body_checksum.to_le_bytes());
        let header_checksum = xxh3_64(&header[..72]);
        header[72..80].copy_from_slice(&header_checksum.to_le_bytes());
    }

    /// Reads and checks the header: constant work whatever the table size.
    fn read(path: &Path, bytes: &[u8]) -> Result<Layout, TableError> {
        let actual = bytes.len() as u64;
        let truncated = |expected: u64| TableError::Truncated {
            path: path.to_owned(),
            expected,
            actual,
        };
        let corrupt = |what: String| TableError::Corrupt {
            path: path.to_owned(),
            what,
        };
        let head = &bytes[..bytes.len().min(8)];
        if head != &MAGIC[..head.len()] || head.is_empty() {
            return Err(TableError::NotATable {
                path: path.to_owned(),
                found: head.escape_ascii().to_string(),
            });
        }
        if bytes.len() < 12 {
            return Err(truncated(HEADER_LEN as u64));
        }
        let version = get_u32(bytes, 8);
        match version.cmp(&FORMAT_VERSION) {
            Ordering::Less => {
                return Err(TableError::OldVersion {
                    path: path.to_owned(),
                    found: version,
                    supported: FORMAT_VERSION,
                });
            }
            Ordering::Greater => {
                return Err(TableError::NewerVersion {
                    path: path.to_owned(),
                    found: version,
                    supported: FORMAT_VERSION,
                });
            }
            Ordering::Equal => {}
        }
        if bytes.len() < HEADER_LEN {
            return Err(truncated(HEADER_LEN as u64));
        }
        let stored = u64::from_le_bytes(get8(bytes, 72));
        let computed = xxh3_64(&bytes[..72]);
        if stored != computed {
            return Err(corrupt(format!(
                "header checksum mismatch (stored {stored:016x}, computed {computed:016x})"
            )));
        }
        let flags = get_u32(bytes, 12);
        if flags != 0 {
            return Err(corrupt(format!("unknown header flags {flags:#x}")));
        }
        let rows = get_u32(bytes, 16) as usize;
        let slots = get_u32(bytes, 20) as usize;
        if rows > MAX_ROWS || !slots.is_power_of_two() || slots < MIN_SLOTS || slots < 2 * rows {
            return Err(corrupt(format!(
                "{rows} rows in {slots} index slots (expected a power of two >= {MIN_SLOTS} \
                 and >= twice the rows)"
            )));
        }
        let field = |i: usize| u64::from_le_bytes(get8(bytes, 24 + 8 * i));
        let arena_len = field(3);
        if arena_len > u32::MAX as u64 {
            return Err(corrupt(format!("arena of {arena_len} bytes")));
        }
        let layout = Layout::for_counts(rows, slots, arena_len as usize);
        let expected = [
            layout.index_offset,
            layout.records_offset,
            layout.arena_offset,
            layout.arena_len,
            layout.file_len,
        ];
        let names = [
            "index offset",
            "records offset",
            "arena offset",
            "arena length",
            "file length",
        ];
        for (i, (want, name)) in expected.into_iter().zip(names).enumerate() {
            if field(i) != want as u64 {
                return Err(corrupt(format!(
                    "{name} is {}, expected {want} for {rows} rows and {slots} slots",
                    field(i)
                )));
            }
        }
        match actual.cmp(&(layout.file_len as u64)) {
            Ordering::Less => Err(truncated(layout.file_len as u64)),
            Ordering::Greater => Err(corrupt(format!(
                "{} trailing bytes after the {} bytes the header describes",
                actual - layout.file_len as u64,
                layout.file_len
            ))),
            Ordering::Equal => Ok(layout),
        }
    }
}

/// An open keyword table: a read-only memory map plus the section offsets from its header.
///
/// Opening is O(1) (no parse, pages load on first touch); lookups cost one hash, one or two
/// index slots, one record and one keyword comparison; [`KeywordTable::get_many`] looks up a
/// title's words together so that their cache misses overlap. The table is `Send + Sync`:
/// share one between rayon workers by reference.
#[derive(Debug)]
pub struct KeywordTable {
    path: PathBuf,
    map: Mapped,
    layout: Layout,
    categories: CategoryCache,
}

/// Category spans whose UTF-8 this table has already validated, direct-mapped by span.
///
/// Every hit returns its category as a `&str`, and validating the same few category texts
/// again on every lookup cost a quarter of a cached lookup. An entry holds `off << 32 | len`
/// only after `from_utf8` accepted exactly those arena bytes of this mapping, which do not
/// change while it lives (the contract of [`Mapped`]); a clash only costs a new validation.
/// Relaxed atomics suffice: an entry is one word, written once per span and then only read.
struct CategoryCache([AtomicU64; CATEGORY_CACHE]);

const CATEGORY_CACHE: usize = 256;

impl CategoryCache {
    fn new() -> CategoryCache {
        // No span of `u64::MAX` (offset and length `u32::MAX`) fits in an arena, so
        // `KeywordTable::bytes` refuses it before the cache is asked: it marks an empty entry.
        CategoryCache(std::array::from_fn(|_| AtomicU64::new(u64::MAX)))
    }

    fn entry(&self, span: u64) -> &AtomicU64 {
        let h = span.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56;
        &self.0[h as usize % CATEGORY_CACHE]
    }
}

impl fmt::Debug for CategoryCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let used = self.0.iter().filter(|e| e.load(Relaxed) != u64::MAX);
        write!(
            f,
            "CategoryCache({} of {CATEGORY_CACHE} used)",
            used.count()
        )
    }
}

impl KeywordTable {
    /// Maps the table at `path` and checks its header, section sizes, length and body hash;
    /// refuses a file that is not a table, of another format version, truncated, inconsistent
    /// or damaged (module docs: the hash is the one cost beyond O(1)).
    pub fn open(path: impl AsRef<Path>) -> Result<KeywordTable, TableError> {
        let table = KeywordTable::open_structure(path)?;
        table.check_body()?;
        Ok(table)
    }

    /// [`KeywordTable::open`] without the body hash: header, sizes and length only.
    fn open_structure(path: impl AsRef<Path>) -> Result<KeywordTable, TableError> {
        let path = path.as_ref();
        let map = Mapped::open(path).map_err(IoError::at(path, "open keyword table"))?;
        let layout = Layout::read(path, &map)?;
        Ok(KeywordTable {
            path: path.to_owned(),
            map,
            layout,
            categories: CategoryCache::new(),
        })
    }

    /// [`KeywordTable::open`] followed by [`KeywordTable::verify`]: for imports, merges and
    /// anything that rewrites the table, where reading every byte once is affordable.
    pub fn open_verified(path: impl AsRef<Path>) -> Result<KeywordTable, TableError> {
        let table = KeywordTable::open(path)?;
        table.verify()?;
        Ok(table)
    }

    /// Checks the body checksum, then every record (text bounds, UTF-8, sorted unique
    /// keywords, source and presence bits) and that the index finds every record. O(n): reads
    /// the whole file.
    pub fn verify(&self) -> Result<(), TableError> {
        self.check_body()?;
        let mut previous: Option<&str> = None;
        for i in 0..self.len() {
            let row = self.row(i)?;
            if previous.is_some_and(|p| p.as_bytes() >= row.keyword.as_bytes()) {
                return Err(self.corrupt(format!(
                    "record {i} ({:?}) is out of order or repeated",
                    row.keyword
                )));
            }
            if self.find(row.keyword)? != Some(i) {
                return Err(self.corrupt(format!(
                    "the index does not lead to record {i} ({:?})",
                    row.keyword
                )));
            }
            previous = Some(row.keyword);
        }
        let occupied = self
            .index()
            .chunks_exact(SLOT_LEN)
            .filter(|s| s[4..8] != EMPTY_SLOT.to_le_bytes())
            .count();
        if occupied != self.len() {
            return Err(self.corrupt(format!(
                "{occupied} occupied index slots for {} records",
                self.len()
            )));
        }
        Ok(())
    }

    /// The body (index, records, arena) hashes to the checksum in the header.
    fn check_body(&self) -> Result<(), TableError> {
        let stored = u64::from_le_bytes(get8(&self.map, 64));
        let computed = xxh3_64(&self.map[HEADER_LEN..]);
        if stored != computed {
            return Err(TableError::Checksum {
                path: self.path.clone(),
                stored,
                computed,
            });
        }
        Ok(())
    }

    /// The file this table was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of keywords.
    pub fn len(&self) -> usize {
        self.layout.rows
    }

    /// True for a table without keywords.
    pub fn is_empty(&self) -> bool {
        self.layout.rows == 0
    }

    /// Looks a keyword up by its text, normalised first ([`normal_form`]).
    ///
    /// `Ok(None)` when the keyword is not in the table; an error only when the lookup meets
    /// damage in an unverified file.
    pub fn get(&self, keyword: &str) -> Result<Option<KeywordRow<'_>>, TableError> {
        let key = normal_form(keyword);
        match self.probe(&key, xxh3_64(key.as_bytes()))? {
            Some((i, keyword)) => self.row_of(i, keyword).map(Some),
            None => Ok(None),
        }
    }

    /// Looks many keywords up at once: `out` is cleared and receives, in order, what
    /// [`KeywordTable::get`] returns for each keyword.
    ///
    /// In a table larger than the caches a lookup is two dependent cache misses (the index
    /// slot, then the record and the text), and keywords looked up one after the other pay
    /// them in series: the title scorer's ~24 words per title would wait ~48 times. This
    /// normalises and hashes a batch of keys and prefetches their index slots, then prefetches
    /// the records and texts the slots point at, then compares and decodes, so the misses of
    /// the whole batch overlap. `out` is the caller's, to be reused across titles.
    pub fn get_many<'t, S: AsRef<str>>(
        &'t self,
        keywords: &[S],
        out: &mut Vec<Option<KeywordRow<'t>>>,
    ) -> Result<(), TableError> {
        out.clear();
        out.reserve(keywords.len());
        let mut keys: [Cow<'_, str>; BATCH] = std::array::from_fn(|_| Cow::Borrowed(""));
        let mut hashes = [0u64; BATCH];
        for batch in keywords.chunks(BATCH) {
            for (j, keyword) in batch.iter().enumerate() {
                let key = normal_form(keyword.as_ref());
                hashes[j] = xxh3_64(key.as_bytes());
                keys[j] = key;
                self.map
                    .prefetch(self.slot_offset(self.home_slot(hashes[j])));
            }
            for &hash in &hashes[..batch.len()] {
                self.prefetch_candidate(hash);
            }
            for (key, &hash) in keys.iter().zip(&hashes).take(batch.len()) {
                out.push(match self.probe(key, hash)? {
                    Some((i, keyword)) => Some(self.row_of(i, keyword)?),
                    None => None,
                });
            }
        }
        Ok(())
    }

    /// The row at position `index` in stored (keyword byte) order.
    ///
    /// # Panics
    /// If `index >= self.len()`.
    pub fn row(&self, index: usize) -> Result<KeywordRow<'_>, TableError> {
        assert!(index < self.len(), "row {index} of {}", self.len());
        let rec = self.record(index);
        let keyword = self.text(
            index,
            "keyword",
            get_u32(rec, R_KW_OFF),
            get_u32(rec, R_KW_LEN),
        )?;
        self.row_of(index, keyword)
    }

    /// The row of record `index` (`< self.len()`) whose keyword text is already known.
    #[inline]
    fn row_of<'a>(&'a self, index: usize, keyword: &'a str) -> Result<KeywordRow<'a>, TableError> {
        let rec = self.record(index);
        let category = self.category(index, get_u32(rec, R_CAT_OFF), get_u32(rec, R_CAT_LEN))?;
        let stats = KeywordStats::decode(rec).ok_or_else(|| {
            self.corrupt(format!(
                "record {index} has source code {} and presence bits {:#x}",
                rec[R_SOURCE],
                get_u32(rec, R_PRESENT)
            ))
        })?;
        Ok(KeywordRow {
            keyword,
            category,
            stats,
        })
    }

    /// All rows in stored order (sorted by keyword bytes).
    pub fn iter(&self) -> Rows<'_> {
        Rows {
            table: self,
            next: 0,
        }
    }

    /// The `n` best rows by `score` (highest first, ties in stored order), optionally only those
    /// of one category; rows that `score` gives `None` or NaN are left out. Scans the table.
    pub fn top_by<F>(
        &self,
        n: usize,
        category: Option<&str>,
        score: F,
    ) -> Result<Vec<(f64, KeywordRow<'_>)>, TableError>
    where
        F: Fn(&KeywordStats) -> Option<f64>,
    {
        let category = category.map(str::trim);
        let mut scored = Vec::new();
        for row in self.iter() {
            let row = row?;
            if category.is_some_and(|c| c != row.category) {
                continue;
            }
            if let Some(s) = score(&row.stats).filter(|s| !s.is_nan()) {
                scored.push((s, row));
            }
        }
        // Stable sort: equal scores keep the stored order.
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored.truncate(n);
        Ok(scored)
    }

    /// Finds the record index of a normalised key.
    fn find(&self, key: &str) -> Result<Option<usize>, TableError> {
        Ok(self.probe(key, xxh3_64(key.as_bytes()))?.map(|(i, _)| i))
    }

    /// Walks the index from the home slot of `hash` (the XXH3-64 of `key`) and returns the
    /// record index of `key` with its text borrowed from the map.
    ///
    /// A probe compares the 32-bit fingerprint in the slot before touching the arena, so a miss
    /// almost never leaves the index; the slot also holds the keyword span, so on a hit the text
    /// comparison and the record fetch depend on the slot only and overlap in memory.
    #[inline]
    fn probe(&self, key: &str, hash: u64) -> Result<Option<(usize, &str)>, TableError> {
        let fp = fingerprint(hash);
        let index = self.index();
        let mask = self.layout.slots - 1;
        let mut s = hash as usize & mask;
        // At most `slots` probes, so even a damaged index (no empty slot) terminates.
        for _ in 0..self.layout.slots {
            let slot: &[u8; SLOT_LEN] = index[s * SLOT_LEN..(s + 1) * SLOT_LEN]
                .try_into()
                .expect("slot slice has the slot length");
            let rec = get_u32(slot, 4);
            if rec == EMPTY_SLOT {
                return Ok(None);
            }
            if get_u32(slot, 0) == fp {
                let i = rec as usize;
                if i >= self.len() {
                    return Err(self.corrupt(format!(
                        "index slot {s} points at record {i} of {}",
                        self.len()
                    )));
                }
                let bytes = self.bytes(i, "keyword", get_u32(slot, 8), get_u32(slot, 12))?;
                if let Some(text) = equal_text(bytes, key) {
                    return Ok(Some((i, text)));
                }
            }
            s = (s + 1) & mask;
        }
        Err(self.corrupt("the index has no empty slot".to_owned()))
    }

    #[inline]
    fn home_slot(&self, hash: u64) -> usize {
        hash as usize & (self.layout.slots - 1)
    }

    #[inline]
    fn slot_offset(&self, slot: usize) -> usize {
        self.layout.index_offset + slot * SLOT_LEN
    }

    /// Prefetches the record and the keyword text of the first slot on the probe path of
    /// `hash` whose fingerprint matches (nearly always the only one): a hint for
    /// [`KeywordTable::get_many`], so it reads a few slots at most and checks nothing.
    fn prefetch_candidate(&self, hash: u64) {
        let index = self.index();
        let fp = fingerprint(hash);
        let mut s = self.home_slot(hash);
        for _ in 0..4 {
            let Some(slot) = index.get(s * SLOT_LEN..(s + 1) * SLOT_LEN) else {
                return;
            };
            let rec = get_u32(slot, 4);
            if rec == EMPTY_SLOT {
                return;
            }
            if get_u32(slot, 0) == fp {
                let at = self.layout.records_offset + rec as usize * RECORD_LEN;
                for line in [at, at + RECORD_LEN / 2, at + RECORD_LEN - 1] {
                    self.map.prefetch(line);
                }
                let text = self.layout.arena_offset + get_u32(slot, 8) as usize;
                let len = get_u32(slot, 12) as usize;
                self.map.prefetch(text);
                self.map.prefetch(text + len.saturating_sub(1));
                return;
            }
            s = (s + 1) & (self.layout.slots - 1);
        }
    }

    #[inline]
    fn index(&self) -> &[u8] {
        &self.map[self.layout.index_offset..self.layout.records_offset]
    }

    #[inline]
    fn record(&self, i: usize) -> &[u8; RECORD_LEN] {
        let at = self.layout.records_offset + i * RECORD_LEN;
        self.map[at..at + RECORD_LEN]
            .try_into()
            .expect("record slice has the record length")
    }

    /// Arena bytes of a record's text field, bound-checked.
    #[inline]
    fn bytes(&self, i: usize, field: &str, off: u32, len: u32) -> Result<&[u8], TableError> {
        let (off, len) = (off as usize, len as usize);
        let arena = &self.map[self.layout.arena_offset..];
        arena.get(off..off + len).ok_or_else(|| {
            self.corrupt(format!(
                "record {i} {field} at {off}+{len} is outside the {}-byte arena",
                arena.len()
            ))
        })
    }

    fn text(&self, i: usize, field: &str, off: u32, len: u32) -> Result<&str, TableError> {
        let bytes = self.bytes(i, field, off, len)?;
        std::str::from_utf8(bytes)
            .map_err(|e| self.corrupt(format!("record {i} {field} is not UTF-8: {e}")))
    }

    /// A record's category text, validated once per span (see [`CategoryCache`]).
    #[inline]
    fn category(&self, i: usize, off: u32, len: u32) -> Result<&str, TableError> {
        let bytes = self.bytes(i, "category", off, len)?;
        let span = u64::from(off) << 32 | u64::from(len);
        let entry = self.categories.entry(span);
        if entry.load(Relaxed) == span {
            // SAFETY: the entry holds `span` only after `from_utf8` accepted these very bytes
            // of this mapping below, and a mapping's bytes never change (see `Mapped`).
            return Ok(unsafe { std::str::from_utf8_unchecked(bytes) });
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|e| self.corrupt(format!("record {i} category is not UTF-8: {e}")))?;
        entry.store(span, Relaxed);
        Ok(text)
    }

    #[cold]
    fn corrupt(&self, what: String) -> TableError {
        TableError::Corrupt {
            path: self.path.clone(),
            what,
        }
    }
}

/// Iterator over a table's rows in stored order; see [`KeywordTable::iter`].
#[derive(Debug, Clone)]
pub struct Rows<'a> {
    table: &'a KeywordTable,
    next: usize,
}

impl<'a> Iterator for Rows<'a> {
    type Item = Result<KeywordRow<'a>, TableError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.table.len() {
            return None;
        }
        let row = self.table.row(self.next);
        self.next += 1;
        Some(row)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.table.len() - self.next;
        (left, Some(left))
    }
}

impl ExactSizeIterator for Rows<'_> {}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::BusinessAdvisor => "business-advisor",
            Source::ThroughTrain => "through-train",
            Source::Derived => "derived",
            Source::Other => "other",
        })
    }
}

fn put_u32(buf: &mut [u8], at: usize, v: u32) {
    buf[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

#[inline]
fn get_u32(buf: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(buf[at..at + 4].try_into().expect("4 bytes"))
}

/// `bytes` as text when they equal `text`: the comparison a lookup makes anyway proves them
/// UTF-8, so the hit path skips a second validation (a third of a cached lookup's time).
fn equal_text<'a>(bytes: &'a [u8], text: &str) -> Option<&'a str> {
    if bytes != text.as_bytes() {
        return None;
    }
    // SAFETY: `bytes` are equal to the bytes of a `str`, hence valid UTF-8.
    Some(unsafe { std::str::from_utf8_unchecked(bytes) })
}

#[inline]
fn get8(buf: &[u8], at: usize) -> [u8; 8] {
    buf[at..at + 8].try_into().expect("8 bytes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// splitmix64: a small deterministic generator, so failures reproduce.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }

        fn maybe(&mut self, value: f64) -> Option<f64> {
            (self.below(4) != 0).then_some(value)
        }

        fn fraction(&mut self) -> Option<f64> {
            let v = self.below(1_000_001) as f64 / 1_000_000.0;
            self.maybe(v)
        }
    }

    const WORDS: &[&str] = &[
        "连衣裙",
        "碎花",
        "雪纺",
        "夏季",
        "女",
        "新款",
        "机械键盘",
        "面霜",
        "自然堂",
        "iphone",
        "15",
        "pro",
        "CHANDO",
        "5w-30",
        "50g",
        "Type-C",
        "ins风",
        "加厚",
        "儿童",
        "保温杯",
        "男士",
        "运动鞋",
        "２０２４",
        "ＡＢＣ",
    ];

    fn random_keyword(rng: &mut Rng) -> String {
        let words = 1 + rng.below(4);
        let mut k = String::new();
        for _ in 0..words {
            let w = WORDS[rng.below(WORDS.len() as u64) as usize];
            if !k.is_empty() && rng.below(2) == 0 {
                k.push(' ');
            }
            k.push_str(w);
        }
        // Make most keywords unique, in a script of their own.
        if rng.below(3) != 0 {
            k.push_str(&rng.below(100_000).to_string());
        } else {
            k.push(char::from_u32(0x4E00 + rng.below(0x5000) as u32).unwrap());
        }
        k
    }

    fn random_stats(rng: &mut Rng) -> KeywordStats {
        let day = 20230101 + (rng.below(12) as u32) * 100 + rng.below(28) as u32;
        let source = [
            Source::BusinessAdvisor,
            Source::ThroughTrain,
            Source::Derived,
            Source::Other,
        ][rng.below(4) as usize];
        let mut s = KeywordStats::new(Period::new(day, day), source);
        s.popularity = {
            let v = rng.0 as f64 % 1e6;
            rng.maybe(v)
        };
        s.demand = {
            let v = rng.below(10_000_000) as f64 / 7.0;
            rng.maybe(v)
        };
        s.heat = {
            let v = rng.below(1000) as f64;
            rng.maybe(v)
        };
        s.ctr = rng.fraction();
        s.cvr = rng.fraction();
        s.click_popularity = {
            let v = rng.below(50_000) as f64;
            rng.maybe(v)
        };
        s.trade_index = {
            let v = rng.below(90_000) as f64 + 0.25;
            rng.maybe(v)
        };
        s.online_items = (rng.below(4) != 0).then(|| rng.below(u64::MAX));
        s.tmall_click_share = rng.fraction();
        s.reference_cpc = {
            let v = rng.below(1000) as f64 / 100.0;
            rng.maybe(v)
        };
        s.growth = {
            let v = rng.below(500) as f64 / 100.0 - 1.0;
            rng.maybe(v)
        };
        s
    }

    fn stats(end: u32, popularity: Option<f64>, demand: Option<f64>) -> KeywordStats {
        let mut s = KeywordStats::new(Period::new(end - 6, end), Source::BusinessAdvisor);
        s.popularity = popularity;
        s.demand = demand;
        s
    }

    fn write(builder: &TableBuilder) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keywords.bkw");
        builder.write(&path).unwrap();
        (dir, path)
    }

    fn build(rows: &[(&str, &str, KeywordStats)]) -> (tempfile::TempDir, PathBuf, KeywordTable) {
        let mut builder = TableBuilder::new();
        for (k, c, s) in rows {
            builder.insert(k, c, *s).unwrap();
        }
        let (dir, path) = write(&builder);
        let table = KeywordTable::open_verified(&path).unwrap();
        (dir, path, table)
    }

    #[test]
    fn round_trip_of_thousands_of_random_keywords() {
        let mut rng = Rng(7);
        let mut builder = TableBuilder::new();
        let mut expected: HashMap<String, (String, KeywordStats)> = HashMap::new();
        let categories = ["女装>连衣裙", "美妆>面霜", "", "数码>键盘", "Home & Garden"];
        while expected.len() < 3000 {
            let keyword = random_keyword(&mut rng);
            let key = normal_form(&keyword).into_owned();
            if expected.contains_key(&key) {
                continue;
            }
            let category = categories[rng.below(categories.len() as u64) as usize];
            let stats = random_stats(&mut rng);
            builder.insert(&keyword, category, stats).unwrap();
            expected.insert(key, (category.to_owned(), stats));
        }
        let (_dir, path) = write(&builder);
        let table = KeywordTable::open_verified(&path).unwrap();
        assert_eq!(table.len(), expected.len());
        for (key, (category, stats)) in &expected {
            let row = table
                .get(key)
                .unwrap()
                .unwrap_or_else(|| panic!("{key:?} missing"));
            assert_eq!(row.keyword, key);
            assert_eq!(row.category, category);
            assert_eq!(&row.stats, stats, "{key:?}");
            // Lookups normalise: an upper-case, full-width spelling finds the same row.
            let shouted: String = key
                .chars()
                .map(|c| match c {
                    'a'..='z' => char::from_u32(c as u32 - 0x61 + 0xFF21).unwrap(),
                    ' ' => '\u{3000}',
                    c => c,
                })
                .collect();
            assert_eq!(table.get(&shouted).unwrap(), Some(row));
        }
        let keys: Vec<&str> = table.iter().map(|r| r.unwrap().keyword).collect();
        assert!(
            keys.windows(2).all(|w| w[0].as_bytes() < w[1].as_bytes()),
            "stored order"
        );
        assert_eq!(table.iter().len(), expected.len());
    }

    #[test]
    fn get_many_answers_like_get_across_batches() {
        let mut rng = Rng(21);
        let mut builder = TableBuilder::new();
        let mut keywords = Vec::new();
        // More categories than the category cache has entries, so entries clash.
        for n in 0..600 {
            let keyword = random_keyword(&mut rng);
            let category = format!("类目{}", n % (CATEGORY_CACHE + 44));
            builder
                .insert(&keyword, &category, random_stats(&mut rng))
                .unwrap();
            keywords.push(keyword);
        }
        let (_dir, path) = write(&builder);
        let table = KeywordTable::open(&path).unwrap();
        // Hits in their inserted (not normal) spelling, misses, an empty key; 3 * 600 keys
        // end in a partial batch.
        let mut probes: Vec<String> = Vec::new();
        for k in &keywords {
            probes.extend([k.clone(), format!("{k}不在表里"), String::new()]);
        }
        let mut out = vec![None];
        table.get_many(&probes, &mut out).unwrap();
        assert_eq!(out.len(), probes.len());
        for (probe, got) in probes.iter().zip(&out) {
            assert_eq!(*got, table.get(probe).unwrap(), "{probe:?}");
        }
        let hits = out.iter().filter(|r| r.is_some()).count();
        assert_eq!(hits, table.len(), "every inserted keyword is found");
        let categories: std::collections::HashSet<&str> =
            out.iter().flatten().map(|r| r.category).collect();
        assert_eq!(categories.len(), CATEGORY_CACHE + 44);
        table.get_many(&["连衣裙"; 0], &mut out).unwrap();
        assert!(out.is_empty(), "out is cleared");
    }

    #[test]
    fn a_category_that_is_not_utf8_is_refused_by_every_lookup() {
        let (_d, path, mut bytes) = sample_file();
        let layout = Layout::read(&path, &bytes).unwrap();
        let table = KeywordTable::open(&path).unwrap();
        let keyword = table.row(0).unwrap().keyword.to_owned();
        drop(table);
        // Every row has the one category "女装", the last text of the arena.
        let end = bytes.len();
        assert_eq!(&bytes[end - "女装".len()..], "女装".as_bytes());
        bytes[end - 1] = 0xFF;
        assert_eq!(layout.file_len, end);
        reseal(&mut bytes);
        std::fs::write(&path, &bytes).unwrap();
        let table = KeywordTable::open(&path).unwrap();
        for _ in 0..2 {
            let err = table.get(&keyword).unwrap_err().to_string();
            assert!(err.contains("record 0 category is not UTF-8"), "{err}");
        }
        let mut out = Vec::new();
        assert!(table.get_many(&[keyword.as_str()], &mut out).is_err());
    }

    #[test]
    fn misses_return_none() {
        let (_d, _p, table) = build(&[
            ("连衣裙", "女装", stats(20240107, Some(10.0), None)),
            ("碎花连衣裙", "女装", stats(20240107, Some(5.0), None)),
        ]);
        for miss in [
            "连衣",
            "连衣裙 ",
            "连衣裙裙",
            "dress",
            "",
            "   ",
            "碎花 连衣裙",
        ] {
            let found = table.get(miss).unwrap();
            assert!(
                found.is_none() || normal_form(miss) == found.unwrap().keyword,
                "{miss:?} -> {found:?}"
            );
        }
        assert!(
            table.get("连衣裙 ").unwrap().is_some(),
            "trailing space is normalised away"
        );
        assert!(
            table.get("碎花 连衣裙").unwrap().is_none(),
            "a space is part of the key"
        );
        let (_d, _p, empty) = build(&[]);
        assert!(empty.is_empty());
        assert!(empty.get("连衣裙").unwrap().is_none());
        assert_eq!(empty.iter().count(), 0);
    }

    #[test]
    fn newer_period_wins_and_growth_comes_from_the_older() {
        let (_d, _p, table) = build(&[
            ("连衣裙", "女装", stats(20240614, Some(1500.0), Some(900.0))),
            ("连衣裙", "女装", stats(20240607, Some(1000.0), Some(600.0))),
            ("连衣裙", "女装", stats(20240531, Some(100.0), None)),
            // Only demand on both sides: growth from demand.
            ("面霜", "美妆", stats(20240607, None, Some(200.0))),
            ("面霜", "美妆", stats(20240614, None, Some(150.0))),
            // A given growth is kept.
            ("雪纺", "女装", {
                let mut s = stats(20240614, Some(50.0), None);
                s.growth = Some(3.0);
                s
            }),
            ("雪纺", "女装", stats(20240607, Some(10.0), None)),
            // Older figure zero or missing: growth unknown.
            ("夏季", "", stats(20240614, Some(50.0), None)),
            ("夏季", "", stats(20240607, Some(0.0), None)),
            ("单行", "", stats(20240614, Some(50.0), None)),
        ]);
        let dress = table.get("连衣裙").unwrap().unwrap().stats;
        assert_eq!(dress.period.end, 20240614);
        assert_eq!(dress.popularity, Some(1500.0));
        assert_eq!(
            dress.growth,
            Some(0.5),
            "against the newest older period, by popularity"
        );
        let cream = table.get("面霜").unwrap().unwrap().stats;
        assert_eq!(cream.demand, Some(150.0));
        assert_eq!(cream.growth, Some(-0.25));
        assert_eq!(table.get("雪纺").unwrap().unwrap().stats.growth, Some(3.0));
        assert_eq!(table.get("夏季").unwrap().unwrap().stats.growth, None);
        assert_eq!(table.get("单行").unwrap().unwrap().stats.growth, None);
        assert_eq!(table.len(), 5);
    }

    #[test]
    fn measured_rows_beat_derived_ones_and_growth_stays_within_a_kind() {
        let derived = |end, pop| {
            let mut s = stats(end, Some(pop), None);
            s.source = Source::Derived;
            s
        };
        let (_d, _p, table) = build(&[
            ("键盘", "数码", derived(20240707, 900.0)),
            ("键盘", "数码", stats(20240614, Some(100.0), None)),
            ("键盘", "数码", derived(20240607, 300.0)),
            ("鼠标", "数码", derived(20240707, 900.0)),
            ("鼠标", "数码", derived(20240607, 300.0)),
        ]);
        let keyboard = table.get("键盘").unwrap().unwrap().stats;
        assert_eq!(keyboard.source, Source::BusinessAdvisor);
        assert_eq!(
            keyboard.growth, None,
            "derived rows never feed a measured growth"
        );
        let mouse = table.get("鼠标").unwrap().unwrap().stats;
        assert_eq!((mouse.source, mouse.growth), (Source::Derived, Some(2.0)));
    }

    #[test]
    fn same_period_ties_do_not_depend_on_insertion_order() {
        let mut ztc = stats(20240614, Some(80.0), None);
        ztc.source = Source::ThroughTrain;
        let rows = [
            ("连衣裙", "女装>裙", stats(20240614, Some(50.0), None)),
            ("连衣裙", "女装", stats(20240614, Some(70.0), None)),
            ("连衣裙", "童装", stats(20240614, Some(70.0), None)),
            ("连衣裙", "其他", ztc),
        ];
        let mut reversed = rows;
        reversed.reverse();
        let (_d1, p1, t1) = build(&rows);
        let (_d2, p2, t2) = build(&reversed);
        let row = t1.get("连衣裙").unwrap().unwrap();
        assert_eq!((row.category, row.stats.popularity), ("女装", Some(70.0)));
        assert_eq!(t2.get("连衣裙").unwrap(), Some(row));
        assert_eq!(std::fs::read(p1).unwrap(), std::fs::read(p2).unwrap());
    }

    #[test]
    fn same_rows_in_any_order_give_the_same_bytes() {
        let mut rng = Rng(11);
        let rows: Vec<(String, KeywordStats)> = (0..500)
            .map(|_| (random_keyword(&mut rng), random_stats(&mut rng)))
            .collect();
        let mut a = TableBuilder::new();
        let mut b = TableBuilder::new();
        for (k, s) in &rows {
            a.insert(k, "cat", *s).unwrap();
        }
        for (k, s) in rows.iter().rev() {
            b.insert(k, "cat", *s).unwrap();
        }
        let (_da, pa) = write(&a);
        let (_db, pb) = write(&b);
        assert_eq!(std::fs::read(&pa).unwrap(), std::fs::read(&pb).unwrap());
    }

    #[test]
    fn extend_from_table_merges_a_new_import_with_the_old_table() {
        let (_d, _p, old) = build(&[
            ("连衣裙", "女装", stats(20240607, Some(1000.0), None)),
            ("面霜", "美妆", stats(20240607, Some(40.0), None)),
        ]);
        let mut builder = TableBuilder::new();
        builder.extend_from_table(&old).unwrap();
        builder
            .insert("连衣裙", "女装", stats(20240614, Some(1200.0), None))
            .unwrap();
        let (_d2, path) = write(&builder);
        let new = KeywordTable::open_verified(&path).unwrap();
        let dress = new.get("连衣裙").unwrap().unwrap().stats;
        assert_eq!(dress.popularity, Some(1200.0));
        assert!((dress.growth.unwrap() - 0.2).abs() < 1e-12);
        assert_eq!(
            new.get("面霜").unwrap().unwrap().stats.popularity,
            Some(40.0)
        );
    }

    #[test]
    fn top_by_ranks_filters_and_skips_unknown_scores() {
        let with = |end, demand: f64, ctr: Option<f64>| {
            let mut s = stats(end, None, Some(demand));
            s.ctr = ctr;
            s.cvr = Some(0.1);
            s
        };
        let (_d, _p, table) = build(&[
            ("a", "x", with(20240614, 100.0, Some(0.5))),
            ("b", "x", with(20240614, 300.0, Some(0.1))),
            ("c", "y", with(20240614, 1000.0, Some(0.5))),
            ("d", "x", with(20240614, 5000.0, None)),
            ("e", "x", with(20240614, 100.0, Some(0.5))),
        ]);
        let top = table
            .top_by(10, Some("x"), |s| RankBy::Value.score(s))
            .unwrap();
        let names: Vec<&str> = top.iter().map(|(_, r)| r.keyword).collect();
        assert_eq!(
            names,
            ["a", "e", "b"],
            "ties in stored order, unknown CTR left out"
        );
        let top = table.top_by(2, None, |s| RankBy::Demand.score(s)).unwrap();
        let names: Vec<&str> = top.iter().map(|(_, r)| r.keyword).collect();
        assert_eq!(names, ["d", "c"]);
        assert!(
            table
                .top_by(5, Some("nope"), |s| s.demand)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn invalid_rows_are_refused_with_the_field_and_value() {
        let mut builder = TableBuilder::new();
        let mut bad = stats(20240614, None, None);
        bad.ctr = Some(3.25);
        let err = builder.insert("连衣裙", "", bad).unwrap_err().to_string();
        assert_eq!(
            err,
            "keyword \"连衣裙\": ctr = 3.25: must be a fraction in [0, 1]"
        );
        bad.ctr = None;
        bad.demand = Some(f64::NAN);
        assert!(
            builder
                .insert("连衣裙", "", bad)
                .unwrap_err()
                .to_string()
                .contains("demand = NaN")
        );
        let bad = KeywordStats::new(Period::new(20240230, 20240301), Source::Other);
        assert!(
            builder
                .insert("连衣裙", "", bad)
                .unwrap_err()
                .to_string()
                .contains("period")
        );
        let bad = KeywordStats::new(Period::new(20240614, 20240601), Source::Other);
        assert!(builder.insert("连衣裙", "", bad).is_err());
        let ok = KeywordStats::new(Period::day(20240229), Source::Other);
        let err = builder
            .insert(" \u{3000} ", "", ok)
            .unwrap_err()
            .to_string();
        assert!(err.contains("empty after normalisation"), "{err}");
        assert!(builder.is_empty());
        builder.insert("连衣裙", "", ok).unwrap();
        assert_eq!((builder.len(), builder.inserted()), (1, 1));
    }

    fn sample_file() -> (tempfile::TempDir, PathBuf, Vec<u8>) {
        let mut rng = Rng(3);
        let mut builder = TableBuilder::new();
        for _ in 0..200 {
            builder
                .insert(&random_keyword(&mut rng), "女装", random_stats(&mut rng))
                .unwrap();
        }
        let (dir, path) = write(&builder);
        let bytes = std::fs::read(&path).unwrap();
        (dir, path, bytes)
    }

    /// Recomputes both checksums of damaged bytes, as a writer bug would leave them: damage
    /// that only the structural checks and bound checks can find.
    fn reseal(bytes: &mut [u8]) {
        let body = xxh3_64(&bytes[HEADER_LEN..]);
        bytes[64..72].copy_from_slice(&body.to_le_bytes());
        let header = xxh3_64(&bytes[..72]);
        bytes[72..80].copy_from_slice(&header.to_le_bytes());
    }

    #[test]
    fn a_flipped_bit_in_keywords_bkw_is_refused_on_open_and_never_rebuilt_from() {
        let (_d, path, mut bytes) = sample_file();
        let layout = Layout::read(&path, &bytes).unwrap();
        let good = KeywordTable::open(&path).unwrap();
        let victim = good.row(17).unwrap().keyword.to_owned();
        drop(good);
        // A statistic of record 17: structurally fine, only the checksum can tell.
        bytes[layout.records_offset + 17 * RECORD_LEN + R_VALUES + 3] ^= 0x40;
        std::fs::write(&path, &bytes).unwrap();
        let err = KeywordTable::open(&path).unwrap_err();
        assert!(matches!(err, TableError::Checksum { .. }), "{err}");
        let table = KeywordTable::open_structure(&path).unwrap();
        assert!(
            table.get(&victim).is_ok(),
            "the wrong number reads as a number"
        );
        let err = table.verify().unwrap_err();
        assert!(matches!(err, TableError::Checksum { .. }), "{err}");
        let mut builder = TableBuilder::new();
        let err = builder.extend_from_table(&table).unwrap_err();
        assert!(matches!(err, TableError::Checksum { .. }), "{err}");
        assert_eq!(builder.inserted(), 0, "nothing carried over");
        let err = KeywordTable::open_verified(&path).unwrap_err().to_string();
        assert!(err.starts_with(&path.display().to_string()), "{err}");
        assert!(
            err.contains("checksum mismatch") && err.contains("re-import"),
            "{err}"
        );
    }

    #[test]
    fn damaged_offsets_give_errors_not_panics() {
        let (_d, path, mut bytes) = sample_file();
        let layout = Layout::read(&path, &bytes).unwrap();
        let table = KeywordTable::open(&path).unwrap();
        let victim = table.row(5).unwrap().keyword.to_owned();
        let other = table.row(7).unwrap().keyword.to_owned();
        drop(table);
        let at = layout.records_offset + 5 * RECORD_LEN + R_KW_LEN;
        bytes[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        let at = layout.records_offset + 9 * RECORD_LEN + R_SOURCE;
        bytes[at] = 99;
        // A lookup reads the keyword span from the index slot, not from the record.
        let slot_of_7 = (layout.index_offset..layout.records_offset)
            .step_by(SLOT_LEN)
            .find(|&at| get_u32(&bytes, at + 4) == 7)
            .unwrap();
        bytes[slot_of_7 + 12..slot_of_7 + 16].copy_from_slice(&u32::MAX.to_le_bytes());
        reseal(&mut bytes);
        std::fs::write(&path, &bytes).unwrap();
        let table = KeywordTable::open(&path).unwrap();
        let err = table.row(5).unwrap_err().to_string();
        assert!(
            err.contains("record 5 keyword") && err.contains("outside"),
            "{err}"
        );
        let err = table.get(&other).unwrap_err().to_string();
        assert!(
            err.contains("record 7 keyword") && err.contains("outside"),
            "{err}"
        );
        assert_eq!(
            table.get(&victim).unwrap().unwrap().keyword,
            victim,
            "the record's own span is not on the lookup path"
        );
        let err = table.row(9).unwrap_err().to_string();
        assert!(err.contains("record 9 has source code 99"), "{err}");
        assert!(table.iter().any(|r| r.is_err()));
    }

    #[test]
    fn a_truncated_file_is_refused_on_open() {
        let (_d, path, bytes) = sample_file();
        for len in [bytes.len() - 1, bytes.len() / 2, HEADER_LEN, 40, 10, 3] {
            std::fs::write(&path, &bytes[..len]).unwrap();
            let err = KeywordTable::open(&path).unwrap_err();
            assert!(matches!(err, TableError::Truncated { .. }), "{len}: {err}");
            let msg = err.to_string();
            assert!(
                msg.contains("truncated") && msg.contains("re-import"),
                "{msg}"
            );
        }
        std::fs::write(&path, b"").unwrap();
        assert!(matches!(
            KeywordTable::open(&path),
            Err(TableError::NotATable { .. })
        ));
        let mut longer = bytes.clone();
        longer.push(0);
        std::fs::write(&path, &longer).unwrap();
        let err = KeywordTable::open(&path).unwrap_err().to_string();
        assert!(err.contains("1 trailing bytes"), "{err}");
    }

    #[test]
    fn wrong_magic_old_and_newer_versions_get_clear_errors() {
        let (_d, path, bytes) = sample_file();
        let mut wrong = bytes.clone();
        wrong[..8].copy_from_slice(b"PK\x03\x04abcd");
        std::fs::write(&path, &wrong).unwrap();
        let err = KeywordTable::open(&path).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "{}: not a baobei keyword table (starts with \"PK\\\\x03\\\\x04abcd\", \
                 expected \"BAOBEIKW\"); build one with `baobei keywords import`",
                path.display()
            )
        );

        let mut old = bytes.clone();
        old[8..12].copy_from_slice(&0u32.to_le_bytes());
        std::fs::write(&path, &old).unwrap();
        let err = KeywordTable::open(&path).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "{}: keyword table format version 0 is older than version 1, which this baobei \
                 reads; re-import the keyword exports with `baobei keywords import`",
                path.display()
            )
        );

        let mut newer = bytes.clone();
        newer[8..12].copy_from_slice(&2u32.to_le_bytes());
        std::fs::write(&path, &newer).unwrap();
        let err = KeywordTable::open(&path).unwrap_err();
        assert!(
            matches!(err, TableError::NewerVersion { found: 2, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("upgrade baobei"));
    }

    #[test]
    fn a_damaged_header_is_refused_on_open() {
        let (_d, path, bytes) = sample_file();
        for at in [12, 16, 20, 30, 50, 60, 66, 75] {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x01;
            std::fs::write(&path, &damaged).unwrap();
            let err = KeywordTable::open(&path).unwrap_err();
            assert!(
                matches!(err, TableError::Corrupt { .. }),
                "byte {at}: {err}"
            );
            assert!(
                err.to_string().contains("header checksum"),
                "byte {at}: {err}"
            );
        }
    }

    #[test]
    fn write_replaces_a_mapped_table_atomically() {
        let (_d, path, table) = build(&[("旧", "", stats(20240607, Some(1.0), None))]);
        let mut builder = TableBuilder::new();
        builder
            .insert("新", "", stats(20240614, Some(2.0), None))
            .unwrap();
        let summary = builder.write(&path).unwrap();
        assert_eq!((summary.rows, summary.inserted), (1, 1));
        assert_eq!(summary.bytes, std::fs::metadata(&path).unwrap().len());
        // The open table still reads the old inode, complete.
        table.verify().unwrap();
        assert!(table.get("旧").unwrap().is_some());
        let fresh = KeywordTable::open_verified(&path).unwrap();
        assert!(fresh.get("旧").unwrap().is_none() && fresh.get("新").unwrap().is_some());
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "no temporary file left: {leftovers:?}");
    }

    /// The rows of `tests/fixtures/keywords-v1.bkw`.
    fn fixture_builder() -> TableBuilder {
        let mut b = TableBuilder::new();
        let mut row = |k: &str, c: &str, s: KeywordStats| b.insert(k, c, s).unwrap();
        let full = |end| {
            let mut s = KeywordStats::new(Period::new(end - 29, end), Source::BusinessAdvisor);
            s.popularity = Some(35_021.0);
            s.demand = Some(182_400.5);
            s.heat = Some(61_200.0);
            s.ctr = Some(0.0325);
            s.cvr = Some(0.0121);
            s.click_popularity = Some(20_480.0);
            s.trade_index = Some(98_765.25);
            s.online_items = Some(1_234_567);
            s.tmall_click_share = Some(0.4375);
            s.reference_cpc = Some(1.85);
            s
        };
        row("连衣裙", "女装>连衣裙", full(20240630));
        let mut older = full(20240531);
        older.popularity = Some(28_016.8);
        row("连衣裙", "女装>连衣裙", older);
        row(
            "碎花 连衣裙",
            "女装>连衣裙",
            stats(20240630, Some(9_000.0), None),
        );
        row(
            "雪纺连衣裙 夏",
            "女装>连衣裙",
            stats(20240630, None, Some(4_000.0)),
        );
        let mut ztc = KeywordStats::new(Period::day(20240615), Source::ThroughTrain);
        ztc.reference_cpc = Some(0.72);
        ztc.ctr = Some(0.018);
        row("iPhone 15 Pro 手机壳", "手机配件", ztc);
        let mut rising = stats(20240630, Some(5_000.0), None);
        rising.growth = Some(2.5);
        row("ins风 碎花", "女装>连衣裙", rising);
        row(
            "ＣＨＡＮＤＯ 面霜",
            "美妆>面霜",
            stats(20240630, Some(12_000.0), Some(60_000.0)),
        );
        let mut derived = KeywordStats::new(Period::new(20161105, 20161114), Source::Derived);
        derived.demand = Some(3_456.0);
        derived.online_items = Some(42);
        row("自然堂 面霜", "美妆>面霜", derived);
        row("5w-30 机油", "汽车用品", stats(20240630, Some(800.0), None));
        row(
            "机械键盘",
            "数码>键盘",
            KeywordStats::new(Period::day(20240601), Source::Other),
        );
        row("保温杯 儿童", "", stats(20240630, Some(2_100.0), Some(0.0)));
        row("50g 面霜", "美妆>面霜", stats(20240630, Some(0.5), None));
        b
    }

    fn fixture_path() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keywords-v1.bkw")
    }

    /// Regenerate with `BAOBEI_WRITE_FIXTURES=1 cargo test --lib market::table`, only together
    /// with a format version bump (and a new fixture file for the new version).
    #[test]
    fn the_builder_still_writes_the_v1_fixture_bytes() {
        let builder = fixture_builder();
        if std::env::var_os("BAOBEI_WRITE_FIXTURES").is_some() {
            builder.write(fixture_path()).unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.bkw");
        builder.write(&path).unwrap();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            std::fs::read(fixture_path()).unwrap(),
            "the writer's bytes changed: bump FORMAT_VERSION and keep the v1 fixture readable"
        );
    }

    #[test]
    fn the_v1_fixture_opens_with_its_values() {
        let table = KeywordTable::open_verified(fixture_path()).unwrap();
        assert_eq!(table.len(), 11);
        let dress = table.get("连衣裙").unwrap().unwrap();
        assert_eq!(dress.category, "女装>连衣裙");
        let s = dress.stats;
        assert_eq!(s.period, Period::new(20240601, 20240630));
        assert_eq!(s.source, Source::BusinessAdvisor);
        assert_eq!(s.popularity, Some(35_021.0));
        assert_eq!(s.demand, Some(182_400.5));
        assert_eq!(s.heat, Some(61_200.0));
        assert_eq!((s.ctr, s.cvr), (Some(0.0325), Some(0.0121)));
        assert_eq!(s.click_popularity, Some(20_480.0));
        assert_eq!(s.trade_index, Some(98_765.25));
        assert_eq!(s.online_items, Some(1_234_567));
        assert_eq!(s.tmall_click_share, Some(0.4375));
        assert_eq!(s.reference_cpc, Some(1.85));
        assert_eq!(s.growth, Some(35_021.0 / 28_016.8 - 1.0));

        let case = table.get("iphone 15 pro 手机壳").unwrap().unwrap().stats;
        assert_eq!(
            (case.source, case.period),
            (Source::ThroughTrain, Period::day(20240615))
        );
        assert_eq!(
            (case.reference_cpc, case.ctr, case.popularity),
            (Some(0.72), Some(0.018), None)
        );
        assert_eq!(
            table.get("ins风 碎花").unwrap().unwrap().stats.growth,
            Some(2.5)
        );
        let chando = table.get("chando 面霜").unwrap().unwrap();
        assert_eq!(
            (chando.keyword, chando.category),
            ("chando 面霜", "美妆>面霜")
        );
        let derived = table.get("自然堂 面霜").unwrap().unwrap().stats;
        assert_eq!(derived.source, Source::Derived);
        assert_eq!(
            (derived.demand, derived.online_items),
            (Some(3_456.0), Some(42))
        );
        let bare = table.get("机械键盘").unwrap().unwrap().stats;
        assert_eq!(
            bare,
            KeywordStats::new(Period::day(20240601), Source::Other)
        );
        assert_eq!(table.get("保温杯 儿童").unwrap().unwrap().category, "");
        assert_eq!(
            table.get("保温杯 儿童").unwrap().unwrap().stats.demand,
            Some(0.0)
        );
        assert!(table.get("连衣裙 夏").unwrap().is_none());
        let order: Vec<&str> = table.iter().map(|r| r.unwrap().keyword).take(3).collect();
        assert_eq!(order, ["50g 面霜", "5w-30 机油", "chando 面霜"]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn any_distinct_rows_round_trip(
            rows in prop::collection::vec(
                (
                    "[a-zA-Z0-9 碎花连衣裙女夏ＡＢ１]{1,12}",
                    "[a-z女装>]{0,6}",
                    (
                        proptest::option::of(0.0..1e9f64),
                        proptest::option::of(0.0..=1.0f64),
                        proptest::option::of(any::<u64>()),
                        proptest::option::of(-1.0..100.0f64),
                        20000101u32..20991231,
                    ),
                ),
                0..60,
            )
        ) {
            let mut builder = TableBuilder::new();
            let mut expected: HashMap<String, (String, KeywordStats)> = HashMap::new();
            for (keyword, category, (pop, ctr, items, growth, day)) in rows {
                let key = normal_form(&keyword).into_owned();
                let period = Period::day(day);
                if key.is_empty() || !period.is_valid() || expected.contains_key(&key) {
                    continue;
                }
                let mut s = KeywordStats::new(period, Source::Other);
                s.popularity = pop;
                s.ctr = ctr;
                s.online_items = items;
                s.growth = growth;
                builder.insert(&keyword, &category, s).unwrap();
                expected.insert(key, (category.trim().to_owned(), s));
            }
            let (_dir, path) = write(&builder);
            let table = KeywordTable::open_verified(&path).unwrap();
            prop_assert_eq!(table.len(), expected.len());
            for (key, (category, stats)) in &expected {
                let row = table.get(key).unwrap().unwrap();
                prop_assert_eq!(row.category, category.as_str());
                prop_assert_eq!(&row.stats, stats);
            }
        }
    }
}
