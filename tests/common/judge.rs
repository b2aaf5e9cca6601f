//! An independent judge of titles: which real search queries a title is found for, measured
//! with bare jieba-rs and its default dictionary, never with baobei's segmenter or dictionaries,
//! so that the engine cannot grade its own homework.
//!
//! - [`Judge`]: the queries as word sets, and Taobao's rule: a title is found for a query when
//!   it holds every word of the query, in any order.
//! - Demand per query: [`Judge::demand_from_sales`] (the sales of the market listings a query
//!   finds) or [`Judge::demand_uniform`] (one search per query log line).
//! - [`evaluate`]: original against rewritten titles, into a [`Report`] of recall and of the
//!   rules a rewrite must keep (no claims added, nothing gutted, no repeated word, within budget,
//!   brand and product word kept).
//! - [`beauty`], [`labelled`], [`queries`]: the shared real markets, read from
//!   `../shared/data`.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::path::Path;

use jieba_rs::Jieba;

/// Generic traffic words that are claims about the item: never to be added by a rewrite.
pub const CLAIMS: &[&str] = &[
    "新款", "爆款", "百搭", "时尚", "潮流", "洋气", "送礼", "礼物", "正品", "包邮",
];

/// The judge's normal form: ASCII lower-cased, full-width ASCII (and the ideographic space)
/// turned half-width. Nothing else: no synonyms, no dictionary.
pub fn fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A token worth matching: white space and punctuation (and U+FFFD) are not words.
fn is_word(token: &str) -> bool {
    token.chars().any(char::is_alphanumeric)
}

/// Bytes of `s` in GBK (GB18030: characters outside GBK, such as emoji, take 4).
pub fn gbk_len(s: &str) -> usize {
    encoding_rs::GB18030.encode(s).0.len()
}

/// The longest prefix of `s` within `budget` GBK bytes: what Taobao keeps of a longer title.
pub fn cut_at_budget(s: &str, budget: usize) -> &str {
    let mut used = 0;
    let mut buf = [0u8; 4];
    for (i, c) in s.char_indices() {
        used += gbk_len(c.encode_utf8(&mut buf));
        if used > budget {
            return &s[..i];
        }
    }
    s
}

struct Query {
    /// The first log line that gave this word set.
    text: String,
    /// Its words, sorted, distinct.
    words: Vec<String>,
    /// How many log lines gave this word set.
    lines: u32,
}

/// Real queries as word sets, and Taobao's all-words-any-order matcher.
pub struct Judge {
    jieba: Jieba,
    queries: Vec<Query>,
    /// Each query is filed under one of its words (the rarest among the queries), so that the
    /// candidates for a title are few and each comes up once.
    by_word: HashMap<String, Vec<u32>>,
    /// Log lines without a single word (punctuation only, empty).
    skipped: usize,
}

impl Judge {
    /// The judge of `queries` (one log line each). Lines with the same word set are one query.
    pub fn new(queries: impl IntoIterator<Item = String>) -> Judge {
        let jieba = Jieba::new();
        let mut ids: HashMap<Vec<String>, u32> = HashMap::new();
        let mut list: Vec<Query> = Vec::new();
        let mut skipped = 0;
        for text in queries {
            let words = words_of(&jieba, &text);
            if words.is_empty() {
                skipped += 1;
                continue;
            }
            match ids.get(&words) {
                Some(&id) => list[id as usize].lines += 1,
                None => {
                    let id = u32::try_from(list.len()).expect("fewer than 4 billion queries");
                    ids.insert(words.clone(), id);
                    list.push(Query {
                        text,
                        words,
                        lines: 1,
                    });
                }
            }
        }
        let mut frequency: HashMap<&str, u32> = HashMap::new();
        for q in &list {
            for w in &q.words {
                *frequency.entry(w).or_default() += 1;
            }
        }
        let mut by_word: HashMap<String, Vec<u32>> = HashMap::new();
        for (id, q) in list.iter().enumerate() {
            let key = q
                .words
                .iter()
                .min_by_key(|w| (frequency[w.as_str()], w.as_str()))
                .expect("a query has a word");
            by_word.entry(key.clone()).or_default().push(id as u32);
        }
        Judge {
            jieba,
            queries: list,
            by_word,
            skipped,
        }
    }

    /// Distinct queries (by word set).
    pub fn len(&self) -> usize {
        self.queries.len()
    }

    /// Whether there is no query.
    pub fn is_empty(&self) -> bool {
        self.queries.is_empty()
    }

    /// Log lines with no word at all, left out.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// Log lines behind the distinct queries (duplicates by word set included).
    pub fn lines(&self) -> usize {
        self.queries.iter().map(|q| q.lines as usize).sum()
    }

    /// The text of query `id` (the first log line with its word set).
    pub fn query_text(&self, id: u32) -> &str {
        &self.queries[id as usize].text
    }

    /// The words of query `id`, sorted.
    pub fn query_words(&self, id: u32) -> &[String] {
        &self.queries[id as usize].words
    }

    /// A query's words: `cut` (no HMM) of the normal form, without white space and punctuation,
    /// as a sorted set.
    pub fn words(&self, query: &str) -> Vec<String> {
        words_of(&self.jieba, query)
    }

    /// A title's terms: the search-mode tokens (words and their dictionary sub-words) of its
    /// normal form, without white space and punctuation.
    pub fn terms(&self, title: &str) -> HashSet<String> {
        let folded = fold(title);
        self.jieba
            .cut_for_search(&folded, false)
            .into_iter()
            .map(|t| t.word)
            .filter(|w| is_word(w))
            .map(str::to_owned)
            .collect()
    }

    /// The whole words of `text` (`cut`, no HMM, normal form), in order, repeats kept.
    pub fn cut(&self, text: &str) -> Vec<String> {
        let folded = fold(text);
        self.jieba
            .cut(&folded, false)
            .into_iter()
            .map(|t| t.word)
            .filter(|w| is_word(w))
            .map(str::to_owned)
            .collect()
    }

    /// The queries `title` is found for, sorted by id.
    pub fn matched(&self, title: &str) -> Vec<u32> {
        let terms = self.terms(title);
        let mut found: Vec<u32> = terms
            .iter()
            .filter_map(|t| self.by_word.get(t))
            .flatten()
            .copied()
            .filter(|&id| {
                self.queries[id as usize]
                    .words
                    .iter()
                    .all(|w| terms.contains(w))
            })
            .collect();
        found.sort_unstable();
        found
    }

    /// Demand per query from a market: the sales of the listings `(title, sales)` it finds.
    pub fn demand_from_sales(&self, listings: &[(String, u64)]) -> Vec<f64> {
        let mut demand = vec![0.0; self.len()];
        for (title, sales) in listings {
            for id in self.matched(title) {
                demand[id as usize] += *sales as f64;
            }
        }
        demand
    }

    /// Uniform demand: one search per log line, so a distinct query is worth 1.0 and a query
    /// logged twice (in any word order) 2.0.
    pub fn demand_uniform(&self) -> Vec<f64> {
        self.queries.iter().map(|q| f64::from(q.lines)).collect()
    }
}

fn words_of(jieba: &Jieba, query: &str) -> Vec<String> {
    let folded = fold(query);
    let set: BTreeSet<&str> = jieba
        .cut(&folded, false)
        .into_iter()
        .map(|t| t.word)
        .filter(|w| is_word(w))
        .collect();
    set.into_iter().map(str::to_owned).collect()
}

// ---- evaluation ----

/// One item: its original title, the rewrite to judge, and its labelled names (if known).
#[derive(Debug, Clone, Default)]
pub struct Case {
    /// The item's id, for the examples.
    pub id: String,
    pub original: String,
    pub rewritten: String,
    pub brand: Option<String>,
    pub products: Vec<String>,
}

/// Judged recall of a set of titles: queries found (summed over titles) and their demand.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Recall {
    pub queries: usize,
    pub value: f64,
}

impl Recall {
    fn of(ids: &[u32], demand: &[f64]) -> Recall {
        Recall {
            queries: ids.len(),
            // Not `sum()`: an empty f64 sum is -0.0, which prints as "-0".
            value: ids.iter().fold(0.0, |v, &id| v + demand[id as usize]),
        }
    }

    fn add(&mut self, other: Recall) {
        self.queries += other.queries;
        self.value += other.value;
    }
}

/// An item whose recall changed, with the queries gained and lost by name.
#[derive(Debug, Clone)]
pub struct Example {
    pub id: String,
    pub original: String,
    pub rewritten: String,
    pub before: Recall,
    pub after: Recall,
    pub gained: Vec<String>,
    pub lost: Vec<String>,
}

/// A title breaking a rule, and what broke it.
#[derive(Debug, Clone)]
pub struct Breach {
    pub id: String,
    pub original: String,
    pub rewritten: String,
    pub what: String,
}

/// What the judge makes of a set of rewrites.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub budget: usize,
    pub items: usize,
    /// Rewrites identical to the original.
    pub unchanged: usize,
    /// Recall of the originals as Taobao sees them (cut at the budget), summed over items.
    pub before: Recall,
    /// Recall of the rewrites, summed over items.
    pub after: Recall,
    /// Items whose judged recall value falls.
    pub items_losing: usize,
    /// Items that lose at least one query (even if they gain more value elsewhere).
    pub items_losing_any: usize,
    /// Items whose judged recall value rises.
    pub items_gaining: usize,
    /// Net change of recall value, in % of `before` (None when `before` is 0).
    pub net_value_pct: Option<f64>,
    /// Net change of the number of queries found, in % of `before`.
    pub net_count_pct: Option<f64>,
    /// Originals over the budget.
    pub originals_over_budget: usize,
    /// Over those: recall value of the full (uncut) originals, of the rewrites, of a plain cut.
    pub full_original_value: f64,
    pub over_budget_rewrite_value: f64,
    pub over_budget_cut_value: f64,
    /// Rewrites adding a claim word (see [`CLAIMS`]) the original does not hold.
    pub claims_added: usize,
    /// Originals within budget whose rewrite has fewer bytes and lower judged recall value.
    pub gutted: usize,
    /// Rewrites holding a whole word (2+ characters, outside the labelled names) twice that the
    /// original did not already repeat.
    pub repeated: usize,
    /// Rewrites over the budget.
    pub over_budget: usize,
    /// Items with a labelled brand found in the original, and those whose rewrite keeps it.
    pub brand_labelled: usize,
    pub brand_kept: usize,
    /// Items with a labelled product word found in the original, and those whose rewrite keeps
    /// one of them.
    pub product_labelled: usize,
    pub product_kept: usize,
    /// The largest gains and losses of recall value (10 each).
    pub gains: Vec<Example>,
    pub losses: Vec<Example>,
    /// The first few titles breaking each rule.
    pub claim_examples: Vec<Breach>,
    pub gutted_examples: Vec<Breach>,
    pub repeated_examples: Vec<Breach>,
    pub over_budget_examples: Vec<Breach>,
    pub brand_lost_examples: Vec<Breach>,
    pub product_lost_examples: Vec<Breach>,
}

const TOP: usize = 10;
const BREACH_EXAMPLES: usize = 5;
const EPSILON: f64 = 1e-9;

fn pct(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        100.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

fn change_pct(before: f64, after: f64) -> Option<f64> {
    (before > 0.0).then(|| 100.0 * (after - before) / before)
}

impl Report {
    /// Brand kept, in % of the items with a labelled brand (100 when there is none).
    pub fn brand_kept_pct(&self) -> f64 {
        pct(self.brand_kept, self.brand_labelled)
    }

    /// Product word kept, in % of the items with a labelled product word.
    pub fn product_kept_pct(&self) -> f64 {
        pct(self.product_kept, self.product_labelled)
    }

    /// Items losing recall value, in % of the items.
    pub fn items_losing_pct(&self) -> f64 {
        100.0 - pct(self.items - self.items_losing, self.items)
    }

    /// Over-budget originals: the rewrites' recall value in % of the full originals'.
    pub fn over_budget_rewrite_pct(&self) -> Option<f64> {
        (self.full_original_value > 0.0)
            .then(|| 100.0 * self.over_budget_rewrite_value / self.full_original_value)
    }

    /// Over-budget originals: a plain cut's recall value in % of the full originals'.
    pub fn over_budget_cut_pct(&self) -> Option<f64> {
        (self.full_original_value > 0.0)
            .then(|| 100.0 * self.over_budget_cut_value / self.full_original_value)
    }
}

fn names(judge: &Judge, ids: impl Iterator<Item = u32>, demand: &[f64]) -> Vec<String> {
    let mut ids: Vec<u32> = ids.collect();
    // Most valuable first, ties by id.
    ids.sort_by(|a, b| {
        demand[*b as usize]
            .total_cmp(&demand[*a as usize])
            .then(a.cmp(b))
    });
    ids.into_iter()
        .map(|id| judge.query_text(id).to_owned())
        .collect()
}

/// Sorted-set difference `a - b`.
fn minus<'a>(a: &'a [u32], b: &'a [u32]) -> impl Iterator<Item = u32> + 'a {
    a.iter()
        .copied()
        .filter(move |x| b.binary_search(x).is_err())
}

/// Whole words of 2+ characters that `text` holds more than once, outside the `names`.
fn repeats(judge: &Judge, text: &str, names: &[String]) -> BTreeSet<String> {
    let mut count: HashMap<String, usize> = HashMap::new();
    for w in judge.cut(text) {
        if w.chars().count() >= 2 && !names.iter().any(|n| n.contains(&w)) {
            *count.entry(w).or_default() += 1;
        }
    }
    count
        .into_iter()
        .filter(|(_, n)| *n >= 2)
        .map(|(w, _)| w)
        .collect()
}

/// Judges each case's rewrite against its original, under `demand` (one value per query of
/// `judge`) and a title budget of `budget` GBK bytes.
pub fn evaluate(judge: &Judge, demand: &[f64], cases: &[Case], budget: usize) -> Report {
    assert_eq!(demand.len(), judge.len(), "one demand per query");
    let mut r = Report {
        budget,
        items: cases.len(),
        ..Report::default()
    };
    let mut changes: Vec<(f64, usize, Example)> = Vec::new();
    let breach = |c: &Case, what: String| Breach {
        id: c.id.clone(),
        original: c.original.clone(),
        rewritten: c.rewritten.clone(),
        what,
    };
    for (i, c) in cases.iter().enumerate() {
        r.unchanged += usize::from(c.original == c.rewritten);
        let original_bytes = gbk_len(&c.original);
        let new_bytes = gbk_len(&c.rewritten);
        let seen = cut_at_budget(&c.original, budget);
        let before_ids = judge.matched(seen);
        let after_ids = judge.matched(&c.rewritten);
        let before = Recall::of(&before_ids, demand);
        let after = Recall::of(&after_ids, demand);
        r.before.add(before);
        r.after.add(after);
        let losing = after.value < before.value - EPSILON;
        r.items_losing += usize::from(losing);
        r.items_gaining += usize::from(after.value > before.value + EPSILON);
        let lost_any = minus(&before_ids, &after_ids).next().is_some();
        r.items_losing_any += usize::from(lost_any);
        if (after.value - before.value).abs() > EPSILON || lost_any {
            changes.push((
                after.value - before.value,
                i,
                Example {
                    id: c.id.clone(),
                    original: c.original.clone(),
                    rewritten: c.rewritten.clone(),
                    before,
                    after,
                    gained: names(judge, minus(&after_ids, &before_ids), demand),
                    lost: names(judge, minus(&before_ids, &after_ids), demand),
                },
            ));
        }

        if original_bytes > budget {
            r.originals_over_budget += 1;
            r.full_original_value += Recall::of(&judge.matched(&c.original), demand).value;
            r.over_budget_rewrite_value += after.value;
            r.over_budget_cut_value += before.value;
        } else if new_bytes < original_bytes && losing {
            r.gutted += 1;
            if r.gutted_examples.len() < BREACH_EXAMPLES {
                let what = format!(
                    "{original_bytes} -> {new_bytes} bytes, value {:.0} -> {:.0}",
                    before.value, after.value
                );
                r.gutted_examples.push(breach(c, what));
            }
        }
        if new_bytes > budget {
            r.over_budget += 1;
            if r.over_budget_examples.len() < BREACH_EXAMPLES {
                r.over_budget_examples
                    .push(breach(c, format!("{new_bytes} bytes")));
            }
        }

        let original = fold(&c.original);
        let rewritten = fold(&c.rewritten);
        let claims: Vec<&str> = CLAIMS
            .iter()
            .copied()
            .filter(|w| rewritten.contains(w) && !original.contains(w))
            .collect();
        if !claims.is_empty() {
            r.claims_added += 1;
            if r.claim_examples.len() < BREACH_EXAMPLES {
                r.claim_examples.push(breach(c, claims.join(" ")));
            }
        }

        let brand = c
            .brand
            .as_deref()
            .map(|b| fold(b.trim()))
            .filter(|b| !b.is_empty());
        let products: Vec<String> = c
            .products
            .iter()
            .map(|p| fold(p.trim()))
            .filter(|p| !p.is_empty())
            .collect();
        let labels: Vec<String> = brand.iter().cloned().chain(products.clone()).collect();
        let before_repeats = repeats(judge, &c.original, &labels);
        let new_repeats: Vec<String> = repeats(judge, &c.rewritten, &labels)
            .into_iter()
            .filter(|w| !before_repeats.contains(w))
            .collect();
        if !new_repeats.is_empty() {
            r.repeated += 1;
            if r.repeated_examples.len() < BREACH_EXAMPLES {
                r.repeated_examples.push(breach(c, new_repeats.join(" ")));
            }
        }

        if let Some(b) = brand.filter(|b| original.contains(b.as_str())) {
            r.brand_labelled += 1;
            if rewritten.contains(&b) {
                r.brand_kept += 1;
            } else if r.brand_lost_examples.len() < BREACH_EXAMPLES {
                r.brand_lost_examples.push(breach(c, b));
            }
        }
        let products: Vec<String> = products
            .into_iter()
            .filter(|p| original.contains(p.as_str()))
            .collect();
        if !products.is_empty() {
            r.product_labelled += 1;
            if products.iter().any(|p| rewritten.contains(p.as_str())) {
                r.product_kept += 1;
            } else if r.product_lost_examples.len() < BREACH_EXAMPLES {
                r.product_lost_examples.push(breach(c, products.join(" ")));
            }
        }
    }
    r.net_value_pct = change_pct(r.before.value, r.after.value);
    r.net_count_pct = change_pct(r.before.queries as f64, r.after.queries as f64);

    // Largest gains first, largest losses first; ties by item order.
    let mut gains: Vec<&(f64, usize, Example)> = changes.iter().filter(|c| c.0 > 0.0).collect();
    gains.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    r.gains = gains.into_iter().take(TOP).map(|c| c.2.clone()).collect();
    let mut losses: Vec<&(f64, usize, Example)> = changes
        .iter()
        .filter(|c| c.0 < 0.0 || !c.2.lost.is_empty())
        .collect();
    losses.sort_by(|a, b| {
        a.0.total_cmp(&b.0)
            .then(b.2.lost.len().cmp(&a.2.lost.len()))
            .then(a.1.cmp(&b.1))
    });
    r.losses = losses.into_iter().take(TOP).map(|c| c.2.clone()).collect();
    r
}

fn opt_pct(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_owned(), |v| format!("{v:+.2}%"))
}

fn share(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.1}%"))
}

fn list(names: &[String]) -> String {
    const SHOWN: usize = 8;
    let mut s = names
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" | ");
    if names.len() > SHOWN {
        s.push_str(&format!(" | ... +{} more", names.len() - SHOWN));
    }
    s
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self;
        writeln!(
            f,
            "items {}  (unchanged {}), budget {} bytes",
            r.items, r.unchanged, r.budget
        )?;
        writeln!(
            f,
            "recall before (originals as Taobao sees them): {} queries, value {:.1}",
            r.before.queries, r.before.value
        )?;
        writeln!(
            f,
            "recall after  (rewrites):                      {} queries, value {:.1}",
            r.after.queries, r.after.value
        )?;
        writeln!(
            f,
            "net recall change: value {}, queries {}",
            opt_pct(r.net_value_pct),
            opt_pct(r.net_count_pct)
        )?;
        writeln!(
            f,
            "items losing recall value: {} ({:.2}%); gaining: {}; losing at least one query: {}",
            r.items_losing,
            r.items_losing_pct(),
            r.items_gaining,
            r.items_losing_any
        )?;
        writeln!(
            f,
            "originals over budget: {}; of the full originals' recall value {:.1}: rewrite keeps {}, \
             a plain cut at {} bytes keeps {}",
            r.originals_over_budget,
            r.full_original_value,
            share(r.over_budget_rewrite_pct()),
            r.budget,
            share(r.over_budget_cut_pct())
        )?;
        writeln!(
            f,
            "claims added {}, gutted {}, repeated {}, over budget {}",
            r.claims_added, r.gutted, r.repeated, r.over_budget
        )?;
        writeln!(
            f,
            "brand kept {}/{} ({:.2}%), product word kept {}/{} ({:.2}%)",
            r.brand_kept,
            r.brand_labelled,
            r.brand_kept_pct(),
            r.product_kept,
            r.product_labelled,
            r.product_kept_pct()
        )?;
        let breaches = [
            ("claims added", &r.claim_examples),
            ("gutted", &r.gutted_examples),
            ("repeated", &r.repeated_examples),
            ("over budget", &r.over_budget_examples),
            ("brand lost", &r.brand_lost_examples),
            ("product word lost", &r.product_lost_examples),
        ];
        for (label, examples) in breaches {
            if examples.is_empty() {
                continue;
            }
            writeln!(f, "-- {label}, first {}:", examples.len())?;
            for b in examples {
                writeln!(
                    f,
                    "  [{}] {}\n     -> {}   ({})",
                    b.id, b.original, b.rewritten, b.what
                )?;
            }
        }
        for (label, examples) in [("gains", &r.gains), ("losses", &r.losses)] {
            writeln!(f, "-- largest {label} ({}):", examples.len())?;
            for e in examples {
                writeln!(
                    f,
                    "  [{}] value {:.1} -> {:.1} ({} -> {} queries)\n     {}\n     -> {}",
                    e.id,
                    e.before.value,
                    e.after.value,
                    e.before.queries,
                    e.after.queries,
                    e.original,
                    e.rewritten
                )?;
                if !e.gained.is_empty() {
                    writeln!(f, "     gained: {}", list(&e.gained))?;
                }
                if !e.lost.is_empty() {
                    writeln!(f, "     lost:   {}", list(&e.lost))?;
                }
            }
        }
        Ok(())
    }
}

// ---- the shared real markets ----

/// An item of the shop whose titles are rewritten.
#[derive(Debug, Clone)]
pub struct OwnItem {
    pub id: String,
    pub title: String,
    pub brand: Option<String>,
    pub products: Vec<String>,
}

/// A listing of the market (the competition), with its sales where known.
#[derive(Debug, Clone)]
pub struct Listing {
    pub id: String,
    pub title: String,
    pub shop: Option<String>,
    pub sales: Option<u64>,
}

/// A real market: the own items to rewrite and the other listings.
#[derive(Debug, Clone)]
pub struct Market {
    pub name: &'static str,
    /// What `own` is, for the report.
    pub description: String,
    pub own: Vec<OwnItem>,
    pub market: Vec<Listing>,
    /// Whether demand comes from the market's sales (else: uniform, the queries themselves).
    pub sales_demand: bool,
}

impl Market {
    /// The demand per query of `judge` this market implies.
    pub fn demand(&self, judge: &Judge) -> Vec<f64> {
        if self.sales_demand {
            let listings: Vec<(String, u64)> = self
                .market
                .iter()
                .map(|l| (l.title.clone(), l.sales.unwrap_or(0)))
                .collect();
            judge.demand_from_sales(&listings)
        } else {
            judge.demand_uniform()
        }
    }

    /// The evaluation cases of this market's own items, given a rewrite per item id.
    pub fn cases(&self, rewrites: &HashMap<String, String>) -> Vec<Case> {
        self.own
            .iter()
            .map(|item| Case {
                id: item.id.clone(),
                original: item.title.clone(),
                rewritten: rewrites
                    .get(&item.id)
                    .cloned()
                    .unwrap_or_else(|| item.title.clone()),
                brand: item.brand.clone(),
                products: item.products.clone(),
            })
            .collect()
    }
}

/// The shop 自然堂 and a second large one.
pub const BEAUTY_OWN_SHOPS: [&str; 2] = ["自然堂", BEAUTY_SECOND_SHOP];
/// 倩碧 (Clinique): 211 items, a foreign brand whose titles mix Latin and Chinese names, unlike
/// 自然堂's; the repeated-word example is one of its titles.
pub const BEAUTY_SECOND_SHOP: &str = "倩碧";

/// A `y/m/d` date as a sortable triple.
fn date_key(s: &str) -> (u32, u32, u32) {
    let mut parts = s
        .split(['/', '-'])
        .map(|p| p.trim().parse::<u32>().unwrap_or(0));
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

/// The Double-11 beauty market, from `tmall-beauty-double11.csv` in `dir`: per item id its
/// latest snapshot's title and shop and its highest (cumulative) sales; own = the items of
/// 自然堂 and 倩碧 (brand: the shop name, where the title holds it), market = every other shop's.
pub fn beauty_from(dir: &Path) -> Market {
    let path = dir.join("tmall-beauty-double11.csv");
    let mut reader = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    struct Latest {
        date: (u32, u32, u32),
        title: String,
        shop: String,
        sales: Option<u64>,
        order: usize,
    }
    let mut items: HashMap<String, Latest> = HashMap::new();
    for (line, row) in reader.records().enumerate() {
        let row = row.unwrap_or_else(|e| panic!("{path:?}:{}: {e}", line + 2));
        let (date, id, title, sales, shop) = (
            date_key(&row[0]),
            row[1].to_owned(),
            row[2].to_owned(),
            row[4].trim().parse::<u64>().ok(),
            row[6].to_owned(),
        );
        let order = items.len();
        let e = items.entry(id).or_insert_with(|| Latest {
            date,
            title: title.clone(),
            shop: shop.clone(),
            sales: None,
            order,
        });
        if date >= e.date {
            e.date = date;
            e.title = title;
            e.shop = shop;
        }
        e.sales = e.sales.max(sales);
    }
    let mut items: Vec<(String, Latest)> = items.into_iter().collect();
    items.sort_by_key(|(_, l)| l.order);
    let mut own = Vec::new();
    let mut market = Vec::new();
    for (id, l) in items {
        if BEAUTY_OWN_SHOPS.contains(&l.shop.as_str()) {
            let brand = fold(&l.title)
                .contains(&fold(&l.shop))
                .then(|| l.shop.clone());
            own.push(OwnItem {
                id,
                title: l.title,
                brand,
                products: Vec::new(),
            });
        } else {
            market.push(Listing {
                id,
                title: l.title,
                shop: Some(l.shop),
                sales: l.sales,
            });
        }
    }
    Market {
        name: "beauty",
        description: format!(
            "Tmall Double-11 beauty: own = {} items of {}, market = {} listings of the other shops, \
             demand = their sales",
            own.len(),
            BEAUTY_OWN_SHOPS.join(" + "),
            market.len()
        ),
        own,
        market,
        sales_demand: true,
    }
}

/// [`beauty_from`] the shared data, or `None` (said) without it.
pub fn beauty() -> Option<Market> {
    super::shared_data().map(|d| beauty_from(&d))
}

#[derive(serde::Deserialize)]
struct Span {
    text: String,
}

#[derive(serde::Deserialize)]
struct Labelled {
    title: String,
    #[serde(default)]
    brands: Vec<Span>,
    #[serde(default)]
    products: Vec<Span>,
}

/// The labelled titles of many categories, from `taobao-titles-ner-train.jsonl` in `dir`: own =
/// every title with its first labelled brand and its distinct product spans (trimmed, empty ones
/// skipped), market = the same titles without sales (demand is then uniform).
/// Whether a title holds leaked NER annotation: `[digits_digits]:` followed by a tag.
fn annotation_leak(title: &str) -> bool {
    let b = title.as_bytes();
    (0..b.len()).any(|i| {
        if b[i] != b'[' {
            return false;
        }
        let mut j = i + 1;
        let digits = |j: &mut usize| {
            let start = *j;
            while *j < b.len() && b[*j].is_ascii_digit() {
                *j += 1;
            }
            *j > start
        };
        digits(&mut j)
            && j < b.len()
            && b[j] == b'_'
            && {
                j += 1;
                digits(&mut j)
            }
            && b.get(j..j + 2) == Some(b"]:")
    })
}

pub fn labelled_from(dir: &Path) -> Market {
    let path = dir.join("taobao-titles-ner-train.jsonl");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let mut own = Vec::new();
    let mut leaked = 0;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let l: Labelled =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{path:?}:{}: {e}", i + 1));
        // A few rows carry the annotation itself (`[1_3]:造型师:Other,[4_5]:...`) after the
        // title: no seller wrote that, so they judge nothing.
        if annotation_leak(&l.title) {
            leaked += 1;
            continue;
        }
        let brand = l
            .brands
            .iter()
            .map(|s| s.text.trim())
            .find(|s| !s.is_empty())
            .map(str::to_owned);
        let mut products: Vec<String> = Vec::new();
        for p in &l.products {
            let p = p.text.trim();
            if !p.is_empty() && !products.iter().any(|q| q == p) {
                products.push(p.to_owned());
            }
        }
        own.push(OwnItem {
            id: (i + 1).to_string(),
            title: l.title,
            brand,
            products,
        });
    }
    let market = own
        .iter()
        .map(|o| Listing {
            id: o.id.clone(),
            title: o.title.clone(),
            shop: None,
            sales: None,
        })
        .collect();
    Market {
        name: "labelled",
        description: format!(
            "labelled Taobao titles of many categories: own = market = {} titles ({leaked} rows \
             holding leaked annotation text left out), demand = uniform (the queries themselves)",
            own.len()
        ),
        own,
        market,
        sales_demand: false,
    }
}

/// [`labelled_from`] the shared data, or `None` (said) without it.
pub fn labelled() -> Option<Market> {
    super::shared_data().map(|d| labelled_from(&d))
}

/// The path of the real query log.
pub fn queries_path(dir: &Path) -> std::path::PathBuf {
    dir.join("taobao-queries.tsv")
}

/// The real queries of `taobao-queries.tsv` in `dir` (TSV `qid<TAB>query`, no header).
pub fn queries_from(dir: &Path) -> Vec<String> {
    let path = queries_path(dir);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    text.lines()
        .filter_map(|l| l.split_once('\t').map(|(_, q)| q))
        .map(str::to_owned)
        .collect()
}

/// [`queries_from`] the shared data, or `None` (said) without it.
pub fn queries() -> Option<Vec<String>> {
    super::shared_data().map(|d| queries_from(&d))
}
