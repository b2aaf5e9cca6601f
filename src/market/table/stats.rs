//! What the table stores per keyword: its statistics, their period and source, and the
//! orders `keywords top` ranks by.

use std::fmt;

use crate::input::Date;

use super::format::{
    F_ALL, F_CLICK_POPULARITY, F_CTR, F_CVR, F_DEMAND, F_GROWTH, F_HEAT, F_ONLINE_ITEMS,
    F_POPULARITY, F_REFERENCE_CPC, F_TMALL_CLICK_SHARE, F_TRADE_INDEX, R_END, R_PRESENT, R_SOURCE,
    R_START, R_VALUES, RECORD_LEN, get_u32, get8, put_u32,
};
use super::{Refusal, TableError};

/// Where a row's statistics come from; decides merge priority and marks derived rows so that a
/// report never presents a derived estimate as platform data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// 生意参谋 (Business Advisor) market exports.
    BusinessAdvisor,
    /// 直通车 (through train) keyword tool exports.
    ThroughTrain,
    /// Computed by baobei from the listing index (`keywords derive`), not measured.
    Derived,
    /// Any other export (third-party tools, hand-made sheets).
    Other,
}

impl Source {
    fn code(self) -> u8 {
        match self {
            Source::BusinessAdvisor => 1,
            Source::ThroughTrain => 2,
            Source::Derived => 3,
            Source::Other => 4,
        }
    }

    fn from_code(code: u8) -> Option<Source> {
        Some(match code {
            1 => Source::BusinessAdvisor,
            2 => Source::ThroughTrain,
            3 => Source::Derived,
            4 => Source::Other,
            _ => return None,
        })
    }

    /// Tie-break priority among rows of the same period: higher wins.
    pub(super) fn priority(self) -> u8 {
        match self {
            Source::BusinessAdvisor => 3,
            Source::ThroughTrain => 2,
            Source::Other => 1,
            Source::Derived => 0,
        }
    }
}

/// The period an export row covers, as `yyyymmdd` dates (inclusive); a one-day export has
/// `start == end`. Plain integers keep the record fixed-size and sort chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    /// First day, `yyyymmdd`.
    pub start: u32,
    /// Last day, `yyyymmdd`; decides which of two rows is newer.
    pub end: u32,
}

impl Period {
    /// A period from `start` to `end` (`yyyymmdd`); validated when the row is inserted.
    pub fn new(start: u32, end: u32) -> Period {
        Period { start, end }
    }

    /// A one-day period.
    pub fn day(yyyymmdd: u32) -> Period {
        Period::new(yyyymmdd, yyyymmdd)
    }

    /// True when both dates are real calendar dates and `start <= end`.
    pub fn is_valid(&self) -> bool {
        is_date(self.start) && is_date(self.end) && self.start <= self.end
    }

    pub(super) fn order_key(&self) -> (u32, u32) {
        (self.end, self.start)
    }
}

/// A real calendar day from 1900 on (older "periods" are damage, not data).
pub(super) fn is_date(yyyymmdd: u32) -> bool {
    Date::from_yyyymmdd(yyyymmdd).is_some_and(|d| d.year() >= 1900)
}

/// The market statistics of one keyword for one period, as an export reports them.
///
/// Every statistic is optional (see the module docs on missing values). Indices are the
/// platform's obfuscated figures; restoring them to counts (指数还原) is a configurable
/// transform applied by the importer, whose result goes into `demand`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeywordStats {
    /// 搜索人气: search popularity, an obfuscated non-linear index (not a count).
    pub popularity: Option<f64>,
    /// Restored demand: approximate searchers in the period (from `popularity` by the
    /// importer's transform, or derived from listings).
    pub demand: Option<f64>,
    /// 搜索热度: search heat index.
    pub heat: Option<f64>,
    /// 点击率: click-through rate as a fraction (`0.0325` for "3.25%").
    pub ctr: Option<f64>,
    /// 支付转化率: payment conversion rate as a fraction.
    pub cvr: Option<f64>,
    /// 点击人气: click popularity index.
    pub click_popularity: Option<f64>,
    /// 交易指数: trade index.
    pub trade_index: Option<f64>,
    /// 在线商品数: competing online items.
    pub online_items: Option<u64>,
    /// 商城点击占比: share of clicks going to Tmall shops, as a fraction.
    pub tmall_click_share: Option<f64>,
    /// 直通车参考价: through-train reference cost per click, in yuan.
    pub reference_cpc: Option<f64>,
    /// Growth against the previous period as a fraction (`0.5` = +50%); computed by the builder
    /// from the previous period when the export does not give it.
    pub growth: Option<f64>,
    /// The period the figures cover.
    pub period: Period,
    /// Where the figures come from.
    pub source: Source,
}

impl KeywordStats {
    /// Statistics with every value unknown, to be filled in field by field by an importer.
    pub fn new(period: Period, source: Source) -> KeywordStats {
        KeywordStats {
            popularity: None,
            demand: None,
            heat: None,
            ctr: None,
            cvr: None,
            click_popularity: None,
            trade_index: None,
            online_items: None,
            tmall_click_share: None,
            reference_cpc: None,
            growth: None,
            period,
            source,
        }
    }

    /// Expected buyers ≈ demand × CTR × CVR, the default value heuristic of domain.md; `None`
    /// when any factor is unknown.
    pub fn expected_buyers(&self) -> Option<f64> {
        Some(self.demand? * self.ctr? * self.cvr?)
    }

    /// The ten float fields with their presence bits and names, in record order (value slot
    /// `i` holds the `i`-th entry, `online_items` sits in slot 7).
    fn floats(&self) -> [(Option<f64>, u32, &'static str); 10] {
        [
            (self.popularity, F_POPULARITY, "popularity"),
            (self.demand, F_DEMAND, "demand"),
            (self.heat, F_HEAT, "heat"),
            (self.ctr, F_CTR, "ctr"),
            (self.cvr, F_CVR, "cvr"),
            (
                self.click_popularity,
                F_CLICK_POPULARITY,
                "click_popularity",
            ),
            (self.trade_index, F_TRADE_INDEX, "trade_index"),
            (
                self.tmall_click_share,
                F_TMALL_CLICK_SHARE,
                "tmall_click_share",
            ),
            (self.reference_cpc, F_REFERENCE_CPC, "reference_cpc"),
            (self.growth, F_GROWTH, "growth"),
        ]
    }

    pub(super) fn present_count(&self) -> u32 {
        self.presence().count_ones()
    }

    fn presence(&self) -> u32 {
        let mut bits = self
            .floats()
            .iter()
            .filter(|(v, _, _)| v.is_some())
            .fold(0, |acc, (_, bit, _)| acc | bit);
        if self.online_items.is_some() {
            bits |= F_ONLINE_ITEMS;
        }
        bits
    }

    pub(super) fn validate(&self, keyword: &str) -> Result<(), TableError> {
        let invalid = |field: &'static str, value: String, reason: Refusal| {
            Err(TableError::InvalidRow {
                keyword: keyword.to_owned(),
                field,
                value,
                reason,
            })
        };
        if !self.period.is_valid() {
            return invalid(
                "period",
                format!("{}..{}", self.period.start, self.period.end),
                Refusal::BadPeriod,
            );
        }
        for (value, bit, name) in self.floats() {
            let Some(v) = value else { continue };
            if !v.is_finite() {
                return invalid(name, v.to_string(), Refusal::NotFinite);
            }
            let fraction = bit & (F_CTR | F_CVR | F_TMALL_CLICK_SHARE) != 0;
            if fraction && !(0.0..=1.0).contains(&v) {
                return invalid(name, v.to_string(), Refusal::NotAFraction);
            }
            if bit == F_GROWTH && v < -1.0 {
                return invalid(name, v.to_string(), Refusal::FallsTooFar);
            }
            if bit != F_GROWTH && v < 0.0 {
                return invalid(name, v.to_string(), Refusal::Negative);
            }
        }
        Ok(())
    }

    /// Writes the stats part of a record (`R_START..RECORD_LEN`).
    pub(super) fn encode_into(&self, rec: &mut [u8; RECORD_LEN]) {
        put_u32(rec, R_START, self.period.start);
        put_u32(rec, R_END, self.period.end);
        put_u32(rec, R_PRESENT, self.presence());
        rec[R_SOURCE] = self.source.code();
        rec[R_SOURCE + 1..R_VALUES].fill(0);
        let floats = self.floats();
        let mut slot = 0;
        for (i, (value, _, _)) in floats.iter().enumerate() {
            if i == 7 {
                let items = self.online_items.unwrap_or(0);
                rec[R_VALUES + 56..R_VALUES + 64].copy_from_slice(&items.to_le_bytes());
                slot += 1;
            }
            let at = R_VALUES + 8 * slot;
            rec[at..at + 8].copy_from_slice(&value.unwrap_or(0.0).to_le_bytes());
            slot += 1;
        }
    }

    #[inline]
    pub(super) fn decode(rec: &[u8; RECORD_LEN]) -> Option<KeywordStats> {
        let present = get_u32(rec, R_PRESENT);
        if present & !F_ALL != 0 || rec[R_SOURCE + 1..R_VALUES] != [0, 0, 0] {
            return None;
        }
        let source = Source::from_code(rec[R_SOURCE])?;
        let f = |slot: usize, bit: u32| {
            (present & bit != 0).then(|| f64::from_le_bytes(get8(rec, R_VALUES + 8 * slot)))
        };
        Some(KeywordStats {
            popularity: f(0, F_POPULARITY),
            demand: f(1, F_DEMAND),
            heat: f(2, F_HEAT),
            ctr: f(3, F_CTR),
            cvr: f(4, F_CVR),
            click_popularity: f(5, F_CLICK_POPULARITY),
            trade_index: f(6, F_TRADE_INDEX),
            online_items: (present & F_ONLINE_ITEMS != 0)
                .then(|| u64::from_le_bytes(get8(rec, R_VALUES + 56))),
            tmall_click_share: f(8, F_TMALL_CLICK_SHARE),
            reference_cpc: f(9, F_REFERENCE_CPC),
            growth: f(10, F_GROWTH),
            period: Period::new(get_u32(rec, R_START), get_u32(rec, R_END)),
            source,
        })
    }
}

/// One keyword of an open table: text and category borrowed from the map (zero-copy), the
/// statistics decoded from the fixed-size record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeywordRow<'a> {
    /// The normalised keyword text.
    pub keyword: &'a str,
    /// The category of the export the winning row came from (may be empty).
    pub category: &'a str,
    /// The keyword's statistics.
    pub stats: KeywordStats,
}

/// The orderings of `keywords top`, as scores over [`KeywordStats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RankBy {
    /// Expected buyers ([`KeywordStats::expected_buyers`]).
    Value,
    /// Growth against the previous period: rising words (飙升词).
    Growth,
    /// Restored demand.
    Demand,
}

impl RankBy {
    /// The score of `stats` under this ordering; `None` when the needed figures are unknown.
    pub fn score(self, stats: &KeywordStats) -> Option<f64> {
        match self {
            RankBy::Value => stats.expected_buyers(),
            RankBy::Growth => stats.growth,
            RankBy::Demand => stats.demand,
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::BusinessAdvisor => "business-advisor",
            Source::ThroughTrain => "through-train",
            Source::Derived => "derived",
            Source::Other => "other",
        })
    }
}
