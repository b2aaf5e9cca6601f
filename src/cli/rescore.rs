//! `rescore`: the nightly job ([`crate::runs::night`]): arguments into [`NightOptions`], one
//! call, and the summary on stderr (with the time of each stage) and the report's path on
//! stdout.

use anyhow::Context;

use super::args::RescoreArgs;
use super::batch;
use super::{Exit, Settings};
use crate::dictionary::Dictionaries;
use crate::input::parse_date;
use crate::lang::Lang;
use crate::runs::files;
use crate::runs::history::HoldPolicy;
use crate::runs::night::{self, NightOptions, Stage};

pub fn rescore(
    settings: &Settings,
    args: &RescoreArgs,
    dicts: Dictionaries,
) -> anyhow::Result<Exit> {
    let date = match &args.date {
        Some(text) => Some(parse_date(text).ok().flatten().with_context(
            || match settings.lang {
                Lang::Zh => format!("--date: 不是日期：{text:?}"),
                Lang::En => format!("--date: not a date: {text:?}"),
            },
        )?),
        None => None,
    };
    let options = NightOptions {
        workspace: settings.workspace.clone(),
        listings: args.listings.clone(),
        competitors: args.competitors.clone(),
        keywords: args.keywords.clone(),
        ads: args.ads.clone(),
        queries: args.queries.clone(),
        date,
        policy: HoldPolicy {
            hold_days: args.hold_days,
            min_gain: args.min_gain,
            ..HoldPolicy::default()
        },
        budget: settings.budget,
        lang: settings.lang,
        command: std::env::args().collect::<Vec<_>>().join(" "),
    };
    let mut rejects = batch::rejects(settings.quiet, settings.lang);
    let queries = batch::progress(settings.quiet, settings.lang.pick("个搜索词", "queries"));
    let items = batch::progress(settings.quiet, settings.lang.pick("个宝贝", "items"));
    let bar = |stage| match stage {
        Stage::Derive => &queries,
        Stage::Score => &items,
    };
    let outcome = night::run(&options, dicts, &mut rejects, &|stage, n| bar(stage).inc(n));
    for bar in [&queries, &items] {
        bar.finish_and_clear();
    }
    let outcome = outcome?;
    warn_damaged(settings.lang, &outcome.damaged);
    if !settings.quiet {
        for path in &outcome.fen_costs {
            super::ads::say_fen(path, settings.lang);
        }
    }
    let m = outcome.run.manifest();
    if !settings.quiet {
        let c = &m.counts;
        let (id, secs) = (&m.id, total_secs(m));
        match settings.lang {
            Lang::Zh => eprintln!(
                "baobei: 运行 {id}：{} 个宝贝（平均分 {:.1}），新建议 {} 条，沿用 {} 条，暂缓 {} \
                 个，分数下降 {} 个；重新索引 {} 个宝贝，未变 {} 个；拒收 {} 行；{secs:.1} 秒",
                c.items,
                c.mean_score,
                c.proposals,
                c.repeated,
                c.held_back,
                c.fell,
                c.listings_indexed,
                c.listings_unchanged,
                c.rejects,
            ),
            Lang::En => eprintln!(
                "baobei: run {id}: {} items (mean score {:.1}), {} new proposals, {} standing, \
                 {} held back, {} fell; {} listings re-indexed, {} unchanged; {} rejected; \
                 {secs:.1} s",
                c.items,
                c.mean_score,
                c.proposals,
                c.repeated,
                c.held_back,
                c.fell,
                c.listings_indexed,
                c.listings_unchanged,
                c.rejects,
            ),
        }
        let stages: Vec<String> = m
            .timings
            .iter()
            .filter(|(stage, _)| stage != "total")
            .map(|(stage, secs)| {
                format!(
                    "{} {secs:.1}",
                    crate::runs::report::stage_name(stage, settings.lang)
                )
            })
            .collect();
        eprintln!(
            "baobei: {}{}",
            settings.lang.pick("各阶段（秒）：", "stages (s): "),
            stages.join(settings.lang.pick("，", ", "))
        );
    }
    if m.counts.items == 0 {
        eprintln!(
            "baobei: {}",
            settings.lang.pick(
                "没有本店宝贝可评分：用 --listings FILE 给出本店宝贝（或用 \
                 `baobei index add FILE --role own` 建索引）",
                "no own item to score: give the shop's listings with --listings FILE (or \
                 index them with `baobei index add FILE --role own`)"
            )
        );
    }
    println!("{}", outcome.run.file(files::REPORT).display());
    Ok(if rejects.is_empty() {
        Exit::Ok
    } else {
        Exit::Rejected
    })
}

fn total_secs(m: &crate::runs::RunManifest) -> f64 {
    m.timings
        .iter()
        .find(|(stage, _)| stage == "total")
        .map_or(0.0, |(_, secs)| *secs)
}

/// Says which runs were left out because they cannot be read, and that they were.
pub fn warn_damaged(lang: Lang, damaged: &[crate::runs::RunError]) {
    let said = lang.pick("已跳过损坏的运行", "skipped a damaged run");
    for error in damaged {
        eprintln!("baobei: warning: {said}: {error}");
    }
}
