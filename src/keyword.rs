//! Keywords as the title engine sees them: real search queries, each a SET of words cut as
//! [`recall`] cuts queries, valued under a configurable [`ValueModel`], and the queries
//! relevant to an item.
//!
//! [`KeywordUniverse`] is built ONCE from the keyword table (every keyword cut into its query
//! words, valued, queries with the same words merged, and inverted word -> keywords) and
//! shared by every rayon worker: which queries a title is found for is a walk over the posting
//! lists of its terms, never a scan of the table. Relevant candidates are cached per
//! (category, product word), so a batch of a million items runs one index query per group, not
//! one per item.

use std::sync::{Arc, RwLock};

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

use crate::market::index::{Filter, ListingIndex};
use crate::market::table::{KeywordStats, KeywordTable, Source, TableError};
use crate::settings::{Settings, SettingsError};
use crate::text::Segmenter;
use crate::text::chars::{gbk_len, normal_form};
use crate::text::recall;

/// How a keyword's statistics become one value: expected orders by default.
///
/// Configured in `baobei.toml`:
/// ```toml
/// [value]
/// competition_exponent = 0.5   # value / (1 + online_items / demand) ^ exponent
/// default_ctr = 0.02           # used when an export has no 点击率 (absent: factor left out)
/// rising_growth = 0.3          # growth from which a keyword counts as rising (飙升词)
/// rising_boost = 0.0           # extra value share for rising keywords
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ValueModel {
    /// How hard competition (online items per unit of demand) discounts value; 0 turns it off.
    pub competition_exponent: f64,
    /// CTR assumed where the export has none; `None` leaves the factor out.
    pub default_ctr: Option<f64>,
    /// CVR assumed where the export has none; `None` leaves the factor out.
    pub default_cvr: Option<f64>,
    /// Growth (fraction) from which a keyword is rising.
    pub rising_growth: f64,
    /// Rising keywords are worth `1 + rising_boost` times their value: operators add them early.
    pub rising_boost: f64,
}

impl Default for ValueModel {
    fn default() -> Self {
        ValueModel {
            competition_exponent: 0.5,
            default_ctr: None,
            default_cvr: None,
            rising_growth: 0.3,
            rising_boost: 0.0,
        }
    }
}

/// Which formula gave a keyword its value, so a report never passes an estimate off as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Formula {
    /// demand × CTR × CVR: expected orders.
    Orders,
    /// demand × CTR: expected clicks (no CVR known).
    Clicks,
    /// demand × CVR (no CTR known).
    DemandCvr,
    /// Demand alone.
    Demand,
    /// The popularity index itself (no restored demand).
    Popularity,
    /// Derived from listings: the sales of the listings covering the keyword.
    CoveredSales,
}

/// A keyword's value with the parts it came from (what `suggest` and ad reviews need).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Value {
    /// The value the title engine maximises.
    pub value: f64,
    /// Demand used (restored searchers, or covered sales for derived rows).
    pub demand: Option<f64>,
    /// Click-through rate used.
    pub ctr: Option<f64>,
    /// Conversion rate used.
    pub cvr: Option<f64>,
    /// Online items per unit of demand (export rows only).
    pub competition: Option<f64>,
    /// Through-train reference cost per click.
    pub cpc: Option<f64>,
    /// Growth against the previous period.
    pub growth: Option<f64>,
    /// Whether growth reaches the rising threshold.
    pub rising: bool,
    /// The formula used.
    pub formula: Formula,
}

impl ValueModel {
    /// `[value]` of the workspace's settings (defaults when absent).
    pub fn from_settings(settings: &Settings) -> Result<ValueModel, SettingsError> {
        settings.section("value")
    }

    /// The value of one keyword's statistics; `None` when nothing usable is known.
    pub fn value(&self, stats: &KeywordStats) -> Option<Value> {
        let rising = stats.growth.is_some_and(|g| g >= self.rising_growth);
        let boost = if rising { 1.0 + self.rising_boost } else { 1.0 };
        let mut v = Value {
            value: 0.0,
            demand: stats.demand,
            ctr: None,
            cvr: None,
            competition: None,
            cpc: stats.reference_cpc,
            growth: stats.growth,
            rising,
            formula: Formula::Demand,
        };
        if stats.source == Source::Derived {
            // Covered sales already are orders; online_items counts listings, not rivals per
            // searcher, so no competition discount.
            v.formula = Formula::CoveredSales;
            v.value = stats.demand? * boost;
            return (v.value > 0.0).then_some(v);
        }
        let demand = match stats.demand {
            Some(d) => d,
            None => {
                v.formula = Formula::Popularity;
                stats.popularity?
            }
        };
        v.ctr = stats.ctr.or(self.default_ctr);
        v.cvr = stats.cvr.or(self.default_cvr);
        if v.formula != Formula::Popularity {
            v.formula = match (v.ctr, v.cvr) {
                (Some(_), Some(_)) => Formula::Orders,
                (Some(_), None) => Formula::Clicks,
                (None, Some(_)) => Formula::DemandCvr,
                (None, None) => Formula::Demand,
            };
        }
        let mut value = demand * v.ctr.unwrap_or(1.0) * v.cvr.unwrap_or(1.0);
        if let Some(items) = stats.online_items.filter(|_| demand > 0.0) {
            let competition = items as f64 / demand;
            v.competition = Some(competition);
            value /= (1.0 + competition).powf(self.competition_exponent);
        }
        v.value = value * boost;
        (v.value.is_finite() && v.value > 0.0).then_some(v)
    }
}

/// One search query of the market.
#[derive(Debug, Clone)]
pub struct Keyword {
    /// The normalised query text (of queries with the same words, the most valuable).
    pub text: Box<str>,
    /// The export's category (may be empty).
    pub category: Box<str>,
    /// Its word ids, in query order, each once: a title is found for the query when its terms
    /// hold all of them.
    pub words: Box<[u32]>,
    /// Its value and the parts of it.
    pub value: Value,
}

/// A keyword relevant to an item, with why it is relevant.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Candidate {
    /// Keyword id in the universe (ids are in value order: lower is more valuable).
    pub keyword: u32,
    /// The keyword holds the product word or one of its synonyms.
    pub shares_product: bool,
    /// How many of the top similar listings cover it.
    pub similar_listings: u16,
    /// The keyword's category is the item's (or either is unknown).
    pub in_category: bool,
}

/// The keywords relevant to a group of items, most valuable first, and the most value a title
/// within the budget could cover (an upper bound; see [`KeywordUniverse::upper_bound`]).
#[derive(Debug, Clone, Default)]
pub struct Candidates {
    /// Candidates, most valuable first.
    pub list: Vec<Candidate>,
    /// Upper bound of the value a title within the budget can cover.
    pub reachable: f64,
}

/// Tuning of candidate search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UniverseOptions {
    /// Title budget in GBK bytes (for the reachable-value bound).
    pub budget: usize,
    /// Similar listings asked of the index per group.
    pub similar: usize,
    /// A keyword must be covered by at least this many of them to count.
    pub min_similar: u16,
    /// At most this many candidates per item.
    pub max_candidates: usize,
}

impl Default for UniverseOptions {
    fn default() -> Self {
        UniverseOptions {
            budget: crate::text::chars::DEFAULT_BUDGET,
            similar: 20,
            min_similar: 2,
            max_candidates: 300,
        }
    }
}

type GroupKey = (Box<str>, u32);

/// Every keyword of the table, segmented and valued once, with an inverted word -> keywords
/// map; shared (`Sync`) by all workers.
pub struct KeywordUniverse {
    segmenter: Arc<Segmenter>,
    index: Option<Arc<ListingIndex>>,
    options: UniverseOptions,
    model: ValueModel,
    ids: FxHashMap<Box<str>, u32>,
    words: Vec<Box<str>>,
    word_bytes: Vec<u16>,
    /// Sum of the values of the keywords holding the word: market weight for tie-breaks.
    word_value: Vec<f64>,
    keywords: Vec<Keyword>,
    by_word: Vec<Vec<u32>>,
    synonyms: FxHashMap<u32, Vec<u32>>,
    /// Every dictionary synonym pair by folded text, for words no query holds (尿不湿).
    synonym_texts: FxHashMap<Box<str>, Vec<Box<str>>>,
    groups: RwLock<FxHashMap<GroupKey, Arc<Candidates>>>,
}

impl std::fmt::Debug for KeywordUniverse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeywordUniverse")
            .field("keywords", &self.keywords.len())
            .field("words", &self.words.len())
            .finish()
    }
}

impl KeywordUniverse {
    /// Builds the universe from every row of `table`: rows without a usable value and
    /// keywords holding a prohibited word are left out (a title may never cover them).
    pub fn from_table(
        table: &KeywordTable,
        segmenter: Arc<Segmenter>,
        model: ValueModel,
        options: UniverseOptions,
    ) -> Result<KeywordUniverse, TableError> {
        let mut rows = Vec::with_capacity(table.len());
        for row in table.iter() {
            let row = row?;
            if let Some(value) = model.value(&row.stats) {
                rows.push((row.keyword.to_owned(), row.category.to_owned(), value));
            }
        }
        Ok(Self::from_values(rows, segmenter, model, options))
    }

    /// Builds the universe from (keyword, category, value) rows: for tests and for values
    /// computed elsewhere. Queries with the same words (in any order) and category are one
    /// query: the most valuable row stands for them (`儿童宝宝` and `宝宝儿童` are counted once).
    pub fn from_values(
        mut rows: Vec<(String, String, Value)>,
        segmenter: Arc<Segmenter>,
        model: ValueModel,
        options: UniverseOptions,
    ) -> KeywordUniverse {
        let mut u = KeywordUniverse {
            segmenter,
            index: None,
            options,
            model,
            ids: FxHashMap::default(),
            words: Vec::new(),
            word_bytes: Vec::new(),
            word_value: Vec::new(),
            keywords: Vec::with_capacity(rows.len()),
            by_word: Vec::new(),
            synonyms: FxHashMap::default(),
            synonym_texts: FxHashMap::default(),
            groups: RwLock::new(FxHashMap::default()),
        };
        // Most valuable first (ties by text, then category), so that the first row of a word
        // set is the one kept and ids come out in value order.
        rows.sort_by(|a, b| {
            b.2.value
                .total_cmp(&a.2.value)
                .then_with(|| a.0.cmp(&b.0))
                .then_with(|| a.1.cmp(&b.1))
        });
        let segmenter = u.segmenter.clone();
        let mut seen: FxHashSet<(String, String)> = FxHashSet::default();
        'rows: for (text, category, value) in rows {
            let keys = recall::query_words(&segmenter, &text);
            if keys.is_empty() || !seen.insert((recall::query_key(&keys), category.clone())) {
                continue;
            }
            let mut words = Vec::with_capacity(keys.len());
            for key in &keys {
                if segmenter.prohibited(key).is_some() {
                    continue 'rows;
                }
                words.push(u.intern(key));
            }
            u.keywords.push(Keyword {
                text: text.into(),
                category: category.into(),
                words: words.into(),
                value,
            });
        }
        u.by_word = vec![Vec::new(); u.words.len()];
        u.word_value = vec![0.0; u.words.len()];
        for (k, kw) in u.keywords.iter().enumerate() {
            for &w in kw.words.iter() {
                u.by_word[w as usize].push(k as u32);
                u.word_value[w as usize] += kw.value.value;
            }
        }
        let dicts = segmenter.dictionaries();
        for entry in dicts.lexicon.iter().filter(|e| !e.synonyms.is_empty()) {
            let key = normal_form(&entry.word).into_owned();
            let texts: Vec<Box<str>> = entry
                .synonyms
                .iter()
                .map(|s| Box::<str>::from(normal_form(s)))
                .filter(|s| **s != *key)
                .collect();
            if let Some(&id) = u.ids.get(key.as_str()) {
                let syn: Vec<u32> = texts
                    .iter()
                    .filter_map(|t| u.ids.get(&**t).copied())
                    .collect();
                if !syn.is_empty() {
                    u.synonyms.insert(id, syn);
                }
            }
            u.synonym_texts.insert(key.into_boxed_str(), texts);
        }
        u
    }

    /// Uses `index` for the keywords covered by an item's similar listings.
    pub fn with_index(mut self, index: Arc<ListingIndex>) -> KeywordUniverse {
        self.index = Some(index);
        self
    }

    fn intern(&mut self, key: &str) -> u32 {
        if let Some(&id) = self.ids.get(key) {
            return id;
        }
        let id = self.words.len() as u32;
        self.ids.insert(key.into(), id);
        self.words.push(key.into());
        self.word_bytes
            .push(gbk_len(key).min(u16::MAX as usize) as u16);
        id
    }

    /// The segmenter keywords were cut with (titles must be cut with the same one).
    pub fn segmenter(&self) -> &Arc<Segmenter> {
        &self.segmenter
    }

    /// The value model in force.
    pub fn model(&self) -> &ValueModel {
        &self.model
    }

    /// Candidate search settings.
    pub fn options(&self) -> &UniverseOptions {
        &self.options
    }

    /// Number of keywords.
    pub fn len(&self) -> usize {
        self.keywords.len()
    }

    /// Whether there is no keyword at all.
    pub fn is_empty(&self) -> bool {
        self.keywords.is_empty()
    }

    /// The id of a folded word, if any keyword holds it.
    pub fn word_id(&self, key: &str) -> Option<u32> {
        self.ids.get(key).copied()
    }

    /// Number of distinct words (word ids run from 0 to this): for tables indexed by word.
    pub fn word_count(&self) -> usize {
        self.words.len()
    }

    /// The folded text of a word id.
    pub fn word(&self, id: u32) -> &str {
        &self.words[id as usize]
    }

    /// Market weight of a word: the summed value of the keywords holding it (0 if none).
    pub fn word_weight(&self, key: &str) -> f64 {
        self.word_id(key)
            .map_or(0.0, |w| self.word_value[w as usize])
    }

    /// A keyword by id.
    pub fn keyword(&self, id: u32) -> &Keyword {
        &self.keywords[id as usize]
    }

    /// Ids of the keywords holding a word, most valuable first.
    pub fn keywords_with(&self, word: u32) -> &[u32] {
        &self.by_word[word as usize]
    }

    /// Dictionary synonyms of a word that some keyword holds.
    pub fn synonyms(&self, word: u32) -> &[u32] {
        self.synonyms.get(&word).map_or(&[], Vec::as_slice)
    }

    /// Dictionary synonyms of any folded word, whether or not a query holds it.
    pub fn synonyms_of(&self, key: &str) -> &[Box<str>] {
        self.synonym_texts.get(key).map_or(&[], Vec::as_slice)
    }

    /// The keywords relevant to an item of `category` whose product word is `product`
    /// (folded): keywords holding the product word or a synonym, plus keywords covered by at
    /// least `min_similar` of the top similar listings in the index. Computed once per
    /// (category, product word) and shared.
    ///
    /// Without a product word in the universe, the keywords holding any of `fallback_words`
    /// (the title's own words) are used instead, uncached.
    pub fn candidates(
        &self,
        category: Option<&str>,
        product: Option<&str>,
        fallback_words: &[u32],
    ) -> Arc<Candidates> {
        let Some(product) = product.and_then(|p| self.word_id(p)) else {
            return Arc::new(self.fallback(category, fallback_words));
        };
        let key: GroupKey = (category.unwrap_or("").into(), product);
        if let Some(c) = self.groups.read().expect("candidate cache").get(&key) {
            return c.clone();
        }
        let built = Arc::new(self.build_group(category, product));
        self.groups
            .write()
            .expect("candidate cache")
            .entry(key)
            .or_insert(built)
            .clone()
    }

    fn in_category(&self, kw: &Keyword, category: Option<&str>) -> bool {
        match category {
            None => true,
            Some(c) => kw.category.is_empty() || &*kw.category == c,
        }
    }

    fn build_group(&self, category: Option<&str>, product: u32) -> Candidates {
        let mut found: FxHashMap<u32, Candidate> = FxHashMap::default();
        for &w in std::iter::once(&product).chain(self.synonyms(product)) {
            for &k in self.keywords_with(w) {
                let kw = &self.keywords[k as usize];
                if self.in_category(kw, category) {
                    found.insert(
                        k,
                        Candidate {
                            keyword: k,
                            shares_product: true,
                            similar_listings: 0,
                            in_category: true,
                        },
                    );
                }
            }
        }
        if let Some(index) = &self.index {
            let filter = Filter {
                role: None,
                category: category.map(str::to_owned),
            };
            let hits = index
                .similar(self.word(product), self.options.similar, &filter)
                .unwrap_or_default();
            let mut counts: FxHashMap<u32, u16> = FxHashMap::default();
            for hit in &hits {
                let ids = self.title_words(&hit.listing.title);
                for (k, _) in self.found(&ids) {
                    *counts.entry(k).or_default() += 1;
                }
            }
            for (k, n) in counts {
                if n < self.options.min_similar {
                    continue;
                }
                let in_category = self.in_category(&self.keywords[k as usize], category);
                found
                    .entry(k)
                    .and_modify(|c| c.similar_listings = n)
                    .or_insert(Candidate {
                        keyword: k,
                        shares_product: false,
                        similar_listings: n,
                        in_category,
                    });
            }
        }
        self.finish(found, &[product])
    }

    fn fallback(&self, category: Option<&str>, words: &[u32]) -> Candidates {
        // Ids only, sorted and deduplicated: every fallback candidate has the same flags, and
        // this runs per item (no cache), so no hash map.
        let mut ids: Vec<u32> = Vec::with_capacity(words.len() * 50);
        for &w in words {
            ids.extend(
                self.keywords_with(w)
                    .iter()
                    .take(50)
                    .filter(|&&k| self.in_category(&self.keywords[k as usize], category)),
            );
        }
        ids.sort_unstable();
        ids.dedup();
        ids.truncate(self.options.max_candidates);
        let reachable = self.upper_bound(&ids, &[], self.options.budget, |w| {
            self.word_bytes[w as usize] as usize
        });
        let list = ids
            .into_iter()
            .map(|k| Candidate {
                keyword: k,
                shares_product: false,
                similar_listings: 0,
                in_category: true,
            })
            .collect();
        Candidates { list, reachable }
    }

    fn finish(&self, found: FxHashMap<u32, Candidate>, free: &[u32]) -> Candidates {
        let mut list: Vec<Candidate> = found.into_values().collect();
        list.sort_by_key(|c| c.keyword);
        list.truncate(self.options.max_candidates);
        let ids: Vec<u32> = list.iter().map(|c| c.keyword).collect();
        let reachable = self.upper_bound(&ids, free, self.options.budget, |w| {
            self.word_bytes[w as usize] as usize
        });
        Candidates { list, reachable }
    }

    /// The distinct ids of a title's recall terms ([`recall::title_terms`]) that some query
    /// holds, in title order: what the title can be found by.
    pub fn title_words(&self, title: &str) -> Vec<u32> {
        self.term_ids(&recall::title_terms(&self.segmenter, title))
    }

    /// The ids of the terms that some query holds, in the given order, each once.
    pub fn term_ids<S: AsRef<str>>(&self, terms: &[S]) -> Vec<u32> {
        let mut ids = Vec::with_capacity(terms.len());
        for t in terms {
            if let Some(id) = self.word_id(t.as_ref())
                && !ids.contains(&id)
            {
                ids.push(id);
            }
        }
        ids
    }

    /// The queries a title with these term ids is found for (every word a term), with their
    /// values, most valuable first (ids are in value order).
    pub fn found(&self, terms: &[u32]) -> Vec<(u32, f64)> {
        self.queries_within(terms, |_| true)
    }

    /// The queries all of whose words are among `words`, kept by `keep`, most valuable first.
    /// Walks the posting list of each word and takes a query at its first word only, so each
    /// is looked at once per word it holds and listed once.
    pub fn queries_within(&self, words: &[u32], keep: impl Fn(u32) -> bool) -> Vec<(u32, f64)> {
        thread_local! {
            static HELD: std::cell::RefCell<Vec<bool>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        HELD.with(|held| {
            let mut held = held.borrow_mut();
            if held.len() < self.words.len() {
                held.resize(self.words.len(), false);
            }
            for &w in words {
                held[w as usize] = true;
            }
            let mut out = Vec::new();
            for &w in words {
                for &k in &self.by_word[w as usize] {
                    let kw = &self.keywords[k as usize];
                    if kw.words[0] == w && kw.words.iter().all(|&x| held[x as usize]) && keep(k) {
                        out.push((k, kw.value.value));
                    }
                }
            }
            for &w in words {
                held[w as usize] = false;
            }
            out.sort_unstable_by_key(|x| x.0);
            out
        })
    }

    /// An upper bound of the value any title of at most `budget` bytes holding the `free`
    /// words can cover among `keywords`.
    ///
    /// Each keyword's value is spread evenly over its words; a title covering a keyword holds
    /// all its words, so the covered value never exceeds the summed shares of the title's
    /// words. Maximising that sum under the budget is a knapsack whose fractional relaxation
    /// (best share per byte first) bounds it from above. The free words' bytes are paid first.
    pub fn upper_bound(
        &self,
        keywords: &[u32],
        free: &[u32],
        budget: usize,
        bytes: impl Fn(u32) -> usize,
    ) -> f64 {
        // (word, share) pairs merged by sorting: no hash map on this per-item path.
        let mut pairs: Vec<(u32, f64)> = Vec::with_capacity(keywords.len() * 3);
        for &k in keywords {
            let kw = &self.keywords[k as usize];
            let each = kw.value.value / kw.words.len() as f64;
            pairs.extend(kw.words.iter().map(|&w| (w, each)));
        }
        pairs.sort_unstable_by_key(|p| p.0);
        let mut share: Vec<(u32, f64)> = Vec::with_capacity(pairs.len());
        for (w, s) in pairs {
            match share.last_mut() {
                Some(last) if last.0 == w => last.1 += s,
                _ => share.push((w, s)),
            }
        }
        let mut left = budget as f64;
        let mut bound = 0.0;
        for w in free {
            if let Ok(i) = share.binary_search_by_key(w, |p| p.0) {
                bound += share[i].1;
                share[i].1 = 0.0;
            }
            left -= bytes(*w) as f64;
        }
        let mut rest: Vec<(f64, f64, u32)> = share
            .into_iter()
            .filter(|&(_, s)| s > 0.0)
            .map(|(w, s)| (s, bytes(w).max(1) as f64, w))
            .collect();
        rest.sort_unstable_by(|a, b| (b.0 / b.1).total_cmp(&(a.0 / a.1)).then(a.2.cmp(&b.2)));
        for (s, b, _) in rest {
            if left <= 0.0 {
                break;
            }
            bound += s * (left / b).min(1.0);
            left -= b;
        }
        bound
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::market::table::Period;
    use std::path::Path;

    fn stats(demand: f64, ctr: Option<f64>, cvr: Option<f64>) -> KeywordStats {
        let mut s = KeywordStats::new(Period::day(20261101), Source::BusinessAdvisor);
        s.demand = Some(demand);
        s.ctr = ctr;
        s.cvr = cvr;
        s
    }

    pub(crate) fn value(v: f64) -> Value {
        Value {
            value: v,
            demand: Some(v),
            ctr: None,
            cvr: None,
            competition: None,
            cpc: None,
            growth: None,
            rising: false,
            formula: Formula::Demand,
        }
    }

    #[test]
    fn value_formulas_say_which_was_used() {
        let m = ValueModel::default();
        let v = m.value(&stats(1000.0, Some(0.1), Some(0.05))).unwrap();
        assert_eq!(v.formula, Formula::Orders);
        assert!((v.value - 5.0).abs() < 1e-9);
        let v = m.value(&stats(1000.0, Some(0.1), None)).unwrap();
        assert_eq!((v.formula, v.value.round()), (Formula::Clicks, 100.0));
        let mut s = stats(1000.0, Some(0.1), Some(0.05));
        s.online_items = Some(3000);
        let v = m.value(&s).unwrap();
        assert_eq!(v.competition, Some(3.0));
        assert!((v.value - 2.5).abs() < 1e-9, "discounted by sqrt(1 + 3)");
        let mut d = KeywordStats::new(Period::day(20261101), Source::Derived);
        d.demand = Some(42.0);
        d.online_items = Some(7);
        let v = m.value(&d).unwrap();
        assert_eq!((v.formula, v.value), (Formula::CoveredSales, 42.0));
        let none = KeywordStats::new(Period::day(20261101), Source::Other);
        assert!(m.value(&none).is_none());
    }

    #[test]
    fn config_section_is_read_and_errors_point_at_the_value() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baobei.toml");
        std::fs::write(
            &path,
            "[restore]\npopularity = \"identity\"\n[value]\ncompetition_exponent = 0\n",
        )
        .unwrap();
        let m = load(&path).unwrap();
        assert_eq!(m.competition_exponent, 0.0);
        std::fs::write(&path, "[value]\ncompetition = 1\n").unwrap();
        let e = load(&path).unwrap_err().to_string();
        assert!(
            e.contains("baobei.toml:2:1:") && e.contains("\"competition\""),
            "the unknown key itself, quoted: {e}"
        );
        std::fs::write(&path, "[value]\nrising_boost = \"lots\"\n").unwrap();
        let e = load(&path).unwrap_err().to_string();
        assert!(e.contains("baobei.toml:2:16:") && e.contains("lots"), "{e}");
        assert_eq!(
            load(&dir.path().join("none.toml")).unwrap(),
            ValueModel::default()
        );
    }

    fn load(path: &Path) -> Result<ValueModel, SettingsError> {
        ValueModel::from_settings(&Settings::read(path)?)
    }

    fn parse_section<T: Default + serde::de::DeserializeOwned>(
        path: &Path,
        text: &str,
        section: &str,
    ) -> Result<T, SettingsError> {
        Settings::parse(path, text)?.section(section)
    }

    /// Another command's section, as a second loader sees it.
    #[derive(Debug, Default, PartialEq, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    struct Other {
        repeated: f64,
        prohibited: f64,
    }

    #[test]
    fn each_loader_reads_only_its_own_section() {
        let p = Path::new("baobei.toml");
        let text = "[restore]\npopularity = { power = 1.25, scale = 0.8 }\n\
                    [value]\nrising_boost = 0.5\n[score]\nrepeated = 20.0\n[ads]\nanything = 1\n";
        let v: ValueModel = parse_section(p, text, "value").unwrap();
        assert_eq!(v.rising_boost, 0.5);
        let s: Other = parse_section(p, text, "score").unwrap();
        assert_eq!(s.repeated, 20.0);
        assert_eq!(s.prohibited, Other::default().prohibited);
        let none: ValueModel =
            parse_section(p, "[restore]\npopularity = \"identity\"\n", "value").unwrap();
        assert_eq!(none, ValueModel::default());
        let e = parse_section::<Other>(p, "[value]\n[score]\nrepeat = 1\n", "score")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("baobei.toml:3:1: [score]: ") && e.contains("repeat"),
            "{e}"
        );
        let e = parse_section::<ValueModel>(p, "[value\n", "value")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("baobei.toml:1:"),
            "broken TOML is still refused: {e}"
        );
    }

    pub(crate) fn universe(rows: &[(&str, f64)]) -> KeywordUniverse {
        let segmenter = Arc::new(Segmenter::builtin());
        KeywordUniverse::from_values(
            rows.iter()
                .map(|(k, v)| (k.to_string(), String::new(), value(*v)))
                .collect(),
            segmenter,
            ValueModel::default(),
            UniverseOptions::default(),
        )
    }

    #[test]
    fn candidates_hold_the_product_word_or_a_synonym() {
        let u = universe(&[
            ("碎花连衣裙", 50.0),
            ("连衣裙女", 80.0),
            ("洗面奶", 30.0),
            ("洁面乳 男", 10.0),
            ("最好的面霜", 99.0),
        ]);
        assert!(
            u.word_id("最好").is_none(),
            "prohibited keywords are left out"
        );
        let c = u.candidates(None, Some("连衣裙"), &[]);
        let texts: Vec<&str> = c.list.iter().map(|c| &*u.keyword(c.keyword).text).collect();
        assert_eq!(texts, ["连衣裙女", "碎花连衣裙"]);
        assert!(c.reachable >= 130.0 - 1e-9, "both fit in 60 bytes");
        let c = u.candidates(None, Some("洗面奶"), &[]);
        assert_eq!(c.list.len(), 2, "洁面乳 is a synonym of 洗面奶");
    }

    #[test]
    fn upper_bound_bounds_any_title() {
        let u = universe(&[
            ("碎花连衣裙", 50.0),
            ("雪纺连衣裙", 40.0),
            ("碎花雪纺", 5.0),
        ]);
        let ids: Vec<u32> = (0..u.len() as u32).collect();
        let bytes = |w: u32| gbk_len(u.word(w));
        let lq = u.word_id("连衣裙").unwrap();
        // Budget for 连衣裙 + one 4-byte word: at best one of the two big keywords.
        let ub = u.upper_bound(&ids, &[lq], 10, bytes);
        assert!(ub >= 50.0, "{ub}");
        assert!(ub < 95.0, "{ub}");
        assert!(u.upper_bound(&ids, &[lq], 60, bytes) >= 95.0 - 1e-9);
    }
}
