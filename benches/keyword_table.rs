//! Keyword table: lookup hit and miss latency, and open time for 10k vs 1M rows.
//!
//! Keywords are built from the real queries in `../shared/data/taobao-queries.tsv` (the 100k
//! queries themselves plus synthetic "query + word of another query" combinations up to
//! 1.1M); without that file the bench says so and falls back to synthetic CJK keywords. The
//! statistics are synthetic. Lookups visit all 1M keywords in a shuffled order: the worst case
//! for caches, since real titles hit a small set of hot keywords far more often; `hot_1k` (1,000
//! keywords of the 1M table) and `same_key` (one keyword: the pure CPU cost) bracket it.
//! `get_many24_*` look up 24 keywords per call, a title's worth, with `get_many`: criterion's
//! time is per call, its throughput per keyword (ns per lookup = 1000 / Melem/s).

use std::collections::HashSet;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use baobei::market::table::{KeywordStats, KeywordTable, Period, Source, TableBuilder};
use baobei::text::chars::normal_form;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const ROWS: usize = 1_000_000;
const MISSES: usize = 100_000;
/// Words the title scorer looks up per title (performance.md): the `get_many` batch size.
const TITLE_WORDS: usize = 24;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// `ROWS + MISSES` distinct normalised keywords.
fn keywords(rng: &mut Rng) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/taobao-queries.tsv");
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(ROWS + MISSES);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            eprintln!("keyword_table: keywords from {}", path.display());
            let queries: Vec<String> = text
                .lines()
                .filter_map(|l| l.split_once('\t'))
                .map(|(_, q)| normal_form(q).into_owned())
                .filter(|q| !q.is_empty())
                .collect();
            let words: Vec<&str> = queries.iter().flat_map(|q| q.split(' ')).collect();
            for q in &queries {
                if seen.insert(q.clone()) {
                    out.push(q.clone());
                }
            }
            while out.len() < ROWS + MISSES {
                let q = &queries[rng.below(queries.len())];
                let w = words[rng.below(words.len())];
                let k = format!("{q} {w}");
                if seen.insert(k.clone()) {
                    out.push(k);
                }
            }
        }
        Err(e) => {
            eprintln!(
                "keyword_table: {} not readable ({e}): using SYNTHETIC keywords",
                path.display()
            );
            while out.len() < ROWS + MISSES {
                let len = 2 + rng.below(7);
                let k: String = (0..len)
                    .map(|_| char::from_u32(0x4E00 + rng.below(3000) as u32).unwrap())
                    .collect();
                if seen.insert(k.clone()) {
                    out.push(k);
                }
            }
        }
    }
    out
}

fn stats(rng: &mut Rng) -> KeywordStats {
    let mut s = KeywordStats::new(Period::new(20240601, 20240630), Source::BusinessAdvisor);
    s.popularity = Some(rng.below(100_000) as f64);
    s.demand = Some(rng.below(1_000_000) as f64);
    s.ctr = Some(rng.below(1000) as f64 / 10_000.0);
    s.cvr = Some(rng.below(1000) as f64 / 20_000.0);
    s.online_items = Some(rng.below(10_000_000) as u64);
    s.reference_cpc = Some(rng.below(500) as f64 / 100.0);
    s
}

fn write_table(dir: &Path, name: &str, keys: &[String], rng: &mut Rng) -> PathBuf {
    let path = dir.join(name);
    let started = Instant::now();
    let mut builder = TableBuilder::new();
    for k in keys {
        builder.insert(k, "女装>连衣裙", stats(rng)).unwrap();
    }
    let summary = builder.write(&path).unwrap();
    eprintln!(
        "keyword_table: built {} rows, {:.1} MiB, in {:.2} s",
        summary.rows,
        summary.bytes as f64 / (1 << 20) as f64,
        started.elapsed().as_secs_f64()
    );
    assert_eq!(summary.rows, keys.len());
    path
}

/// Keys concatenated in probe order.
struct Probes {
    text: String,
    ends: Vec<usize>,
}

impl Probes {
    fn new<'a>(keys: impl Iterator<Item = &'a str>) -> Probes {
        let mut text = String::new();
        let mut ends = Vec::new();
        for k in keys {
            text.push_str(k);
            ends.push(text.len());
        }
        Probes { text, ends }
    }

    fn get(&self, i: usize) -> &str {
        let i = i % self.ends.len();
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }
}

fn bench(c: &mut Criterion) {
    let mut rng = Rng(42);
    let mut keys = keywords(&mut rng);
    let misses = keys.split_off(ROWS);
    let dir = tempfile::tempdir().unwrap();
    let big = write_table(dir.path(), "1m.bkw", &keys, &mut rng);
    let small = write_table(dir.path(), "10k.bkw", &keys[..10_000], &mut rng);

    // Probe lists laid out contiguously in probe order, so that fetching the next key is a
    // sequential read and the time measured is the table's, not the bench's.
    let mut order: Vec<usize> = (0..keys.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let hits_1m = Probes::new(order.iter().map(|&i| keys[i].as_str()));
    let hits_10k = Probes::new(
        order
            .iter()
            .filter(|&&i| i < 10_000)
            .map(|&i| keys[i].as_str()),
    );
    let hot_1k = Probes::new(order[..1000].iter().map(|&i| keys[i].as_str()));
    let same = Probes::new(order[..1].iter().map(|&i| keys[i].as_str()));
    let miss = Probes::new(misses.iter().map(String::as_str));
    let table = KeywordTable::open(&big).unwrap();
    let small_table = KeywordTable::open(&small).unwrap();
    // Touch every page once, so that the first samples do not pay the page faults.
    for i in 0..hits_1m.ends.len() {
        table.get(hits_1m.get(i)).unwrap();
    }
    eprintln!("keyword_table: 1M table mapping: {}", mapping_pages(&big));
    let mut group = c.benchmark_group("keyword_table");
    group.throughput(Throughput::Elements(1));

    for (name, table, probes, hit) in [
        ("get_hit_1m_shuffled", &table, &hits_1m, true),
        ("get_miss_1m", &table, &miss, false),
        ("get_hit_10k_shuffled", &small_table, &hits_10k, true),
        ("get_hit_1m_hot_1k", &table, &hot_1k, true),
        ("get_hit_1m_same_key", &table, &same, true),
    ] {
        let mut i = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                let key = probes.get(i);
                i += 1;
                let row = table.get(black_box(key)).unwrap();
                assert_eq!(row.is_some(), hit, "{key:?}");
                row.map(|r| r.stats.popularity)
            })
        });
    }
    // Batched: one title's worth of words per call, as the scorer asks (get_many).
    group.throughput(Throughput::Elements(TITLE_WORDS as u64));
    for (name, table, probes, hit) in [
        ("get_many24_hit_1m_shuffled", &table, &hits_1m, true),
        ("get_many24_miss_1m", &table, &miss, false),
        ("get_many24_hit_10k_shuffled", &small_table, &hits_10k, true),
        ("get_many24_hit_1m_hot_1k", &table, &hot_1k, true),
    ] {
        let mut i = 0;
        let mut keys: Vec<&str> = Vec::with_capacity(TITLE_WORDS);
        let mut out = Vec::with_capacity(TITLE_WORDS);
        group.bench_function(name, |b| {
            b.iter(|| {
                keys.clear();
                keys.extend((i..i + TITLE_WORDS).map(|j| probes.get(j)));
                i += TITLE_WORDS;
                table.get_many(black_box(&keys), &mut out).unwrap();
                assert!(out.iter().all(|r| r.is_some() == hit), "{keys:?}");
                out.last().and_then(|r| r.map(|r| r.stats.popularity))
            })
        });
    }
    group.throughput(Throughput::Elements(1));
    group.bench_function("open_10k", |b| {
        b.iter(|| {
            let t = KeywordTable::open(black_box(&small)).unwrap();
            assert_eq!(t.len(), 10_000);
            t
        })
    });
    group.bench_function("open_1m", |b| {
        b.iter(|| {
            let t = KeywordTable::open(black_box(&big)).unwrap();
            assert_eq!(t.len(), ROWS);
            t
        })
    });
    group.finish();

    let started = Instant::now();
    table.verify().unwrap();
    eprintln!(
        "keyword_table: verify() of 1M rows in {:.0} ms (the O(n) check open() skips)",
        started.elapsed().as_secs_f64() * 1e3
    );
}

/// Resident and huge-page-mapped sizes of the mapping of `path`, from `/proc/self/smaps`: the
/// random-lookup figures depend on whether the kernel mapped the table with 2 MiB pages.
fn mapping_pages(path: &Path) -> String {
    let Ok(smaps) = std::fs::read_to_string("/proc/self/smaps") else {
        return "no /proc/self/smaps".to_owned();
    };
    let name = path.display().to_string();
    let mut lines = smaps.lines().skip_while(|l| !l.ends_with(&name)).skip(1);
    let mut out = Vec::new();
    for line in lines.by_ref() {
        if line.contains(" r--") || line.contains(" r-x") || line.contains(" rw-") {
            break; // the next mapping
        }
        if line.starts_with("Rss:") || line.starts_with("FilePmdMapped:") {
            out.push(line.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }
    out.join(", ")
}

criterion_group!(benches, bench);
criterion_main!(benches);
