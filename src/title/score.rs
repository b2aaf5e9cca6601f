//! Scoring a title: which of the item's candidate keywords it covers, and a 0-100 score with
//! its breakdown.
//!
//! A title COVERS a keyword when every word of the keyword is among the title's words, in any
//! order (the platform matches a query on words); a configurable bonus applies when they stand
//! adjacent and in keyword order. The score is
//! `coverage_points × covered / reachable + budget_points × bytes / budget − penalties`,
//! clamped to 0-100, where `reachable` is an upper bound of what any title within the budget
//! could cover ([`KeywordUniverse::upper_bound`]). A title over the budget is counted on the
//! part the budget holds.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::lint::{Problem, ProblemKind};
use super::text::gbk_len;
use super::{Segmented, TokenKind};
use crate::item::Subject;
use crate::keyword::{Candidates, ConfigError, KeywordUniverse, load_section};

/// Weights of the score, from `[score]` in `baobei.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScoreConfig {
    /// Points for covering all the reachable value.
    pub coverage_points: f64,
    /// Points for using the whole budget.
    pub budget_points: f64,
    /// Points off per prohibited word.
    pub prohibited: f64,
    /// Points off per repeated word.
    pub repeated: f64,
    /// Points off per wasted space.
    pub wasted_space: f64,
    /// Points off per character problem (full-width, outside GBK, control).
    pub characters: f64,
    /// Points off when the item's brand is not in the title.
    pub missing_brand: f64,
    /// Points off when the title has no product word (or not the item's).
    pub missing_product: f64,
    /// Points off when the title is over the budget.
    pub over_budget: f64,
    /// Extra value share for a keyword whose words stand adjacent and in order.
    pub adjacency_bonus: f64,
    /// How many missed keywords to list.
    pub missing_listed: usize,
}

impl Default for ScoreConfig {
    fn default() -> Self {
        ScoreConfig {
            coverage_points: 80.0,
            budget_points: 20.0,
            prohibited: 20.0,
            repeated: 15.0,
            wasted_space: 1.0,
            characters: 1.0,
            missing_brand: 10.0,
            missing_product: 15.0,
            over_budget: 30.0,
            adjacency_bonus: 0.1,
            missing_listed: 10,
        }
    }
}

impl ScoreConfig {
    /// Reads `[score]` from `baobei.toml` (defaults when absent).
    pub fn load(path: &Path) -> Result<ScoreConfig, ConfigError> {
        load_section(path, "score")
    }
}

/// A keyword with its value, as outputs list it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeywordValue {
    /// Keyword text.
    pub keyword: String,
    /// Its value (with the adjacency bonus where it applies).
    pub value: f64,
}

/// Points taken off, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Penalty {
    /// `prohibited`, `repeated_word`, `wasted_space`, `characters`, `missing_brand`,
    /// `missing_product`, `over_budget`, `empty_title`.
    pub kind: &'static str,
    /// Points off.
    pub points: f64,
    /// The text concerned.
    pub text: String,
}

/// The parts the score is made of.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Breakdown {
    /// Points from coverage.
    pub coverage: f64,
    /// Points from budget use.
    pub budget_use: f64,
    /// Value covered.
    pub covered_value: f64,
    /// Upper bound of the value a title within the budget could cover.
    pub reachable_value: f64,
    /// Points taken off.
    pub penalties: Vec<Penalty>,
}

/// A title's score.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TitleScore {
    /// 0-100, one decimal.
    pub score: f64,
    /// How it was made up.
    pub breakdown: Breakdown,
    /// Covered keywords (ids, most valuable first) and the value each counts for.
    pub covered: Vec<(u32, f64)>,
    /// The most valuable candidate keywords not covered.
    pub missing: Vec<u32>,
}

/// Word ids of a segmented title with the index of their first token, in title order; only
/// what fits in `budget` bytes counts.
pub fn title_words(
    universe: &KeywordUniverse,
    seg: &Segmented<'_>,
    budget: usize,
) -> Vec<(u32, u16)> {
    let over = gbk_len(seg.title()) > budget;
    let mut out: Vec<(u32, u16)> = Vec::with_capacity(seg.tokens.len());
    for (i, t) in seg.tokens.iter().enumerate() {
        if t.kind == TokenKind::Punct {
            continue;
        }
        if over && gbk_len(&seg.title()[..t.byte_end as usize]) > budget {
            break;
        }
        if let Some(id) = universe.word_id(seg.key(t))
            && !out.iter().any(|&(w, _)| w == id)
        {
            out.push((id, i.min(u16::MAX as usize) as u16));
        }
    }
    out
}

/// Marks a word the title lacks in [`Scorer::covered`]'s position table.
const ABSENT: u16 = u16::MAX;

/// Scores titles against an item's candidate keywords.
#[derive(Debug, Clone, Copy)]
pub struct Scorer<'a> {
    /// The keyword universe.
    pub universe: &'a KeywordUniverse,
    /// Weights.
    pub config: &'a ScoreConfig,
    /// Budget in GBK bytes.
    pub budget: usize,
}

impl<'a> Scorer<'a> {
    /// Covered candidate keywords of a title given its [`title_words`], with the value each
    /// counts for (adjacency bonus included), most valuable first.
    pub fn covered(&self, words: &[(u32, u16)], candidates: &Candidates) -> Vec<(u32, f64)> {
        // Word -> position in a per-thread table indexed by word id: one array read per
        // keyword word instead of a scan of the title's words (hundreds of candidates per
        // title). Cleared again before returning.
        thread_local! {
            static POSITION: std::cell::RefCell<Vec<u16>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        POSITION.with(|table| {
            let mut pos = table.borrow_mut();
            let n = self.universe.word_count();
            if pos.len() < n {
                pos.resize(n, ABSENT);
            }
            for &(w, p) in words {
                pos[w as usize] = p.min(ABSENT - 1);
            }
            let mut out = Vec::new();
            'kw: for c in &candidates.list {
                let kw = self.universe.keyword(c.keyword);
                let mut last: Option<u16> = None;
                let mut adjacent = true;
                for &w in kw.words.iter() {
                    let p = pos[w as usize];
                    if p == ABSENT {
                        continue 'kw;
                    }
                    if let Some(l) = last
                        && p != l + 1
                    {
                        adjacent = false;
                    }
                    last = Some(p);
                }
                let bonus = if adjacent && kw.words.len() > 1 {
                    1.0 + self.config.adjacency_bonus
                } else {
                    1.0
                };
                out.push((c.keyword, kw.value.value * bonus));
            }
            for &(w, _) in words {
                pos[w as usize] = ABSENT;
            }
            out
        })
    }

    /// Scores a segmented title whose lint `problems` are known, for an item of `subject`.
    pub fn score(
        &self,
        seg: &Segmented<'_>,
        problems: &[Problem],
        subject: &Subject,
        candidates: &Candidates,
    ) -> TitleScore {
        let c = self.config;
        let words = title_words(self.universe, seg, self.budget);
        let covered = self.covered(&words, candidates);
        let covered_value: f64 = covered.iter().map(|x| x.1).sum();
        let reachable = candidates.reachable * (1.0 + c.adjacency_bonus);
        let share = if reachable > 0.0 {
            (covered_value / reachable).min(1.0)
        } else {
            0.0
        };
        let bytes = gbk_len(seg.title());
        let mut b = Breakdown {
            coverage: c.coverage_points * share,
            budget_use: c.budget_points
                * (bytes.min(self.budget) as f64 / self.budget.max(1) as f64),
            covered_value,
            reachable_value: reachable,
            penalties: Vec::new(),
        };
        for p in problems {
            let points = match p.kind {
                ProblemKind::EmptyTitle => 100.0,
                ProblemKind::OverBudget => c.over_budget,
                ProblemKind::Prohibited => c.prohibited,
                ProblemKind::RepeatedWord => c.repeated,
                ProblemKind::WastedSpace => c.wasted_space,
                ProblemKind::FullWidth | ProblemKind::OutsideGbk | ProblemKind::ControlChar => {
                    c.characters
                }
            };
            let kind = match p.kind {
                ProblemKind::FullWidth | ProblemKind::OutsideGbk | ProblemKind::ControlChar => {
                    "characters"
                }
                k => k.as_str(),
            };
            b.penalties.push(Penalty {
                kind,
                points,
                text: p.text.clone(),
            });
        }
        let folded = seg.folded();
        if let Some(brand) = &subject.brand
            && !folded.contains(brand.key.as_str())
        {
            b.penalties.push(Penalty {
                kind: "missing_brand",
                points: c.missing_brand,
                text: brand.text.clone(),
            });
        }
        match &subject.product {
            Some(p) if folded.contains(p.key.as_str()) => {}
            other => b.penalties.push(Penalty {
                kind: "missing_product",
                points: c.missing_product,
                text: other.as_ref().map(|p| p.text.clone()).unwrap_or_default(),
            }),
        }
        let off: f64 = b.penalties.iter().map(|p| p.points).sum();
        let score = ((b.coverage + b.budget_use - off).clamp(0.0, 100.0) * 10.0).round() / 10.0;
        let missing = candidates
            .list
            .iter()
            .map(|c| c.keyword)
            .filter(|k| !covered.iter().any(|x| x.0 == *k))
            .take(c.missing_listed)
            .collect();
        TitleScore {
            score,
            breakdown: b,
            covered,
            missing,
        }
    }

    /// Keyword ids with values as output records.
    pub fn values(&self, list: impl IntoIterator<Item = (u32, f64)>) -> Vec<KeywordValue> {
        list.into_iter()
            .map(|(k, v)| KeywordValue {
                keyword: self.universe.keyword(k).text.to_string(),
                value: (v * 1000.0).round() / 1000.0,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyword::tests::universe;
    use crate::title::lint::lint;

    #[test]
    fn covers_keywords_in_any_order_with_a_bonus_for_adjacency() {
        let u = universe(&[
            ("碎花连衣裙", 50.0),
            ("雪纺连衣裙", 40.0),
            ("连衣裙 长袖", 10.0),
        ]);
        let s = u.segmenter().clone();
        let config = ScoreConfig::default();
        let scorer = Scorer {
            universe: &u,
            config: &config,
            budget: 60,
        };
        let cands = u.candidates(None, Some("连衣裙"), &[]);
        let cov = |title: &str| {
            let seg = s.segment(title);
            let words = title_words(&u, &seg, 60);
            scorer
                .covered(&words, &cands)
                .into_iter()
                .map(|(k, v)| (u.keyword(k).text.to_string(), (v * 1e6).round() / 1e6))
                .collect::<Vec<_>>()
        };
        assert_eq!(cov("碎花连衣裙"), [("碎花连衣裙".to_string(), 55.0)]);
        assert_eq!(cov("连衣裙碎花"), [("碎花连衣裙".to_string(), 50.0)]);
        let got = cov("长袖雪纺连衣裙");
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(
            cov("碎花长裙").is_empty(),
            "every word of the keyword is needed"
        );
    }

    #[test]
    fn penalties_and_the_budget_shape_the_score() {
        let u = universe(&[("碎花连衣裙", 50.0), ("雪纺连衣裙", 40.0)]);
        let s = u.segmenter().clone();
        let config = ScoreConfig::default();
        let scorer = Scorer {
            universe: &u,
            config: &config,
            budget: 60,
        };
        let cands = u.candidates(None, Some("连衣裙"), &[]);
        let score = |title: &str, subject: &Subject| {
            let seg = s.segment(title);
            let problems = lint(&seg, &s, 60);
            scorer.score(&seg, &problems, subject, &cands)
        };
        let item = crate::item::Item::new("1", "");
        let subject = |t: &str| item.subject(&s.segment(t), |_| 0.0);
        let good = score("碎花雪纺连衣裙", &subject("碎花雪纺连衣裙"));
        let bad = score("最好碎花雪纺连衣裙", &subject("最好碎花雪纺连衣裙"));
        assert!(good.score > bad.score);
        assert!(
            bad.breakdown
                .penalties
                .iter()
                .any(|p| p.kind == "prohibited")
        );
        let none = score("碎花雪纺", &subject("碎花雪纺"));
        assert!(
            none.breakdown
                .penalties
                .iter()
                .any(|p| p.kind == "missing_product")
        );
        assert_eq!(good.covered.len(), 2);
        assert!(good.score > 0.0 && good.score <= 100.0);
        // Over the budget only the part within it counts.
        let long = format!("{}碎花连衣裙", "好".repeat(30));
        let over = score(&long, &subject(&long));
        assert!(over.covered.is_empty());
        assert!(
            over.breakdown
                .penalties
                .iter()
                .any(|p| p.kind == "over_budget")
        );
    }
}
