//! The through-train (直通车) keyword review: what to do with every keyword's bid tomorrow.
//!
//! The pipeline is four plain steps, each usable alone:
//! 1. [`report`]: read export rows ([`parse_row`], [`read_report`]), put money in 元 whatever
//!    the export used ([`resolve_units`]: `--cost-unit`, the header's `(分)`, or cost per click
//!    against the bid), and add the last days up per keyword ([`aggregate`]) with the newest
//!    days' clicks weighted by how much of their orders has arrived ([`Window::completeness`]).
//! 2. [`review()`]: empirical-Bayes estimates of every keyword's CTR and CVR, shrunk toward its
//!    root word (词根) and ad group with Beta priors fitted to the report ([`beta`]); value per
//!    click = posterior CVR × the group's pooled order value; 90% credible intervals.
//! 3. Decisions: raise or lower the bid toward the target ROI in bounded steps, keep, pause a
//!    keyword that loses money with confidence even after the largest step down, delete one
//!    whose traffic does not click; each with a reason and a confidence (the posterior
//!    probability that the action is right). [`Rules::Classic`] applies the operators' fixed
//!    rules of thumb instead, scored with the same posterior, as the baseline to beat.
//! 4. Negative words (tokens of a plan's keywords that together bring clicks and no orders),
//!    keywords to add (from suggestions the caller passes in) and a [`Summary`]; [`records`]
//!    flattens it all into one [`ReviewRecord`] per row for output.
//!
//! ```
//! use baobei::ads::{self, ReviewConfig, Rules};
//! use baobei::text::Segmenter;
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("ztc.csv");
//! # std::fs::write(&path, baobei::sample::ZTC_REPORT.bytes).unwrap();
//! let file = ads::read_report(&path, None)?;
//! let config = ReviewConfig::default();
//! let totals = ads::aggregate(&file.rows, config.window);
//! let review = ads::review(&totals, &config, &Segmenter::builtin(), &[]);
//! assert_eq!(review.decisions.len(), totals.len());
//! assert!(review.summary.spend > 0.0 && config.rules == Rules::Bayes);
//! # Ok::<(), baobei::ads::AdsError>(())
//! ```

pub mod beta;
mod record;
pub mod report;
mod review;

pub use record::{ReviewRecord, records};
pub use report::{
    CostUnit, KeywordTotals, REQUIRED, ReportFile, ReportRow, Reports, UnitDecision, UnitSource,
    Window, aggregate, parse_row, read_report, read_reports, require_orders, resolve_units,
};
pub use review::{
    Action, Addition, Decision, DecisionReason, Estimate, Interval, NegativeWord, Review,
    Suggestion, Summary, review,
};

use crate::input::{Field, InputError, Location};
use crate::lang::{Describe, Lang};

/// What is wrong with a report cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadValue {
    /// The cell is empty.
    Missing,
    /// A money amount below zero.
    NegativeAmount,
    /// Not a whole count.
    NotACount,
}

impl BadValue {
    /// The problem for a person, in `lang`.
    pub fn describe(self, lang: Lang) -> &'static str {
        match self {
            BadValue::Missing => lang.pick("缺失", "missing"),
            BadValue::NegativeAmount => lang.pick("金额为负数", "negative amount"),
            BadValue::NotACount => lang.pick("不是计数", "not a count"),
        }
    }
}

/// Why a report, or one of its rows, cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AdsError {
    /// The file could not be read, or a cell not parsed (carries path, line, column, value).
    #[error(transparent)]
    Input(#[from] InputError),
    /// A cell that is present but unusable for a review.
    #[error("{}", self.describe(Lang::En))]
    BadValue {
        /// The cell.
        location: Location,
        /// The column's header as the file writes it.
        header: String,
        /// Its field.
        field: Field,
        /// What is wrong.
        problem: BadValue,
        /// The text of the cell.
        value: String,
    },
    /// More clicks than impressions: a shifted column or a broken export.
    #[error("{}", self.describe(Lang::En))]
    ClicksOverImpressions {
        /// The clicks cell.
        location: Location,
        /// Clicks read.
        clicks: u64,
        /// Impressions read.
        impressions: u64,
    },
    /// No row of any report could be used: nothing to review is an error, not an empty result.
    #[error("{}", self.describe(Lang::En))]
    NoUsableRows {
        /// The report file(s), comma separated.
        path: String,
        /// How many rows were set aside.
        rejected: usize,
    },
}

impl Describe for AdsError {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (AdsError::Input(e), _) => e.describe(lang),
            (
                AdsError::BadValue {
                    location,
                    header,
                    problem,
                    value,
                    ..
                },
                _,
            ) => format!(
                "{location}: {header}{}{}{}{value:?}",
                lang.pick("：", ": "),
                problem.describe(lang),
                lang.pick("：", ": ")
            ),
            (
                AdsError::ClicksOverImpressions {
                    location,
                    clicks,
                    impressions,
                },
                Lang::Zh,
            ) => format!("{location}: 点击 {clicks} 次，展现却只有 {impressions} 次"),
            (
                AdsError::ClicksOverImpressions {
                    location,
                    clicks,
                    impressions,
                },
                Lang::En,
            ) => format!("{location}: {clicks} clicks but {impressions} impressions"),
            (AdsError::NoUsableRows { path, rejected }, Lang::Zh) => {
                format!("{path}: 报表中没有可用的行（拒收 {rejected} 行）")
            }
            (AdsError::NoUsableRows { path, rejected }, Lang::En) => {
                format!("{path}: no usable report rows ({rejected} rejected)")
            }
        }
    }
}

/// Which decision rules to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rules {
    /// Pooled posterior estimates, bids toward the target ROI, pause only with confidence.
    Bayes,
    /// The operators' fixed rules of thumb of domain.md (the baseline).
    Classic,
}

/// Everything a review depends on besides the data: defaults are the documented rules of
/// thumb and house choices, each overridable.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewConfig {
    /// Days to look at and days whose orders are incomplete.
    pub window: Window,
    /// The return on ad spend (GMV / cost) bids aim at.
    pub target_roi: f64,
    /// The ROI under which a keyword loses money (1 / gross margin).
    pub break_even_roi: f64,
    /// The rule set.
    pub rules: Rules,
    /// Bid changes smaller than this fraction are not worth making (keep).
    pub min_step: f64,
    /// The largest bid change in one review (a fraction), so one noisy week cannot swing a
    /// bid far; the next review continues the move.
    pub max_step: f64,
    /// Posterior probability that the ROI is on the side of the target a move assumes
    /// (above it to raise, below it to lower), to move a bid at all.
    pub move_confidence: f64,
    /// Posterior probability of losing money, even after the largest step down, to pause.
    pub pause_confidence: f64,
    /// Posterior probability that CTR is below `low_ctr_fraction` of the pooled CTR, to delete.
    pub delete_confidence: f64,
    /// "Near zero" CTR, as a fraction of the keyword's pooled (root word, ad group) CTR.
    pub low_ctr_fraction: f64,
    /// Clicks grow as (new bid / bid)^elasticity: used only for the expected effect.
    pub click_elasticity: f64,
    /// Classic: delete after more than this many impressions with no click (domain.md: 800).
    pub classic_no_click_impressions: u64,
    /// Classic: delete after this many clicks with no order (domain.md: 20).
    pub classic_no_order_clicks: u64,
    /// Classic: ROI under this means fix the listing, not the bid (domain.md: 1.2).
    pub classic_fix_listing_roi: f64,
    /// Classic: CTR under this share of the ad group's CTR is low-quality traffic (0.8).
    pub classic_low_ctr_share: f64,
}

impl Default for ReviewConfig {
    fn default() -> Self {
        ReviewConfig {
            window: Window {
                days: 7,
                lag_days: 2,
            },
            target_roi: 3.0,
            break_even_roi: 2.0,
            rules: Rules::Bayes,
            min_step: 0.05,
            max_step: 0.30,
            move_confidence: 0.6,
            pause_confidence: 0.9,
            delete_confidence: 0.95,
            low_ctr_fraction: 0.25,
            click_elasticity: 1.0,
            classic_no_click_impressions: 800,
            classic_no_order_clicks: 20,
            classic_fix_listing_roi: 1.2,
            classic_low_ctr_share: 0.8,
        }
    }
}
