//! The CLI on same data, same answer: thread counts and batches do not change outputs.

use crate::support::{Harness, samples, stderr};

#[test]
fn output_does_not_depend_on_thread_count() {
    let h = Harness::new();
    let titles: String = (0..10_000)
        .map(|i| format!("连衣裙女夏季{i}新款 顶级面霜{}\n", i % 7))
        .collect();
    h.write("many.txt", titles);
    let run = |threads: &str| {
        h.run(&[
            "lint",
            "--quiet",
            "--threads",
            threads,
            "--format",
            "json",
            "--input",
            "many.txt",
        ])
        .stdout
    };
    let one = run("1");
    assert_eq!(one.iter().filter(|&&b| b == b'\n').count(), 10_000);
    assert_eq!(one, run("2"));
}

/// Issue 11, item 1: two workspaces built from the same files gave different scores, rewrites
/// and suggestions (ties among similar listings broke by tantivy's document address). One is
/// built with one writer thread in one batch, the other with two threads in two batches (other
/// segments): every output must be byte for byte the same.
#[test]
fn two_workspaces_from_the_same_files_give_the_same_answer_byte_for_byte() {
    let one = Harness::new();
    samples(&one);
    let two = Harness::new();
    samples(&two);
    let listings = std::fs::read_to_string(one.path("listings.csv")).unwrap();
    let (header, rows) = listings.split_once('\n').unwrap();
    let rows: Vec<&str> = rows.lines().collect();
    let (first, second) = rows.split_at(rows.len() / 2);
    two.write("first.csv", format!("{header}\n{}\n", first.join("\n")));
    two.write("second.csv", format!("{header}\n{}\n", second.join("\n")));
    let ok = |h: &Harness, args: &[&str]| {
        let o = h.run(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        o.stdout
    };
    for (h, threads) in [(&one, "1"), (&two, "2")] {
        ok(
            h,
            &["keywords", "import", "keywords.csv", "--date", "2026-11-09"],
        );
        if threads == "1" {
            ok(h, &["--threads", "1", "index", "add", "listings.csv"]);
        } else {
            ok(h, &["--threads", "2", "index", "add", "first.csv"]);
            ok(h, &["--threads", "2", "index", "add", "second.csv"]);
        }
        ok(
            h,
            &[
                "--threads",
                threads,
                "keywords",
                "derive",
                "--queries",
                "queries.tsv",
            ],
        );
    }
    for args in [
        &["score", "--input", "own_items.csv"][..],
        &["rewrite", "--input", "own_items.csv"],
        &["suggest", "--input", "own_items.csv"],
        &["suggest", "--input", "own_items.csv", "--for", "ads"],
        &["keywords", "top", "--limit", "50"],
        &["keywords", "top", "--by", "growth", "--limit", "50"],
    ] {
        let run = |h: &Harness, threads: &str| {
            let mut full = vec!["--threads", threads, "--format", "json"];
            full.extend_from_slice(args);
            ok(h, &full)
        };
        let (a, b) = (run(&one, "1"), run(&two, "2"));
        assert!(!a.is_empty(), "{args:?} wrote nothing");
        assert!(a == b, "{args:?} differs between the two workspaces");
    }
}
