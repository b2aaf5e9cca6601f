//! What every bench shares: the real titles it measures on.

use std::path::PathBuf;

fn shared_data() -> PathBuf {
    std::env::var_os("BAOBEI_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"))
}

/// The real Taobao search queries of `../shared/data` (the bench refuses to run without them).
#[allow(dead_code)]
pub fn real_queries() -> Vec<String> {
    let dir = shared_data();
    let tsv = std::fs::read_to_string(dir.join("taobao-queries.tsv"))
        .unwrap_or_else(|e| panic!("{}: real queries needed for this bench: {e}", dir.display()));
    tsv.lines()
        .filter_map(|l| l.split('\t').nth(1).map(str::to_owned))
        .collect()
}

/// Distinct real titles from `../shared/data` (the bench refuses to run without them).
pub fn real_titles() -> Vec<String> {
    let dir = shared_data();
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
