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
use crate::lang::Lang;
use crate::market::index::ListingIndex;
use crate::market::table::KeywordTable;
use crate::market::workspace::Workspace;
use crate::title::Segmenter;
use crate::title::edit::{Change, Editor, Kept, Rewrite};
use crate::title::lint::Problem;
use crate::title::score::{Check, KeywordValue, LISTED, Scorer, Suggestion, round};

/// The market a run scores against, built once.
pub struct Market {
    pub universe: KeywordUniverse,
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
    Ok(Market { universe })
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
            e @ (ItemError::NoTitle { .. } | ItemError::Negative { .. }) => {
                Reject::new(record.location().to_string(), &e, record.raw().into_owned())
            }
        })
    }))
}

/// How many queries, of how much value.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Recall {
    pub queries: usize,
    pub value: f64,
}

impl Recall {
    fn of(found: &[(u32, f64)]) -> Recall {
        Recall {
            queries: found.len(),
            value: round(found.iter().map(|x| x.1).sum()),
        }
    }
}

/// Queries by value, most valuable first, at most `LISTED`.
fn top(scorer: &Scorer<'_>, list: &[(u32, f64)]) -> Vec<KeywordValue> {
    let mut sorted = list.to_vec();
    sorted.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    sorted.truncate(LISTED);
    scorer.values(sorted)
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

/// `score` output for one title: which real queries it is found for.
#[derive(Debug, Serialize)]
pub struct ScoreRecord {
    pub id: String,
    pub title: String,
    pub bytes: usize,
    pub score: f64,
    /// The queries the title is found for.
    pub found: Recall,
    /// The queries the item could be found for (every word true of it).
    pub reachable: Recall,
    /// The most valuable queries found.
    pub queries: Vec<KeywordValue>,
    /// The most valuable reachable queries not found.
    pub missing: Vec<KeywordValue>,
    /// Valuable relevant queries needing words the item does not state.
    pub suggestions: Vec<Suggestion>,
    pub checks: Vec<Check>,
    pub problems: Vec<Problem>,
    /// The language the table and CSV columns are written in.
    #[serde(skip)]
    pub lang: Lang,
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

impl ScoreRecord {
    pub fn new(editor: &Editor<'_>, item: &Item, lang: Lang) -> Self {
        let scorer = &editor.scorer;
        let u = scorer.universe;
        let s = editor.score_item(item);
        let missing: Vec<(u32, f64)> = s
            .score
            .missing
            .iter()
            .map(|&k| (k, u.keyword(k).value.value))
            .collect();
        ScoreRecord {
            id: item.id.clone(),
            title: item.title.clone(),
            bytes: s.bytes,
            score: s.score.score,
            found: Recall::of(&s.score.found),
            reachable: Recall {
                queries: s.score.reachable,
                value: round(s.score.reachable_value),
            },
            queries: top(scorer, &s.score.found),
            missing: scorer.values(missing),
            suggestions: scorer.suggestions(&s.candidates, &s.true_words, &s.subject, 5),
            checks: s.score.checks,
            problems: s.problems,
            lang,
        }
    }
}

/// `rewrite` output for one item: the edited title, what changed and the queries it gains
/// and loses.
#[derive(Debug, Serialize)]
pub struct RewriteRecord {
    pub id: String,
    pub title: String,
    pub new_title: String,
    pub bytes: usize,
    pub new_bytes: usize,
    pub score: f64,
    pub new_score: f64,
    /// Queries found before and after.
    pub recall: Recall,
    pub new_recall: Recall,
    /// The most valuable queries gained and lost, by name.
    pub gained: Vec<KeywordValue>,
    pub lost: Vec<KeywordValue>,
    /// Words added and removed.
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Each change, structured.
    pub changes: Vec<Change>,
    pub suggestions: Vec<Suggestion>,
    pub upper_bound: f64,
    /// Why the original title was kept, when it was.
    pub kept: Option<Kept>,
    /// Why, for a person, in the run's language (the structured form is `changes` and
    /// `kept`).
    pub reason: String,
}

impl RewriteRecord {
    pub fn new(scorer: &Scorer<'_>, item: &Item, r: Rewrite, lang: Lang) -> Self {
        let reason = r.reason(lang);
        let (added, removed) = r.words();
        RewriteRecord {
            id: item.id.clone(),
            title: item.title.clone(),
            new_title: r.title,
            bytes: r.old.bytes,
            new_bytes: r.new_bytes,
            score: r.old.score.score,
            new_score: r.new_score.score,
            recall: Recall::of(&r.old.score.found),
            new_recall: Recall::of(&r.new_score.found),
            gained: top(scorer, &r.gained),
            lost: top(scorer, &r.lost),
            added,
            removed,
            changes: r.changes,
            suggestions: r.suggestions,
            upper_bound: round(r.upper_bound),
            kept: r.kept,
            reason,
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

pub fn editor<'a>(settings: &Settings, m: &'a Market) -> Editor<'a> {
    Editor {
        scorer: Scorer {
            universe: &m.universe,
            budget: settings.budget,
        },
    }
}

pub fn score(
    settings: &Settings,
    args: &TitleArgs,
    segmenter: Arc<Segmenter>,
) -> anyhow::Result<Exit> {
    let m = market(settings, segmenter)?;
    let c = editor(settings, &m);
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
    let mut sink = Sink::open(args.output.as_deref(), format)?.with_headers::<ScoreRecord>();
    let summary = batch::run(
        all,
        &mut sink,
        settings.quiet,
        settings.lang,
        |item: &Item| ScoreRecord::new(&c, item, settings.lang),
    )?;
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
    let c = editor(settings, &m);
    let format = settings
        .format
        .unwrap_or_else(|| Sink::default_format(args.output.as_deref()));
    // A dry run writes its records to a temporary file that is never moved into place.
    let scratch = tempfile::tempdir().context("cannot create a temporary directory")?;
    let mut sink = match args.dry_run {
        true => Sink::open(Some(&scratch.path().join("discard")), format)?,
        false => Sink::open(args.output.as_deref(), format)?,
    }
    .with_headers::<RewriteRecord>();
    let stats = std::sync::Mutex::new(DryRun::default());
    let summary = batch::run(
        items(&args.input)?,
        &mut sink,
        settings.quiet,
        settings.lang,
        |item: &Item| {
            let record = RewriteRecord::new(&c.scorer, item, c.rewrite(item), settings.lang);
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
            "{} 个宝贝：改动 {} 个（{:.1}%），命中搜索词 {} → {} 个（{:+.1}%），失去搜索词的宝贝 {} 个；得分中位数 {:.1} → {:.1}；每秒 {:.0} 个",
            stats.items,
            stats.changed,
            100.0 * stats.changed as f64 / stats.items.max(1) as f64,
            stats.found,
            stats.new_found,
            100.0 * (stats.new_value - stats.value) / stats.value.max(1e-9),
            stats.losing,
            median(&mut stats.old),
            median(&mut stats.new),
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
    found: usize,
    new_found: usize,
    value: f64,
    new_value: f64,
    losing: usize,
    old: Vec<f64>,
    new: Vec<f64>,
}

impl DryRun {
    fn add(&mut self, r: &RewriteRecord) {
        self.items += 1;
        self.changed += usize::from(r.new_title != r.title);
        self.found += r.recall.queries;
        self.new_found += r.new_recall.queries;
        self.value += r.recall.value;
        self.new_value += r.new_recall.value;
        self.losing += usize::from(r.new_recall.value < r.recall.value);
        self.old.push(r.score);
        self.new.push(r.new_score);
    }
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
