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
//! # Layout
//!
//! [`ListingIndex`] (this file) opens, searches and rebuilds; [`Listing`] and [`Role`] are what
//! it stores (`listing`); [`TitleTokenizer`] cuts titles (`tokenizer`); `schema` writes the
//! two rows of a listing; [`ListingWriter`] upserts a batch (`writer`); `collectors` counts and
//! ranks over live rows; [`jobs`] are the workspace's listing jobs (add files, rebuild, stats).
//!
//! # Durability
//!
//! Rows become visible and durable at [`ListingWriter::commit`], one commit per batch: tantivy
//! writes new segments then swaps `meta.json`, so a crash mid-batch leaves the last commit.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery, TermSetQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{Index, IndexReader, ReloadPolicy, Searcher, TantivyDocument, Term};

use crate::input::Date;
use crate::lang::{Describe, Lang};
use crate::text::Segmenter;
use crate::text::recall;

/// Name of the index-time tokenizer (segmentation plus search sub-words).
pub const INDEX_TOKENIZER: &str = "baobei_title_index";
/// Name of the query-time tokenizer (plain segmentation).
pub const QUERY_TOKENIZER: &str = "baobei_title_query";

/// tantivy refuses a writer thread with less than this share of the memory budget.
pub const MIN_BUDGET_PER_THREAD: usize = 15_000_000;
mod collectors;
pub mod jobs;
mod listing;
mod schema;
mod tokenizer;
mod writer;

pub use listing::{Listing, ListingError, Role};
pub use tokenizer::{TitleTokenStream, TitleTokenizer};
pub use writer::ListingWriter;

use collectors::*;
use schema::*;
use writer::OPS_BATCH;

/// Errors opening, writing or searching the listing index; each names the index directory.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// tantivy failed (I/O inside the index, a lock held by another writer, corruption).
    #[error("{}", self.describe(Lang::En))]
    Tantivy {
        /// The index directory.
        path: PathBuf,
        /// What tantivy said.
        #[source]
        source: tantivy::TantivyError,
    },
    /// The directory could not be created or listed.
    #[error("{}", self.describe(Lang::En))]
    Io {
        /// The directory.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The directory holds a tantivy index that is not a baobei listing index.
    #[error("{}", self.describe(Lang::En))]
    Schema {
        /// The directory.
        path: PathBuf,
        /// What is missing or different.
        what: String,
    },
    /// A memory budget too small for the number of writer threads.
    #[error("{}", self.describe(Lang::En))]
    Budget {
        /// The index directory.
        path: PathBuf,
        /// The budget asked for.
        budget: usize,
        /// The threads asked for.
        threads: usize,
    },
    /// A stored row lacks a field every current row has.
    #[error("{}", self.describe(Lang::En))]
    Corrupt {
        /// The index directory.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
}

impl Describe for IndexError {
    fn describe(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        match self {
            IndexError::Tantivy { path, source } => match zh {
                true => format!("{}: 宝贝索引：{source}", path.display()),
                false => format!("{}: listing index: {source}", path.display()),
            },
            IndexError::Io { path, source } => match zh {
                true => format!("{}: 无法访问宝贝索引目录：{source}", path.display()),
                false => format!(
                    "{}: cannot access the listing index directory: {source}",
                    path.display()
                ),
            },
            IndexError::Schema { path, what } => match zh {
                true => format!("{}: 不是 baobei 宝贝索引：{what}", path.display()),
                false => format!("{}: not a baobei listing index: {what}", path.display()),
            },
            IndexError::Budget {
                path,
                budget,
                threads,
            } => match zh {
                true => format!(
                    "{}: {threads} 个线程的内存预算 {budget} 字节低于每线程 {} 字节",
                    path.display(),
                    MIN_BUDGET_PER_THREAD
                ),
                false => format!(
                    "{}: memory budget of {budget} bytes for {threads} threads is below {} \
                     bytes per thread",
                    path.display(),
                    MIN_BUDGET_PER_THREAD
                ),
            },
            IndexError::Corrupt { path, what } => match zh {
                true => format!("{}: 宝贝索引行已损坏：{what}", path.display()),
                false => format!("{}: corrupt listing row: {what}", path.display()),
            },
        }
    }
}

/// Whether `dir` itself holds a committed tantivy index (its `meta.json`); everyone else asks
/// [`ListingIndex::exists`], which also counts an interrupted rebuild.
fn holds_index(dir: &Path) -> bool {
    dir.join("meta.json").exists()
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
    if !dir.exists() && holds_index(&old) {
        std::fs::rename(&old, dir).map_err(|source| IndexError::Io {
            path: old.clone(),
            source,
        })?;
    }
    Ok(())
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
        let index = if holds_index(&path) {
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
        holds_index(dir) || holds_index(&sibling(dir, "old"))
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
    use crate::input::{self, Field, InputError, Options, Record};
    use tantivy::schema::{STRING, Schema};

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
