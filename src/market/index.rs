//! The listing index: own, competitor and industry listings in tantivy, searchable by title
//! words, with the history of daily snapshots that term growth needs.
//!
//! # Snapshot history: one skinny row per (id, snapshot) plus one full current row per id
//!
//! Real exports hold several days of the same items (cumulative sales per day), and rising
//! words are found by how the sales of the listings that carry them grow. Searches, though,
//! must see each listing once, as it stands on its latest snapshot. So every upsert writes:
//!
//! - a **history row** keyed `h␟id␟yyyymmdd`: id, snapshot, sales and price only, fast fields,
//!   no title tokens (the title is segmented and indexed once per listing, not once per day,
//!   which keeps the build near one segmentation per row);
//! - the **current row** keyed `c␟id`: every field, title tokens with frequencies for BM25,
//!   replaced only when the incoming snapshot is not older than the one it holds, so
//!   re-importing an old file never rolls searches back.
//!
//! Both are replaced by deleting their key term and adding the row again, which makes an
//! upsert idempotent. The writer remembers the latest snapshot of every id seen in the current
//! batch and asks the committed index about the others (one term lookup). Growth of a word is
//! measured over the history rows of the listings whose current title covers it: for each
//! listing, sales on its latest snapshot minus sales on its earliest.
//!
//! # Tokens
//!
//! Titles are segmented by baobei's [`Segmenter`] (not a tokenizer of tantivy's), held behind an
//! `Arc` because tantivy clones a tokenizer per segment writer. At index time a long CJK token
//! also emits its 2- and 3-character dictionary sub-words, as jieba's `cut_for_search` does
//! (`保湿面霜` indexes `保湿`, `面霜` too), so a search for a short word finds the listings that
//! carry it inside a longer one. Queries use plain segmentation: the words a buyer typed.
//!
//! # Durability
//!
//! Rows become visible and durable at [`ListingWriter::commit`], one commit per batch: tantivy
//! writes new segments then swaps `meta.json`, so a crash mid-batch leaves the last commit.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use tantivy::collector::{Collector, SegmentCollector, TopDocs};
use tantivy::columnar::{Column, StrColumn};
use tantivy::indexer::UserOperation;
use tantivy::query::{
    Bm25StatisticsProvider, BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery, TermSetQuery,
};
use tantivy::schema::{
    FAST, Field as SchemaField, INDEXED, IndexRecordOption, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{Token as TantivyToken, TokenStream, Tokenizer};
use tantivy::{
    DocAddress, DocId, DocSet, Index, IndexReader, IndexWriter, ReloadPolicy, Score, Searcher,
    SegmentOrdinal, SegmentReader, TERMINATED, TantivyDocument, Term,
};

use crate::input::{Date, Field, InputError, Location, Record};
use crate::recall;
use crate::title::Segmenter;

/// Name of the index-time tokenizer (segmentation plus search sub-words).
pub const INDEX_TOKENIZER: &str = "baobei_title_index";
/// Name of the query-time tokenizer (plain segmentation).
pub const QUERY_TOKENIZER: &str = "baobei_title_query";

/// tantivy refuses a writer thread with less than this share of the memory budget.
pub const MIN_BUDGET_PER_THREAD: usize = 15_000_000;

/// Whose listing it is: the seller's own, a direct competitor's, or the wider industry's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// The seller's own listing.
    Own,
    /// A competitor tracked by the seller.
    Competitor,
    /// Any other listing of the category (market background).
    Industry,
}

impl Role {
    /// The lower-case name used in the index and every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Own => "own",
            Role::Competitor => "competitor",
            Role::Industry => "industry",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    /// Reads `own`/`自有`/`本店`, `competitor`/`竞品`, `industry`/`行业` (ASCII case ignored), as
    /// `--role` and a role column spell them.
    fn from_str(s: &str) -> Result<Role, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "own" | "自有" | "本店" | "自己" => Ok(Role::Own),
            "competitor" | "竞品" | "竞争" | "对手" => Ok(Role::Competitor),
            "industry" | "行业" | "市场" => Ok(Role::Industry),
            _ => Err(format!(
                "unknown role {s:?}: expected own, competitor or industry"
            )),
        }
    }
}

/// One listing on one snapshot day: what [`ListingWriter::upsert`] stores and searches return.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    /// The item id (宝贝ID), the upsert key together with the snapshot.
    pub id: String,
    /// The title as listed.
    pub title: String,
    /// Brand, when the export names it.
    pub brand: Option<String>,
    /// Product (core) word, when the export names it.
    pub product: Option<String>,
    /// Category path, when the export names it; filters searches.
    pub category: Option<String>,
    /// Shop name.
    pub shop: Option<String>,
    /// Price in 元.
    pub price: Option<f64>,
    /// Sales as exported (often cumulative, so growth is a difference of snapshots).
    pub sales: Option<u64>,
    /// Whose listing it is.
    pub role: Role,
    /// The day the figures were taken.
    pub snapshot: Date,
}

/// Why a row cannot become a [`Listing`]; every variant says where.
#[derive(Debug, thiserror::Error)]
pub enum ListingError {
    /// The reader's own error for the row or cell (bad number, bad date, malformed row).
    #[error(transparent)]
    Input(#[from] InputError),
    /// A field every listing needs is absent or blank.
    #[error("{location}: no {} for the listing (looked for {})", field.name(), field.aliases().join(", "))]
    Missing {
        /// The row (column 1) or the blank cell.
        location: Location,
        /// The field missing.
        field: Field,
    },
    /// A role cell that is none of own, competitor, industry.
    #[error("{location}: unknown role: {value:?}: expected own, competitor or industry")]
    Role {
        /// The cell.
        location: Location,
        /// The cell text.
        value: String,
    },
    /// A price cell below zero.
    #[error("{location}: price must not be negative: {value:?}")]
    Price {
        /// The cell.
        location: Location,
        /// The cell text.
        value: String,
    },
    /// A sales cell that is negative or not a whole count.
    #[error("{location}: sales must be a whole count >= 0: {value:?}")]
    Sales {
        /// The cell.
        location: Location,
        /// The cell text.
        value: String,
    },
}

impl Listing {
    /// Reads a listing from an input row. A role or date column in the row wins over `role` and
    /// `snapshot` (real exports hold several days in one file); those apply to rows without one.
    pub fn from_record(
        record: &Record,
        role: Option<Role>,
        snapshot: Option<Date>,
    ) -> Result<Listing, ListingError> {
        let cell = |field: Field| {
            record
                .header()
                .index_of(field)
                .map(|i| record.cell_location(i))
                .unwrap_or_else(|| record.location())
        };
        let missing = |field: Field| ListingError::Missing {
            location: cell(field),
            field,
        };
        let owned = |field: Field| record.text(field).map(str::to_owned);
        let id = owned(Field::Id).ok_or_else(|| missing(Field::Id))?;
        let title = owned(Field::Title).ok_or_else(|| missing(Field::Title))?;
        let role = match record.text(Field::Role) {
            Some(text) => text.parse().map_err(|_| ListingError::Role {
                location: cell(Field::Role),
                value: text.to_owned(),
            })?,
            None => role.ok_or_else(|| missing(Field::Role))?,
        };
        let snapshot = match record.date(Field::Date)? {
            Some(date) => date,
            None => snapshot.ok_or_else(|| missing(Field::Date))?,
        };
        let sales = match record.number(Field::Sales)? {
            None => None,
            Some(x) if x >= 0.0 && x.fract() == 0.0 && x < u64::MAX as f64 => Some(x as u64),
            Some(_) => {
                return Err(ListingError::Sales {
                    location: cell(Field::Sales),
                    value: record.get(Field::Sales).unwrap_or("").to_owned(),
                });
            }
        };
        let price = record.number(Field::Price)?;
        if price.is_some_and(|p| p < 0.0) {
            return Err(ListingError::Price {
                location: cell(Field::Price),
                value: record.get(Field::Price).unwrap_or("").to_owned(),
            });
        }
        Ok(Listing {
            id,
            title,
            brand: owned(Field::Brand),
            product: owned(Field::Product),
            category: owned(Field::Category),
            shop: owned(Field::Shop),
            price,
            sales,
            role,
            snapshot,
        })
    }
}

/// Errors opening, writing or searching the listing index; each names the index directory.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// tantivy failed (I/O inside the index, a lock held by another writer, corruption).
    #[error("{}: listing index: {source}", path.display())]
    Tantivy {
        /// The index directory.
        path: PathBuf,
        /// What tantivy said.
        #[source]
        source: tantivy::TantivyError,
    },
    /// The directory could not be created or listed.
    #[error("{}: cannot access the listing index directory: {source}", path.display())]
    Io {
        /// The directory.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The directory holds a tantivy index that is not a baobei listing index.
    #[error("{}: not a baobei listing index: {what}", path.display())]
    Schema {
        /// The directory.
        path: PathBuf,
        /// What is missing or different.
        what: String,
    },
    /// A memory budget too small for the number of writer threads.
    #[error(
        "{}: memory budget of {budget} bytes for {threads} threads is below {} bytes per thread",
        path.display(), MIN_BUDGET_PER_THREAD
    )]
    Budget {
        /// The index directory.
        path: PathBuf,
        /// The budget asked for.
        budget: usize,
        /// The threads asked for.
        threads: usize,
    },
    /// A stored row lacks a field every current row has.
    #[error("{}: corrupt listing row: {what}", path.display())]
    Corrupt {
        /// The index directory.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
}

/// The tokenizer tantivy runs on titles: baobei's segmentation, shared by `Arc` so tantivy's
/// per-segment and per-query clones cost a reference count, not a dictionary.
#[derive(Clone)]
pub struct TitleTokenizer {
    segmenter: Arc<Segmenter>,
    search_subwords: bool,
    /// The last title's tokens, kept so that the next title reuses their text buffers: the
    /// writer thread tokenises every title, and a `String` per term was most of its
    /// allocations.
    tokens: Vec<TantivyToken>,
}

impl TitleTokenizer {
    /// The index-time tokenizer: words plus their 2- and 3-character dictionary sub-words.
    pub fn for_index(segmenter: Arc<Segmenter>) -> Self {
        TitleTokenizer {
            segmenter,
            search_subwords: true,
            tokens: Vec::new(),
        }
    }

    /// The query-time tokenizer: plain segmentation.
    pub fn for_query(segmenter: Arc<Segmenter>) -> Self {
        TitleTokenizer {
            segmenter,
            search_subwords: false,
            tokens: Vec::new(),
        }
    }

    /// The distinct terms this tokenizer gives `title`, in title order.
    pub fn terms(&self, title: &str) -> Vec<String> {
        let mut terms: Vec<String> = Vec::new();
        self.each_term(title, |key, _, _, _| {
            if !terms.iter().any(|t| t == key) {
                terms.push(key.to_owned());
            }
        });
        terms
    }

    /// Calls `emit(key, byte_from, byte_to, position)` for every term of `title` this
    /// tokenizer indexes (see [`each_term`]).
    fn each_term(&self, title: &str, emit: impl FnMut(&str, usize, usize, usize)) {
        each_term(&self.segmenter, self.search_subwords, title, emit)
    }
}

/// Calls `emit(key, byte_from, byte_to, position)` for every indexed term of `title`: the
/// recall terms ([`recall::for_each_term`]) at index time (`search_subwords`), the plain
/// words at query time.
fn each_term(
    segmenter: &Segmenter,
    search_subwords: bool,
    title: &str,
    mut emit: impl FnMut(&str, usize, usize, usize),
) {
    let seg = segmenter.segment(title);
    if search_subwords {
        recall::for_each_term(segmenter, &seg, |key, position, from, to| {
            emit(key, from, to, position)
        });
    } else {
        for (position, token) in seg.words().enumerate() {
            let (from, to) = (token.byte_start as usize, token.byte_end as usize);
            emit(seg.key(token), from, to, position);
        }
    }
}

impl fmt::Debug for TitleTokenizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TitleTokenizer")
            .field("search_subwords", &self.search_subwords)
            .finish()
    }
}

/// The terms of one title, produced eagerly (segmentation works on the whole title) into the
/// tokenizer's reused buffer.
#[derive(Debug)]
pub struct TitleTokenStream<'a> {
    tokens: &'a mut [TantivyToken],
    next: usize,
}

impl Tokenizer for TitleTokenizer {
    type TokenStream<'a> = TitleTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> TitleTokenStream<'a> {
        let tokens = &mut self.tokens;
        let mut n = 0;
        each_term(
            &self.segmenter,
            self.search_subwords,
            text,
            |key, from, to, position| {
                if n == tokens.len() {
                    tokens.push(TantivyToken::default());
                }
                let token = &mut tokens[n];
                token.offset_from = from;
                token.offset_to = to;
                token.position = position;
                token.text.clear();
                token.text.push_str(key);
                token.position_length = 1;
                n += 1;
            },
        );
        TitleTokenStream {
            tokens: &mut tokens[..n],
            next: 0,
        }
    }
}

impl TokenStream for TitleTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &TantivyToken {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut TantivyToken {
        &mut self.tokens[self.next - 1]
    }
}

#[derive(Debug, Clone, Copy)]
struct Fields {
    key: SchemaField,
    current: SchemaField,
    id: SchemaField,
    title: SchemaField,
    brand: SchemaField,
    product: SchemaField,
    category: SchemaField,
    shop: SchemaField,
    role: SchemaField,
    price: SchemaField,
    sales: SchemaField,
    snapshot: SchemaField,
}

const FIELD_NAMES: [&str; 12] = [
    "key", "current", "id", "title", "brand", "product", "category", "shop", "role", "price",
    "sales", "snapshot",
];

fn schema() -> Schema {
    let mut b = Schema::builder();
    b.add_text_field("key", STRING);
    b.add_u64_field("current", INDEXED | FAST);
    b.add_text_field("id", STRING | STORED | FAST);
    let title = TextOptions::default().set_stored().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(INDEX_TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    b.add_text_field("title", title);
    b.add_text_field("brand", STRING | STORED);
    b.add_text_field("product", STRING | STORED);
    b.add_text_field("category", STRING | STORED | FAST);
    b.add_text_field("shop", STRING | STORED);
    b.add_text_field("role", STRING | STORED | FAST);
    b.add_f64_field("price", STORED);
    b.add_u64_field("sales", STORED | FAST);
    b.add_u64_field("snapshot", INDEXED | STORED | FAST);
    b.build()
}

fn fields(schema: &Schema) -> Result<Fields, String> {
    let mut found = Vec::with_capacity(FIELD_NAMES.len());
    for name in FIELD_NAMES {
        found.push(
            schema
                .get_field(name)
                .map_err(|_| format!("no field {name:?}"))?,
        );
    }
    if schema != &self::schema() {
        return Err("its schema differs from this version's".to_owned());
    }
    Ok(Fields {
        key: found[0],
        current: found[1],
        id: found[2],
        title: found[3],
        brand: found[4],
        product: found[5],
        category: found[6],
        shop: found[7],
        role: found[8],
        price: found[9],
        sales: found[10],
        snapshot: found[11],
    })
}

/// `<dir>.<suffix>`, beside `dir`.
fn sibling(dir: &Path, suffix: &str) -> PathBuf {
    let mut name = dir.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(suffix);
    dir.with_file_name(name)
}

/// Undoes a [`ListingIndex::rebuild`] killed between its two renames: the index directory is
/// gone and `<dir>.old` holds the last complete index, so it goes back in place.
fn recover_interrupted_swap(dir: &Path) -> Result<(), IndexError> {
    let old = sibling(dir, "old");
    if !dir.exists() && old.join("meta.json").exists() {
        std::fs::rename(&old, dir).map_err(|source| IndexError::Io {
            path: old.clone(),
            source,
        })?;
    }
    Ok(())
}

fn date_number(date: Date) -> u64 {
    date.year() as u64 * 10_000 + date.month() as u64 * 100 + date.day() as u64
}

fn number_date(n: u64) -> Option<Date> {
    Date::new(
        u16::try_from(n / 10_000).ok()?,
        (n / 100 % 100) as u8,
        (n % 100) as u8,
    )
}

fn current_key(id: &str) -> String {
    format!("c\u{1f}{id}")
}

fn history_key(id: &str, snapshot: u64) -> String {
    format!("h\u{1f}{id}\u{1f}{snapshot}")
}

/// The skinny history row of one (id, snapshot): no title terms (module docs).
fn history_doc(
    f: &Fields,
    id: &str,
    snapshot: u64,
    sales: Option<u64>,
    price: Option<f64>,
) -> TantivyDocument {
    let mut doc = TantivyDocument::new();
    doc.add_text(f.key, history_key(id, snapshot));
    doc.add_u64(f.current, 0);
    doc.add_text(f.id, id);
    doc.add_u64(f.snapshot, snapshot);
    if let Some(sales) = sales {
        doc.add_u64(f.sales, sales);
    }
    if let Some(price) = price {
        doc.add_f64(f.price, price);
    }
    doc
}

/// The full current row of a listing; its title is tokenised by the index it is added to.
fn current_doc(f: &Fields, listing: &Listing) -> TantivyDocument {
    let mut doc = TantivyDocument::new();
    doc.add_text(f.key, current_key(&listing.id));
    doc.add_u64(f.current, 1);
    doc.add_text(f.id, &listing.id);
    doc.add_text(f.title, &listing.title);
    for (field, value) in [
        (f.brand, &listing.brand),
        (f.product, &listing.product),
        (f.category, &listing.category),
        (f.shop, &listing.shop),
    ] {
        if let Some(value) = value {
            doc.add_text(field, value);
        }
    }
    doc.add_text(f.role, listing.role.as_str());
    if let Some(price) = listing.price {
        doc.add_f64(f.price, price);
    }
    if let Some(sales) = listing.sales {
        doc.add_u64(f.sales, sales);
    }
    doc.add_u64(f.snapshot, date_number(listing.snapshot));
    doc
}

/// What a search is restricted to; the default is every current listing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only listings of this role.
    pub role: Option<Role>,
    /// Only listings of exactly this category.
    pub category: Option<String>,
}

/// A listing found by [`ListingIndex::similar`], with its BM25 score.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// BM25 over the title tokens shared with the query; higher is more similar.
    pub score: f32,
    /// The listing on its latest snapshot.
    pub listing: Listing,
}

/// The current listings whose title holds every token of a keyword.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Coverage {
    /// How many listings.
    pub listings: u64,
    /// Their sales summed, on each listing's latest snapshot (missing sales count 0).
    pub sales: u64,
}

/// What the listings say about one word: how common it is, how much it sells, how it grows.
#[derive(Debug, Clone, PartialEq)]
pub struct TermStats {
    /// The query tokens the word was segmented into (all must be in a title to cover it).
    pub tokens: Vec<String>,
    /// Document frequency: current listings covering the word.
    pub listings: u64,
    /// Sales-weighted frequency: the covering listings' sales on their latest snapshot.
    pub sales: u64,
    /// Earliest snapshot among the covering listings' history rows with sales.
    pub earliest: Option<Date>,
    /// Latest snapshot among them.
    pub latest: Option<Date>,
    /// Sum over covering listings of sales on each one's earliest snapshot with sales.
    pub sales_at_earliest: u64,
    /// Sum over covering listings of sales on each one's latest snapshot with sales.
    pub sales_at_latest: u64,
}

impl TermStats {
    /// Sales gained between each listing's earliest and latest snapshot (cumulative exports
    /// make this the sales in the window); negative when exports were monthly and fell.
    pub fn growth(&self) -> i64 {
        self.sales_at_latest as i64 - self.sales_at_earliest as i64
    }

    /// Growth relative to the earliest sales; `None` when those were zero.
    pub fn growth_rate(&self) -> Option<f64> {
        (self.sales_at_earliest > 0).then(|| self.growth() as f64 / self.sales_at_earliest as f64)
    }
}

/// What the index holds, for `index stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexStats {
    /// Current listings (one per item id).
    pub listings: u64,
    /// History rows (one per item id and snapshot).
    pub history_rows: u64,
    /// Current listings per role.
    pub by_role: BTreeMap<Role, u64>,
    /// Current listings per category (`None`: without a category).
    pub by_category: BTreeMap<Option<String>, u64>,
    /// History rows per snapshot day.
    pub snapshots: BTreeMap<Date, u64>,
    /// tantivy segments searched.
    pub segments: usize,
    /// Bytes of the files in the index directory.
    pub bytes_on_disk: u64,
}

/// One snapshot of a listing: the day and what the export said on it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snapshot {
    /// The snapshot day.
    pub date: Date,
    /// Sales on that day (cumulative in most exports); `None` when the export left it empty.
    pub sales: Option<u64>,
    /// Price on that day.
    pub price: Option<f64>,
}

/// A current listing with every snapshot kept of it: what keyword derivation and a rebuild
/// read, in one pass over the stored rows instead of one query per listing.
#[derive(Debug, Clone, PartialEq)]
pub struct ListingHistory {
    /// The listing on its latest snapshot (what searches see).
    pub listing: Listing,
    /// Its snapshots, oldest first.
    pub snapshots: Vec<Snapshot>,
}

impl ListingHistory {
    /// Sales on the earliest and on the latest snapshot that has sales, the span growth is
    /// measured over (as [`ListingIndex::term_stats`] does); `None` when no snapshot has sales.
    pub fn sales_span(&self) -> Option<((Date, u64), (Date, u64))> {
        let mut with_sales = self
            .snapshots
            .iter()
            .filter_map(|s| s.sales.map(|n| (s.date, n)));
        let first = with_sales.next()?;
        Some((first, with_sales.next_back().unwrap_or(first)))
    }
}

/// What [`ListingIndex::rebuild`] copied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RebuildSummary {
    /// Current listings re-tokenised.
    pub listings: u64,
    /// History rows copied.
    pub history_rows: u64,
}

/// Memory budget and threads of a [`ListingWriter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterOptions {
    /// Total indexing memory in bytes, split across threads (at least
    /// [`MIN_BUDGET_PER_THREAD`] each); a segment is flushed when a thread's share is full.
    pub memory_budget: usize,
    /// Indexing threads.
    pub threads: usize,
}

impl Default for WriterOptions {
    /// 100 MB on one thread: the configuration of the build figures in performance.md.
    fn default() -> Self {
        WriterOptions {
            memory_budget: 100_000_000,
            threads: 1,
        }
    }
}

/// The listing index on disk, open for searching (and for one writer at a time).
pub struct ListingIndex {
    path: PathBuf,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    segmenter: Arc<Segmenter>,
    /// BM25 collection statistics of the last searcher they were counted for (see
    /// [`LiveStatistics`]), keyed by its generation.
    live: Mutex<Option<(u64, LiveCounts)>>,
}

impl fmt::Debug for ListingIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListingIndex")
            .field("path", &self.path)
            .finish()
    }
}

impl ListingIndex {
    /// Opens the index in `dir`, creating the directory and an empty index when there is none.
    pub fn create_or_open(
        dir: impl AsRef<Path>,
        segmenter: Arc<Segmenter>,
    ) -> Result<ListingIndex, IndexError> {
        let path = dir.as_ref().to_path_buf();
        recover_interrupted_swap(&path)?;
        std::fs::create_dir_all(&path).map_err(|source| IndexError::Io {
            path: path.clone(),
            source,
        })?;
        let tantivy_err = |source| IndexError::Tantivy {
            path: path.clone(),
            source,
        };
        let index = if path.join("meta.json").exists() {
            Index::open_in_dir(&path).map_err(tantivy_err)?
        } else {
            Index::create_in_dir(&path, schema()).map_err(tantivy_err)?
        };
        let fields = fields(&index.schema()).map_err(|what| IndexError::Schema {
            path: path.clone(),
            what,
        })?;
        let tokenizers = index.tokenizers();
        tokenizers.register(
            INDEX_TOKENIZER,
            TitleTokenizer::for_index(segmenter.clone()),
        );
        tokenizers.register(
            QUERY_TOKENIZER,
            TitleTokenizer::for_query(segmenter.clone()),
        );
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(tantivy_err)?;
        Ok(ListingIndex {
            path,
            index,
            reader,
            fields,
            segmenter,
            live: Mutex::new(None),
        })
    }

    /// Whether `dir` holds an index, counting one that a [`rebuild`](Self::rebuild) killed
    /// between its renames left in `<dir>.old` ([`create_or_open`](Self::create_or_open) puts it
    /// back): a reader that asked only for `dir/meta.json` went on silently without an index.
    pub fn exists(dir: impl AsRef<Path>) -> bool {
        let dir = dir.as_ref();
        dir.join("meta.json").exists() || sibling(dir, "old").join("meta.json").exists()
    }

    /// The index directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A writer for one batch (tantivy allows one per index: a second fails with a lock error).
    pub fn writer(&self, options: WriterOptions) -> Result<ListingWriter<'_>, IndexError> {
        let threads = options.threads.max(1);
        if options.memory_budget / threads < MIN_BUDGET_PER_THREAD {
            return Err(IndexError::Budget {
                path: self.path.clone(),
                budget: options.memory_budget,
                threads,
            });
        }
        let writer = self
            .index
            .writer_with_num_threads(threads, options.memory_budget)
            .map_err(|e| self.err(e))?;
        Ok(ListingWriter {
            index: self,
            writer,
            committed: self.reader.searcher(),
            latest: HashMap::new(),
            pending: 0,
            ops: Vec::with_capacity(OPS_BATCH),
        })
    }

    /// Picks up the latest commit, including one made by another process.
    pub fn reload(&self) -> Result<(), IndexError> {
        self.reader.reload().map_err(|e| self.err(e))
    }

    fn err(&self, source: tantivy::TantivyError) -> IndexError {
        IndexError::Tantivy {
            path: self.path.clone(),
            source,
        }
    }

    /// The distinct query words of a text ([`recall::query_words`]).
    pub fn query_tokens(&self, text: &str) -> Vec<String> {
        recall::query_words(&self.segmenter, text)
    }

    /// Must-clauses (scoring nothing) for `filter`, and for current or history rows when
    /// `current` says which. Queries on title terms pass `None`: history rows carry no title
    /// terms, so a title term already selects current rows, and intersecting with the
    /// `current` posting list (every listing) would cost time for nothing.
    fn filter_clauses(
        &self,
        filter: &Filter,
        current: Option<bool>,
    ) -> Vec<(Occur, Box<dyn Query>)> {
        let f = &self.fields;
        let exact = |term: Term| -> (Occur, Box<dyn Query>) {
            let query = TermQuery::new(term, IndexRecordOption::Basic);
            (
                Occur::Must,
                Box::new(ConstScoreQuery::new(Box::new(query), 0.0)),
            )
        };
        let mut clauses: Vec<_> = current
            .map(|c| exact(Term::from_field_u64(f.current, c as u64)))
            .into_iter()
            .collect();
        if let Some(role) = filter.role {
            clauses.push(exact(Term::from_field_text(f.role, role.as_str())));
        }
        if let Some(category) = &filter.category {
            clauses.push(exact(Term::from_field_text(f.category, category)));
        }
        clauses
    }

    /// The query [`similar`](Self::similar) runs: any of the title's tokens, scored by BM25,
    /// restricted to current listings passing `filter`. `None` when the title has no word.
    pub fn similar_query(&self, title: &str, filter: &Filter) -> Option<BooleanQuery> {
        let tokens = self.query_tokens(title);
        if tokens.is_empty() {
            return None;
        }
        let words: Vec<(Occur, Box<dyn Query>)> = tokens
            .iter()
            .map(|t| {
                let term = Term::from_field_text(self.fields.title, t);
                let q: Box<dyn Query> =
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
                (Occur::Should, q)
            })
            .collect();
        let mut clauses = self.filter_clauses(filter, None);
        clauses.push((Occur::Must, Box::new(BooleanQuery::new(words))));
        Some(BooleanQuery::new(clauses))
    }

    /// The `k` current listings whose titles are most like `title` (BM25 over shared tokens),
    /// best first; equal scores in listing id order.
    ///
    /// The result depends only on the listings the index holds, never on how they were
    /// written (writer threads, commit batches, merges): BM25's collection statistics are
    /// counted over live current rows only (`LiveStatistics`: tantivy's own count deleted
    /// rows until a merge drops them, and history rows), a listing's score is then a function
    /// of its title and those statistics alone, and ties are broken by id instead of by
    /// tantivy's document address (`TopById`).
    pub fn similar(&self, title: &str, k: usize, filter: &Filter) -> Result<Vec<Hit>, IndexError> {
        let Some(query) = self.similar_query(title, filter) else {
            return Ok(Vec::new());
        };
        if k == 0 {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        let stats = self.live_statistics(&searcher)?;
        if stats.counts.docs == 0 {
            return Ok(Vec::new());
        }
        let top = searcher
            .search_with_statistics_provider(&query, &TopById { k }, &stats)
            .map_err(|e| self.err(e))?;
        top.into_iter()
            .map(|(score, _, address)| {
                let doc: TantivyDocument = searcher.doc(address).map_err(|e| self.err(e))?;
                Ok(Hit {
                    score,
                    listing: self.listing(&doc)?,
                })
            })
            .collect()
    }

    /// BM25 statistics over `searcher`'s live current rows, counted once per searcher
    /// generation.
    fn live_statistics<'s>(
        &self,
        searcher: &'s Searcher,
    ) -> Result<LiveStatistics<'s>, IndexError> {
        let generation = searcher.generation().generation_id();
        let mut cached = self.live.lock().unwrap_or_else(|e| e.into_inner());
        let counts = match *cached {
            Some((g, counts)) if g == generation => counts,
            _ => {
                let counts =
                    LiveCounts::of(searcher, self.fields.title).map_err(|e| self.err(e))?;
                *cached = Some((generation, counts));
                counts
            }
        };
        Ok(LiveStatistics {
            searcher,
            title: self.fields.title,
            counts,
        })
    }

    fn covering_query(&self, tokens: &[String], filter: &Filter) -> BooleanQuery {
        let mut clauses = self.filter_clauses(filter, None);
        for t in tokens {
            let term = Term::from_field_text(self.fields.title, t);
            let q = TermQuery::new(term, IndexRecordOption::Basic);
            clauses.push((Occur::Must, Box::new(q)));
        }
        BooleanQuery::new(clauses)
    }

    /// The current listings passing `filter` whose titles hold every token of `keyword`.
    /// A keyword without a word covers nothing.
    pub fn covering(&self, keyword: &str, filter: &Filter) -> Result<Coverage, IndexError> {
        let tokens = self.query_tokens(keyword);
        if tokens.is_empty() {
            return Ok(Coverage::default());
        }
        let query = self.covering_query(&tokens, filter);
        self.reader
            .searcher()
            .search(&query, &SalesSum)
            .map_err(|e| self.err(e))
    }

    /// The item ids of the listings [`covering`](Self::covering) counts, sorted.
    pub fn covering_ids(&self, keyword: &str, filter: &Filter) -> Result<Vec<String>, IndexError> {
        let tokens = self.query_tokens(keyword);
        if tokens.is_empty() {
            return Ok(Vec::new());
        }
        let query = self.covering_query(&tokens, filter);
        let rows = self
            .reader
            .searcher()
            .search(&query, &IdRows)
            .map_err(|e| self.err(e))?;
        let mut ids: Vec<String> = rows.into_iter().map(|r| r.id).collect();
        ids.sort();
        Ok(ids)
    }

    /// Frequency, sales weight and growth of `word` among listings passing `filter`.
    pub fn term_stats(&self, word: &str, filter: &Filter) -> Result<TermStats, IndexError> {
        let tokens = self.query_tokens(word);
        let mut stats = TermStats {
            tokens: tokens.clone(),
            listings: 0,
            sales: 0,
            earliest: None,
            latest: None,
            sales_at_earliest: 0,
            sales_at_latest: 0,
        };
        if tokens.is_empty() {
            return Ok(stats);
        }
        let searcher = self.reader.searcher();
        let query = self.covering_query(&tokens, filter);
        let current = searcher.search(&query, &IdRows).map_err(|e| self.err(e))?;
        stats.listings = current.len() as u64;
        stats.sales = current.iter().filter_map(|r| r.sales).sum();
        if current.is_empty() {
            return Ok(stats);
        }
        let ids = current
            .iter()
            .map(|r| Term::from_field_text(self.fields.id, &r.id));
        let history = BooleanQuery::new(vec![
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_u64(self.fields.current, 0),
                    IndexRecordOption::Basic,
                )) as Box<dyn Query>,
            ),
            (Occur::Must, Box::new(TermSetQuery::new(ids))),
        ]);
        let rows = searcher
            .search(&history, &IdRows)
            .map_err(|e| self.err(e))?;
        // Per listing: (earliest snapshot, its sales), (latest snapshot, its sales).
        let mut span: HashMap<String, (DaySales, DaySales)> = HashMap::new();
        for row in rows {
            let Some(sales) = row.sales else { continue };
            let point = (row.snapshot, sales);
            span.entry(row.id)
                .and_modify(|(first, last)| {
                    if point.0 < first.0 {
                        *first = point;
                    }
                    if point.0 > last.0 {
                        *last = point;
                    }
                })
                .or_insert((point, point));
        }
        for (first, last) in span.values() {
            stats.sales_at_earliest += first.1;
            stats.sales_at_latest += last.1;
            let (early, late) = (number_date(first.0), number_date(last.0));
            stats.earliest = stats.earliest.min(early).or(early);
            stats.latest = stats.latest.max(late);
        }
        Ok(stats)
    }

    /// Counts of what the index holds, and its size.
    pub fn stats(&self) -> Result<IndexStats, IndexError> {
        let searcher = self.reader.searcher();
        let all_current = BooleanQuery::new(self.filter_clauses(&Filter::default(), Some(true)));
        let (by_role, by_category, listings) = searcher
            .search(&all_current, &CurrentCounts)
            .map_err(|e| self.err(e))?;
        let all_history = BooleanQuery::new(self.filter_clauses(&Filter::default(), Some(false)));
        let per_day = searcher
            .search(&all_history, &SnapshotCounts)
            .map_err(|e| self.err(e))?;
        let mut snapshots = BTreeMap::new();
        let mut history_rows = 0;
        for (day, n) in per_day {
            history_rows += n;
            let date = number_date(day).ok_or_else(|| IndexError::Corrupt {
                path: self.path.clone(),
                what: format!("snapshot {day} is not a yyyymmdd day"),
            })?;
            snapshots.insert(date, n);
        }
        let mut roles = BTreeMap::new();
        for (name, n) in by_role {
            let role = name.parse::<Role>().map_err(|what| IndexError::Corrupt {
                path: self.path.clone(),
                what,
            })?;
            roles.insert(role, n);
        }
        let mut bytes_on_disk = 0;
        let entries = std::fs::read_dir(&self.path).map_err(|source| IndexError::Io {
            path: self.path.clone(),
            source,
        })?;
        for entry in entries.flatten() {
            if let Ok(meta) = entry.metadata()
                && meta.is_file()
            {
                bytes_on_disk += meta.len();
            }
        }
        Ok(IndexStats {
            listings,
            history_rows,
            by_role: roles,
            by_category,
            snapshots,
            segments: searcher.segment_readers().len(),
            bytes_on_disk,
        })
    }

    /// The segmenter titles are tokenised with.
    pub fn segmenter(&self) -> &Arc<Segmenter> {
        &self.segmenter
    }

    /// The distinct terms the index holds for a title (words plus search sub-words), in title
    /// order: a keyword covers the title when every one of its [`query_tokens`](Self::query_tokens)
    /// is among them.
    pub fn index_terms(&self, title: &str) -> Vec<String> {
        TitleTokenizer::for_index(self.segmenter.clone()).terms(title)
    }

    /// Every current listing with its snapshot history, sorted by id, read in one pass over
    /// the stored rows of the last commit. History rows whose id has no current row (none are
    /// written so) are left out.
    pub fn listings(&self) -> Result<Vec<ListingHistory>, IndexError> {
        let searcher = self.reader.searcher();
        let mut current = Vec::new();
        let mut history: HashMap<String, Vec<Snapshot>> = HashMap::new();
        for segment in searcher.segment_readers() {
            let fast = segment.fast_fields();
            let is_current = fast.u64("current").map_err(|e| self.err(e))?;
            let ids = fast.str("id").map_err(|e| self.err(e))?;
            let snapshots = fast.u64("snapshot").map_err(|e| self.err(e))?;
            let sales = fast.u64("sales").map_err(|e| self.err(e))?;
            let store = segment
                .get_store_reader(64)
                .map_err(|source| IndexError::Io {
                    path: self.path.clone(),
                    source,
                })?;
            // Every id of the segment by ordinal, from one pass over its dictionary: looking
            // each history row's id up alone decodes a dictionary block per row.
            let mut names: Vec<String> = Vec::new();
            if let Some(c) = &ids {
                let mut terms = c.dictionary().stream().map_err(|source| IndexError::Io {
                    path: self.path.clone(),
                    source,
                })?;
                while terms.advance() {
                    names.push(String::from_utf8_lossy(terms.key()).into_owned());
                }
            }
            for doc in segment.doc_ids_alive() {
                if is_current.first(doc) == Some(1) {
                    let stored: TantivyDocument = store.get(doc).map_err(|e| self.err(e))?;
                    current.push(self.listing(&stored)?);
                    continue;
                }
                let Some(ord) = ids.as_ref().and_then(|c| c.term_ords(doc).next()) else {
                    continue;
                };
                // An ordinal read from this column is always in its dictionary.
                let Some(id) = names.get(ord as usize) else {
                    continue;
                };
                let day = snapshots.first(doc).unwrap_or(0);
                let date = number_date(day).ok_or_else(|| IndexError::Corrupt {
                    path: self.path.clone(),
                    what: format!("history row of {id} has snapshot {day}, not a yyyymmdd day"),
                })?;
                // Price is not a fast field: read it only from the few stored history rows.
                let stored: TantivyDocument = store.get(doc).map_err(|e| self.err(e))?;
                history.entry(id.clone()).or_default().push(Snapshot {
                    date,
                    sales: sales.first(doc),
                    price: stored.get_first(self.fields.price).and_then(|v| v.as_f64()),
                });
            }
        }
        current.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(current
            .into_iter()
            .map(|listing| {
                let mut snapshots = history.remove(&listing.id).unwrap_or_default();
                snapshots.sort_by_key(|s| s.date);
                ListingHistory { listing, snapshots }
            })
            .collect())
    }

    /// A fingerprint of what the index holds, the same for the same listings and histories
    /// whatever the segment layout: XXH3 over [`listings`](Self::listings), hex. What keyword
    /// statistics were derived from is recorded by it, so that a derive that did not follow a
    /// commit (a nightly run killed in between) is not mistaken for done.
    pub fn fingerprint(&self) -> Result<String, IndexError> {
        Ok(fingerprint_of(&self.listings()?))
    }

    /// Re-tokenises every stored listing of the index in `dir` (current rows and their
    /// history rows) with `segmenter`, into a fresh index built beside it in `<dir>.new`, and
    /// swaps it in: `dir` is renamed to `<dir>.old`, `<dir>.new` to `dir`, and the old one is
    /// removed. Until the first rename the old index is untouched; a crash between the two
    /// renames leaves `<dir>.old` complete, and the next [`create_or_open`](Self::create_or_open)
    /// renames it back. The caller holds the workspace's writer lock.
    pub fn rebuild(
        dir: impl AsRef<Path>,
        segmenter: Arc<Segmenter>,
        options: WriterOptions,
        mut progress: impl FnMut(u64),
    ) -> Result<RebuildSummary, IndexError> {
        let dir = dir.as_ref();
        let (fresh, old) = (sibling(dir, "new"), sibling(dir, "old"));
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| IndexError::Io { path, source }
        };
        let listings = ListingIndex::create_or_open(dir, segmenter.clone())?.listings()?;
        if fresh.exists() {
            // What an interrupted rebuild left; the index in `dir` is the good one.
            std::fs::remove_dir_all(&fresh).map_err(io(&fresh))?;
        }
        let mut summary = RebuildSummary::default();
        {
            let index = ListingIndex::create_or_open(&fresh, segmenter)?;
            let mut writer = index
                .index
                .writer_with_num_threads(options.threads.max(1), options.memory_budget)
                .map_err(|e| index.err(e))?;
            let f = index.fields;
            for history in &listings {
                writer
                    .add_document(current_doc(&f, &history.listing))
                    .map_err(|e| index.err(e))?;
                for s in &history.snapshots {
                    let doc = history_doc(
                        &f,
                        &history.listing.id,
                        date_number(s.date),
                        s.sales,
                        s.price,
                    );
                    writer.add_document(doc).map_err(|e| index.err(e))?;
                    summary.history_rows += 1;
                }
                summary.listings += 1;
                progress(1);
            }
            writer.commit().map_err(|e| index.err(e))?;
            writer.wait_merging_threads().map_err(|e| index.err(e))?;
        }
        if old.exists() {
            // A swap that finished but crashed before removing the old index.
            std::fs::remove_dir_all(&old).map_err(io(&old))?;
        }
        std::fs::rename(dir, &old).map_err(io(dir))?;
        if let Err(source) = std::fs::rename(&fresh, dir) {
            // Put the old index back rather than leave none.
            let _ = std::fs::rename(&old, dir);
            return Err(IndexError::Io {
                path: dir.to_path_buf(),
                source,
            });
        }
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::File::open(parent)
                .and_then(|d| d.sync_all())
                .map_err(io(parent))?;
        }
        std::fs::remove_dir_all(&old).map_err(io(&old))?;
        Ok(summary)
    }

    fn listing(&self, doc: &TantivyDocument) -> Result<Listing, IndexError> {
        let f = &self.fields;
        let text = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        let corrupt = |what: &str| IndexError::Corrupt {
            path: self.path.clone(),
            what: what.to_owned(),
        };
        let role = text(f.role)
            .ok_or_else(|| corrupt("no role"))?
            .parse()
            .map_err(|e: String| corrupt(&e))?;
        let snapshot = doc
            .get_first(f.snapshot)
            .and_then(|v| v.as_u64())
            .and_then(number_date)
            .ok_or_else(|| corrupt("no snapshot"))?;
        Ok(Listing {
            id: text(f.id).ok_or_else(|| corrupt("no id"))?,
            title: text(f.title).ok_or_else(|| corrupt("no title"))?,
            brand: text(f.brand),
            product: text(f.product),
            category: text(f.category),
            shop: text(f.shop),
            price: doc.get_first(f.price).and_then(|v| v.as_f64()),
            sales: doc.get_first(f.sales).and_then(|v| v.as_u64()),
            role,
            snapshot,
        })
    }
}

/// Writes one batch of listings; nothing is visible or durable before [`commit`](Self::commit).
pub struct ListingWriter<'i> {
    index: &'i ListingIndex,
    writer: IndexWriter<TantivyDocument>,
    committed: Searcher,
    /// Latest snapshot (yyyymmdd) of every id upserted in this batch.
    latest: HashMap<String, u64>,
    pending: u64,
    /// Deletes and adds not yet handed to tantivy, in order: handed over [`OPS_BATCH`] at a
    /// time (one channel send and wake-up of the indexing thread per batch instead of one
    /// per document), and all of them before a commit.
    ops: Vec<UserOperation<TantivyDocument>>,
}

/// Operations handed to tantivy's indexing threads at once.
const OPS_BATCH: usize = 1024;

impl fmt::Debug for ListingWriter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListingWriter")
            .field("index", &self.index.path)
            .field("pending", &self.pending)
            .finish()
    }
}

impl ListingWriter<'_> {
    /// Inserts or replaces the listing's row for its (id, snapshot), and its current row when
    /// the snapshot is not older than the latest one indexed for the id.
    pub fn upsert(&mut self, listing: &Listing) -> Result<(), IndexError> {
        let f = self.index.fields;
        let snapshot = date_number(listing.snapshot);
        let previous = match self.latest.get(&listing.id) {
            Some(&s) => Some(s),
            None => self.committed_latest(&listing.id)?,
        };
        // An id neither committed nor seen in this batch has no row to replace: skipping its
        // deletes matters, since tantivy resolves every queued delete term when it flushes.
        if previous.is_some() {
            let key = history_key(&listing.id, snapshot);
            let term = Term::from_field_text(f.key, &key);
            self.ops.push(UserOperation::Delete(term));
        }
        let history = history_doc(&f, &listing.id, snapshot, listing.sales, listing.price);
        self.ops.push(UserOperation::Add(history));

        if previous.is_none_or(|p| snapshot >= p) {
            if previous.is_some() {
                let key = current_key(&listing.id);
                let term = Term::from_field_text(f.key, &key);
                self.ops.push(UserOperation::Delete(term));
            }
            self.ops.push(UserOperation::Add(current_doc(&f, listing)));
            self.latest.insert(listing.id.clone(), snapshot);
        } else if let Some(p) = previous {
            self.latest.insert(listing.id.clone(), p);
        }
        self.pending += 1;
        if self.ops.len() >= OPS_BATCH {
            self.flush()?;
        }
        Ok(())
    }

    /// Hands the queued operations to tantivy, in order.
    fn flush(&mut self) -> Result<(), IndexError> {
        if self.ops.is_empty() {
            return Ok(());
        }
        self.writer
            .run(self.ops.drain(..))
            .map_err(|e| self.index.err(e))?;
        Ok(())
    }

    /// The snapshot of the id's current row in the last commit.
    fn committed_latest(&self, id: &str) -> Result<Option<u64>, IndexError> {
        if self.committed.num_docs() == 0 {
            return Ok(None);
        }
        let term = Term::from_field_text(self.index.fields.key, &current_key(id));
        let query = TermQuery::new(term, IndexRecordOption::Basic);
        let top = self
            .committed
            .search(&query, &TopDocs::with_limit(1).order_by_score())
            .map_err(|e| self.index.err(e))?;
        let Some((_, address)) = top.first() else {
            return Ok(None);
        };
        let column = self
            .committed
            .segment_reader(address.segment_ord)
            .fast_fields()
            .u64("snapshot")
            .map_err(|e| self.index.err(e))?;
        Ok(column.first(address.doc_id))
    }

    /// Upserts since the last commit.
    pub fn pending(&self) -> u64 {
        self.pending
    }

    /// Makes the batch durable and visible to searches; returns how many upserts it held.
    pub fn commit(&mut self) -> Result<u64, IndexError> {
        self.flush()?;
        self.writer.commit().map_err(|e| self.index.err(e))?;
        self.index.reload()?;
        self.committed = self.index.reader.searcher();
        self.latest.clear();
        Ok(std::mem::take(&mut self.pending))
    }

    /// Drops the upserts since the last commit.
    pub fn rollback(&mut self) -> Result<(), IndexError> {
        self.ops.clear();
        self.writer.rollback().map_err(|e| self.index.err(e))?;
        self.latest.clear();
        self.pending = 0;
        Ok(())
    }
}

/// How many live current rows an index holds and how many title tokens they carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LiveCounts {
    docs: u64,
    tokens: u64,
}

impl LiveCounts {
    /// Counts over the live rows of every segment, the same way whatever the segment layout:
    /// tokens are the rows' field norms summed (tantivy's per-segment total also counts deleted
    /// rows, and mixing the two would make the sum depend on which segments have deletes).
    fn of(searcher: &Searcher, title: SchemaField) -> tantivy::Result<LiveCounts> {
        let mut counts = LiveCounts { docs: 0, tokens: 0 };
        for segment in searcher.segment_readers() {
            let current = segment.fast_fields().u64("current")?;
            let norms = segment.get_fieldnorms_reader(title)?;
            for doc in segment.doc_ids_alive() {
                if current.first(doc) == Some(1) {
                    counts.docs += 1;
                    counts.tokens += u64::from(norms.fieldnorm(doc));
                }
            }
        }
        Ok(counts)
    }
}

/// BM25 collection statistics that depend only on the listings an index holds: the number
/// of live current rows (history rows carry no title and are not part of the collection), the
/// title tokens they carry, and per term the live rows holding it. tantivy's defaults count
/// every row of a segment, deleted ones included until a merge drops them, so the same
/// listings written in other batches or by other threads would score differently.
struct LiveStatistics<'s> {
    searcher: &'s Searcher,
    title: SchemaField,
    counts: LiveCounts,
}

impl Bm25StatisticsProvider for LiveStatistics<'_> {
    fn total_num_tokens(&self, field: SchemaField) -> tantivy::Result<u64> {
        if field == self.title {
            return Ok(self.counts.tokens);
        }
        Ok(LiveCounts::of(self.searcher, field)?.tokens)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Ok(self.counts.docs)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        let mut n = 0u64;
        for segment in self.searcher.segment_readers() {
            let inverted = segment.inverted_index(term.field())?;
            let Some(alive) = segment.alive_bitset() else {
                n += u64::from(inverted.doc_freq(term)?);
                continue;
            };
            let Some(mut postings) = inverted.read_postings(term, IndexRecordOption::Basic)? else {
                continue;
            };
            let mut doc = postings.doc();
            while doc != TERMINATED {
                n += u64::from(alive.is_alive(doc));
                doc = postings.advance();
            }
        }
        Ok(n)
    }
}

/// The `k` best hits by score, equal scores by listing id: a total order over listings, so
/// the result does not depend on which segment or address a row has (tantivy's `TopDocs`
/// breaks ties by address). Within a segment ids compare by their ordinal in the segment's
/// sorted id dictionary, so strings are only read for each segment's own top `k`.
struct TopById {
    k: usize,
}

/// A hit of one segment: score, id ordinal, document.
#[derive(Debug, Clone, Copy)]
struct SegmentHit(Score, u64, DocId);

impl PartialEq for SegmentHit {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for SegmentHit {}

impl PartialOrd for SegmentHit {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SegmentHit {
    /// Better is smaller: higher score, then lower id.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other.0.total_cmp(&self.0).then(self.1.cmp(&other.1))
    }
}

struct TopByIdSegment {
    k: usize,
    segment: SegmentOrdinal,
    ids: Option<StrColumn>,
    /// Max-heap of the best `k` so far: its top is the worst of them.
    heap: std::collections::BinaryHeap<SegmentHit>,
}

impl Collector for TopById {
    type Fruit = Vec<(Score, String, DocAddress)>;
    type Child = TopByIdSegment;

    fn for_segment(
        &self,
        segment_ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        Ok(TopByIdSegment {
            k: self.k,
            segment: segment_ord,
            ids: segment.fast_fields().str("id")?,
            heap: std::collections::BinaryHeap::with_capacity(self.k + 1),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(
        &self,
        fruits: Vec<Vec<(Score, String, DocAddress)>>,
    ) -> tantivy::Result<Self::Fruit> {
        let mut all: Vec<_> = fruits.into_iter().flatten().collect();
        all.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        all.truncate(self.k);
        Ok(all)
    }
}

impl SegmentCollector for TopByIdSegment {
    type Fruit = Vec<(Score, String, DocAddress)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        let Some(ord) = self.ids.as_ref().and_then(|c| c.term_ords(doc).next()) else {
            return;
        };
        let hit = SegmentHit(score, ord, doc);
        if self.heap.len() < self.k {
            self.heap.push(hit);
        } else if self.heap.peek().is_some_and(|worst| hit < *worst) {
            self.heap.pop();
            self.heap.push(hit);
        }
    }

    fn harvest(self) -> Self::Fruit {
        let Some(ids) = self.ids else {
            return Vec::new();
        };
        self.heap
            .into_iter()
            .map(|SegmentHit(score, ord, doc)| {
                let mut id = String::new();
                // An ordinal read from this column is always in its dictionary.
                let _ = ids.ord_to_str(ord, &mut id);
                (score, id, DocAddress::new(self.segment, doc))
            })
            .collect()
    }
}

/// Counts matching rows and sums their sales.
struct SalesSum;

struct SalesSumSegment {
    sales: Column<u64>,
    count: u64,
    sum: u64,
}

impl Collector for SalesSum {
    type Fruit = Coverage;
    type Child = SalesSumSegment;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        Ok(SalesSumSegment {
            sales: segment.fast_fields().u64("sales")?,
            count: 0,
            sum: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<(u64, u64)>) -> tantivy::Result<Coverage> {
        Ok(fruits
            .into_iter()
            .fold(Coverage::default(), |c, (n, s)| Coverage {
                listings: c.listings + n,
                sales: c.sales + s,
            }))
    }
}

impl SegmentCollector for SalesSumSegment {
    type Fruit = (u64, u64);

    fn collect(&mut self, doc: DocId, _: Score) {
        self.count += 1;
        self.sum += self.sales.first(doc).unwrap_or(0);
    }

    fn harvest(self) -> (u64, u64) {
        (self.count, self.sum)
    }
}

/// A snapshot day (yyyymmdd) and the sales on it.
type DaySales = (u64, u64);

/// One matching row's id, snapshot and sales, read from fast fields.
struct IdRow {
    id: String,
    snapshot: u64,
    sales: Option<u64>,
}

/// Collects [`IdRow`]s; ids are read as per-segment ordinals and resolved once per ordinal.
struct IdRows;

struct IdRowsSegment {
    ids: Option<StrColumn>,
    snapshot: Column<u64>,
    sales: Column<u64>,
    rows: Vec<(u64, u64, Option<u64>)>,
}

impl Collector for IdRows {
    type Fruit = Vec<IdRow>;
    type Child = IdRowsSegment;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        let fast = segment.fast_fields();
        Ok(IdRowsSegment {
            ids: fast.str("id")?,
            snapshot: fast.u64("snapshot")?,
            sales: fast.u64("sales")?,
            rows: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<IdRow>>) -> tantivy::Result<Vec<IdRow>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for IdRowsSegment {
    type Fruit = Vec<IdRow>;

    fn collect(&mut self, doc: DocId, _: Score) {
        let Some(ord) = self.ids.as_ref().and_then(|c| c.term_ords(doc).next()) else {
            return;
        };
        let snapshot = self.snapshot.first(doc).unwrap_or(0);
        self.rows.push((ord, snapshot, self.sales.first(doc)));
    }

    fn harvest(self) -> Vec<IdRow> {
        let Some(ids) = self.ids else {
            return Vec::new();
        };
        let mut names: HashMap<u64, String> = HashMap::new();
        let mut rows = Vec::with_capacity(self.rows.len());
        for (ord, snapshot, sales) in self.rows {
            let id = names
                .entry(ord)
                .or_insert_with(|| {
                    let mut s = String::new();
                    // An ordinal read from this column is always in its dictionary.
                    let _ = ids.ord_to_str(ord, &mut s);
                    s
                })
                .clone();
            rows.push(IdRow {
                id,
                snapshot,
                sales,
            });
        }
        rows
    }
}

/// Counts rows per snapshot day (yyyymmdd), from the fast field alone.
struct SnapshotCounts;

struct SnapshotCountsSegment {
    snapshot: Column<u64>,
    counts: HashMap<u64, u64>,
}

impl Collector for SnapshotCounts {
    type Fruit = BTreeMap<u64, u64>;
    type Child = SnapshotCountsSegment;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        Ok(SnapshotCountsSegment {
            snapshot: segment.fast_fields().u64("snapshot")?,
            counts: HashMap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<HashMap<u64, u64>>) -> tantivy::Result<Self::Fruit> {
        let mut total = BTreeMap::new();
        for (day, n) in fruits.into_iter().flatten() {
            *total.entry(day).or_insert(0) += n;
        }
        Ok(total)
    }
}

impl SegmentCollector for SnapshotCountsSegment {
    type Fruit = HashMap<u64, u64>;

    fn collect(&mut self, doc: DocId, _: Score) {
        if let Some(day) = self.snapshot.first(doc) {
            *self.counts.entry(day).or_insert(0) += 1;
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.counts
    }
}

/// Counts current rows per role and per category.
struct CurrentCounts;

type Counts = (BTreeMap<String, u64>, BTreeMap<Option<String>, u64>, u64);

struct CurrentCountsSegment {
    role: Option<StrColumn>,
    category: Option<StrColumn>,
    roles: HashMap<u64, u64>,
    categories: HashMap<Option<u64>, u64>,
    count: u64,
}

impl Collector for CurrentCounts {
    type Fruit = Counts;
    type Child = CurrentCountsSegment;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        let fast = segment.fast_fields();
        Ok(CurrentCountsSegment {
            role: fast.str("role")?,
            category: fast.str("category")?,
            roles: HashMap::new(),
            categories: HashMap::new(),
            count: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Counts>) -> tantivy::Result<Counts> {
        let mut total = Counts::default();
        for (roles, categories, count) in fruits {
            for (k, v) in roles {
                *total.0.entry(k).or_insert(0) += v;
            }
            for (k, v) in categories {
                *total.1.entry(k).or_insert(0) += v;
            }
            total.2 += count;
        }
        Ok(total)
    }
}

impl SegmentCollector for CurrentCountsSegment {
    type Fruit = Counts;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.count += 1;
        if let Some(ord) = self.role.as_ref().and_then(|c| c.term_ords(doc).next()) {
            *self.roles.entry(ord).or_insert(0) += 1;
        }
        let category = self.category.as_ref().and_then(|c| c.term_ords(doc).next());
        *self.categories.entry(category).or_insert(0) += 1;
    }

    fn harvest(self) -> Counts {
        let name = |column: &Option<StrColumn>, ord: u64| {
            let mut s = String::new();
            if let Some(c) = column {
                let _ = c.ord_to_str(ord, &mut s);
            }
            s
        };
        let roles = self
            .roles
            .iter()
            .map(|(&ord, &n)| (name(&self.role, ord), n))
            .collect();
        let categories = self
            .categories
            .iter()
            .map(|(&ord, &n)| (ord.map(|o| name(&self.category, o)), n))
            .collect();
        (roles, categories, self.count)
    }
}

/// [`ListingIndex::fingerprint`] of listings already read: one read of a large index serves
/// both the fingerprint and the derive.
pub fn fingerprint_of(listings: &[ListingHistory]) -> String {
    struct Hasher(xxhash_rust::xxh3::Xxh3);
    impl fmt::Write for Hasher {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            self.0.update(s.as_bytes());
            Ok(())
        }
    }
    let mut hasher = Hasher(xxhash_rust::xxh3::Xxh3::new());
    for history in listings {
        // Debug output of these plain types is stable: fields in order, floats exact.
        let _ = fmt::Write::write_fmt(&mut hasher, format_args!("{history:?}\n"));
    }
    format!("{:016x}", hasher.0.digest())
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashSet};
    use std::sync::OnceLock;

    use super::*;
    use crate::input::{self, Options};

    fn segmenter() -> Arc<Segmenter> {
        static SEGMENTER: OnceLock<Arc<Segmenter>> = OnceLock::new();
        SEGMENTER
            .get_or_init(|| Arc::new(Segmenter::builtin()))
            .clone()
    }

    fn day(d: u8) -> Date {
        Date::new(2024, 6, d).unwrap()
    }

    fn listing(id: &str, title: &str, role: Role, category: &str, sales: u64, d: u8) -> Listing {
        Listing {
            id: id.to_owned(),
            title: title.to_owned(),
            brand: None,
            product: None,
            category: Some(category.to_owned()),
            shop: Some("店".to_owned()),
            price: Some(99.0),
            sales: Some(sales),
            role,
            snapshot: day(d),
        }
    }

    /// Four listings over two days: two face creams, a lotion, a dress.
    fn sample() -> Vec<Listing> {
        let cream = "美妆>面霜";
        vec![
            listing("1", "补水保湿滋润面霜50g", Role::Own, cream, 100, 1),
            listing("2", "美白淡斑面霜正品", Role::Competitor, cream, 300, 1),
            listing("3", "清爽控油乳液", Role::Competitor, "美妆>乳液", 50, 1),
            listing(
                "4",
                "碎花雪纺连衣裙夏",
                Role::Industry,
                "女装>连衣裙",
                10,
                1,
            ),
            listing("1", "补水保湿滋润面霜50g", Role::Own, cream, 160, 2),
            listing("2", "美白淡斑面霜正品", Role::Competitor, cream, 330, 2),
        ]
    }

    fn build(dir: &Path, rows: &[Listing]) -> ListingIndex {
        let index = ListingIndex::create_or_open(dir, segmenter()).unwrap();
        let mut writer = index.writer(WriterOptions::default()).unwrap();
        for row in rows {
            writer.upsert(row).unwrap();
        }
        assert_eq!(writer.commit().unwrap(), rows.len() as u64);
        drop(writer);
        index
    }

    fn index_terms(title: &str) -> Vec<String> {
        let mut terms = Vec::new();
        TitleTokenizer::for_index(segmenter())
            .each_term(title, |k, _, _, _| terms.push(k.to_owned()));
        terms
    }

    #[test]
    fn index_tokens_add_dictionary_subwords_of_long_words() {
        let seg = segmenter();
        let title = "补水保湿滋润面霜 化妆品套装";
        let index = index_terms(title);
        let mut query = Vec::new();
        TitleTokenizer::for_query(seg.clone())
            .each_term(title, |k, _, _, _| query.push(k.to_owned()));
        // Every query token is indexed, plus sub-words: what cut_for_search adds.
        for q in &query {
            assert!(index.contains(q), "{q} not in {index:?}");
        }
        assert!(index.len() > query.len(), "{index:?} vs {query:?}");
        for q in query.iter().filter(|q| q.chars().count() > 2) {
            let chars: Vec<char> = q.chars().collect();
            for w in chars.windows(2) {
                let sub: String = w.iter().collect();
                assert_eq!(index.contains(&sub), seg.is_word(&sub), "{sub} of {q}");
            }
        }
        // Query tokens carry no sub-words: a long word stays one term.
        let longest = query.iter().max_by_key(|q| q.chars().count()).unwrap();
        assert!(longest.chars().count() > 2, "{query:?}");
    }

    #[test]
    fn listings_come_with_their_snapshot_histories() {
        let dir = tempfile::tempdir().unwrap();
        let index = build(dir.path(), &sample());
        let all = index.listings().unwrap();
        let ids: Vec<&str> = all.iter().map(|h| h.listing.id.as_str()).collect();
        assert_eq!(ids, ["1", "2", "3", "4"]);
        let cream = &all[0];
        assert_eq!(
            cream.listing.snapshot,
            day(2),
            "the current row is the latest"
        );
        assert_eq!(cream.listing.sales, Some(160));
        let days: Vec<(Date, Option<u64>)> =
            cream.snapshots.iter().map(|s| (s.date, s.sales)).collect();
        assert_eq!(days, [(day(1), Some(100)), (day(2), Some(160))]);
        assert_eq!(cream.snapshots[0].price, Some(99.0));
        assert_eq!(cream.sales_span(), Some(((day(1), 100), (day(2), 160))));
        assert_eq!(all[2].snapshots.len(), 1);
        assert_eq!(all[2].sales_span(), Some(((day(1), 50), (day(1), 50))));
    }

    /// The sample with a brand the built-in dictionaries do not know, in two titles.
    fn branded() -> Vec<Listing> {
        let mut rows = sample();
        rows.push(listing("5", "栀夏补水面霜", Role::Own, "美妆>面霜", 7, 1));
        rows.push(listing("5", "栀夏补水面霜", Role::Own, "美妆>面霜", 9, 2));
        rows
    }

    fn with_brand() -> Arc<Segmenter> {
        let mut dicts = crate::dictionary::Dictionaries::builtin();
        dicts.brands.push(crate::dictionary::Brand {
            name: "栀夏".to_owned(),
            aliases: Vec::new(),
            freq: None,
        });
        Arc::new(Segmenter::new(Arc::new(dicts)))
    }

    #[test]
    fn rebuild_retokenises_every_row_and_swaps_the_index_in() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("index");
        let before = {
            let index = build(&dir, &branded());
            let old = ListingIndex::create_or_open(&dir, with_brand()).unwrap();
            // Old tokens: the brand the index was built without is not a term of it.
            assert_eq!(
                old.covering("栀夏", &Filter::default()).unwrap().listings,
                0
            );
            (index.stats().unwrap(), index.listings().unwrap())
        };
        let mut progressed = 0;
        let summary = ListingIndex::rebuild(&dir, with_brand(), WriterOptions::default(), |n| {
            progressed += n
        })
        .unwrap();
        assert_eq!(
            summary,
            RebuildSummary {
                listings: 5,
                history_rows: 8
            }
        );
        assert_eq!(progressed, 5);
        let index = ListingIndex::create_or_open(&dir, with_brand()).unwrap();
        let cover = index.covering("栀夏", &Filter::default()).unwrap();
        assert_eq!((cover.listings, cover.sales), (1, 9));
        let term = index.term_stats("栀夏", &Filter::default()).unwrap();
        assert_eq!((term.sales_at_earliest, term.sales_at_latest), (7, 9));
        let after = index.stats().unwrap();
        assert_eq!(
            (after.listings, after.history_rows, &after.snapshots),
            (
                before.0.listings,
                before.0.history_rows,
                &before.0.snapshots
            )
        );
        assert_eq!(
            index.listings().unwrap(),
            before.1,
            "every stored value kept"
        );
        let mut left: Vec<String> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["index"], "no .new or .old left behind");
    }

    #[test]
    fn a_rebuild_killed_mid_way_leaves_a_usable_index() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("index");
        drop(build(&dir, &sample()));
        let (fresh, old) = (tmp.path().join("index.new"), tmp.path().join("index.old"));

        // Killed while building: a partial `index.new` beside the untouched index.
        std::fs::create_dir(&fresh).unwrap();
        std::fs::write(fresh.join("meta.json"), "{ partial").unwrap();
        let index = ListingIndex::create_or_open(&dir, segmenter()).unwrap();
        assert_eq!(index.stats().unwrap().listings, 4);
        drop(index);

        // Killed between the renames: no `index`, the complete old one in `index.old`. It
        // still counts as an index for readers (suggest went on silently without one).
        std::fs::rename(&dir, &old).unwrap();
        assert!(ListingIndex::exists(&dir));
        assert!(!ListingIndex::exists(tmp.path().join("none")));
        let index = ListingIndex::create_or_open(&dir, segmenter()).unwrap();
        assert_eq!(index.stats().unwrap().listings, 4, "the old index is back");
        assert!(!old.exists());
        drop(index);

        // The next rebuild clears the leftovers and completes.
        let summary =
            ListingIndex::rebuild(&dir, segmenter(), WriterOptions::default(), |_| {}).unwrap();
        assert_eq!(summary.listings, 4);
        assert!(!fresh.exists() && !old.exists());
        let index = ListingIndex::create_or_open(&dir, segmenter()).unwrap();
        assert_eq!(
            index.covering("面霜", &Filter::default()).unwrap().sales,
            490
        );
    }

    #[test]
    fn latest_snapshot_is_searched_and_history_kept() {
        let dir = tempfile::tempdir().unwrap();
        let index = build(dir.path(), &sample());
        let stats = index.stats().unwrap();
        assert_eq!(stats.listings, 4);
        assert_eq!(stats.history_rows, 6);
        assert_eq!(stats.snapshots, BTreeMap::from([(day(1), 4), (day(2), 2)]));
        assert_eq!(stats.by_role[&Role::Competitor], 2);
        assert_eq!(stats.by_category[&Some("美妆>面霜".to_owned())], 2);
        assert!(stats.segments >= 1 && stats.bytes_on_disk > 0);

        // covering sees the latest sales: 160 + 330.
        let cover = index.covering("面霜", &Filter::default()).unwrap();
        assert_eq!(
            cover,
            Coverage {
                listings: 2,
                sales: 490
            }
        );
        assert_eq!(
            index.covering_ids("面霜", &Filter::default()).unwrap(),
            ["1", "2"]
        );
        let own = Filter {
            role: Some(Role::Own),
            ..Filter::default()
        };
        assert_eq!(index.covering("面霜", &own).unwrap().listings, 1);
        assert_eq!(
            index
                .covering("面霜 连衣裙", &Filter::default())
                .unwrap()
                .listings,
            0
        );
        assert_eq!(
            index.covering("", &Filter::default()).unwrap(),
            Coverage::default()
        );

        let term = index.term_stats("面霜", &Filter::default()).unwrap();
        assert_eq!((term.listings, term.sales), (2, 490));
        assert_eq!((term.earliest, term.latest), (Some(day(1)), Some(day(2))));
        assert_eq!((term.sales_at_earliest, term.sales_at_latest), (400, 490));
        assert_eq!(term.growth(), 90);
        assert!((term.growth_rate().unwrap() - 0.225).abs() < 1e-9);
        let flat = index.term_stats("乳液", &Filter::default()).unwrap();
        assert_eq!((flat.listings, flat.growth()), (1, 0));
    }

    #[test]
    fn similar_ranks_shared_words_and_filters() {
        let dir = tempfile::tempdir().unwrap();
        let index = build(dir.path(), &sample());
        let hits = index.similar("保湿面霜", 10, &Filter::default()).unwrap();
        let ids: Vec<&str> = hits.iter().map(|h| h.listing.id.as_str()).collect();
        assert_eq!(ids, ["1", "2"], "{hits:?}");
        assert!(hits[0].score > hits[1].score);
        // The hit is the listing on its latest snapshot, every stored field back.
        assert_eq!(hits[0].listing, sample()[4]);
        let competitors = Filter {
            role: Some(Role::Competitor),
            category: Some("美妆>面霜".to_owned()),
        };
        let hits = index.similar("保湿面霜", 10, &competitors).unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].listing.id, "2");
        assert_eq!(
            index
                .similar("保湿面霜", 1, &Filter::default())
                .unwrap()
                .len(),
            1
        );
        assert!(
            index
                .similar("，。", 10, &Filter::default())
                .unwrap()
                .is_empty()
        );
    }

    /// Many listings, many of them tied on a bare product word: the same title under several
    /// ids, and titles differing only in words the queries do not hold.
    fn tied_market() -> Vec<Listing> {
        let cream = "美妆>面霜";
        let words = [
            "补水", "保湿", "滋润", "美白", "淡斑", "正品", "50g", "秋冬",
        ];
        (0..240)
            .map(|i| {
                let title = format!(
                    "{}{}面霜{}",
                    words[i % 8],
                    words[(i / 8) % 8],
                    if i % 3 == 0 { "正品" } else { "" }
                );
                let role = if i % 5 == 0 {
                    Role::Competitor
                } else {
                    Role::Industry
                };
                listing(
                    &format!("{:03}", (i * 37) % 240),
                    &title,
                    role,
                    cream,
                    i as u64,
                    2,
                )
            })
            .collect()
    }

    /// Every hit of a set of queries as (id, score bits), for byte-for-byte comparison.
    fn similar_fingerprint(index: &ListingIndex) -> Vec<(String, Vec<(String, u32)>)> {
        let filters = [
            Filter::default(),
            Filter {
                role: Some(Role::Competitor),
                category: None,
            },
        ];
        let mut out = Vec::new();
        for query in [
            "面霜",
            "补水面霜",
            "保湿滋润面霜正品",
            "美白",
            "秋冬50g面霜",
        ] {
            for filter in &filters {
                for k in [1, 5, 20, 1000] {
                    let hits = index.similar(query, k, filter).unwrap();
                    out.push((
                        format!("{query} {filter:?} {k}"),
                        hits.iter()
                            .map(|h| (h.listing.id.clone(), h.score.to_bits()))
                            .collect(),
                    ));
                }
            }
        }
        out
    }

    #[test]
    fn similar_ties_break_by_id_not_by_segment_layout() {
        let rows = tied_market();
        // One writer thread, one commit.
        let one = tempfile::tempdir().unwrap();
        let a = build(one.path(), &rows);
        // Two writer threads, rows in reverse order over many commits, and every fourth
        // listing first written with another title on an older day and replaced later: the
        // replaced rows stay in their segments as deleted documents until a merge.
        let two = tempfile::tempdir().unwrap();
        let b = ListingIndex::create_or_open(two.path(), segmenter()).unwrap();
        {
            let mut writer = b
                .writer(WriterOptions {
                    memory_budget: 40_000_000,
                    threads: 2,
                })
                .unwrap();
            // No merge, so the deleted rows certainly stay.
            writer
                .writer
                .set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
            for (n, row) in rows.iter().rev().enumerate() {
                if n % 4 == 0 {
                    let mut old = row.clone();
                    old.title = "补水补水面霜面霜保湿乳液精华".to_owned();
                    old.snapshot = day(1);
                    writer.upsert(&old).unwrap();
                    writer.commit().unwrap();
                }
                writer.upsert(row).unwrap();
                if n % 7 == 0 {
                    writer.commit().unwrap();
                }
            }
            writer.commit().unwrap();
        }
        b.reload().unwrap();
        let searcher = b.reader.searcher();
        assert!(searcher.segment_readers().len() > 1, "the layouts differ");
        assert!(
            searcher.segment_readers().iter().any(|s| s.has_deletes()),
            "deleted rows are still counted in some segment"
        );
        assert_eq!(similar_fingerprint(&a), similar_fingerprint(&b));

        // Equal scores come in id order, and the top k are the first k of that order.
        let all = a.similar("面霜", 1000, &Filter::default()).unwrap();
        assert_eq!(all.len(), 240);
        for pair in all.windows(2) {
            let (x, y) = (&pair[0], &pair[1]);
            assert!(
                x.score > y.score || (x.score == y.score && x.listing.id < y.listing.id),
                "{x:?} before {y:?}"
            );
        }
        assert!(
            all.windows(2).any(|p| p[0].score == p[1].score),
            "ties exist"
        );
        let top = a.similar("面霜", 7, &Filter::default()).unwrap();
        assert_eq!(top, all[..7]);
    }

    #[test]
    fn upsert_is_idempotent_and_old_snapshots_do_not_roll_back() {
        let dir = tempfile::tempdir().unwrap();
        let index = build(dir.path(), &sample());
        let before = index.stats().unwrap();
        // The same rows again, in another batch: nothing changes.
        let mut writer = index.writer(WriterOptions::default()).unwrap();
        for row in sample() {
            writer.upsert(&row).unwrap();
        }
        writer.commit().unwrap();
        let mut after = index.stats().unwrap();
        after.segments = before.segments;
        after.bytes_on_disk = before.bytes_on_disk;
        assert_eq!(after, before);
        // Day 1 re-imported alone (a committed day 2 exists): the current row stays on day 2.
        let mut old = sample()[0].clone();
        old.title = "旧标题连衣裙".to_owned();
        writer.upsert(&old).unwrap();
        // A newer day in the same batch replaces the current row.
        let mut new = sample()[1].clone();
        new.snapshot = day(3);
        new.sales = Some(400);
        writer.upsert(&new).unwrap();
        // Not visible before the commit.
        assert_eq!(
            index.covering("面霜", &Filter::default()).unwrap().sales,
            490
        );
        writer.commit().unwrap();
        assert_eq!(
            index.covering("面霜", &Filter::default()).unwrap().sales,
            560
        );
        assert_eq!(
            index
                .covering("旧标题", &Filter::default())
                .unwrap()
                .listings,
            0
        );
        let stats = index.stats().unwrap();
        assert_eq!((stats.listings, stats.history_rows), (4, 7));
        assert_eq!(stats.snapshots[&day(1)], 4);
        // Rolled back rows never appear.
        let mut gone = sample()[3].clone();
        gone.id = "5".to_owned();
        writer.upsert(&gone).unwrap();
        writer.rollback().unwrap();
        writer.commit().unwrap();
        assert_eq!(index.stats().unwrap().listings, 4);
    }

    #[test]
    fn reopened_index_keeps_commits_and_refuses_small_budgets() {
        let dir = tempfile::tempdir().unwrap();
        drop(build(dir.path(), &sample()));
        let index = ListingIndex::create_or_open(dir.path(), segmenter()).unwrap();
        assert_eq!(index.stats().unwrap().listings, 4);
        let err = index
            .writer(WriterOptions {
                memory_budget: 20_000_000,
                threads: 2,
            })
            .unwrap_err();
        assert!(
            matches!(err, IndexError::Budget { threads: 2, .. }),
            "{err}"
        );
        assert!(
            err.to_string()
                .starts_with(&dir.path().display().to_string())
        );
        // A second writer while one is open: tantivy's lock, reported with the path.
        let _first = index.writer(WriterOptions::default()).unwrap();
        let err = index.writer(WriterOptions::default()).unwrap_err();
        assert!(matches!(err, IndexError::Tantivy { .. }), "{err}");
    }

    #[test]
    fn a_foreign_tantivy_index_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut b = Schema::builder();
        b.add_text_field("title", STRING);
        Index::create_in_dir(dir.path(), b.build()).unwrap();
        let err = ListingIndex::create_or_open(dir.path(), segmenter()).unwrap_err();
        assert!(matches!(err, IndexError::Schema { .. }), "{err}");
    }

    fn records(text: &str) -> Vec<Result<Record, InputError>> {
        let path = Path::new("rows.csv");
        input::from_reader(
            std::io::Cursor::new(text.as_bytes().to_vec()),
            path,
            input::Format::Csv,
            &Options::default(),
        )
        .unwrap()
        .collect()
    }

    #[test]
    fn records_become_listings_with_row_values_over_defaults() {
        let rows = records(
            "宝贝ID,宝贝标题,销量,日期,角色,店铺,类目\n\
             7,保湿面霜,12,2024-06-02,竞品,甲店,美妆\n\
             8,乳液,,,,乙店,\n",
        );
        let defaults = (Some(Role::Own), Some(day(9)));
        let a = Listing::from_record(rows[0].as_ref().unwrap(), defaults.0, defaults.1).unwrap();
        assert_eq!(
            (
                a.role,
                a.snapshot,
                a.sales,
                a.shop.as_deref(),
                a.category.as_deref()
            ),
            (
                Role::Competitor,
                day(2),
                Some(12),
                Some("甲店"),
                Some("美妆")
            )
        );
        let b = Listing::from_record(rows[1].as_ref().unwrap(), defaults.0, defaults.1).unwrap();
        assert_eq!(
            (b.role, b.snapshot, b.sales, b.category),
            (Role::Own, day(9), None, None)
        );
        let err = Listing::from_record(rows[1].as_ref().unwrap(), None, Some(day(9))).unwrap_err();
        assert!(
            matches!(
                err,
                ListingError::Missing {
                    field: Field::Role,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn bad_rows_say_where_and_what() {
        let rows = records(
            "宝贝ID,宝贝标题,销量,日期,角色\n\
             1,面霜,-3,2024-06-02,own\n\
             2,面霜,5,2024-13-02,own\n\
             3,面霜,5,2024-06-02,boss\n\
             ,面霜,5,2024-06-02,own\n",
        );
        let err = |i: usize| {
            Listing::from_record(rows[i].as_ref().unwrap(), None, None)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(0),
            "rows.csv:2:3: sales must be a whole count >= 0: \"-3\""
        );
        assert!(
            err(1).starts_with("rows.csv:3:4: 日期: not a date"),
            "{}",
            err(1)
        );
        assert!(
            err(2).starts_with("rows.csv:4:5: unknown role: \"boss\""),
            "{}",
            err(2)
        );
        assert!(err(3).starts_with("rows.csv:5:1: no id"), "{}", err(3));
    }

    /// The real Tmall export: ten daily snapshots of 3,497 beauty items. Skipped with a message
    /// when the data is missing, a failure when `BAOBEI_REQUIRE_SHARED_DATA` is set.
    #[test]
    #[allow(clippy::print_stderr)]
    fn real_tmall_snapshots() {
        let dir = std::env::var_os("BAOBEI_SHARED_DATA")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
        let path = dir.join("tmall-beauty-double11.csv");
        if !path.is_file() {
            assert!(
                std::env::var_os("BAOBEI_REQUIRE_SHARED_DATA").is_none(),
                "real data missing at {}: CI requires it",
                path.display()
            );
            eprintln!("SKIPPED: real data not found at {}", path.display());
            return;
        }
        let rows: Vec<Listing> = input::open(&path, &Options::default())
            .unwrap()
            .map(|r| Listing::from_record(&r.unwrap(), Some(Role::Industry), None).unwrap())
            .collect();
        let tmp = tempfile::tempdir().unwrap();
        let index = build(tmp.path(), &rows);

        let keys: HashSet<(&str, Date)> =
            rows.iter().map(|r| (r.id.as_str(), r.snapshot)).collect();
        let mut latest: HashMap<&str, &Listing> = HashMap::new();
        for r in &rows {
            let e = latest.entry(&r.id).or_insert(r);
            if r.snapshot > e.snapshot {
                *e = r;
            }
        }
        let stats = index.stats().unwrap();
        assert_eq!(stats.snapshots.len(), 10, "{:?}", stats.snapshots);
        assert_eq!(stats.history_rows, keys.len() as u64);
        assert_eq!(stats.listings, latest.len() as u64);

        // 面霜 is covered by the face-cream listings, found inside longer words too.
        let covered: BTreeSet<String> = index
            .covering_ids("面霜", &Filter::default())
            .unwrap()
            .into_iter()
            .collect();
        let creams: BTreeSet<String> = latest
            .values()
            .filter(|l| l.title.contains("面霜"))
            .map(|l| l.id.clone())
            .collect();
        assert!(covered.is_subset(&creams));
        assert!(
            covered.len() * 10 >= creams.len() * 9,
            "{} of {}",
            covered.len(),
            creams.len()
        );

        // A face-cream title (written here, not taken from the data) finds face creams first.
        let hits = index
            .similar("补水保湿滋润面霜", 10, &Filter::default())
            .unwrap();
        assert_eq!(hits.len(), 10);
        let creamy = hits
            .iter()
            .filter(|h| h.listing.title.contains('霜'))
            .count();
        assert!(creamy >= 8, "{hits:#?}");
        assert!(hits[0].listing.title.contains("面霜"), "{hits:#?}");

        // Words of the best sellers grew over Double 11.
        let mut best: Vec<&&Listing> = latest.values().filter(|l| l.sales.is_some()).collect();
        best.sort_by_key(|l| std::cmp::Reverse(l.sales));
        let mut checked = 0;
        for top in best.iter().take(3) {
            for word in index.query_tokens(&top.title) {
                if word.is_ascii() || word.chars().count() < 2 {
                    continue;
                }
                let term = index.term_stats(&word, &Filter::default()).unwrap();
                assert!(term.growth() > 0, "{word}: {term:?}");
                assert_eq!(term.latest, Date::new(2016, 11, 14), "{word}");
                checked += 1;
            }
        }
        assert!(checked >= 5, "{checked}");
        let wide = index.term_stats("补水", &Filter::default()).unwrap();
        assert_eq!(
            (wide.earliest, wide.latest),
            (Date::new(2016, 11, 5), Date::new(2016, 11, 14))
        );

        // Re-indexing the same file changes nothing.
        let mut writer = index.writer(WriterOptions::default()).unwrap();
        for row in &rows {
            writer.upsert(row).unwrap();
        }
        writer.commit().unwrap();
        drop(writer);
        let mut again = index.stats().unwrap();
        again.segments = stats.segments;
        again.bytes_on_disk = stats.bytes_on_disk;
        assert_eq!(again, stats);
        assert_eq!(
            index
                .covering_ids("面霜", &Filter::default())
                .unwrap()
                .len(),
            covered.len()
        );
    }
}
