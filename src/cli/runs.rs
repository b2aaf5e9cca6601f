//! `runs list`, `runs show` and `runs diff`: the history of nightly rescore runs.

use serde::Serialize;

use super::args::{RunsDiffArgs, RunsListArgs, RunsShowArgs};
use super::output::{Format, Record, Sink};
use super::{Exit, Settings};
use crate::lang::Lang;
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

/// A score change as `runs diff` writes it: the structured reasons for machines, and `reason`
/// worded in the run's language for people.
#[derive(Debug, Serialize)]
struct ChangeRecord<'a> {
    #[serde(flatten)]
    change: &'a ScoreChange,
    reason: String,
}

impl<'a> ChangeRecord<'a> {
    fn of(change: &'a ScoreChange, lang: Lang) -> Self {
        ChangeRecord {
            change,
            reason: change.reason(lang),
        }
    }
}

impl Record for ChangeRecord<'_> {
    const HEADERS: &'static [&'static str] = &["宝贝ID", "标题", "原分", "新分", "变化", "原因"];
    fn rows(&self, out: &mut Vec<Vec<String>>) {
        let c = self.change;
        out.push(vec![
            c.id.clone(),
            c.title.clone(),
            format!("{:.1}", c.old_score),
            format!("{:.1}", c.new_score),
            format!("{:+.1}", c.delta),
            self.reason.clone(),
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
        let runs = settings.workspace.join("runs");
        match settings.lang {
            Lang::Zh => eprintln!(
                "baobei: {} 中还没有完成的运行：每晚的 `baobei rescore --listings FILE` 会生成一次",
                runs.display()
            ),
            Lang::En => eprintln!(
                "baobei: no completed run in {} yet: the nightly `baobei rescore --listings \
                 FILE` makes one",
                runs.display()
            ),
        }
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
        for i in &run.manifest().inputs {
            match settings.lang {
                Lang::Zh => eprintln!(
                    "  输入 {}：{}（{} 行，拒收 {} 行，校验和 {}）",
                    i.role, i.path, i.rows, i.rejects, i.checksum
                ),
                Lang::En => eprintln!(
                    "  input {}: {} ({} rows, {} rejected, checksum {})",
                    i.role, i.path, i.rows, i.rejects, i.checksum
                ),
            }
        }
        for (phase, secs) in &run.manifest().timings {
            let unit = settings.lang.pick("秒", "s");
            let phase = crate::runs::report::stage_name(phase, settings.lang);
            eprintln!(
                "  {phase}{}{secs:.2} {unit}",
                settings.lang.pick("：", ": ")
            );
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
        sink.write(&ChangeRecord::of(change, settings.lang))?;
    }
    sink.finish()?;
    if changes.is_empty() {
        let (min, a, b) = (args.min_change, &a.manifest().id, &b.manifest().id);
        match settings.lang {
            Lang::Zh => eprintln!(
                "baobei: 从 {a} 到 {b} 没有宝贝的分数变化达到 {min} 分（见 --min-change）"
            ),
            Lang::En => eprintln!(
                "baobei: no item's score moved by {min} point(s) or more from {a} to {b} (see \
                 --min-change)"
            ),
        }
    }
    Ok(Exit::Ok)
}
