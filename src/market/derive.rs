//! Keyword statistics derived from the listing index, for when no keyword export exists.
//!
//! domain.md: "a keyword's value is the sales of the listings whose titles cover it; rising
//! words are those whose covered sales grow between snapshots". So:
//!
//! - **Candidates** are the token n-grams (1 to [`DeriveOptions::max_tokens`] consecutive
//!   words of the current titles, punctuation, filler words and pure numbers left out) found
//!   in at least [`DeriveOptions::min_titles`] titles (a lone character is no 1-gram: it is
//!   mostly a fragment of a word the dictionaries miss), plus real buyer queries, normalised
//!   ([`normalize_keyword`]) and deduplicated. A candidate's text is its words joined as a
//!   buyer types them: no space, except between two ASCII words (`iphone 15`).
//! - A listing **covers** a candidate when its title holds every one of the candidate's words,
//!   in any order (how the platform matches a query). A title holds the terms the listing index
//!   gives it (words plus their dictionary sub-words, [`TitleTokenizer::for_index`]), and a
//!   query's words are its plain segmentation ([`ListingIndex::query_tokens`]), so a derived row
//!   counts exactly the listings [`ListingIndex::covering`] finds.
//! - Per candidate: the covering listings' sales on their latest snapshot summed (`demand`, a
//!   demand proxy, not searches), their count (`online_items`, the competition), the growth of
//!   their sales from each one's earliest to its latest snapshot with sales, as a rate of the
//!   earliest (`growth`; as [`ListingIndex::term_stats`] measures it), and the category most of
//!   them are in.
//!
//! Everything runs in memory over one read of the index ([`ListingIndex::listings`]): a
//! posting list of listings per term, intersected per candidate (shortest first), in parallel.
//! One tantivy query per candidate would cost ~100 µs each, over 10^5 candidates.
//!
//! Rows are stored as [`Source::Derived`]: the table's merge rules let any measured export row
//! of the same keyword win over a derived one, whatever their periods ([`super::table`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::index::{ListingHistory, ListingIndex, TitleTokenizer};
use super::table::{KeywordStats, Period, Source, TableBuilder, TableError, normalize_keyword};
use crate::input::Date;
use crate::title::{Segmenter, TokenKind};

/// What to derive from, and how many titles make a candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeriveOptions {
    /// Titles an n-gram must occur in to become a candidate: fewer is noise, not a keyword.
    pub min_titles: usize,
    /// Longest n-gram, in words: buyers' queries are mostly one to three words.
    pub max_tokens: usize,
    /// Only listings of exactly this category (candidates, coverage and sales alike).
    pub category: Option<String>,
}

impl Default for DeriveOptions {
    /// At least 3 titles, n-grams of up to 3 words, every category.
    fn default() -> Self {
        DeriveOptions {
            min_titles: 3,
            max_tokens: 3,
            category: None,
        }
    }
}

/// The statistics derived for one keyword.
#[derive(Debug, Clone, PartialEq)]
pub struct DerivedKeyword {
    /// The keyword text, normalised (the table's key).
    pub keyword: String,
    /// The words a title must hold to cover it.
    pub tokens: Vec<String>,
    /// The category most covering listings are in (ties: the first by text); empty when none
    /// of them has one.
    pub category: String,
    /// Covering listings: the competition (`online_items`).
    pub listings: u64,
    /// Their sales on their latest snapshot, summed (missing sales count 0): the demand proxy.
    pub sales: u64,
    /// Their sales on each one's earliest snapshot with sales, summed.
    pub sales_at_earliest: u64,
    /// Their sales on each one's latest snapshot with sales, summed.
    pub sales_at_latest: u64,
    /// An n-gram of at least `min_titles` titles.
    pub from_titles: bool,
    /// One of the queries given.
    pub from_queries: bool,
}

impl DerivedKeyword {
    /// Sales growth over the window as a rate of the earliest sales (`0.5` = +50%); `None`
    /// when those were zero (a rate of nothing says nothing).
    pub fn growth_rate(&self) -> Option<f64> {
        (self.sales_at_earliest > 0).then(|| {
            (self.sales_at_latest as f64 - self.sales_at_earliest as f64)
                / self.sales_at_earliest as f64
        })
    }

    /// The table row: demand, online items and growth, marked derived, for `period`.
    pub fn stats(&self, period: Period) -> KeywordStats {
        let mut stats = KeywordStats::new(period, Source::Derived);
        stats.demand = Some(self.sales as f64);
        stats.online_items = Some(self.listings);
        stats.growth = self.growth_rate();
        stats
    }
}

/// The outcome of [`derive()`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Derivation {
    /// Keywords covered by at least one listing, sorted by text.
    pub keywords: Vec<DerivedKeyword>,
    /// First to last snapshot day of the listings used; `None` when there were none.
    pub period: Option<Period>,
    /// Listings used (after the category filter).
    pub listings: usize,
    /// Distinct candidates (n-grams and queries) before dropping those no listing covers.
    pub candidates: usize,
    /// Distinct queries after normalisation.
    pub queries: usize,
}

impl Derivation {
    /// Adds every keyword to `builder` as a [`Source::Derived`] row; returns how many.
    pub fn insert_into(&self, builder: &mut TableBuilder) -> Result<usize, TableError> {
        let Some(period) = self.period else {
            return Ok(0);
        };
        for k in &self.keywords {
            builder.insert(&k.keyword, &k.category, k.stats(period))?;
        }
        Ok(self.keywords.len())
    }
}

/// Derives keyword statistics from every current listing of `index` (module docs).
/// `progress` is called with the number of candidates done, from several threads.
pub fn derive(
    index: &ListingIndex,
    queries: &[String],
    options: &DeriveOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Derivation, super::index::IndexError> {
    let listings = index.listings()?;
    Ok(derive_from(
        &listings,
        index.segmenter(),
        queries,
        options,
        progress,
    ))
}

/// An n-gram of term ids; unused slots are `u32::MAX`.
type Gram = [u32; 3];

/// What one listing contributes: its term set and its n-grams.
struct Title {
    terms: Vec<u32>,
    grams: Vec<Gram>,
}

/// A candidate keyword's words, and where it came from.
struct Candidate {
    tokens: Vec<String>,
    from_titles: bool,
    from_queries: bool,
}

/// Interns term texts as dense ids.
#[derive(Default)]
struct Terms {
    ids: FxHashMap<String, u32>,
    texts: Vec<String>,
}

impl Terms {
    fn id(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        let id = self.texts.len() as u32;
        self.ids.insert(text.to_owned(), id);
        self.texts.push(text.to_owned());
        id
    }
}

/// A word worth a keyword: not punctuation, not filler, not a bare number.
fn keyword_word(kind: TokenKind, key: &str) -> bool {
    !matches!(kind, TokenKind::Punct | TokenKind::Filler)
        && !key.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// Joins words as a buyer types them: a space only between two ASCII letters or digits.
fn join_words<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for word in words {
        let glue = out
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric())
            && word
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric());
        if glue {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Derives keyword statistics from listings already read (module docs); [`derive()`] reads them
/// from the index.
pub fn derive_from(
    listings: &[ListingHistory],
    segmenter: &Arc<Segmenter>,
    queries: &[String],
    options: &DeriveOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Derivation {
    let used: Vec<&ListingHistory> = listings
        .iter()
        .filter(|h| {
            options
                .category
                .as_ref()
                .is_none_or(|c| h.listing.category.as_ref() == Some(c))
        })
        .collect();
    let max_tokens = options.max_tokens.clamp(1, 3);

    // Segment in parallel, intern serially.
    let tokenizer = TitleTokenizer::for_index(segmenter.clone());
    let raw: Vec<(Vec<String>, Vec<String>)> = used
        .par_iter()
        .map(|h| {
            let seg = segmenter.segment(&h.listing.title);
            let words: Vec<String> = seg
                .words()
                .filter(|t| keyword_word(t.kind, seg.key(t)))
                .map(|t| seg.key(t).to_owned())
                .collect();
            (tokenizer.terms(&h.listing.title), words)
        })
        .collect();
    let mut terms = Terms::default();
    let titles: Vec<Title> = raw
        .iter()
        .map(|(all, words)| {
            let mut set: Vec<u32> = all.iter().map(|t| terms.id(t)).collect();
            set.sort_unstable();
            set.dedup();
            let ids: Vec<u32> = words.iter().map(|w| terms.id(w)).collect();
            let mut grams: Vec<Gram> = Vec::new();
            for start in 0..ids.len() {
                for n in 1..=max_tokens.min(ids.len() - start) {
                    let window = &ids[start..start + n];
                    // A lone character (`女`, `御`) is rarely what a buyer searches and mostly
                    // a fragment of a word the dictionaries miss; it still counts in n-grams.
                    if n == 1 && words[start].chars().nth(1).is_none() {
                        continue;
                    }
                    // A repeated word adds nothing to a query: `面霜 面霜` is `面霜`.
                    if (1..n).any(|i| window[..i].contains(&window[i])) {
                        continue;
                    }
                    let mut gram = [u32::MAX; 3];
                    gram[..n].copy_from_slice(window);
                    grams.push(gram);
                }
            }
            grams.sort_unstable();
            grams.dedup();
            Title { terms: set, grams }
        })
        .collect();

    // Posting lists (listing numbers ascending) and n-gram title counts.
    let mut postings: Vec<Vec<u32>> = vec![Vec::new(); terms.texts.len()];
    let mut gram_titles: FxHashMap<Gram, usize> = FxHashMap::default();
    for (n, title) in titles.iter().enumerate() {
        for &t in &title.terms {
            postings[t as usize].push(n as u32);
        }
        for g in &title.grams {
            *gram_titles.entry(*g).or_insert(0) += 1;
        }
    }

    // Candidates by normalised text.
    let mut candidates: BTreeMap<String, Candidate> = BTreeMap::new();
    for (gram, count) in &gram_titles {
        if *count < options.min_titles.max(1) {
            continue;
        }
        let words: Vec<&str> = gram
            .iter()
            .take_while(|&&id| id != u32::MAX)
            .map(|&id| terms.texts[id as usize].as_str())
            .collect();
        let text = normalize_keyword(&join_words(words.iter().copied())).into_owned();
        candidates
            .entry(text)
            .or_insert_with(|| Candidate {
                tokens: words.iter().map(|w| (*w).to_owned()).collect(),
                from_titles: false,
                from_queries: false,
            })
            .from_titles = true;
    }
    let mut distinct_queries: FxHashSet<String> = FxHashSet::default();
    for query in queries {
        let text = normalize_keyword(query).into_owned();
        if text.is_empty() || !distinct_queries.insert(text.clone()) {
            continue;
        }
        match candidates.get_mut(&text) {
            Some(c) => c.from_queries = true,
            None => {
                let seg = segmenter.segment(&text);
                let mut tokens: Vec<String> = Vec::new();
                for t in seg.words() {
                    let key = seg.key(t);
                    if !tokens.iter().any(|k| k == key) {
                        tokens.push(key.to_owned());
                    }
                }
                if !tokens.is_empty() {
                    candidates.insert(
                        text,
                        Candidate {
                            tokens,
                            from_titles: false,
                            from_queries: true,
                        },
                    );
                }
            }
        }
    }

    // Per listing: sales now, and at the ends of its span with sales.
    let spans: Vec<(u64, Option<(u64, u64)>)> = used
        .iter()
        .map(|h| {
            let span = h.sales_span().map(|((_, first), (_, last))| (first, last));
            (h.listing.sales.unwrap_or(0), span)
        })
        .collect();
    let categories: Vec<Option<&str>> =
        used.iter().map(|h| h.listing.category.as_deref()).collect();

    let entries: Vec<(&String, &Candidate)> = candidates.iter().collect();
    let keywords: Vec<DerivedKeyword> = entries
        .par_iter()
        .filter_map(|(text, candidate)| {
            let covering = cover(&candidate.tokens, &terms, &postings);
            progress(1);
            if covering.is_empty() {
                return None;
            }
            let mut k = DerivedKeyword {
                keyword: (*text).clone(),
                tokens: candidate.tokens.clone(),
                category: String::new(),
                listings: covering.len() as u64,
                sales: 0,
                sales_at_earliest: 0,
                sales_at_latest: 0,
                from_titles: candidate.from_titles,
                from_queries: candidate.from_queries,
            };
            let mut per_category: BTreeMap<&str, usize> = BTreeMap::new();
            for &n in &covering {
                let (sales, span) = spans[n as usize];
                k.sales += sales;
                if let Some((first, last)) = span {
                    k.sales_at_earliest += first;
                    k.sales_at_latest += last;
                }
                if let Some(c) = categories[n as usize] {
                    *per_category.entry(c).or_insert(0) += 1;
                }
            }
            // The most listings; among equals the first by text (max_by keeps the last max).
            k.category = per_category
                .iter()
                .rev()
                .max_by_key(|(_, n)| **n)
                .map(|(c, _)| (*c).to_owned())
                .unwrap_or_default();
            Some(k)
        })
        .collect();

    let days = used
        .iter()
        .flat_map(|h| h.snapshots.iter().map(|s| s.date))
        .chain(used.iter().map(|h| h.listing.snapshot));
    let (first, last) = days.fold((None, None), |(lo, hi): (Option<Date>, Option<Date>), d| {
        (lo.min(Some(d)).or(Some(d)), hi.max(Some(d)))
    });
    let period = first
        .zip(last)
        .map(|(a, b)| Period::new(a.yyyymmdd(), b.yyyymmdd()));
    Derivation {
        keywords,
        period,
        listings: used.len(),
        candidates: candidates.len(),
        queries: distinct_queries.len(),
    }
}

/// The listings (numbers, ascending) holding every token: posting lists intersected, shortest
/// first. A token no title holds covers nothing.
fn cover(tokens: &[String], terms: &Terms, postings: &[Vec<u32>]) -> Vec<u32> {
    let mut lists: Vec<&Vec<u32>> = Vec::with_capacity(tokens.len());
    for t in tokens {
        match terms.ids.get(t) {
            Some(&id) => lists.push(&postings[id as usize]),
            None => return Vec::new(),
        }
    }
    lists.sort_by_key(|l| l.len());
    let Some((first, rest)) = lists.split_first() else {
        return Vec::new();
    };
    let mut out: Vec<u32> = (*first).clone();
    for list in rest {
        let mut j = 0;
        out.retain(|&n| {
            while j < list.len() && list[j] < n {
                j += 1;
            }
            j < list.len() && list[j] == n
        });
        if out.is_empty() {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use super::*;
    use crate::market::index::{Listing, Role, Snapshot};

    fn segmenter() -> Arc<Segmenter> {
        static SEGMENTER: OnceLock<Arc<Segmenter>> = OnceLock::new();
        SEGMENTER
            .get_or_init(|| Arc::new(Segmenter::builtin()))
            .clone()
    }

    fn date(d: u8) -> Date {
        Date::new(2016, 11, d).unwrap()
    }

    /// A listing with sales `first` on 11-05 and `last` on 11-14.
    fn item(id: &str, title: &str, category: &str, first: u64, last: u64) -> ListingHistory {
        ListingHistory {
            listing: Listing {
                id: id.to_owned(),
                title: title.to_owned(),
                brand: None,
                product: None,
                category: Some(category.to_owned()),
                shop: None,
                price: None,
                sales: Some(last),
                role: Role::Industry,
                snapshot: date(14),
            },
            snapshots: vec![
                Snapshot {
                    date: date(5),
                    sales: Some(first),
                    price: None,
                },
                Snapshot {
                    date: date(14),
                    sales: Some(last),
                    price: None,
                },
            ],
        }
    }

    fn market() -> Vec<ListingHistory> {
        let cream = "美妆>面霜";
        vec![
            item("1", "补水保湿面霜", cream, 100, 110),
            item("2", "保湿补水面霜 2016", cream, 200, 220),
            item("3", "补水保湿面霜50g", cream, 50, 150),
            item("4", "美白面霜", cream, 10, 10),
            item("5", "补水保湿乳液", "美妆>乳液", 40, 20),
        ]
    }

    fn run(queries: &[&str], options: &DeriveOptions) -> Derivation {
        let queries: Vec<String> = queries.iter().map(|q| (*q).to_owned()).collect();
        derive_from(&market(), &segmenter(), &queries, options, &|_| {})
    }

    fn find<'d>(d: &'d Derivation, keyword: &str) -> Option<&'d DerivedKeyword> {
        d.keywords.iter().find(|k| k.keyword == keyword)
    }

    #[test]
    fn ngrams_need_the_minimum_number_of_titles() {
        let d = run(&[], &DeriveOptions::default());
        // 补水 and 保湿 are in four titles, 面霜 in four, 美白 in one.
        let words: Vec<&str> = d.keywords.iter().map(|k| k.keyword.as_str()).collect();
        assert!(words.contains(&"面霜"), "{words:?}");
        assert!(
            words.contains(&"补水保湿"),
            "adjacent in 3 titles: {words:?}"
        );
        assert!(!words.contains(&"美白"), "one title only: {words:?}");
        assert!(!words.contains(&"2016"), "pure numbers are no keywords");
        let dresses: Vec<ListingHistory> = (0..3)
            .map(|i| item(&i.to_string(), "连衣裙 女", "女装", 1, 2))
            .collect();
        let single = derive_from(
            &dresses,
            &segmenter(),
            &["女".to_owned()],
            &DeriveOptions::default(),
            &|_| {},
        );
        let lone = find(&single, "女").expect("a query may be one character");
        assert!(!lone.from_titles, "no lone-character 1-grams from titles");
        assert!(find(&single, "连衣裙女").is_some_and(|k| k.from_titles));
        let loose = run(
            &[],
            &DeriveOptions {
                min_titles: 1,
                ..DeriveOptions::default()
            },
        );
        assert!(find(&loose, "美白").is_some());
        assert!(find(&loose, "美白面霜").is_some());
        assert!(loose.candidates > d.candidates);
        assert_eq!(d.listings, 5);
        assert_eq!(d.period, Some(Period::new(20161105, 20161114)));
    }

    #[test]
    fn coverage_is_every_word_in_any_order() {
        let d = run(&[], &DeriveOptions::default());
        // 补水保湿 is adjacent in 1, 3 and 5, reversed in 2: all four cover it.
        let k = find(&d, "补水保湿").unwrap();
        assert_eq!(k.tokens, ["补水", "保湿"]);
        assert_eq!(k.listings, 4);
        assert_eq!(k.sales, 110 + 220 + 150 + 20);
        assert_eq!(k.category, "美妆>面霜", "three of the four are face creams");
        let cream = find(&d, "面霜").unwrap();
        assert_eq!((cream.listings, cream.sales), (4, 490));
        assert_eq!(cream.stats(d.period.unwrap()).online_items, Some(4));
        assert_eq!(cream.stats(d.period.unwrap()).source, Source::Derived);
    }

    #[test]
    fn growth_has_the_sign_of_the_sales_change() {
        let d = run(
            &[],
            &DeriveOptions {
                min_titles: 1,
                ..DeriveOptions::default()
            },
        );
        let cream = find(&d, "面霜").unwrap();
        assert_eq!((cream.sales_at_earliest, cream.sales_at_latest), (360, 490));
        let rate = cream.growth_rate().unwrap();
        assert!((rate - 130.0 / 360.0).abs() < 1e-12, "{rate}");
        let lotion = find(&d, "乳液").unwrap();
        assert!(lotion.growth_rate().unwrap() < 0.0, "40 -> 20 falls");
        let flat = find(&d, "美白").unwrap();
        assert_eq!(flat.growth_rate(), Some(0.0));
    }

    #[test]
    fn queries_are_normalised_deduplicated_and_merged() {
        let d = run(
            &[
                "面霜　补水",
                "面霜 补水",
                "MEIBAI面霜",
                "面霜",
                "连衣裙",
                "  ",
            ],
            &DeriveOptions::default(),
        );
        assert_eq!(
            d.queries, 4,
            "the ideographic space folds; blank is no query"
        );
        let q = find(&d, "面霜 补水").unwrap();
        assert!(q.from_queries && !q.from_titles);
        assert_eq!(q.listings, 3, "in any order");
        let both = find(&d, "面霜").unwrap();
        assert!(both.from_queries && both.from_titles, "one row for both");
        assert_eq!(d.keywords.iter().filter(|k| k.keyword == "面霜").count(), 1);
        assert!(find(&d, "连衣裙").is_none(), "no listing covers it");
        assert!(find(&d, "meibai面霜").is_none(), "meibai is in no title");
    }

    #[test]
    fn category_filter_restricts_listings() {
        let d = run(
            &[],
            &DeriveOptions {
                min_titles: 1,
                category: Some("美妆>乳液".to_owned()),
                ..DeriveOptions::default()
            },
        );
        assert_eq!(d.listings, 1);
        assert!(find(&d, "面霜").is_none());
        assert_eq!(find(&d, "乳液").unwrap().sales, 20);
    }

    #[test]
    fn measured_rows_win_over_derived_ones_in_the_table() {
        let d = run(&[], &DeriveOptions::default());
        let mut builder = TableBuilder::new();
        let mut measured = KeywordStats::new(Period::day(20161101), Source::BusinessAdvisor);
        measured.popularity = Some(5.0);
        builder.insert("面霜", "美妆", measured).unwrap();
        assert_eq!(d.insert_into(&mut builder).unwrap(), d.keywords.len());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.bkw");
        builder.write(&path).unwrap();
        let table = crate::market::table::KeywordTable::open(&path).unwrap();
        let cream = table.get("面霜").unwrap().unwrap();
        assert_eq!(
            cream.stats.source,
            Source::BusinessAdvisor,
            "older, but measured"
        );
        let derived = table.get("补水保湿").unwrap().unwrap();
        assert_eq!(derived.stats.source, Source::Derived);
        assert_eq!(derived.stats.demand, Some(500.0));
        assert_eq!(derived.stats.period, Period::new(20161105, 20161114));
    }

    #[test]
    fn words_join_as_typed_and_intersection_is_exact() {
        assert_eq!(join_words(["iphone", "15", "手机壳"]), "iphone 15手机壳");
        assert_eq!(join_words(["补水", "面霜"]), "补水面霜");
        let mut terms = Terms::default();
        let (a, b) = (terms.id("a"), terms.id("b"));
        let mut postings = vec![Vec::new(); 2];
        postings[a as usize] = vec![1, 3, 5, 7];
        postings[b as usize] = vec![0, 3, 7, 9];
        let tokens = |t: &[&str]| t.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(cover(&tokens(&["a", "b"]), &terms, &postings), [3, 7]);
        assert_eq!(cover(&tokens(&["b"]), &terms, &postings), [0, 3, 7, 9]);
        assert!(cover(&tokens(&["a", "c"]), &terms, &postings).is_empty());
    }
}
