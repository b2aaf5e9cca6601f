//! `ads review`: through-train reports in, one decision per keyword out (plus negative words
//! and keywords to add), the summary on stderr.

use anyhow::Context;
use serde::Serialize;

use super::args::{CostUnitArg, ReviewArgs, RulesArg};
use super::batch::{Reject, Rejects};
use super::engine;
use super::output::{Record, Sink};
use super::suggest::{self, Purpose, Suggester};
use super::{Exit, Settings};
use crate::ads::DecisionReason;
use crate::ads::{
    self, AdsError, CostUnit, Decision, NegativeWord, ReviewConfig, Rules, UnitSource, Window,
};
use crate::input::{self, Options};
use crate::lang::Lang;
use crate::market::workspace::Workspace;
use crate::reason::KeywordReason;
use crate::text::Segmenter;
use std::sync::Arc;

/// Reads every report (bad rows to the rejects file), reviews, writes the decisions.
pub fn review(settings: &Settings, args: &ReviewArgs) -> anyhow::Result<Exit> {
    if args.days == 0 {
        anyhow::bail!("--days must be at least 1");
    }
    for (name, v) in [
        ("--target-roi", args.target_roi),
        ("--break-even-roi", args.break_even_roi),
    ] {
        if !(v.is_finite() && v > 0.0) {
            anyhow::bail!("{name} must be a positive number, not {v}");
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

    let mut rejects = Rejects::in_lang(settings.quiet, settings.lang);
    let rows = read_reports(&args.reports, forced, &mut rejects, settings.quiet)?;
    if rows.is_empty() {
        let paths: Vec<String> = args
            .reports
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        // Say where the rows went before failing.
        let first = args.reports.first().map(|p| p.as_path());
        rejects.finish(args.rejects.as_deref(), None, first)?;
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
    sink.finish().context("cannot write the decisions")?;

    let first = args.reports.first().map(|p| p.as_path());
    rejects.finish(args.rejects.as_deref(), args.output.as_deref(), first)?;
    if !settings.quiet {
        for line in summary_in(&review, config.rules, settings.lang) {
            eprintln!("baobei: {line}");
        }
    }
    Ok(if rejects.is_empty() {
        Exit::Ok
    } else {
        Exit::Rejected
    })
}

/// The review as output records: one per keyword decision, then negative words (`negative`)
/// and keywords to add (`add`).
pub fn records(review: &ads::Review, lang: Lang) -> Vec<ReviewRecord> {
    let decisions = review
        .decisions
        .iter()
        .map(|d| ReviewRecord::decision(d, lang));
    let negatives = review
        .negatives
        .iter()
        .map(|n| ReviewRecord::negative(n, lang));
    let additions = review.additions.iter().map(|a| ReviewRecord {
        plan: a.plan.clone(),
        ad_group: a.ad_group.clone(),
        item: a.suggestion.item.clone(),
        keyword: a.suggestion.keyword.clone(),
        action: "add",
        bid: None,
        new_bid: Some(a.bid),
        reason: a.suggestion.reason(lang),
        suggested: a.suggestion.reasons.clone(),
        confidence: a.suggestion.confidence,
        lang,
        ..ReviewRecord::default()
    });
    decisions.chain(negatives).chain(additions).collect()
}

/// Keywords proposed per item: the top `suggest --for ads` keywords its ad group lacks.
const ADDITIONS_PER_ITEM: usize = 3;

/// Keywords to add to the report's ad groups, from `suggest --for ads` over the workspace's
/// keyword data; none without keyword data (said once on stderr).
pub fn additions(
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
    additions_in(settings, &market, segmenter, totals, break_even_roi)
}

/// [`additions`] over a market the caller has already built (the nightly job has one).
pub fn additions_in(
    settings: &Settings,
    market: &engine::Market,
    segmenter: &Arc<Segmenter>,
    totals: &[ads::KeywordTotals],
    break_even_roi: f64,
) -> anyhow::Result<Vec<ads::Suggestion>> {
    let index = suggest::open_index(settings, segmenter)?;
    let own = match &index {
        Some(index) => suggest::own_items(index)?,
        None => Default::default(),
    };
    let suggester = Suggester {
        editor: engine::editor(settings, market),
        index: index.as_ref(),
        purpose: Purpose::Ads,
    };
    Ok(suggest::ad_suggestions(
        &suggester,
        totals,
        &own,
        ADDITIONS_PER_ITEM,
        break_even_roi,
    ))
}

/// The review's summary for a person: spend, GMV, ROI, actions; spend moved and the expected
/// effect; negative words and keywords to add.
pub fn summary(review: &ads::Review, rules: Rules) -> [String; 2] {
    summary_in(review, rules, Lang::En)
}

/// The review's two summary lines for a person, in `lang`.
pub fn summary_in(review: &ads::Review, rules: Rules, lang: Lang) -> [String; 2] {
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

/// Reads through-train reports into rows, setting bad rows aside; the cost unit is decided
/// per file (`forced`, a unit in the header, or the scale of the costs).
pub fn read_reports(
    paths: &[std::path::PathBuf],
    forced: Option<CostUnit>,
    rejects: &mut Rejects,
    quiet: bool,
) -> anyhow::Result<Vec<ads::ReportRow>> {
    let mut rows = Vec::new();
    for path in paths {
        let options = Options {
            required: ads::REQUIRED.to_vec(),
            ..Default::default()
        };
        let reader = input::open(path, &options)?;
        let header = reader.header().cloned();
        if let Some(h) = &header {
            ads::require_orders(h)?;
        }
        let mut file_rows = Vec::new();
        for row in reader {
            let outcome = match row {
                Err(e) => Err(Reject::from(e)),
                Ok(record) => ads::parse_row(&record).map_err(|e| row_reject(&e, &record)),
            };
            match outcome {
                Ok(r) => file_rows.push(r),
                Err(reject) => rejects.push(reject)?,
            }
        }
        if let Some(header) = header {
            let units = ads::resolve_units(&mut file_rows, &header, forced);
            if !quiet && units.source == UnitSource::Scale && units.cost == CostUnit::Fen {
                eprintln!(
                    "baobei: {}: cost read as 分 (a click costs more than the bid in 元); \
                     --cost-unit yuan says otherwise",
                    path.display()
                );
            }
        }
        rows.append(&mut file_rows);
    }
    Ok(rows)
}

fn row_reject(e: &AdsError, record: &input::Record) -> Reject {
    let location = match e {
        AdsError::Input(e) => e.location().map(ToString::to_string),
        AdsError::BadValue { location, .. } | AdsError::ClicksOverImpressions { location, .. } => {
            Some(location.to_string())
        }
        AdsError::NoUsableRows { .. } => None,
    };
    Reject::new(
        location.unwrap_or_else(|| record.location().to_string()),
        e,
        record.raw().into_owned(),
    )
}

/// One output record: a keyword decision (`raise|lower|keep|pause|delete`), a negative word
/// (`negative`, keyword = the word) or a keyword to add (`add`). Rates are fractions.
#[derive(Debug, Default, Serialize)]
pub struct ReviewRecord {
    pub plan: String,
    pub ad_group: String,
    pub item: String,
    pub keyword: String,
    pub action: &'static str,
    pub bid: Option<f64>,
    pub new_bid: Option<f64>,
    /// Why, for a person, in the run's language; the structured form is `reasons` (a
    /// decision), `suggested` (a keyword to add) or `keywords` (a negative word).
    pub reason: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<DecisionReason>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suggested: Vec<KeywordReason>,
    /// The keywords holding a negative word.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    pub confidence: f64,
    pub root: String,
    pub impressions: u64,
    pub clicks: u64,
    pub cost: f64,
    pub orders: u64,
    pub gmv: f64,
    pub roi: Option<f64>,
    pub ctr: Option<f64>,
    pub ctr_low: Option<f64>,
    pub ctr_high: Option<f64>,
    pub cvr: Option<f64>,
    pub cvr_low: Option<f64>,
    pub cvr_high: Option<f64>,
    pub never_buys: Option<f64>,
    pub value_per_click: Option<f64>,
    pub cpc: Option<f64>,
    pub target_bid: Option<f64>,
    pub p_loss: Option<f64>,
    #[serde(skip)]
    pub lang: Lang,
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

fn r4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn r2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

impl ReviewRecord {
    pub fn decision(d: &Decision, lang: Lang) -> ReviewRecord {
        let (t, e) = (&d.totals, &d.estimate);
        ReviewRecord {
            plan: t.plan.clone(),
            ad_group: t.ad_group.clone(),
            item: t.item.clone(),
            keyword: t.keyword.clone(),
            action: d.action.as_str(),
            bid: Some(t.bid),
            new_bid: d.new_bid,
            reason: d.reason(lang),
            reasons: d.reasons.clone(),
            suggested: Vec::new(),
            keywords: Vec::new(),
            confidence: r4(d.confidence),
            root: e.root.clone(),
            impressions: t.impressions,
            clicks: t.clicks,
            cost: r2(t.cost),
            orders: t.orders,
            gmv: r2(t.gmv),
            roi: (t.cost > 0.0).then(|| r2(t.roi())),
            ctr: Some(r4(e.ctr.mean)),
            ctr_low: Some(r4(e.ctr.low)),
            ctr_high: Some(r4(e.ctr.high)),
            cvr: Some(r4(e.cvr.mean)),
            cvr_low: Some(r4(e.cvr.low)),
            cvr_high: Some(r4(e.cvr.high)),
            never_buys: Some(r4(e.never_buys)),
            value_per_click: Some(r2(e.value_per_click)),
            cpc: Some(r2(e.cpc)),
            target_bid: Some(r2(e.target_bid)),
            p_loss: Some(r4(e.p_loss)),
            lang,
        }
    }

    fn negative(n: &NegativeWord, lang: Lang) -> ReviewRecord {
        ReviewRecord {
            plan: n.plan.clone(),
            keyword: n.word.clone(),
            action: "negative",
            reason: n.reason(lang),
            keywords: n.keywords.clone(),
            lang,
            confidence: r4(n.confidence),
            clicks: n.clicks,
            cost: r2(n.cost),
            ..ReviewRecord::default()
        }
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
