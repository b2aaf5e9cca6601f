//! The workspace: the directory that holds what baobei builds from a shop's exports (the
//! listing index, the keyword table) and a manifest saying how it was built.
//!
//! ```text
//! baobei-workspace/
//!   manifest.json   format version, dictionaries in use (name + checksum), import history
//!   keywords.bkw    the keyword table (market::table)
//!   index/          the listing index
//!   baobei.toml     optional settings, e.g. index restoration (market::import)
//!   .lock           the writer lock; names its holder
//! ```
//!
//! # One writer, any number of readers
//!
//! A writer ([`Workspace::lock`]) takes an exclusive advisory lock on `.lock` (the operating
//! system's `flock`/`LockFileEx`, released when the process ends, even by `kill -9`) and writes
//! its pid, command and start time into the file, so that a second writer is refused with an
//! error naming the holder instead of waiting or interleaving. Readers take no lock: every file
//! a writer replaces (the table, the manifest) is written to a temporary file in the workspace,
//! synced and renamed over the old one, so a reader sees the complete old file or the complete
//! new one, and a writer killed half-way leaves the previous state in place (its temporary
//! files, `.baobei-*.tmp`, are removed by the next writer).

use std::fmt;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::dictionary::Dictionaries;
use crate::io_error::IoError;
use crate::lang::{Describe, Lang};
use crate::settings::{Settings, SettingsError};

/// The manifest format this build writes and reads.
pub const MANIFEST_VERSION: u32 = 1;

/// Where a workspace lives unless `--workspace` or `$BAOBEI_WORKSPACE` say otherwise.
pub const DEFAULT_DIR: &str = "baobei-workspace";

/// Errors opening, locking or recording into a workspace; each names the path concerned.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    /// A file or directory of the workspace could not be read or written.
    #[error(transparent)]
    Io(#[from] IoError),
    /// Another process holds the writer lock.
    #[error("{}", self.describe(Lang::En))]
    Locked {
        /// The workspace directory.
        path: PathBuf,
        /// Who holds the lock, as it wrote itself into the lock file.
        holder: String,
    },
    /// `manifest.json` is not a manifest.
    #[error("{}", self.describe(Lang::En))]
    BadManifest {
        /// The manifest file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What the JSON parser says.
        message: String,
    },
    /// The manifest was written by a newer baobei.
    #[error("{}", self.describe(Lang::En))]
    NewerVersion {
        /// The manifest file.
        path: PathBuf,
        /// Version in the file.
        found: u32,
        /// Version this build reads.
        supported: u32,
    },
}

impl Describe for WorkspaceError {
    fn describe(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        match self {
            WorkspaceError::Io(e) => e.describe(lang),
            WorkspaceError::Locked { path, holder } => match zh {
                true => format!(
                    "{}: 工作区正由 {holder} 写入；请等它完成（读取不受影响），\
                     如果那个进程已经不在了，再运行一次",
                    path.display()
                ),
                false => format!(
                    "{}: the workspace is being written by {holder}; wait for it to finish \
                     (readers are not blocked), or if that process is gone, run again",
                    path.display()
                ),
            },
            WorkspaceError::BadManifest {
                path,
                line,
                column,
                message,
            } => match zh {
                true => format!(
                    "{}:{line}:{column}: 不是 baobei 工作区清单：{message}",
                    path.display()
                ),
                false => format!(
                    "{}:{line}:{column}: not a baobei workspace manifest: {message}",
                    path.display()
                ),
            },
            WorkspaceError::NewerVersion {
                path,
                found,
                supported,
            } => match zh {
                true => format!(
                    "{}: 工作区格式版本 {found} 由更新的 baobei 写入（本版本读取版本 \
                     {supported}）；请升级 baobei，或换一个 --workspace",
                    path.display()
                ),
                false => format!(
                    "{}: workspace format version {found} was written by a newer baobei (this \
                     one reads version {supported}); upgrade baobei or use another --workspace",
                    path.display()
                ),
            },
        }
    }
}

/// One dictionary a workspace was built with: name as given and FNV-1a checksum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DictionaryRecord {
    /// File name or path, as loaded.
    pub name: String,
    /// Checksum of the file's bytes, hex.
    pub checksum: String,
}

/// One `keywords import` (or other write) in the history: what was read, when, how it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRecord {
    /// The file imported, as given on the command line.
    pub file: String,
    /// When, UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub time: String,
    /// Rows imported.
    pub rows: u64,
    /// Rows set aside as rejects.
    pub rejects: u64,
    /// The kind of export detected (`business-advisor`, `through-train`, `other`).
    pub source: String,
}

impl ImportRecord {
    /// What importing `file` just did, stamped with the current time.
    pub fn now(file: &Path, rows: u64, rejects: usize, source: &str) -> Self {
        ImportRecord {
            file: file.display().to_string(),
            time: utc_now(),
            rows,
            rejects: rejects as u64,
            source: source.to_owned(),
        }
    }
}

/// `manifest.json`: how the workspace was built, so that a later run can tell whether it still
/// matches the dictionaries in force, and an operator can see what went into it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`MANIFEST_VERSION`] of the writer.
    pub format_version: u32,
    /// The dictionaries the workspace's index was built with, in load order; empty until
    /// the first write records them.
    #[serde(default)]
    pub dictionaries: Vec<DictionaryRecord>,
    /// Every import, oldest first.
    #[serde(default)]
    pub imports: Vec<ImportRecord>,
    /// The [fingerprint](crate::market::index::ListingIndex::fingerprint) of the index the
    /// keyword table's derived rows were last derived from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derived_from: Option<String>,
}

impl Default for Manifest {
    fn default() -> Self {
        Manifest {
            format_version: MANIFEST_VERSION,
            dictionaries: Vec::new(),
            imports: Vec::new(),
            derived_from: None,
        }
    }
}

impl Manifest {
    /// Records `dicts` as the dictionaries the workspace is built with (done when the index is
    /// rebuilt, or by the first write into a new workspace).
    pub fn set_dictionaries(&mut self, dicts: &Dictionaries) {
        self.dictionaries = records_of(dicts);
    }
}

fn records_of(dicts: &Dictionaries) -> Vec<DictionaryRecord> {
    dicts
        .sources()
        .iter()
        .map(|s| DictionaryRecord {
            name: s.name.clone(),
            checksum: s.checksum.clone(),
        })
        .collect()
}

/// The dictionaries in force differ from those the workspace was built with: segmentation, and
/// so the index, would come out differently. Its `Display` tells the user to re-index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DictionaryMismatch {
    /// The workspace directory.
    pub workspace: PathBuf,
    /// Dictionaries in force now but not when the workspace was built (name, checksum).
    pub added: Vec<DictionaryRecord>,
    /// Dictionaries the workspace was built with that are not in force now.
    pub removed: Vec<DictionaryRecord>,
}

impl DictionaryMismatch {
    /// The warning for a person, in `lang`, with what to do.
    pub fn describe(&self, lang: Lang) -> String {
        let names = |list: &[DictionaryRecord]| {
            crate::lang::list(
                lang,
                list.iter().map(|d| format!("{} ({})", d.name, d.checksum)),
            )
        };
        let ws = self.workspace.display();
        let mut text = match lang {
            Lang::Zh => format!("{ws}：工作区建立时用的词典与现在的不同"),
            Lang::En => format!(
                "{ws}: the workspace was built with other dictionaries than the current ones"
            ),
        };
        if !self.added.is_empty() {
            let added = names(&self.added);
            text += &lang.pick(
                format!("；新增或改动：{added}"),
                format!("; new or changed: {added}"),
            );
        }
        if !self.removed.is_empty() {
            let removed = names(&self.removed);
            text += &lang.pick(
                format!("；不再使用：{removed}"),
                format!("; no longer in use: {removed}"),
            );
        }
        if self.added.is_empty() && self.removed.is_empty() {
            text += lang.pick("；加载顺序变了", "; the load order changed");
        }
        text += lang.pick(
            "；请用 `baobei index rebuild` 重建宝贝索引，让搜索按现在的分词匹配",
            "; re-index the listings with `baobei index rebuild` so that searches match the \
             current segmentation",
        );
        text
    }
}

impl fmt::Display for DictionaryMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(Lang::En))
    }
}

/// A workspace directory. Opening creates it on first use; reading needs no lock.
#[derive(Debug, Clone)]
pub struct Workspace {
    root: PathBuf,
    /// `baobei.toml`, read on first use: once per command that opens the workspace once.
    settings: OnceLock<Settings>,
}

impl Workspace {
    /// Opens the workspace at `dir`, creating the directory (and its parents) on first use.
    pub fn open(dir: impl AsRef<Path>) -> Result<Workspace, WorkspaceError> {
        let root = dir.as_ref().to_owned();
        fs::create_dir_all(&root).map_err(IoError::at(
            &root,
            ("创建工作区目录", "create the workspace directory"),
        ))?;
        Ok(Workspace {
            root,
            settings: OnceLock::new(),
        })
    }

    /// The workspace at `dir` without touching the disk: for readers, which must neither
    /// create nor lock anything.
    pub fn at(dir: impl AsRef<Path>) -> Workspace {
        Workspace {
            root: dir.as_ref().to_owned(),
            settings: OnceLock::new(),
        }
    }

    /// The workspace directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The keyword table file, `keywords.bkw`.
    pub fn table_path(&self) -> PathBuf {
        self.root.join("keywords.bkw")
    }

    /// The listing index directory, `index/`.
    pub fn index_dir(&self) -> PathBuf {
        self.root.join("index")
    }

    /// The manifest, `manifest.json`.
    pub fn manifest_path(&self) -> PathBuf {
        self.root.join("manifest.json")
    }

    /// The search queries kept for `keywords derive`, `queries.txt`: one query per line, a
    /// line per search (a query searched twice stands twice).
    pub fn queries_path(&self) -> PathBuf {
        self.root.join("queries.txt")
    }

    /// The kept search queries (none when no query log was ever given).
    pub fn queries(&self) -> Result<Vec<String>, WorkspaceError> {
        let path = self.queries_path();
        match fs::read_to_string(&path) {
            Ok(text) => Ok(text.lines().map(str::to_owned).collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(source) => {
                Err(
                    IoError::new(&path, ("读取保存的搜索词", "read the kept queries"), source)
                        .into(),
                )
            }
        }
    }

    /// Keeps `queries` (normalised, one per line) for later derives, replacing the ones kept
    /// before; written atomically. The caller holds the writer lock.
    pub fn keep_queries(&self, queries: &[String]) -> Result<(), WorkspaceError> {
        let mut text = String::with_capacity(queries.iter().map(|q| q.len() + 1).sum());
        for q in queries {
            let q = crate::text::chars::normal_form(q);
            if !q.is_empty() {
                text.push_str(&q);
                text.push('\n');
            }
        }
        let path = self.queries_path();
        crate::atomic_file::write(&path, text.as_bytes())
            .map_err(IoError::at(&path, ("保存搜索词", "keep the queries")))?;
        Ok(())
    }

    /// The optional settings file, `baobei.toml`.
    pub fn config_path(&self) -> PathBuf {
        self.root.join("baobei.toml")
    }

    /// The settings of `baobei.toml` (all defaults without one), read the first time they are
    /// asked for; each command resolves its own sections from them.
    pub fn settings(&self) -> Result<&Settings, SettingsError> {
        if let Some(settings) = self.settings.get() {
            return Ok(settings);
        }
        let settings = Settings::read(&self.config_path())?;
        Ok(self.settings.get_or_init(|| settings))
    }

    /// The writer lock file, `.lock`.
    pub fn lock_path(&self) -> PathBuf {
        self.root.join(".lock")
    }

    /// Reads the manifest; a workspace never written to has the empty current-version one.
    pub fn manifest(&self) -> Result<Manifest, WorkspaceError> {
        let path = self.manifest_path();
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Manifest::default()),
            Err(source) => {
                return Err(IoError::new(
                    &path,
                    ("读取工作区清单", "read the workspace manifest"),
                    source,
                )
                .into());
            }
        };
        let manifest: Manifest =
            serde_json::from_str(&text).map_err(|e| WorkspaceError::BadManifest {
                path: path.clone(),
                line: e.line(),
                column: e.column(),
                message: e.to_string(),
            })?;
        if manifest.format_version > MANIFEST_VERSION {
            return Err(WorkspaceError::NewerVersion {
                path,
                found: manifest.format_version,
                supported: MANIFEST_VERSION,
            });
        }
        Ok(manifest)
    }

    /// Compares the dictionaries in force with those recorded in the manifest; `None` when
    /// they match or none are recorded yet (nothing has been built).
    pub fn check_dictionaries(
        &self,
        dicts: &Dictionaries,
    ) -> Result<Option<DictionaryMismatch>, WorkspaceError> {
        let recorded = self.manifest()?.dictionaries;
        let current = records_of(dicts);
        if recorded.is_empty() || recorded == current {
            return Ok(None);
        }
        let missing_from = |list: &[DictionaryRecord], other: &[DictionaryRecord]| {
            list.iter()
                .filter(|d| !other.iter().any(|o| o.checksum == d.checksum))
                .cloned()
                .collect::<Vec<_>>()
        };
        Ok(Some(DictionaryMismatch {
            workspace: self.root.clone(),
            added: missing_from(&current, &recorded),
            removed: missing_from(&recorded, &current),
        }))
    }

    /// Takes the writer lock, or fails at once with [`WorkspaceError::Locked`] naming the
    /// holder. `command` describes this writer to anyone refused while it holds the lock.
    pub fn lock(&self, command: &str) -> Result<WriterLock, WorkspaceError> {
        let path = self.lock_path();
        let io_err = |action, source| WorkspaceError::from(IoError::new(&path, action, source));
        // No truncation on open: the holder's description must survive a refused attempt.
        // Never through a symbolic link: writing the holder would truncate its target.
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
        }
        let mut file = options.open(&path).map_err(|e| {
            let link = fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
            let e = if link {
                io::Error::other("it is a symbolic link, which the lock never follows")
            } else {
                e
            };
            io_err(("打开工作区锁文件", "open the workspace lock file"), e)
        })?;
        let regular = file.metadata().is_ok_and(|m| m.is_file());
        if !regular {
            return Err(io_err(
                ("打开工作区锁文件", "open the workspace lock file"),
                io::Error::other("it is not a regular file"),
            ));
        }
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(WorkspaceError::Locked {
                    path: self.root.clone(),
                    holder: if holder.is_empty() {
                        "another process (it has not written its name yet)".to_owned()
                    } else {
                        holder.to_owned()
                    },
                });
            }
            Err(TryLockError::Error(e)) => {
                return Err(io_err(("锁定工作区", "lock the workspace"), e));
            }
        }
        let holder = format!(
            "pid {} (`{}`, since {})",
            std::process::id(),
            command,
            utc_now()
        );
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(holder.as_bytes()))
            .and_then(|()| file.sync_data())
            .map_err(|e| io_err(("写入工作区锁文件", "write the workspace lock file"), e))?;
        remove_stale_temporaries(&self.root);
        Ok(WriterLock {
            workspace: self.clone(),
            _file: file,
            holder,
        })
    }
}

/// The writer lock of a workspace, held until dropped (or the process ends). Only a holder
/// can save the manifest.
#[derive(Debug)]
pub struct WriterLock {
    workspace: Workspace,
    _file: File,
    holder: String,
}

impl WriterLock {
    /// The workspace this lock is for.
    pub fn workspace(&self) -> &Workspace {
        &self.workspace
    }

    /// How this writer describes itself in the lock file.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// Writes the manifest atomically (temporary file, sync, rename).
    pub fn save_manifest(&self, manifest: &Manifest) -> Result<(), WorkspaceError> {
        let path = self.workspace.manifest_path();
        let mut text = serde_json::to_string_pretty(manifest).expect("a manifest serialises");
        text.push('\n');
        crate::atomic_file::write(&path, text.as_bytes()).map_err(IoError::at(
            &path,
            ("写入工作区清单", "write the workspace manifest"),
        ))?;
        Ok(())
    }
}

impl Drop for WriterLock {
    /// Clears the holder's description so that a stale name is never shown; the lock itself
    /// is released when the file closes (or the process ends, however it ends).
    fn drop(&mut self) {
        let _ = self._file.set_len(0);
    }
}

/// Removes temporary files a killed writer left in `dir` (called with the lock held, so no
/// live writer owns them). Best effort: a file that cannot be removed only wastes space.
fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(crate::atomic_file::TEMP_PREFIX)
            && name.ends_with(crate::atomic_file::TEMP_SUFFIX)
        {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// The current time, UTC, `YYYY-MM-DDTHH:MM:SSZ` (for the history and the lock holder).
pub fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    utc_timestamp(secs)
}

/// Formats seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian).
pub fn utc_timestamp(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_calendar_dates() {
        assert_eq!(utc_timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_timestamp(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc_timestamp(1_763_893_849), "2025-11-23T10:30:49Z");
    }

    #[test]
    fn open_creates_and_manifest_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(dir.path().join("a/b")).unwrap();
        assert!(ws.root().is_dir());
        assert_eq!(ws.manifest().unwrap(), Manifest::default());
        let lock = ws.lock("test").unwrap();
        let mut m = Manifest::default();
        m.set_dictionaries(&Dictionaries::builtin());
        m.imports.push(ImportRecord {
            file: "k.csv".into(),
            time: utc_now(),
            rows: 3,
            rejects: 1,
            source: "business-advisor".into(),
        });
        lock.save_manifest(&m).unwrap();
        assert_eq!(ws.manifest().unwrap(), m);
        assert!(!m.dictionaries.is_empty());
    }

    #[test]
    fn second_writer_is_refused_with_the_holder_named() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        let first = ws.lock("baobei keywords import a.csv").unwrap();
        let err = ws.lock("baobei keywords import b.csv").unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, WorkspaceError::Locked { .. }), "{text}");
        assert!(
            text.contains(&format!("pid {}", std::process::id())),
            "{text}"
        );
        assert!(text.contains("baobei keywords import a.csv"), "{text}");
        drop(first);
        assert_eq!(
            fs::read_to_string(ws.lock_path()).unwrap(),
            "",
            "no stale holder"
        );
        // What a writer killed mid-write leaves is cleaned up by the next one; other files stay.
        let stale = ws.root().join(".baobei-keywords-abc123.tmp");
        fs::write(&stale, "half a table").unwrap();
        fs::write(ws.root().join("notes.tmp"), "mine").unwrap();
        let again = ws.lock("third").unwrap();
        assert!(again.holder().contains("third"));
        assert!(!stale.exists());
        assert!(ws.root().join("notes.tmp").exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_lock_is_refused_and_its_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(dir.path().join("ws")).unwrap();
        let precious = dir.path().join("precious.txt");
        fs::write(&precious, "keep me").unwrap();
        std::os::unix::fs::symlink(&precious, ws.lock_path()).unwrap();
        let err = ws.lock("baobei keywords import a.csv").unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(fs::read_to_string(&precious).unwrap(), "keep me");
    }

    #[test]
    fn dictionary_changes_are_detected() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        let builtin = Dictionaries::builtin();
        // Nothing recorded yet: nothing to compare with.
        assert_eq!(ws.check_dictionaries(&builtin).unwrap(), None);
        let mut m = Manifest::default();
        m.set_dictionaries(&builtin);
        ws.lock("t").unwrap().save_manifest(&m).unwrap();
        assert_eq!(ws.check_dictionaries(&builtin).unwrap(), None);

        let mut extra = Dictionaries::builtin();
        let before = extra.sources().len();
        extra
            .parse(Path::new("mine.txt"), &extra_dictionary_text())
            .unwrap();
        assert_eq!(extra.sources().len(), before + 1);
        let mismatch = ws.check_dictionaries(&extra).unwrap().unwrap();
        assert_eq!(mismatch.added.len(), 1);
        assert_eq!(mismatch.added[0].name, "mine.txt");
        assert!(mismatch.removed.is_empty());
        let text = mismatch.to_string();
        assert!(
            text.contains("mine.txt") && text.contains("re-index"),
            "{text}"
        );
    }

    /// A one-word user dictionary (a stop-word list).
    fn extra_dictionary_text() -> String {
        "word\n宝贝测试词\n".to_owned()
    }

    #[test]
    fn bad_and_newer_manifests_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        fs::write(ws.manifest_path(), "{\"format_version\": 1,\n  oops}").unwrap();
        let err = ws.manifest().unwrap_err().to_string();
        assert!(err.contains("manifest.json:2:"), "{err}");
        fs::write(ws.manifest_path(), "{\"format_version\": 99}").unwrap();
        let err = ws.manifest().unwrap_err();
        assert!(matches!(
            err,
            WorkspaceError::NewerVersion { found: 99, .. }
        ));
    }
}
