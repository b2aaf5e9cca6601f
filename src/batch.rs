//! Batches: one bad row never stops a run. A [`Reject`] is a row set aside with where it is,
//! why and its text; [`Rejects`] collects them for the rejects file (and hands each to a
//! reporter, so that the edge can say it as it happens); [`for_each_ordered`] runs a job over
//! items in parallel chunks and hands the results back in input order; [`JobError`] is what
//! ends a job instead.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::ads::AdsError;
use crate::atomic_file::AtomicFile;
use crate::input::InputError;
use crate::lang::{Describe, Lang, Said};
use crate::market::import::ImportError;
use crate::market::index::IndexError;
use crate::market::table::TableError;
use crate::market::workspace::WorkspaceError;
use crate::settings::SettingsError;
use crate::spreadsheet::write_csv_row;

/// What ends a job of the library: the error of the part that failed (said as that part says
/// it), or something missing from the workspace, said with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Reading or writing a file.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// An input file could not be opened or read.
    #[error(transparent)]
    Input(#[from] InputError),
    /// The keyword table.
    #[error(transparent)]
    Table(#[from] TableError),
    /// The listing index.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// The workspace (manifest, lock, kept queries).
    #[error(transparent)]
    Workspace(#[from] WorkspaceError),
    /// The workspace's `baobei.toml`.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// A keyword export's configuration.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// A through-train report.
    #[error(transparent)]
    Ads(#[from] AdsError),
    /// The workspace lacks what the job needs (a keyword table, a listing index, queries);
    /// the message names it and the command that makes it.
    #[error("{}", self.describe(Lang::En))]
    Missing {
        /// The workspace or the place that was looked in.
        path: PathBuf,
        /// What is missing and what to do.
        what: Said,
    },
    /// A file the job needs could not be read as what it should be.
    #[error("{}", self.describe(Lang::En))]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What it should have been.
        what: Said,
        /// Why it could not be read.
        #[source]
        source: Box<JobError>,
    },
}

impl Describe for JobError {
    fn describe(&self, lang: Lang) -> String {
        match self {
            JobError::Input(e) => e.describe(lang),
            JobError::Table(e) => e.describe(lang),
            JobError::Import(e) => e.describe(lang),
            JobError::Ads(e) => e.describe(lang),
            JobError::Io(e) => describe_io(e, lang),
            JobError::Index(e) => e.describe(lang),
            JobError::Workspace(e) => e.describe(lang),
            JobError::Settings(e) => e.describe(lang),
            JobError::Missing { path, what } => format!("{}: {}", path.display(), what.get(lang)),
            JobError::Unreadable { path, what, .. } => match lang {
                Lang::Zh => format!("{}: 无法读取{}", path.display(), what.zh),
                Lang::En => format!("{}: cannot read the {}", path.display(), what.en),
            },
        }
    }
}

/// An I/O error in `lang`: a fatal reject (see [`Reject::into_error`]) in `lang`, any other
/// as the operating system says it.
pub fn describe_io(e: &io::Error, lang: Lang) -> String {
    match e.get_ref().and_then(|inner| inner.downcast_ref::<Reject>()) {
        Some(reject) => reject.describe(lang),
        None => e.to_string(),
    }
}

/// A row that could not be used: where it is, why (in both languages, so that the operator
/// reads it in theirs), and its text as read.
#[derive(Debug, Clone)]
pub struct Reject {
    /// `path:line:col`.
    pub location: String,
    /// What is wrong.
    pub reason: Said,
    /// The row as it was read, so nothing is lost.
    pub raw: String,
    /// The error ended the file (undecodable bytes, a failed read): the rows after it are
    /// lost, so the run fails instead of finishing short.
    pub fatal: bool,
}

impl Describe for Reject {
    /// `path:line:col: reason`, or the reason alone when there is no location.
    fn describe(&self, lang: Lang) -> String {
        match self.location.as_str() {
            "" => self.reason.get(lang).to_owned(),
            at => format!("{at}: {}", self.reason.get(lang)),
        }
    }
}

impl std::fmt::Display for Reject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(Lang::En))
    }
}

/// A fatal reject is the error its run ends with.
impl std::error::Error for Reject {}

impl Reject {
    /// A row set aside at `location` for `error`, whose message may begin with the location
    /// already (library errors say `path:line:col: ...`): it is not repeated.
    /// A message pointing at another cell of the same row (`path:line:col2: ...`) keeps its
    /// own, finer location instead of being prefixed with the row's.
    pub fn new(location: String, error: &(impl Describe + ?Sized), raw: String) -> Self {
        let Said { zh, en } = Said::of(error);
        let (location, reason) = match split_location(&location, &en) {
            Some((at, en_reason)) => {
                // The location is the same in both languages.
                let zh_reason = zh.strip_prefix(at).and_then(|r| r.strip_prefix(": "));
                let zh_reason = zh_reason.unwrap_or(&zh).to_owned();
                (at.to_owned(), Said::new(zh_reason, en_reason))
            }
            None => (location, Said::new(zh, en)),
        };
        Reject {
            location,
            reason,
            raw,
            fatal: false,
        }
    }

    /// The error a fatal reject ends the run with (the CLI finds the reject in it to say it
    /// in the operator's language).
    pub fn into_error(self) -> io::Error {
        io::Error::other(self)
    }
}

impl From<InputError> for Reject {
    fn from(e: InputError) -> Self {
        let location = e.location().map(ToString::to_string).unwrap_or_default();
        let raw = e.raw().unwrap_or_default().to_owned();
        Reject {
            // The error ended the file: the rows after it are lost.
            fatal: matches!(
                e,
                InputError::Io { .. }
                    | InputError::Undecodable { .. }
                    | InputError::Spreadsheet { .. }
            ),
            ..Reject::new(location, &e, raw)
        }
    }
}

/// `message` split into its leading location and the rest, when that location is `location`
/// or another column of the same line (`path:line:` followed by a column and `: `).
fn split_location<'a>(location: &str, message: &'a str) -> Option<(&'a str, &'a str)> {
    let line = &location[..location.rfind(':')? + 1];
    let rest = message.strip_prefix(line)?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let reason = rest[digits..].strip_prefix(": ").filter(|_| digits > 0)?;
    Some((&message[..line.len() + digits], reason))
}

/// Something told of every row set aside, as it is set aside (the CLI prints the first few).
type Reporter = Box<dyn FnMut(&Reject) + Send>;

/// The rows a job sets aside, all kept for the rejects file; a fatal one ends the job instead.
#[derive(Default)]
pub struct Rejects {
    list: Vec<Reject>,
    report: Option<Reporter>,
}

impl std::fmt::Debug for Rejects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rejects").field("list", &self.list).finish()
    }
}

impl Rejects {
    /// Rejects that are only collected.
    pub fn new() -> Self {
        Rejects::default()
    }

    /// Rejects that are also handed to `report` as they come, so that a person hears of a
    /// bad row while the batch runs, before any error that might end it.
    pub fn reporting(report: impl FnMut(&Reject) + Send + 'static) -> Self {
        Rejects {
            list: Vec::new(),
            report: Some(Box::new(report)),
        }
    }

    /// Sets a row aside, or fails when its error ended the file.
    pub fn push(&mut self, reject: Reject) -> io::Result<()> {
        if reject.fatal {
            return Err(reject.into_error());
        }
        if let Some(report) = &mut self.report {
            report(&reject);
        }
        self.list.push(reject);
        Ok(())
    }

    /// Rows set aside so far.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// No row was set aside.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The rows set aside, in the order they were.
    pub fn as_slice(&self) -> &[Reject] {
        &self.list
    }

    /// Writes every reject to `path` atomically: CSV with Chinese headers after a BOM, each
    /// cell safe for Excel, the reasons in `lang`.
    pub fn write(&self, path: &Path, lang: Lang) -> io::Result<()> {
        let context = |e: io::Error| {
            let shown = path.display();
            let message = match lang {
                Lang::Zh => format!("{shown}: 无法写入拒收文件：{e}"),
                Lang::En => format!("{shown}: cannot write the rejects file: {e}"),
            };
            io::Error::new(e.kind(), message)
        };
        let mut file = AtomicFile::create(path).map_err(context)?;
        file.write_all("\u{feff}".as_bytes())?;
        write_csv_row(&mut file, ["位置", "原因", "原始行"].into_iter())?;
        for r in &self.list {
            write_csv_row(
                &mut file,
                [r.location.as_str(), r.reason.get(lang), r.raw.as_str()].into_iter(),
            )?;
        }
        file.commit().map_err(context)
    }
}

/// Where the rejects of a job go: where the user said, else beside the output, else beside
/// the input (never the current directory, where they piled up), else `baobei.rejects.csv`
/// for titles given on the command line.
pub fn rejects_path(
    explicit: Option<&Path>,
    output: Option<&Path>,
    input: Option<&Path>,
) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_owned();
    }
    let mut name = output
        .or(input)
        .map_or_else(|| "baobei".into(), |p| p.as_os_str().to_owned());
    name.push(".rejects.csv");
    PathBuf::from(name)
}

/// Items per parallel chunk: large enough to keep both cores busy, small enough to stream.
const CHUNK: usize = 4096;

/// Maps `f` over every item in parallel chunks and hands the results to `consume` in input
/// order (bounded memory: one chunk in flight); a rejected item goes to `reject`, and
/// `progress` hears how many items each chunk did. Returns the items done. The output never
/// depends on the number of threads.
pub fn for_each_ordered<T, R>(
    items: impl Iterator<Item = Result<T, Reject>>,
    mut reject: impl FnMut(Reject) -> io::Result<()>,
    f: impl Fn(&T) -> R + Sync,
    mut consume: impl FnMut(R) -> io::Result<()>,
    progress: impl Fn(u64),
) -> io::Result<usize>
where
    T: Send + Sync,
    R: Send,
{
    let mut done = 0;
    let mut chunk = Vec::with_capacity(CHUNK);
    let mut items = items.peekable();
    while items.peek().is_some() {
        chunk.clear();
        for item in items.by_ref() {
            match item {
                Ok(item) => chunk.push(item),
                Err(r) => reject(r)?,
            }
            if chunk.len() == CHUNK {
                break;
            }
        }
        let results: Vec<R> = chunk.par_iter().map(&f).collect();
        let n = results.len();
        for result in results {
            consume(result)?;
        }
        done += n;
        progress(n as u64);
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_input_order_and_rejects_aside() {
        let items = (0..10_000u32).map(|i| match i % 1000 {
            7 => Err(Reject::new(
                format!("f:{i}:1"),
                &Said::new("坏", "bad"),
                i.to_string(),
            )),
            _ => Ok(i),
        });
        let mut rejects = Rejects::new();
        let mut out = Vec::new();
        let done = for_each_ordered(
            items,
            |r| rejects.push(r),
            |&i| i * 2,
            |r| {
                out.push(r);
                Ok(())
            },
            |_| {},
        )
        .unwrap();
        assert_eq!((done, rejects.len()), (9_990, 10));
        assert!(out.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(rejects.as_slice()[0].to_string(), "f:7:1: bad");
    }

    #[test]
    fn a_fatal_reject_ends_the_job_and_a_row_location_is_said_once() {
        let mut rejects = Rejects::new();
        let fatal = Reject {
            fatal: true,
            ..Reject::new(
                "f:2:1".into(),
                &Said::new("f:2:1: 无法读取", "f:2:1: cannot read"),
                String::new(),
            )
        };
        assert_eq!(fatal.to_string(), "f:2:1: cannot read");
        assert_eq!(fatal.describe(Lang::Zh), "f:2:1: 无法读取");
        assert!(rejects.push(fatal).is_err());
        let finer = Reject::new(
            "f:3:1".into(),
            &Said::new("f:3:9: 负数", "f:3:9: negative"),
            String::new(),
        );
        assert_eq!(finer.location, "f:3:9");
        assert_eq!(finer.reason, Said::new("负数", "negative"));
        assert_eq!(
            rejects_path(None, None, Some(Path::new("in.csv"))),
            Path::new("in.csv.rejects.csv")
        );
    }
}
