//! The batch runner: items in, records out, in input order, in parallel, with a progress bar
//! on a terminal, and bad rows reported, counted and set aside instead of stopping the run.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use super::output::{Record, Sink, write_csv_row};
use crate::atomic_file::AtomicFile;
use crate::lang::Lang;

/// A row that could not be used: where it is, why, and its text as read.
#[derive(Debug, Clone)]
pub struct Reject {
    /// `path:line:col`.
    pub location: String,
    /// What is wrong.
    pub reason: String,
    /// The row as it was read, so nothing is lost.
    pub raw: String,
    /// The error ended the file (undecodable bytes, a failed read): the rows after it are
    /// lost, so the run fails instead of finishing short.
    pub fatal: bool,
}

impl std::fmt::Display for Reject {
    /// `path:line:col: reason`, or the reason alone when there is no location.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.location.as_str() {
            "" => f.write_str(&self.reason),
            at => write!(f, "{at}: {}", self.reason),
        }
    }
}

impl Reject {
    /// A row set aside at `location` for `error`, whose message may begin with the location
    /// already (library errors say `path:line:col: ...`): it is not repeated.
    /// A message pointing at another cell of the same row (`path:line:col2: ...`) keeps its
    /// own, finer location instead of being prefixed with the row's.
    pub fn new(location: String, error: &dyn std::fmt::Display, raw: String) -> Self {
        let message = error.to_string();
        let (location, reason) = match split_location(&location, &message) {
            Some((at, reason)) => (at.to_owned(), reason.to_owned()),
            None => (location, message),
        };
        Reject {
            location,
            reason,
            raw,
            fatal: false,
        }
    }

    /// The error a fatal reject ends the run with.
    pub fn into_error(self) -> io::Error {
        io::Error::other(self.to_string())
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

/// Items per parallel chunk: large enough to keep both cores busy, small enough to stream.
const CHUNK: usize = 4096;
/// Rejects printed on stderr before the rest are only counted (all go to the rejects file).
const SHOWN_REJECTS: usize = 20;

/// The rows a command sets aside: the first few reported on stderr, all kept for the rejects
/// file; a fatal one ends the run instead.
#[derive(Debug, Default)]
pub struct Rejects {
    list: Vec<Reject>,
    quiet: bool,
    lang: Lang,
}

impl Rejects {
    /// Rejects reported in Chinese (see [`Rejects::in_lang`]).
    pub fn new(quiet: bool) -> Self {
        Rejects::in_lang(quiet, Lang::Zh)
    }

    /// Rejects reported on stderr in `lang`.
    pub fn in_lang(quiet: bool, lang: Lang) -> Self {
        Rejects {
            list: Vec::new(),
            quiet,
            lang,
        }
    }

    /// Sets a row aside, or fails when its error ended the file.
    pub fn push(&mut self, reject: Reject) -> io::Result<()> {
        if reject.fatal {
            return Err(reject.into_error());
        }
        if !self.quiet && self.list.len() < SHOWN_REJECTS {
            let said = self.lang.pick("拒收", "rejected");
            eprintln!("baobei: {said} {reject}");
        }
        self.list.push(reject);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Writes every reject to `path` (CSV, Chinese headers), saying nothing.
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        write_rejects(path, &self.list)
    }

    /// Writes the rejects file, if any row was set aside, and says where; see [`rejects_path`].
    pub fn finish(
        &self,
        explicit: Option<&Path>,
        output: Option<&Path>,
        input: Option<&Path>,
    ) -> anyhow::Result<()> {
        if self.list.is_empty() {
            return Ok(());
        }
        let path = rejects_path(explicit, output, input);
        write_rejects(&path, &self.list)?;
        let (rows, path) = (self.list.len(), path.display());
        match self.lang {
            Lang::Zh => eprintln!("baobei: 拒收 {rows} 行，已写入 {path}"),
            Lang::En => eprintln!("baobei: {rows} row(s) rejected, written to {path}"),
        }
        Ok(())
    }
}

/// What a batch did.
#[derive(Debug, Default)]
pub struct Summary {
    /// Items processed.
    pub done: usize,
    /// Rows set aside.
    pub rejects: Rejects,
    /// Wall time.
    pub elapsed: Duration,
}

/// Runs `f` over every item, writing records to `sink` in input order.
pub fn run<T, R>(
    items: impl Iterator<Item = Result<T, Reject>>,
    sink: &mut Sink,
    quiet: bool,
    lang: Lang,
    f: impl Fn(&T) -> R + Sync,
) -> io::Result<Summary>
where
    T: Send + Sync,
    R: Record + Send,
{
    let mut rejects = Rejects::in_lang(quiet, lang);
    let (done, elapsed) =
        for_each_ordered(items, &mut rejects, quiet, f, |record| sink.write(&record))?;
    if done == 0 && rejects.is_empty() {
        // An empty answer always says why.
        eprintln!(
            "baobei: {}",
            lang.pick(
                "没有可处理的行：输入为空或只有表头行",
                "no rows to work on: the input is empty or holds only a header row"
            )
        );
    }
    Ok(Summary {
        done,
        rejects,
        elapsed,
    })
}

/// Maps `f` over every item in parallel chunks and hands the results to `consume` in input
/// order (bounded memory: one chunk in flight); rejected items go to `rejects`. Returns the
/// items done and the wall time.
pub fn for_each_ordered<T, R>(
    items: impl Iterator<Item = Result<T, Reject>>,
    rejects: &mut Rejects,
    quiet: bool,
    f: impl Fn(&T) -> R + Sync,
    mut consume: impl FnMut(R) -> io::Result<()>,
) -> io::Result<(usize, Duration)>
where
    T: Send + Sync,
    R: Send,
{
    let started = Instant::now();
    let progress = progress_bar(quiet);
    let mut done = 0;
    let mut chunk = Vec::with_capacity(CHUNK);
    let mut items = items.peekable();
    while items.peek().is_some() {
        chunk.clear();
        for item in items.by_ref() {
            match item {
                Ok(item) => chunk.push(item),
                Err(reject) => {
                    if let Err(e) = progress.suspend(|| rejects.push(reject)) {
                        progress.finish_and_clear();
                        return Err(e);
                    }
                }
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
        progress.inc(n as u64);
    }
    progress.finish_and_clear();
    Ok((done, started.elapsed()))
}

fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} {human_pos} titles  {per_sec}  {elapsed}")
            .expect("valid progress template"),
    );
    bar.set_draw_target(ProgressDrawTarget::stderr());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Where the rejects of a run go: beside the output, or beside the input's name in the current
/// directory, unless the user said where.
fn rejects_path(explicit: Option<&Path>, output: Option<&Path>, input: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_owned();
    }
    // Beside the output, else beside the input (never the current directory, where they
    // piled up), else `baobei.rejects.csv` for titles given on the command line.
    let mut name = output
        .or(input)
        .map_or_else(|| "baobei".into(), |p| p.as_os_str().to_owned());
    name.push(".rejects.csv");
    PathBuf::from(name)
}

/// Writes the rejects (CSV, Chinese headers, Excel-ready) atomically.
fn write_rejects(path: &Path, rejects: &[Reject]) -> anyhow::Result<()> {
    let context = || format!("{}: cannot write the rejects file", path.display());
    let mut file = AtomicFile::create(path).with_context(context)?;
    file.write_all("\u{feff}".as_bytes())?;
    write_csv_row(&mut file, ["位置", "原因", "原始行"].into_iter())?;
    for r in rejects {
        write_csv_row(
            &mut file,
            [&r.location, &r.reason, &r.raw]
                .map(String::as_str)
                .into_iter(),
        )?;
    }
    file.commit().with_context(context)
}
