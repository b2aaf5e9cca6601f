//! `rescore`: the nightly job. Imports the night's files into the workspace (only new or
//! changed listings are re-indexed), re-derives keyword statistics when the market changed,
//! re-scores every own item, proposes rewrites that clear the threshold (not churning titles),
//! reviews the through-train report, and writes it all as one run under `runs/` (see
//! [`crate::runs`]), built aside and renamed when complete.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;

use super::args::RescoreArgs;
use super::batch;
use super::engine;
use super::{Exit, Settings};
use crate::ads::{self, ReviewConfig};
use crate::batch::Reject;
use crate::dictionary::Dictionaries;
use crate::engine::RewriteRecord;
use crate::input::{self, Field, parse_date};
use crate::item::Item;
use crate::lang::Lang;
use crate::market::derive::DeriveOptions;
use crate::market::index::{Listing, ListingIndex, Role};
use crate::market::table::{KeywordTable, Period, RankBy};
use crate::market::workspace::{Workspace, utc_now};
use crate::runs::history::{HoldPolicy, Movers, Previous, Verdict};
use crate::runs::report::{self, AdsOverview, Histogram, ReportData, RisingWord};
use crate::runs::{
    InputRecord, ItemScore, KeywordValue, Proposal, ProposalStatus, RunCounts, RunManifest,
    RunStore, files,
};
use crate::spreadsheet::spreadsheet_cell;
use crate::text::Segmenter;
use crate::title::edit::Change;

/// Fallers, risers, opportunities and proposals shown in the report.
const SHOWN: usize = 50;
/// Missing keywords kept per item in `scores.jsonl`.
const MISSING_KEPT: usize = 10;

pub fn rescore(
    settings: &Settings,
    args: &RescoreArgs,
    dicts: Dictionaries,
) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let started_at = utc_now();
    let today = match &args.date {
        Some(text) => parse_date(text)
            .ok()
            .flatten()
            .with_context(|| format!("--date: not a date: {text:?}"))?,
        None => parse_date(&started_at[..10])?.expect("utc_now starts with a date"),
    };
    let policy = HoldPolicy {
        hold_days: args.hold_days,
        min_gain: args.min_gain,
        ..HoldPolicy::default()
    };
    let mut inputs = Vec::new();
    for (role, list) in [
        ("listings", &args.listings),
        ("competitors", &args.competitors),
        ("keywords", &args.keywords),
        ("ads", &args.ads),
    ] {
        for path in list {
            inputs.push(InputRecord::of_file(role, path)?);
        }
    }
    if let Some(q) = &args.queries {
        inputs.push(InputRecord::of_file("queries", q)?);
    }

    let ws = Workspace::open(&settings.workspace)?;
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let lock = ws.lock(&command)?;
    let store = RunStore::new(ws.root());
    let run = store.begin(&lock, &today.to_string())?;
    let (mut runs, damaged) = store.scan()?;
    warn_damaged(settings.lang, &damaged);
    let previous_run = runs.pop();
    let previous = match &previous_run {
        Some(r) => Previous::load(r)?,
        None => Previous::none(),
    };
    let mut timings: Vec<(String, f64)> = Vec::new();
    let mut phase = Instant::now();
    let mut lap = |name: &str, timings: &mut Vec<(String, f64)>| {
        timings.push((name.to_owned(), phase.elapsed().as_secs_f64()));
        phase = Instant::now();
    };
    let mut rejects = batch::rejects(settings.quiet, settings.lang);
    let mut counts = RunCounts::default();
    let mut manifest = ws.manifest()?;
    let segmenter = Arc::new(Segmenter::new(Arc::new(dicts)));
    if manifest.dictionaries.is_empty() {
        manifest.set_dictionaries(segmenter.dictionaries());
    }

    // 1. The night's imports, into the workspace itself.
    let mut per_input: HashMap<String, (u64, u64)> = HashMap::new();
    if !args.keywords.is_empty() {
        let before = rejects.len();
        let (rows, _) = crate::market::keywords::import_files(
            &ws,
            &args.keywords,
            None,
            // The night's exports without a date column are taken as of the run's day.
            Some(Period::day(today.yyyymmdd())),
            &mut rejects,
            &mut manifest,
        )?;
        per_input.insert("keywords".into(), (rows, (rejects.len() - before) as u64));
    }
    let listing_files = args.listings.len() + args.competitors.len();
    if listing_files > 0 {
        let index = ListingIndex::create_or_open(ws.index_dir(), segmenter.clone())?;
        let known: HashMap<String, _> = index
            .listings()?
            .into_iter()
            .map(|h| (h.listing.id.clone(), h))
            .collect();
        for (role, list, name) in [
            (Role::Own, &args.listings, "listings"),
            (Role::Competitor, &args.competitors, "competitors"),
        ] {
            if list.is_empty() {
                continue;
            }
            let before = rejects.len();
            let done = crate::market::index::jobs::upsert_files(
                &index,
                list,
                Some(role),
                Some(today),
                None,
                &mut rejects,
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
        index.reload()?;
    }
    lap("import", &mut timings);

    // 2. Keyword statistics from the listings, when they differ from what the table was
    // derived from (or queries came). Not "when this run changed them": a run killed between
    // its listing commit and the derive leaves changed listings that the re-run sees as
    // unchanged, and it must still derive.
    let has_index = ListingIndex::exists(ws.index_dir());
    let index = match has_index {
        true => Some(ListingIndex::create_or_open(
            ws.index_dir(),
            segmenter.clone(),
        )?),
        false => None,
    };
    let stale = match &index {
        Some(index) => manifest.derived_from.as_deref() != Some(index.fingerprint()?.as_str()),
        None => false,
    };
    if let Some(index) =
        index.filter(|_| stale || args.queries.is_some() || !ws.table_path().exists())
    {
        let queries = match &args.queries {
            Some(path) => crate::market::keywords::read_queries(path, &mut rejects)?,
            None => Vec::new(),
        };
        let bar = batch::progress(settings.quiet, settings.lang.pick("个搜索词", "queries"));
        let derived = crate::market::keywords::derive_into(
            &ws,
            &index,
            &queries,
            &DeriveOptions::default(),
            args.queries.as_deref(),
            0,
            &mut manifest,
            &|n| bar.inc(n),
        );
        bar.finish_and_clear();
        derived?;
    }
    lock.save_manifest(&manifest)?;
    lap("derive", &mut timings);

    // 3. Score and rewrite every own item against the fresh market.
    let market = engine::market(settings, segmenter.clone())?;
    let editor = market.editor();
    let items: Box<dyn Iterator<Item = Result<Item, Reject>>> = if args.listings.is_empty() {
        let index = ListingIndex::create_or_open(ws.index_dir(), segmenter.clone())?;
        let own: Vec<Item> = index
            .listings()?
            .into_iter()
            .filter(|h| h.listing.role == Role::Own)
            .map(|h| Item {
                brand: h.listing.brand.clone(),
                product: h.listing.product.clone(),
                category: h.listing.category.clone(),
                price: h.listing.price,
                sales: h.listing.sales.map(|s| s as f64),
                ..Item::new(h.listing.id, h.listing.title)
            })
            .collect();
        Box::new(own.into_iter().map(Ok))
    } else {
        Box::new(own_items(&args.listings, today)?)
    };
    let mut scores = run.lines(files::SCORES)?;
    let mut proposals_out = run.lines(files::PROPOSALS)?;
    let mut proposals_csv = proposals_csv(&run.file(files::PROPOSALS_CSV))?;
    let mut proposals: Vec<Proposal> = Vec::new();
    let mut movers = Movers::new(SHOWN, policy);
    let mut histogram = Histogram::default();
    let mut score_sum = 0.0;
    let run_err = |e: crate::runs::RunError| io::Error::other(e.to_string());
    let (done, _) = batch::for_each_ordered(
        items,
        &mut rejects,
        batch::progress(settings.quiet, settings.lang.pick("个宝贝", "items")),
        |item: &Item| {
            let rewrite = editor.rewrite(item);
            let record = RewriteRecord::new(&editor.scorer, item, rewrite.clone(), settings.lang);
            let universe = &market.universe;
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
            let score = ItemScore {
                id: item.id.clone(),
                title: item.title.clone(),
                score: record.score,
                covered,
                missing,
                title_changed: None,
                proposed: None,
            };
            (score, record)
        },
        |(mut score, record)| {
            previous.carry(&mut score, today);
            let gain = record.new_score - record.score;
            // A fix the rules force (a prohibited, banned or repeated word, over the budget) is
            // proposed whatever it gains: the live title breaks a rule.
            let forced = record.changes.iter().any(Change::is_fix);
            if record.new_title != record.title && (gain >= policy.min_gain || forced) {
                let proposal = Proposal {
                    id: record.id.clone(),
                    title: record.title.clone(),
                    new_title: record.new_title.clone(),
                    score: record.score,
                    new_score: record.new_score,
                    added: record.added.clone(),
                    removed: record.removed.clone(),
                    reason: record.reason.clone(),
                    status: ProposalStatus::New,
                    first_proposed: String::new(),
                };
                match previous.decide(&mut score, proposal, today, &policy) {
                    Verdict::Propose(p) => {
                        match p.status {
                            ProposalStatus::New => counts.proposals += 1,
                            ProposalStatus::Repeated => counts.repeated += 1,
                        }
                        proposals_out.write(&p).map_err(run_err)?;
                        proposals_csv.write_record(proposal_row(&p))?;
                        keep_best(&mut proposals, p);
                    }
                    Verdict::Hold(_) => counts.held_back += 1,
                }
            } else {
                score.proposed = None;
            }
            histogram.add(score.score);
            score_sum += score.score;
            movers.add(&score, previous.compare(&score));
            scores.write(&score).map_err(run_err)
        },
    )?;
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
    lap("score", &mut timings);

    // 4. The through-train review.
    let ads_overview = if args.ads.is_empty() {
        None
    } else {
        let before = rejects.len();
        let rows =
            super::ads::read_reports(&args.ads, None, &mut rejects, settings.quiet, settings.lang)?;
        per_input.insert(
            "ads".into(),
            (rows.len() as u64, (rejects.len() - before) as u64),
        );
        anyhow::ensure!(
            !rows.is_empty(),
            "{}: no usable through-train rows",
            args.ads[0].display()
        );
        let config = ReviewConfig::default();
        let totals = ads::aggregate(&rows, config.window);
        let additions = crate::suggest::additions(&market, &totals, config.break_even_roi)?;
        let review = ads::review(&totals, &config, &segmenter, &additions);
        let mut out = run.lines(files::ADS)?;
        for record in ads::records(&review, settings.lang) {
            out.write(&record)?;
        }
        out.close()?;
        let mut by_action: BTreeMap<&str, (u64, f64)> = BTreeMap::new();
        for d in &review.decisions {
            let entry = by_action.entry(d.action.name(settings.lang)).or_default();
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
    lap("ads", &mut timings);

    // 5. Rejects, report, manifest; then the run becomes visible in one rename.
    counts.rejects = rejects.len() as u64;
    for input in &mut inputs {
        if let Some(&(rows, rejected)) = per_input.get(&input.role) {
            input.rows = rows;
            input.rejects = rejected;
        }
    }
    if !rejects.is_empty() {
        rejects.write(&run.file(files::REJECTS))?;
    }
    let rising = rising_words(&ws)?;
    let opportunities = movers.opportunities(&previous, SHOWN);
    let mut settings_used = BTreeMap::new();
    settings_used.insert("budget".to_owned(), serde_json::json!(settings.budget));
    settings_used.insert("hold_days".to_owned(), serde_json::json!(policy.hold_days));
    settings_used.insert("min_gain".to_owned(), serde_json::json!(policy.min_gain));
    let mut run_manifest = RunManifest {
        format_version: crate::runs::RUN_VERSION,
        id: String::new(),
        date: today.to_string(),
        started: started_at,
        finished: String::new(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        previous: previous.run().map(str::to_owned),
        inputs,
        settings: settings_used,
        counts,
        timings,
    };
    run_manifest.finished = utc_now();
    run_manifest
        .timings
        .push(("total".to_owned(), started.elapsed().as_secs_f64()));
    run_manifest.id = run.name().to_owned();
    let fallers = movers.fallers();
    let risers = movers.risers();
    let html = report::render(&ReportData {
        manifest: &run_manifest,
        scores: histogram,
        previous_scores: previous_histogram(previous_run.as_ref())?,
        fallers: &fallers,
        risers: &risers,
        opportunities: &opportunities,
        rising: &rising,
        proposals: &proposals,
        ads: ads_overview.as_ref(),
        lang: settings.lang,
    });
    run.write(files::REPORT, html.as_bytes())?;
    let done_run = run.finish(run_manifest)?;
    drop(lock);

    if !settings.quiet {
        let c = &done_run.manifest().counts;
        let (id, secs) = (&done_run.manifest().id, started.elapsed().as_secs_f64());
        match settings.lang {
            Lang::Zh => eprintln!(
                "baobei: 运行 {id}：{} 个宝贝（平均分 {:.1}），新建议 {} 条，沿用 {} 条，暂缓 {} \
                 个，分数下降 {} 个；重新索引 {} 个宝贝，未变 {} 个；拒收 {} 行；{secs:.1} 秒",
                c.items,
                c.mean_score,
                c.proposals,
                c.repeated,
                c.held_back,
                c.fell,
                c.listings_indexed,
                c.listings_unchanged,
                c.rejects,
            ),
            Lang::En => eprintln!(
                "baobei: run {id}: {} items (mean score {:.1}), {} new proposals, {} standing, \
                 {} held back, {} fell; {} listings re-indexed, {} unchanged; {} rejected; \
                 {secs:.1} s",
                c.items,
                c.mean_score,
                c.proposals,
                c.repeated,
                c.held_back,
                c.fell,
                c.listings_indexed,
                c.listings_unchanged,
                c.rejects,
            ),
        }
    }
    if done_run.manifest().counts.items == 0 {
        eprintln!(
            "baobei: {}",
            settings.lang.pick(
                "没有本店宝贝可评分：用 --listings FILE 给出本店宝贝（或用 \
                 `baobei index add FILE --role own` 建索引）",
                "no own item to score: give the shop's listings with --listings FILE (or \
                 index them with `baobei index add FILE --role own`)"
            )
        );
    }
    println!("{}", done_run.file(files::REPORT).display());
    Ok(if rejects.is_empty() {
        Exit::Ok
    } else {
        Exit::Rejected
    })
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
fn own_items(
    paths: &[PathBuf],
    today: input::Date,
) -> anyhow::Result<impl Iterator<Item = Result<Item, Reject>>> {
    let mut latest: BTreeMap<String, (input::Date, Item)> = BTreeMap::new();
    for path in paths {
        let options = input::Options {
            required: vec![Field::Id, Field::Title],
            ..Default::default()
        };
        for row in input::open(path, &options)? {
            let Ok(record) = row else { continue };
            let Ok(listing) = Listing::from_record(&record, Some(Role::Own), Some(today)) else {
                continue;
            };
            let item = match Item::from_record(&record) {
                Ok(item) if item.id == listing.id => item,
                Ok(_) | Err(_) => continue,
            };
            match latest.get(&listing.id) {
                Some((day, _)) if *day > listing.snapshot => {}
                _ => {
                    latest.insert(listing.id.clone(), (listing.snapshot, item));
                }
            }
        }
    }
    Ok(latest.into_values().map(|(_, item)| Ok(item)))
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

fn previous_histogram(run: Option<&crate::runs::Run>) -> anyhow::Result<Option<Histogram>> {
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

/// Says which runs were left out because they cannot be read, and that they were.
pub fn warn_damaged(lang: Lang, damaged: &[crate::runs::RunError]) {
    let said = lang.pick("已跳过损坏的运行", "skipped a damaged run");
    for error in damaged {
        eprintln!("baobei: warning: {said}: {error}");
    }
}
