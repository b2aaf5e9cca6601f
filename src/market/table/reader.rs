//! Reading a table: the memory-mapped file, checked on open, with lookups, iteration and
//! top-N.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use xxhash_rust::xxh3::xxh3_64;

use crate::io_error::IoError;
use crate::market::mapped::Mapped;
use crate::text::chars::normal_form;

use super::TableError;
use super::format::{
    BATCH, EMPTY_SLOT, HEADER_LEN, Layout, R_CAT_LEN, R_CAT_OFF, R_KW_LEN, R_KW_OFF, R_PRESENT,
    R_SOURCE, RECORD_LEN, SLOT_LEN, fingerprint, get_u32, get8,
};
use super::stats::{KeywordRow, KeywordStats};

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
pub(super) struct CategoryCache([AtomicU64; CATEGORY_CACHE]);

pub(super) const CATEGORY_CACHE: usize = 256;

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
    pub(super) fn open_structure(path: impl AsRef<Path>) -> Result<KeywordTable, TableError> {
        let path = path.as_ref();
        let map = Mapped::open(path)
            .map_err(IoError::at(path, ("打开关键词表", "open keyword table")))?;
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

/// `bytes` as text when they equal `text`: the comparison a lookup makes anyway proves them
/// UTF-8, so the hit path skips a second validation (a third of a cached lookup's time).
pub(super) fn equal_text<'a>(bytes: &'a [u8], text: &str) -> Option<&'a str> {
    if bytes != text.as_bytes() {
        return None;
    }
    // SAFETY: `bytes` are equal to the bytes of a `str`, hence valid UTF-8.
    Some(unsafe { std::str::from_utf8_unchecked(bytes) })
}
