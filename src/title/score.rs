//! Scoring a title by the real searcher: which queries it is found for, against the queries
//! it could be found for.
//!
//! A title is worth the value of the real queries it is found for ([`crate::text::recall`]: every
//! word of the query among the title's terms). The queries an item could be found for are the
//! *reachable* ones: every word of them true of the item (its title's terms, its attributes,
//! dictionary synonyms of those). The score is the share of the reachable value the title is
//! found for, 0-100; deleting a word can only lower it, so nothing can game it. The hard
//! constraints (budget, Advertising Law, repeated words, brand and product word) are reported
//! as checks beside it, not mixed into it. A title over the budget is counted on the part the
//! budget holds.

use serde::Serialize;

use crate::item::{Item, Subject};
use crate::keyword::{Candidates, KeywordUniverse};
use crate::lang::Lang;
use crate::text::Segmented;
use crate::text::chars::gbk_len;
use crate::text::lint::{Problem, ProblemKind};
use crate::text::recall;

/// How many queries a record lists by name (found, missed, gained, lost).
pub const LISTED: usize = 10;
/// Words a suggested query may lack: one needing more is about another item.
const MAX_LACKING: usize = 2;

/// A query with its value, as outputs list it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeywordValue {
    /// Query text.
    pub keyword: String,
    /// Its value.
    pub value: f64,
}

/// A hard constraint the title fails.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Check {
    /// Nothing but white space.
    EmptyTitle,
    /// More bytes than the budget.
    OverBudget {
        /// GBK bytes.
        bytes: usize,
        /// The budget.
        budget: usize,
    },
    /// A word the Advertising Law bans.
    Prohibited {
        /// The word.
        word: String,
    },
    /// The same whole word twice.
    RepeatedWord {
        /// The word.
        word: String,
    },
    /// The item's brand is not in the title.
    MissingBrand {
        /// The brand.
        brand: String,
    },
    /// The item's product word is not in the title (or none is known).
    MissingProduct {
        /// The product word, when known.
        product: String,
    },
}

impl Check {
    /// The check for a person, in `lang`: the one place each kind is worded.
    pub fn describe(&self, lang: Lang) -> String {
        match (lang, self) {
            (Lang::Zh, Check::EmptyTitle) => "标题为空".to_owned(),
            (Lang::En, Check::EmptyTitle) => "the title is empty".to_owned(),
            (Lang::Zh, Check::OverBudget { bytes, budget }) => {
                format!("超出 {budget} 字节预算 {} 字节", bytes - budget)
            }
            (Lang::En, Check::OverBudget { bytes, budget }) => {
                format!("{} bytes over the {budget}-byte budget", bytes - budget)
            }
            (Lang::Zh, Check::Prohibited { word }) => format!("违禁词「{word}」"),
            (Lang::En, Check::Prohibited { word }) => format!("prohibited word \"{word}\""),
            (Lang::Zh, Check::RepeatedWord { word }) => format!("重复词「{word}」"),
            (Lang::En, Check::RepeatedWord { word }) => format!("repeated word \"{word}\""),
            (Lang::Zh, Check::MissingBrand { brand }) => format!("缺少品牌「{brand}」"),
            (Lang::En, Check::MissingBrand { brand }) => format!("brand \"{brand}\" missing"),
            (Lang::Zh, Check::MissingProduct { product }) if product.is_empty() => {
                "没有产品词".to_owned()
            }
            (Lang::En, Check::MissingProduct { product }) if product.is_empty() => {
                "no product word".to_owned()
            }
            (Lang::Zh, Check::MissingProduct { product }) => format!("缺少产品词「{product}」"),
            (Lang::En, Check::MissingProduct { product }) => {
                format!("product word \"{product}\" missing")
            }
        }
    }
}

/// A valuable relevant query the item's words cannot form: a suggestion for a person, with
/// the words to confirm true of the item first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    /// Query id.
    #[serde(skip)]
    pub query: u32,
    /// Query text.
    pub keyword: String,
    /// Its value.
    pub value: f64,
    /// The words the item does not state.
    pub lacking: Vec<String>,
}

/// A title's score and recall.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TitleScore {
    /// 100 × found value / reachable value, one decimal.
    pub score: f64,
    /// Queries the title is found for, with values, most valuable first.
    pub found: Vec<(u32, f64)>,
    /// Their summed value.
    pub found_value: f64,
    /// Queries the item could be found for (every word true of it).
    pub reachable: usize,
    /// Their summed value.
    pub reachable_value: f64,
    /// The most valuable reachable queries the title is not found for.
    pub missing: Vec<u32>,
    /// Hard constraints the title fails.
    pub checks: Vec<Check>,
}

/// The words true of an item, as universe word ids, sorted: the terms of its title, of its
/// attributes, must-keep words and given brand and product word, and their dictionary
/// synonyms.
pub fn true_words(universe: &KeywordUniverse, item: &Item) -> Vec<u32> {
    let seg = universe.segmenter().segment(&item.title);
    true_words_of(universe, item, &seg)
}

/// [`true_words`] with the item's title already segmented (`seg`).
pub fn true_words_of(universe: &KeywordUniverse, item: &Item, seg: &Segmented<'_>) -> Vec<u32> {
    // A set of ids, built on the hot path without a `String` per term: the title's terms are
    // borrowed from `seg`, and repeats are dropped once at the end.
    let s = universe.segmenter();
    let mut title: Vec<&str> = Vec::with_capacity(2 * seg.tokens.len());
    recall::for_each_term(s, seg, |term, _, _, _| title.push(term));
    let given = item.brand.iter().chain(&item.product);
    let mut other: Vec<String> = Vec::new();
    for text in item
        .attributes
        .iter()
        .map(|a| &a.1)
        .chain(&item.must_keep)
        .chain(given)
    {
        other.extend(recall::title_terms(s, text));
    }
    let mut words = Vec::with_capacity(title.len() + other.len());
    let all = || {
        title
            .iter()
            .copied()
            .chain(other.iter().map(String::as_str))
    };
    words.extend(all().filter_map(|t| universe.word_id(t)));
    let mut looked: Vec<&str> = Vec::new();
    for term in all() {
        let synonyms = universe.synonyms_of(term);
        if synonyms.is_empty() || looked.contains(&term) {
            continue;
        }
        looked.push(term);
        for syn in synonyms {
            let terms = recall::title_terms(s, syn);
            words.extend(terms.iter().filter_map(|t| universe.word_id(t)));
        }
    }
    words.sort_unstable();
    words.dedup();
    words
}

/// Scores titles against the market's queries.
#[derive(Debug, Clone, Copy)]
pub struct Scorer<'a> {
    /// The market's queries.
    pub universe: &'a KeywordUniverse,
    /// Budget in GBK bytes.
    pub budget: usize,
}

impl<'a> Scorer<'a> {
    /// The term ids of a segmented title as the budget holds it
    /// ([`recall::for_each_term_within`]), in title order, each once.
    pub fn terms_of(&self, seg: &Segmented<'_>) -> Vec<u32> {
        let u = self.universe;
        let mut ids = Vec::with_capacity(2 * seg.tokens.len());
        recall::for_each_term_within(u.segmenter(), seg, self.budget, |term| {
            if let Some(id) = u.word_id(term)
                && !ids.contains(&id)
            {
                ids.push(id);
            }
        });
        ids
    }

    /// Scores a segmented title of `item`, whose lint `problems` and true words are known.
    pub fn score(
        &self,
        seg: &Segmented<'_>,
        problems: &[Problem],
        subject: &Subject,
        true_words: &[u32],
    ) -> TitleScore {
        let u = self.universe;
        let found = u.found(&self.terms_of(seg));
        let reachable = u.queries_within(true_words, |_| true);
        let found_value: f64 = found.iter().map(|x| x.1).sum();
        let reachable_value: f64 = reachable.iter().map(|x| x.1).sum();
        let score = if reachable_value > 0.0 {
            (1000.0 * (found_value / reachable_value).min(1.0)).round() / 10.0
        } else {
            0.0
        };
        let mut missing = Vec::with_capacity(LISTED);
        let mut f = found.iter().peekable();
        for &(k, _) in &reachable {
            while f.next_if(|x| x.0 < k).is_some() {}
            if f.peek().is_some_and(|x| x.0 == k) {
                continue;
            }
            missing.push(k);
            if missing.len() == LISTED {
                break;
            }
        }
        TitleScore {
            score,
            found_value,
            found,
            reachable: reachable.len(),
            reachable_value,
            missing,
            checks: checks(seg, problems, subject, self.budget),
        }
    }

    /// Relevant queries (`candidates`) the item cannot be found for because it does not state
    /// all their words, most valuable first, with those words; never one naming another brand
    /// or holding a prohibited word.
    pub fn suggestions(
        &self,
        candidates: &Candidates,
        true_words: &[u32],
        subject: &Subject,
        limit: usize,
    ) -> Vec<Suggestion> {
        let u = self.universe;
        let s = u.segmenter();
        let own_brand = subject.brand.as_ref().and_then(|b| {
            s.brand_of(&b.key)
                .map(str::to_owned)
                .or(Some(b.key.clone()))
        });
        let other_brand = |key: &str| {
            s.kind_of(key) == Some(crate::dictionary::WordKind::Brand)
                && s.brand_of(key).map(str::to_owned).or(Some(key.to_owned())) != own_brand
        };
        candidates
            .list
            .iter()
            .filter_map(|c| {
                let kw = u.keyword(c.keyword);
                let lacking: Vec<String> = kw
                    .words
                    .iter()
                    .filter(|w| true_words.binary_search(w).is_err())
                    .map(|&w| u.word(w).to_owned())
                    .collect();
                // Only queries about the item (its product word, or found for its similar
                // listings), needing a few real words: not a lone character, not one query
                // sharing nothing with it but a common word.
                let word = |w: &String| w.chars().nth(1).is_some() && s.prohibited(w).is_none();
                let fits = (c.shares_product || c.similar_listings > 0)
                    && !lacking.is_empty()
                    && lacking.len() <= MAX_LACKING
                    && kw.words.len() > lacking.len()
                    && kw.words.iter().all(|&w| !other_brand(u.word(w)))
                    && lacking.iter().all(word);
                fits.then(|| Suggestion {
                    query: c.keyword,
                    keyword: kw.text.to_string(),
                    value: round(kw.value.value),
                    lacking,
                })
            })
            .take(limit)
            .collect()
    }

    /// Query ids with values as output records.
    pub fn values(&self, list: impl IntoIterator<Item = (u32, f64)>) -> Vec<KeywordValue> {
        list.into_iter()
            .map(|(k, v)| KeywordValue {
                keyword: self.universe.keyword(k).text.to_string(),
                value: round(v),
            })
            .collect()
    }
}

/// Rounds a value for output (three decimals).
pub fn round(v: f64) -> f64 {
    // `+ 0.0` turns the -0.0 an empty float sum gives into 0.
    (v * 1000.0).round() / 1000.0 + 0.0
}

/// The hard constraints a title fails, from its lint problems and its subject.
fn checks(
    seg: &Segmented<'_>,
    problems: &[Problem],
    subject: &Subject,
    budget: usize,
) -> Vec<Check> {
    let mut out = Vec::new();
    for p in problems {
        match p.kind {
            ProblemKind::EmptyTitle => out.push(Check::EmptyTitle),
            ProblemKind::OverBudget => out.push(Check::OverBudget {
                bytes: gbk_len(seg.title()),
                budget,
            }),
            ProblemKind::Prohibited => out.push(Check::Prohibited {
                word: p.text.clone(),
            }),
            ProblemKind::RepeatedWord => out.push(Check::RepeatedWord {
                word: p.text.clone(),
            }),
            _ => {}
        }
    }
    let folded = seg.folded();
    if let Some(brand) = &subject.brand
        && !folded.contains(brand.key.as_str())
    {
        out.push(Check::MissingBrand {
            brand: brand.text.clone(),
        });
    }
    match &subject.product {
        Some(p) if folded.contains(p.key.as_str()) => {}
        other => out.push(Check::MissingProduct {
            product: other.as_ref().map(|p| p.text.clone()).unwrap_or_default(),
        }),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyword::tests::universe;
    use crate::text::lint::lint;

    fn score(u: &KeywordUniverse, item: &Item) -> TitleScore {
        let s = u.segmenter().clone();
        let seg = s.segment(&item.title);
        let problems = lint(&seg, &s, 60);
        let subject = item.subject(&seg, |w| u.word_weight(w));
        let scorer = Scorer {
            universe: u,
            budget: 60,
        };
        scorer.score(&seg, &problems, &subject, &true_words(u, item))
    }

    #[test]
    fn a_title_is_worth_the_queries_it_is_found_for() {
        let u = universe(&[
            ("碎花连衣裙", 50.0),
            ("连衣裙碎花", 45.0),
            ("雪纺连衣裙", 40.0),
            ("连衣裙 长袖", 10.0),
        ]);
        assert_eq!(u.len(), 3, "碎花连衣裙 and 连衣裙碎花 are one query");
        let s = score(&u, &Item::new("1", "连衣裙碎花"));
        assert_eq!(s.found.len(), 1, "any order");
        assert_eq!((s.found_value, s.reachable_value), (50.0, 50.0));
        assert_eq!(s.score, 100.0);
        let mut item = Item::new("2", "碎花连衣裙");
        item.attributes = vec![("材质".into(), "雪纺".into())];
        let s = score(&u, &item);
        assert_eq!((s.found_value, s.reachable_value), (50.0, 90.0));
        assert_eq!(u.keyword(s.missing[0]).text.as_ref(), "雪纺连衣裙");
        assert!((s.score - 55.6).abs() < 1e-9, "{}", s.score);
    }

    #[test]
    fn deleting_words_never_raises_the_score() {
        let u = universe(&[("碎花连衣裙", 50.0), ("雪纺连衣裙", 40.0), ("连衣裙", 5.0)]);
        let full = score(&u, &Item::new("1", "碎花雪纺连衣裙"));
        let mut item = Item::new("1", "碎花连衣裙");
        item.attributes = vec![("材质".into(), "雪纺".into())];
        let cut = score(&u, &item);
        assert!(cut.score < full.score, "{} vs {}", cut.score, full.score);
        assert_eq!(full.score, 100.0);
    }

    #[test]
    fn constraints_are_checks_beside_the_score() {
        let u = universe(&[("碎花连衣裙", 50.0)]);
        let s = score(&u, &Item::new("1", "最好的碎花连衣裙"));
        assert!(
            s.checks
                .iter()
                .any(|c| matches!(c, Check::Prohibited { .. }))
        );
        assert_eq!(s.score, 100.0, "the title is still found for its queries");
        let long = format!("{}碎花连衣裙", "好".repeat(30));
        let over = score(&u, &Item::new("2", &long));
        assert!(
            over.found.is_empty(),
            "only the part within the budget counts"
        );
        assert!(
            over.checks
                .iter()
                .any(|c| matches!(c, Check::OverBudget { .. }))
        );
        let none = score(&u, &Item::new("3", "碎花雪纺"));
        assert!(
            none.checks
                .iter()
                .any(|c| matches!(c, Check::MissingProduct { .. }))
        );
    }
}
