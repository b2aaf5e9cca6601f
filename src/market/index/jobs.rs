//! The workspace's listing jobs: listings added from files (`index add`, and the nightly
//! job's imports, which skip what the index already holds), the index rebuilt with the
//! dictionaries in force, and the figures of `index stats`. Writers hold the workspace lock
//! and make one commit per batch.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Listing, ListingHistory, ListingIndex, RebuildSummary, Role, WriterOptions};
use crate::batch::{JobError, Reject, Rejects};
use crate::input::{self, Date, Field, Options, parse_date};
use crate::market::workspace::{ImportRecord, Manifest, Workspace, utc_now};
use crate::text::Segmenter;

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

/// What [`add`] did: the rows, the day given to rows without a date, and the index written.
#[derive(Debug)]
pub struct Added {
    /// The rows upserted and skipped.
    pub upserted: Upserted,
    /// The snapshot day of the rows of files without a date column: `--snapshot`, else today.
    pub day: Date,
    /// The index, to reload and count.
    pub index: ListingIndex,
}

/// `index add`: upserts the listings of every file under the writer lock (held as `holder`),
/// with one commit for the whole batch: a crash or kill before it leaves the last committed
/// index as it was. A file without dates is a snapshot of `snapshot`, else of the day it is
/// added. The manifest then records the dictionaries the index is built with, so that a later
/// run with others is told.
pub fn add(
    ws: &Workspace,
    segmenter: Arc<Segmenter>,
    files: &[impl AsRef<Path>],
    role: Option<Role>,
    snapshot: Option<Date>,
    rejects: &mut Rejects,
    holder: &str,
) -> Result<Added, JobError> {
    let today = parse_date(&utc_now()[..10])
        .ok()
        .flatten()
        .expect("utc_now starts with a date");
    let lock = ws.lock(holder)?;
    let mut manifest = ws.manifest()?;
    let index = ListingIndex::create_or_open(ws.index_dir(), segmenter.clone())?;
    let upserted = upsert_files(
        &index,
        files,
        role,
        snapshot,
        Some(today),
        rejects,
        &mut manifest,
        None,
    )?;
    manifest.set_dictionaries(segmenter.dictionaries());
    lock.save_manifest(&manifest)?;
    Ok(Added {
        upserted,
        day: snapshot.unwrap_or(today),
        index,
    })
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
    files: &[impl AsRef<Path>],
    role: Option<Role>,
    snapshot: Option<Date>,
    undated: Option<Date>,
    rejects: &mut Rejects,
    manifest: &mut Manifest,
    known: Option<&HashMap<String, ListingHistory>>,
) -> Result<Upserted, JobError> {
    let threads = rayon::current_num_threads().clamp(1, 8);
    let mut writer = index.writer(WriterOptions {
        threads,
        ..WriterOptions::default()
    })?;
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
        let file = file.as_ref();
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
            return Err(JobError::Missing {
                path: file.to_owned(),
                what: "no role column (角色): say whose listings these are with --role \
                       own|competitor|industry"
                    .into(),
            });
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
            done.undated.push((file.to_owned(), without_date));
        }
        manifest.imports.push(ImportRecord::now(
            file,
            rows,
            rejects.len() - before,
            "listings",
        ));
    }
    writer.commit()?;
    Ok(done)
}

/// `index rebuild`: every stored listing re-tokenised by `segmenter` into a fresh index swapped
/// in atomically under the writer lock (held as `holder`); the manifest then records these
/// dictionaries, so the stale-dictionary warning stops. `progress` hears of listings done.
pub fn rebuild(
    ws: &Workspace,
    segmenter: Arc<Segmenter>,
    holder: &str,
    progress: impl FnMut(u64),
) -> Result<RebuildSummary, JobError> {
    let lock = ws.lock(holder)?;
    let dir = ws.index_dir();
    // An index whose swap was interrupted sits in `index.old`: opening restores it.
    if !ListingIndex::exists(&dir) {
        return Err(JobError::Missing {
            path: dir,
            what: "no listing index to rebuild; build one with `baobei index add FILE... --role \
                   ROLE`"
                .into(),
        });
    }
    let threads = rayon::current_num_threads().clamp(1, 8);
    let options = WriterOptions {
        threads,
        ..WriterOptions::default()
    };
    let summary = ListingIndex::rebuild(&dir, segmenter.clone(), options, progress)?;
    let mut manifest = ws.manifest()?;
    manifest.set_dictionaries(segmenter.dictionaries());
    manifest
        .imports
        .push(ImportRecord::now(&dir, summary.listings, 0, "rebuild"));
    lock.save_manifest(&manifest)?;
    Ok(summary)
}

/// `index stats`: what the workspace's index holds, as (name, value) figures in reading order:
/// listings, snapshot rows, per role, per category, per snapshot day, segments, bytes on disk
/// and the last import of listings.
pub fn figures(
    ws: &Workspace,
    segmenter: Arc<Segmenter>,
) -> Result<Vec<(String, String)>, JobError> {
    let dir = ws.index_dir();
    if !ListingIndex::exists(&dir) {
        return Err(JobError::Missing {
            path: dir,
            what: "no listing index yet; build one with `baobei index add FILE... --role ROLE`"
                .into(),
        });
    }
    let index = ListingIndex::create_or_open(&dir, segmenter)?;
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
    Ok(figures
        .into_iter()
        .map(|((_, name), value)| (name, value))
        .collect())
}
