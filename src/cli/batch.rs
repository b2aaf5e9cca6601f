//! The batch edge: records to a sink, a progress bar on a terminal, rejects said on stderr
//! and written beside the input or output (the runner and the rejects are [`crate::batch`]'s).

use std::io::{self, IsTerminal};
use std::path::Path;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::output::{Record, Sink};
use crate::batch::{self, Reject, Rejects, rejects_path};
use crate::lang::{Describe, Lang};

/// Rejects printed on stderr before the rest are only counted (all go to the rejects file).
const SHOWN_REJECTS: usize = 20;

/// Rejects whose first few are said on stderr in `lang` as they come, unless quiet.
pub fn rejects(quiet: bool, lang: Lang) -> Rejects {
    if quiet {
        return Rejects::new();
    }
    let mut shown = 0;
    Rejects::reporting(move |reject| {
        if shown < SHOWN_REJECTS {
            shown += 1;
            let said = lang.pick("拒收", "rejected");
            eprintln!("baobei: {said} {}", reject.describe(lang));
        }
    })
}

/// Writes the rejects file, if any row was set aside, and says where; see
/// [`crate::batch::rejects_path`].
pub fn finish_rejects(
    rejects: &Rejects,
    lang: Lang,
    explicit: Option<&Path>,
    output: Option<&Path>,
    input: Option<&Path>,
) -> anyhow::Result<()> {
    if rejects.is_empty() {
        return Ok(());
    }
    let path = rejects_path(explicit, output, input);
    rejects.write(&path, lang)?;
    let (rows, path) = (rejects.len(), path.display());
    match lang {
        Lang::Zh => eprintln!("baobei: 拒收 {rows} 行，已写入 {path}"),
        Lang::En => eprintln!("baobei: {rows} row(s) rejected, written to {path}"),
    }
    Ok(())
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
    let mut rejects = rejects(quiet, lang);
    let bar = progress(quiet, lang.pick("个标题", "titles"));
    let (done, elapsed) =
        for_each_ordered(items, &mut rejects, bar, f, |record| sink.write(&record))?;
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

/// [`crate::batch::for_each_ordered`] counting on `progress` (suspended while a reject is
/// said). Returns the items done and the wall time.
pub fn for_each_ordered<T, R>(
    items: impl Iterator<Item = Result<T, Reject>>,
    rejects: &mut Rejects,
    progress: ProgressBar,
    f: impl Fn(&T) -> R + Sync,
    consume: impl FnMut(R) -> io::Result<()>,
) -> io::Result<(usize, Duration)>
where
    T: Send + Sync,
    R: Send,
{
    let started = Instant::now();
    let done = batch::for_each_ordered(
        items,
        |reject| progress.suspend(|| rejects.push(reject)),
        f,
        consume,
        |n| progress.inc(n),
    );
    progress.finish_and_clear();
    Ok((done?, started.elapsed()))
}

/// A spinner counting `unit` (in the operator's language) on a terminal; hidden when quiet
/// or when stderr is piped.
pub fn progress(quiet: bool, unit: &str) -> ProgressBar {
    if quiet || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let template = format!("{{spinner}} {{human_pos}} {unit}  {{per_sec}}  {{elapsed}}");
    let bar = ProgressBar::new_spinner()
        .with_style(ProgressStyle::with_template(&template).expect("valid progress template"));
    bar.set_draw_target(ProgressDrawTarget::stderr());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}
