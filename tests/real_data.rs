//! Evaluation on real data from `../shared/data`.
//!
//! - Real Taobao titles with hand-labelled brand and product spans
//!   (`taobao-titles-ner-train.jsonl`), side by side with bare jieba-rs. Two measures per label
//!   kind: the share of spans that no token crosses (a token that starts or ends inside the
//!   span and reaches outside it), and the share recognised: a token exactly on the span with
//!   the right kind.
//! - The market model end to end on ten daily Tmall snapshots (`tmall-beauty-double11.csv`):
//!   `index add`, `keywords derive`, `keywords top --by growth`, checked against the index's
//!   own term statistics and against the raw file.
//!
//! Run with `--nocapture` to see the figures.

mod common;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use baobei::title::{Segmenter, TokenKind};
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
    let (_, err) = baobei(dir, &["keywords", "derive"]);
    let derived = started.elapsed().as_secs_f64();
    let started = Instant::now();
    assert!(err.contains("from 3497 listings"), "{err}");
    assert!(err.contains("over 2016-11-05~2016-11-14"), "{err}");

    let table =
        baobei::market::table::KeywordTable::open(dir.join("baobei-workspace/keywords.bkw"))
            .unwrap();
    let segmenter = Arc::new(baobei::title::Segmenter::builtin());
    let index = baobei::market::index::ListingIndex::create_or_open(
        dir.join("baobei-workspace/index"),
        segmenter,
    )
    .unwrap();
    let all = baobei::market::index::Filter::default();

    // 面霜: derived, with demand, covered by the face-cream listings, as the index counts.
    let cream = table.get("面霜").unwrap().expect("面霜 is derived");
    assert_eq!(cream.stats.source, baobei::market::table::Source::Derived);
    assert!(cream.stats.demand.unwrap() > 0.0);
    let covering: BTreeSet<String> = index
        .covering_ids("面霜", &all)
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(cream.stats.online_items, Some(covering.len() as u64));
    let market = raw_market(&csv_path);
    let creams: BTreeSet<String> = market
        .iter()
        .filter(|(_, (title, _))| title.contains("面霜"))
        .map(|(id, _)| id.clone())
        .collect();
    assert!(
        covering.is_subset(&creams),
        "only face-cream titles cover 面霜"
    );
    assert!(
        covering.len() * 10 >= creams.len() * 9,
        "{} of {} face-cream titles cover 面霜 (the rest split 面霜 across words)",
        covering.len(),
        creams.len()
    );

    // Every derived row agrees with the index's term statistics (a separate code path: tantivy
    // queries per word instead of in-memory postings). Checked on every 7th row, for time.
    let mut checked = 0;
    for row in table.iter().step_by(7) {
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
    const SUPPORT: u64 = 30;
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
            "10",
            "--format",
            "json",
        ],
    );
    let top = json_lines(&top);
    assert_eq!(top.len(), 10);
    let tenth = rising[9].0;
    for row in &top {
        let g = row["growth"].as_f64().unwrap();
        assert!(
            g >= tenth - 1e-9,
            "{row} is below the 10th fastest ({tenth})"
        );
    }
    assert_eq!(top[0]["keyword"], rising[0].1.as_str());
    // Against the raw file: the fastest words outgrow the market as a whole.
    let whole = raw_growth(&market, &[]);
    let raw: Vec<(String, f64)> = top
        .iter()
        .map(|r| {
            let keyword = r["keyword"].as_str().unwrap();
            (
                keyword.to_owned(),
                raw_growth(&market, &index.query_tokens(keyword)),
            )
        })
        .collect();
    let outgrow = raw.iter().filter(|(_, g)| *g > whole).count();
    assert!(
        outgrow >= 8,
        "{outgrow} of 10 outgrow the market ({whole:.3}): {raw:?}"
    );

    eprintln!(
        "\nreal-data market model: {} listings, 10 snapshots indexed in {indexed:.2} s; \
         {} keywords derived in {derived:.2} s; {checked} rows checked against term_stats in {checking:.2} s",
        index.stats().unwrap().listings,
        table.len()
    );
    eprintln!(
        "面霜: demand {} over {} listings, growth {:.3}; market growth {whole:.3}",
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

// ---- the title engine on real data ----

mod engine {
    use std::collections::BTreeMap;
    use std::sync::Arc;
    use std::time::Instant;

    use baobei::input::Date;
    use baobei::item::Item;
    use baobei::keyword::{KeywordUniverse, UniverseOptions, ValueModel};
    use baobei::market::derive::{DeriveOptions, derive};
    use baobei::market::index::{Listing, ListingIndex, Role, WriterOptions};
    use baobei::market::table::{KeywordTable, TableBuilder};
    use baobei::title::compose::{ComposeOptions, Composer, Rewrite};
    use baobei::title::lint::{Problem, ProblemKind, lint};
    use baobei::title::score::{ScoreConfig, Scorer};
    use baobei::title::text::{fold, gbk_len, is_cjk};
    use baobei::title::{Segmented, Segmenter};
    use rayon::prelude::*;

    use super::{Labelled, common, trimmed};

    /// The shop whose titles are rewritten against the rest of the market.
    const SHOP: &str = "自然堂";

    /// Latest snapshot per item: (id, title, sales, shop).
    fn listings(dir: &std::path::Path) -> Vec<(String, String, u64, String, Date)> {
        let mut reader = csv::Reader::from_path(dir.join("tmall-beauty-double11.csv")).unwrap();
        let mut latest: BTreeMap<String, (Date, String, u64, String)> = BTreeMap::new();
        for row in reader.records() {
            let row = row.unwrap();
            let d: Vec<u16> = row[0].split('/').map(|x| x.parse().unwrap()).collect();
            let date = Date::new(d[0], d[1] as u8, d[2] as u8).unwrap();
            let sales = row[4].parse::<f64>().map_or(0, |x| x as u64);
            let e = latest.entry(row[1].to_owned()).or_insert((
                date,
                row[2].to_owned(),
                sales,
                row[6].to_owned(),
            ));
            if date >= e.0 {
                *e = (date, row[2].to_owned(), sales.max(e.2), row[6].to_owned());
            }
        }
        latest
            .into_iter()
            .map(|(id, (date, title, sales, shop))| (id, title, sales, shop, date))
            .collect()
    }

    struct Tally {
        name: &'static str,
        items: usize,
        over: usize,
        prohibited: usize,
        repeated: usize,
        /// Titles with a repeat or prohibited word inside the labelled brand or product word
        /// itself, which a rewrite keeps.
        in_names: usize,
        /// Titles with no violation whose new score is below the old.
        worse: usize,
        /// Titles with a violation whose fix cost score (allowed: the constraint comes first).
        fixed_lower: usize,
        changed: usize,
        brand: (usize, usize),
        product: (usize, usize),
        uplift: Vec<f64>,
        per_sec: f64,
    }

    /// Whether a problem lies inside the labelled names (folded), which a rewrite must keep:
    /// a prohibited word inside one (酷冷至尊), a repeat inside one name (好上好) or shared by
    /// two (奥立泰 奥硝唑胶囊). The same name written twice is a real repeat. The earlier
    /// occurrence is found as lint pairs them: the same word, or a Chinese word at the edge.
    fn inside_name(seg: &Segmented<'_>, names: &[String], p: &Problem) -> bool {
        let folded = seg.folded();
        let holder = |a: usize, b: usize| {
            names.iter().filter(|n| !n.is_empty()).find_map(|n| {
                folded.match_indices(n.as_str()).find_map(|(at, m)| {
                    let start = folded[..at].chars().count();
                    (start <= a && b <= start + m.chars().count()).then_some((n, start))
                })
            })
        };
        if p.kind == ProblemKind::Prohibited {
            return holder(p.start, p.end).is_some();
        }
        let key = fold(&p.text);
        let chinese = |k: &str| k.chars().count() >= 2 && k.chars().all(is_cjk);
        let before = || seg.words().filter(|t| t.end as usize <= p.start);
        let earlier = before().find(|t| seg.key(t) == key).or_else(|| {
            before().find(|t| {
                let k = seg.key(t);
                chinese(k)
                    && chinese(&key)
                    && (k.starts_with(&key)
                        || k.ends_with(&key)
                        || key.starts_with(k)
                        || key.ends_with(k))
            })
        });
        let Some(earlier) = earlier else {
            return false;
        };
        match (
            holder(p.start, p.end),
            holder(earlier.start as usize, earlier.end as usize),
        ) {
            (Some(l), Some(e)) => l == e || l.0 != e.0,
            _ => false,
        }
    }

    /// The hard-constraint violations of a title: over budget, prohibited, repeated (except
    /// inside the names), empty; and the repeats inside the names.
    fn violations(
        segmenter: &Segmenter,
        title: &str,
        names: &[String],
    ) -> (Vec<Problem>, Vec<Problem>) {
        let seg = segmenter.segment(title);
        let (in_names, hard): (Vec<Problem>, Vec<Problem>) = lint(&seg, segmenter, 60)
            .into_iter()
            .filter(|p| {
                matches!(
                    p.kind,
                    ProblemKind::OverBudget
                        | ProblemKind::Prohibited
                        | ProblemKind::RepeatedWord
                        | ProblemKind::EmptyTitle
                )
            })
            .partition(|p| {
                matches!(p.kind, ProblemKind::RepeatedWord | ProblemKind::Prohibited)
                    && inside_name(&seg, names, p)
            });
        (hard, in_names)
    }

    fn tally(
        name: &'static str,
        segmenter: &Segmenter,
        items: &[Item],
        products: &[Vec<String>],
        composer: &Composer<'_>,
    ) -> Tally {
        let started = Instant::now();
        let rewrites: Vec<Rewrite> = items.par_iter().map(|i| composer.rewrite(i)).collect();
        let per_sec = items.len() as f64 / started.elapsed().as_secs_f64();
        let mut t = Tally {
            name,
            items: items.len(),
            over: 0,
            prohibited: 0,
            repeated: 0,
            in_names: 0,
            worse: 0,
            fixed_lower: 0,
            changed: 0,
            brand: (0, 0),
            product: (0, 0),
            uplift: Vec::new(),
            per_sec,
        };
        for ((item, r), labels) in items.iter().zip(&rewrites).zip(products) {
            let folded = fold(&r.title);
            // The names the item was given (the labelled brand and first product word).
            let names: Vec<String> = item
                .brand
                .iter()
                .chain(&item.product)
                .map(|n| fold(n))
                .collect();
            // Every output title counts, changed or not.
            let (bad, in_names) = violations(segmenter, &r.title, &names);
            let has = |k| bad.iter().any(|p: &Problem| p.kind == k);
            t.over += usize::from(gbk_len(&r.title) > 60);
            t.prohibited += usize::from(has(ProblemKind::Prohibited));
            t.repeated += usize::from(has(ProblemKind::RepeatedWord));
            if !bad.is_empty() {
                eprintln!(
                    "  violation: {} -> {} ({}) {:?}",
                    item.title, r.title, r.reason, bad
                );
            }
            if !in_names.is_empty() {
                t.in_names += 1;
                eprintln!(
                    "  inside the brand or product word (kept): {} -> {} ({})",
                    item.title,
                    r.title,
                    in_names
                        .iter()
                        .map(|p| p.text.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            let had_violation = !violations(segmenter, &item.title, &names).0.is_empty();
            if r.new_score.score < r.old.score.score {
                if had_violation {
                    t.fixed_lower += 1;
                } else {
                    t.worse += 1;
                    eprintln!(
                        "  worse: {} ({}) -> {} ({})",
                        item.title, r.old.score.score, r.title, r.new_score.score
                    );
                }
            }
            t.changed += usize::from(r.changed);
            t.uplift.push(r.new_score.score - r.old.score.score);
            if let Some(b) = &item.brand {
                t.brand.0 += 1;
                if folded.contains(&fold(b)) {
                    t.brand.1 += 1;
                } else {
                    eprintln!("  brand lost: {} -> {}", item.title, r.title);
                }
            }
            if !labels.is_empty() {
                t.product.0 += 1;
                if labels.iter().any(|p| folded.contains(&fold(p))) {
                    t.product.1 += 1;
                } else {
                    eprintln!("  product lost: {} -> {}", item.title, r.title);
                }
            }
        }
        t.uplift.sort_by(f64::total_cmp);
        let pct = |(d, n): (usize, usize)| 100.0 * n as f64 / d.max(1) as f64;
        eprintln!(
            "{}: {} items, within budget {:.2}%, prohibited {}, repeated {} (repeat or prohibited \
             inside the labelled brand or product word, kept: {}), new score below old {} (and in {} titles whose \
             violation was fixed), brand kept {:.2}% of {}, product word kept {:.2}% of {}, \
             changed {:.1}%, median uplift {:+.1}, {:.0} items/s",
            t.name,
            t.items,
            100.0 * (t.items - t.over) as f64 / t.items.max(1) as f64,
            t.prohibited,
            t.repeated,
            t.in_names,
            t.worse,
            t.fixed_lower,
            pct(t.brand),
            t.brand.0,
            pct(t.product),
            t.product.0,
            100.0 * t.changed as f64 / t.items.max(1) as f64,
            t.uplift.get(t.uplift.len() / 2).copied().unwrap_or(0.0),
            t.per_sec
        );
        t
    }

    #[test]
    fn rewrites_real_titles_within_every_constraint() {
        let Some(dir) = common::shared_data() else {
            return;
        };
        let segmenter = Arc::new(Segmenter::builtin());
        let all = listings(&dir);
        let market: Vec<_> = all.iter().filter(|l| l.3 != SHOP).collect();
        let own: Vec<_> = all.iter().filter(|l| l.3 == SHOP).collect();
        assert!(own.len() > 50 && market.len() > 1000);

        let tmp = tempfile::tempdir().unwrap();
        let index =
            ListingIndex::create_or_open(tmp.path().join("index"), segmenter.clone()).unwrap();
        {
            let mut w = index.writer(WriterOptions::default()).unwrap();
            for (id, title, sales, shop, date) in &market {
                w.upsert(&Listing {
                    id: id.clone(),
                    title: title.clone(),
                    brand: None,
                    product: None,
                    category: None,
                    shop: Some(shop.clone()),
                    price: None,
                    sales: Some(*sales),
                    role: Role::Competitor,
                    snapshot: *date,
                })
                .unwrap();
            }
            w.commit().unwrap();
        }
        index.reload().unwrap();
        let table_path = tmp.path().join("keywords.bkw");
        // The real `keywords derive` over the market's listings (the shop's own are not indexed).
        let derivation = derive(&index, &[], &DeriveOptions::default(), &|_| {}).unwrap();
        let mut builder = TableBuilder::new();
        let derived = derivation.insert_into(&mut builder).unwrap();
        assert!(derived > 1000, "{derived} keywords derived");
        builder.write(&table_path).unwrap();
        let table = KeywordTable::open(&table_path).unwrap();
        let universe = KeywordUniverse::from_table(
            &table,
            segmenter.clone(),
            ValueModel::default(),
            UniverseOptions::default(),
        )
        .unwrap()
        .with_index(Arc::new(index));
        let config = ScoreConfig::default();
        let composer = Composer {
            scorer: Scorer {
                universe: &universe,
                config: &config,
                budget: 60,
            },
            options: ComposeOptions::default(),
        };

        // (a) one shop's Double-11 titles against the rest of the market.
        let items: Vec<Item> = own
            .iter()
            .map(|l| Item::new(l.0.clone(), l.1.clone()))
            .collect();
        let none = vec![Vec::new(); items.len()];
        let shop = tally("shop", &segmenter, &items, &none, &composer);

        // (b) the labelled titles, their labels as the item's brand and product word.
        let text = std::fs::read_to_string(dir.join("taobao-titles-ner-train.jsonl")).unwrap();
        let mut items = Vec::new();
        let mut products = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let l: Labelled = serde_json::from_str(line).unwrap();
            let chars: Vec<char> = l.title.chars().collect();
            let span_text = |s: &super::Span| {
                trimmed(&chars, s).map(|(a, b)| chars[a..b].iter().collect::<String>())
            };
            let brand = l.brands.iter().find_map(span_text);
            let labels: Vec<String> = l.products.iter().filter_map(span_text).collect();
            items.push(Item {
                brand,
                product: labels.first().cloned(),
                ..Item::new(n.to_string(), l.title.clone())
            });
            products.push(labels);
        }
        let labelled = tally("labelled", &segmenter, &items, &products, &composer);

        // The figures, exactly.
        for t in [&shop, &labelled] {
            assert_eq!(t.over, 0, "{}: titles over 60 bytes", t.name);
            assert_eq!(t.prohibited, 0, "{}: titles with a prohibited word", t.name);
            assert_eq!(t.repeated, 0, "{}: titles with a repeated word", t.name);
            assert_eq!(
                t.worse, 0,
                "{}: titles without a violation scored lower",
                t.name
            );
        }
        let pct = |(d, n): (usize, usize)| n as f64 / d.max(1) as f64;
        assert!(
            pct(labelled.brand) >= 0.99,
            "brand kept {:?}",
            labelled.brand
        );
        assert!(
            pct(labelled.product) >= 0.98,
            "product kept {:?}",
            labelled.product
        );
        assert!(shop.changed > 0 && labelled.changed > 0);
    }
}
