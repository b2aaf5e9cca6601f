//! baobei's segmentation against bare jieba-rs `cut` on the same real titles.
//! Target: within 1.2x of bare jieba-rs. Run: `cargo bench --bench segment`.

use std::hint::black_box;
use std::time::Instant;

mod common;

use baobei::text::Segmenter;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let titles = common::real_titles();
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
