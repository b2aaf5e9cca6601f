//! `index add`, `index stats` and `index rebuild`: the workspace's listing index
//! ([`crate::market::index::jobs`]), summaries on stderr.

use crate::lang::Lang;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use serde::Serialize;

use super::args::{IndexAddArgs, IndexStatsArgs};
use super::batch;
use super::keywords::holder;
use super::output::{Record, Sink};
use super::{Exit, Settings};
use crate::dictionary::Dictionaries;
use crate::input::parse_date;
use crate::market::index::Role;
use crate::market::index::jobs::{self, Added};
use crate::market::workspace::Workspace;
use crate::text::Segmenter;

/// The segmenter of `dicts`, for the index to tokenise titles with.
fn segmenter(dicts: Dictionaries) -> Arc<Segmenter> {
    Arc::new(Segmenter::new(Arc::new(dicts)))
}

/// `index add` ([`jobs::add`]), its summary on stderr.
pub fn add(settings: &Settings, args: &IndexAddArgs, dicts: Dictionaries) -> anyhow::Result<Exit> {
    let role = args
        .role
        .as_deref()
        .map(str::parse::<Role>)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let snapshot = match args.snapshot.as_deref() {
        None => None,
        Some(text) => Some(parse_date(text).ok().flatten().with_context(
            || match settings.lang {
                Lang::Zh => format!("--snapshot: 不是日期：{text:?}"),
                Lang::En => format!("--snapshot: not a date: {text:?}"),
            },
        )?),
    };
    let ws = Workspace::open(&settings.workspace)?;
    let mut rejects = batch::rejects(settings.quiet, settings.lang);
    let Added {
        upserted: done,
        day,
        index,
    } = jobs::add(
        &ws,
        segmenter(dicts),
        &args.files,
        role,
        snapshot,
        &mut rejects,
        &holder(),
    )?;
    let added = done.rows;

    let first = args.files.first().map(|p| p.as_path());
    batch::finish_rejects(
        &rejects,
        settings.lang,
        args.rejects.as_deref(),
        None,
        first,
    )?;
    if !settings.quiet {
        let lang = settings.lang;
        for (file, rows) in &done.undated {
            let file = file.display();
            match (lang, snapshot) {
                (Lang::Zh, Some(_)) => eprintln!(
                    "baobei: {file}：没有日期列：其 {rows} 行按 --snapshot {day} 的快照收录"
                ),
                (Lang::Zh, None) => eprintln!(
                    "baobei: {file}：没有日期列：其 {rows} 行按今天 {day} 的快照收录；\
                     用 --snapshot DATE 指定其他日期"
                ),
                (Lang::En, Some(_)) => eprintln!(
                    "baobei: {file}: no date column (日期): its {rows} row(s) are the --snapshot {day}"
                ),
                (Lang::En, None) => eprintln!(
                    "baobei: {file}: no date column (日期): its {rows} row(s) are today's snapshot, \
                     {day}; give another day with --snapshot DATE"
                ),
            }
        }
        index.reload()?;
        let stats = index.stats()?;
        let (files, listings, snapshots) =
            (args.files.len(), stats.listings, stats.snapshots.len());
        match lang {
            Lang::Zh => eprintln!(
                "baobei: 已从 {files} 个文件索引 {added} 行；共 {listings} 个宝贝，{snapshots} 个快照"
            ),
            Lang::En => eprintln!(
                "baobei: indexed {added} rows from {files} file(s); {listings} listings, \
                 {snapshots} snapshots"
            ),
        }
    }
    Ok(if rejects.is_empty() {
        Exit::Ok
    } else {
        Exit::Rejected
    })
}

/// `index rebuild` ([`jobs::rebuild`]), its summary on stderr.
pub fn rebuild(settings: &Settings, dicts: Dictionaries) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let ws = Workspace::open(&settings.workspace)?;
    let dir = ws.index_dir();
    let bar = batch::progress(settings.quiet, settings.lang.pick("个宝贝", "listings"));
    let summary = jobs::rebuild(&ws, segmenter(dicts), &holder(), |n| bar.inc(n));
    bar.finish_and_clear();
    let summary = summary?;
    if !settings.quiet {
        let (dir, listings, rows) = (dir.display(), summary.listings, summary.history_rows);
        let secs = started.elapsed().as_secs_f64();
        match settings.lang {
            Lang::Zh => eprintln!(
                "baobei: 已用当前词典重建 {dir}：{listings} 个宝贝，{rows} 行快照，用时 {secs:.2} 秒"
            ),
            Lang::En => eprintln!(
                "baobei: rebuilt {dir} with the current dictionaries: {listings} listings, \
                 {rows} snapshot rows in {secs:.2} s"
            ),
        }
    }
    Ok(Exit::Ok)
}

/// `index stats` ([`jobs::figures`]): one record per figure, so that it reads as a table and
/// as CSV alike.
pub fn stats(
    settings: &Settings,
    args: &IndexStatsArgs,
    dicts: Dictionaries,
) -> anyhow::Result<Exit> {
    let figures = jobs::figures(&Workspace::at(&settings.workspace), segmenter(dicts))?;
    let format = settings
        .format
        .unwrap_or_else(|| Sink::default_format(args.output.as_deref()));
    let mut sink = Sink::open(args.output.as_deref(), format)?;
    for figure in figures {
        sink.write(&Figure {
            name: figure.key(),
            label: figure.label(settings.lang),
            value: figure.value(settings.lang),
        })?;
    }
    sink.finish()?;
    Ok(Exit::Ok)
}

/// One figure of `index stats`: JSON keeps the stable `name`, tables and CSV show the label.
#[derive(Debug, Serialize)]
pub struct Figure {
    pub name: String,
    pub label: String,
    pub value: String,
}

impl Record for Figure {
    const HEADERS: &'static [&'static str] = &["项目", "数值"];
    fn rows(&self, out: &mut Vec<Vec<String>>) {
        out.push(vec![self.label.clone(), self.value.clone()]);
    }
}
