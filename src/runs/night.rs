//! The nightly job as one library call: [`run`] imports the night's files into the workspace
//! (only new or changed listings are re-indexed, in one commit), re-derives keyword
//! statistics when the market changed, re-scores every own item, proposes rewrites that clear
//! the threshold (not churning titles), reviews the through-train report, and writes it all as
//! one [`Run`](super::Run), built aside and renamed when complete.
//!
//! The CLI (`baobei rescore`), the demo and the bench all run it; none of them prints from
//! here: the outcome says what happened, progress goes to a callback, and rows set aside go to
//! the caller's [`Rejects`].
//!
//! **Speed and memory.** The index is read once after the imports and that one read serves the
//! fingerprint, the derive and (without `--listings`) the own items. Own items are scored in
//! chunks on every core while the previous chunk is written: scoring, history and JSON happen
//! in parallel, only counting and writing are serial, in input order, so the run files are the
//! same bytes for any thread count.
//!
//! **Timings** go in the run manifest's `timings` (seconds per stage, then `total`): like its
//! `started` and `finished` clock times they are a record of the machine, not data, and the
//! identity checks of runs compare the run files and the manifest's counts, never the rest
//! of the manifest.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use rayon::prelude::*;

use super::history::{HoldPolicy, Movers, Previous, ScoreChange, Verdict};
use super::report::{self, AdsOverview, Histogram, ReportData, RisingWord};
use super::{
    HeldBack, InputRecord, ItemScore, KeywordValue, LinesWriter, Proposal, ProposalStatus, Run,
    RunCounts, RunError, RunManifest, RunStore, files,
};
pub use crate::batch::{Reject, Rejects};
use crate::dictionary::Dictionaries;
use crate::engine::{self, Market};
use crate::input::{self, Date, Field};
use crate::item::Item;
use crate::lang::Lang;
use crate::market::derive::DeriveOptions;
use crate::market::index::{Listing, ListingIndex, Role, fingerprint_of, jobs};
use crate::market::table::{KeywordTable, Period, RankBy};
use crate::market::workspace::{Workspace, utc_now};
use crate::spreadsheet::spreadsheet_cell;
use crate::text::Segmenter;
use crate::title::edit::{Change, Editor};

/// Fallers, risers, opportunities and proposals shown in the report.
const SHOWN: usize = 50;
/// Missing keywords kept per item in `scores.jsonl`.
const MISSING_KEPT: usize = 10;
/// Items scored per parallel chunk: enough to keep both cores busy, small enough to stream.
const CHUNK: usize = 4096;

/// What a night runs on: the typed form of `baobei rescore`'s arguments.
#[derive(Debug, Clone)]
pub struct NightOptions {
    /// The workspace directory.
    pub workspace: PathBuf,
    /// Own listings; without them, the own listings already in the index are re-scored.
    pub listings: Vec<PathBuf>,
    /// Competitor listings (the market).
    pub competitors: Vec<PathBuf>,
    /// Keyword exports to merge into the keyword table.
    pub keywords: Vec<PathBuf>,
    /// Through-train keyword reports to review.
    pub ads: Vec<PathBuf>,
    /// Real search queries to derive keywords from (kept in the workspace).
    pub queries: Option<PathBuf>,
    /// The day the run is for (default: today, UTC).
    pub date: Option<Date>,
    /// The minimum gain and the hold period of proposals.
    pub policy: HoldPolicy,
    /// The title budget in GBK bytes.
    pub budget: usize,
    /// The language reasons and the report are written in.
    pub lang: Lang,
    /// Who holds the workspace's writer lock, as the lock file shows it.
    pub command: String,
}

impl NightOptions {
    /// A night over the workspace at `workspace` with the default policy, budget and language.
    pub fn new(workspace: impl Into<PathBuf>) -> NightOptions {
        NightOptions {
            workspace: workspace.into(),
            listings: Vec::new(),
            competitors: Vec::new(),
            keywords: Vec::new(),
            ads: Vec::new(),
            queries: None,
            date: None,
            policy: HoldPolicy::default(),
            budget: 60,
            lang: Lang::Zh,
            command: "baobei rescore".to_owned(),
        }
    }
}

/// A stage of the night that reports progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Queries valued against the market.
    Derive,
    /// Own items scored and rewritten.
    Score,
}

/// What a night did: the completed run (its manifest holds the counts and timings) and the
/// old runs left out because they could not be read.
#[derive(Debug)]
pub struct NightOutcome {
    /// The run, complete and visible.
    pub run: Run,
    /// Old runs skipped because they are damaged, with why.
    pub damaged: Vec<RunError>,
    /// Through-train reports whose costs were read as 分 from their scale alone (for the
    /// caller to say, so an operator can overrule it).
    pub fen_costs: Vec<PathBuf>,
}

/// Runs one night (module docs). Rows set aside go to `rejects` (which the caller reports);
/// `progress` hears how many queries or items a stage has done, from any thread.
pub fn run(
    options: &NightOptions,
    dicts: Dictionaries,
    rejects: &mut Rejects,
    progress: &(dyn Fn(Stage, u64) + Sync),
) -> anyhow::Result<NightOutcome> {
    let started = Instant::now();
    let started_at = utc_now();
    let today = match options.date {
        Some(day) => day,
        None => input::parse_date(&started_at[..10])?.expect("utc_now starts with a date"),
    };
    let policy = options.policy;
    let mut inputs = Vec::new();
    for (role, list) in [
        ("listings", &options.listings),
        ("competitors", &options.competitors),
        ("keywords", &options.keywords),
        ("ads", &options.ads),
    ] {
        for path in list {
            inputs.push(InputRecord::of_file(role, path)?);
        }
    }
    if let Some(q) = &options.queries {
        inputs.push(InputRecord::of_file("queries", q)?);
    }

    let ws = Workspace::open(&options.workspace)?;
    let lock = ws.lock(&options.command)?;
    let store = RunStore::new(ws.root());
    let run = store.begin(&lock, &today.to_string())?;
    let (mut runs, damaged) = store.scan()?;
    let previous_run = runs.pop();
    let previous = match &previous_run {
        Some(r) => Previous::load(r)?,
        None => Previous::none(),
    };
    let mut timings = Timings::new();
    let mut fen_costs = Vec::new();
    let mut counts = RunCounts::default();
    let mut manifest = ws.manifest()?;
    let segmenter = Arc::new(Segmenter::new(Arc::new(dicts)));
    if manifest.dictionaries.is_empty() {
        manifest.set_dictionaries(segmenter.dictionaries());
    }

    // 1. The night's imports, into the workspace itself.
    let mut per_input: HashMap<String, (u64, u64)> = HashMap::new();
    if !options.keywords.is_empty() {
        let before = rejects.len();
        let (rows, _) = crate::market::keywords::import_files(
            &ws,
            &options.keywords,
            None,
            // The night's exports without a date column are taken as of the run's day.
            Some(Period::day(today.yyyymmdd())),
            rejects,
            &mut manifest,
        )?;
        per_input.insert("keywords".into(), (rows, (rejects.len() - before) as u64));
    }
    let listing_files: Vec<(Role, &[PathBuf], &str)> = [
        (Role::Own, &options.listings[..], "listings"),
        (Role::Competitor, &options.competitors[..], "competitors"),
    ]
    .into_iter()
    .filter(|(_, list, _)| !list.is_empty())
    .collect();
    if !listing_files.is_empty() {
        let index = ListingIndex::create_or_open(ws.index_dir(), segmenter.clone())?;
        let known: HashMap<String, _> = index
            .listings()?
            .into_iter()
            .map(|h| (h.listing.id.clone(), h))
            .collect();
        let mut writer = jobs::listings_writer(&index)?;
        for (role, list, name) in listing_files {
            let before = rejects.len();
            let done = jobs::upsert_into(
                &mut writer,
                list,
                Some(role),
                Some(today),
                None,
                rejects,
                &mut manifest,
                Some(&known),
            )?;
            counts.listings_indexed += done.rows;
            counts.listings_unchanged += done.unchanged;
            per_input.insert(
                name.into(),
                (done.rows + done.unchanged, (rejects.len() - before) as u64),
            );
        }
        drop(known);
        // One commit for every listing file of the night.
        writer.commit()?;
        index.reload()?;
    }
    timings.lap("import");

    // 2. Keyword statistics from the listings, when they differ from what the table was
    // derived from (or queries came). Not "when this run changed them": a run killed between
    // its listing commit and the derive leaves changed listings that the re-run sees as
    // unchanged, and it must still derive. One read of the index serves the fingerprint, the
    // derive and the own items when no file gives them.
    let mut indexed_own: Option<Vec<Item>> = None;
    if ListingIndex::exists(ws.index_dir()) {
        let index = ListingIndex::create_or_open(ws.index_dir(), segmenter.clone())?;
        let listings = index.listings()?;
        let fingerprint = fingerprint_of(&listings);
        let stale = manifest.derived_from.as_deref() != Some(fingerprint.as_str());
        if stale || options.queries.is_some() || !ws.table_path().exists() {
            let queries = match &options.queries {
                Some(path) => crate::market::keywords::read_queries(path, rejects)?,
                None => Vec::new(),
            };
            crate::market::keywords::derive_into(
                &ws,
                &index,
                &listings,
                &fingerprint,
                &queries,
                &DeriveOptions::default(),
                options.queries.as_deref(),
                0,
                &mut manifest,
                &|n| progress(Stage::Derive, n),
            )?;
        }
        if options.listings.is_empty() {
            indexed_own = Some(
                listings
                    .into_iter()
                    .filter(|h| h.listing.role == Role::Own)
                    .map(|h| listing_item(h.listing))
                    .collect(),
            );
        }
    }
    lock.save_manifest(&manifest)?;
    timings.lap("derive");

    // 3. Score and rewrite every own item against the fresh market.
    let market = Market::open(
        &ws,
        &engine::Settings {
            segmenter: segmenter.clone(),
            budget: options.budget,
            lang: options.lang,
        },
    )?;
    let editor = market.editor();
    let items: Items = match indexed_own {
        Some(own) => Box::new(own.into_iter().map(Ok)),
        None => own_items(&options.listings, today)?,
    };
    let mut night = Scoring {
        scores: run.lines(files::SCORES)?,
        proposals_out: run.lines(files::PROPOSALS)?,
        proposals_csv: proposals_csv(&run.file(files::PROPOSALS_CSV))?,
        proposals: Vec::new(),
        movers: Movers::new(SHOWN, policy),
        histogram: Histogram::default(),
        score_sum: 0.0,
        counts,
        done: 0,
    };
    let judge = Judge {
        editor: &editor,
        previous: &previous,
        policy,
        today,
        lang: options.lang,
    };
    score_all(items, rejects, &judge, &mut night, &|n| {
        progress(Stage::Score, n)
    })?;
    let Scoring {
        scores,
        proposals_out,
        mut proposals_csv,
        mut proposals,
        movers,
        histogram,
        score_sum,
        mut counts,
        done,
    } = night;
    scores.close()?;
    proposals_out.close()?;
    proposals_csv.flush()?;
    drop(proposals_csv);
    sort_proposals(&mut proposals);
    proposals.truncate(SHOWN);
    counts.items = done as u64;
    counts.mean_score = if done > 0 {
        score_sum / done as f64
    } else {
        0.0
    };
    counts.fell = movers.fell();
    timings.lap("score");

    // 4. The through-train review.
    let ads_overview = if options.ads.is_empty() {
        None
    } else {
        let before = rejects.len();
        let reports = crate::ads::read_reports(&options.ads, None, rejects)?;
        fen_costs.extend(reports.fen_by_scale());
        let rows = reports.rows;
        per_input.insert(
            "ads".into(),
            (rows.len() as u64, (rejects.len() - before) as u64),
        );
        anyhow::ensure!(
            !rows.is_empty(),
            "{}: no usable through-train rows",
            options.ads[0].display()
        );
        let config = crate::ads::ReviewConfig::default();
        let totals = crate::ads::aggregate(&rows, config.window);
        let additions = crate::suggest::additions(&market, &totals, config.break_even_roi)?;
        let review = crate::ads::review(&totals, &config, &segmenter, &additions);
        let mut out = run.lines(files::ADS)?;
        for record in crate::ads::records(&review, options.lang) {
            out.write(&record)?;
        }
        out.close()?;
        let mut by_action: BTreeMap<&str, (u64, f64)> = BTreeMap::new();
        for d in &review.decisions {
            let entry = by_action.entry(d.action.name(options.lang)).or_default();
            entry.0 += 1;
            entry.1 += d.totals.cost;
        }
        counts.ads_keywords = review.decisions.len() as u64;
        let s = &review.summary;
        Some(AdsOverview {
            spend: s.spend,
            gmv: s.gmv,
            moved: (s.spend_freed + s.spend_added) / 2.0 / f64::from(s.days.max(1)),
            actions: by_action
                .into_iter()
                .map(|(a, (n, spend))| (a.to_owned(), n, spend))
                .collect(),
        })
    };
    timings.lap("ads");

    // 5. Rejects, report, manifest; then the run becomes visible in one rename.
    counts.rejects = rejects.len() as u64;
    for input in &mut inputs {
        if let Some(&(rows, rejected)) = per_input.get(&input.role) {
            input.rows = rows;
            input.rejects = rejected;
        }
    }
    if !rejects.is_empty() {
        rejects.write(&run.file(files::REJECTS), options.lang)?;
    }
    let rising = rising_words(&ws)?;
    let opportunities = movers.opportunities(&previous, SHOWN);
    let mut settings_used = BTreeMap::new();
    settings_used.insert("budget".to_owned(), serde_json::json!(options.budget));
    settings_used.insert("hold_days".to_owned(), serde_json::json!(policy.hold_days));
    settings_used.insert("min_gain".to_owned(), serde_json::json!(policy.min_gain));
    let previous_scores = previous_histogram(previous_run.as_ref())?;
    timings.lap("report");
    let mut run_manifest = RunManifest {
        format_version: super::RUN_VERSION,
        id: run.name().to_owned(),
        date: today.to_string(),
        started: started_at,
        finished: utc_now(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        previous: previous.run().map(str::to_owned),
        inputs,
        settings: settings_used,
        counts,
        timings: timings.stages,
    };
    run_manifest
        .timings
        .push(("total".to_owned(), started.elapsed().as_secs_f64()));
    let fallers = movers.fallers();
    let risers = movers.risers();
    let html = report::render(&ReportData {
        manifest: &run_manifest,
        scores: histogram,
        previous_scores,
        fallers: &fallers,
        risers: &risers,
        opportunities: &opportunities,
        rising: &rising,
        proposals: &proposals,
        ads: ads_overview.as_ref(),
        lang: options.lang,
    });
    run.write(files::REPORT, html.as_bytes())?;
    let done_run = run.finish(run_manifest)?;
    drop(lock);
    Ok(NightOutcome {
        run: done_run,
        damaged,
        fen_costs,
    })
}

/// Seconds per stage, in order.
struct Timings {
    stages: Vec<(String, f64)>,
    since: Instant,
}

impl Timings {
    fn new() -> Timings {
        Timings {
            stages: Vec::new(),
            since: Instant::now(),
        }
    }

    fn lap(&mut self, stage: &str) {
        self.stages
            .push((stage.to_owned(), self.since.elapsed().as_secs_f64()));
        self.since = Instant::now();
    }
}

/// What scores one item: read-only, shared by every worker.
struct Judge<'a> {
    editor: &'a Editor<'a>,
    previous: &'a Previous,
    policy: HoldPolicy,
    today: Date,
    lang: Lang,
}

/// One item judged, its lines already serialised: what is left to the serial writer.
struct Judged {
    score: ItemScore,
    change: Option<ScoreChange>,
    line: Vec<u8>,
    verdict: Option<Verdict>,
    proposal_line: Vec<u8>,
}

impl Judge<'_> {
    fn judge(&self, item: &Item) -> Judged {
        let rewrite = self.editor.rewrite(item);
        let universe = self.editor.scorer.universe;
        let value_of = |id: u32| {
            let k = universe.keyword(id);
            (k.text.to_string(), k.value.rising)
        };
        let covered = rewrite
            .old
            .score
            .found
            .iter()
            .map(|&(id, value)| {
                let (keyword, rising) = value_of(id);
                KeywordValue {
                    keyword,
                    value: round(value),
                    rising,
                }
            })
            .collect();
        let missing = rewrite
            .old
            .score
            .missing
            .iter()
            .take(MISSING_KEPT)
            .map(|&id| {
                let (keyword, rising) = value_of(id);
                KeywordValue {
                    keyword,
                    value: round(universe.keyword(id).value.value),
                    rising,
                }
            })
            .collect();
        let (old_score, new_score) = (rewrite.old.score.score, rewrite.new_score.score);
        let mut score = ItemScore {
            id: item.id.clone(),
            title: item.title.clone(),
            score: old_score,
            covered,
            missing,
            title_changed: None,
            proposed: None,
            held: None,
        };
        self.previous.carry(&mut score, self.today);
        let gain = new_score - old_score;
        // A fix the rules force (a prohibited, banned or repeated word, over the budget) is
        // proposed whatever it gains: the live title breaks a rule.
        let forced = rewrite.changes.iter().any(Change::is_fix);
        let mut verdict = None;
        let mut proposal_line = Vec::new();
        if rewrite.title != item.title && (gain >= self.policy.min_gain || forced) {
            let (added, removed) = rewrite.words();
            let new_title = rewrite.title.clone();
            let proposal = Proposal {
                id: item.id.clone(),
                title: item.title.clone(),
                reason: rewrite.reason(self.lang),
                new_title: rewrite.title,
                score: old_score,
                new_score,
                added,
                removed,
                status: ProposalStatus::New,
                first_proposed: String::new(),
            };
            let decided = self
                .previous
                .decide(&mut score, proposal, self.today, &self.policy);
            match &decided {
                Verdict::Propose(p) => proposal_line = json_line(p),
                Verdict::Hold(why) => {
                    score.held = Some(HeldBack {
                        new_title: new_title.clone(),
                        why: why.clone(),
                        reason: why.describe(self.lang),
                    })
                }
            }
            verdict = Some(decided);
        } else {
            score.proposed = None;
        }
        let change = self.previous.compare(&score);
        let line = json_line(&score);
        Judged {
            score,
            change,
            line,
            verdict,
            proposal_line,
        }
    }
}

fn json_line<T: serde::Serialize>(record: &T) -> Vec<u8> {
    let mut line = serde_json::to_vec(record).expect("run records serialise");
    line.push(b'\n');
    line
}

/// The serial side of scoring: the run's files and what the report sums up.
struct Scoring {
    scores: LinesWriter,
    proposals_out: LinesWriter,
    proposals_csv: csv::Writer<std::fs::File>,
    proposals: Vec<Proposal>,
    movers: Movers,
    histogram: Histogram,
    score_sum: f64,
    counts: RunCounts,
    done: usize,
}

impl Scoring {
    fn take(&mut self, judged: Judged) -> anyhow::Result<()> {
        let Judged {
            score,
            change,
            line,
            verdict,
            proposal_line,
        } = judged;
        match verdict {
            Some(Verdict::Propose(p)) => {
                match p.status {
                    ProposalStatus::New => self.counts.proposals += 1,
                    ProposalStatus::Repeated => self.counts.repeated += 1,
                }
                self.proposals_out.write_line(&proposal_line)?;
                self.proposals_csv.write_record(proposal_row(&p))?;
                keep_best(&mut self.proposals, p);
            }
            Some(Verdict::Hold(_)) => self.counts.held_back += 1,
            None => {}
        }
        self.histogram.add(score.score);
        self.score_sum += score.score;
        self.movers.add(&score, change);
        self.scores.write_line(&line)?;
        self.done += 1;
        Ok(())
    }
}

/// Own items to score, read on whichever thread is free.
type Items = Box<dyn Iterator<Item = Result<Item, Reject>> + Send>;

/// Judges every item in parallel chunks and hands them to `night` in input order: while the
/// workers judge one chunk, the previous one is written and the next one read. Rejected items
/// go to `rejects`.
fn score_all(
    mut items: Items,
    rejects: &mut Rejects,
    judge: &Judge<'_>,
    night: &mut Scoring,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<()> {
    let mut chunk = read_chunk(&mut items, rejects)?;
    let mut pending: Vec<Judged> = Vec::new();
    while !(chunk.is_empty() && pending.is_empty()) {
        let written = std::mem::take(&mut pending);
        let (judged, (wrote, next)) = rayon::join(
            || {
                chunk
                    .par_iter()
                    .map(|item| {
                        let judged = judge.judge(item);
                        progress(1);
                        judged
                    })
                    .collect::<Vec<_>>()
            },
            || {
                let wrote = written.into_iter().try_for_each(|j| night.take(j));
                (wrote, read_chunk(&mut items, rejects))
            },
        );
        wrote?;
        chunk = next?;
        pending = judged;
    }
    Ok(())
}

/// The next [`CHUNK`] items (fewer at the end), setting rejected ones aside.
fn read_chunk(items: &mut Items, rejects: &mut Rejects) -> io::Result<Vec<Item>> {
    let mut chunk = Vec::with_capacity(CHUNK);
    while chunk.len() < CHUNK {
        match items.next() {
            Some(Ok(item)) => chunk.push(item),
            Some(Err(reject)) => rejects.push(reject)?,
            None => break,
        }
    }
    Ok(chunk)
}

/// An indexed listing as an item to score.
fn listing_item(l: Listing) -> Item {
    Item {
        brand: l.brand,
        product: l.product,
        category: l.category,
        price: l.price,
        sales: l.sales.map(|s| s as f64),
        ..Item::new(l.id, l.title)
    }
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Keeps the [`SHOWN`] proposals with the largest gain (ties by id) for the report.
fn keep_best(list: &mut Vec<Proposal>, p: Proposal) {
    list.push(p);
    if list.len() > SHOWN * 2 {
        sort_proposals(list);
        list.truncate(SHOWN);
    }
}

fn sort_proposals(list: &mut [Proposal]) {
    list.sort_by(|a, b| b.gain().total_cmp(&a.gain()).then_with(|| a.id.cmp(&b.id)));
}

/// The own items of the `--listings` files: one per id, from its latest snapshot (a later row
/// wins a tie), in id order. Only rows that indexing accepted count: a row it rejected (a bad
/// date, no id) was reported then, and is neither scored nor proposed.
///
/// A first pass keeps each id's winning row number only. When the winners stand in id order
/// in the files (an export sorted by id), a second pass streams them: memory holds ids, not
/// items. Otherwise the winners are held, sorted by id.
fn own_items(paths: &[PathBuf], today: Date) -> anyhow::Result<Items> {
    let mut latest: BTreeMap<String, (Date, u64)> = BTreeMap::new();
    for (row, item, day) in own_rows(paths, today)? {
        match latest.get(&item.id) {
            Some((best, _)) if *best > day => {}
            _ => {
                latest.insert(item.id, (day, row));
            }
        }
    }
    let winners: Vec<u64> = latest.into_values().map(|(_, row)| row).collect();
    let mut rows = own_rows(paths, today)?;
    if winners.is_sorted() {
        let mut winners = winners.into_iter();
        return Ok(Box::new(std::iter::from_fn(move || {
            let want = winners.next()?;
            rows.find(|(row, _, _)| *row == want)
                .map(|(_, item, _)| Ok(item))
        })));
    }
    let wanted: HashMap<u64, usize> = winners.iter().enumerate().map(|(i, &r)| (r, i)).collect();
    let mut held: Vec<(usize, Item)> = rows
        .filter_map(|(row, item, _)| wanted.get(&row).map(|&rank| (rank, item)))
        .collect();
    held.sort_unstable_by_key(|(rank, _)| *rank);
    Ok(Box::new(held.into_iter().map(|(_, item)| Ok(item))))
}

/// The rows of `paths` that indexing accepts as own items, numbered across the files, each
/// with its item and snapshot day.
fn own_rows(
    paths: &[PathBuf],
    today: Date,
) -> anyhow::Result<impl Iterator<Item = (u64, Item, Date)> + use<>> {
    let options = input::Options {
        required: vec![Field::Id, Field::Title],
        ..Default::default()
    };
    let mut readers = Vec::new();
    for path in paths {
        readers.push(input::open(path, &options)?);
    }
    Ok(readers
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(move |(row, record)| {
            let record = record.ok()?;
            let listing = Listing::from_record(&record, Some(Role::Own), Some(today)).ok()?;
            let item = Item::from_record(&record).ok()?;
            (item.id == listing.id).then_some((row as u64, item, listing.snapshot))
        }))
}

/// The market's rising words: derived or exported growth, among keywords on enough listings.
fn rising_words(ws: &Workspace) -> anyhow::Result<Vec<RisingWord>> {
    let path = ws.table_path();
    if !path.exists() {
        return Ok(Vec::new());
    }
    let table = KeywordTable::open(&path)?;
    let top = table.top_by(12, None, |stats| {
        let enough = stats.online_items.is_none_or(|n| n >= 5);
        let growing = stats.growth.is_some_and(|g| g > 0.0);
        (enough && growing)
            .then(|| RankBy::Growth.score(stats))
            .flatten()
    })?;
    Ok(top
        .into_iter()
        .map(|(_, row)| RisingWord {
            keyword: row.keyword.to_owned(),
            growth: row.stats.growth.unwrap_or(0.0),
            demand: row.stats.demand.or(row.stats.popularity).unwrap_or(0.0),
        })
        .collect())
}

fn previous_histogram(run: Option<&Run>) -> anyhow::Result<Option<Histogram>> {
    let Some(run) = run else { return Ok(None) };
    let mut h = Histogram::default();
    run.for_each_line(files::SCORES, |s: ItemScore| {
        h.add(s.score);
        Ok(())
    })?;
    Ok(Some(h))
}

/// The change-set for Excel: Chinese headers after a BOM, one row per proposal.
fn proposals_csv(path: &Path) -> anyhow::Result<csv::Writer<std::fs::File>> {
    let mut file = std::fs::File::create(path)
        .with_context(|| format!("{}: cannot write the proposals", path.display()))?;
    io::Write::write_all(&mut file, "\u{feff}".as_bytes())?;
    let mut w = csv::Writer::from_writer(file);
    w.write_record([
        "宝贝ID",
        "原标题",
        "新标题",
        "原分",
        "新分",
        "提升",
        "新增词",
        "删除词",
        "状态",
        "首次建议",
        "原因",
    ])?;
    Ok(w)
}

/// A proposal as a row of `proposals.csv`, each cell safe for a spreadsheet (a proposed title
/// such as `=HYPERLINK(...)` is text there, never a formula).
fn proposal_row(p: &Proposal) -> [String; 11] {
    [
        p.id.clone(),
        p.title.clone(),
        p.new_title.clone(),
        format!("{:.1}", p.score),
        format!("{:.1}", p.new_score),
        format!("{:.1}", p.gain()),
        p.added.join(" "),
        p.removed.join(" "),
        match p.status {
            ProposalStatus::New => "新".to_owned(),
            ProposalStatus::Repeated => "沿用".to_owned(),
        },
        p.first_proposed.clone(),
        p.reason.clone(),
    ]
    .map(|cell| match spreadsheet_cell(&cell) {
        Cow::Borrowed(_) => cell,
        Cow::Owned(safe) => safe,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids_and_titles(csv: &str) -> Vec<(String, String)> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("own.csv");
        std::fs::write(&path, csv).unwrap();
        let today = input::parse_date("2026-11-11").unwrap().unwrap();
        own_items(&[path], today)
            .unwrap()
            .map(|item| {
                let item = item.unwrap();
                (item.id, item.title)
            })
            .collect()
    }

    #[test]
    fn own_items_are_the_latest_row_per_id_in_id_order_whether_streamed_or_held() {
        let header = "宝贝ID,标题,日期\n";
        // Winners in id order: streamed. Duplicates, a bad date and a missing id among them.
        let sorted = format!(
            "{header}1,旧连衣裙,2026-11-10\n1,新连衣裙,2026-11-11\n2,半身裙,2026-13-45\n\
             ,无编号,2026-11-11\n3,衬衫,2026-11-11\n4,毛衣,2026-11-11\n4,毛衣女,2026-11-11\n"
        );
        // The same rows with the winners out of id order: held and sorted.
        let unsorted = format!(
            "{header}4,毛衣,2026-11-11\n3,衬衫,2026-11-11\n1,新连衣裙,2026-11-11\n\
             2,半身裙,2026-13-45\n1,旧连衣裙,2026-11-10\n,无编号,2026-11-11\n4,毛衣女,2026-11-11\n"
        );
        let want = [("1", "新连衣裙"), ("3", "衬衫"), ("4", "毛衣女")]
            .map(|(id, title)| (id.to_owned(), title.to_owned()));
        assert_eq!(ids_and_titles(&sorted), want);
        assert_eq!(ids_and_titles(&unsorted), want);
    }
}
