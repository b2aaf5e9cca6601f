//! Building a table: rows inserted in any order, merged by the rules of the module docs,
//! written atomically.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use xxhash_rust::xxh3::xxh3_64;

use crate::io_error::IoError;
use crate::text::chars::normal_form;

use super::format::{
    EMPTY_SLOT, HEADER_LEN, Layout, MAX_ROWS, MIN_SLOTS, R_CAT_LEN, R_CAT_OFF, R_KW_LEN, R_KW_OFF,
    RECORD_LEN, SLOT_LEN, fingerprint, put_u32,
};
use super::reader::KeywordTable;
use super::stats::{KeywordStats, Source};
use super::{Refusal, TableError};

/// One inserted, not yet merged row.
#[derive(Debug, Clone)]
pub(super) struct Pending {
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
    pub(super) rows: HashMap<String, Vec<Pending>>,
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
                reason: Refusal::EmptyKeyword,
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
            .map_err(IoError::at(path, ("写入关键词表", "write keyword table")))?;
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

/// Picks the winning row of one keyword and fills in its growth (module docs, merge rules).
pub(super) fn merge(list: &[Pending]) -> (&str, KeywordStats) {
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
pub(super) fn rank(p: &Pending) -> (bool, (u32, u32), u8, u32) {
    let s = &p.stats;
    (
        s.source != Source::Derived,
        s.period.order_key(),
        s.source.priority(),
        s.present_count(),
    )
}

/// Tie-break among rows of equal rank so the winner never depends on insertion order.
pub(super) fn tie(a: &Pending, b: &Pending) -> Ordering {
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
pub(super) fn growth(old: &KeywordStats, new: &KeywordStats) -> Option<f64> {
    let ratio = |old: Option<f64>, new: Option<f64>| match (old, new) {
        (Some(old), Some(new)) if old > 0.0 => Some(new / old - 1.0),
        _ => None,
    };
    ratio(old.popularity, new.popularity).or_else(|| ratio(old.demand, new.demand))
}
