//! `runs list`, `runs show` and `runs diff`: the history of nightly rescore runs.

use serde::Serialize;

use super::args::{RunsDiffArgs, RunsListArgs, RunsShowArgs};
use super::output::{Format, Record, Sink};
use super::{Exit, Settings};
use crate::runs::history::{Previous, ScoreChange};
use crate::runs::{ItemScore, Run, RunManifest, RunStore, files};

/// One completed run, as `runs list` shows it.
#[derive(Debug, Serialize)]
struct RunRecord<'a> {
    id: &'a str,
    finished: &'a str,
    items: u64,
    mean_score: f64,
    proposals: u64,
    repeated: u64,
    held_back: u64,
    fell: u64,
    ads_keywords: u64,
    rejects: u64,
    report: String,
}

impl<'a> RunRecord<'a> {
    fn of(run: &'a Run) -> Self {
        let m: &RunManifest = run.manifest();
        let c = &m.counts;
        RunRecord {
            id: &m.id,
            finished: &m.finished,
            items: c.items,
            mean_score: (c.mean_score * 10.0).round() / 10.0,
            proposals: c.proposals,
            repeated: c.repeated,
            held_back: c.held_back,
            fell: c.fell,
            ads_keywords: c.ads_keywords,
            rejects: c.rejects,
            report: run.file(files::REPORT).display().to_string(),
        }
    }
}

impl Record for RunRecord<'_> {
    const HEADERS: &'static [&'static str] = &[
        "运行",
        "完成时间",
        "宝贝数",
        "平均分",
        "新建议",
        "沿用建议",
        "暂缓",
        "分数下降",
        "直通车词",
        "拒收行",
        "报告",
    ];
    fn rows(&self, out: &mut Vec<Vec<String>>) {
        out.push(vec![
            self.id.to_owned(),
            self.finished.to_owned(),
            self.items.to_string(),
            format!("{:.1}", self.mean_score),
            self.proposals.to_string(),
            self.repeated.to_string(),
            self.held_back.to_string(),
            self.fell.to_string(),
            self.ads_keywords.to_string(),
            self.rejects.to_string(),
            self.report.clone(),
        ]);
    }
}

impl Record for ScoreChange {
    const HEADERS: &'static [&'static str] = &["宝贝ID", "标题", "原分", "新分", "变化", "原因"];
    fn rows(&self, out: &mut Vec<Vec<String>>) {
        out.push(vec![
            self.id.clone(),
            self.title.clone(),
            format!("{:.1}", self.old_score),
            format!("{:.1}", self.new_score),
            format!("{:+.1}", self.delta),
            self.reasons.join(";"),
        ]);
    }
}

fn format_for(settings: &Settings, output: Option<&std::path::Path>) -> Format {
    settings
        .format
        .unwrap_or_else(|| Sink::default_format(output))
}

pub fn list(settings: &Settings, args: &RunsListArgs) -> anyhow::Result<Exit> {
    let (runs, damaged) = RunStore::new(&settings.workspace).scan()?;
    super::rescore::warn_damaged(settings.lang, &damaged);
    let mut sink = Sink::open(
        args.output.as_deref(),
        format_for(settings, args.output.as_deref()),
    )?;
    for run in &runs {
        sink.write(&RunRecord::of(run))?;
    }
    sink.finish()?;
    if runs.is_empty() {
        eprintln!(
            "baobei: no completed run in {} yet: the nightly `baobei rescore --listings FILE` \
             makes one",
            settings.workspace.join("runs").display()
        );
    }
    Ok(Exit::Ok)
}

/// The run's manifest as JSON (it is the record), or its summary line as a table or CSV.
pub fn show(settings: &Settings, args: &RunsShowArgs) -> anyhow::Result<Exit> {
    let run = RunStore::new(&settings.workspace).get(&args.run)?;
    let format = format_for(settings, None);
    if format == Format::Json {
        println!("{}", serde_json::to_string(run.manifest())?);
        return Ok(Exit::Ok);
    }
    let mut sink = Sink::open(None, format)?;
    sink.write(&RunRecord::of(&run))?;
    sink.finish()?;
    if !settings.quiet {
        for input in &run.manifest().inputs {
            eprintln!(
                "  input {}: {} ({} rows, {} rejected, checksum {})",
                input.role, input.path, input.rows, input.rejects, input.checksum
            );
        }
        for (phase, secs) in &run.manifest().timings {
            eprintln!("  {phase}: {secs:.2} s");
        }
    }
    Ok(Exit::Ok)
}

/// Items whose score moved between runs A and B, biggest fall first, with reasons.
pub fn diff(settings: &Settings, args: &RunsDiffArgs) -> anyhow::Result<Exit> {
    let store = RunStore::new(&settings.workspace);
    let (a, b) = (store.get(&args.a)?, store.get(&args.b)?);
    let previous = Previous::load(&a)?;
    let mut changes = Vec::new();
    b.for_each_line(files::SCORES, |now: ItemScore| {
        if let Some(change) = previous.compare(&now)
            && change.delta.abs() >= args.min_change
        {
            changes.push(change);
        }
        Ok(())
    })?;
    changes.sort_by(|x, y| x.delta.total_cmp(&y.delta).then_with(|| x.id.cmp(&y.id)));
    let mut sink = Sink::open(
        args.output.as_deref(),
        format_for(settings, args.output.as_deref()),
    )?;
    for change in &changes {
        sink.write(change)?;
    }
    sink.finish()?;
    if changes.is_empty() {
        eprintln!(
            "baobei: no item's score moved by {} point(s) or more from {} to {} (see \
             --min-change)",
            args.min_change,
            a.manifest().id,
            b.manifest().id
        );
    }
    Ok(Exit::Ok)
}
