//! The nightly rescore at scale: own listings built from the real vocabulary (words of real
//! titles recombined into titles of real length), scored and rewritten against a market of
//! the real Tmall beauty listings with derived keyword statistics.
//!
//! Target: 1M own listings in <= 2 minutes on 2 cores, peak RSS <= 2 GiB. The default size is
//! 100k so that the bench fits a CI machine; measure the target with
//! `BAOBEI_RESCORE_ITEMS=1000000 cargo bench --bench rescore`. The peak RSS of the process is
//! printed after the runs (it includes building the fixture).

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Deterministic xorshift, so every run measures the same titles.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// `n` own listings: each takes a real title's first words (brand, product) and fills up to
/// ~56 GBK bytes with words drawn from other real titles.
fn own_listings(path: &Path, n: usize, titles: &[String]) {
    let segmenter = baobei::text::Segmenter::builtin();
    let words: Vec<Vec<String>> = titles
        .iter()
        .take(4000)
        .map(|t| {
            let seg = segmenter.segment(t);
            seg.tokens
                .iter()
                .map(|tok| seg.text(tok).to_owned())
                .collect()
        })
        .collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record(["宝贝ID", "标题", "价格", "销量"]).unwrap();
    for i in 0..n {
        let base = &words[rng.below(words.len())];
        let mut title: String = base.iter().take(3).cloned().collect();
        while baobei::text::chars::gbk_len(&title) < 50 {
            let other = &words[rng.below(words.len())];
            title.push_str(&other[rng.below(other.len())]);
        }
        let price = format!("{}.9", 20 + rng.below(300));
        let sales = (rng.below(5000)).to_string();
        w.write_record([&format!("{}", 100_000_000 + i), &title, &price, &sales])
            .unwrap();
    }
    w.flush().unwrap();
}

fn baobei(args: &[&str]) -> i32 {
    let mut argv = vec!["baobei", "--quiet"];
    argv.extend_from_slice(args);
    baobei::cli::run_from(argv)
}

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn rescore(c: &mut Criterion) {
    let n: usize = std::env::var("BAOBEI_RESCORE_ITEMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let data = std::env::var_os("BAOBEI_SHARED_DATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let market = data.join("tmall-beauty-double11.csv");
    let own = dir.path().join("own.csv");
    own_listings(&own, n, &common::real_titles());
    let ws = dir.path().join("ws");
    let ws = ws.to_str().unwrap();
    let market = market.to_str().unwrap();
    let own = own.to_str().unwrap();
    // The market, once: indexed, keywords derived.
    assert_eq!(
        baobei(&[
            "--workspace",
            ws,
            "index",
            "add",
            market,
            "--role",
            "competitor"
        ]),
        0
    );
    assert_eq!(baobei(&["--workspace", ws, "keywords", "derive"]), 0);

    let mut group = c.benchmark_group("rescore");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(1));
    group.throughput(Throughput::Elements(n as u64));
    let mut night = 0u32;
    group.bench_function(format!("own_listings_{n}"), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                night += 1;
                let date = format!("2030-01-{:02}", 1 + night % 28);
                let started = Instant::now();
                let code = baobei(&[
                    "--workspace",
                    ws,
                    "rescore",
                    "--listings",
                    own,
                    "--date",
                    &date,
                ]);
                total += started.elapsed();
                assert_eq!(code, 0, "rescore failed");
            }
            total
        })
    });
    group.finish();
    let runs = std::fs::read_dir(Path::new(ws).join("runs"))
        .unwrap()
        .count();
    assert!(runs >= 10, "every measured night left a run");
    if let Some(mib) = peak_rss_mib() {
        println!("rescore: {n} own listings; peak RSS of the bench process {mib:.0} MiB");
    }
}

criterion_group!(benches, rescore);
criterion_main!(benches);
