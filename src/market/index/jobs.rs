//! The workspace's listing jobs: listings added from files (`index add`, and the nightly
//! job's imports, which skip what the index already holds), the index rebuilt with the
//! dictionaries in force, and the figures of `index stats`. Writers hold the workspace lock
//! and make one commit per batch.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{
    Listing, ListingHistory, ListingIndex, ListingWriter, RebuildSummary, Role, WriterOptions,
};
use crate::batch::{JobError, Reject, Rejects};
use crate::input::{self, Date, Field, Options, parse_date};
use crate::lang::{Lang, Said};
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
pub fn listings_writer(index: &ListingIndex) -> Result<ListingWriter<'_>, JobError> {
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
    files: &[impl AsRef<Path>],
    role: Option<Role>,
    snapshot: Option<Date>,
    undated: Option<Date>,
    rejects: &mut Rejects,
    manifest: &mut Manifest,
    known: Option<&HashMap<String, ListingHistory>>,
) -> Result<Upserted, JobError> {
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
                what: Said::new(
                    "没有角色列（角色）：请用 --role own|competitor|industry 说明这些是谁的宝贝",
                    "no role column (角色): say whose listings these are with --role \
                     own|competitor|industry",
                ),
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
            what: Said::new(
                "没有可重建的宝贝索引；请用 `baobei index add FILE... --role ROLE` 建立",
                "no listing index to rebuild; build one with `baobei index add FILE... --role \
                 ROLE`",
            ),
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

/// One figure of `index stats`: a stable [`key`](IndexFigure::key) for machines, a label and
/// a value for people in either language.
#[derive(Debug, Clone, PartialEq)]
pub enum IndexFigure {
    /// Current listings (one per item id).
    Listings(u64),
    /// History rows (one per item id and snapshot day).
    SnapshotRows(u64),
    /// Current listings of a role.
    Role(Role, u64),
    /// Current listings of a category (`None`: without one).
    Category(Option<String>, u64),
    /// History rows of a snapshot day.
    Snapshot(Date, u64),
    /// tantivy segments searched.
    Segments(usize),
    /// Bytes of the index files.
    BytesOnDisk(u64),
    /// The last import of listings.
    LastImport {
        /// The file imported.
        file: String,
        /// When (UTC, RFC 3339).
        time: String,
        /// Rows indexed.
        rows: u64,
        /// Rows rejected.
        rejects: u64,
    },
}

impl IndexFigure {
    /// The figure's name for machines (JSON `name`), the same in every language.
    pub fn key(&self) -> String {
        match self {
            Self::Listings(_) => "listings".into(),
            Self::SnapshotRows(_) => "snapshot rows".into(),
            Self::Role(role, _) => format!("role {}", role.as_str()),
            Self::Category(c, _) => format!("category {}", c.as_deref().unwrap_or("-")),
            Self::Snapshot(date, _) => format!("snapshot {date}"),
            Self::Segments(_) => "segments".into(),
            Self::BytesOnDisk(_) => "bytes on disk".into(),
            Self::LastImport { .. } => "last import".into(),
        }
    }

    /// The figure's name for a person, in `lang`.
    pub fn label(&self, lang: Lang) -> String {
        match (lang, self) {
            (Lang::En, _) => self.key(),
            (Lang::Zh, Self::Listings(_)) => "宝贝数".into(),
            (Lang::Zh, Self::SnapshotRows(_)) => "快照行数".into(),
            (Lang::Zh, Self::Role(role, _)) => format!("角色 {}", role.name_zh()),
            (Lang::Zh, Self::Category(c, _)) => {
                format!("类目 {}", c.as_deref().unwrap_or("（无）"))
            }
            (Lang::Zh, Self::Snapshot(date, _)) => format!("快照 {date}"),
            (Lang::Zh, Self::Segments(_)) => "索引段数".into(),
            (Lang::Zh, Self::BytesOnDisk(_)) => "磁盘字节数".into(),
            (Lang::Zh, Self::LastImport { .. }) => "最近一次导入".into(),
        }
    }

    /// The figure's value for a person, in `lang`.
    pub fn value(&self, lang: Lang) -> String {
        match self {
            Self::Listings(n)
            | Self::SnapshotRows(n)
            | Self::Role(_, n)
            | Self::Category(_, n)
            | Self::Snapshot(_, n)
            | Self::BytesOnDisk(n) => n.to_string(),
            Self::Segments(n) => n.to_string(),
            Self::LastImport {
                file,
                time,
                rows,
                rejects,
            } => match lang {
                Lang::Zh => format!("{file}，{time}（{rows} 行，拒收 {rejects} 行）"),
                Lang::En => format!("{file} at {time} ({rows} rows, {rejects} rejects)"),
            },
        }
    }
}

/// `index stats`: what the workspace's index holds, in reading order: listings, snapshot rows,
/// per role, per category, per snapshot day, segments, bytes on disk and the last import of
/// listings.
pub fn figures(ws: &Workspace, segmenter: Arc<Segmenter>) -> Result<Vec<IndexFigure>, JobError> {
    let dir = ws.index_dir();
    if !ListingIndex::exists(&dir) {
        return Err(JobError::Missing {
            path: dir,
            what: Said::new(
                "还没有宝贝索引；请用 `baobei index add FILE... --role ROLE` 建立",
                "no listing index yet; build one with `baobei index add FILE... --role ROLE`",
            ),
        });
    }
    let index = ListingIndex::create_or_open(&dir, segmenter)?;
    let stats = index.stats()?;
    let manifest = ws.manifest()?;
    let mut figures = vec![
        IndexFigure::Listings(stats.listings),
        IndexFigure::SnapshotRows(stats.history_rows),
    ];
    // Roles by name, as the figures always came.
    let mut roles: Vec<(Role, u64)> = stats.by_role.iter().map(|(r, n)| (*r, *n)).collect();
    roles.sort_by_key(|(r, _)| r.as_str());
    figures.extend(roles.into_iter().map(|(r, n)| IndexFigure::Role(r, n)));
    figures.extend(
        stats
            .by_category
            .iter()
            .map(|(c, n)| IndexFigure::Category(c.clone(), *n)),
    );
    figures.extend(
        stats
            .snapshots
            .iter()
            .map(|(d, n)| IndexFigure::Snapshot(*d, *n)),
    );
    figures.push(IndexFigure::Segments(stats.segments));
    figures.push(IndexFigure::BytesOnDisk(stats.bytes_on_disk));
    if let Some(import) = manifest
        .imports
        .iter()
        .rev()
        .find(|i| i.source == "listings")
    {
        figures.push(IndexFigure::LastImport {
            file: import.file.clone(),
            time: import.time.clone(),
            rows: import.rows,
            rejects: import.rejects,
        });
    }
    Ok(figures)
}
