//! `score` and `rewrite`: the title engine over the workspace's keyword table and listing index.

use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use serde::Serialize;

use super::args::{RewriteArgs, TitleArgs};
use super::batch::{self, Reject};
use super::output::{Record, Sink};
use super::{Exit, Settings};
use crate::input::{self, Field};
use crate::item::{Item, ItemError};
use crate::keyword::{KeywordUniverse, UniverseOptions, ValueModel};
use crate::market::index::ListingIndex;
use crate::market::table::KeywordTable;
use crate::market::workspace::Workspace;
use crate::title::Segmenter;
use crate::title::compose::{ComposeOptions, Composer, Rewrite};
use crate::title::lint::Problem;
use crate::title::score::{Breakdown, KeywordValue, ScoreConfig, Scorer};

/// The market a run scores against, built once.
pub struct Market {
    pub universe: KeywordUniverse,
    pub config: ScoreConfig,
}

/// Opens the workspace's keyword table (and listing index, when there is one) and builds the
/// keyword universe; a clear error when there is no keyword data at all.
pub fn market(settings: &Settings, segmenter: Arc<Segmenter>) -> anyhow::Result<Market> {
    let ws = Workspace::at(&settings.workspace);
    let table_path = ws.table_path();
    let has_index = ListingIndex::exists(ws.index_dir());
    if !table_path.exists() {
        anyhow::bail!(
            "{}: no keyword table in the workspace: import a keyword export with `baobei keywords \
             import FILE`{}",
            ws.root().display(),
            if has_index {
                ", or derive keywords from the indexed listings with `baobei keywords derive`"
            } else {
                ", or index market listings with `baobei index add FILE` and then run \
                 `baobei keywords derive`"
            }
        );
    }
    let table = KeywordTable::open(&table_path)?;
    let model = ValueModel::load(&ws.config_path())?;
    let config = ScoreConfig::load(&ws.config_path())?;
    let options = UniverseOptions {
        budget: settings.budget,
        ..UniverseOptions::default()
    };
    let mut universe = KeywordUniverse::from_table(&table, segmenter.clone(), model, options)
        .with_context(|| format!("{}: cannot read the keyword table", table_path.display()))?;
    if has_index {
        let index = ListingIndex::create_or_open(ws.index_dir(), segmenter)?;
        universe = universe.with_index(Arc::new(index));
    }
    Ok(Market { universe, config })
}

/// The items of an input file; rows without a title, or with a bad value, are rejected.
pub fn items(path: &Path) -> anyhow::Result<impl Iterator<Item = Result<Item, Reject>> + use<>> {
    let options = input::Options {
        required: vec![Field::Title],
        ..Default::default()
    };
    let reader = input::open(path, &options)?;
    Ok(reader.map(|row| {
        let record = row.map_err(Reject::from)?;
        Item::from_record(&record).map_err(|e| match e {
            ItemError::Input(e) => Reject::from(e),
            e @ ItemError::NoTitle { .. } => {
                Reject::new(record.location().to_string(), &e, record.raw().into_owned())
            }
        })
    }))
}

/// `score` output for one title.
#[derive(Debug, Serialize)]
pub struct ScoreRecord {
    pub id: String,
    pub title: String,
    pub bytes: usize,
    pub score: f64,
    pub breakdown: Breakdown,
    pub covered: Vec<KeywordValue>,
    pub missing: Vec<KeywordValue>,
    pub problems: Vec<Problem>,
}

fn join(list: &[KeywordValue]) -> String {
    list.iter()
        .map(|k| format!("{}({})", k.keyword, k.value))
        .collect::<Vec<_>>()
        .join(" ")
}

impl Record for ScoreRecord {
    const HEADERS: &'static [&'static str] = &[
        "ID",
        "标题",
        "字节数",
        "得分",
        "覆盖分",
        "预算分",
        "扣分",
        "覆盖关键词",
        "缺失关键词",
        "问题",
    ];
    fn rows(&self, out: &mut Vec<Vec<String>>) {
        let b = &self.breakdown;
        out.push(vec![
            self.id.clone(),
            self.title.clone(),
            self.bytes.to_string(),
            format!("{:.1}", self.score),
            format!("{:.1}", b.coverage),
            format!("{:.1}", b.budget_use),
            b.penalties
                .iter()
                .map(|p| format!("{}-{}", p.kind, p.points))
                .collect::<Vec<_>>()
                .join(" "),
            join(&self.covered),
            join(&self.missing),
            self.problems
                .iter()
                .map(|p| format!("{}:{}", p.kind.as_str(), p.text))
                .collect::<Vec<_>>()
                .join(" "),
        ]);
    }
}

/// `rewrite` output for one item.
#[derive(Debug, Serialize)]
pub struct RewriteRecord {
    pub id: String,
    pub title: String,
    pub new_title: String,
    pub bytes: usize,
    pub new_bytes: usize,
    pub score: f64,
    pub new_score: f64,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub covered_gain: Vec<KeywordValue>,
    pub covered_lost: Vec<KeywordValue>,
    pub upper_bound: f64,
    pub reason: String,
}

impl RewriteRecord {
    pub fn new(scorer: &Scorer<'_>, item: &Item, r: Rewrite) -> Self {
        RewriteRecord {
            id: item.id.clone(),
            title: item.title.clone(),
            new_title: r.title,
            bytes: r.old.bytes,
            new_bytes: r.new_bytes,
            score: r.old.score.score,
            new_score: r.new_score.score,
            added: r.added,
            removed: r.removed,
            covered_gain: scorer.values(r.covered_gain),
            covered_lost: scorer.values(r.covered_lost),
            upper_bound: (r.upper_bound * 1000.0).round() / 1000.0,
            reason: r.reason,
        }
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
        "新增词",
        "删除词",
        "新覆盖关键词",
        "失去关键词",
        "覆盖上界",
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
            self.added.join(" "),
            self.removed.join(" "),
            join(&self.covered_gain),
            join(&self.covered_lost),
            format!("{}", self.upper_bound),
            self.reason.clone(),
        ]);
    }
}

pub fn composer<'a>(settings: &Settings, m: &'a Market, allow_new_words: bool) -> Composer<'a> {
    Composer {
        scorer: Scorer {
            universe: &m.universe,
            config: &m.config,
            budget: settings.budget,
        },
        options: ComposeOptions {
            budget: settings.budget,
            allow_new_words,
        },
    }
}

pub fn score(
    settings: &Settings,
    args: &TitleArgs,
    segmenter: Arc<Segmenter>,
) -> anyhow::Result<Exit> {
    let m = market(settings, segmenter)?;
    let c = composer(settings, &m, false);
    let format = settings
        .format
        .unwrap_or_else(|| Sink::default_format(args.output.as_deref()));
    let mut all: Box<dyn Iterator<Item = Result<Item, Reject>>> =
        Box::new(args.titles.iter().enumerate().map(|(i, t)| {
            super::titles::checked_arg(i, t)?;
            Ok(Item::new((i + 1).to_string(), t.clone()))
        }));
    if let Some(path) = super::title_file(args)? {
        all = Box::new(all.chain(items(path)?));
    }
    let mut sink = Sink::open(args.output.as_deref(), format)?;
    let summary = batch::run(all, &mut sink, settings.quiet, |item: &Item| {
        let s = c.score_item(item);
        ScoreRecord {
            id: item.id.clone(),
            title: item.title.clone(),
            bytes: s.bytes,
            score: s.score.score,
            breakdown: s.score.breakdown,
            covered: c.scorer.values(s.score.covered),
            missing: c.scorer.values(
                s.score
                    .missing
                    .iter()
                    .map(|&k| (k, m.universe.keyword(k).value.value)),
            ),
            problems: s.problems,
        }
    })?;
    sink.finish()?;
    summary.rejects.finish(
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
    let c = composer(settings, &m, args.allow_new_words);
    let format = settings
        .format
        .unwrap_or_else(|| Sink::default_format(args.output.as_deref()));
    // A dry run writes its records to a temporary file that is never moved into place.
    let scratch = tempfile::tempdir().context("cannot create a temporary directory")?;
    let mut sink = match args.dry_run {
        true => Sink::open(Some(&scratch.path().join("discard")), format)?,
        false => Sink::open(args.output.as_deref(), format)?,
    };
    let stats = std::sync::Mutex::new(DryRun::default());
    let summary = batch::run(
        items(&args.input)?,
        &mut sink,
        settings.quiet,
        |item: &Item| {
            let record = RewriteRecord::new(&c.scorer, item, c.rewrite(item));
            stats.lock().expect("stats").add(&record);
            record
        },
    )?;
    let mut stats = stats.into_inner().expect("stats");
    if !args.dry_run {
        sink.finish()?;
    }
    summary.rejects.finish(
        args.rejects.as_deref(),
        args.output.as_deref(),
        Some(&args.input),
    )?;
    if args.dry_run || (!settings.quiet && summary.done >= 1000) {
        let secs = summary.elapsed.as_secs_f64();
        let line = format!(
            "{} items: {} changed ({:.1}%), median score {:.1} -> {:.1}, median uplift {:+.1}; {:.0} items/s",
            stats.items,
            stats.changed,
            100.0 * stats.changed as f64 / stats.items.max(1) as f64,
            median(&mut stats.old),
            median(&mut stats.new),
            median(&mut stats.uplift),
            summary.done as f64 / secs.max(1e-9)
        );
        if args.dry_run {
            writeln!(io::stdout(), "{line}")?;
        } else {
            eprintln!("baobei: rewrote {line}");
        }
    }
    Ok(if summary.rejects.is_empty() {
        Exit::Ok
    } else {
        Exit::Rejected
    })
}

/// What a rewrite run did, for the summary line.
#[derive(Debug, Default)]
struct DryRun {
    items: usize,
    changed: usize,
    old: Vec<f64>,
    new: Vec<f64>,
    uplift: Vec<f64>,
}

impl DryRun {
    fn add(&mut self, r: &RewriteRecord) {
        self.items += 1;
        self.changed += usize::from(r.new_title != r.title);
        self.old.push(r.score);
        self.new.push(r.new_score);
        self.uplift.push(r.new_score - r.score);
    }
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
