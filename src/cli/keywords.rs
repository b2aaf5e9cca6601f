//! `keywords import`, `keywords show`, `keywords top` and `keywords derive`: the keyword table
//! of the workspace.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use serde::Serialize;

use super::args::{DeriveArgs, ImportArgs, RankArg, ShowArgs, TopArgs};
use super::batch;
use super::output::{Record, Sink};
use super::{Exit, Settings};
use crate::dictionary::Dictionaries;
use crate::lang::Lang;
use crate::market::derive::DeriveOptions;
use crate::market::import::parse_period;
use crate::market::keywords::{self, Derived, Lookup, TopOptions};
use crate::market::table::{KeywordStats, KeywordTable, Period, RankBy};
use crate::market::workspace::Workspace;
use crate::text::Segmenter;

/// Warns when the workspace was built with other dictionaries than those in force.
pub fn warn_if_stale(settings: &Settings, dicts: &Dictionaries) -> anyhow::Result<()> {
    let ws = Workspace::at(&settings.workspace);
    if let Some(mismatch) = ws.check_dictionaries(dicts)? {
        let lang = settings.lang;
        eprintln!(
            "baobei: {}{}",
            lang.pick("警告：", "warning: "),
            mismatch.describe(lang)
        );
    }
    Ok(())
}

/// `keywords import` ([`keywords::import`]), its summary on stderr.
pub fn import(
    settings: &Settings,
    args: &ImportArgs,
    dicts: &Dictionaries,
) -> anyhow::Result<Exit> {
    let period = match args.date.as_deref() {
        None => None,
        Some(text) => Some(parse_period(text).ok().flatten().with_context(
            || match settings.lang {
                Lang::Zh => format!("--date: 不是日期或日期范围（开始~结束）：{text:?}"),
                Lang::En => format!("--date: not a date or date range (START~END): {text:?}"),
            },
        )?),
    };
    let ws = Workspace::open(&settings.workspace)?;
    let mut rejects = batch::rejects(settings.quiet, settings.lang);
    let (imported, written) =
        keywords::import(&ws, &args.files, period, dicts, &mut rejects, &holder())?;
    let table_path = ws.table_path();

    let first = args.files.first().map(|p| p.as_path());
    batch::finish_rejects(
        &rejects,
        settings.lang,
        args.rejects.as_deref(),
        None,
        first,
    )?;
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

/// `keywords derive` ([`keywords::derive`]), its summary on stderr; an empty answer says why.
pub fn derive(settings: &Settings, args: &DeriveArgs, dicts: Dictionaries) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let ws = Workspace::open(&settings.workspace)?;
    let mut rejects = batch::rejects(settings.quiet, settings.lang);
    let options = DeriveOptions {
        category: args.category.clone(),
    };
    let bar = batch::progress(settings.quiet, settings.lang.pick("个搜索词", "queries"));
    let done = keywords::derive(
        &ws,
        Arc::new(Segmenter::new(Arc::new(dicts))),
        args.queries.as_deref(),
        &options,
        &mut rejects,
        &holder(),
        &|n| bar.inc(n),
    );
    bar.finish_and_clear();
    let Derived {
        rows,
        written,
        derivation: derived,
    } = done?;
    let table_path = ws.table_path();

    batch::finish_rejects(
        &rejects,
        settings.lang,
        args.rejects.as_deref(),
        None,
        args.queries.as_deref(),
    )?;
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

/// Who holds the writer lock: the command line as typed, for a second writer to be told.
pub fn holder() -> String {
    std::env::args().collect::<Vec<_>>().join(" ")
}

fn open_table(settings: &Settings) -> anyhow::Result<KeywordTable> {
    let ws = Workspace::at(&settings.workspace);
    let path = ws.table_path();
    if !path.exists() {
        let path = path.display();
        match settings.lang {
            Lang::Zh => anyhow::bail!(
                "{path}: 还没有关键词表；请用 `baobei keywords import FILE...` 导入关键词导出文件"
            ),
            Lang::En => anyhow::bail!(
                "{path}: no keyword table yet; import keyword exports with `baobei keywords import FILE...`"
            ),
        }
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
    let mut lookup = Lookup::new(&table);
    // 16 figures, most of them empty for derived keywords: only those the rows have.
    sink.hide_empty_columns();
    for word in &args.words {
        let row = lookup.find(word, || super::segmenter(settings))?;
        let record = ShowRecord {
            query: word.clone(),
            found: row.is_some(),
            lang: settings.lang,
            row: row.map_or_else(StatsRecord::default, |r| {
                StatsRecord::new(r.keyword, r.category, &r.stats)
            }),
        };
        sink.write(&record)?;
    }
    sink.finish()?;
    Ok(Exit::Ok)
}

/// `keywords top` ([`keywords::top`]). Without `--by`, by expected buyers, or by demand when
/// no keyword has the CTR and CVR those need (a workspace of derived keywords), said on
/// stderr. An empty answer always says why. Tables and CSV leave out the columns no row has a
/// value in.
pub fn top(settings: &Settings, args: &TopArgs) -> anyhow::Result<Exit> {
    let table = open_table(settings)?;
    let options = TopOptions {
        limit: args.limit,
        category: args.category.clone(),
        by: args.by.map(|arg| match arg {
            RankArg::Value => RankBy::Value,
            RankArg::Growth => RankBy::Growth,
            RankArg::Demand => RankBy::Demand,
        }),
        min_items: args.min_items,
    };
    let top = keywords::top(&table, &options)?;
    if top.by_demand_instead {
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
    }
    let rows = &top.rows;
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
        let why = keywords::why_none(&table, &options, top.min_items, top.by)?;
        let lang = settings.lang;
        eprintln!(
            "baobei: {}{}",
            lang.pick("没有可显示的关键词：", "no keyword to show: "),
            why.describe(lang)
        );
    }
    Ok(Exit::Ok)
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
    /// The language the not-found mark is written in.
    #[serde(skip)]
    pub lang: Lang,
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
            cells[4] = self.lang.pick("（未找到）", "(not found)").to_owned();
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
        assert_eq!(StatsRecord::default().cells().len(), STATS_HEADERS.len());
        for (lang, mark) in [(Lang::Zh, "（未找到）"), (Lang::En, "(not found)")] {
            let mut out = Vec::new();
            ShowRecord {
                query: "x".into(),
                found: false,
                lang,
                row: StatsRecord::default(),
            }
            .rows(&mut out);
            assert_eq!(out[0].len(), ShowRecord::HEADERS.len());
            assert_eq!(out[0][4], mark);
        }
        assert_eq!(ShowRecord::HEADERS[4], "来源");
        assert_eq!(TopRecord::HEADERS[2], "关键词");
    }
}
