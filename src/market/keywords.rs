//! The workspace's keyword jobs: keyword exports merged into the table (`keywords import`),
//! keyword rows derived from the listing index and a query log (`keywords derive`), and the
//! query logs read. Each runs under the workspace's writer lock, replaces the table and the
//! manifest atomically (an interrupted job leaves the previous state), and sets bad rows aside.

use std::io;
use std::path::Path;
use std::sync::Arc;

use super::derive::{self, Derivation, DeriveOptions};
use super::import::{ImportConfig, ImportError, detect_source, map_record};
use super::index::ListingIndex;
use super::table::{KeywordTable, Period, Source, TableBuilder, TableError, WriteSummary};
use super::workspace::{ImportRecord, Manifest, Workspace};
use crate::batch::{JobError, Reject, Rejects};
use crate::dictionary::Dictionaries;
use crate::input::{self, Field, Format, Options};
use crate::title::Segmenter;

/// `keywords import`: merges keyword exports into the workspace's table under the writer
/// lock (held in the name of `holder`); see [`import_files`]. Returns the rows imported and
/// what was written.
pub fn import(
    ws: &Workspace,
    files: &[impl AsRef<Path>],
    period: Option<Period>,
    dicts: &Dictionaries,
    rejects: &mut Rejects,
    holder: &str,
) -> Result<(u64, WriteSummary), JobError> {
    let lock = ws.lock(holder)?;
    let mut manifest = ws.manifest()?;
    if manifest.dictionaries.is_empty() {
        manifest.set_dictionaries(dicts);
    }
    let done = import_files(ws, files, period, None, rejects, &mut manifest)?;
    lock.save_manifest(&manifest)?;
    Ok(done)
}

/// Merges keyword exports into the workspace's table (written atomically), recording each
/// file in the manifest's history; returns the rows imported and what was written. `period`
/// overrides the files' date columns; `undated` is the period of files without one. The
/// caller holds the writer lock.
pub fn import_files(
    ws: &Workspace,
    files: &[impl AsRef<Path>],
    period: Option<Period>,
    undated: Option<Period>,
    rejects: &mut Rejects,
    manifest: &mut Manifest,
) -> Result<(u64, WriteSummary), JobError> {
    let config = ImportConfig::load(&ws.config_path())?;

    let mut builder = TableBuilder::new();
    let table_path = ws.table_path();
    if table_path.exists() {
        let table = KeywordTable::open(&table_path)?;
        builder.extend_from_table(&table)?;
    }
    let mut imported = 0u64;
    for file in files {
        let file = file.as_ref();
        let options = Options {
            required: vec![Field::Keyword],
            ..Default::default()
        };
        let reader = input::open(file, &options)?;
        let source = reader.header().map_or(Source::Other, detect_source);
        let dated = reader
            .header()
            .is_some_and(|h| h.index_of(Field::Date).is_some());
        let period = period.or(if dated { None } else { undated });
        let (mut rows, before) = (0u64, rejects.len());
        for row in reader {
            let outcome = match row {
                Err(e) => Err(Reject::from(e)),
                Ok(record) => map_record(&record, source, period, &config)
                    .map_err(|e| import_reject(&e, record.raw().into_owned()))
                    .and_then(|row| {
                        builder
                            .insert(&row.keyword, &row.category, row.stats)
                            .map_err(|e| {
                                Reject::new(
                                    invalid_cell(&record, &e).to_string(),
                                    &e,
                                    record.raw().into_owned(),
                                )
                            })
                    }),
            };
            match outcome {
                Ok(()) => rows += 1,
                Err(reject) => rejects.push(reject)?,
            }
        }
        imported += rows;
        manifest.imports.push(ImportRecord::now(
            file,
            rows,
            rejects.len() - before,
            &source.to_string(),
        ));
    }

    let written = builder.write(&table_path)?;
    Ok((imported, written))
}

/// Where a value the table refuses sits: its cell, else the row.
fn invalid_cell(record: &input::Record, error: &TableError) -> input::Location {
    let field = match error {
        TableError::InvalidRow { field, .. } => match *field {
            "popularity" | "demand" => Some(Field::SearchPopularity),
            "heat" => Some(Field::SearchHeat),
            name => Field::ALL.iter().copied().find(|f| f.name() == name),
        },
        _ => None,
    };
    field
        .and_then(|f| record.header().index_of(f))
        .map_or_else(|| record.location(), |i| record.cell_location(i))
}

fn import_reject(e: &ImportError, raw: String) -> Reject {
    Reject::new(e.location().unwrap_or_default(), e, raw)
}

/// What [`fn@derive`] did: the rows derived, what was written, and the derivation itself (its
/// candidates, listings and period, for the summary).
#[derive(Debug)]
pub struct Derived {
    /// Keyword rows derived (queries found by at least one listing).
    pub rows: usize,
    /// The table written.
    pub written: WriteSummary,
    /// The derivation.
    pub derivation: Derivation,
}

/// `keywords derive`: keyword rows computed from the listing index (see [`mod@derive`]) for
/// the queries of `queries_file` (kept in the workspace for later runs) or of the log kept
/// before, merged into the table under the writer lock (held as `holder`). The rows of an
/// earlier derive over the same period are replaced, not merged: a fresh count of the same
/// listings supersedes the old one. Measured rows of any period still win (table merge
/// rules). `progress` hears of the queries done.
pub fn derive(
    ws: &Workspace,
    segmenter: Arc<Segmenter>,
    queries_file: Option<&Path>,
    options: &DeriveOptions,
    rejects: &mut Rejects,
    holder: &str,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Derived, JobError> {
    let lock = ws.lock(holder)?;
    let dir = ws.index_dir();
    if !ListingIndex::exists(&dir) {
        return Err(JobError::Missing {
            path: dir,
            what: "no listing index to derive keywords from; build one with `baobei index add \
                   FILE... --role ROLE`"
                .into(),
        });
    }
    let index = ListingIndex::create_or_open(&dir, segmenter)?;
    let queries = match queries_file {
        Some(path) => read_queries(path, rejects)?,
        None => Vec::new(),
    };
    if queries_file.is_none() && !ws.queries_path().exists() {
        return Err(JobError::Missing {
            path: ws.root().to_owned(),
            what: "no search queries to derive keywords from: a keyword is a real query; give a \
                   query log or keyword list with `--queries FILE` (it is kept in the workspace \
                   for later runs)"
                .into(),
        });
    }
    let mut manifest = ws.manifest()?;
    let done = derive_into(
        ws,
        &index,
        &queries,
        options,
        queries_file,
        rejects.len(),
        &mut manifest,
        progress,
    )?;
    lock.save_manifest(&manifest)?;
    Ok(done)
}

/// Derives keyword rows from the listing index and merges them into the workspace's table
/// (written atomically), replacing the derived rows of the same period, and records the
/// derivation in the manifest. With `queries_file`, `queries` (read from it) are kept in the
/// workspace first; without, the queries kept before are used. The caller holds the writer
/// lock.
#[allow(clippy::too_many_arguments)]
pub fn derive_into(
    ws: &Workspace,
    index: &ListingIndex,
    queries: &[String],
    options: &DeriveOptions,
    queries_file: Option<&Path>,
    rejected: usize,
    manifest: &mut Manifest,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Derived, JobError> {
    let kept;
    let queries = if queries_file.is_some() {
        ws.keep_queries(queries)?;
        queries
    } else {
        kept = ws.queries()?;
        &kept
    };
    let derivation = derive::derive(index, queries, options, progress)?;

    let mut builder = TableBuilder::new();
    let table_path = ws.table_path();
    if table_path.exists() {
        // Verified: a rebuild must not carry damage into a file with a fresh checksum.
        let table = KeywordTable::open_verified(&table_path)?;
        for row in table.iter() {
            let row = row?;
            let replaced =
                row.stats.source == Source::Derived && Some(row.stats.period) == derivation.period;
            if !replaced {
                builder.insert(row.keyword, row.category, row.stats)?;
            }
        }
    }
    let rows = derivation.insert_into(&mut builder)?;
    let written = builder.write(&table_path)?;
    if manifest.dictionaries.is_empty() {
        manifest.set_dictionaries(index.segmenter().dictionaries());
    }
    manifest.derived_from = Some(index.fingerprint()?);
    let file = queries_file.map_or_else(|| index.path().to_owned(), Path::to_owned);
    manifest.imports.push(ImportRecord::now(
        &file,
        rows as u64,
        rejected,
        &Source::Derived.to_string(),
    ));
    Ok(Derived {
        rows,
        written,
        derivation,
    })
}

/// Reads queries: a TSV (or a text file whose first line has a tab) as headerless
/// `qid<TAB>query`, a text file as one query per line, anything else by its header
/// (a 关键词/query column, else a title column).
pub fn read_queries(path: &Path, rejects: &mut Rejects) -> Result<Vec<String>, JobError> {
    let format = Format::from_path(path);
    let tabbed = format == Format::Tsv
        || (format == Format::Text && first_line_has_tab(path).unwrap_or(false));
    let options = if tabbed {
        Options {
            format: Some(Format::Tsv),
            columns: Some(vec!["qid".into(), "query".into()]),
            ..Default::default()
        }
    } else {
        Options::default()
    };
    let mut queries = Vec::new();
    for row in input::open(path, &options)? {
        match row {
            Err(e) => rejects.push(Reject::from(e))?,
            Ok(record) => match record.text(Field::Keyword).or(record.text(Field::Title)) {
                Some(query) => queries.push(query.to_owned()),
                None => rejects.push(Reject::new(
                    record.location().to_string(),
                    &"no query in the row",
                    record.raw().into_owned(),
                ))?,
            },
        }
    }
    Ok(queries)
}

fn first_line_has_tab(path: &Path) -> io::Result<bool> {
    use std::io::Read;
    let mut head = [0u8; 4096];
    let n = std::fs::File::open(path)?.read(&mut head)?;
    let line = head[..n].split(|&b| b == b'\n').next().unwrap_or_default();
    Ok(line.contains(&b'\t'))
}
