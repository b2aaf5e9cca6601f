//! The review as flat records: one per keyword decision, then negative words and keywords to
//! add. What `ads review` writes and the nightly job keeps in its run (`ads.jsonl`).

use serde::Serialize;

use super::{Decision, DecisionReason, NegativeWord, Review};
use crate::lang::Lang;
use crate::reason::KeywordReason;

/// The review as output records: one per keyword decision, then negative words (`negative`)
/// and keywords to add (`add`).
pub fn records(review: &Review, lang: Lang) -> Vec<ReviewRecord> {
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

/// One output record: a keyword decision (`raise|lower|keep|pause|delete`), a negative word
/// (`negative`, keyword = the word) or a keyword to add (`add`). Rates are fractions.
#[derive(Debug, Default, Serialize)]
pub struct ReviewRecord {
    /// The campaign (推广计划).
    pub plan: String,
    /// The ad group (推广单元).
    pub ad_group: String,
    /// The item id.
    pub item: String,
    /// The keyword, or the negative word.
    pub keyword: String,
    /// `raise`, `lower`, `keep`, `pause`, `delete`, `negative` or `add`.
    pub action: &'static str,
    /// The bid now.
    pub bid: Option<f64>,
    /// The bid proposed.
    pub new_bid: Option<f64>,
    /// Why, for a person, in the run's language; the structured form is `reasons` (a
    /// decision), `suggested` (a keyword to add) or `keywords` (a negative word).
    pub reason: String,
    /// A decision's reasons, structured.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<DecisionReason>,
    /// Why a keyword to add was suggested, structured.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suggested: Vec<KeywordReason>,
    /// The keywords holding a negative word.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// How sure the decision is, 0-1.
    pub confidence: f64,
    /// The root word (词根) the keyword is pooled by.
    pub root: String,
    /// Impressions over the window.
    pub impressions: u64,
    /// Clicks over the window.
    pub clicks: u64,
    /// Spend in 元.
    pub cost: f64,
    /// Orders.
    pub orders: u64,
    /// GMV in 元.
    pub gmv: f64,
    /// GMV / cost.
    pub roi: Option<f64>,
    /// Estimated CTR.
    pub ctr: Option<f64>,
    /// Its credible interval.
    pub ctr_low: Option<f64>,
    /// See `ctr_low`.
    pub ctr_high: Option<f64>,
    /// Estimated conversion rate.
    pub cvr: Option<f64>,
    /// Its credible interval.
    pub cvr_low: Option<f64>,
    /// See `cvr_low`.
    pub cvr_high: Option<f64>,
    /// Probability the keyword never converts.
    pub never_buys: Option<f64>,
    /// Expected GMV per click.
    pub value_per_click: Option<f64>,
    /// Average cost per click.
    pub cpc: Option<f64>,
    /// The bid at the target ROI.
    pub target_bid: Option<f64>,
    /// Probability the keyword loses money.
    pub p_loss: Option<f64>,
    /// The language of the table and CSV cells.
    #[serde(skip)]
    pub lang: Lang,
}

fn r4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn r2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

impl ReviewRecord {
    /// A keyword decision as a record.
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

    /// A negative word as a record.
    pub fn negative(n: &NegativeWord, lang: Lang) -> ReviewRecord {
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
