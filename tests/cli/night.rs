//! The nightly job on two cores and on one: the same data must give the same run files, byte
//! for byte, over a first night and a second that builds on it (history, standing and held
//! proposals, fallers). The own items are many times one scoring chunk, so that the order of
//! the parallel chunks and of their writing is what is tested.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Own items: the sample's, repeated with new ids and a varying last word, in no id order.
const COPIES: usize = 360;

fn baobei(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_baobei"));
    cmd.current_dir(dir).args(args).stdin(Stdio::null());
    for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
        cmd.env_remove(var);
    }
    cmd.output().unwrap()
}

/// The sample market plus `own.csv`, its own items many times over; on the second night
/// (`second`) every seventh title is changed.
fn write_inputs(dir: &Path, second: bool) {
    baobei::sample::write_all(dir).unwrap();
    let own = std::fs::read_to_string(dir.join("own_items.csv")).unwrap();
    let mut lines = own.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let extra = ["雪纺", "显瘦", "高级感", "百搭", "修身", "宽松", "保暖"];
    let mut text = format!("{header}\n");
    for copy in 0..COPIES {
        for (i, row) in rows.iter().enumerate() {
            let (id, rest) = row.split_once(',').unwrap();
            let (title, rest) = rest.split_once(',').unwrap();
            let n = copy * rows.len() + i;
            let mut title = format!("{title}{}", extra[n % extra.len()]);
            if second && n.is_multiple_of(7) {
                title.push_str("新品");
            }
            // Ids out of order: the job must sort them itself.
            let id = format!("{}{id}", (n * 7919) % 100_003);
            text.push_str(&format!("{id},{title},{rest}\n"));
        }
    }
    std::fs::write(dir.join("own.csv"), text).unwrap();
}

fn rescore(dir: &Path, threads: &str, date: &str) {
    let o = baobei(
        dir,
        &[
            "--threads",
            threads,
            "rescore",
            "--listings",
            "own.csv",
            "--competitors",
            "listings.csv",
            "--keywords",
            "keywords.csv",
            "--ads",
            "ztc_report.csv",
            "--queries",
            "queries.tsv",
            "--date",
            date,
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Every file of a run, the manifest without what records the machine (its clock times and
/// stage timings), and the workspace's keyword table.
fn run_files(dir: &Path, run: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let run_dir = dir.join("baobei-workspace/runs").join(run);
    let mut names: Vec<PathBuf> = std::fs::read_dir(&run_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let mut out = Vec::new();
    for path in names {
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let bytes = std::fs::read(&path).unwrap();
        let bytes = match name.as_str() {
            "manifest.json" => {
                let mut m: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                for key in ["started", "finished", "timings"] {
                    m.as_object_mut().unwrap().remove(key);
                }
                m.to_string().into_bytes()
            }
            // The report shows the clock times and timings of the manifest, and nothing
            // else of the machine.
            "report.html" => continue,
            _ => bytes,
        };
        out.push((PathBuf::from(name), bytes));
    }
    let table = dir.join("baobei-workspace/keywords.bkw");
    out.push(("keywords.bkw".into(), std::fs::read(table).unwrap()));
    out
}

#[test]
fn a_night_is_byte_identical_on_one_thread_and_on_two() {
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    for (night, date) in [(false, "2026-11-11"), (true, "2026-11-12")] {
        for (dir, threads) in [(one.path(), "1"), (two.path(), "2")] {
            write_inputs(dir, night);
            rescore(dir, threads, date);
        }
        let run = format!("{date}-1");
        let (a, b) = (run_files(one.path(), &run), run_files(two.path(), &run));
        let names: Vec<_> = a.iter().map(|(n, _)| n.clone()).collect();
        assert_eq!(names, b.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>());
        for ((name, x), (_, y)) in a.iter().zip(&b) {
            assert!(
                x == y,
                "{run}: {} differs between one thread and two",
                name.display()
            );
        }
        let scores = &a
            .iter()
            .find(|(n, _)| n == Path::new("scores.jsonl"))
            .unwrap()
            .1;
        let ids: Vec<String> = String::from_utf8_lossy(scores)
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].to_string())
            .collect();
        assert_eq!(
            ids.len(),
            COPIES * 24,
            "every own item scored, more than two chunks of them"
        );
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "scores in id order");
        if night {
            let manifest: serde_json::Value = serde_json::from_slice(
                &a.iter()
                    .find(|(n, _)| n == Path::new("manifest.json"))
                    .unwrap()
                    .1,
            )
            .unwrap();
            assert!(
                manifest["counts"]["repeated"].as_u64().unwrap()
                    + manifest["counts"]["held_back"].as_u64().unwrap()
                    > 0,
                "the second night builds on the first: {}",
                manifest["counts"]
            );
        }
    }
}
