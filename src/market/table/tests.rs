use super::format::{
    HEADER_LEN, Layout, R_KW_LEN, R_SOURCE, R_VALUES, RECORD_LEN, SLOT_LEN, get_u32,
};
use super::reader::CATEGORY_CACHE;
use super::*;
use std::collections::HashMap;
use std::path::Path;

use xxhash_rust::xxh3::xxh3_64;

use crate::text::chars::normal_form;
use proptest::prelude::*;

/// splitmix64: a small deterministic generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn maybe(&mut self, value: f64) -> Option<f64> {
        (self.below(4) != 0).then_some(value)
    }

    fn fraction(&mut self) -> Option<f64> {
        let v = self.below(1_000_001) as f64 / 1_000_000.0;
        self.maybe(v)
    }
}

const WORDS: &[&str] = &[
    "连衣裙",
    "碎花",
    "雪纺",
    "夏季",
    "女",
    "新款",
    "机械键盘",
    "面霜",
    "自然堂",
    "iphone",
    "15",
    "pro",
    "CHANDO",
    "5w-30",
    "50g",
    "Type-C",
    "ins风",
    "加厚",
    "儿童",
    "保温杯",
    "男士",
    "运动鞋",
    "２０２４",
    "ＡＢＣ",
];

fn random_keyword(rng: &mut Rng) -> String {
    let words = 1 + rng.below(4);
    let mut k = String::new();
    for _ in 0..words {
        let w = WORDS[rng.below(WORDS.len() as u64) as usize];
        if !k.is_empty() && rng.below(2) == 0 {
            k.push(' ');
        }
        k.push_str(w);
    }
    // Make most keywords unique, in a script of their own.
    if rng.below(3) != 0 {
        k.push_str(&rng.below(100_000).to_string());
    } else {
        k.push(char::from_u32(0x4E00 + rng.below(0x5000) as u32).unwrap());
    }
    k
}

fn random_stats(rng: &mut Rng) -> KeywordStats {
    let day = 20230101 + (rng.below(12) as u32) * 100 + rng.below(28) as u32;
    let source = [
        Source::BusinessAdvisor,
        Source::ThroughTrain,
        Source::Derived,
        Source::Other,
    ][rng.below(4) as usize];
    let mut s = KeywordStats::new(Period::new(day, day), source);
    s.popularity = {
        let v = rng.0 as f64 % 1e6;
        rng.maybe(v)
    };
    s.demand = {
        let v = rng.below(10_000_000) as f64 / 7.0;
        rng.maybe(v)
    };
    s.heat = {
        let v = rng.below(1000) as f64;
        rng.maybe(v)
    };
    s.ctr = rng.fraction();
    s.cvr = rng.fraction();
    s.click_popularity = {
        let v = rng.below(50_000) as f64;
        rng.maybe(v)
    };
    s.trade_index = {
        let v = rng.below(90_000) as f64 + 0.25;
        rng.maybe(v)
    };
    s.online_items = (rng.below(4) != 0).then(|| rng.below(u64::MAX));
    s.tmall_click_share = rng.fraction();
    s.reference_cpc = {
        let v = rng.below(1000) as f64 / 100.0;
        rng.maybe(v)
    };
    s.growth = {
        let v = rng.below(500) as f64 / 100.0 - 1.0;
        rng.maybe(v)
    };
    s
}

fn stats(end: u32, popularity: Option<f64>, demand: Option<f64>) -> KeywordStats {
    let mut s = KeywordStats::new(Period::new(end - 6, end), Source::BusinessAdvisor);
    s.popularity = popularity;
    s.demand = demand;
    s
}

fn write(builder: &TableBuilder) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keywords.bkw");
    builder.write(&path).unwrap();
    (dir, path)
}

fn build(rows: &[(&str, &str, KeywordStats)]) -> (tempfile::TempDir, PathBuf, KeywordTable) {
    let mut builder = TableBuilder::new();
    for (k, c, s) in rows {
        builder.insert(k, c, *s).unwrap();
    }
    let (dir, path) = write(&builder);
    let table = KeywordTable::open_verified(&path).unwrap();
    (dir, path, table)
}

#[test]
fn round_trip_of_thousands_of_random_keywords() {
    let mut rng = Rng(7);
    let mut builder = TableBuilder::new();
    let mut expected: HashMap<String, (String, KeywordStats)> = HashMap::new();
    let categories = ["女装>连衣裙", "美妆>面霜", "", "数码>键盘", "Home & Garden"];
    while expected.len() < 3000 {
        let keyword = random_keyword(&mut rng);
        let key = normal_form(&keyword).into_owned();
        if expected.contains_key(&key) {
            continue;
        }
        let category = categories[rng.below(categories.len() as u64) as usize];
        let stats = random_stats(&mut rng);
        builder.insert(&keyword, category, stats).unwrap();
        expected.insert(key, (category.to_owned(), stats));
    }
    let (_dir, path) = write(&builder);
    let table = KeywordTable::open_verified(&path).unwrap();
    assert_eq!(table.len(), expected.len());
    for (key, (category, stats)) in &expected {
        let row = table
            .get(key)
            .unwrap()
            .unwrap_or_else(|| panic!("{key:?} missing"));
        assert_eq!(row.keyword, key);
        assert_eq!(row.category, category);
        assert_eq!(&row.stats, stats, "{key:?}");
        // Lookups normalise: an upper-case, full-width spelling finds the same row.
        let shouted: String = key
            .chars()
            .map(|c| match c {
                'a'..='z' => char::from_u32(c as u32 - 0x61 + 0xFF21).unwrap(),
                ' ' => '\u{3000}',
                c => c,
            })
            .collect();
        assert_eq!(table.get(&shouted).unwrap(), Some(row));
    }
    let keys: Vec<&str> = table.iter().map(|r| r.unwrap().keyword).collect();
    assert!(
        keys.windows(2).all(|w| w[0].as_bytes() < w[1].as_bytes()),
        "stored order"
    );
    assert_eq!(table.iter().len(), expected.len());
}

#[test]
fn get_many_answers_like_get_across_batches() {
    let mut rng = Rng(21);
    let mut builder = TableBuilder::new();
    let mut keywords = Vec::new();
    // More categories than the category cache has entries, so entries clash.
    for n in 0..600 {
        let keyword = random_keyword(&mut rng);
        let category = format!("类目{}", n % (CATEGORY_CACHE + 44));
        builder
            .insert(&keyword, &category, random_stats(&mut rng))
            .unwrap();
        keywords.push(keyword);
    }
    let (_dir, path) = write(&builder);
    let table = KeywordTable::open(&path).unwrap();
    // Hits in their inserted (not normal) spelling, misses, an empty key; 3 * 600 keys
    // end in a partial batch.
    let mut probes: Vec<String> = Vec::new();
    for k in &keywords {
        probes.extend([k.clone(), format!("{k}不在表里"), String::new()]);
    }
    let mut out = vec![None];
    table.get_many(&probes, &mut out).unwrap();
    assert_eq!(out.len(), probes.len());
    for (probe, got) in probes.iter().zip(&out) {
        assert_eq!(*got, table.get(probe).unwrap(), "{probe:?}");
    }
    let hits = out.iter().filter(|r| r.is_some()).count();
    assert_eq!(hits, table.len(), "every inserted keyword is found");
    let categories: std::collections::HashSet<&str> =
        out.iter().flatten().map(|r| r.category).collect();
    assert_eq!(categories.len(), CATEGORY_CACHE + 44);
    table.get_many(&["连衣裙"; 0], &mut out).unwrap();
    assert!(out.is_empty(), "out is cleared");
}

#[test]
fn a_category_that_is_not_utf8_is_refused_by_every_lookup() {
    let (_d, path, mut bytes) = sample_file();
    let layout = Layout::read(&path, &bytes).unwrap();
    let table = KeywordTable::open(&path).unwrap();
    let keyword = table.row(0).unwrap().keyword.to_owned();
    drop(table);
    // Every row has the one category "女装", the last text of the arena.
    let end = bytes.len();
    assert_eq!(&bytes[end - "女装".len()..], "女装".as_bytes());
    bytes[end - 1] = 0xFF;
    assert_eq!(layout.file_len, end);
    reseal(&mut bytes);
    std::fs::write(&path, &bytes).unwrap();
    let table = KeywordTable::open(&path).unwrap();
    for _ in 0..2 {
        let err = table.get(&keyword).unwrap_err().to_string();
        assert!(err.contains("record 0 category is not UTF-8"), "{err}");
    }
    let mut out = Vec::new();
    assert!(table.get_many(&[keyword.as_str()], &mut out).is_err());
}

#[test]
fn misses_return_none() {
    let (_d, _p, table) = build(&[
        ("连衣裙", "女装", stats(20240107, Some(10.0), None)),
        ("碎花连衣裙", "女装", stats(20240107, Some(5.0), None)),
    ]);
    for miss in [
        "连衣",
        "连衣裙 ",
        "连衣裙裙",
        "dress",
        "",
        "   ",
        "碎花 连衣裙",
    ] {
        let found = table.get(miss).unwrap();
        assert!(
            found.is_none() || normal_form(miss) == found.unwrap().keyword,
            "{miss:?} -> {found:?}"
        );
    }
    assert!(
        table.get("连衣裙 ").unwrap().is_some(),
        "trailing space is normalised away"
    );
    assert!(
        table.get("碎花 连衣裙").unwrap().is_none(),
        "a space is part of the key"
    );
    let (_d, _p, empty) = build(&[]);
    assert!(empty.is_empty());
    assert!(empty.get("连衣裙").unwrap().is_none());
    assert_eq!(empty.iter().count(), 0);
}

#[test]
fn newer_period_wins_and_growth_comes_from_the_older() {
    let (_d, _p, table) = build(&[
        ("连衣裙", "女装", stats(20240614, Some(1500.0), Some(900.0))),
        ("连衣裙", "女装", stats(20240607, Some(1000.0), Some(600.0))),
        ("连衣裙", "女装", stats(20240531, Some(100.0), None)),
        // Only demand on both sides: growth from demand.
        ("面霜", "美妆", stats(20240607, None, Some(200.0))),
        ("面霜", "美妆", stats(20240614, None, Some(150.0))),
        // A given growth is kept.
        ("雪纺", "女装", {
            let mut s = stats(20240614, Some(50.0), None);
            s.growth = Some(3.0);
            s
        }),
        ("雪纺", "女装", stats(20240607, Some(10.0), None)),
        // Older figure zero or missing: growth unknown.
        ("夏季", "", stats(20240614, Some(50.0), None)),
        ("夏季", "", stats(20240607, Some(0.0), None)),
        ("单行", "", stats(20240614, Some(50.0), None)),
    ]);
    let dress = table.get("连衣裙").unwrap().unwrap().stats;
    assert_eq!(dress.period.end, 20240614);
    assert_eq!(dress.popularity, Some(1500.0));
    assert_eq!(
        dress.growth,
        Some(0.5),
        "against the newest older period, by popularity"
    );
    let cream = table.get("面霜").unwrap().unwrap().stats;
    assert_eq!(cream.demand, Some(150.0));
    assert_eq!(cream.growth, Some(-0.25));
    assert_eq!(table.get("雪纺").unwrap().unwrap().stats.growth, Some(3.0));
    assert_eq!(table.get("夏季").unwrap().unwrap().stats.growth, None);
    assert_eq!(table.get("单行").unwrap().unwrap().stats.growth, None);
    assert_eq!(table.len(), 5);
}

#[test]
fn measured_rows_beat_derived_ones_and_growth_stays_within_a_kind() {
    let derived = |end, pop| {
        let mut s = stats(end, Some(pop), None);
        s.source = Source::Derived;
        s
    };
    let (_d, _p, table) = build(&[
        ("键盘", "数码", derived(20240707, 900.0)),
        ("键盘", "数码", stats(20240614, Some(100.0), None)),
        ("键盘", "数码", derived(20240607, 300.0)),
        ("鼠标", "数码", derived(20240707, 900.0)),
        ("鼠标", "数码", derived(20240607, 300.0)),
    ]);
    let keyboard = table.get("键盘").unwrap().unwrap().stats;
    assert_eq!(keyboard.source, Source::BusinessAdvisor);
    assert_eq!(
        keyboard.growth, None,
        "derived rows never feed a measured growth"
    );
    let mouse = table.get("鼠标").unwrap().unwrap().stats;
    assert_eq!((mouse.source, mouse.growth), (Source::Derived, Some(2.0)));
}

#[test]
fn same_period_ties_do_not_depend_on_insertion_order() {
    let mut ztc = stats(20240614, Some(80.0), None);
    ztc.source = Source::ThroughTrain;
    let rows = [
        ("连衣裙", "女装>裙", stats(20240614, Some(50.0), None)),
        ("连衣裙", "女装", stats(20240614, Some(70.0), None)),
        ("连衣裙", "童装", stats(20240614, Some(70.0), None)),
        ("连衣裙", "其他", ztc),
    ];
    let mut reversed = rows;
    reversed.reverse();
    let (_d1, p1, t1) = build(&rows);
    let (_d2, p2, t2) = build(&reversed);
    let row = t1.get("连衣裙").unwrap().unwrap();
    assert_eq!((row.category, row.stats.popularity), ("女装", Some(70.0)));
    assert_eq!(t2.get("连衣裙").unwrap(), Some(row));
    assert_eq!(std::fs::read(p1).unwrap(), std::fs::read(p2).unwrap());
}

#[test]
fn same_rows_in_any_order_give_the_same_bytes() {
    let mut rng = Rng(11);
    let rows: Vec<(String, KeywordStats)> = (0..500)
        .map(|_| (random_keyword(&mut rng), random_stats(&mut rng)))
        .collect();
    let mut a = TableBuilder::new();
    let mut b = TableBuilder::new();
    for (k, s) in &rows {
        a.insert(k, "cat", *s).unwrap();
    }
    for (k, s) in rows.iter().rev() {
        b.insert(k, "cat", *s).unwrap();
    }
    let (_da, pa) = write(&a);
    let (_db, pb) = write(&b);
    assert_eq!(std::fs::read(&pa).unwrap(), std::fs::read(&pb).unwrap());
}

#[test]
fn extend_from_table_merges_a_new_import_with_the_old_table() {
    let (_d, _p, old) = build(&[
        ("连衣裙", "女装", stats(20240607, Some(1000.0), None)),
        ("面霜", "美妆", stats(20240607, Some(40.0), None)),
    ]);
    let mut builder = TableBuilder::new();
    builder.extend_from_table(&old).unwrap();
    builder
        .insert("连衣裙", "女装", stats(20240614, Some(1200.0), None))
        .unwrap();
    let (_d2, path) = write(&builder);
    let new = KeywordTable::open_verified(&path).unwrap();
    let dress = new.get("连衣裙").unwrap().unwrap().stats;
    assert_eq!(dress.popularity, Some(1200.0));
    assert!((dress.growth.unwrap() - 0.2).abs() < 1e-12);
    assert_eq!(
        new.get("面霜").unwrap().unwrap().stats.popularity,
        Some(40.0)
    );
}

#[test]
fn top_by_ranks_filters_and_skips_unknown_scores() {
    let with = |end, demand: f64, ctr: Option<f64>| {
        let mut s = stats(end, None, Some(demand));
        s.ctr = ctr;
        s.cvr = Some(0.1);
        s
    };
    let (_d, _p, table) = build(&[
        ("a", "x", with(20240614, 100.0, Some(0.5))),
        ("b", "x", with(20240614, 300.0, Some(0.1))),
        ("c", "y", with(20240614, 1000.0, Some(0.5))),
        ("d", "x", with(20240614, 5000.0, None)),
        ("e", "x", with(20240614, 100.0, Some(0.5))),
    ]);
    let top = table
        .top_by(10, Some("x"), |s| RankBy::Value.score(s))
        .unwrap();
    let names: Vec<&str> = top.iter().map(|(_, r)| r.keyword).collect();
    assert_eq!(
        names,
        ["a", "e", "b"],
        "ties in stored order, unknown CTR left out"
    );
    let top = table.top_by(2, None, |s| RankBy::Demand.score(s)).unwrap();
    let names: Vec<&str> = top.iter().map(|(_, r)| r.keyword).collect();
    assert_eq!(names, ["d", "c"]);
    assert!(
        table
            .top_by(5, Some("nope"), |s| s.demand)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn invalid_rows_are_refused_with_the_field_and_value() {
    let mut builder = TableBuilder::new();
    let mut bad = stats(20240614, None, None);
    bad.ctr = Some(3.25);
    let err = builder.insert("连衣裙", "", bad).unwrap_err().to_string();
    assert_eq!(
        err,
        "keyword \"连衣裙\": ctr = 3.25: must be a fraction in [0, 1]"
    );
    bad.ctr = None;
    bad.demand = Some(f64::NAN);
    assert!(
        builder
            .insert("连衣裙", "", bad)
            .unwrap_err()
            .to_string()
            .contains("demand = NaN")
    );
    let bad = KeywordStats::new(Period::new(20240230, 20240301), Source::Other);
    assert!(
        builder
            .insert("连衣裙", "", bad)
            .unwrap_err()
            .to_string()
            .contains("period")
    );
    let bad = KeywordStats::new(Period::new(20240614, 20240601), Source::Other);
    assert!(builder.insert("连衣裙", "", bad).is_err());
    let ok = KeywordStats::new(Period::day(20240229), Source::Other);
    let err = builder
        .insert(" \u{3000} ", "", ok)
        .unwrap_err()
        .to_string();
    assert!(err.contains("empty after normalisation"), "{err}");
    assert!(builder.is_empty());
    builder.insert("连衣裙", "", ok).unwrap();
    assert_eq!((builder.len(), builder.inserted()), (1, 1));
}

fn sample_file() -> (tempfile::TempDir, PathBuf, Vec<u8>) {
    let mut rng = Rng(3);
    let mut builder = TableBuilder::new();
    for _ in 0..200 {
        builder
            .insert(&random_keyword(&mut rng), "女装", random_stats(&mut rng))
            .unwrap();
    }
    let (dir, path) = write(&builder);
    let bytes = std::fs::read(&path).unwrap();
    (dir, path, bytes)
}

/// Recomputes both checksums of damaged bytes, as a writer bug would leave them: damage
/// that only the structural checks and bound checks can find.
fn reseal(bytes: &mut [u8]) {
    let body = xxh3_64(&bytes[HEADER_LEN..]);
    bytes[64..72].copy_from_slice(&body.to_le_bytes());
    let header = xxh3_64(&bytes[..72]);
    bytes[72..80].copy_from_slice(&header.to_le_bytes());
}

#[test]
fn a_flipped_bit_in_keywords_bkw_is_refused_on_open_and_never_rebuilt_from() {
    let (_d, path, mut bytes) = sample_file();
    let layout = Layout::read(&path, &bytes).unwrap();
    let good = KeywordTable::open(&path).unwrap();
    let victim = good.row(17).unwrap().keyword.to_owned();
    drop(good);
    // A statistic of record 17: structurally fine, only the checksum can tell.
    bytes[layout.records_offset + 17 * RECORD_LEN + R_VALUES + 3] ^= 0x40;
    std::fs::write(&path, &bytes).unwrap();
    let err = KeywordTable::open(&path).unwrap_err();
    assert!(matches!(err, TableError::Checksum { .. }), "{err}");
    let table = KeywordTable::open_structure(&path).unwrap();
    assert!(
        table.get(&victim).is_ok(),
        "the wrong number reads as a number"
    );
    let err = table.verify().unwrap_err();
    assert!(matches!(err, TableError::Checksum { .. }), "{err}");
    let mut builder = TableBuilder::new();
    let err = builder.extend_from_table(&table).unwrap_err();
    assert!(matches!(err, TableError::Checksum { .. }), "{err}");
    assert_eq!(builder.inserted(), 0, "nothing carried over");
    let err = KeywordTable::open_verified(&path).unwrap_err().to_string();
    assert!(err.starts_with(&path.display().to_string()), "{err}");
    assert!(
        err.contains("checksum mismatch") && err.contains("re-import"),
        "{err}"
    );
}

#[test]
fn damaged_offsets_give_errors_not_panics() {
    let (_d, path, mut bytes) = sample_file();
    let layout = Layout::read(&path, &bytes).unwrap();
    let table = KeywordTable::open(&path).unwrap();
    let victim = table.row(5).unwrap().keyword.to_owned();
    let other = table.row(7).unwrap().keyword.to_owned();
    drop(table);
    let at = layout.records_offset + 5 * RECORD_LEN + R_KW_LEN;
    bytes[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    let at = layout.records_offset + 9 * RECORD_LEN + R_SOURCE;
    bytes[at] = 99;
    // A lookup reads the keyword span from the index slot, not from the record.
    let slot_of_7 = (layout.index_offset..layout.records_offset)
        .step_by(SLOT_LEN)
        .find(|&at| get_u32(&bytes, at + 4) == 7)
        .unwrap();
    bytes[slot_of_7 + 12..slot_of_7 + 16].copy_from_slice(&u32::MAX.to_le_bytes());
    reseal(&mut bytes);
    std::fs::write(&path, &bytes).unwrap();
    let table = KeywordTable::open(&path).unwrap();
    let err = table.row(5).unwrap_err().to_string();
    assert!(
        err.contains("record 5 keyword") && err.contains("outside"),
        "{err}"
    );
    let err = table.get(&other).unwrap_err().to_string();
    assert!(
        err.contains("record 7 keyword") && err.contains("outside"),
        "{err}"
    );
    assert_eq!(
        table.get(&victim).unwrap().unwrap().keyword,
        victim,
        "the record's own span is not on the lookup path"
    );
    let err = table.row(9).unwrap_err().to_string();
    assert!(err.contains("record 9 has source code 99"), "{err}");
    assert!(table.iter().any(|r| r.is_err()));
}

#[test]
fn a_truncated_file_is_refused_on_open() {
    let (_d, path, bytes) = sample_file();
    for len in [bytes.len() - 1, bytes.len() / 2, HEADER_LEN, 40, 10, 3] {
        std::fs::write(&path, &bytes[..len]).unwrap();
        let err = KeywordTable::open(&path).unwrap_err();
        assert!(matches!(err, TableError::Truncated { .. }), "{len}: {err}");
        let msg = err.to_string();
        assert!(
            msg.contains("truncated") && msg.contains("re-import"),
            "{msg}"
        );
    }
    std::fs::write(&path, b"").unwrap();
    assert!(matches!(
        KeywordTable::open(&path),
        Err(TableError::NotATable { .. })
    ));
    let mut longer = bytes.clone();
    longer.push(0);
    std::fs::write(&path, &longer).unwrap();
    let err = KeywordTable::open(&path).unwrap_err().to_string();
    assert!(err.contains("1 trailing bytes"), "{err}");
}

#[test]
fn wrong_magic_old_and_newer_versions_get_clear_errors() {
    let (_d, path, bytes) = sample_file();
    let mut wrong = bytes.clone();
    wrong[..8].copy_from_slice(b"PK\x03\x04abcd");
    std::fs::write(&path, &wrong).unwrap();
    let err = KeywordTable::open(&path).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "{}: not a baobei keyword table (starts with \"PK\\\\x03\\\\x04abcd\", \
             expected \"BAOBEIKW\"); build one with `baobei keywords import`",
            path.display()
        )
    );

    let mut old = bytes.clone();
    old[8..12].copy_from_slice(&0u32.to_le_bytes());
    std::fs::write(&path, &old).unwrap();
    let err = KeywordTable::open(&path).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "{}: keyword table format version 0 is older than version 1, which this baobei \
             reads; re-import the keyword exports with `baobei keywords import`",
            path.display()
        )
    );

    let mut newer = bytes.clone();
    newer[8..12].copy_from_slice(&2u32.to_le_bytes());
    std::fs::write(&path, &newer).unwrap();
    let err = KeywordTable::open(&path).unwrap_err();
    assert!(
        matches!(err, TableError::NewerVersion { found: 2, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("upgrade baobei"));
}

#[test]
fn a_damaged_header_is_refused_on_open() {
    let (_d, path, bytes) = sample_file();
    for at in [12, 16, 20, 30, 50, 60, 66, 75] {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x01;
        std::fs::write(&path, &damaged).unwrap();
        let err = KeywordTable::open(&path).unwrap_err();
        assert!(
            matches!(err, TableError::Corrupt { .. }),
            "byte {at}: {err}"
        );
        assert!(
            err.to_string().contains("header checksum"),
            "byte {at}: {err}"
        );
    }
}

#[test]
fn write_replaces_a_mapped_table_atomically() {
    let (_d, path, table) = build(&[("旧", "", stats(20240607, Some(1.0), None))]);
    let mut builder = TableBuilder::new();
    builder
        .insert("新", "", stats(20240614, Some(2.0), None))
        .unwrap();
    let summary = builder.write(&path).unwrap();
    assert_eq!((summary.rows, summary.inserted), (1, 1));
    assert_eq!(summary.bytes, std::fs::metadata(&path).unwrap().len());
    // The open table still reads the old inode, complete.
    table.verify().unwrap();
    assert!(table.get("旧").unwrap().is_some());
    let fresh = KeywordTable::open_verified(&path).unwrap();
    assert!(fresh.get("旧").unwrap().is_none() && fresh.get("新").unwrap().is_some());
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left: {leftovers:?}");
}

/// The rows of `tests/fixtures/keywords-v1.bkw`.
fn fixture_builder() -> TableBuilder {
    let mut b = TableBuilder::new();
    let mut row = |k: &str, c: &str, s: KeywordStats| b.insert(k, c, s).unwrap();
    let full = |end| {
        let mut s = KeywordStats::new(Period::new(end - 29, end), Source::BusinessAdvisor);
        s.popularity = Some(35_021.0);
        s.demand = Some(182_400.5);
        s.heat = Some(61_200.0);
        s.ctr = Some(0.0325);
        s.cvr = Some(0.0121);
        s.click_popularity = Some(20_480.0);
        s.trade_index = Some(98_765.25);
        s.online_items = Some(1_234_567);
        s.tmall_click_share = Some(0.4375);
        s.reference_cpc = Some(1.85);
        s
    };
    row("连衣裙", "女装>连衣裙", full(20240630));
    let mut older = full(20240531);
    older.popularity = Some(28_016.8);
    row("连衣裙", "女装>连衣裙", older);
    row(
        "碎花 连衣裙",
        "女装>连衣裙",
        stats(20240630, Some(9_000.0), None),
    );
    row(
        "雪纺连衣裙 夏",
        "女装>连衣裙",
        stats(20240630, None, Some(4_000.0)),
    );
    let mut ztc = KeywordStats::new(Period::day(20240615), Source::ThroughTrain);
    ztc.reference_cpc = Some(0.72);
    ztc.ctr = Some(0.018);
    row("iPhone 15 Pro 手机壳", "手机配件", ztc);
    let mut rising = stats(20240630, Some(5_000.0), None);
    rising.growth = Some(2.5);
    row("ins风 碎花", "女装>连衣裙", rising);
    row(
        "ＣＨＡＮＤＯ 面霜",
        "美妆>面霜",
        stats(20240630, Some(12_000.0), Some(60_000.0)),
    );
    let mut derived = KeywordStats::new(Period::new(20161105, 20161114), Source::Derived);
    derived.demand = Some(3_456.0);
    derived.online_items = Some(42);
    row("自然堂 面霜", "美妆>面霜", derived);
    row("5w-30 机油", "汽车用品", stats(20240630, Some(800.0), None));
    row(
        "机械键盘",
        "数码>键盘",
        KeywordStats::new(Period::day(20240601), Source::Other),
    );
    row("保温杯 儿童", "", stats(20240630, Some(2_100.0), Some(0.0)));
    row("50g 面霜", "美妆>面霜", stats(20240630, Some(0.5), None));
    b
}

fn fixture_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keywords-v1.bkw")
}

/// Regenerate with `BAOBEI_WRITE_FIXTURES=1 cargo test --lib market::table`, only together
/// with a format version bump (and a new fixture file for the new version).
#[test]
fn the_builder_still_writes_the_v1_fixture_bytes() {
    let builder = fixture_builder();
    if std::env::var_os("BAOBEI_WRITE_FIXTURES").is_some() {
        builder.write(fixture_path()).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.bkw");
    builder.write(&path).unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        std::fs::read(fixture_path()).unwrap(),
        "the writer's bytes changed: bump FORMAT_VERSION and keep the v1 fixture readable"
    );
}

#[test]
fn the_v1_fixture_opens_with_its_values() {
    let table = KeywordTable::open_verified(fixture_path()).unwrap();
    assert_eq!(table.len(), 11);
    let dress = table.get("连衣裙").unwrap().unwrap();
    assert_eq!(dress.category, "女装>连衣裙");
    let s = dress.stats;
    assert_eq!(s.period, Period::new(20240601, 20240630));
    assert_eq!(s.source, Source::BusinessAdvisor);
    assert_eq!(s.popularity, Some(35_021.0));
    assert_eq!(s.demand, Some(182_400.5));
    assert_eq!(s.heat, Some(61_200.0));
    assert_eq!((s.ctr, s.cvr), (Some(0.0325), Some(0.0121)));
    assert_eq!(s.click_popularity, Some(20_480.0));
    assert_eq!(s.trade_index, Some(98_765.25));
    assert_eq!(s.online_items, Some(1_234_567));
    assert_eq!(s.tmall_click_share, Some(0.4375));
    assert_eq!(s.reference_cpc, Some(1.85));
    assert_eq!(s.growth, Some(35_021.0 / 28_016.8 - 1.0));

    let case = table.get("iphone 15 pro 手机壳").unwrap().unwrap().stats;
    assert_eq!(
        (case.source, case.period),
        (Source::ThroughTrain, Period::day(20240615))
    );
    assert_eq!(
        (case.reference_cpc, case.ctr, case.popularity),
        (Some(0.72), Some(0.018), None)
    );
    assert_eq!(
        table.get("ins风 碎花").unwrap().unwrap().stats.growth,
        Some(2.5)
    );
    let chando = table.get("chando 面霜").unwrap().unwrap();
    assert_eq!(
        (chando.keyword, chando.category),
        ("chando 面霜", "美妆>面霜")
    );
    let derived = table.get("自然堂 面霜").unwrap().unwrap().stats;
    assert_eq!(derived.source, Source::Derived);
    assert_eq!(
        (derived.demand, derived.online_items),
        (Some(3_456.0), Some(42))
    );
    let bare = table.get("机械键盘").unwrap().unwrap().stats;
    assert_eq!(
        bare,
        KeywordStats::new(Period::day(20240601), Source::Other)
    );
    assert_eq!(table.get("保温杯 儿童").unwrap().unwrap().category, "");
    assert_eq!(
        table.get("保温杯 儿童").unwrap().unwrap().stats.demand,
        Some(0.0)
    );
    assert!(table.get("连衣裙 夏").unwrap().is_none());
    let order: Vec<&str> = table.iter().map(|r| r.unwrap().keyword).take(3).collect();
    assert_eq!(order, ["50g 面霜", "5w-30 机油", "chando 面霜"]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn any_distinct_rows_round_trip(
        rows in prop::collection::vec(
            (
                "[a-zA-Z0-9 碎花连衣裙女夏ＡＢ１]{1,12}",
                "[a-z女装>]{0,6}",
                (
                    proptest::option::of(0.0..1e9f64),
                    proptest::option::of(0.0..=1.0f64),
                    proptest::option::of(any::<u64>()),
                    proptest::option::of(-1.0..100.0f64),
                    20000101u32..20991231,
                ),
            ),
            0..60,
        )
    ) {
        let mut builder = TableBuilder::new();
        let mut expected: HashMap<String, (String, KeywordStats)> = HashMap::new();
        for (keyword, category, (pop, ctr, items, growth, day)) in rows {
            let key = normal_form(&keyword).into_owned();
            let period = Period::day(day);
            if key.is_empty() || !period.is_valid() || expected.contains_key(&key) {
                continue;
            }
            let mut s = KeywordStats::new(period, Source::Other);
            s.popularity = pop;
            s.ctr = ctr;
            s.online_items = items;
            s.growth = growth;
            builder.insert(&keyword, &category, s).unwrap();
            expected.insert(key, (category.trim().to_owned(), s));
        }
        let (_dir, path) = write(&builder);
        let table = KeywordTable::open_verified(&path).unwrap();
        prop_assert_eq!(table.len(), expected.len());
        for (key, (category, stats)) in &expected {
            let row = table.get(key).unwrap().unwrap();
            prop_assert_eq!(row.category, category.as_str());
            prop_assert_eq!(&row.stats, stats);
        }
    }
}
