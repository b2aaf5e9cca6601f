//! The history of nightly runs: each run of `baobei rescore` is a directory under the
//! workspace's `runs/`, complete or absent.
//!
//! ```text
//! baobei-workspace/runs/
//!   2026-11-23-1/
//!     manifest.json     inputs with checksums, settings, version, counts, timings
//!     scores.jsonl      one record per own item: score, covered and missing keywords
//!     proposals.jsonl   the change-set: old and new title, gain, reason, status
//!     proposals.csv     the same for Excel, Chinese headers
//!     ads.jsonl         through-train decisions, when a report was given
//!     rejects.csv       rows set aside, when there were any
//!     report.html       the operator's page: one self-contained file
//!   .building-2026-11-24-1234/   a run being built (or left by a killed one)
//! ```
//!
//! A run is built in a `.building-*` directory and renamed to `<date>-<n>` only when every
//! file in it is written and synced, so a run killed at any point leaves no partial run: its
//! directory is not a run (listing ignores it) and the next run, holding the workspace's
//! writer lock, removes it.

pub mod history;
pub mod night;
pub mod report;

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::io_error::{Action, IoError};
use crate::lang::{Describe, Lang};
use crate::market::workspace::WriterLock;

/// The run manifest format this build writes and reads.
pub const RUN_VERSION: u32 = 1;

/// Prefix of a run directory still being built.
const BUILDING_PREFIX: &str = ".building-";

/// The files of a run.
pub mod files {
    /// The run manifest.
    pub const MANIFEST: &str = "manifest.json";
    /// One [`super::ItemScore`] per line.
    pub const SCORES: &str = "scores.jsonl";
    /// One [`super::Proposal`] per line.
    pub const PROPOSALS: &str = "proposals.jsonl";
    /// The proposals as CSV for Excel.
    pub const PROPOSALS_CSV: &str = "proposals.csv";
    /// Through-train decisions, one per line.
    pub const ADS: &str = "ads.jsonl";
    /// Rows set aside.
    pub const REJECTS: &str = "rejects.csv";
    /// The HTML report.
    pub const REPORT: &str = "report.html";
}

/// Errors reading or writing runs; each names the path concerned.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A file or directory could not be read or written.
    #[error("{}", self.describe(Lang::En))]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What was being done.
        action: Action,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// A run file is not what this build wrote.
    #[error("{}", self.describe(Lang::En))]
    Bad {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// No completed run has that name.
    #[error("{}", self.describe(Lang::En))]
    NotFound {
        /// The runs directory.
        runs: PathBuf,
        /// The name asked for.
        name: String,
    },
}

impl Describe for RunError {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (
                RunError::Io {
                    path,
                    action,
                    source,
                },
                _,
            ) => IoError::describe_parts(path, *action, source, lang),
            (
                RunError::Bad {
                    path,
                    line,
                    column,
                    message,
                },
                _,
            ) => format!("{}:{line}:{column}: {message}", path.display()),
            (RunError::NotFound { runs, name }, Lang::Zh) => format!(
                "{}: 没有名为 \"{name}\" 的运行（见 `baobei runs list`）",
                runs.display()
            ),
            (RunError::NotFound { runs, name }, Lang::En) => format!(
                "{}: no run named \"{name}\" (see `baobei runs list`)",
                runs.display()
            ),
        }
    }
}

fn io_error<'p>(path: &'p Path, action: Action) -> impl FnOnce(io::Error) -> RunError + 'p {
    move |source| RunError::Io {
        path: path.to_owned(),
        action,
        source,
    }
}

/// An input file of a run, identified by its content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputRecord {
    /// What the file was given as: `listings`, `competitors`, `keywords`, `ads`, `queries`.
    pub role: String,
    /// The path as given.
    pub path: String,
    /// xxh3-64 of the content, hex: tells a re-sent file from a new one.
    pub checksum: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Rows read and used.
    pub rows: u64,
    /// Rows set aside.
    pub rejects: u64,
}

impl InputRecord {
    /// Checksums `path` (streaming, flat memory) for the record; rows are filled in later.
    pub fn of_file(role: &str, path: &Path) -> Result<InputRecord, RunError> {
        let file =
            File::open(path).map_err(io_error(path, ("读取输入文件", "read an input file")))?;
        let mut reader = BufReader::with_capacity(1 << 20, file);
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        let mut bytes = 0u64;
        loop {
            let buf = reader
                .fill_buf()
                .map_err(io_error(path, ("读取输入文件", "read an input file")))?;
            if buf.is_empty() {
                break;
            }
            hasher.update(buf);
            let n = buf.len();
            bytes += n as u64;
            reader.consume(n);
        }
        Ok(InputRecord {
            role: role.to_owned(),
            path: path.display().to_string(),
            checksum: format!("{:016x}", hasher.digest()),
            bytes,
            rows: 0,
            rejects: 0,
        })
    }
}

/// What a run did, in numbers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunCounts {
    /// Own items scored.
    pub items: u64,
    /// Listings (own and competitor) newly indexed or changed.
    pub listings_indexed: u64,
    /// Listings read but unchanged since the last import, so not re-indexed.
    pub listings_unchanged: u64,
    /// New titles proposed in this run.
    pub proposals: u64,
    /// Proposals standing from an earlier run (not applied yet).
    pub repeated: u64,
    /// Items that would gain but were proposed or retitled within the hold period.
    pub held_back: u64,
    /// Items whose score fell since the previous run.
    pub fell: u64,
    /// Through-train keywords reviewed.
    pub ads_keywords: u64,
    /// Rows set aside, over all inputs.
    pub rejects: u64,
    /// Mean score of the own items.
    pub mean_score: f64,
}

/// The manifest of a completed run: enough to know what it read, how, and what it found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunManifest {
    /// [`RUN_VERSION`] at the time of writing.
    pub format_version: u32,
    /// The run's name, `<date>-<n>`.
    pub id: String,
    /// The date the run is for, `YYYY-MM-DD`.
    pub date: String,
    /// UTC start and finish, `YYYY-MM-DDTHH:MM:SSZ`.
    pub started: String,
    /// See `started`.
    pub finished: String,
    /// baobei's version.
    pub version: String,
    /// The previous completed run compared against, if any.
    pub previous: Option<String>,
    /// The input files.
    pub inputs: Vec<InputRecord>,
    /// Settings in force (budget, thresholds, hold period, ...).
    pub settings: BTreeMap<String, serde_json::Value>,
    /// What the run did.
    pub counts: RunCounts,
    /// Seconds per phase, in order.
    pub timings: Vec<(String, f64)>,
}

/// A keyword with its value, as a run records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeywordValue {
    /// The keyword.
    pub keyword: String,
    /// Its value at the time of the run.
    pub value: f64,
    /// Whether the market marks it rising.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rising: bool,
}

/// One own item's score in a run (a line of `scores.jsonl`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemScore {
    /// Item id.
    pub id: String,
    /// The title scored.
    pub title: String,
    /// The score, 0-100.
    pub score: f64,
    /// Keywords the title covers.
    pub covered: Vec<KeywordValue>,
    /// The most valuable relevant keywords it misses.
    pub missing: Vec<KeywordValue>,
    /// The day a change of this title was first seen (`None`: unchanged since first seen).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_changed: Option<String>,
    /// The proposal standing for this item, if one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposed: Option<ProposalMark>,
    /// A better title this run held back, and why (an operator asks "why not this one?").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held: Option<HeldBack>,
}

/// A better title not proposed now: the structured reason plus its rendering in the run's
/// language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldBack {
    /// The title that would have been proposed.
    pub new_title: String,
    /// Why it is held back.
    pub why: history::HoldReason,
    /// `why` for a person.
    pub reason: String,
}

/// A proposal carried from run to run until it is applied or withdrawn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposalMark {
    /// The proposed title.
    pub new_title: String,
    /// The day it was first proposed, `YYYY-MM-DD`.
    pub since: String,
}

/// Where a proposal stands against earlier runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    /// Proposed for the first time.
    New,
    /// The same title was proposed by an earlier run and not applied yet.
    Repeated,
}

/// One line of the change-set: a new title for an item, with why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    /// Item id.
    pub id: String,
    /// The current title.
    pub title: String,
    /// The proposed title.
    pub new_title: String,
    /// Score of the current title.
    pub score: f64,
    /// Score of the proposed title.
    pub new_score: f64,
    /// Words added and removed.
    pub added: Vec<String>,
    /// See `added`.
    pub removed: Vec<String>,
    /// Why, in a sentence.
    pub reason: String,
    /// New or standing from an earlier run.
    pub status: ProposalStatus,
    /// The run that first proposed it.
    pub first_proposed: String,
}

impl Proposal {
    /// The score gain, in points.
    pub fn gain(&self) -> f64 {
        self.new_score - self.score
    }
}

/// A completed run on disk.
#[derive(Debug, Clone)]
pub struct Run {
    dir: PathBuf,
    manifest: RunManifest,
}

impl Run {
    /// The run's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Its manifest.
    pub fn manifest(&self) -> &RunManifest {
        &self.manifest
    }

    /// The path of one of its [`files`].
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Reads one of its JSON Lines files (empty when the run did not write it).
    pub fn read_lines<T: DeserializeOwned>(&self, name: &str) -> Result<Vec<T>, RunError> {
        let mut out = Vec::new();
        self.for_each_line(name, |record| {
            out.push(record);
            Ok(())
        })?;
        Ok(out)
    }

    /// Streams one of its JSON Lines files, a record at a time (flat memory for big runs).
    pub fn for_each_line<T: DeserializeOwned>(
        &self,
        name: &str,
        mut f: impl FnMut(T) -> Result<(), RunError>,
    ) -> Result<(), RunError> {
        let path = self.file(name);
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => {
                return Err(io_error(&path, ("读取运行文件", "read a run file"))(
                    e,
                ));
            }
        };
        for (i, line) in BufReader::new(file).lines().enumerate() {
            let line = line.map_err(io_error(&path, ("读取运行文件", "read a run file")))?;
            if line.trim().is_empty() {
                continue;
            }
            let record = serde_json::from_str(&line).map_err(|e| RunError::Bad {
                path: path.clone(),
                line: i + 1,
                column: e.column(),
                message: e.to_string(),
            })?;
            f(record)?;
        }
        Ok(())
    }
}

/// The `runs/` directory of a workspace.
#[derive(Debug, Clone)]
pub struct RunStore {
    dir: PathBuf,
}

impl RunStore {
    /// The runs of the workspace at `root` (nothing is created until a run is built).
    pub fn new(root: &Path) -> RunStore {
        RunStore {
            dir: root.join("runs"),
        }
    }

    /// The `runs/` directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Completed runs, oldest first (by date, then number). Directories that are not
    /// completed runs (being built, killed, foreign) are skipped, and so are damaged runs
    /// (see [`scan`](Self::scan) to hear of them).
    pub fn list(&self) -> Result<Vec<Run>, RunError> {
        Ok(self.scan()?.0)
    }

    /// Completed runs as [`list`](Self::list) gives them, and why each damaged run (one whose
    /// manifest cannot be read) was left out: one bad old run must not stop every later
    /// night or listing, but the operator is told which it is.
    pub fn scan(&self) -> Result<(Vec<Run>, Vec<RunError>), RunError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((Vec::new(), Vec::new())),
            Err(e) => {
                return Err(io_error(&self.dir, ("列出运行记录", "list the runs"))(
                    e,
                ));
            }
        };
        let (mut runs, mut damaged) = (Vec::new(), Vec::new());
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io_error(&self.dir, ("列出运行记录", "list the runs")))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if parse_run_name(&name).is_some() {
                names.push(name);
            }
        }
        names.sort_by_key(|name| parse_run_name(name));
        for name in names {
            match self.load(&name) {
                Ok(run) => runs.push(run),
                Err(error) => damaged.push(error),
            }
        }
        runs.sort_by_key(|r| parse_run_name(&r.manifest.id));
        Ok((runs, damaged))
    }

    /// The most recent completed run.
    pub fn latest(&self) -> Result<Option<Run>, RunError> {
        Ok(self.list()?.pop())
    }

    /// The completed run named `name` (`latest` and `previous` are accepted too).
    pub fn get(&self, name: &str) -> Result<Run, RunError> {
        let not_found = || RunError::NotFound {
            runs: self.dir.clone(),
            name: name.to_owned(),
        };
        match name {
            "latest" => self.latest()?.ok_or_else(not_found),
            "previous" => {
                let mut runs = self.list()?;
                runs.pop();
                runs.pop().ok_or_else(not_found)
            }
            _ if parse_run_name(name).is_some() && self.dir.join(name).is_dir() => self.load(name),
            _ => Err(not_found()),
        }
    }

    fn load(&self, name: &str) -> Result<Run, RunError> {
        let dir = self.dir.join(name);
        let path = dir.join(files::MANIFEST);
        let text = fs::read_to_string(&path)
            .map_err(io_error(&path, ("读取运行清单", "read a run manifest")))?;
        let manifest: RunManifest = serde_json::from_str(&text).map_err(|e| RunError::Bad {
            path: path.clone(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        if manifest.format_version > RUN_VERSION {
            return Err(RunError::Bad {
                path,
                line: 1,
                column: 1,
                message: format!(
                    "run format version {} is newer than this build reads ({RUN_VERSION}); \
                     upgrade baobei",
                    manifest.format_version
                ),
            });
        }
        Ok(Run { dir, manifest })
    }

    /// Starts building a run for `date` (`YYYY-MM-DD`). The workspace's writer lock must be
    /// held, which is also what makes it safe to clear what killed runs left behind.
    pub fn begin(&self, _lock: &WriterLock, date: &str) -> Result<RunBuilder, RunError> {
        fs::create_dir_all(&self.dir).map_err(io_error(
            &self.dir,
            ("创建运行目录", "create the runs directory"),
        ))?;
        self.remove_abandoned();
        let dir = self
            .dir
            .join(format!("{BUILDING_PREFIX}{date}-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir)
                .map_err(io_error(&dir, ("清除中断的运行", "clear an abandoned run")))?;
        }
        // Named before the directory exists, so that nothing fallible comes between its
        // creation and the builder that removes it if the run fails.
        let name = self.next_name(date)?;
        fs::create_dir(&dir).map_err(io_error(
            &dir,
            ("创建本次运行的目录", "create the run directory"),
        ))?;
        Ok(RunBuilder {
            store: self.clone(),
            dir,
            name,
            date: date.to_owned(),
            done: false,
        })
    }

    /// Removes `.building-*` directories: with the writer lock held, no live run owns them.
    fn remove_abandoned(&self) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            if entry
                .file_name()
                .to_string_lossy()
                .starts_with(BUILDING_PREFIX)
            {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }

    /// The name the next run for `date` gets: `<date>-<n>`, n one past the day's last.
    /// Damaged runs count: their names stay taken.
    fn next_name(&self, date: &str) -> Result<String, RunError> {
        let entries = fs::read_dir(&self.dir)
            .map_err(io_error(&self.dir, ("列出运行记录", "list the runs")))?;
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io_error(&self.dir, ("列出运行记录", "list the runs")))?;
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
        let last = names
            .iter()
            .filter_map(|name| parse_run_name(name))
            .filter(|(d, _)| d == date)
            .map(|(_, n)| n)
            .max()
            .unwrap_or(0);
        Ok(format!("{date}-{}", last + 1))
    }
}

/// `<YYYY-MM-DD>-<n>` into its date and number.
fn parse_run_name(name: &str) -> Option<(String, u32)> {
    let (date, n) = name.rsplit_once('-')?;
    let n: u32 = n.parse().ok()?;
    let bytes = date.as_bytes();
    let is_date = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    is_date.then(|| (date.to_owned(), n))
}

/// A run being built; it becomes a completed run only on [`RunBuilder::finish`], and is
/// removed if dropped before.
#[derive(Debug)]
pub struct RunBuilder {
    store: RunStore,
    dir: PathBuf,
    name: String,
    date: String,
    done: bool,
}

impl RunBuilder {
    /// The name the run will have, `<date>-<n>` (fixed at the start: the writer lock keeps
    /// any other run from taking it).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The directory being built.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path of one of the run's [`files`], inside the directory being built.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Writes a whole file of the run.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), RunError> {
        let path = self.file(name);
        fs::write(&path, bytes).map_err(io_error(&path, ("写入运行文件", "write a run file")))
    }

    /// Opens a JSON Lines file of the run for streaming records into.
    pub fn lines(&self, name: &str) -> Result<LinesWriter, RunError> {
        let path = self.file(name);
        let file =
            File::create(&path).map_err(io_error(&path, ("写入运行文件", "write a run file")))?;
        Ok(LinesWriter {
            out: BufWriter::with_capacity(1 << 16, file),
            path,
        })
    }

    /// Writes the manifest, syncs every file, and renames the directory into place as
    /// `<date>-<n>`; returns the completed run.
    pub fn finish(mut self, mut manifest: RunManifest) -> Result<Run, RunError> {
        let name = self.name.clone();
        manifest.id = name.clone();
        manifest.date = self.date.clone();
        manifest.format_version = RUN_VERSION;
        let mut text = serde_json::to_string_pretty(&manifest).expect("a manifest serialises");
        text.push('\n');
        self.write(files::MANIFEST, text.as_bytes())?;
        sync_dir_files(&self.dir)?;
        let target = self.store.dir.join(&name);
        fs::rename(&self.dir, &target)
            .map_err(io_error(&target, ("完成本次运行", "complete the run")))?;
        #[cfg(unix)]
        File::open(&self.store.dir)
            .and_then(|d| d.sync_all())
            .map_err(io_error(
                &self.store.dir,
                ("同步运行目录", "sync the runs directory"),
            ))?;
        self.done = true;
        Ok(Run {
            dir: target,
            manifest,
        })
    }
}

impl Drop for RunBuilder {
    /// A run that did not finish leaves nothing behind (a killed one is cleared by the next).
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn sync_dir_files(dir: &Path) -> Result<(), RunError> {
    let entries = fs::read_dir(dir).map_err(io_error(dir, ("同步本次运行", "sync the run")))?;
    for entry in entries {
        let path = entry
            .map_err(io_error(dir, ("同步本次运行", "sync the run")))?
            .path();
        File::open(&path)
            .and_then(|f| f.sync_all())
            .map_err(io_error(&path, ("同步运行文件", "sync a run file")))?;
    }
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error(dir, ("同步本次运行", "sync the run")))?;
    Ok(())
}

/// A JSON Lines file of a run being written, a record at a time.
#[derive(Debug)]
pub struct LinesWriter {
    out: BufWriter<File>,
    path: PathBuf,
}

impl LinesWriter {
    /// Appends one record.
    pub fn write<T: Serialize>(&mut self, record: &T) -> Result<(), RunError> {
        serde_json::to_writer(&mut self.out, record)
            .map_err(io::Error::from)
            .and_then(|()| self.out.write_all(b"\n"))
            .map_err(io_error(&self.path, ("写入运行文件", "write a run file")))
    }

    /// Appends one record serialised already: a JSON text ending in a newline.
    pub fn write_line(&mut self, line: &[u8]) -> Result<(), RunError> {
        self.out
            .write_all(line)
            .map_err(io_error(&self.path, ("写入运行文件", "write a run file")))
    }

    /// Flushes the file (it is synced when the run finishes).
    pub fn close(mut self) -> Result<(), RunError> {
        self.out
            .flush()
            .map_err(io_error(&self.path, ("写入运行文件", "write a run file")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::workspace::Workspace;

    pub(crate) fn manifest() -> RunManifest {
        RunManifest {
            format_version: RUN_VERSION,
            id: String::new(),
            date: String::new(),
            started: "2026-11-23T01:00:00Z".into(),
            finished: "2026-11-23T01:01:00Z".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            previous: None,
            inputs: Vec::new(),
            settings: BTreeMap::new(),
            counts: RunCounts::default(),
            timings: Vec::new(),
        }
    }

    #[test]
    fn a_run_appears_only_when_finished_and_is_numbered_per_day() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        let lock = ws.lock("test").unwrap();
        let store = RunStore::new(ws.root());

        let run = store.begin(&lock, "2026-11-23").unwrap();
        let mut scores = run.lines(files::SCORES).unwrap();
        scores
            .write(&ItemScore {
                id: "1".into(),
                title: "碎花连衣裙".into(),
                score: 42.0,
                covered: vec![],
                missing: vec![],
                title_changed: None,
                proposed: None,
                held: None,
            })
            .unwrap();
        scores.close().unwrap();
        assert!(
            store.list().unwrap().is_empty(),
            "a run being built is not a run"
        );
        let first = run.finish(manifest()).unwrap();
        assert_eq!(first.manifest().id, "2026-11-23-1");
        let read: Vec<ItemScore> = first.read_lines(files::SCORES).unwrap();
        assert_eq!(read[0].score, 42.0);

        let second = store
            .begin(&lock, "2026-11-23")
            .unwrap()
            .finish(manifest())
            .unwrap();
        assert_eq!(second.manifest().id, "2026-11-23-2");
        let third = store
            .begin(&lock, "2026-11-24")
            .unwrap()
            .finish(manifest())
            .unwrap();
        let ids: Vec<_> = store
            .list()
            .unwrap()
            .iter()
            .map(|r| r.manifest().id.clone())
            .collect();
        assert_eq!(ids, ["2026-11-23-1", "2026-11-23-2", "2026-11-24-1"]);
        assert_eq!(
            store.get("latest").unwrap().manifest().id,
            third.manifest().id
        );
        assert_eq!(store.get("previous").unwrap().manifest().id, "2026-11-23-2");
        assert!(matches!(
            store.get("2026-11-25-1"),
            Err(RunError::NotFound { .. })
        ));
    }

    #[test]
    fn an_abandoned_run_leaves_nothing_and_is_cleared_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        let lock = ws.lock("test").unwrap();
        let store = RunStore::new(ws.root());
        let dropped = store.begin(&lock, "2026-11-23").unwrap();
        dropped.write(files::REPORT, b"<html>").unwrap();
        drop(dropped);
        assert_eq!(fs::read_dir(store.dir()).unwrap().count(), 0);

        // What a killed process leaves: a building directory nobody removes.
        let killed = store.dir().join(".building-2026-11-23-99999");
        fs::create_dir(&killed).unwrap();
        fs::write(killed.join(files::SCORES), "{\"half").unwrap();
        assert!(store.list().unwrap().is_empty());
        store
            .begin(&lock, "2026-11-23")
            .unwrap()
            .finish(manifest())
            .unwrap();
        assert!(
            !killed.exists(),
            "the next run clears what a killed one left"
        );
        assert_eq!(store.list().unwrap().len(), 1);
    }

    #[test]
    fn a_damaged_run_file_is_reported_with_its_place() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        let lock = ws.lock("test").unwrap();
        let store = RunStore::new(ws.root());
        let run = store.begin(&lock, "2026-11-23").unwrap();
        run.write(
            files::SCORES,
            b"{\"id\":\"1\",\"title\":\"t\",\"score\":1,\"covered\":[],\"missing\":[]}\n{oops}\n",
        )
        .unwrap();
        let run = run.finish(manifest()).unwrap();
        let err = run
            .read_lines::<ItemScore>(files::SCORES)
            .unwrap_err()
            .to_string();
        assert!(err.contains("scores.jsonl:2:"), "{err}");
    }

    #[test]
    fn input_checksums_tell_files_apart() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        fs::write(&a, "id,title\n1,碎花连衣裙\n").unwrap();
        let first = InputRecord::of_file("listings", &a).unwrap();
        assert_eq!(first.bytes, 27);
        fs::write(&a, "id,title\n1,碎花连衣裙!\n").unwrap();
        assert_ne!(
            InputRecord::of_file("listings", &a).unwrap().checksum,
            first.checksum
        );
    }
}
