//! `score` and `rewrite`: the title engine ([`crate::engine`]) over the workspace's keyword
//! table and listing index, its records as tables and CSV.

use std::io::{self, Write};
use std::sync::Arc;

use anyhow::Context;

use super::args::{RewriteArgs, TitleArgs};
use super::batch;
use super::output::{Record, Sink};
use super::{Exit, Settings};
use crate::batch::Reject;
use crate::engine::{self, Market, RewriteRecord, RewriteStats, ScoreRecord};
use crate::item::Item;
use crate::lang::Lang;
use crate::market::workspace::Workspace;
use crate::text::Segmenter;
use crate::title::score::{KeywordValue, Suggestion};

/// The workspace's market, opened with the dictionaries of `segmenter`.
pub fn market(settings: &Settings, segmenter: Arc<Segmenter>) -> anyhow::Result<Market> {
    let ws = Workspace::at(&settings.workspace);
    Ok(Market::open(&ws, &settings.engine(segmenter))?)
}

fn join(list: &[KeywordValue]) -> String {
    list.iter()
        .map(|k| format!("{}({})", k.keyword, k.value))
        .collect::<Vec<_>>()
        .join(" ")
}

fn join_suggestions(list: &[Suggestion]) -> String {
    list.iter()
        .map(|s| format!("{}(需确认:{})", s.keyword, s.lacking.join("+")))
        .collect::<Vec<_>>()
        .join(" ")
}

impl Record for ScoreRecord {
    const HEADERS: &'static [&'static str] = &[
        "ID",
        "标题",
        "字节数",
        "得分",
        "命中搜索词数",
        "命中价值",
        "可达价值",
        "命中搜索词",
        "未命中搜索词",
        "建议(需确认)",
        "问题",
    ];
    fn rows(&self, out: &mut Vec<Vec<String>>) {
        out.push(vec![
            self.id.clone(),
            self.title.clone(),
            self.bytes.to_string(),
            format!("{:.1}", self.score),
            self.found.queries.to_string(),
            self.found.value.to_string(),
            self.reachable.value.to_string(),
            join(&self.queries),
            join(&self.missing),
            join_suggestions(&self.suggestions),
            self.checks
                .iter()
                .map(|c| c.describe(self.lang))
                .collect::<Vec<_>>()
                .join(self.lang.pick("；", "; ")),
        ]);
    }
}

impl Record for RewriteRecord {
    const HEADERS: &'static [&'static str] = &[
        "ID",
        "原标题",
        "新标题",
        "原字节数",
        "新字节数",
        "原得分",
        "新得分",
        "原搜索词数",
        "新搜索词数",
        "原价值",
        "新价值",
        "新增搜索词",
        "失去搜索词",
        "新增词",
        "删除词",
        "说明",
    ];
    fn rows(&self, out: &mut Vec<Vec<String>>) {
        out.push(vec![
            self.id.clone(),
            self.title.clone(),
            self.new_title.clone(),
            self.bytes.to_string(),
            self.new_bytes.to_string(),
            format!("{:.1}", self.score),
            format!("{:.1}", self.new_score),
            self.recall.queries.to_string(),
            self.new_recall.queries.to_string(),
            self.recall.value.to_string(),
            self.new_recall.value.to_string(),
            join(&self.gained),
            join(&self.lost),
            self.added.join(" "),
            self.removed.join(" "),
            self.reason.clone(),
        ]);
    }
}

pub fn score(
    settings: &Settings,
    args: &TitleArgs,
    segmenter: Arc<Segmenter>,
) -> anyhow::Result<Exit> {
    let m = market(settings, segmenter)?;
    let format = settings
        .format
        .unwrap_or_else(|| Sink::default_format(args.output.as_deref()));
    let mut all: Box<dyn Iterator<Item = Result<Item, Reject>>> =
        Box::new(args.titles.iter().enumerate().map(|(i, t)| {
            super::titles::checked_arg(i, t)?;
            Ok(Item::new((i + 1).to_string(), t.clone()))
        }));
    if let Some(path) = super::title_file(args, settings.lang)? {
        all = Box::new(all.chain(engine::items(path)?));
    }
    let mut sink = Sink::open(args.output.as_deref(), format)?.with_headers::<ScoreRecord>();
    let summary = batch::run(
        all,
        &mut sink,
        settings.quiet,
        settings.lang,
        |item: &Item| m.score(item),
    )?;
    sink.finish()?;
    batch::finish_rejects(
        &summary.rejects,
        settings.lang,
        args.rejects.as_deref(),
        args.output.as_deref(),
        args.input.as_deref(),
    )?;
    Ok(if summary.rejects.is_empty() {
        Exit::Ok
    } else {
        Exit::Rejected
    })
}

pub fn rewrite(
    settings: &Settings,
    args: &RewriteArgs,
    segmenter: Arc<Segmenter>,
) -> anyhow::Result<Exit> {
    let m = market(settings, segmenter)?;
    let format = settings
        .format
        .unwrap_or_else(|| Sink::default_format(args.output.as_deref()));
    // A dry run writes its records to a temporary file that is never moved into place.
    let scratch = tempfile::tempdir().context(
        settings
            .lang
            .pick("无法创建临时目录", "cannot create a temporary directory"),
    )?;
    let mut sink = match args.dry_run {
        true => Sink::open(Some(&scratch.path().join("discard")), format)?,
        false => Sink::open(args.output.as_deref(), format)?,
    }
    .with_headers::<RewriteRecord>();
    let stats = std::sync::Mutex::new(RewriteStats::default());
    let summary = batch::run(
        engine::items(&args.input)?,
        &mut sink,
        settings.quiet,
        settings.lang,
        |item: &Item| {
            let record = m.rewrite(item);
            stats.lock().expect("stats").add(&record);
            record
        },
    )?;
    let mut stats = stats.into_inner().expect("stats");
    if !args.dry_run {
        sink.finish()?;
    }
    batch::finish_rejects(
        &summary.rejects,
        settings.lang,
        args.rejects.as_deref(),
        args.output.as_deref(),
        Some(&args.input),
    )?;
    if args.dry_run || (!settings.quiet && summary.done >= 1000) {
        let secs = summary.elapsed.as_secs_f64();
        let (old, new) = stats.medians();
        let (items, changed) = (stats.items, stats.changed);
        let share = 100.0 * changed as f64 / items.max(1) as f64;
        let (found, new_found, losing) = (stats.found, stats.new_found, stats.losing);
        let gain = 100.0 * (stats.new_value - stats.value) / stats.value.max(1e-9);
        let rate = summary.done as f64 / secs.max(1e-9);
        let line = match settings.lang {
            Lang::Zh => format!(
                "{items} 个宝贝：改动 {changed} 个（{share:.1}%）；命中搜索词 {found} → {new_found} 个，\
                 搜索词价值 {gain:+.1}%；失去搜索词的宝贝 {losing} 个；得分中位数 {old:.1} → {new:.1}；\
                 每秒 {rate:.0} 个"
            ),
            Lang::En => format!(
                "{items} items: {changed} changed ({share:.1}%); found for {found} -> {new_found} \
                 queries, query value {gain:+.1}%; {losing} items lose queries; median score \
                 {old:.1} -> {new:.1}; {rate:.0}/s"
            ),
        };
        if args.dry_run {
            writeln!(io::stdout(), "{line}")?;
        } else {
            eprintln!("baobei: {}{line}", settings.lang.pick("改写 ", "rewrote "));
        }
    }
    Ok(if summary.rejects.is_empty() {
        Exit::Ok
    } else {
        Exit::Rejected
    })
}
