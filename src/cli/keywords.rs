//! `keywords import`, `keywords show`, `keywords top` and `keywords derive`: the keyword table
//! of the workspace.

use crate::lang::Lang;
use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use super::args::{DeriveArgs, ImportArgs, RankArg, ShowArgs, TopArgs};
use super::batch::{self, Reject};
use super::output::{Record, Sink};
use super::{Exit, Settings};
use crate::dictionary::Dictionaries;
use crate::input::{self, Field, Format, Options};
use crate::market::derive::{self as derivation, DeriveOptions};
use crate::market::import::{ImportConfig, ImportError, detect_source, map_record, parse_period};
use crate::market::index::{ListingHistory, ListingIndex, fingerprint_of};
use crate::market::table::{
    KeywordStats, KeywordTable, Period, RankBy, Source, TableBuilder, TableError, WriteSummary,
};
use crate::market::workspace::{ImportRecord, Manifest, Workspace};
use crate::recall;
use crate::title::Segmenter;

/// Warns when the workspace was built with other dictionaries than those in force.
pub fn warn_if_stale(settings: &Settings, dicts: &Dictionaries) -> anyhow::Result<()> {
    let ws = Workspace::at(&settings.workspace);
    if let Some(mismatch) = ws.check_dictionaries(dicts)? {
        eprintln!("baobei: warning: {mismatch}");
    }
    Ok(())
}

/// Imports exports into the table under the writer lock; the table and the manifest are
/// replaced atomically, so an interrupted import leaves the previous state.
pub fn import(
    settings: &Settings,
    args: &ImportArgs,
    dicts: &Dictionaries,
) -> anyhow::Result<Exit> {
    let period =
        match args.date.as_deref() {
            None => None,
            Some(text) => Some(parse_period(text).ok().flatten().with_context(|| {
                format!("--date: not a date or date range (START~END): {text:?}")
            })?),
        };
    let ws = Workspace::open(&settings.workspace)?;
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let lock = ws.lock(&command)?;
    let mut manifest = ws.manifest()?;
    if manifest.dictionaries.is_empty() {
        manifest.set_dictionaries(dicts);
    }
    let mut rejects = batch::Rejects::in_lang(settings.quiet, settings.lang);
    let (imported, written) =
        import_files(&ws, &args.files, period, None, &mut rejects, &mut manifest)?;
    let table_path = ws.table_path();
    lock.save_manifest(&manifest)?;
    drop(lock);

    let first = args.files.first().map(|p| p.as_path());
    rejects.finish(args.rejects.as_deref(), None, first)?;
    if !settings.quiet {
        let (files, table, keywords, bytes) = (
            args.files.len(),
            table_path.display(),
            written.rows,
            written.bytes,
        );
        match settings.lang {
            Lang::Zh => eprintln!(
                "baobei: 已从 {files} 个文件导入 {imported} 行；{table} 现有 {keywords} 个关键词\
                 （{bytes} 字节）"
            ),
            Lang::En => eprintln!(
                "baobei: imported {imported} rows from {files} file(s); {table} now holds \
                 {keywords} keywords ({bytes} bytes)"
            ),
        }
    }
    Ok(if rejects.is_empty() {
        Exit::Ok
    } else {
        Exit::Rejected
    })
}

/// Merges keyword exports into the workspace's table (written atomically), recording each
/// file in the manifest's history; returns the rows imported and what was written. `period`
/// overrides the files' date columns; `undated` is the period of files without one. The
/// caller holds the writer lock.
pub fn import_files(
    ws: &Workspace,
    files: &[PathBuf],
    period: Option<Period>,
    undated: Option<Period>,
    rejects: &mut batch::Rejects,
    manifest: &mut Manifest,
) -> anyhow::Result<(u64, WriteSummary)> {
    let config = ImportConfig::load(&ws.config_path())?;

    let mut builder = TableBuilder::new();
    let table_path = ws.table_path();
    if table_path.exists() {
        let table = KeywordTable::open(&table_path)?;
        builder.extend_from_table(&table)?;
    }
    let mut imported = 0u64;
    for file in files {
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

/// `keywords derive`: keyword rows computed from the listing index (see
/// [`crate::market::derive`]), merged into the table under the writer lock. The rows of an
/// earlier derive over the same period are replaced, not merged: a fresh count of the same
/// listings supersedes the old one. Measured rows of any period still win (table merge rules).
pub fn derive(settings: &Settings, args: &DeriveArgs, dicts: Dictionaries) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let ws = Workspace::open(&settings.workspace)?;
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let lock = ws.lock(&command)?;
    let dir = ws.index_dir();
    anyhow::ensure!(
        ListingIndex::exists(&dir),
        "{}: no listing index to derive keywords from; build one with `baobei index add FILE... --role ROLE`",
        dir.display()
    );
    let segmenter = Arc::new(Segmenter::new(Arc::new(dicts)));
    let index = ListingIndex::create_or_open(&dir, segmenter)?;

    let mut rejects = batch::Rejects::in_lang(settings.quiet, settings.lang);
    let queries = match &args.queries {
        Some(path) => read_queries(path, &mut rejects)?,
        None => Vec::new(),
    };
    anyhow::ensure!(
        args.queries.is_some() || ws.queries_path().exists(),
        "{}: no search queries to derive keywords from: a keyword is a real query; give a query \
         log or keyword list with `--queries FILE` (it is kept in the workspace for later runs)",
        ws.root().display()
    );
    let options = DeriveOptions {
        category: args.category.clone(),
    };
    let mut manifest = ws.manifest()?;
    let listings = index.listings()?;
    let bar = progress(settings.quiet, "queries");
    let (rows, written, derived) = derive_into(
        &ws,
        &index,
        &listings,
        &fingerprint_of(&listings),
        &queries,
        &options,
        args.queries.as_deref(),
        rejects.len(),
        &mut manifest,
        &|n| bar.inc(n),
    )?;
    bar.finish_and_clear();
    let table_path = ws.table_path();
    lock.save_manifest(&manifest)?;
    drop(lock);

    rejects.finish(args.rejects.as_deref(), None, args.queries.as_deref())?;
    if rows == 0 {
        let lang = settings.lang;
        let scope = args
            .category
            .as_deref()
            .map(|c| match lang {
                Lang::Zh => format!("类目「{c}」的"),
                Lang::En => format!(" of category {c}"),
            })
            .unwrap_or_default();
        let (queries, listings) = (derived.candidates, derived.listings);
        match (lang, listings) {
            (Lang::Zh, 0) => eprintln!(
                "baobei: 没有推导出关键词：索引中没有{scope}宝贝；请对照 `baobei index stats` \
                 检查 --category"
            ),
            (Lang::Zh, _) => eprintln!(
                "baobei: 没有推导出关键词：{queries} 个不同的搜索词在 {listings} 个{scope}宝贝中\
                 都没有找到；请用 --queries FILE 给出本市场的搜索词日志"
            ),
            (Lang::En, 0) => eprintln!(
                "baobei: no keyword derived: the index holds no listing{scope}; check \
                 --category against `baobei index stats`"
            ),
            (Lang::En, _) => eprintln!(
                "baobei: no keyword derived: none of the {queries} distinct queries is found \
                 for any of the {listings} listings{scope}; give a query log of this market \
                 with --queries FILE"
            ),
        }
    }
    if !settings.quiet {
        let period = derived
            .period
            .map(period_text)
            .unwrap_or_else(|| "-".into());
        let (distinct, lines, listings) = (derived.candidates, derived.queries, derived.listings);
        let (secs, table, keywords) = (
            started.elapsed().as_secs_f64(),
            table_path.display(),
            written.rows,
        );
        match settings.lang {
            Lang::Zh => eprintln!(
                "baobei: 从 {listings} 个宝贝（{period}）推导出 {rows} 个关键词（{lines} 行搜索词中\
                 的 {distinct} 个不同搜索词里，至少一个宝贝能找到的），用时 {secs:.2} 秒；\
                 {table} 现有 {keywords} 个关键词"
            ),
            Lang::En => eprintln!(
                "baobei: derived {rows} keywords (queries found by at least one listing, of \
                 {distinct} distinct queries in {lines} query lines) from {listings} listings \
                 over {period} in {secs:.2} s; {table} now holds {keywords} keywords"
            ),
        }
    }
    Ok(if rejects.is_empty() {
        Exit::Ok
    } else {
        Exit::Rejected
    })
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
) -> anyhow::Result<(usize, WriteSummary, derivation::Derivation)> {
    let kept;
    let queries = if queries_file.is_some() {
        ws.keep_queries(queries)?;
        queries
    } else {
        kept = ws.queries()?;
        &kept
    };
    let derived = derivation::derive_from(listings, index.segmenter(), queries, options, progress);

    let mut builder = TableBuilder::new();
    let table_path = ws.table_path();
    if table_path.exists() {
        // Verified: a rebuild must not carry damage into a file with a fresh checksum.
        let table = KeywordTable::open_verified(&table_path)?;
        for row in table.iter() {
            let row = row?;
            let replaced =
                row.stats.source == Source::Derived && Some(row.stats.period) == derived.period;
            if !replaced {
                builder.insert(row.keyword, row.category, row.stats)?;
            }
        }
    }
    let rows = derived.insert_into(&mut builder)?;
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
    Ok((rows, written, derived))
}

/// Reads queries: a TSV (or a text file whose first line has a tab) as headerless
/// `qid<TAB>query`, a text file as one query per line, anything else by its header
/// (a 关键词/query column, else a title column).
pub fn read_queries(path: &Path, rejects: &mut batch::Rejects) -> anyhow::Result<Vec<String>> {
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
                    &"no query in the row",
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

/// A spinner counting `unit` on a terminal; hidden when quiet or when stderr is piped.
pub fn progress(quiet: bool, unit: &str) -> ProgressBar {
    if quiet || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let template = format!("{{spinner}} {{human_pos}} {unit}  {{per_sec}}  {{elapsed}}");
    let bar = ProgressBar::new_spinner()
        .with_style(ProgressStyle::with_template(&template).expect("valid progress template"));
    bar.set_draw_target(ProgressDrawTarget::stderr());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
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

fn open_table(settings: &Settings) -> anyhow::Result<KeywordTable> {
    let ws = Workspace::at(&settings.workspace);
    let path = ws.table_path();
    if !path.exists() {
        anyhow::bail!(
            "{}: no keyword table yet; import keyword exports with `baobei keywords import FILE...`",
            path.display()
        );
    }
    Ok(KeywordTable::open(&path)?)
}

/// `keywords show`: one record per word, in order; a word not in the table gives a record
/// marked not found (JSON `"found": false`, CSV source `(not found)`). Tables and CSV leave
/// out the columns no row has a value in.
pub fn show(settings: &Settings, args: &ShowArgs) -> anyhow::Result<Exit> {
    let table = open_table(settings)?;
    let format = settings
        .format
        .unwrap_or_else(|| Sink::default_format(args.output.as_deref()));
    let mut sink = Sink::open(args.output.as_deref(), format)?;
    // A keyword is a set of words: one asked in another order or spacing (宝宝儿童 for
    // 儿童宝宝) is looked up by its words, in one pass over the table, only when needed.
    let mut by_words: Option<(
        crate::title::Segmenter,
        std::collections::HashMap<String, usize>,
    )> = None;
    // 16 figures, most of them empty for derived keywords: only those the rows have.
    sink.hide_empty_columns();
    for word in &args.words {
        let mut row = table.get(word)?;
        if row.is_none() {
            let (segmenter, index) = match &by_words {
                Some(built) => built,
                None => {
                    let segmenter = super::segmenter(settings)?;
                    let mut index = std::collections::HashMap::new();
                    for (n, r) in table.iter().enumerate() {
                        let key = recall::query_key(&recall::query_words(&segmenter, r?.keyword));
                        index.entry(key).or_insert(n);
                    }
                    by_words.insert((segmenter, index))
                }
            };
            let key = recall::query_key(&recall::query_words(segmenter, word));
            if let Some(&n) = index.get(&key) {
                row = table.iter().nth(n).transpose()?;
            }
        }
        let record = ShowRecord {
            query: word.clone(),
            found: row.is_some(),
            row: row.map_or_else(StatsRecord::default, |r| {
                StatsRecord::new(r.keyword, r.category, &r.stats)
            }),
        };
        sink.write(&record)?;
    }
    sink.finish()?;
    Ok(Exit::Ok)
}

/// `keywords top`: the best keywords by the chosen score. Without `--by`, by expected buyers,
/// or by demand when no keyword has the CTR and CVR those need (a workspace of derived
/// keywords), said on stderr. An empty answer always says why. Tables and CSV leave out the
/// columns no row has a value in.
pub fn top(settings: &Settings, args: &TopArgs) -> anyhow::Result<Exit> {
    let table = open_table(settings)?;
    // Rising words need support: a growth rate over one or two listings is noise. By default
    // that holds where the count is known (derived rows); an export's measured growth without
    // 在线商品数 stands.
    let (min_items, strict) = match args.min_items {
        Some(n) => (n, true),
        None => (
            if matches!(args.by, Some(RankArg::Growth)) {
                5
            } else {
                0
            },
            false,
        ),
    };
    let rank = |by: RankBy| {
        table.top_by(args.limit, args.category.as_deref(), |s| {
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
    let (by, rows) = match args.by {
        Some(arg) => {
            let by = match arg {
                RankArg::Value => RankBy::Value,
                RankArg::Growth => RankBy::Growth,
                RankArg::Demand => RankBy::Demand,
            };
            (by, rank(by)?)
        }
        None => match rank(RankBy::Value)? {
            rows if !rows.is_empty() || args.limit == 0 => (RankBy::Value, rows),
            none => match rank(RankBy::Demand)? {
                rows if rows.is_empty() => (RankBy::Value, none),
                rows => {
                    eprintln!(
                        "baobei: {}",
                        settings.lang.pick(
                            "按需求排序：这里没有关键词带有估算买家所需的点击率和转化率\
                             （从宝贝推导的关键词没有；生意参谋导出的有）",
                            "ranked by demand (需求): no keyword here has the CTR and CVR that \
                             expected buyers need (keywords derived from listings lack them; a \
                             生意参谋 export has them)"
                        )
                    );
                    (RankBy::Demand, rows)
                }
            },
        },
    };
    let format = settings
        .format
        .unwrap_or_else(|| Sink::default_format(args.output.as_deref()));
    let mut sink = Sink::open(args.output.as_deref(), format)?;
    // 16 figures, most of them empty for derived keywords: only those the rows have.
    sink.hide_empty_columns();
    for (i, (score, row)) in rows.iter().enumerate() {
        sink.write(&TopRecord {
            rank: i + 1,
            score: *score,
            row: StatsRecord::new(row.keyword, row.category, &row.stats),
        })?;
    }
    sink.finish()?;
    if rows.is_empty() {
        let why = why_none(&table, args, min_items, by, args.by.is_none())?;
        eprintln!("baobei: no keyword to show: {why}");
    }
    Ok(Exit::Ok)
}

/// Why `keywords top` found nothing, and what to do: the first filter that left nothing.
/// `auto`: the ranking was not asked for, so demand stood in where expected buyers lack.
fn why_none(
    table: &KeywordTable,
    args: &TopArgs,
    min_items: u64,
    mut by: RankBy,
    auto: bool,
) -> anyhow::Result<String> {
    if args.limit == 0 {
        return Ok("--limit 0 asks for none".into());
    }
    let category = args.category.as_deref().map(str::trim);
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
    let scope = match category {
        Some(c) => format!(" of category {c}"),
        None => String::new(),
    };
    Ok(if total == 0 {
        "the keyword table is empty: import exports with `baobei keywords import FILE`, or \
         derive keywords from indexed listings with `baobei keywords derive`"
            .into()
    } else if in_category == 0 {
        let c = category.unwrap_or_default();
        let list: Vec<String> = categories.into_iter().collect();
        format!(
            "no keyword of category {c}; the table's categories include: {}",
            list.join(", ")
        )
    } else if scored == 0 {
        match by {
            RankBy::Value => format!(
                "no keyword{scope} has the CTR and CVR that expected buyers need (derived \
                 keywords lack them): rank with --by demand, or import a 生意参谋 export"
            ),
            RankBy::Growth => format!(
                "no keyword{scope} has a growth figure: growth needs two periods (import an \
                 older export too, or derive from listings indexed on two days)"
            ),
            RankBy::Demand => format!(
                "no keyword{scope} has a demand figure (搜索人气 or derived sales): import an \
                 export with 搜索人气, or run `baobei keywords derive`"
            ),
        }
    } else {
        format!(
            "{scored} keyword(s){scope} have the figure, but none has at least {} online items \
             (在线商品数): lower --min-items",
            min_items
        )
    })
}

/// A keyword's statistics as output: fractions stay fractions (CTR `0.0325`), as in the table.
#[derive(Debug, Default, Serialize)]
pub struct StatsRecord {
    pub keyword: String,
    pub category: String,
    pub period: String,
    pub source: String,
    pub popularity: Option<f64>,
    pub demand: Option<f64>,
    pub heat: Option<f64>,
    pub ctr: Option<f64>,
    pub cvr: Option<f64>,
    pub click_popularity: Option<f64>,
    pub trade_index: Option<f64>,
    pub online_items: Option<u64>,
    pub tmall_click_share: Option<f64>,
    pub reference_cpc: Option<f64>,
    pub growth: Option<f64>,
    pub expected_buyers: Option<f64>,
}

const STATS_HEADERS: [&str; 16] = [
    "关键词",
    "类目",
    "统计周期",
    "来源",
    "搜索人气",
    "需求(还原)",
    "搜索热度",
    "点击率",
    "支付转化率",
    "点击人气",
    "交易指数",
    "在线商品数",
    "商城点击占比",
    "直通车参考价",
    "增长",
    "预期买家",
];

impl StatsRecord {
    pub fn new(keyword: &str, category: &str, s: &KeywordStats) -> StatsRecord {
        StatsRecord {
            keyword: keyword.to_owned(),
            category: category.to_owned(),
            period: period_text(s.period),
            source: s.source.to_string(),
            popularity: s.popularity,
            demand: s.demand,
            heat: s.heat,
            ctr: s.ctr,
            cvr: s.cvr,
            click_popularity: s.click_popularity,
            trade_index: s.trade_index,
            online_items: s.online_items,
            tmall_click_share: s.tmall_click_share,
            reference_cpc: s.reference_cpc,
            growth: s.growth,
            expected_buyers: s.expected_buyers(),
        }
    }

    fn cells(&self) -> Vec<String> {
        let n = |x: Option<f64>| x.map(number_text).unwrap_or_default();
        vec![
            self.keyword.clone(),
            self.category.clone(),
            self.period.clone(),
            self.source.clone(),
            n(self.popularity),
            n(self.demand),
            n(self.heat),
            n(self.ctr),
            n(self.cvr),
            n(self.click_popularity),
            n(self.trade_index),
            self.online_items.map(|x| x.to_string()).unwrap_or_default(),
            n(self.tmall_click_share),
            n(self.reference_cpc),
            n(self.growth),
            n(self.expected_buyers),
        ]
    }
}

/// `2026-11-11`, or `2026-11-01~2026-11-07` for a longer period.
pub fn period_text(p: Period) -> String {
    let day = |d: u32| format!("{:04}-{:02}-{:02}", d / 10_000, d / 100 % 100, d % 100);
    if p.start == p.end {
        day(p.end)
    } else {
        format!("{}~{}", day(p.start), day(p.end))
    }
}

/// Six decimals at most, trailing zeros dropped: exact enough for a rate (0.0001%), without
/// the binary noise of `2.67 / 100`.
fn number_text(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// `keywords show` output for one word.
#[derive(Debug, Serialize)]
pub struct ShowRecord {
    pub query: String,
    pub found: bool,
    #[serde(flatten)]
    pub row: StatsRecord,
}

impl Record for ShowRecord {
    const HEADERS: &'static [&'static str] = &{
        let mut h = [""; 17];
        h[0] = "查询词";
        let mut i = 0;
        while i < STATS_HEADERS.len() {
            h[i + 1] = STATS_HEADERS[i];
            i += 1;
        }
        h
    };
    fn rows(&self, out: &mut Vec<Vec<String>>) {
        let mut cells = vec![self.query.clone()];
        cells.extend(self.row.cells());
        if !self.found {
            cells[4] = "(not found)".to_owned();
        }
        out.push(cells);
    }
}

/// `keywords top` output for one keyword.
#[derive(Debug, Serialize)]
pub struct TopRecord {
    pub rank: usize,
    pub score: f64,
    #[serde(flatten)]
    pub row: StatsRecord,
}

impl Record for TopRecord {
    const HEADERS: &'static [&'static str] = &{
        let mut h = [""; 18];
        h[0] = "排名";
        h[1] = "得分";
        let mut i = 0;
        while i < STATS_HEADERS.len() {
            h[i + 2] = STATS_HEADERS[i];
            i += 1;
        }
        h
    };
    fn rows(&self, out: &mut Vec<Vec<String>>) {
        let mut cells = vec![self.rank.to_string(), number_text(self.score)];
        cells.extend(self.row.cells());
        out.push(cells);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_periods_print_plainly() {
        assert_eq!(number_text(2.67 / 100.0), "0.0267");
        assert_eq!(number_text(406_422.0), "406422");
        assert_eq!(number_text(-0.0000001), "0");
        assert_eq!(period_text(Period::day(20261111)), "2026-11-11");
        assert_eq!(
            period_text(Period::new(20261101, 20261107)),
            "2026-11-01~2026-11-07"
        );
    }

    #[test]
    fn headers_match_cells() {
        let r = StatsRecord::default();
        assert_eq!(r.cells().len(), STATS_HEADERS.len());
        let mut out = Vec::new();
        ShowRecord {
            query: "x".into(),
            found: false,
            row: r,
        }
        .rows(&mut out);
        assert_eq!(out[0].len(), ShowRecord::HEADERS.len());
        assert_eq!(out[0][4], "(not found)");
        assert_eq!(ShowRecord::HEADERS[4], "来源");
        assert_eq!(TopRecord::HEADERS[2], "关键词");
    }
}
