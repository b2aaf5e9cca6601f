//! The nightly job at scale: own listings built from the real vocabulary (words of real
//! titles recombined into titles of real length), scored and rewritten against a market of
//! the real Tmall beauty listings with keyword statistics derived from the real query log.
//!
//! Target: 1M own listings in <= 2 minutes on 2 cores, peak RSS <= 2 GiB; a second night
//! with 10% of the listings changed in <= 30 s. Each night runs [`baobei::runs::night::run`]
//! in a child process (this bench re-run with `BAOBEI_RESCORE_NIGHT` set), so that its wall
//! time, CPU share ((user + sys) / wall) and peak RSS are the job's alone, not the fixture's.
//!
//! The default size is 100k: the first and a 10%-changed second night are measured once,
//! then criterion times repeated unchanged nights. `BAOBEI_RESCORE_ITEMS=1000000 cargo bench
//! --bench rescore` measures the 1M target (the two nights only: ten samples of it would take
//! half an hour).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use baobei::runs::night::{self, NightOptions, Rejects};
use criterion::{Criterion, Throughput};

/// Set in the child that runs one night: `WORKSPACE\tLISTINGS\tDATE`.
const NIGHT_VAR: &str = "BAOBEI_RESCORE_NIGHT";
/// Sizes above this measure the two nights only.
const CRITERION_MAX: usize = 200_000;

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
/// ~56 GBK bytes with words drawn from other real titles. With `changed`, every tenth
/// listing's title gains a word (the second night's changes).
fn own_listings(path: &Path, n: usize, titles: &[String], changed: bool) {
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
        if changed && i.is_multiple_of(10) {
            title.push('新');
        }
        let price = format!("{}.9", 20 + rng.below(300));
        let sales = (rng.below(5000)).to_string();
        w.write_record([&format!("{}", 100_000_000 + i), &title, &price, &sales])
            .unwrap();
    }
    w.flush().unwrap();
}

/// The child's side: one night over the workspace, nothing printed.
fn night_in_child(spec: &str) {
    let mut parts = spec.split('\t');
    let (ws, listings, date) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let options = NightOptions {
        listings: vec![PathBuf::from(listings)],
        date: baobei::input::parse_date(date).unwrap(),
        ..NightOptions::new(ws)
    };
    let dicts = baobei::dictionary::Dictionaries::builtin();
    let outcome = night::run(&options, dicts, &mut Rejects::new(), &|_, _| {}).unwrap();
    let counts = &outcome.run.manifest().counts;
    assert!(counts.items > 0, "the night scored nothing");
    let stages: Vec<String> = outcome
        .run
        .manifest()
        .timings
        .iter()
        .map(|(stage, secs)| format!("{stage} {secs:.1}"))
        .collect();
    println!("  stages (s): {}", stages.join(", "));
}

/// What one night cost: wall time, CPU seconds (user + sys) and peak RSS of the child.
struct Cost {
    wall: Duration,
    cpu: f64,
    peak_mib: f64,
}

/// Runs one night in a child process and measures it with `wait4` (which reaps it: std's
/// `wait` gives no resource usage).
#[allow(clippy::zombie_processes)]
fn night(ws: &Path, listings: &Path, date: &str) -> Cost {
    let spec = format!("{}\t{}\t{date}", ws.display(), listings.display());
    let started = Instant::now();
    let child = Command::new(std::env::current_exe().unwrap())
        .env(NIGHT_VAR, spec)
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value, filled in by wait4.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, writing only to the two locals.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    assert_eq!(pid, child.id() as libc::pid_t, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "the night failed"
    );
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Cost {
        wall,
        cpu: secs(usage.ru_utime) + secs(usage.ru_stime),
        // Linux reports ru_maxrss in KiB.
        peak_mib: usage.ru_maxrss as f64 / 1024.0,
    }
}

fn report(what: &str, n: usize, cost: &Cost) {
    let wall = cost.wall.as_secs_f64();
    println!(
        "rescore {what}, {n} own listings: wall {wall:.1} s, CPU {:.0}% ((user+sys)/wall, 200% = \
         both cores), peak RSS {:.0} MiB",
        100.0 * cost.cpu / wall,
        cost.peak_mib
    );
}

fn main() {
    if let Ok(spec) = std::env::var(NIGHT_VAR) {
        night_in_child(&spec);
        return;
    }
    let n: usize = std::env::var("BAOBEI_RESCORE_ITEMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let data = std::env::var_os("BAOBEI_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let titles = common::real_titles();
    let own = dir.path().join("own.csv");
    let changed = dir.path().join("own-changed.csv");
    own_listings(&own, n, &titles, false);
    own_listings(&changed, n, &titles, true);
    let ws = dir.path().join("ws");
    // The market, once: indexed, keywords derived from the real query log.
    let cli = |args: &[&str]| {
        let mut argv = vec!["baobei", "--quiet", "--workspace", ws.to_str().unwrap()];
        argv.extend_from_slice(args);
        assert_eq!(baobei::cli::run_from(argv), 0, "{args:?}");
    };
    let market = data.join("tmall-beauty-double11.csv");
    let queries = data.join("taobao-queries.tsv");
    cli(&[
        "index",
        "add",
        market.to_str().unwrap(),
        "--role",
        "competitor",
    ]);
    cli(&["keywords", "derive", "--queries", queries.to_str().unwrap()]);

    report("first night (all new)", n, &night(&ws, &own, "2030-01-01"));
    report(
        "second night (10% changed)",
        n,
        &night(&ws, &changed, "2030-01-02"),
    );
    if n > CRITERION_MAX {
        return;
    }

    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("rescore");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(1));
    group.throughput(Throughput::Elements(n as u64));
    let mut nights = 0u32;
    let mut peak = 0f64;
    group.bench_function(format!("own_listings_{n}"), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                nights += 1;
                let date = format!("2030-02-{:02}", 1 + nights % 28);
                let cost = night(&ws, &changed, &date);
                peak = peak.max(cost.peak_mib);
                total += cost.wall;
            }
            total
        })
    });
    group.finish();
    let runs = std::fs::read_dir(ws.join("runs")).unwrap().count();
    assert!(runs >= 12, "every measured night left a run");
    println!("rescore: unchanged nights of {n} own listings, peak RSS {peak:.0} MiB");
    c.final_summary();
}
