//! The listing index: build throughput on one thread, query construction, similar top-10.
//! Targets (performance.md): build >= 150k listings/s on one thread, query parse <= 10 µs,
//! similar top-10 <= 1 ms on 1M listings. Run: `cargo bench --bench listing_index`.
//! `BAOBEI_BENCH_LISTINGS` caps the large index (default 1,000,000; it also stops after 45 s).

mod common;

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use baobei::input::Date;
use baobei::market::index::{Filter, Listing, ListingIndex, Role, TitleTokenizer, WriterOptions};
use baobei::text::Segmenter;
use criterion::{Criterion, criterion_group, criterion_main};
use tantivy::tokenizer::{TokenStream, Tokenizer};

/// xorshift64*: deterministic, no extra crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Synthetic listings whose titles are 8-14 words drawn from the real titles' words (kept to
/// about 30 characters, the Taobao budget), over 20 categories and the three roles.
struct Generator {
    words: Vec<String>,
    rng: Rng,
    next_id: u64,
}

impl Generator {
    fn new(segmenter: &Segmenter, titles: &[String]) -> Generator {
        let mut words: Vec<String> = titles
            .iter()
            .flat_map(|t| {
                let seg = segmenter.segment(t);
                seg.words()
                    .map(|w| seg.text(w).to_owned())
                    .collect::<Vec<_>>()
            })
            .collect();
        words.sort();
        words.dedup();
        Generator {
            words,
            rng: Rng(0x9e37_79b9_7f4a_7c15),
            next_id: 0,
        }
    }

    fn listing(&mut self) -> Listing {
        let mut title = String::new();
        let n = 8 + self.rng.below(7);
        for _ in 0..n {
            let word = &self.words[self.rng.below(self.words.len())];
            if title.chars().count() + word.chars().count() > 30 {
                break;
            }
            title.push_str(word);
        }
        self.next_id += 1;
        Listing {
            id: format!("B{}", self.next_id),
            title,
            brand: None,
            product: None,
            category: Some(format!("类目{}", self.rng.below(20))),
            shop: None,
            price: Some((self.rng.below(50_000) as f64) / 100.0),
            sales: Some(self.rng.below(100_000) as u64),
            role: [Role::Own, Role::Competitor, Role::Industry][self.rng.below(3)],
            snapshot: Date::new(2024, 6, 1).unwrap(),
        }
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn bench(c: &mut Criterion) {
    let titles = common::real_titles();
    let segmenter = Arc::new(Segmenter::builtin());
    let mut generator = Generator::new(&segmenter, &titles);
    let one_thread = WriterOptions {
        memory_budget: 100_000_000,
        threads: 1,
    };

    // Build: 100k listings, one thread, one commit, fresh index per pass; median of 3 passes.
    let batch: Vec<Listing> = (0..100_000).map(|_| generator.listing()).collect();
    let rates: Vec<f64> = (0..3)
        .map(|_| {
            let dir = tempfile::tempdir().unwrap();
            let index = ListingIndex::create_or_open(dir.path(), segmenter.clone()).unwrap();
            let mut writer = index.writer(one_thread).unwrap();
            let t = Instant::now();
            for l in &batch {
                writer.upsert(l).unwrap();
            }
            writer.commit().unwrap();
            batch.len() as f64 / t.elapsed().as_secs_f64()
        })
        .collect();
    eprintln!(
        "build, 1 thread, 100 MB: median {:.0} listings/s over 3 passes of {} (min {:.0}, max {:.0})",
        median(rates.clone()),
        batch.len(),
        rates.iter().cloned().fold(f64::INFINITY, f64::min),
        rates.iter().cloned().fold(0.0, f64::max),
    );

    // What the writer thread spends on baobei's tokenizer alone (segmentation + sub-words).
    let mut tokenizer = TitleTokenizer::for_index(segmenter.clone());
    let t = Instant::now();
    let mut terms = 0;
    for l in &batch {
        let mut stream = tokenizer.token_stream(&l.title);
        while stream.advance() {
            terms += 1;
        }
    }
    eprintln!(
        "index tokenizer alone: {:.0} titles/s ({:.1} terms per title)",
        batch.len() as f64 / t.elapsed().as_secs_f64(),
        terms as f64 / batch.len() as f64
    );

    // The large index: as many listings as fit in the cap or 45 s, two threads.
    let cap: usize = std::env::var("BAOBEI_BENCH_LISTINGS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let index = ListingIndex::create_or_open(dir.path(), segmenter.clone()).unwrap();
    let mut writer = index
        .writer(WriterOptions {
            memory_budget: 400_000_000,
            threads: 2,
        })
        .unwrap();
    let t = Instant::now();
    let mut built = 0;
    while built < cap && t.elapsed() < Duration::from_secs(45) {
        for _ in 0..10_000 {
            writer.upsert(&generator.listing()).unwrap();
        }
        built += 10_000;
    }
    writer.commit().unwrap();
    drop(writer);
    let stats = index.stats().unwrap();
    eprintln!(
        "large index: {} listings in {:.1} s (2 threads), {} segments, {:.0} MB on disk",
        stats.listings,
        t.elapsed().as_secs_f64(),
        stats.segments,
        stats.bytes_on_disk as f64 / 1e6
    );

    let filter = Filter::default();
    let mut i = 0;
    c.bench_function("listing_index/query parse (real title)", |b| {
        b.iter(|| {
            i = (i + 1) % titles.len();
            black_box(index.similar_query(black_box(&titles[i]), &filter))
        })
    });
    let label = format!(
        "listing_index/similar top-10 on {} listings",
        stats.listings
    );
    c.bench_function(&label, |b| {
        b.iter(|| {
            i = (i + 1) % titles.len();
            black_box(index.similar(black_box(&titles[i]), 10, &filter).unwrap())
        })
    });
    let category = Filter {
        role: Some(Role::Competitor),
        category: Some("类目3".to_owned()),
    };
    c.bench_function(
        "listing_index/similar top-10, role + category filter",
        |b| {
            b.iter(|| {
                i = (i + 1) % titles.len();
                black_box(index.similar(black_box(&titles[i]), 10, &category).unwrap())
            })
        },
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
