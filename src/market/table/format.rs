//! The on-disk format of the keyword table: the layout constants, the header check and
//! the byte helpers the builder writes with and the reader reads with.
//!
//! # Version 1 (all integers little-endian)
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

use std::cmp::Ordering;
use std::path::Path;

use xxhash_rust::xxh3::xxh3_64;

use super::TableError;

/// The first 8 bytes of every keyword table file.
pub const MAGIC: [u8; 8] = *b"BAOBEIKW";
/// The format version this build writes and reads; bump it (and keep a fixture of the old
/// version in `tests/fixtures/`) whenever the byte layout changes.
pub const FORMAT_VERSION: u32 = 1;

pub(super) const HEADER_LEN: usize = 80;
pub(super) const RECORD_LEN: usize = 120;
pub(super) const SLOT_LEN: usize = 16;
pub(super) const EMPTY_SLOT: u32 = u32::MAX;
pub(super) const MIN_SLOTS: usize = 8;
/// Keys per round of [`KeywordTable::get_many`]: enough independent cache misses in flight to
/// cover memory latency, few enough that the prefetched lines are still in L1 when used.
pub(super) const BATCH: usize = 16;
/// Keeps `2 * rows` slots addressable by a `u32` count.
pub(super) const MAX_ROWS: usize = 1 << 30;

// Record field offsets.
pub(super) const R_KW_OFF: usize = 0;
pub(super) const R_KW_LEN: usize = 4;
pub(super) const R_CAT_OFF: usize = 8;
pub(super) const R_CAT_LEN: usize = 12;
pub(super) const R_START: usize = 16;
pub(super) const R_END: usize = 20;
pub(super) const R_PRESENT: usize = 24;
pub(super) const R_SOURCE: usize = 28;
pub(super) const R_VALUES: usize = 32;

/// Presence bits, in the order of the value slots at `R_VALUES`.
pub(super) const F_POPULARITY: u32 = 1 << 0;
pub(super) const F_DEMAND: u32 = 1 << 1;
pub(super) const F_HEAT: u32 = 1 << 2;
pub(super) const F_CTR: u32 = 1 << 3;
pub(super) const F_CVR: u32 = 1 << 4;
pub(super) const F_CLICK_POPULARITY: u32 = 1 << 5;
pub(super) const F_TRADE_INDEX: u32 = 1 << 6;
pub(super) const F_ONLINE_ITEMS: u32 = 1 << 7;
pub(super) const F_TMALL_CLICK_SHARE: u32 = 1 << 8;
pub(super) const F_REFERENCE_CPC: u32 = 1 << 9;
pub(super) const F_GROWTH: u32 = 1 << 10;
pub(super) const F_ALL: u32 = (1 << 11) - 1;

/// The high 32 bits of the key hash: independent of the low bits that pick the home slot.
pub(super) fn fingerprint(hash: u64) -> u32 {
    (hash >> 32) as u32
}

/// Section offsets, all derived from the row and slot counts and the arena length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Layout {
    pub(super) rows: usize,
    pub(super) slots: usize,
    pub(super) index_offset: usize,
    pub(super) records_offset: usize,
    pub(super) arena_offset: usize,
    arena_len: usize,
    pub(super) file_len: usize,
}

impl Layout {
    pub(super) fn for_counts(rows: usize, slots: usize, arena_len: usize) -> Layout {
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

    pub(super) fn write_header(&self, header: &mut [u8], body_checksum: u64) {
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
    pub(super) fn read(path: &Path, bytes: &[u8]) -> Result<Layout, TableError> {
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

pub(super) fn put_u32(buf: &mut [u8], at: usize, v: u32) {
    buf[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

#[inline]
pub(super) fn get_u32(buf: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(buf[at..at + 4].try_into().expect("4 bytes"))
}

#[inline]
pub(super) fn get8(buf: &[u8], at: usize) -> [u8; 8] {
    buf[at..at + 8].try_into().expect("8 bytes")
}
