//! Suggestions: an item's candidate keywords ranked, each with its value and the parts of it,
//! why it is relevant, whether the title covers it, the competitor gap, and for ads the
//! reference CPC and the expected ROI. Long-tail keywords (3+ words) form their own group.
//!
//! The ranking lives in [`Suggester`], shared by `suggest`, `ads review` (keywords to add,
//! [`ad_suggestions`]), the nightly job and the demo, so all of them propose the same keywords.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::ads::{KeywordTotals, Suggestion};
use crate::batch::JobError;
use crate::dictionary::WordKind;
use crate::engine::Market;
use crate::item::Item;
use crate::keyword::{Formula, Keyword, KeywordUniverse};
use crate::lang::Said;
use crate::market::index::{Filter, Listing, ListingIndex, Role};
use crate::market::workspace::Workspace;
use crate::reason::KeywordReason;
use crate::text::Segmenter;
use crate::text::chars::fold;
use crate::title::edit::Editor;

/// What the keywords are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The listing title (free search): ranked by value and relevance.
    Title,
    /// Through-train ads: the expected ROI at the reference CPC weighs in.
    Ads,
}

/// Best-selling similar listings whose titles make the competitor gap.
pub const BEST_SELLERS: usize = 5;
/// Similar listings asked of the index to find the best sellers among.
const SIMILAR: usize = 20;
/// ROI at which an ad keyword counts in full in the ranking (the ads review's default target).
pub const ROI_REFERENCE: f64 = 3.0;
/// Ranking weight of an ad keyword whose ROI is unknown (no price, CVR or CPC): unproven.
const UNKNOWN_ROI_WEIGHT: f64 = 0.5;
/// Ranking weight of a keyword of another category than the item's.
const OTHER_CATEGORY_WEIGHT: f64 = 0.5;
/// Relevance floor of a keyword that only the similar listings tie to the item.
const MIN_RELEVANCE: f64 = 0.1;

/// Head keyword or long tail (3+ words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// One or two words: broad traffic.
    Head,
    /// Three or more words: less traffic, more intent, cheaper clicks.
    LongTail,
}

/// One suggested keyword with what an operator needs to judge it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeywordSuggestion {
    /// The keyword.
    pub keyword: String,
    /// Head or long tail.
    pub group: Group,
    /// Ranking score: value x relevance (x ROI weight for ads).
    pub score: f64,
    /// The keyword's value (expected orders by default).
    pub value: f64,
    /// Demand used (restored searchers, or covered sales for derived rows).
    pub demand: Option<f64>,
    /// Click-through rate.
    pub ctr: Option<f64>,
    /// Conversion rate.
    pub cvr: Option<f64>,
    /// Online items per unit of demand.
    pub competition: Option<f64>,
    /// Which formula made the value.
    pub formula: Formula,
    /// The keyword holds the item's product word or a synonym.
    pub shares_product: bool,
    /// Of the top similar listings of the item's product word, how many cover it.
    pub similar_listings: u16,
    /// The keyword's category is the item's (or either is unknown).
    pub in_category: bool,
    /// The current title covers it (holds every word of it).
    pub covered: bool,
    /// Growth reaches the rising threshold (飙升词).
    pub rising: bool,
    /// Growth against the previous period.
    pub growth: Option<f64>,
    /// Of the best-selling similar listings (at most [`BEST_SELLERS`]), how many cover it.
    pub best_sellers: u16,
    /// Competitor gap: best sellers cover it and this title does not.
    pub gap: bool,
    /// Through-train reference CPC (ads only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpc: Option<f64>,
    /// Expected ROI = CVR x price / CPC (ads only, when all three are known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roi: Option<f64>,
    /// Why it is suggested.
    pub reasons: Vec<KeywordReason>,
    /// How sure the keyword fits the item (its relevance, 0-1).
    pub relevance: f64,
    /// Words of the keyword that neither the title nor the attributes state: to confirm true
    /// of the item before using it.
    pub unconfirmed: Vec<String>,
}

/// Ranks the candidate keywords of items. `Sync`: one per run, shared by workers.
#[derive(Debug, Clone, Copy)]
pub struct Suggester<'a> {
    /// Scores the current title (its covered keywords and candidates).
    pub editor: Editor<'a>,
    /// The listing index, for the best-selling similar listings (competitor gap).
    pub index: Option<&'a ListingIndex>,
    /// Title or ads.
    pub purpose: Purpose,
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

impl<'a> Suggester<'a> {
    /// A suggester over `market` and its listing index.
    pub fn new(market: &'a Market, purpose: Purpose) -> Self {
        Suggester {
            editor: market.editor(),
            index: market.index(),
            purpose,
        }
    }

    fn universe(&self) -> &'a KeywordUniverse {
        self.editor.scorer.universe
    }

    /// Word-id sets of the titles of the best-selling listings most like the item (own
    /// listings and the item itself left out): what the competitors who sell write.
    fn best_sellers(&self, item: &Item) -> Vec<Vec<u32>> {
        let Some(index) = self.index else {
            return Vec::new();
        };
        let filter = Filter {
            role: None,
            category: item.category.clone(),
        };
        let mut hits: Vec<_> = index
            .similar(&item.title, SIMILAR, &filter)
            .unwrap_or_default()
            .into_iter()
            .filter(|h| h.listing.role != Role::Own && h.listing.id != item.id)
            .filter(|h| h.listing.sales.is_some_and(|s| s > 0))
            .collect();
        hits.sort_by(|a, b| {
            b.listing
                .sales
                .cmp(&a.listing.sales)
                .then_with(|| a.listing.id.cmp(&b.listing.id))
        });
        hits.truncate(BEST_SELLERS);
        hits.iter()
            .map(|h| self.universe().title_words(&h.listing.title))
            .collect()
    }

    /// The folded names of the item's brand: the name and, for a dictionary brand, its aliases.
    fn brand_keys(&self, brand: Option<&str>) -> Vec<String> {
        let Some(brand) = brand else {
            return Vec::new();
        };
        let dicts = self.universe().segmenter().dictionaries();
        let mut keys = vec![brand.to_owned()];
        for b in &dicts.brands {
            let names: Vec<String> = std::iter::once(&b.name)
                .chain(&b.aliases)
                .map(|n| fold(n))
                .collect();
            if names.iter().any(|n| n == brand) {
                keys.extend(names);
            }
        }
        keys
    }

    /// Every candidate keyword of the item (none naming another brand), head keywords first then long tail, each group
    /// best first.
    pub fn suggest(&self, item: &Item) -> Vec<KeywordSuggestion> {
        let u = self.universe();
        let scored = self.editor.score_item(item);
        let covered: std::collections::HashSet<u32> =
            scored.score.found.iter().map(|&(k, _)| k).collect();
        let sellers = self.best_sellers(item);
        let similar = u.options().similar.max(1) as f64;
        let product = scored.subject.product.as_ref().map(|p| p.text.as_str());
        // The product word as keywords are cut: `蓝牙耳机` may be two keyword words.
        let product_words = product.map(|p| u.title_words(p)).unwrap_or_default();
        let title_words = u.title_words(&item.title);
        // Title terms, attributes and their dictionary synonyms: what is true of the item.
        let true_words = &scored.true_words;
        let price = item.price.filter(|p| p.is_finite() && *p > 0.0);
        let own_brand = self.brand_keys(scored.subject.brand.as_ref().map(|b| b.key.as_str()));
        let segmenter = u.segmenter();
        let mut out: Vec<KeywordSuggestion> = scored
            .candidates
            .list
            .iter()
            // Another brand's name is infringement in a title and no keyword to buy either.
            .filter(|c| {
                u.keyword(c.keyword).words.iter().all(|&w| {
                    let key = u.word(w);
                    segmenter.kind_of(key) != Some(WordKind::Brand)
                        || own_brand.iter().any(|b| b == key)
                })
            })
            .map(|c| {
                let kw = u.keyword(c.keyword);
                let v = &kw.value;
                let is_covered = covered.contains(&c.keyword);
                let best = sellers
                    .iter()
                    .filter(|words| kw.words.iter().all(|w| words.contains(w)))
                    .count() as u16;
                let shares_product = c.shares_product
                    || (!product_words.is_empty()
                        && product_words.iter().all(|w| kw.words.contains(w)));
                let in_title = kw.words.iter().filter(|w| title_words.contains(w)).count();
                let overlap = in_title as f64 / kw.words.len() as f64;
                let mut relevance = if shares_product {
                    1.0
                } else {
                    (f64::from(c.similar_listings) / similar)
                        .max(overlap)
                        .clamp(MIN_RELEVANCE, 1.0)
                };
                if !c.in_category {
                    relevance *= OTHER_CATEGORY_WEIGHT;
                }
                let roi = match (self.purpose, v.cvr, price, v.cpc) {
                    (Purpose::Ads, Some(cvr), Some(price), Some(cpc)) if cpc > 0.0 => {
                        Some(cvr * price / cpc)
                    }
                    _ => None,
                };
                let weight = match (self.purpose, roi) {
                    (Purpose::Title, _) => 1.0,
                    (Purpose::Ads, Some(r)) => (r / ROI_REFERENCE).min(1.0),
                    (Purpose::Ads, None) => UNKNOWN_ROI_WEIGHT,
                };
                let gap = best > 0 && !is_covered;
                let mut why = Vec::new();
                if shares_product {
                    why.push(KeywordReason::HoldsProduct {
                        product: product.map(str::to_owned),
                    });
                }
                if c.similar_listings > 0 {
                    why.push(KeywordReason::SimilarListings {
                        listings: c.similar_listings,
                        of: u.options().similar,
                    });
                }
                if !shares_product && in_title == kw.words.len() {
                    why.push(KeywordReason::TitleWords);
                } else if !shares_product && in_title > 0 {
                    why.push(KeywordReason::SomeTitleWords {
                        in_title,
                        words: kw.words.len(),
                    });
                }
                if !c.in_category {
                    why.push(KeywordReason::OtherCategory {
                        category: kw.category.to_string(),
                    });
                }
                if best > 0 {
                    why.push(KeywordReason::BestSellers {
                        using: best,
                        of: sellers.len(),
                        covered: is_covered,
                    });
                }
                if v.rising {
                    why.push(KeywordReason::Rising { growth: v.growth });
                }
                if let Some(r) = roi {
                    why.push(KeywordReason::Roi {
                        roi: round(r, 2),
                        cpc: v.cpc.unwrap_or_default(),
                    });
                }
                KeywordSuggestion {
                    keyword: kw.text.to_string(),
                    group: if kw.words.len() >= 3 {
                        Group::LongTail
                    } else {
                        Group::Head
                    },
                    score: round(v.value * relevance * weight, 4),
                    value: round(v.value, 4),
                    demand: v.demand.map(|d| round(d, 2)),
                    ctr: v.ctr,
                    cvr: v.cvr,
                    competition: v.competition.map(|c| round(c, 4)),
                    formula: v.formula,
                    shares_product,
                    similar_listings: c.similar_listings,
                    in_category: c.in_category,
                    covered: is_covered,
                    rising: v.rising,
                    growth: v.growth.map(|g| round(g, 4)),
                    best_sellers: best,
                    gap,
                    cpc: match self.purpose {
                        Purpose::Ads => v.cpc,
                        Purpose::Title => None,
                    },
                    roi: roi.map(|r| round(r, 2)),
                    reasons: why,
                    relevance: round(relevance, 3),
                    unconfirmed: unconfirmed_words(u, kw, true_words),
                }
            })
            .collect();
        out.sort_by(|a, b| {
            a.group
                .cmp(&b.group)
                .then_with(|| b.score.total_cmp(&a.score))
                .then_with(|| a.keyword.cmp(&b.keyword))
        });
        out
    }
}

/// A keyword's identity: the set of its query words ([`recall::query_key`]), so that
/// `蓝牙耳机 运动`, `蓝牙耳机运动` and `运动 蓝牙耳机` are one ad keyword, as they are one query.
fn ad_key(segmenter: &crate::text::Segmenter, keyword: &str) -> String {
    crate::text::recall::query_key(&crate::text::recall::query_words(segmenter, keyword))
}

/// Keywords to add to each item's ad group: the top `per_item` `--for ads` suggestions that the
/// group does not hold yet, whose words the item's title or attributes state, and whose
/// expected ROI reaches `break_even_roi`, at the reference CPC.
///
/// The item is the own listing of `own` with that id when there is one (its title, category,
/// price); otherwise its ad group's name stands for the title (through-train names ad groups
/// after the item's title) and the price is its GMV per order in the report.
pub fn ad_suggestions(
    suggester: &Suggester<'_>,
    totals: &[KeywordTotals],
    own: &HashMap<String, Item>,
    per_item: usize,
    break_even_roi: f64,
) -> Vec<Suggestion> {
    struct Seen<'t> {
        group: &'t str,
        keywords: std::collections::HashSet<String>,
        gmv: f64,
        orders: u64,
    }
    let segmenter = suggester.editor.scorer.universe.segmenter();
    let mut items: BTreeMap<&str, Seen<'_>> = BTreeMap::new();
    for t in totals {
        let seen = items.entry(&t.item).or_insert_with(|| Seen {
            group: &t.ad_group,
            keywords: Default::default(),
            gmv: 0.0,
            orders: 0,
        });
        seen.keywords.insert(ad_key(segmenter, &t.keyword));
        seen.gmv += t.gmv;
        seen.orders += t.orders;
    }
    let mut out = Vec::new();
    for (id, seen) in items {
        let item = own.get(id).cloned().unwrap_or_else(|| Item {
            price: (seen.orders > 0).then(|| seen.gmv / seen.orders as f64),
            ..Item::new(id, seen.group)
        });
        let picked = suggester
            .suggest(&item)
            .into_iter()
            .filter(|s| !seen.keywords.contains(&ad_key(segmenter, &s.keyword)))
            .filter(|s| s.roi.is_some_and(|r| r >= break_even_roi))
            // Bought clicks must find the item true to the query, and a keyword the title
            // states earns the relevance part of the quality score.
            .filter(|s| s.unconfirmed.is_empty());
        // Best first across both groups: the review adds what pays most.
        let mut picked: Vec<KeywordSuggestion> = picked.collect();
        picked.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.keyword.cmp(&b.keyword))
        });
        for s in picked.into_iter().take(per_item) {
            out.push(Suggestion {
                item: id.to_owned(),
                keyword: s.keyword,
                bid: s.cpc,
                reasons: s.reasons,
                confidence: s.relevance,
            });
        }
    }
    out
}

/// Keywords the ads review proposes per item: the top `--for ads` keywords its group lacks.
pub const ADDITIONS_PER_ITEM: usize = 3;

/// Keywords to add to the ad groups of `totals` over `market` (see [`ad_suggestions`]): the
/// items are the own listings of its index where it has them.
pub fn additions(
    market: &Market,
    totals: &[KeywordTotals],
    break_even_roi: f64,
) -> Result<Vec<Suggestion>, JobError> {
    let own = match market.index() {
        Some(index) => own_items(index)?,
        None => HashMap::new(),
    };
    let suggester = Suggester::new(market, Purpose::Ads);
    Ok(ad_suggestions(
        &suggester,
        totals,
        &own,
        ADDITIONS_PER_ITEM,
        break_even_roi,
    ))
}

/// An indexed listing as an item: its title, brand, product word, category and price.
fn listing_item(l: Listing) -> Item {
    Item {
        brand: l.brand,
        product: l.product,
        category: l.category,
        price: l.price,
        sales: l.sales.map(|s| s as f64),
        ..Item::new(l.id, l.title)
    }
}

/// The own listings of the index as items, by id.
pub fn own_items(index: &ListingIndex) -> Result<HashMap<String, Item>, JobError> {
    Ok(index
        .listings()?
        .into_iter()
        .filter(|h| h.listing.role == Role::Own)
        .map(|h| (h.listing.id.clone(), listing_item(h.listing)))
        .collect())
}

/// The top `limit` suggestions of each group, ranked within their group.
pub fn top_per_group(
    list: Vec<KeywordSuggestion>,
    limit: usize,
) -> Vec<(usize, KeywordSuggestion)> {
    let mut taken: BTreeMap<Group, usize> = BTreeMap::new();
    list.into_iter()
        .filter_map(|s| {
            let n = taken.entry(s.group).or_default();
            *n += 1;
            (*n <= limit).then_some((*n, s))
        })
        .collect()
}

/// The own listing `id` of the workspace's index as an item, or an error saying what is
/// there instead.
pub fn own_item(ws: &Workspace, index: Option<&ListingIndex>, id: &str) -> Result<Item, JobError> {
    let Some(index) = index else {
        return Err(JobError::Missing {
            path: ws.root().to_owned(),
            what: Said::new(
                format!(
                    "工作区没有宝贝索引，无法查找宝贝 {id:?}：请用 \
                     `baobei index add FILE --role own` 索引本店宝贝，或给出 --title"
                ),
                format!(
                    "no listing index in the workspace to look item {id:?} up in: index your own \
                     listings with `baobei index add FILE --role own`, or give --title"
                ),
            ),
        });
    };
    let listings = index.listings()?;
    let own = listings
        .iter()
        .filter(|h| h.listing.role == Role::Own)
        .count();
    match listings.into_iter().find(|h| h.listing.id == id) {
        Some(h) if h.listing.role == Role::Own => Ok(listing_item(h.listing)),
        Some(h) => Err(JobError::Missing {
            path: index.path().to_owned(),
            what: Said::new(
                format!(
                    "宝贝 {id:?} 是{}宝贝，不是本店的：请用 `--role own` 索引本店宝贝，或给出 --title",
                    h.listing.role.name_zh()
                ),
                format!(
                    "item {id:?} is a {} listing, not one of your own: index your own listings \
                     with `--role own`, or give --title",
                    h.listing.role
                ),
            ),
        }),
        None => Err(JobError::Missing {
            path: index.path().to_owned(),
            what: Said::new(
                format!(
                    "索引中没有本店宝贝 {id:?}（共 {own} 个本店宝贝）：请用 \
                     `baobei index add FILE --role own` 索引它，或给出 --title"
                ),
                format!(
                    "no own listing {id:?} in the index ({own} own listings): index it with \
                     `baobei index add FILE --role own`, or give --title"
                ),
            ),
        }),
    }
}

/// The words of keyword `kw` that are not among the item's `true_words` (sorted ids). Only
/// when two or more of them are single characters is the keyword segmented again, to join
/// the characters of one unknown word ([`unconfirmed_phrases`]): every candidate keyword of
/// every item passes here.
fn unconfirmed_words(u: &KeywordUniverse, kw: &Keyword, true_words: &[u32]) -> Vec<String> {
    let missing: Vec<u32> = kw
        .words
        .iter()
        .copied()
        .filter(|w| true_words.binary_search(w).is_err())
        .collect();
    let singles = missing
        .iter()
        .filter(|&&w| u.word(w).chars().count() == 1)
        .count();
    if singles < 2 {
        return missing.iter().map(|&w| u.word(w).to_owned()).collect();
    }
    unconfirmed_phrases(u.segmenter(), &kw.text, |key| {
        u.word_id(key).is_some_and(|w| missing.contains(&w))
    })
}

/// The words of `keyword` that `unconfirmed` says the item does not state, in the keyword's
/// order, each once. Single characters that stand side by side in the keyword are one phrase:
/// a word the dictionary lacks (素颜霜) is cut into characters, and an operator confirms
/// 素颜霜, not 素, 颜 and 霜.
fn unconfirmed_phrases(
    segmenter: &Segmenter,
    keyword: &str,
    unconfirmed: impl Fn(&str) -> bool,
) -> Vec<String> {
    let seg = segmenter.segment(keyword);
    let mut phrases: Vec<String> = Vec::new();
    let mut run_end = None;
    for t in seg.words() {
        let key = seg.key(t);
        if !unconfirmed(key) {
            run_end = None;
            continue;
        }
        let single = key.chars().count() == 1;
        match (run_end, phrases.last_mut()) {
            (Some(end), Some(last)) if single && end == t.start => last.push_str(key),
            _ => phrases.push(key.to_owned()),
        }
        run_end = single.then_some(t.end);
    }
    let mut seen = std::collections::HashSet::new();
    phrases.retain(|p| seen.insert(p.clone()));
    phrases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_of_an_unknown_word_are_confirmed_as_one_phrase() {
        let seg = crate::text::test_segmenter();
        // 素颜霜 is not in the dictionary: it is cut into 素 / 颜 / 霜.
        let phrases = unconfirmed_phrases(seg, "面霜 素颜霜", |k| k != "面霜");
        assert_eq!(phrases, ["素颜霜"]);
        // Apart in the keyword, apart in the list; a whole word stays itself.
        let phrases = unconfirmed_phrases(seg, "素 面霜 颜", |_| true);
        assert_eq!(phrases, ["素", "面霜", "颜"]);
    }

    fn suggestion(keyword: &str, group: Group) -> KeywordSuggestion {
        KeywordSuggestion {
            keyword: keyword.to_owned(),
            group,
            score: 1.0,
            value: 1.0,
            demand: None,
            ctr: None,
            cvr: None,
            competition: None,
            formula: Formula::Demand,
            shares_product: true,
            similar_listings: 0,
            in_category: true,
            covered: false,
            rising: false,
            growth: None,
            best_sellers: 0,
            gap: false,
            cpc: None,
            roi: None,
            reasons: Vec::new(),
            relevance: 1.0,
            unconfirmed: Vec::new(),
        }
    }

    #[test]
    fn limit_applies_per_group_and_ranks_restart() {
        let list = vec![
            suggestion("a", Group::Head),
            suggestion("b", Group::Head),
            suggestion("c", Group::Head),
            suggestion("d e f", Group::LongTail),
        ];
        let top: Vec<(usize, String)> = top_per_group(list, 2)
            .into_iter()
            .map(|(r, s)| (r, s.keyword))
            .collect();
        assert_eq!(top, [(1, "a".into()), (2, "b".into()), (1, "d e f".into())]);
    }

    #[test]
    fn ad_keywords_match_across_spaces_width_and_word_order() {
        let s = crate::text::test_segmenter();
        assert_eq!(ad_key(s, "蓝牙耳机 运动"), ad_key(s, "蓝牙耳机运动"));
        assert_eq!(ad_key(s, "运动 蓝牙耳机"), ad_key(s, "蓝牙耳机运动"));
        assert_eq!(ad_key(s, "ＴＷＳ耳机"), ad_key(s, "tws 耳机"));
        assert_ne!(ad_key(s, "蓝牙耳机"), ad_key(s, "耳机"));
    }
}
