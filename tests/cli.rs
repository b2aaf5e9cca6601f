//! The `baobei` binary end to end: formats, exit codes, files, rejects, pipes.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// A temporary directory to run `baobei` in.
struct Harness {
    dir: tempfile::TempDir,
}

impl Harness {
    fn new() -> Self {
        Harness {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_baobei"));
        cmd.current_dir(self.dir.path())
            .args(args)
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn lint_json_snapshot() {
    let h = Harness::new();
    let o = h.run(&[
        "lint",
        "--format",
        "json",
        "CHANDO/自然堂 顶级面霜 补水保湿 面霜",
        "第一次见家长的碎花连衣裙 最近很火",
        "ＣＨＡＮＤＯ雪域面霜５０ｇ😀",
        "栀夏新中式盘扣立领连衣裙女秋冬2026新款高级感气质复古改良旗袍式长袖中长款裙子",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!(stdout(&o));
}

#[test]
fn segment_json_snapshot() {
    let h = Harness::new();
    let o = h.run(&[
        "segment",
        "--format",
        "json",
        "CHANDO/自然堂 雪域精粹纯粹滋润霜50g 补水保湿",
        "iPhone 15手机壳Type-C",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!(stdout(&o));
}

#[test]
fn table_and_csv_snapshots() {
    let h = Harness::new();
    let table = h.run(&["lint", "--format", "table", "顶级面霜 补水"]);
    insta::assert_snapshot!("lint_table", stdout(&table));
    let csv = h.run(&["segment", "--format", "csv", "面霜50克装"]);
    insta::assert_snapshot!("segment_csv", stdout(&csv));
}

#[test]
fn piped_default_is_csv_and_file_output_is_excel_ready() {
    let h = Harness::new();
    let o = h.run(&["lint", "面霜"]);
    assert!(stdout(&o).starts_with("ID,标题,字节数,"), "{}", stdout(&o));

    let o = h.run(&["lint", "面霜", "--output", "out.csv"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.is_empty());
    let bytes = std::fs::read(h.path("out.csv")).unwrap();
    assert!(
        bytes.starts_with("\u{feff}ID,标题".as_bytes()),
        "CSV files carry a BOM for Excel"
    );
    // Only the finished file is left: no temporary file beside it.
    assert_eq!(h.files(), ["out.csv"]);
}

#[test]
fn titles_from_standard_input() {
    let h = Harness::new();
    let mut child = h
        .cmd(&["segment", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all("连衣裙\n\n面霜\n".as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["title"], "面霜");
    assert_eq!(lines[1]["id"], "3", "ids are input line numbers");
}

#[test]
fn errors_exit_2_and_say_where() {
    let h = Harness::new();
    let o = h.run(&["lint", "x", "--dict", "missing.tsv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("missing.tsv: cannot read dictionary"),
        "{}",
        stderr(&o)
    );

    let dict = h.write("mine.tsv", "word\tkind\tfreq\n冰丝\tcool\t\n");
    let o = h.run(&["lint", "x", "--dict", dict.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o)
            .contains("mine.tsv:2:4: kind must be product, attribute, traffic or word: \"cool\""),
        "{}",
        stderr(&o)
    );

    let o = h.run(&["lint", "--format", "xml", "x"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn user_dictionary_changes_segmentation() {
    let h = Harness::new();
    let dict = h.write("mine.tsv", "brand\taliases\tfreq\n栀夏\tZHIXIA\t\n");
    let o = h.run(&[
        "segment",
        "--format",
        "json",
        "--dict",
        dict.to_str().unwrap(),
        "ZHIXIA/栀夏连衣裙",
    ]);
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    let kinds: Vec<(&str, &str)> = v["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["text"].as_str().unwrap(), t["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds[0], ("ZHIXIA", "brand"));
    assert_eq!(kinds[2], ("栀夏", "brand"));
}

#[test]
fn broken_pipe_is_success() {
    let h = Harness::new();
    let input: String = (0..200_000).map(|i| format!("连衣裙女夏季{i}\n")).collect();
    let file = h.write("many.txt", input);
    let mut child = h
        .cmd(&["segment", "--quiet", "--input", file.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    out.read_exact(&mut first).unwrap();
    drop(out);
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.is_empty(), "{err}");
}

/// Lint over the sample shop's own items finds every planted problem and flags no lookalike.
#[test]
fn sample_items_lint_finds_every_planted_problem() {
    use baobei::sample::{self, planted};
    let h = Harness::new();
    sample::write_all(h.dir.path()).unwrap();
    let o = h.run(&["lint", "--format", "json", "--input", "own_items.csv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let records: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 24);
    let problems = |id: &str, kind: &str| -> Vec<String> {
        let record = records
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("item {id}"));
        record["problems"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["kind"] == kind)
            .map(|p| p["text"].as_str().unwrap().to_owned())
            .collect()
    };
    for (id, word) in planted::PROHIBITED {
        assert!(
            problems(id, "prohibited").contains(&word.to_string()),
            "{id} {word}"
        );
    }
    for (id, word) in planted::ALLOWED_LOOKALIKES {
        assert!(
            problems(id, "prohibited").is_empty(),
            "{id}: {word} is not prohibited"
        );
    }
    for id in planted::OVERLONG_TITLES {
        assert_eq!(problems(id, "over_budget").len(), 1, "{id}");
    }
    for (id, word) in planted::REPEATED_WORDS {
        let repeated = problems(id, "repeated_word");
        assert!(
            repeated
                .iter()
                .any(|r| word.contains(r.as_str()) || r.contains(word)),
            "{id} {word}: {repeated:?}"
        );
    }
    for id in planted::WASTED_SPACES {
        assert!(!problems(id, "wasted_space").is_empty(), "{id}");
    }
    for id in planted::OUTSIDE_GBK {
        assert_eq!(problems(id, "outside_gbk").len(), 1, "{id}");
    }
    for id in planted::CLEAN_TITLES {
        let record = records.iter().find(|r| r["id"] == *id).unwrap();
        assert_eq!(
            record["problems"].as_array().unwrap().len(),
            0,
            "{id} is clean: {record}"
        );
    }
}

#[test]
fn demo_runs_with_no_files() {
    let h = Harness::new();
    let o = h.run(&["demo"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("keywords.csv") && out.contains("300 rows"),
        "the GBK keyword export reads: {out}"
    );
    assert!(out.contains("栀夏/brand"), "the shop's own brand is known");
    assert!(out.contains("第一品牌") && out.contains("prohibited"));
    assert_eq!(
        h.files(),
        Vec::<String>::new(),
        "the demo leaves nothing behind"
    );
}

/// One bad row per kind of malformed input: reported with `path:line:col`, written to the
/// rejects file with the row as read, counted in the exit code, and the good rows still done.
#[test]
fn malformed_rows_are_rejected_and_the_rest_done() {
    let h = Harness::new();
    let cases: [(&str, &[u8], &str); 3] = [
        ("fields.csv", "宝贝ID,标题\n1,连衣裙\n2,面霜,多余\n3,耳机\n".as_bytes(), "fields.csv:3:1: row has 3 fields, header has 2"),
        ("quote.csv", "宝贝ID,标题\n1,连衣裙\n2,\"面霜,x\n3,耳机\n".as_bytes(), "quote.csv:3:1: malformed CSV: unbalanced quote"),
        ("lines.jsonl", "{\"id\":\"1\",\"title\":\"连衣裙\"}\n{\"id\":2,\"title\":\n{\"id\":\"3\",\"title\":\"耳机\"}\n".as_bytes(), "lines.jsonl:2:"),
    ];
    for (name, bytes, message) in cases {
        h.write(name, bytes);
        let o = h.run(&["segment", "--format", "json", "--input", name]);
        assert_eq!(o.status.code(), Some(1), "{name}: {}", stderr(&o));
        assert!(stderr(&o).contains(message), "{name}: {}", stderr(&o));
        let ids: Vec<String> = stdout(&o)
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert!(
            ids.contains(&"1".to_owned()),
            "{name}: good rows are done: {ids:?}"
        );
        let rejects = std::fs::read_to_string(h.path(&format!("{name}.rejects.csv"))).unwrap();
        assert!(
            rejects.starts_with("\u{feff}位置,原因,原始行\n"),
            "{rejects}"
        );
        let rows = csv::Reader::from_reader(rejects.as_bytes())
            .records()
            .count();
        assert_eq!(rows, 1, "{name}: one rejected row: {rejects}");
        assert!(rejects.contains(&format!("{name}:")), "{rejects}");
    }
}

#[test]
fn unusable_files_fail_with_exit_2() {
    let h = Harness::new();
    h.write("nocol.csv", "a,b\n1,2\n");
    let o = h.run(&["lint", "--input", "nocol.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("nocol.csv:1:1: no title column: looked for 宝贝标题"),
        "{}",
        stderr(&o)
    );
    assert!(o.stdout.is_empty());

    h.write("bytes.txt", b"\x80\xff\x80\n");
    let o = h.run(&["lint", "--input", "bytes.txt"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "bytes that are neither UTF-8 nor GBK end the file: the run fails"
    );
    assert!(stderr(&o).contains("bytes.txt:1:"), "{}", stderr(&o));

    let o = h.run(&["lint", "--input", "absent.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("absent.csv"), "{}", stderr(&o));
}

#[test]
fn every_input_format_reads() {
    let h = Harness::new();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/input");
    for fixture in ["items-gbk.csv", "items.xlsx"] {
        let o = h.run(&[
            "segment",
            "--format",
            "json",
            "--input",
            fixtures.join(fixture).to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{fixture}: {}", stderr(&o));
        let first: serde_json::Value =
            serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
        assert!(
            first["title"].as_str().unwrap().contains("连衣裙"),
            "{fixture}: {first}"
        );
    }
    h.write("t.tsv", "id\ttitle\nA1\t雪纺连衣裙\n");
    h.write(
        "t.jsonl",
        "{\"item_id\":\"A1\",\"raw_title\":\"雪纺连衣裙\"}\n",
    );
    h.write("t.txt", "雪纺连衣裙\n");
    for name in ["t.tsv", "t.jsonl", "t.txt"] {
        let o = h.run(&["segment", "--format", "json", "--input", name]);
        let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
        assert_eq!(v["title"], "雪纺连衣裙", "{name}");
        assert_eq!(v["tokens"][0]["text"], "雪纺", "{name}");
    }
}

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
