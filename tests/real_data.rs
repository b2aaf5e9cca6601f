//! Evaluation on real data from `../shared/data`.
//!
//! - Real Taobao titles with hand-labelled brand and product spans
//!   (`taobao-titles-ner-train.jsonl`), side by side with bare jieba-rs. Two measures per label
//!   kind: the share of spans that no token crosses (a token that starts or ends inside the
//!   span and reaches outside it), and the share recognised: a token exactly on the span with
//!   the right kind.
//! - The market model end to end on ten daily Tmall snapshots (`tmall-beauty-double11.csv`)
//!   and the real query log (`taobao-queries.tsv`): `index add`, `keywords derive --queries`,
//!   `keywords top --by growth`, checked against the index's own term statistics and against
//!   the raw file.
//!
//! The title engine itself is judged in `recall_evaluation.rs`, by a matcher it does not share.
//!
//! Run with `--nocapture` to see the figures.

mod common;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use baobei::text::{Segmenter, TokenKind};
use serde::Deserialize;

#[derive(Deserialize)]
struct Labelled {
    title: String,
    brands: Vec<Span>,
    products: Vec<Span>,
}

#[derive(Deserialize)]
struct Span {
    text: String,
    start: usize,
    end: usize,
}

/// A token as (start, end) in characters, and whether it counts as brand / product.
type Cut = Vec<(usize, usize, bool, bool)>;

#[derive(Default, Debug)]
struct Score {
    spans: usize,
    uncrossed: usize,
    recognised: usize,
}

impl Score {
    fn add(&mut self, span: (usize, usize), cut: &Cut, is_brand: bool) {
        self.spans += 1;
        let (s, e) = span;
        let crossed = cut
            .iter()
            .any(|&(a, b, _, _)| a < e && b > s && (a < s || b > e));
        if !crossed {
            self.uncrossed += 1;
        }
        if cut.iter().any(|&(a, b, brand, product)| {
            a == s && b == e && if is_brand { brand } else { product }
        }) {
            self.recognised += 1;
        }
    }
    fn pct(n: usize, d: usize) -> f64 {
        100.0 * n as f64 / d.max(1) as f64
    }
}

/// The label's span with white space trimmed off (some labels carry a trailing space).
fn trimmed(title: &[char], span: &Span) -> Option<(usize, usize)> {
    let (mut s, mut e) = (span.start, span.end.min(title.len()));
    while s < e && title[s].is_whitespace() {
        s += 1;
    }
    while e > s && title[e - 1].is_whitespace() {
        e -= 1;
    }
    (s < e && !span.text.trim().is_empty()).then_some((s, e))
}

fn gazetteer(dir: &std::path::Path, prefix: &str) -> HashSet<String> {
    (1..=4)
        .filter_map(|i| fs::read_to_string(dir.join(format!("gazetteers/{prefix}{i}.txt"))).ok())
        .flat_map(|t| t.lines().map(|l| l.trim().to_owned()).collect::<Vec<_>>())
        .filter(|w| !w.is_empty())
        .collect()
}

#[test]
fn brand_and_product_spans_beat_bare_jieba() {
    let Some(dir) = common::shared_data() else {
        return;
    };
    let text =
        fs::read_to_string(dir.join("taobao-titles-ner-train.jsonl")).expect("labelled titles");
    let items: Vec<Labelled> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("valid JSON line"))
        .collect();
    assert!(items.len() > 3000);

    let jieba = jieba_rs::Jieba::new();
    let (brands, products) = (gazetteer(&dir, "brand"), gazetteer(&dir, "product"));
    let segmenter = Segmenter::builtin();

    let mut scores: [[Score; 2]; 2] = Default::default(); // [system][brand, product]
    // BAOBEI_EVAL_DUMP=FILE lists the spans baobei crosses, and whether bare jieba does too.
    let mut dump =
        std::env::var_os("BAOBEI_EVAL_DUMP").map(|p| fs::File::create(p).expect("dump file"));
    for item in &items {
        let chars: Vec<char> = item.title.chars().collect();
        let bare: Cut = jieba
            .cut(&item.title, false)
            .iter()
            .map(|t| {
                (
                    t.start,
                    t.end,
                    brands.contains(t.word),
                    products.contains(t.word),
                )
            })
            .collect();
        let seg = segmenter.segment(&item.title);
        let ours: Cut = seg
            .tokens
            .iter()
            .map(|t| {
                (
                    t.start as usize,
                    t.end as usize,
                    t.kind == TokenKind::Brand,
                    t.kind == TokenKind::Product,
                )
            })
            .collect();
        if let Some(dump) = dump.as_mut() {
            use std::io::Write;
            for (label, spans) in [("brand", &item.brands), ("product", &item.products)] {
                for span in spans.iter().filter_map(|s| trimmed(&chars, s)) {
                    let crossed = |cut: &Cut| {
                        cut.iter().any(|&(a, b, _, _)| {
                            a < span.1 && b > span.0 && (a < span.0 || b > span.1)
                        })
                    };
                    if crossed(&ours) {
                        let text: String = chars[span.0..span.1].iter().collect();
                        let tokens: Vec<&str> = seg.tokens.iter().map(|t| seg.text(t)).collect();
                        let bare_too = if crossed(&bare) {
                            "both"
                        } else {
                            "baobei only"
                        };
                        writeln!(dump, "{label}\t{bare_too}\t{text}\t{}", tokens.join(" "))
                            .unwrap();
                    }
                }
            }
        }
        for (system, cut) in [&bare, &ours].into_iter().enumerate() {
            for span in item.brands.iter().filter_map(|s| trimmed(&chars, s)) {
                scores[system][0].add(span, cut, true);
            }
            for span in item.products.iter().filter_map(|s| trimmed(&chars, s)) {
                scores[system][1].add(span, cut, false);
            }
        }
    }

    eprintln!("\nreal-data evaluation: {} labelled titles", items.len());
    eprintln!(
        "{:<34} {:>8} {:>11} {:>11}",
        "system / label", "spans", "uncrossed", "recognised"
    );
    let names = ["bare jieba-rs (+ gazetteer lookup)", "baobei Segmenter"];
    for (system, name) in names.iter().enumerate() {
        for (k, label) in ["brand", "product"].iter().enumerate() {
            let s = &scores[system][k];
            eprintln!(
                "{:<34} {:>8} {:>10.2}% {:>10.2}%",
                format!("{name} / {label}"),
                s.spans,
                Score::pct(s.uncrossed, s.spans),
                Score::pct(s.recognised, s.spans)
            );
        }
    }
    let [bare_scores, our_scores] = &scores;
    for (k, (bare, ours)) in bare_scores.iter().zip(our_scores).enumerate() {
        assert!(
            ours.uncrossed > bare.uncrossed,
            "label {k}: uncrossed {ours:?} vs bare {bare:?}"
        );
        assert!(
            ours.recognised > bare.recognised,
            "label {k}: recognised {ours:?} vs bare {bare:?}"
        );
    }
}

/// Runs the `baobei` binary in `dir`; panics with its stderr unless it exits 0.
fn baobei(dir: &Path, args: &[&str]) -> (String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_baobei"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    let (out, err) = (
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    );
    assert_eq!(o.status.code(), Some(0), "baobei {args:?}: {err}");
    (out, err)
}

fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A snapshot row as read from the CSV: (year, month, day), title, sale count.
type RawRow = ((u32, u32, u32), String, Option<u64>);

/// Per item id: the latest title and the sales at the ends of its span with sales.
type RawMarket = HashMap<String, (String, Option<(u64, u64)>)>;

/// Per item id, read straight from the CSV (no baobei code): the latest title, and the sales
/// on the earliest and on the latest day with a sale count.
fn raw_market(path: &Path) -> RawMarket {
    let mut rows: HashMap<String, Vec<RawRow>> = HashMap::new();
    let mut reader = csv::Reader::from_path(path).unwrap();
    for record in reader.records() {
        let r = record.unwrap();
        let mut ymd = r[0].split('/').map(|n| n.parse::<u32>().unwrap());
        let day = (
            ymd.next().unwrap(),
            ymd.next().unwrap(),
            ymd.next().unwrap(),
        );
        let sales = (!r[4].is_empty()).then(|| r[4].parse::<f64>().unwrap() as u64);
        rows.entry(r[1].to_owned())
            .or_default()
            .push((day, r[2].to_owned(), sales));
    }
    rows.into_iter()
        .map(|(id, mut days)| {
            days.sort_by_key(|d| d.0);
            let with_sales: Vec<u64> = days.iter().filter_map(|d| d.2).collect();
            let span = with_sales
                .first()
                .zip(with_sales.last())
                .map(|(a, b)| (*a, *b));
            (id, (days.last().unwrap().1.clone(), span))
        })
        .collect()
}

/// Growth rate of the summed sales of the listings whose latest title contains every one of
/// `words` (lower-cased), in any order; no words: the whole market.
fn raw_growth(market: &RawMarket, words: &[String]) -> f64 {
    let (mut first, mut last) = (0u64, 0u64);
    for (title, span) in market.values() {
        let title = title.to_lowercase();
        if let Some((a, b)) = span
            && words.iter().all(|w| title.contains(w.as_str()))
        {
            first += a;
            last += b;
        }
    }
    (last as f64 - first as f64) / first as f64
}

/// Index all ten daily snapshots, derive keywords, and check what must hold.
///
/// Rows with an empty `sale_count` (2,354) are indexed: their title, price and day are real,
/// only the sales are unknown, so they count as no sale on that day (not zero sales): growth
/// runs from each listing's earliest to its latest day *with* a sale count, and a listing whose
/// latest row has none adds nothing to demand (as `ListingIndex::covering` counts it).
#[test]
fn market_model_on_ten_tmall_snapshots() {
    let Some(data) = common::shared_data() else {
        return;
    };
    let csv_path = data.join("tmall-beauty-double11.csv");
    let csv_arg = csv_path.to_str().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();

    let started = Instant::now();
    baobei(dir, &["index", "add", csv_arg, "--role", "industry"]);
    let indexed = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let queries = data.join("taobao-queries.tsv");
    let (_, err) = baobei(
        dir,
        &[
            "--lang",
            "en",
            "keywords",
            "derive",
            "--queries",
            queries.to_str().unwrap(),
        ],
    );
    let derived = started.elapsed().as_secs_f64();
    let started = Instant::now();
    assert!(err.contains("from 3497 listings"), "{err}");
    assert!(err.contains("over 2016-11-05~2016-11-14"), "{err}");

    let table =
        baobei::market::table::KeywordTable::open(dir.join("baobei-workspace/keywords.bkw"))
            .unwrap();
    let segmenter = Arc::new(baobei::text::Segmenter::builtin());
    let index = baobei::market::index::ListingIndex::create_or_open(
        dir.join("baobei-workspace/index"),
        segmenter,
    )
    .unwrap();
    let all = baobei::market::index::Filter::default();

    // The real query log is of all Taobao, so few of its queries are beauty queries; the one
    // found for the most listings: derived, with demand, found for the listings the index
    // finds.
    assert!(table.len() >= 50, "{} queries derived", table.len());
    let cream = table
        .iter()
        .map(|r| r.unwrap())
        .max_by(|a, b| {
            a.stats
                .online_items
                .cmp(&b.stats.online_items)
                .then(b.keyword.cmp(a.keyword))
        })
        .expect("a query is derived");
    assert_eq!(cream.stats.source, baobei::market::table::Source::Derived);
    assert!(cream.stats.demand.unwrap() > 0.0);
    let covering: BTreeSet<String> = index
        .covering_ids(cream.keyword, &all)
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(cream.stats.online_items, Some(covering.len() as u64));
    let market = raw_market(&csv_path);
    let words = index.query_tokens(cream.keyword);
    let creams: BTreeSet<String> = market
        .iter()
        .filter(|(_, (title, _))| {
            let title = title.to_lowercase();
            words.iter().all(|w| title.contains(w.as_str()))
        })
        .map(|(id, _)| id.clone())
        .collect();
    assert!(
        covering.is_subset(&creams),
        "only titles holding every word of {} are found for it",
        cream.keyword
    );
    assert!(
        covering.len() * 10 >= creams.len() * 9,
        "{} of {} titles holding {} are found for it (the rest split a word)",
        covering.len(),
        creams.len(),
        cream.keyword
    );

    // Every derived row agrees with the index's term statistics (a separate code path: tantivy
    // queries per word instead of in-memory postings).
    let mut checked = 0;
    for row in table.iter() {
        let row = row.unwrap();
        assert_eq!(row.stats.source, baobei::market::table::Source::Derived);
        let term = index.term_stats(row.keyword, &all).unwrap();
        assert_eq!(
            row.stats.online_items,
            Some(term.listings),
            "{}",
            row.keyword
        );
        assert_eq!(row.stats.demand, Some(term.sales as f64), "{}", row.keyword);
        match (row.stats.growth, term.growth_rate()) {
            (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{}: {a} vs {b}", row.keyword),
            (a, b) => assert_eq!(a, b, "{}", row.keyword),
        }
        checked += 1;
    }
    let checking = started.elapsed().as_secs_f64();

    // The words whose covered sales grew most are what `keywords top --by growth` reports.
    const SUPPORT: u64 = 5;
    let mut rising: Vec<(f64, String)> = Vec::new();
    for row in table.iter() {
        let row = row.unwrap();
        if row.stats.online_items.unwrap() < SUPPORT {
            continue;
        }
        let term = index.term_stats(row.keyword, &all).unwrap();
        if let Some(rate) = term.growth_rate() {
            rising.push((rate, row.keyword.to_owned()));
        }
    }
    rising.sort_by(|a, b| b.0.total_cmp(&a.0));
    assert!(rising.len() >= 5, "{rising:?}");
    let (top, _) = baobei(
        dir,
        &[
            "keywords",
            "top",
            "--by",
            "growth",
            "--min-items",
            &SUPPORT.to_string(),
            "--limit",
            "5",
            "--format",
            "json",
        ],
    );
    let top = json_lines(&top);
    assert_eq!(top.len(), 5);
    let fifth = rising[4].0;
    for row in &top {
        let g = row["growth"].as_f64().unwrap();
        assert!(
            g >= fifth - 1e-9,
            "{row} is below the 5th fastest ({fifth})"
        );
        assert!(row["online_items"].as_u64().unwrap() >= SUPPORT, "{row}");
    }
    assert_eq!(top[0]["keyword"], rising[0].1.as_str());
    // Against the raw file: the fastest query's listings outgrow the market as a whole.
    let whole = raw_growth(&market, &[]);
    let fastest = top[0]["keyword"].as_str().unwrap();
    let raw = raw_growth(&market, &index.query_tokens(fastest));
    assert!(
        raw > whole,
        "{fastest}: {raw:.3} vs the market's {whole:.3}"
    );

    eprintln!(
        "\nreal-data market model: {} listings, 10 snapshots indexed in {indexed:.2} s; \
         {} keywords derived in {derived:.2} s; {checked} rows checked against term_stats in {checking:.2} s",
        index.stats().unwrap().listings,
        table.len()
    );
    eprintln!(
        "{}: demand {} over {} listings, growth {:.3}; market growth {whole:.3}",
        cream.keyword,
        cream.stats.demand.unwrap(),
        covering.len(),
        cream.stats.growth.unwrap()
    );
    for (i, row) in top.iter().take(5).enumerate() {
        eprintln!(
            "rising #{}: {} growth {:.3} over {} listings",
            i + 1,
            row["keyword"],
            row["growth"].as_f64().unwrap(),
            row["online_items"]
        );
    }
}
