//! Evaluation on real Taobao titles with hand-labelled brand and product spans
//! (`../shared/data/taobao-titles-ner-train.jsonl`), side by side with bare jieba-rs.
//!
//! Two measures per label kind: the share of spans that no token crosses (a token that starts
//! or ends inside the span and reaches outside it), and the share recognised: a token exactly
//! on the span with the right kind. Run with `--nocapture` to see the table.

mod common;

use std::collections::HashSet;
use std::fs;

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
