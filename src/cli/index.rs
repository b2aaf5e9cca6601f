//! `index add`, `index stats` and `index rebuild`: the workspace's listing index.

use crate::lang::Lang;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use serde::Serialize;

use super::args::{IndexAddArgs, IndexStatsArgs};
use super::batch::{self, Reject};
use super::output::{Record, Sink};
use super::{Exit, Settings};
use crate::dictionary::Dictionaries;
use crate::input::{self, Date, Field, Options, parse_date};
use crate::market::index::{
    Listing, ListingHistory, ListingIndex, ListingWriter, Role, WriterOptions,
};
use crate::market::workspace::{ImportRecord, Manifest, Workspace, utc_now};
use crate::title::Segmenter;

/// Upserts listings from every file under the writer lock, with one commit for the whole
/// batch: a crash or kill before it leaves the last committed index as it was.
pub fn add(settings: &Settings, args: &IndexAddArgs, dicts: Dictionaries) -> anyhow::Result<Exit> {
    let role = args
        .role
        .as_deref()
        .map(str::parse::<Role>)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let snapshot = match args.snapshot.as_deref() {
        None => None,
        Some(text) => Some(
            parse_date(text)
                .ok()
                .flatten()
                .with_context(|| format!("--snapshot: not a date: {text:?}"))?,
        ),
    };
    // A file without dates is a snapshot of the day it is added.
    let today = parse_date(&utc_now()[..10])?.expect("utc_now starts with a date");
    let ws = Workspace::open(&settings.workspace)?;
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let lock = ws.lock(&command)?;
    let mut manifest = ws.manifest()?;
    let segmenter = Arc::new(Segmenter::new(Arc::new(dicts)));
    let index = ListingIndex::create_or_open(ws.index_dir(), segmenter.clone())?;
    let mut rejects = batch::Rejects::in_lang(settings.quiet, settings.lang);
    let done = upsert_files(
        &index,
        &args.files,
        role,
        snapshot,
        Some(today),
        &mut rejects,
        &mut manifest,
        None,
    )?;
    let added = done.rows;
    // The index is built with these dictionaries: record them, so a later run with others is told.
    manifest.set_dictionaries(segmenter.dictionaries());
    lock.save_manifest(&manifest)?;
    drop(lock);

    let first = args.files.first().map(|p| p.as_path());
    rejects.finish(args.rejects.as_deref(), None, first)?;
    if !settings.quiet {
        let lang = settings.lang;
        for (file, rows) in &done.undated {
            let day = snapshot.unwrap_or(today);
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

/// What [`upsert_files`] did.
#[derive(Debug, Default, Clone)]
pub struct Upserted {
    /// Rows written to the index.
    pub rows: u64,
    /// Rows skipped because the index already holds the same listing.
    pub unchanged: u64,
    /// The files whose rows had no date column, so took the given snapshot day, with how
    /// many rows did.
    pub undated: Vec<(PathBuf, u64)>,
}

/// Upserts the listings of every file with one commit (a kill before it leaves the last
/// committed index as it was), recording each file in the manifest's history. With `known`
/// (the listings by id, with their snapshots), a row the index already holds is skipped: the
/// nightly job re-indexes only what is new or changed. `snapshot` is the day of every row
/// without a date; `undated` only that of the rows of a file without a date column (an empty
/// cell in a date column is then a bad row).
#[allow(clippy::too_many_arguments)]
pub fn upsert_files(
    index: &ListingIndex,
    files: &[PathBuf],
    role: Option<Role>,
    snapshot: Option<Date>,
    undated: Option<Date>,
    rejects: &mut batch::Rejects,
    manifest: &mut Manifest,
    known: Option<&HashMap<String, ListingHistory>>,
) -> anyhow::Result<Upserted> {
    let mut writer = listings_writer(index)?;
    let done = upsert_into(
        &mut writer,
        files,
        role,
        snapshot,
        undated,
        rejects,
        manifest,
        known,
    )?;
    writer.commit()?;
    Ok(done)
}

/// A writer for [`upsert_into`], on every core (at most 8).
pub fn listings_writer(index: &ListingIndex) -> anyhow::Result<ListingWriter<'_>> {
    let threads = rayon::current_num_threads().clamp(1, 8);
    Ok(index.writer(WriterOptions {
        threads,
        ..WriterOptions::default()
    })?)
}

/// [`upsert_files`] into `writer`, without committing: the nightly job upserts its own and
/// its competitors' files and commits once.
#[allow(clippy::too_many_arguments)]
pub fn upsert_into(
    writer: &mut ListingWriter<'_>,
    files: &[PathBuf],
    role: Option<Role>,
    snapshot: Option<Date>,
    undated: Option<Date>,
    rejects: &mut batch::Rejects,
    manifest: &mut Manifest,
    known: Option<&HashMap<String, ListingHistory>>,
) -> anyhow::Result<Upserted> {
    // Unchanged: the same listing as the current one on this or a later day, or an earlier
    // day the index already holds with the same figures (an export re-sending its history).
    let unchanged = |listing: &Listing| {
        let Some(known) = known.and_then(|k| k.get(&listing.id)) else {
            return false;
        };
        let current = &known.listing;
        let same_listing = Listing {
            snapshot: listing.snapshot,
            sales: listing.sales,
            price: listing.price,
            ..current.clone()
        } == *listing;
        let same_figures = |sales, price| listing.sales == sales && listing.price == price;
        same_listing
            && (listing.snapshot >= current.snapshot && same_figures(current.sales, current.price)
                || known
                    .snapshots
                    .iter()
                    .any(|s| s.date == listing.snapshot && same_figures(s.sales, s.price)))
    };
    let mut done = Upserted::default();
    for file in files {
        let options = Options {
            required: vec![Field::Id, Field::Title],
            ..Default::default()
        };
        let (mut rows, before, mut without_date) = (0u64, rejects.len(), 0u64);
        let reader = input::open(file, &options)?;
        if role.is_none()
            && let Some(header) = reader.header()
            && header.index_of(Field::Role).is_none()
        {
            // Otherwise every row would be rejected, one by one, for the same reason.
            anyhow::bail!(
                "{}: no role column (角色): say whose listings these are with --role \
                 own|competitor|industry",
                file.display()
            );
        }
        for row in reader {
            let outcome = row.map_err(Reject::from).and_then(|record| {
                // A date column wins; a row without one is of the given snapshot day, while
                // an empty cell in a date column is a bad row.
                let dated = record.header().index_of(Field::Date).is_some();
                let day = snapshot.or(if dated { None } else { undated });
                without_date += u64::from(!dated && day.is_some());
                Listing::from_record(&record, role, day).map_err(|e| {
                    Reject::new(record.location().to_string(), &e, record.raw().into_owned())
                })
            });
            match outcome {
                Ok(listing) if unchanged(&listing) => done.unchanged += 1,
                Ok(listing) => {
                    writer.upsert(&listing)?;
                    rows += 1;
                }
                Err(reject) => rejects.push(reject)?,
            }
        }
        done.rows += rows;
        if without_date > 0 {
            done.undated.push((file.clone(), without_date));
        }
        manifest.imports.push(ImportRecord::now(
            file,
            rows,
            rejects.len() - before,
            "listings",
        ));
    }
    Ok(done)
}

/// `index rebuild`: every stored listing re-tokenised with the dictionaries in force, into a
/// fresh index swapped in atomically under the writer lock; the manifest then records these
/// dictionaries, so the stale-dictionary warning stops.
pub fn rebuild(settings: &Settings, dicts: Dictionaries) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let ws = Workspace::open(&settings.workspace)?;
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let lock = ws.lock(&command)?;
    let dir = ws.index_dir();
    // An index whose swap was interrupted sits in `index.old`: opening restores it.
    let segmenter = Arc::new(Segmenter::new(Arc::new(dicts)));
    let exists = ListingIndex::exists(&dir);
    anyhow::ensure!(
        exists,
        "{}: no listing index to rebuild; build one with `baobei index add FILE... --role ROLE`",
        dir.display()
    );
    let threads = rayon::current_num_threads().clamp(1, 8);
    let options = WriterOptions {
        threads,
        ..WriterOptions::default()
    };
    let bar = super::keywords::progress(settings.quiet, "listings");
    let summary = ListingIndex::rebuild(&dir, segmenter.clone(), options, |n| bar.inc(n));
    bar.finish_and_clear();
    let summary = summary?;
    let mut manifest = ws.manifest()?;
    manifest.set_dictionaries(segmenter.dictionaries());
    manifest
        .imports
        .push(ImportRecord::now(&dir, summary.listings, 0, "rebuild"));
    lock.save_manifest(&manifest)?;
    drop(lock);
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

/// `index stats`: one record per figure, so that it reads as a table and as CSV alike.
pub fn stats(
    settings: &Settings,
    args: &IndexStatsArgs,
    dicts: Dictionaries,
) -> anyhow::Result<Exit> {
    let ws = Workspace::at(&settings.workspace);
    let dir = ws.index_dir();
    anyhow::ensure!(
        ListingIndex::exists(&dir),
        "{}: no listing index yet; build one with `baobei index add FILE... --role ROLE`",
        dir.display()
    );
    let index = ListingIndex::create_or_open(&dir, Arc::new(Segmenter::new(Arc::new(dicts))))?;
    let stats = index.stats()?;
    let manifest = ws.manifest()?;
    let last_import = manifest
        .imports
        .iter()
        .rev()
        .find(|i| i.source == "listings");
    let mut figures: BTreeMap<(u8, String), String> = BTreeMap::new();
    let mut put = |order: u8, name: String, value: String| {
        figures.insert((order, name), value);
    };
    put(0, "listings".into(), stats.listings.to_string());
    put(1, "snapshot rows".into(), stats.history_rows.to_string());
    for (role, n) in &stats.by_role {
        put(2, format!("role {}", role.as_str()), n.to_string());
    }
    for (category, n) in &stats.by_category {
        put(
            3,
            format!("category {}", category.as_deref().unwrap_or("-")),
            n.to_string(),
        );
    }
    for (date, n) in &stats.snapshots {
        put(4, format!("snapshot {date}"), n.to_string());
    }
    put(5, "segments".into(), stats.segments.to_string());
    put(6, "bytes on disk".into(), stats.bytes_on_disk.to_string());
    if let Some(import) = last_import {
        put(
            7,
            "last import".into(),
            format!(
                "{} at {} ({} rows, {} rejects)",
                import.file, import.time, import.rows, import.rejects
            ),
        );
    }
    let format = settings
        .format
        .unwrap_or_else(|| Sink::default_format(args.output.as_deref()));
    let mut sink = Sink::open(args.output.as_deref(), format)?;
    for ((_, name), value) in figures {
        sink.write(&Figure { name, value })?;
    }
    sink.finish()?;
    Ok(Exit::Ok)
}

/// One figure of `index stats`.
#[derive(Debug, Serialize)]
pub struct Figure {
    pub name: String,
    pub value: String,
}

impl Record for Figure {
    const HEADERS: &'static [&'static str] = &["项目", "数值"];
    fn rows(&self, out: &mut Vec<Vec<String>>) {
        out.push(vec![self.name.clone(), self.value.clone()]);
    }
}
