//! Keyword statistics derived from the listing index, for when no keyword export exists.
//!
//! A keyword is a real search query: one a buyer typed (a query log, `--queries`, kept in
//! the workspace). N-grams cut out of listing titles are nobody's search (买送, 倩碧水,
//! 50ml深层) and are not keywords. So:
//!
//! - **Candidates** are the queries, normalised ([`normal_form`]) and taken as SETS of
//!   words ([`recall::query_key`]): `儿童宝宝` and `宝宝儿童` are one query, its searches the
//!   lines of both.
//! - A listing **matches** a query when its title holds every word of it, in any order, by
//!   the one matcher ([`recall`]): titles hold the terms the listing index gives them (words
//!   plus dictionary sub-words), queries are their plain words. So a derived row counts
//!   exactly the listings [`ListingIndex::covering`] finds, and the titles score calls found.
//! - Per query: the matched listings' sales on their latest snapshot summed (`demand`); in a
//!   market whose listings carry no sales figures at all, the query's searches in the log
//!   instead (such a market still knows what people search; one unit per market, so queries
//!   stay comparable). Their count is `online_items`
//!   (the competition); the growth of their sales from each one's earliest to its latest
//!   snapshot with sales, as a rate of the earliest, is `growth` (rising words; read over
//!   enough listings to mean something, `keywords top --min-items`); the category most of
//!   them are in is the row's category. A query no listing matches is left out.
//!
//! Everything runs in memory over one read of the index ([`ListingIndex::listings`]): a
//! posting list of listings per term, intersected per query (shortest first), in parallel.
//!
//! Rows are stored as [`Source::Derived`]: the table's merge rules let any measured export row
//! of the same keyword win over a derived one, whatever their periods ([`super::table`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::index::{ListingHistory, ListingIndex};
use super::table::{KeywordStats, Period, Source, TableBuilder, TableError};
use crate::input::Date;
use crate::text::Segmenter;
use crate::text::chars::normal_form;
use crate::text::recall;

/// What to derive from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeriveOptions {
    /// Only listings of exactly this category (queries, matches and sales alike).
    pub category: Option<String>,
}

/// The statistics derived for one keyword.
#[derive(Debug, Clone, PartialEq)]
pub struct DerivedKeyword {
    /// The keyword text, normalised (the table's key).
    pub keyword: String,
    /// The words a title must hold to be found for it.
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
    /// Lines of the query log with these words.
    pub searches: u64,
    /// Whether the market's listings carry sales figures (else demand is the searches).
    pub has_sales: bool,
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
        stats.demand = Some(if self.has_sales {
            self.sales as f64
        } else {
            self.searches as f64
        });
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
    /// Distinct queries (by word set) before dropping those no listing matches.
    pub candidates: usize,
    /// Query lines read (before merging by word set).
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

/// A query's words, the text it is stored under, and its searches.
struct Candidate {
    text: String,
    tokens: Vec<String>,
    searches: u64,
}

/// Listings segmented per parallel chunk of the derive.
const TERMS_CHUNK: usize = 16 * 1024;

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

    // Queries by word set; the stored text is the shortest form, then the first by text.
    let mut candidates: BTreeMap<String, Candidate> = BTreeMap::new();
    let mut lines = 0;
    for query in queries {
        let text = normal_form(query);
        if text.is_empty() {
            continue;
        }
        lines += 1;
        let tokens = recall::query_words(segmenter, &text);
        if tokens.is_empty() {
            continue;
        }
        let key = recall::query_key(&tokens);
        let entry = candidates.entry(key).or_insert_with(|| Candidate {
            text: text.clone().into_owned(),
            tokens,
            searches: 0,
        });
        entry.searches += 1;
        if (text.len(), text.as_ref()) < (entry.text.len(), entry.text.as_str()) {
            entry.text = text.into_owned();
        }
    }

    // Posting lists of the query words only (a title term no query holds can decide
    // nothing): each listing's recall terms, segmented in parallel a chunk at a time (only
    // the ids of one chunk are held), appended in listing order, so every list stays sorted
    // and, terms being distinct per title, duplicate-free.
    let mut terms = Terms::default();
    for candidate in candidates.values() {
        for token in &candidate.tokens {
            terms.id(token);
        }
    }
    let mut postings: Vec<Vec<u32>> = vec![Vec::new(); terms.texts.len()];
    for (c, chunk) in used.chunks(TERMS_CHUNK).enumerate() {
        let ids: Vec<Vec<u32>> = chunk
            .par_iter()
            .map(|h| {
                recall::title_terms(segmenter, &h.listing.title)
                    .iter()
                    .filter_map(|t| terms.ids.get(t.as_str()).copied())
                    .collect()
            })
            .collect();
        for (i, title) in ids.iter().enumerate() {
            let n = (c * TERMS_CHUNK + i) as u32;
            for &id in title {
                postings[id as usize].push(n);
            }
        }
    }

    // Per listing: sales now, and at the ends of its span with sales.
    // Sales on the latest snapshot, and at the ends of the span with sales.
    type Sales = (Option<u64>, Option<(u64, u64)>);
    let spans: Vec<Sales> = used
        .iter()
        .map(|h| {
            let span = h.sales_span().map(|((_, first), (_, last))| (first, last));
            (h.listing.sales, span)
        })
        .collect();
    let categories: Vec<Option<&str>> =
        used.iter().map(|h| h.listing.category.as_deref()).collect();

    // Demand is sales where the market has them, else searches: one unit for the whole
    // market, so that queries are comparable.
    let market_has_sales = spans.iter().any(|s| s.0.is_some());
    let entries: Vec<&Candidate> = candidates.values().collect();
    let mut keywords: Vec<DerivedKeyword> = entries
        .par_iter()
        .filter_map(|candidate| {
            let covering = cover(&candidate.tokens, &terms, &postings);
            progress(1);
            if covering.is_empty() {
                return None;
            }
            let mut k = DerivedKeyword {
                keyword: candidate.text.clone(),
                tokens: candidate.tokens.clone(),
                category: String::new(),
                listings: covering.len() as u64,
                sales: 0,
                sales_at_earliest: 0,
                sales_at_latest: 0,
                searches: candidate.searches,
                has_sales: market_has_sales,
            };
            let mut per_category: BTreeMap<&str, usize> = BTreeMap::new();
            for &n in &covering {
                let (sales, span) = spans[n as usize];
                k.sales += sales.unwrap_or(0);
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
    keywords.sort_by(|a, b| a.keyword.cmp(&b.keyword));

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
        queries: lines,
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

    const QUERIES: &[&str] = &["补水保湿", "面霜", "乳液", "美白", "保湿面霜"];

    #[test]
    fn only_real_queries_become_keywords() {
        let d = run(QUERIES, &DeriveOptions::default());
        let words: Vec<&str> = d.keywords.iter().map(|k| k.keyword.as_str()).collect();
        assert_eq!(
            words,
            ["乳液", "保湿面霜", "美白", "补水保湿", "面霜"],
            "by text"
        );
        assert!(
            !words.contains(&"补水保湿面霜") && !words.contains(&"2016"),
            "no n-gram of the titles is a keyword: {words:?}"
        );
        assert!(run(&[], &DeriveOptions::default()).keywords.is_empty());
        assert_eq!(d.listings, 5);
        assert_eq!(d.period, Some(Period::new(20161105, 20161114)));
    }

    #[test]
    fn coverage_is_every_word_in_any_order() {
        let d = run(QUERIES, &DeriveOptions::default());
        // 补水保湿 is adjacent in 1, 3 and 5, reversed in 2: all four are found for it.
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
    fn a_subword_of_a_title_word_matches_as_score_finds_it() {
        // 保湿霜 holds the search sub-word 保湿: derive and score share one matcher.
        let listings = vec![item("1", "自然堂保湿霜补水", "美妆>面霜", 5, 9)];
        let d = derive_from(
            &listings,
            &segmenter(),
            &["保湿 补水".to_owned()],
            &DeriveOptions::default(),
            &|_| {},
        );
        assert_eq!(find(&d, "保湿 补水").map(|k| k.listings), Some(1));
        let terms = recall::title_terms(&segmenter(), "自然堂保湿霜补水");
        assert!(recall::matches(
            &terms,
            &recall::query_words(&segmenter(), "保湿 补水")
        ));
    }

    #[test]
    fn growth_has_the_sign_of_the_sales_change() {
        let d = run(QUERIES, &DeriveOptions::default());
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
    fn queries_are_normalised_and_merged_by_word_set() {
        let d = run(
            &[
                "面霜　补水",
                "面霜 补水",
                "补水面霜",
                "MEIBAI面霜",
                "面霜",
                "连衣裙",
                "  ",
            ],
            &DeriveOptions::default(),
        );
        assert_eq!(d.queries, 6, "the blank line is no query");
        assert_eq!(d.candidates, 4, "面霜 补水 three ways is one query");
        let q = find(&d, "补水面霜").expect("the shortest form names the query");
        assert_eq!((q.searches, q.listings), (3, 3));
        assert!(find(&d, "面霜 补水").is_none(), "one row per word set");
        assert!(find(&d, "连衣裙").is_none(), "no listing matches it");
        assert!(find(&d, "meibai面霜").is_none(), "meibai is in no title");
    }

    #[test]
    fn without_sales_the_searches_are_the_demand() {
        let mut listings = market();
        for h in &mut listings {
            h.listing.sales = None;
            h.snapshots.clear();
        }
        let d = derive_from(
            &listings,
            &segmenter(),
            &["面霜".to_owned(), "面霜".to_owned(), "乳液".to_owned()],
            &DeriveOptions::default(),
            &|_| {},
        );
        let period = d.period.unwrap();
        assert_eq!(find(&d, "面霜").unwrap().stats(period).demand, Some(2.0));
        assert_eq!(find(&d, "乳液").unwrap().stats(period).demand, Some(1.0));
        let with_sales = run(&["面霜", "面霜"], &DeriveOptions::default());
        let period = with_sales.period.unwrap();
        assert_eq!(
            find(&with_sales, "面霜").unwrap().stats(period).demand,
            Some(490.0),
            "sales where the market has them"
        );
    }

    #[test]
    fn category_filter_restricts_listings() {
        let d = run(
            QUERIES,
            &DeriveOptions {
                category: Some("美妆>乳液".to_owned()),
            },
        );
        assert_eq!(d.listings, 1);
        assert!(find(&d, "面霜").is_none());
        assert_eq!(find(&d, "乳液").unwrap().sales, 20);
    }

    #[test]
    fn measured_rows_win_over_derived_ones_in_the_table() {
        let d = run(QUERIES, &DeriveOptions::default());
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
    fn intersection_is_exact() {
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
