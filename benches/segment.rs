//! baobei's segmentation against bare jieba-rs `cut` on the same real titles.
//! Target: within 1.2x of bare jieba-rs. Run: `cargo bench --bench segment`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use baobei::title::Segmenter;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Distinct real titles from `../shared/data` (the bench refuses to run without them).
fn titles() -> Vec<String> {
    let dir = std::env::var_os("BAOBEI_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let csv = std::fs::read_to_string(dir.join("tmall-beauty-double11.csv"))
        .unwrap_or_else(|e| panic!("{}: real titles needed for this bench: {e}", dir.display()));
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let mut titles: Vec<String> = reader
        .records()
        .map(|r| r.expect("valid CSV")[2].to_owned())
        .collect();
    let jsonl = std::fs::read_to_string(dir.join("taobao-titles-ner-train.jsonl"))
        .expect("labelled titles");
    for line in jsonl.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("valid JSON line");
        titles.push(v["title"].as_str().expect("title").to_owned());
    }
    titles.sort();
    titles.dedup();
    titles
}

fn bench(c: &mut Criterion) {
    let titles = titles();
    let bytes: usize = titles.iter().map(String::len).sum();
    let jieba = jieba_rs::Jieba::new();
    let segmenter = Segmenter::builtin();

    let mut group = c.benchmark_group("segment");
    group.throughput(Throughput::Elements(titles.len() as u64));
    group.bench_function("bare jieba-rs cut", |b| {
        b.iter(|| {
            let n: usize = titles
                .iter()
                .map(|t| jieba.cut(black_box(t), false).len())
                .sum();
            assert!(n > titles.len());
            n
        })
    });
    group.bench_function("baobei segment", |b| {
        b.iter(|| {
            let n: usize = titles
                .iter()
                .map(|t| segmenter.segment(black_box(t)).tokens.len())
                .sum();
            assert!(n > titles.len());
            n
        })
    });
    group.finish();
    eprintln!("{} titles, {} bytes", titles.len(), bytes);

    // The machine is noisy (2 shared cores): alternate the two, pass by pass, and report the
    // median of the per-pass ratios, so both run under the same load.
    let mut ratios: Vec<f64> = (0..21)
        .map(|_| {
            let t = Instant::now();
            let a: usize = titles
                .iter()
                .map(|t| jieba.cut(black_box(t), false).len())
                .sum();
            let bare = t.elapsed();
            let t = Instant::now();
            let b: usize = titles
                .iter()
                .map(|t| segmenter.segment(black_box(t)).tokens.len())
                .sum();
            let ours = t.elapsed();
            assert!(a > 0 && b > 0);
            ours.as_secs_f64() / bare.as_secs_f64()
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    eprintln!(
        "baobei segment / bare jieba-rs cut, interleaved median of 21: {:.2}x",
        ratios[10]
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
