//! `ads review`: through-train reports in, one decision per keyword out (plus negative words
//! and keywords to add), the summary on stderr.

use anyhow::Context;

use super::args::{CostUnitArg, ReviewArgs, RulesArg};
use super::batch;
use super::engine;
use super::output::{Record, Sink};
use super::{Exit, Settings};
use crate::ads::{self, AdsError, CostUnit, ReviewConfig, ReviewRecord, Rules, Window, records};
use crate::batch::Rejects;
use crate::lang::Lang;
use crate::market::workspace::Workspace;
use crate::suggest;
use crate::text::Segmenter;
use std::sync::Arc;

/// Reads every report (bad rows to the rejects file), reviews, writes the decisions.
pub fn review(settings: &Settings, args: &ReviewArgs) -> anyhow::Result<Exit> {
    if args.days == 0 {
        anyhow::bail!(
            settings
                .lang
                .pick("--days 至少为 1", "--days must be at least 1")
        );
    }
    for (name, v) in [
        ("--target-roi", args.target_roi),
        ("--break-even-roi", args.break_even_roi),
    ] {
        if !(v.is_finite() && v > 0.0) {
            match settings.lang {
                Lang::Zh => anyhow::bail!("{name} 必须是正数，而不是 {v}"),
                Lang::En => anyhow::bail!("{name} must be a positive number, not {v}"),
            }
        }
    }
    let forced = args.cost_unit.map(|u| match u {
        CostUnitArg::Yuan => CostUnit::Yuan,
        CostUnitArg::Fen => CostUnit::Fen,
    });
    let config = ReviewConfig {
        window: Window {
            days: args.days,
            lag_days: args.lag_days,
        },
        target_roi: args.target_roi,
        break_even_roi: args.break_even_roi,
        rules: match args.rules {
            RulesArg::Bayes => Rules::Bayes,
            RulesArg::Classic => Rules::Classic,
        },
        ..ReviewConfig::default()
    };

    let mut rejects = batch::rejects(settings.quiet, settings.lang);
    let rows = read_reports(
        &args.reports,
        forced,
        &mut rejects,
        settings.quiet,
        settings.lang,
    )?;
    if rows.is_empty() {
        let paths: Vec<String> = args
            .reports
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        // Say where the rows went before failing.
        let first = args.reports.first().map(|p| p.as_path());
        batch::finish_rejects(
            &rejects,
            settings.lang,
            args.rejects.as_deref(),
            None,
            first,
        )?;
        return Err(AdsError::NoUsableRows {
            path: paths.join(", "),
            rejected: rejects.len(),
        }
        .into());
    }

    let segmenter = std::sync::Arc::new(super::segmenter(settings)?);
    let totals = ads::aggregate(&rows, config.window);
    let suggestions = additions(settings, &segmenter, &totals, config.break_even_roi)?;
    let review = ads::review(&totals, &config, &segmenter, &suggestions);

    let format = settings
        .format
        .unwrap_or_else(|| Sink::default_format(args.output.as_deref()));
    let mut sink = Sink::open(args.output.as_deref(), format)?.with_headers::<ReviewRecord>();
    for record in records(&review, settings.lang) {
        sink.write(&record)?;
    }
    sink.finish().context(
        settings
            .lang
            .pick("无法写入调整建议", "cannot write the decisions"),
    )?;

    let first = args.reports.first().map(|p| p.as_path());
    batch::finish_rejects(
        &rejects,
        settings.lang,
        args.rejects.as_deref(),
        args.output.as_deref(),
        first,
    )?;
    if !settings.quiet {
        for line in summary(&review, config.rules, settings.lang) {
            eprintln!("baobei: {line}");
        }
    }
    Ok(if rejects.is_empty() {
        Exit::Ok
    } else {
        Exit::Rejected
    })
}

/// Keywords to add to the report's ad groups, from `suggest --for ads` over the workspace's
/// keyword data; none without keyword data (said once on stderr).
fn additions(
    settings: &Settings,
    segmenter: &Arc<Segmenter>,
    totals: &[ads::KeywordTotals],
    break_even_roi: f64,
) -> anyhow::Result<Vec<ads::Suggestion>> {
    let ws = Workspace::at(&settings.workspace);
    if !ws.table_path().exists() {
        if !settings.quiet {
            let root = ws.root().display();
            match settings.lang {
                Lang::Zh => eprintln!(
                    "baobei: {root}：工作区没有关键词数据，所以不建议添加关键词\
                     （用 `baobei keywords import FILE` 导入关键词报表）"
                ),
                Lang::En => eprintln!(
                    "baobei: {root}: no keyword data in the workspace, so no keywords to add \
                     are proposed (import a keyword export with `baobei keywords import FILE`)"
                ),
            }
        }
        return Ok(Vec::new());
    }
    let market = engine::market(settings, segmenter.clone())?;
    Ok(suggest::additions(&market, totals, break_even_roi)?)
}

/// The review's summary for a person: spend, GMV, ROI, actions; spend moved and the expected
/// effect; negative words and keywords to add.
/// The review's two summary lines for a person, in `lang`.
pub fn summary(review: &ads::Review, rules: Rules, lang: Lang) -> [String; 2] {
    let s = &review.summary;
    if lang == Lang::Zh {
        let actions: Vec<String> = s
            .actions
            .iter()
            .map(|(a, n)| format!("{} {n}", a.name(lang)))
            .collect();
        let rules = match rules {
            Rules::Bayes => "贝叶斯",
            Rules::Classic => "经典",
        };
        return [
            format!(
                "{} 个关键词，{} 天（{rules}规则）：花费 ¥{:.2}，成交金额 ¥{:.2}，投入产出比 {:.2}；{}",
                s.keywords,
                s.days,
                s.spend,
                s.gmv,
                s.roi,
                actions.join("、")
            ),
            format!(
                "花费转移：从亏损词减少 ¥{:.2}，向盈利词增加 ¥{:.2}；预计未来 {} 天：花费 ¥{:.2}，\
                 成交金额 ¥{:.2}（现在 ¥{:.2}），投入产出比 {:.2}；否定词 {} 个，建议添加的词 {} 个",
                s.spend_freed,
                s.spend_added,
                s.days,
                s.expected_spend,
                s.expected_gmv,
                s.expected_gmv_now,
                s.expected_roi,
                review.negatives.len(),
                review.additions.len()
            ),
        ];
    }
    let actions: Vec<String> = s
        .actions
        .iter()
        .map(|(a, n)| format!("{} {n}", a.as_str()))
        .collect();
    [
        format!(
            "{} keywords over {} days ({} rules): spend ¥{:.2}, GMV ¥{:.2}, ROI {:.2}; {}",
            s.keywords,
            s.days,
            match rules {
                Rules::Bayes => "bayes",
                Rules::Classic => "classic",
            },
            s.spend,
            s.gmv,
            s.roi,
            actions.join(", ")
        ),
        format!(
            "spend moved: ¥{:.2} taken from losing keywords, ¥{:.2} added to winning ones; \
             expected next {} days: spend ¥{:.2}, GMV ¥{:.2} (now ¥{:.2}), ROI {:.2}; {} negative \
             word(s), {} keyword(s) to add",
            s.spend_freed,
            s.spend_added,
            s.days,
            s.expected_spend,
            s.expected_gmv,
            s.expected_gmv_now,
            s.expected_roi,
            review.negatives.len(),
            review.additions.len()
        ),
    ]
}

/// Says that `path`'s costs were read as 分 from their scale, and how to overrule it.
pub fn say_fen(path: &std::path::Path, lang: Lang) {
    let path = path.display();
    match lang {
        Lang::Zh => eprintln!(
            "baobei: {path}：花费按「分」读取（按「元」读，单次点击花费会高于出价）；\
             若单位是元，请加 --cost-unit yuan"
        ),
        Lang::En => eprintln!(
            "baobei: {path}: cost read as fen (read as yuan, a click would cost more \
             than the bid); --cost-unit yuan says otherwise"
        ),
    }
}

/// Reads the through-train reports ([`ads::read_reports`]), saying which files' costs were
/// read as 分 from their scale alone.
pub fn read_reports(
    paths: &[std::path::PathBuf],
    forced: Option<CostUnit>,
    rejects: &mut Rejects,
    quiet: bool,
    lang: Lang,
) -> anyhow::Result<Vec<ads::ReportRow>> {
    let reports = ads::read_reports(paths, forced, rejects)?;
    if !quiet {
        for path in reports.fen_by_scale() {
            say_fen(&path, lang);
        }
    }
    Ok(reports.rows)
}

/// An output action (`raise` ... `delete`, `negative`, `add`) for a person, in `lang`.
pub fn action_name(action: &str, lang: Lang) -> &str {
    let all = [
        ads::Action::Raise,
        ads::Action::Lower,
        ads::Action::Keep,
        ads::Action::Pause,
        ads::Action::Delete,
    ];
    match all.into_iter().find(|a| a.as_str() == action) {
        Some(a) => a.name(lang),
        None if action == "negative" => lang.pick("否定词", "negative"),
        None if action == "add" => lang.pick("添加", "add"),
        None => action,
    }
}

impl Record for ReviewRecord {
    const HEADERS: &'static [&'static str] = &[
        "推广计划",
        "推广单元",
        "宝贝ID",
        "关键词",
        "操作",
        "出价",
        "新出价",
        "原因",
        "置信度",
        "词根",
        "展现量",
        "点击量",
        "花费",
        "总成交笔数",
        "总成交金额",
        "投入产出比",
        "点击率(估计)",
        "点击率下限",
        "点击率上限",
        "转化率(估计)",
        "转化率下限",
        "转化率上限",
        "不成交概率",
        "单次点击价值",
        "平均点击花费",
        "目标出价",
        "亏损概率",
    ];

    fn rows(&self, out: &mut Vec<Vec<String>>) {
        let n = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
        out.push(vec![
            self.plan.clone(),
            self.ad_group.clone(),
            self.item.clone(),
            self.keyword.clone(),
            action_name(self.action, self.lang).to_owned(),
            n(self.bid),
            n(self.new_bid),
            self.reason.clone(),
            self.confidence.to_string(),
            self.root.clone(),
            self.impressions.to_string(),
            self.clicks.to_string(),
            self.cost.to_string(),
            self.orders.to_string(),
            self.gmv.to_string(),
            n(self.roi),
            n(self.ctr),
            n(self.ctr_low),
            n(self.ctr_high),
            n(self.cvr),
            n(self.cvr_low),
            n(self.cvr_high),
            n(self.never_buys),
            n(self.value_per_click),
            n(self.cpc),
            n(self.target_bid),
            n(self.p_loss),
        ]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_cells() {
        let mut out = Vec::new();
        ReviewRecord::default().rows(&mut out);
        assert_eq!(out[0].len(), ReviewRecord::HEADERS.len());
        assert_eq!(ReviewRecord::HEADERS[4], "操作");
    }
}
