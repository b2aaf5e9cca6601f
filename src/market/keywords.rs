//! The workspace's keyword jobs: keyword exports merged into the table (`keywords import`),
//! keyword rows derived from the listing index and a query log (`keywords derive`), and the
//! query logs read, and the table's keywords looked up and ranked (`keywords show`, `top`). Each writer runs under the workspace's writer lock, replaces the table and the
//! manifest atomically (an interrupted job leaves the previous state), and sets bad rows aside.

use std::collections::HashMap;
use std::io;
use std::path::Path;
use std::sync::Arc;

use super::derive::{self, Derivation, DeriveOptions};
use super::import::{ImportConfig, ImportError, detect_source, map_record};
use super::index::{ListingHistory, ListingIndex, fingerprint_of};
use super::table::{
    KeywordRow, KeywordStats, KeywordTable, Period, RankBy, Source, TableBuilder, TableError,
    WriteSummary,
};
use super::workspace::{ImportRecord, Manifest, Workspace};
use crate::batch::{JobError, Reject, Rejects};
use crate::dictionary::Dictionaries;
use crate::input::{self, Field, Format, Options};
use crate::lang::{Lang, Said};
use crate::text::Segmenter;
use crate::text::recall;

/// `keywords import`: merges keyword exports into the workspace's table under the writer
/// lock (held in the name of `holder`); see [`import_files`]. Returns the rows imported and
/// what was written.
pub fn import(
    ws: &Workspace,
    files: &[impl AsRef<Path>],
    period: Option<Period>,
    dicts: &Dictionaries,
    rejects: &mut Rejects,
    holder: &str,
) -> Result<(u64, WriteSummary), JobError> {
    let lock = ws.lock(holder)?;
    let mut manifest = ws.manifest()?;
    if manifest.dictionaries.is_empty() {
        manifest.set_dictionaries(dicts);
    }
    let done = import_files(ws, files, period, None, rejects, &mut manifest)?;
    lock.save_manifest(&manifest)?;
    Ok(done)
}

/// Merges keyword exports into the workspace's table (written atomically), recording each
/// file in the manifest's history; returns the rows imported and what was written. `period`
/// overrides the files' date columns; `undated` is the period of files without one. The
/// caller holds the writer lock.
pub fn import_files(
    ws: &Workspace,
    files: &[impl AsRef<Path>],
    period: Option<Period>,
    undated: Option<Period>,
    rejects: &mut Rejects,
    manifest: &mut Manifest,
) -> Result<(u64, WriteSummary), JobError> {
    let config = ImportConfig::from_settings(ws.settings()?)?;

    let mut builder = TableBuilder::new();
    let table_path = ws.table_path();
    if table_path.exists() {
        let table = KeywordTable::open(&table_path)?;
        builder.extend_from_table(&table)?;
    }
    let mut imported = 0u64;
    for file in files {
        let file = file.as_ref();
        let options = Options {
            required: vec![Field::Keyword],
            ..Default::default()
        };
        let reader = input::open(file, &options)?;
        let source = reader.header().map_or(Source::Other, detect_source);
        let dated = reader
            .header()
            .is_some_and(|h| h.index_of(Field::Date).is_some());
        let period = period.or(if dated { None } else { undated });
        let (mut rows, before) = (0u64, rejects.len());
        for row in reader {
            let outcome = match row {
                Err(e) => Err(Reject::from(e)),
                Ok(record) => map_record(&record, source, period, &config)
                    .map_err(|e| import_reject(&e, record.raw().into_owned()))
                    .and_then(|row| {
                        builder
                            .insert(&row.keyword, &row.category, row.stats)
                            .map_err(|e| {
                                Reject::new(
                                    invalid_cell(&record, &e).to_string(),
                                    &e,
                                    record.raw().into_owned(),
                                )
                            })
                    }),
            };
            match outcome {
                Ok(()) => rows += 1,
                Err(reject) => rejects.push(reject)?,
            }
        }
        imported += rows;
        manifest.imports.push(ImportRecord::now(
            file,
            rows,
            rejects.len() - before,
            &source.to_string(),
        ));
    }

    let written = builder.write(&table_path)?;
    Ok((imported, written))
}

/// Where a value the table refuses sits: its cell, else the row.
fn invalid_cell(record: &input::Record, error: &TableError) -> input::Location {
    let field = match error {
        TableError::InvalidRow { field, .. } => match *field {
            "popularity" | "demand" => Some(Field::SearchPopularity),
            "heat" => Some(Field::SearchHeat),
            name => Field::ALL.iter().copied().find(|f| f.name() == name),
        },
        _ => None,
    };
    field
        .and_then(|f| record.header().index_of(f))
        .map_or_else(|| record.location(), |i| record.cell_location(i))
}

fn import_reject(e: &ImportError, raw: String) -> Reject {
    Reject::new(e.location().unwrap_or_default(), e, raw)
}

/// What [`fn@derive`] did: the rows derived, what was written, and the derivation itself (its
/// candidates, listings and period, for the summary).
#[derive(Debug)]
pub struct Derived {
    /// Keyword rows derived (queries found by at least one listing).
    pub rows: usize,
    /// The table written.
    pub written: WriteSummary,
    /// The derivation.
    pub derivation: Derivation,
}

/// `keywords derive`: keyword rows computed from the listing index (see [`mod@derive`]) for
/// the queries of `queries_file` (kept in the workspace for later runs) or of the log kept
/// before, merged into the table under the writer lock (held as `holder`). The rows of an
/// earlier derive over the same period are replaced, not merged: a fresh count of the same
/// listings supersedes the old one. Measured rows of any period still win (table merge
/// rules). `progress` hears of the queries done.
pub fn derive(
    ws: &Workspace,
    segmenter: Arc<Segmenter>,
    queries_file: Option<&Path>,
    options: &DeriveOptions,
    rejects: &mut Rejects,
    holder: &str,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Derived, JobError> {
    let lock = ws.lock(holder)?;
    let dir = ws.index_dir();
    if !ListingIndex::exists(&dir) {
        return Err(JobError::Missing {
            path: dir,
            what: Said::new(
                "没有可推导关键词的宝贝索引；请用 `baobei index add FILE... --role ROLE` 建立",
                "no listing index to derive keywords from; build one with `baobei index add \
                 FILE... --role ROLE`",
            ),
        });
    }
    let index = ListingIndex::create_or_open(&dir, segmenter)?;
    let queries = match queries_file {
        Some(path) => read_queries(path, rejects)?,
        None => Vec::new(),
    };
    if queries_file.is_none() && !ws.queries_path().exists() {
        return Err(JobError::Missing {
            path: ws.root().to_owned(),
            what: Said::new(
                "没有可推导关键词的搜索词：关键词必须是真实的搜索词；请用 `--queries FILE` \
                 给出搜索词日志或关键词列表（它会保存在工作区供以后使用）",
                "no search queries to derive keywords from: a keyword is a real query; give a \
                 query log or keyword list with `--queries FILE` (it is kept in the workspace \
                 for later runs)",
            ),
        });
    }
    let mut manifest = ws.manifest()?;
    let listings = index.listings()?;
    let done = derive_into(
        ws,
        &index,
        &listings,
        &fingerprint_of(&listings),
        &queries,
        options,
        queries_file,
        rejects.len(),
        &mut manifest,
        progress,
    )?;
    lock.save_manifest(&manifest)?;
    Ok(done)
}

/// Derives keyword rows from the listing index (its `listings`, read once by the caller, whose
/// fingerprint is `fingerprint`) and merges them into the workspace's table (written
/// atomically), replacing the derived rows of the same period, and records the derivation in
/// the manifest. With `queries_file`, `queries` (read from it) are kept in the workspace
/// first; without, the queries kept before are used. The caller holds the writer lock.
#[allow(clippy::too_many_arguments)]
pub fn derive_into(
    ws: &Workspace,
    index: &ListingIndex,
    listings: &[ListingHistory],
    fingerprint: &str,
    queries: &[String],
    options: &DeriveOptions,
    queries_file: Option<&Path>,
    rejected: usize,
    manifest: &mut Manifest,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Derived, JobError> {
    let kept;
    let queries = if queries_file.is_some() {
        ws.keep_queries(queries)?;
        queries
    } else {
        kept = ws.queries()?;
        &kept
    };
    let derivation = derive::derive_from(listings, index.segmenter(), queries, options, progress);

    let mut builder = TableBuilder::new();
    let table_path = ws.table_path();
    if table_path.exists() {
        // Verified: a rebuild must not carry damage into a file with a fresh checksum.
        let table = KeywordTable::open_verified(&table_path)?;
        for row in table.iter() {
            let row = row?;
            let replaced =
                row.stats.source == Source::Derived && Some(row.stats.period) == derivation.period;
            if !replaced {
                builder.insert(row.keyword, row.category, row.stats)?;
            }
        }
    }
    let rows = derivation.insert_into(&mut builder)?;
    let written = builder.write(&table_path)?;
    if manifest.dictionaries.is_empty() {
        manifest.set_dictionaries(index.segmenter().dictionaries());
    }
    manifest.derived_from = Some(fingerprint.to_owned());
    let file = queries_file.map_or_else(|| index.path().to_owned(), Path::to_owned);
    manifest.imports.push(ImportRecord::now(
        &file,
        rows as u64,
        rejected,
        &Source::Derived.to_string(),
    ));
    Ok(Derived {
        rows,
        written,
        derivation,
    })
}

/// Reads queries: a TSV (or a text file whose first line has a tab) as headerless
/// `qid<TAB>query`, a text file as one query per line, anything else by its header
/// (a 关键词/query column, else a title column).
pub fn read_queries(path: &Path, rejects: &mut Rejects) -> Result<Vec<String>, JobError> {
    let format = Format::from_path(path);
    let tabbed = format == Format::Tsv
        || (format == Format::Text && first_line_has_tab(path).unwrap_or(false));
    let options = if tabbed {
        Options {
            format: Some(Format::Tsv),
            columns: Some(vec!["qid".into(), "query".into()]),
            ..Default::default()
        }
    } else {
        Options::default()
    };
    let mut queries = Vec::new();
    for row in input::open(path, &options)? {
        match row {
            Err(e) => rejects.push(Reject::from(e))?,
            Ok(record) => match record.text(Field::Keyword).or(record.text(Field::Title)) {
                Some(query) => queries.push(query.to_owned()),
                None => rejects.push(Reject::new(
                    record.location().to_string(),
                    &Said::new("这一行没有搜索词", "no query in the row"),
                    record.raw().into_owned(),
                ))?,
            },
        }
    }
    Ok(queries)
}

fn first_line_has_tab(path: &Path) -> io::Result<bool> {
    use std::io::Read;
    let mut head = [0u8; 4096];
    let n = std::fs::File::open(path)?.read(&mut head)?;
    let line = head[..n].split(|&b| b == b'\n').next().unwrap_or_default();
    Ok(line.contains(&b'\t'))
}

/// What `keywords top` asks for.
#[derive(Debug, Clone, Default)]
pub struct TopOptions {
    /// Keywords wanted.
    pub limit: usize,
    /// Only keywords of this category.
    pub category: Option<String>,
    /// The ranking; `None` ranks by expected buyers, or by demand where no keyword has what
    /// expected buyers need.
    pub by: Option<RankBy>,
    /// Online items (在线商品数) a keyword needs; `None`: 5 for growth where the count is known.
    pub min_items: Option<u64>,
}

/// The answer of [`top`].
#[derive(Debug)]
pub struct Top<'t> {
    /// The ranking used.
    pub by: RankBy,
    /// No ranking was asked for and no keyword has what expected buyers need, so demand
    /// ranked them (the edge says so).
    pub by_demand_instead: bool,
    /// The keywords, best first, with their score.
    pub rows: Vec<(f64, KeywordRow<'t>)>,
    /// The support applied.
    pub min_items: u64,
}

/// `keywords top`: the best keywords of `table` by the chosen score (see [`TopOptions`]).
pub fn top<'t>(table: &'t KeywordTable, options: &TopOptions) -> Result<Top<'t>, JobError> {
    // Rising words need support: a growth rate over one or two listings is noise. By default
    // that holds where the count is known (derived rows); an export's measured growth without
    // 在线商品数 stands.
    let (min_items, strict) = match options.min_items {
        Some(n) => (n, true),
        None => (
            if options.by == Some(RankBy::Growth) {
                5
            } else {
                0
            },
            false,
        ),
    };
    let rank = |by: RankBy| {
        table.top_by(options.limit, options.category.as_deref(), |s| {
            let thin = match s.online_items {
                Some(n) => n < min_items,
                None => strict,
            };
            if min_items > 0 && thin {
                return None;
            }
            by.score(s)
        })
    };
    let (by, rows, by_demand_instead) = match options.by {
        Some(by) => (by, rank(by)?, false),
        None => match rank(RankBy::Value)? {
            rows if !rows.is_empty() || options.limit == 0 => (RankBy::Value, rows, false),
            none => match rank(RankBy::Demand)? {
                rows if rows.is_empty() => (RankBy::Value, none, false),
                rows => (RankBy::Demand, rows, true),
            },
        },
    };
    Ok(Top {
        by,
        by_demand_instead,
        rows,
        min_items,
    })
}

/// Why `keywords top` has no keyword to show: a kind plus its figures, worded in
/// [`NoKeyword::describe`], each with what to do.
#[derive(Debug, Clone, PartialEq)]
pub enum NoKeyword {
    /// `--limit 0`.
    LimitZero,
    /// The table holds no keyword at all.
    EmptyTable,
    /// No keyword of the category asked for.
    NoCategory {
        /// The category asked for.
        category: String,
        /// Some of the table's categories (up to 12).
        categories: Vec<String>,
    },
    /// No keyword (of the category) has the figure the ranking needs.
    NoFigure {
        /// The ranking.
        by: RankBy,
        /// The category asked for, if any.
        category: Option<String>,
    },
    /// Some keywords have the figure, but none has `--min-items` online items.
    BelowMinItems {
        /// How many have the figure.
        scored: u64,
        /// The category asked for, if any.
        category: Option<String>,
        /// The `--min-items` asked for.
        min_items: u64,
    },
}

impl NoKeyword {
    /// The reason for a person, in `lang`, with what to do.
    pub fn describe(&self, lang: Lang) -> String {
        let scope = |category: &Option<String>| match (lang, category) {
            (_, None) => String::new(),
            (Lang::Zh, Some(c)) => format!("类目「{c}」中"),
            (Lang::En, Some(c)) => format!(" of category {c}"),
        };
        match (lang, self) {
            (Lang::Zh, Self::LimitZero) => "--limit 0 表示一个也不要".into(),
            (Lang::En, Self::LimitZero) => "--limit 0 asks for none".into(),
            (Lang::Zh, Self::EmptyTable) => {
                "关键词表是空的：用 `baobei keywords import 文件` 导入生意参谋/直通车导出，\
                 或用 `baobei keywords derive` 从已索引的宝贝推算关键词"
                    .into()
            }
            (Lang::En, Self::EmptyTable) => "the keyword table is empty: import exports with \
                 `baobei keywords import FILE`, or derive keywords from indexed listings with \
                 `baobei keywords derive`"
                .into(),
            (
                Lang::Zh,
                Self::NoCategory {
                    category,
                    categories,
                },
            ) => format!(
                "没有类目「{category}」的关键词；表中的类目有：{}",
                crate::lang::list(lang, categories.iter().cloned())
            ),
            (
                Lang::En,
                Self::NoCategory {
                    category,
                    categories,
                },
            ) => format!(
                "no keyword of category {category}; the table's categories include: {}",
                crate::lang::list(lang, categories.iter().cloned())
            ),
            (Lang::Zh, Self::NoFigure { by, category }) => {
                let scope = scope(category);
                match by {
                    RankBy::Value => format!(
                        "{scope}没有关键词带有估算买家所需的点击率和转化率（从宝贝推导的关键词没有）：\
                         改用 --by demand 排序，或导入生意参谋导出"
                    ),
                    RankBy::Growth => format!(
                        "{scope}没有关键词带有增长数据：增长需要两个统计周期（再导入一份更早的导出，\
                         或从两天的宝贝快照推算）"
                    ),
                    RankBy::Demand => format!(
                        "{scope}没有关键词带有需求数据（搜索人气或推算的销量）：导入带搜索人气的导出，\
                         或运行 `baobei keywords derive`"
                    ),
                }
            }
            (Lang::En, Self::NoFigure { by, category }) => {
                let scope = scope(category);
                match by {
                    RankBy::Value => format!(
                        "no keyword{scope} has the CTR and CVR that expected buyers need (derived \
                         keywords lack them): rank with --by demand, or import a Business Advisor export"
                    ),
                    RankBy::Growth => format!(
                        "no keyword{scope} has a growth figure: growth needs two periods (import an \
                         older export too, or derive from listings indexed on two days)"
                    ),
                    RankBy::Demand => format!(
                        "no keyword{scope} has a demand figure (search popularity or derived \
                         sales): import an export with search popularity, or run `baobei \
                         keywords derive`"
                    ),
                }
            }
            (
                Lang::Zh,
                Self::BelowMinItems {
                    scored,
                    category,
                    min_items,
                },
            ) => format!(
                "{}有 {scored} 个关键词带有该数据，但没有一个的在线商品数达到 {min_items}：调低 --min-items",
                scope(category)
            ),
            (
                Lang::En,
                Self::BelowMinItems {
                    scored,
                    category,
                    min_items,
                },
            ) => format!(
                "{scored} keyword(s){} have the figure, but none has at least {min_items} online \
                 items: lower --min-items",
                scope(category)
            ),
        }
    }
}

/// Why [`top`] found no keyword for `options`: the first filter that left nothing. When no
/// ranking was asked for, demand stood in where expected buyers lack.
pub fn why_none(
    table: &KeywordTable,
    options: &TopOptions,
    min_items: u64,
    mut by: RankBy,
) -> Result<NoKeyword, JobError> {
    let auto = options.by.is_none();
    if options.limit == 0 {
        return Ok(NoKeyword::LimitZero);
    }
    let category = options.category.as_deref().map(str::trim);
    let (mut total, mut in_category, mut valued, mut scored) = (0u64, 0u64, 0u64, 0u64);
    let has = |by: RankBy, s: &KeywordStats| by.score(s).is_some_and(|x| !x.is_nan());
    let mut categories = std::collections::BTreeSet::new();
    for row in table.iter() {
        let row = row?;
        total += 1;
        if category.is_some_and(|c| c != row.category) {
            if categories.len() < 12 {
                categories.insert(row.category.to_owned());
            }
            continue;
        }
        in_category += 1;
        valued += u64::from(has(RankBy::Value, &row.stats));
        scored += u64::from(has(by, &row.stats) || auto && has(RankBy::Demand, &row.stats));
    }
    if auto && valued == 0 {
        by = RankBy::Demand;
    }
    let category = category.map(str::to_owned);
    Ok(if total == 0 {
        NoKeyword::EmptyTable
    } else if in_category == 0 {
        NoKeyword::NoCategory {
            category: category.unwrap_or_default(),
            categories: categories.into_iter().collect(),
        }
    } else if scored == 0 {
        NoKeyword::NoFigure { by, category }
    } else {
        NoKeyword::BelowMinItems {
            scored,
            category,
            min_items,
        }
    })
}

/// Finds keywords of a table as `keywords show` does: by their text, else by their words in
/// any order or spacing (宝宝儿童 finds 儿童宝宝: a keyword is a set of words). The index by
/// words takes one pass over the table and a segmenter, so it is built on first need only.
pub struct Lookup<'t> {
    table: &'t KeywordTable,
    by_words: Option<(Segmenter, HashMap<String, usize>)>,
}

impl std::fmt::Debug for Lookup<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lookup")
            .field("by_words", &self.by_words.as_ref().map(|(_, m)| m.len()))
            .finish()
    }
}

impl<'t> Lookup<'t> {
    /// A lookup in `table`.
    pub fn new(table: &'t KeywordTable) -> Self {
        Lookup {
            table,
            by_words: None,
        }
    }

    /// The row of `word`; `segmenter` makes the segmenter the first time words are needed.
    pub fn find<E: From<JobError>>(
        &mut self,
        word: &str,
        segmenter: impl FnOnce() -> Result<Segmenter, E>,
    ) -> Result<Option<KeywordRow<'t>>, E> {
        let table = self.table;
        if let Some(row) = table.get(word).map_err(JobError::from)? {
            return Ok(Some(row));
        }
        let (segmenter, index) = match &self.by_words {
            Some(built) => built,
            None => {
                let segmenter = segmenter()?;
                let mut index = HashMap::new();
                for (n, r) in table.iter().enumerate() {
                    let keyword = r.map_err(JobError::from)?.keyword;
                    let key = recall::query_key(&recall::query_words(&segmenter, keyword));
                    index.entry(key).or_insert(n);
                }
                self.by_words.insert((segmenter, index))
            }
        };
        let key = recall::query_key(&recall::query_words(segmenter, word));
        Ok(match index.get(&key) {
            Some(&n) => table.iter().nth(n).transpose().map_err(JobError::from)?,
            None => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace() -> (tempfile::TempDir, Workspace) {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(dir.path().join("ws")).unwrap();
        (dir, ws)
    }

    #[test]
    fn import_sets_bad_rows_aside_at_their_cell_and_keeps_the_good_ones() {
        let (dir, ws) = workspace();
        let file = dir.path().join("搜索分析.csv");
        std::fs::write(
            &file,
            "关键词,搜索人气,点击率\n补水面霜,1200,3.2%\n保湿乳,abc,1%\n,5,1%\n修护霜,800,2%\n",
        )
        .unwrap();
        let mut rejects = Rejects::new();
        let dicts = Dictionaries::builtin();
        let (rows, written) = import(
            &ws,
            &[&file],
            Some(Period::day(20261111)),
            &dicts,
            &mut rejects,
            "test",
        )
        .unwrap();
        assert_eq!((rows, written.rows, rejects.len()), (2, 2, 2));
        let at: Vec<&str> = rejects
            .as_slice()
            .iter()
            .map(|r| r.location.rsplit('/').next().unwrap())
            .collect();
        assert_eq!(at, ["搜索分析.csv:3:2", "搜索分析.csv:4:1"]);
        let table = KeywordTable::open(ws.table_path()).unwrap();
        let mut lookup = Lookup::new(&table);
        let found = lookup
            .find("补水面霜", || -> Result<Segmenter, JobError> {
                unreachable!()
            })
            .unwrap();
        assert_eq!(found.map(|r| r.stats.ctr), Some(Some(0.032)));
        assert_eq!(ws.manifest().unwrap().imports.len(), 1);
    }

    #[test]
    fn derive_without_an_index_says_what_to_build() {
        let (_dir, ws) = workspace();
        let segmenter = Arc::new(Segmenter::builtin());
        let err = derive(
            &ws,
            segmenter,
            None,
            &DeriveOptions::default(),
            &mut Rejects::new(),
            "test",
            &|_| {},
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .ends_with("index: no listing index to derive keywords from; build one with `baobei index add FILE... --role ROLE`"),
            "{err}"
        );
    }
}
