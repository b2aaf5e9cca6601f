//! The title engine on real titles: score (segment + coverage + lint) on one thread, and
//! rewrite on one and two threads. Targets: score at least 350k titles/s on one core, rewrite
//! at least 20k items/s on two, and at least 1.7x from one to two threads (printed from
//! interleaved passes). Run: `cargo bench --bench title_engine`. Score includes segmentation
//! and lint, which take most of its time (see the closing note's segmentation figures).
//!
//! The market is the real product path: the titles as listings, the 100k real queries of
//! `../shared/data` as `keywords derive` values them (the titles carry no sales, so a query is
//! worth its searches).

use std::hint::black_box;
use std::sync::Arc;

mod common;

use baobei::input::Date;
use baobei::item::Item;
use baobei::keyword::{KeywordUniverse, UniverseOptions, ValueModel};
use baobei::market::derive::{DeriveOptions, derive_from};
use baobei::market::index::{Listing, ListingHistory, Role};
use baobei::text::Segmenter;
use baobei::title::edit::Editor;
use baobei::title::score::Scorer;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rayon::prelude::*;

/// The titles as one day's listings, valued by the real queries.
fn market(segmenter: &Arc<Segmenter>, titles: &[String]) -> KeywordUniverse {
    let day = Date::new(2016, 11, 11).unwrap();
    let listings: Vec<ListingHistory> = titles
        .iter()
        .enumerate()
        .map(|(i, t)| ListingHistory {
            listing: Listing {
                id: i.to_string(),
                title: t.clone(),
                brand: None,
                product: None,
                category: None,
                shop: None,
                price: None,
                sales: None,
                role: Role::Industry,
                snapshot: day,
            },
            snapshots: Vec::new(),
        })
        .collect();
    let derived = derive_from(
        &listings,
        segmenter,
        &common::real_queries(),
        &DeriveOptions::default(),
        &|_| {},
    );
    let model = ValueModel::default();
    let period = derived.period.expect("a day");
    let rows = derived
        .keywords
        .iter()
        .filter_map(|k| {
            Some((
                k.keyword.clone(),
                k.category.clone(),
                model.value(&k.stats(period))?,
            ))
        })
        .collect();
    KeywordUniverse::from_values(rows, segmenter.clone(), model, UniverseOptions::default())
}

fn bench(c: &mut Criterion) {
    let titles = common::real_titles();
    let segmenter = Arc::new(Segmenter::builtin());
    let universe = market(&segmenter, &titles);
    assert!(universe.len() > 1000, "{} queries", universe.len());
    let editor = Editor {
        scorer: Scorer {
            universe: &universe,
            budget: 60,
        },
    };
    let items: Vec<Item> = titles
        .iter()
        .enumerate()
        .map(|(i, t)| Item::new(i.to_string(), t.clone()))
        .collect();
    // Warm the candidate cache, as a long batch would have it.
    items.iter().for_each(|i| {
        editor.score_item(i);
    });

    let mut group = c.benchmark_group("title_engine");
    group.sample_size(10);
    group.throughput(Throughput::Elements(items.len() as u64));
    group.bench_function("score, 1 thread", |b| {
        b.iter(|| {
            let covered: usize = items
                .iter()
                .map(|i| editor.score_item(black_box(i)).score.found.len())
                .sum();
            assert!(covered > 0, "titles are found for queries");
            covered
        })
    });
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        group.bench_function(format!("rewrite, {threads} thread(s)"), |b| {
            b.iter(|| {
                let changed = pool.install(|| {
                    items
                        .par_iter()
                        .filter(|i| editor.rewrite(black_box(i)).changed)
                        .count()
                });
                assert!(changed > 0, "some titles are edited");
                changed
            })
        });
    }
    group.finish();

    // The speed-up from one to two threads, from interleaved passes: the machine is shared, and
    // criterion's sequential runs see different loads.
    let pools: Vec<rayon::ThreadPool> = [1, 2]
        .iter()
        .map(|&n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .unwrap()
        })
        .collect();
    let mut rates: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    for _ in 0..5 {
        for (pool, rate) in pools.iter().zip(rates.iter_mut()) {
            let started = std::time::Instant::now();
            let changed = pool.install(|| {
                items
                    .par_iter()
                    .filter(|i| editor.rewrite(black_box(i)).changed)
                    .count()
            });
            assert!(changed > 0);
            rate.push(items.len() as f64 / started.elapsed().as_secs_f64());
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (one, two) = (median(&mut rates[0]), median(&mut rates[1]));
    eprintln!(
        "rewrite, interleaved medians of 5: 1 thread {one:.0} items/s, 2 threads {two:.0} items/s, speed-up {:.2}x",
        two / one
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
