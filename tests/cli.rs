//! The `baobei` binary end to end: formats, exit codes, files, rejects, pipes.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

mod common;

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
        // The language comes from --lang, not from whoever runs the tests.
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            cmd.env_remove(var);
        }
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
    // The planted rising words of the showcase item's category lead its rising queries.
    let rising = out
        .split("Rising queries of 美妆/面霜")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .expect("a rising-words section for the showcase category");
    let first = rising.lines().nth(3).unwrap_or_default();
    assert!(
        first.contains("屏障") && first.contains("derived"),
        "{rising}"
    );
    assert!(rising.contains("胶原蛋白"), "{rising}");
    // The engine at work: edits with reasons and the queries they gain (recall prediction),
    // suggestions, the through-train review.
    let rewrites = out.split("\nRewrites: ").nth(1).expect("a rewrite section");
    assert!(rewrites.contains("违禁词「顶级」"), "{rewrites}");
    assert!(rewrites.contains("real queries"), "{rewrites}");
    assert!(rewrites.contains("  →"), "{rewrites}");
    assert!(
        out.contains("Keyword suggestions for 663410276650") && out.contains("长尾"),
        "{out}"
    );
    let review = out
        .split("\nThrough-train review of ztc_report.csv")
        .nth(1)
        .expect("a review");
    assert!(review.contains("91 keywords over 7 days"), "{review}");
    for action in ["暂停", "加价", "添加"] {
        assert!(
            review.contains(&format!("  {action} ")),
            "{action}: {review}"
        );
    }
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

/// Issue 11: rejects files defaulted to the current directory, so `*.rejects.csv` piled up
/// wherever baobei ran; they belong beside the input (or the output).
#[test]
fn rejects_default_to_beside_the_input_not_the_current_directory() {
    let h = Harness::new();
    std::fs::create_dir(h.path("exports")).unwrap();
    h.write("exports/items.csv", "宝贝ID,标题\n1,连衣裙\n2,面霜,多余\n");
    let o = h.run(&["segment", "--input", "exports/items.csv"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(h.path("exports/items.csv.rejects.csv").is_file());
    assert!(!h.path("items.csv.rejects.csv").exists());
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
    assert_ne!(
        o.status.code(),
        Some(0),
        "bytes that are neither UTF-8 nor GBK: the row is rejected"
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

// ---- keywords import / show / top and the workspace ----

/// Writes the built-in sample files into the harness directory.
fn samples(h: &Harness) {
    baobei::sample::write_all(h.dir.path()).unwrap();
}

/// `keywords show WORD... --format json`, parsed, one value per word.
fn show_json(h: &Harness, words: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec!["keywords", "show", "--format", "json"];
    args.extend_from_slice(words);
    let o = h.run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn close(v: &serde_json::Value, expected: f64) -> bool {
    v.as_f64()
        .is_some_and(|x| (x - expected).abs() < 1e-9 * expected.abs().max(1.0))
}

#[test]
fn keywords_import_then_show_gives_the_export_values() {
    let h = Harness::new();
    samples(&h);
    let o = h.run(&["keywords", "import", "keywords.csv", "--date", "2026-11-11"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("已从 1 个文件导入 300 行"),
        "{}",
        stderr(&o)
    );
    assert!(h.path("baobei-workspace/keywords.bkw").is_file());

    // The GBK sample's first row: 裙子,女装/连衣裙,"406,422","672,609",2.67%,"280,919",1.51%,
    // "21,238","8,641,667",42.47%,￥1.35
    let rows = show_json(&h, &["裙子", "没有这个词", "连衣裙"]);
    assert_eq!(rows.len(), 3, "one record per word, in order");
    let r = &rows[0];
    assert_eq!(r["query"], "裙子");
    assert_eq!(r["found"], true);
    assert_eq!(r["category"], "女装/连衣裙");
    assert_eq!(r["period"], "2026-11-11");
    assert_eq!(r["source"], "business-advisor");
    assert!(close(&r["popularity"], 406_422.0));
    assert!(
        close(&r["demand"], 406_422.0),
        "identity restoration by default"
    );
    assert!(close(&r["heat"], 672_609.0));
    assert!(close(&r["ctr"], 0.0267), "CTR as a fraction: {}", r["ctr"]);
    assert!(close(&r["click_popularity"], 280_919.0));
    assert!(close(&r["cvr"], 0.0151));
    assert!(close(&r["trade_index"], 21_238.0));
    assert_eq!(r["online_items"], 8_641_667);
    assert!(close(&r["tmall_click_share"], 0.4247));
    assert!(close(&r["reference_cpc"], 1.35));
    assert!(r["growth"].is_null());
    assert!(close(&r["expected_buyers"], 406_422.0 * 0.0267 * 0.0151));
    assert_eq!(rows[1]["query"], "没有这个词");
    assert_eq!(rows[1]["found"], false);
    assert_eq!(rows[2]["keyword"], "连衣裙");

    // CSV: Chinese headers, fractions printed plainly.
    let o = h.run(&["keywords", "show", "裙子", "--format", "csv"]);
    let text = stdout(&o);
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("查询词,关键词,类目,统计周期,来源,搜索人气")
    );
    assert!(lines.next().unwrap().starts_with(
        "裙子,裙子,女装/连衣裙,2026-11-11,business-advisor,406422,406422,672609,0.0267,0.0151,"
    ));

    // top: by value within a category, limited.
    let o = h.run(&[
        "keywords",
        "top",
        "--category",
        "美妆/面霜",
        "--limit",
        "5",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let top: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(top.len(), 5);
    for (i, r) in top.iter().enumerate() {
        assert_eq!(r["rank"], i + 1);
        assert_eq!(r["category"], "美妆/面霜");
        assert!(close(&r["score"], r["expected_buyers"].as_f64().unwrap()));
    }
    assert!(
        top.windows(2)
            .all(|w| w[0]["score"].as_f64() >= w[1]["score"].as_f64())
    );
}

#[test]
fn a_newer_import_wins_and_keeps_the_older_for_growth() {
    let h = Harness::new();
    samples(&h);
    let o = h.run(&["keywords", "import", "keywords.csv", "--date", "2026-11-11"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // A later export with a date column, one bad row among good ones.
    h.write(
        "later.csv",
        "统计日期,关键词,类目,搜索人气,点击率\n\
         2026-11-12,裙子,女装/连衣裙,\"609,633\",3.00%\n\
         2026-11-12,新词,女装/连衣裙,100,1%\n\
         2026-11-12,坏行,女装/连衣裙,很多,1%\n",
    );
    let o = h.run(&["keywords", "import", "later.csv"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "a rejected row exits 1: {}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("later.csv:4:4"), "{}", stderr(&o));
    let rejects = std::fs::read_to_string(h.path("later.csv.rejects.csv")).unwrap();
    assert!(rejects.contains("坏行"), "{rejects}");

    let rows = show_json(&h, &["裙子", "连衣裙", "新词", "坏行"]);
    let r = &rows[0];
    assert_eq!(r["period"], "2026-11-12", "the newer period wins");
    assert!(close(&r["popularity"], 609_633.0));
    assert!(close(&r["ctr"], 0.03));
    assert!(r["cvr"].is_null(), "the newer row's fields, not a mix");
    assert!(
        close(&r["growth"], 609_633.0 / 406_422.0 - 1.0),
        "{}",
        r["growth"]
    );
    assert_eq!(rows[1]["period"], "2026-11-11", "untouched keywords stay");
    assert_eq!(rows[2]["found"], true);
    assert_eq!(rows[3]["found"], false);

    let o = h.run(&[
        "keywords", "top", "--by", "growth", "--limit", "1", "--format", "json",
    ]);
    let best: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(best["keyword"], "裙子");

    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(h.path("baobei-workspace/manifest.json")).unwrap(),
    )
    .unwrap();
    let imports = manifest["imports"].as_array().unwrap();
    assert_eq!(imports.len(), 2);
    assert_eq!(imports[0]["file"], "keywords.csv");
    assert_eq!(imports[0]["rows"], 300);
    assert_eq!(imports[1]["file"], "later.csv");
    assert_eq!(imports[1]["rows"], 2);
    assert_eq!(imports[1]["rejects"], 1);
    assert_eq!(manifest["format_version"], 1);
    assert!(!manifest["dictionaries"].as_array().unwrap().is_empty());
}

#[test]
fn workspace_comes_from_the_flag_or_the_environment() {
    let h = Harness::new();
    samples(&h);
    let o = h
        .cmd(&[
            "keywords",
            "import",
            "keywords.csv",
            "--date",
            "2026-11-11",
            "-q",
        ])
        .env("BAOBEI_WORKSPACE", h.path("from-env"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(h.path("from-env/keywords.bkw").is_file());
    assert!(!h.path("baobei-workspace").exists());
    let o = h.run(&[
        "keywords",
        "show",
        "裙子",
        "--workspace",
        "from-env",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // A workspace without a table says what to do.
    let o = h.run(&["keywords", "show", "裙子", "--workspace", "empty"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("baobei keywords import"),
        "{}",
        stderr(&o)
    );
    // A --date that is not a date fails before anything is written.
    let o = h.run(&["keywords", "import", "keywords.csv", "--date", "soon"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--date"), "{}", stderr(&o));
}

#[test]
fn a_second_writer_is_refused_naming_the_holder_and_readers_go_on() {
    let h = Harness::new();
    samples(&h);
    let o = h.run(&["keywords", "import", "keywords.csv", "--date", "2026-11-11"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let before = std::fs::read(h.path("baobei-workspace/keywords.bkw")).unwrap();

    let ws = baobei::market::workspace::Workspace::open(h.path("baobei-workspace")).unwrap();
    let lock = ws.lock("nightly-job --holder-test").unwrap();
    let o = h.run(&["keywords", "import", "keywords.csv", "--date", "2026-11-12"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("pid {}", std::process::id())),
        "{err}"
    );
    assert!(err.contains("nightly-job --holder-test"), "{err}");
    // Readers are not blocked.
    assert_eq!(show_json(&h, &["裙子"])[0]["found"], true);
    drop(lock);
    assert_eq!(
        std::fs::read(h.path("baobei-workspace/keywords.bkw")).unwrap(),
        before,
        "the refused writer changed nothing"
    );
    let o = h.run(&["keywords", "import", "keywords.csv", "--date", "2026-11-12"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[cfg(unix)]
#[test]
fn kill_9_during_import_leaves_the_previous_table() {
    let h = Harness::new();
    samples(&h);
    let o = h.run(&["keywords", "import", "keywords.csv", "--date", "2026-11-11"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let table = h.path("baobei-workspace/keywords.bkw");
    let manifest = h.path("baobei-workspace/manifest.json");
    let before = (
        std::fs::read(&table).unwrap(),
        std::fs::read(&manifest).unwrap(),
    );

    let mut big = String::from("关键词,类目,搜索人气,点击率,支付转化率,在线商品数\n");
    for i in 0..300_000 {
        big.push_str(&format!(
            "词{i},女装/连衣裙,{},2.5%,1.2%,{}\n",
            1000 + i,
            i * 3
        ));
    }
    h.write("big.csv", big);
    kill_mid_run(
        &h,
        &[
            "keywords",
            "import",
            "big.csv",
            "--date",
            "2026-11-12",
            "-q",
        ],
    );

    assert_eq!(std::fs::read(&table).unwrap(), before.0, "table unchanged");
    assert_eq!(
        std::fs::read(&manifest).unwrap(),
        before.1,
        "manifest unchanged"
    );
    let rows = show_json(&h, &["裙子", "词1"]);
    assert_eq!(rows[0]["found"], true);
    assert_eq!(rows[1]["found"], false);
    // The lock died with the process: the next writer goes ahead.
    h.write("small.csv", "关键词,搜索人气\n词1,5\n");
    let o = h.run(&["keywords", "import", "small.csv", "--date", "2026-11-12"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(show_json(&h, &["词1"])[0]["found"], true);
}

#[test]
fn other_dictionaries_than_the_workspace_was_built_with_are_detected() {
    let h = Harness::new();
    samples(&h);
    let o = h.run(&["keywords", "import", "keywords.csv", "--date", "2026-11-11"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = h.run(&["keywords", "show", "裙子"]);
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
    let dict = h.write("mine.tsv", "brand\taliases\tfreq\n栀夏\tZHIXIA\t\n");
    let o = h.run(&["keywords", "show", "裙子", "--dict", dict.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("warning"), "{err}");
    assert!(
        err.contains("other dictionaries") && err.contains("mine.tsv"),
        "{err}"
    );
    assert!(err.contains("re-index"), "{err}");
}

#[test]
fn through_train_xlsx_imports_and_restoration_is_configured_in_the_workspace() {
    use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Workbook};
    let h = Harness::new();
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (c, name) in [
        "日期",
        "关键词",
        "展现指数",
        "点击率(%)",
        "市场均价",
        "竞争度",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, c as u16, *name).unwrap();
    }
    let date = CellFormat::new().set_num_format("yyyy-mm-dd");
    let day = ExcelDateTime::from_ymd(2026, 11, 10).unwrap();
    sheet.write_datetime_with_format(1, 0, &day, &date).unwrap();
    sheet.write_string(1, 1, "蓝牙耳机").unwrap();
    sheet.write_number(1, 2, 52_000.0).unwrap();
    sheet.write_number(1, 3, 3.25).unwrap();
    sheet.write_number(1, 4, 2.15).unwrap();
    sheet.write_number(1, 5, 88.0).unwrap();
    workbook.save(h.path("ztc.xlsx")).unwrap();

    let o = h.run(&["keywords", "import", "ztc.xlsx"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r = &show_json(&h, &["蓝牙耳机"])[0];
    assert_eq!(r["source"], "through-train");
    assert_eq!(r["period"], "2026-11-10");
    assert!(close(&r["ctr"], 0.0325), "{}", r["ctr"]);
    assert!(close(&r["reference_cpc"], 2.15));
    assert!(r["popularity"].is_null() && r["demand"].is_null());

    // 指数还原 from baobei.toml: demand = 0.5 * popularity ^ 2.
    std::fs::write(
        h.path("baobei-workspace/baobei.toml"),
        "[restore]\npopularity = { power = 2.0, scale = 0.5 }\n",
    )
    .unwrap();
    h.write("ba.csv", "关键词,搜索人气\n耳机,\"1,000\"\n");
    let o = h.run(&["keywords", "import", "ba.csv", "--date", "2026-11-11"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r = &show_json(&h, &["耳机"])[0];
    assert!(close(&r["popularity"], 1000.0));
    assert!(close(&r["demand"], 500_000.0), "{}", r["demand"]);

    // A bad setting fails the import with where and what, and changes nothing.
    std::fs::write(
        h.path("baobei-workspace/baobei.toml"),
        "[restore]\npopularity = \"cubic\"\n",
    )
    .unwrap();
    let before = std::fs::read(h.path("baobei-workspace/keywords.bkw")).unwrap();
    let o = h.run(&["keywords", "import", "ba.csv", "--date", "2026-11-12"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("baobei.toml:2:14:"), "{}", stderr(&o));
    assert!(stderr(&o).contains("\"cubic\""), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(h.path("baobei-workspace/keywords.bkw")).unwrap(),
        before
    );
}

/// Starts a writer, waits until it holds the workspace lock (its pid is in the lock file) and
/// has worked a little, then kills it with SIGKILL.
fn kill_mid_run(h: &Harness, args: &[&str]) {
    kill_after(h, args, std::time::Duration::from_millis(300));
}

/// Starts `baobei args`, waits until it holds the workspace lock, lets it work for `delay`,
/// then kills it with SIGKILL (it must not have finished by then).
fn kill_after(h: &Harness, args: &[&str], delay: std::time::Duration) {
    use std::time::{Duration, Instant};
    let mut child = h
        .cmd(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = format!("pid {} ", child.id());
    let started = Instant::now();
    while !std::fs::read_to_string(h.path("baobei-workspace/.lock"))
        .unwrap_or_default()
        .starts_with(&pid)
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{args:?} never started"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(delay);
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        None,
        "killed mid-way, not finished: {status:?}"
    );
}

fn index_stats(h: &Harness) -> std::collections::BTreeMap<String, String> {
    let o = h.run(&["index", "stats", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stdout(&o)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["name"].as_str().unwrap().to_owned(),
                v["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn index_add_upserts_listings_with_snapshots() {
    let h = Harness::new();
    baobei::sample::write_all(h.dir.path()).unwrap();
    let o = h.run(&["index", "add", "listings.csv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let stats = index_stats(&h);
    assert_eq!(stats["listings"], "252");
    assert_eq!(stats["snapshot rows"], "747");
    assert_eq!(stats["role competitor"], "48");
    // Upsert: the same file again changes nothing.
    h.run(&["index", "add", "listings.csv"]);
    assert_eq!(index_stats(&h)["snapshot rows"], "747");
    // Own items carry no role or date column: the flags give them. Without a role the file
    // fails once, naming it and the flag, instead of rejecting every row for the same reason.
    let o = h.run(&["index", "add", "own_items.csv"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("own_items.csv: no role column") && stderr(&o).contains("--role"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("拒收"), "{}", stderr(&o));
    assert_eq!(index_stats(&h)["snapshot rows"], "747", "nothing indexed");
    let o = h.run(&[
        "index",
        "add",
        "own_items.csv",
        "--role",
        "own",
        "--snapshot",
        "2026-11-11",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(index_stats(&h)["role own"], "24");
}

#[test]
fn kill_9_during_index_add_leaves_the_last_commit() {
    let h = Harness::new();
    baobei::sample::write_all(h.dir.path()).unwrap();
    assert_eq!(
        h.run(&["index", "add", "listings.csv"]).status.code(),
        Some(0)
    );
    let before = index_stats(&h);

    let mut big = String::from("宝贝ID,标题,类目,销量\n");
    for i in 0..400_000 {
        big.push_str(&format!(
            "9{i:011},新款碎花雪纺连衣裙女夏季{i},女装/连衣裙,{}\n",
            i % 500
        ));
    }
    h.write("big.csv", big);
    kill_mid_run(
        &h,
        &[
            "index",
            "add",
            "big.csv",
            "--role",
            "industry",
            "--snapshot",
            "2026-11-12",
        ],
    );

    let after = index_stats(&h);
    assert_eq!(
        after["listings"], before["listings"],
        "the killed batch was never committed"
    );
    assert_eq!(after["snapshot rows"], before["snapshot rows"]);
    let o = h.run(&[
        "index",
        "add",
        "own_items.csv",
        "--role",
        "own",
        "--snapshot",
        "2026-11-11",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "the next writer goes on: {}",
        stderr(&o)
    );
    assert_eq!(index_stats(&h)["role own"], "24");
}

// ---- ads review ----

/// `ads review` on the sample report as JSON records, keyed by (item, keyword).
fn review_json(
    h: &Harness,
    extra: &[&str],
) -> std::collections::BTreeMap<(String, String), serde_json::Value> {
    let mut args = vec![
        "ads",
        "review",
        "--report",
        "ztc_report.csv",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let o = h.run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stdout(&o)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["action"] != "negative" && v["action"] != "add")
        .map(|v| {
            let key = (
                v["item"].as_str().unwrap().to_owned(),
                v["keyword"].as_str().unwrap().to_owned(),
            );
            (key, v)
        })
        .collect()
}

#[test]
fn ads_review_catches_the_planted_traps_and_beats_the_click_rule() {
    use baobei::sample::planted;
    let h = Harness::new();
    samples(&h);
    let bayes = review_json(&h, &[]);
    let classic = review_json(&h, &["--rules", "classic"]);
    assert_eq!(bayes.len(), 91);
    let action = |m: &std::collections::BTreeMap<(String, String), serde_json::Value>,
                  (item, kw): (&str, &str)| {
        m[&(item.to_owned(), kw.to_owned())]["action"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    for &(item, kw) in planted::ZTC_NO_CLICKS
        .iter()
        .chain(planted::ZTC_NO_CLICKS_10K)
    {
        assert_eq!(action(&bayes, (item, kw)), "delete", "{kw}");
        assert_eq!(action(&classic, (item, kw)), "delete", "{kw}");
    }
    // 71 clicks, no order this week, ~3% true CVR: classic deletes it, bayes keeps it running.
    let trap = ("674502351894", "蓝牙耳机适用苹果");
    assert_eq!(action(&classic, trap), "delete");
    assert!(
        !matches!(action(&bayes, trap).as_str(), "pause" | "delete"),
        "{}",
        bayes[&(trap.0.to_owned(), trap.1.to_owned())]
    );
    for &(item, kw) in planted::ZTC_STARS {
        assert_eq!(action(&bayes, (item, kw)), "raise", "{kw}");
    }
    // Every record carries what the issue asks for.
    for v in bayes.values() {
        for key in [
            "plan",
            "ad_group",
            "item",
            "keyword",
            "action",
            "bid",
            "new_bid",
            "reason",
            "confidence",
            "ctr",
            "cvr",
            "cvr_low",
            "cvr_high",
            "value_per_click",
        ] {
            assert!(v.get(key).is_some(), "{key} missing in {v}");
        }
        let c = v["confidence"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&c));
        let moved = matches!(v["action"].as_str(), Some("raise" | "lower"));
        assert_eq!(moved, v["new_bid"].is_number(), "{v}");
    }
    // Two weeks of no orders: the never-buying keywords are cut with high confidence.
    let two_weeks = review_json(&h, &["--days", "14"]);
    for &(item, kw) in &[planted::ZTC_LOW_ROI[0], planted::ZTC_LOW_ROI[2]] {
        let v = &two_weeks[&(item.to_owned(), kw.to_owned())];
        assert!(
            matches!(v["action"].as_str(), Some("lower" | "pause"))
                && v["confidence"].as_f64().unwrap() > 0.85,
            "{v}"
        );
    }
}

#[test]
fn ads_review_writes_chinese_csv_and_a_summary() {
    let h = Harness::new();
    samples(&h);
    let o = h.run(&[
        "ads",
        "review",
        "--report",
        "ztc_report.csv",
        "--output",
        "decisions.csv",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("91 个关键词，7 天（贝叶斯规则）") && err.contains("花费转移"),
        "{err}"
    );
    let o = h.run(&[
        "--lang",
        "en",
        "ads",
        "review",
        "--report",
        "ztc_report.csv",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("91 keywords over 7 days (bayes rules)") && err.contains("spend moved"),
        "{err}"
    );
    let text = std::fs::read_to_string(h.path("decisions.csv")).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("Excel BOM");
    let header = text.lines().next().unwrap();
    assert!(
        header.starts_with("推广计划,推广单元,宝贝ID,关键词,操作,出价,新出价,原因,置信度"),
        "{header}"
    );
    assert_eq!(text.lines().count(), 1 + 91);
    // The decisions file is itself a report-like file baobei can read back.
    let header = baobei::input::describe(h.path("decisions.csv"), &Default::default())
        .unwrap()
        .unwrap();
    assert!(header.has(baobei::input::Field::Keyword) && header.has(baobei::input::Field::Bid));
}

#[test]
fn ads_review_rejects_bad_rows_and_fails_without_usable_ones() {
    let h = Harness::new();
    let head = "日期,推广单元,宝贝ID,关键词,出价,展现量,点击量,花费(分),总成交笔数,总成交金额\n";
    h.write(
        "r.csv",
        format!(
            "{head}2026-11-01,u,1,连衣裙,1.50,1000,30,3300,1,199\n\
             2026-11-02,u,1,连衣裙,1.50,100,300,330,0,0\n\
             2026-11-02,u,1,碎花连衣裙,abc,100,3,330,0,0\n"
        ),
    );
    let o = h.run(&[
        "ads",
        "review",
        "--report",
        "r.csv",
        "--format",
        "json",
        "--rejects",
        "bad.csv",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("r.csv:3:7: 300 clicks but 100 impressions"),
        "{err}"
    );
    assert!(
        err.contains("r.csv:4:5: 出价: not a number: \"abc\""),
        "{err}"
    );
    let rejects = std::fs::read_to_string(h.path("bad.csv")).unwrap();
    assert_eq!(rejects.lines().count(), 3, "{rejects}");
    let out: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(out.len(), 1);
    // 花费(分): 3300 分 over 30 clicks is ¥1.10 a click.
    assert!(close(&out[0]["cost"], 33.0), "{}", out[0]);

    h.write(
        "empty.csv",
        format!("{head}2026-11-01,u,1,连衣裙,-1,1000,30,3300,1,199\n"),
    );
    let o = h.run(&["ads", "review", "--report", "empty.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("empty.csv: no usable report rows (1 rejected)"),
        "{}",
        stderr(&o)
    );
    let o = h.run(&["ads", "review", "--report", "missing.csv"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn ads_review_reads_fen_costs_by_scale_or_flag() {
    let h = Harness::new();
    let head = "日期,推广单元,宝贝ID,关键词,出价,展现量,点击量,花费,总成交笔数,总成交金额\n";
    let rows = "2026-11-01,u,1,连衣裙,1.50,1000,30,3300,1,199\n\
                2026-11-02,u,1,碎花连衣裙,1.20,800,20,1800,0,0\n";
    h.write("r.csv", format!("{head}{rows}"));
    let cost = |extra: &[&str]| {
        let mut args = vec!["ads", "review", "--report", "r.csv", "--format", "json"];
        args.extend_from_slice(extra);
        let o = h.run(&args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let v: serde_json::Value =
            serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
        (v["cost"].as_f64().unwrap(), stderr(&o))
    };
    let (detected, err) = cost(&[]);
    assert!((detected - 18.0).abs() < 1e-9, "{detected}");
    assert!(err.contains("cost read as 分"), "{err}");
    let (forced, _) = cost(&["--cost-unit", "yuan"]);
    assert!((forced - 1800.0).abs() < 1e-9, "{forced}");
}

// ---- keywords derive and index rebuild ----

/// The sample's market listings in the harness workspace.
fn sample_index(h: &Harness) {
    samples(h);
    let o = h.run(&["index", "add", "listings.csv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn keywords_derive_marks_rows_derived_and_an_export_wins() {
    let h = Harness::new();
    sample_index(&h);
    let o = h.run(&["keywords", "import", "keywords.csv", "--date", "2026-11-11"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = h.run(&["keywords", "derive", "--queries", "queries.tsv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("推导出") && err.contains("从 252 个宝贝"),
        "{err}"
    );

    let rows = show_json(
        &h,
        &["新中式裙子", "连衣裙", "新中式连衣裙", "无线耳机 不入耳"],
    );
    // A query of the log that no export has: derived, demand and competition from the
    // listings found for it.
    assert_eq!(rows[0]["source"], "derived");
    assert!(rows[0]["demand"].as_f64().unwrap() > 0.0);
    assert!(rows[0]["online_items"].as_u64().unwrap() >= 1);
    assert_eq!(rows[0]["period"], "2026-11-09~2026-11-11");
    assert_eq!(rows[0]["category"], "女装/连衣裙");
    // Words of the export: the measured rows win over the derived ones.
    for row in &rows[1..3] {
        assert_eq!(row["source"], "business-advisor", "{row}");
    }
    // A real query (from queries.tsv, 不入耳无线耳机) looked up in any order.
    assert_eq!(rows[3]["found"], true);
    assert_eq!(rows[3]["source"], "derived");
    // No n-gram of the titles is a keyword any more: 新中式 alone is nobody's query here.
    let rows = show_json(&h, &["新中式"]);
    assert_eq!(rows[0]["found"], false, "{}", rows[0]);

    // Deriving again over the same listings replaces the derived rows: same table.
    let before = std::fs::read(h.path("baobei-workspace/keywords.bkw")).unwrap();
    let o = h.run(&["keywords", "derive", "--queries", "queries.tsv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(h.path("baobei-workspace/keywords.bkw")).unwrap(),
        before
    );
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(h.path("baobei-workspace/manifest.json")).unwrap(),
    )
    .unwrap();
    let imports = manifest["imports"].as_array().unwrap();
    assert_eq!(imports.last().unwrap()["source"], "derived");
    assert_eq!(imports.last().unwrap()["file"], "queries.tsv");
}

#[test]
fn derived_rising_words_snapshot() {
    let h = Harness::new();
    sample_index(&h);
    let o = h.run(&["keywords", "derive", "--queries", "queries.tsv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = h.run(&[
        "keywords",
        "show",
        "--format",
        "csv",
        "新中式连衣裙",
        "加绒加厚裙",
        "屏障 面霜女",
        "胶原蛋白面霜",
        "开放式耳机",
        "降噪耳机",
        "连衣裙",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("keywords_derive_show_csv", stdout(&o));
}

#[test]
fn keywords_derive_reads_plain_query_lists_and_needs_an_index() {
    let h = Harness::new();
    samples(&h);
    let o = h.run(&["keywords", "derive"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no listing index") && stderr(&o).contains("index add"),
        "{}",
        stderr(&o)
    );
    sample_index(&h);
    // Keywords are real queries: without a query log there is nothing to derive.
    let o = h.run(&["keywords", "derive"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--queries"), "{}", stderr(&o));
    // One query per line; the same words in another order or spacing are one query.
    h.write(
        "mine.txt",
        "新中式 加绒\n新中式　加绒\n加绒 新中式\nXYZ不存在的词\n",
    );
    let o = h.run(&["keywords", "derive", "--queries", "mine.txt"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("推导出 1 个关键词")
            && stderr(&o).contains("4 行搜索词中的 2 个不同搜索词"),
        "{}",
        stderr(&o)
    );
    let rows = show_json(&h, &["新中式 加绒"]);
    assert_eq!(rows[0]["source"], "derived");
    // The queries are kept: a later derive needs no --queries (said in English this time).
    let o = h.run(&["--lang", "en", "keywords", "derive"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("derived 1 keywords")
            && stderr(&o).contains("of 2 distinct queries in 4 query lines"),
        "{}",
        stderr(&o)
    );
    // --category restricts the listings: no dress is a face cream.
    let o = h.run(&[
        "keywords",
        "derive",
        "--queries",
        "mine.txt",
        "--category",
        "美妆/面霜",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("推导出 0 个关键词"), "{}", stderr(&o));
}

#[test]
fn index_rebuild_adopts_the_current_dictionaries() {
    let h = Harness::new();
    sample_index(&h);
    let before = index_stats(&h);
    let dict = h.write("mine.tsv", "brand\taliases\tfreq\n栀夏\tZHIXIA\t\n");
    let dict = dict.to_str().unwrap();
    let o = h.run(&["index", "stats", "--dict", dict]);
    assert!(
        stderr(&o).contains("warning") && stderr(&o).contains("baobei index rebuild"),
        "{}",
        stderr(&o)
    );
    let o = h.run(&["index", "rebuild", "--dict", dict]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("252 个宝贝，747 行快照"),
        "{}",
        stderr(&o)
    );
    let o = h.run(&["index", "stats", "--dict", dict, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
    let mut after = index_stats(&h);
    // Only the size, segments and last-import lines may differ.
    for key in ["bytes on disk", "segments", "last import"] {
        after.remove(key);
    }
    let mut before = before;
    for key in ["bytes on disk", "segments", "last import"] {
        before.remove(key);
    }
    assert_eq!(after, before);
    assert!(!h.path("baobei-workspace/index.new").exists());
    assert!(!h.path("baobei-workspace/index.old").exists());
    // Without the dictionary the workspace is now the stale one.
    let o = h.run(&["index", "stats"]);
    assert!(stderr(&o).contains("index rebuild"), "{}", stderr(&o));
}

#[test]
fn kill_9_during_index_rebuild_leaves_a_usable_index() {
    let h = Harness::new();
    sample_index(&h);
    let mut big = String::from("宝贝ID,标题,类目,销量\n");
    for i in 0..20_000 {
        big.push_str(&format!(
            "8{i:011},加绒新中式连衣裙女冬季{i},女装/连衣裙,{}\n",
            i % 300
        ));
    }
    h.write("big.csv", big);
    let o = h.run(&[
        "index",
        "add",
        "big.csv",
        "--role",
        "industry",
        "--snapshot",
        "2026-11-12",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let before = index_stats(&h);
    kill_mid_run(&h, &["index", "rebuild"]);
    let after = index_stats(&h);
    assert_eq!(after["listings"], before["listings"]);
    assert_eq!(after["snapshot rows"], before["snapshot rows"]);
    let o = h.run(&["index", "rebuild"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "the next rebuild completes: {}",
        stderr(&o)
    );
    assert_eq!(index_stats(&h)["listings"], before["listings"]);
    assert!(!h.path("baobei-workspace/index.new").exists());
    assert!(!h.path("baobei-workspace/index.old").exists());
}

// ---- score and rewrite ----

/// A workspace from the built-in sample: its keyword export imported, its listings indexed.
fn market_workspace() -> Harness {
    let h = Harness::new();
    samples(&h);
    let o = h.run(&["keywords", "import", "keywords.csv", "--date", "2026-11-09"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = h.run(&["index", "add", "listings.csv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    h
}

/// Issue 13: reasons, problems and decisions read in Chinese by default and in English with
/// `--lang en`, from the same structured values.
#[test]
fn reasons_render_in_chinese_and_in_english() {
    let h = market_workspace();
    for lang in ["zh", "en"] {
        let run = |args: &[&str], lines: &dyn Fn(&str) -> bool| {
            let mut all = vec!["--lang", lang, "--format", "csv"];
            all.extend(args);
            let o = h.run(&all);
            assert!(o.status.success(), "{args:?}: {}", stderr(&o));
            let out = stdout(&o);
            let mut picked: Vec<&str> = out.lines().take(1).collect();
            picked.extend(out.lines().skip(1).filter(|l| lines(l)));
            format!("$ {}\n{}\n", args.join(" "), picked.join("\n"))
        };
        let mut text = String::new();
        text += &run(&["lint", "顶级面霜 补水面霜ＡＢ😀\u{7}  "], &|_| true);
        text += &run(&["rewrite", "-i", "own_items.csv"], &|l| {
            ["652318804417,", "652319927730,"]
                .iter()
                .any(|id| l.starts_with(id))
        });
        text += &run(&["suggest", "--title", CREAM, "--limit", "2"], &|_| true);
        let seen = std::cell::RefCell::new(std::collections::BTreeSet::new());
        text += &run(&["ads", "review", "--report", "ztc_report.csv"], &|l| {
            // The first record of each action.
            let action = l.split(',').nth(4).unwrap_or_default().to_owned();
            seen.borrow_mut().insert(action)
        });
        insta::assert_snapshot!(format!("reasons_{lang}"), text);
    }
}

#[test]
fn rewrite_is_byte_identical_for_any_thread_count_and_keeps_the_constraints() {
    let h = market_workspace();
    let run = |threads: &str| {
        let o = h.run(&[
            "--threads",
            threads,
            "--format",
            "json",
            "rewrite",
            "-i",
            "own_items.csv",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        o.stdout
    };
    let one = run("1");
    assert_eq!(one, run("2"), "output depends on the thread count");
    let records: Vec<serde_json::Value> = String::from_utf8(one)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 24);
    let mut keys: Vec<&str> = records[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    let mut expected = [
        "id",
        "title",
        "new_title",
        "bytes",
        "new_bytes",
        "score",
        "new_score",
        "recall",
        "new_recall",
        "gained",
        "lost",
        "added",
        "removed",
        "changes",
        "suggestions",
        "upper_bound",
        "kept",
        "reason",
    ];
    expected.sort_unstable();
    assert_eq!(keys, expected);
    let mut changed = 0;
    for r in &records {
        assert!(r["new_bytes"].as_u64().unwrap() <= 60, "{r}");
        // Never found for less, unless a fix the rules force costs a query (named).
        let forced = r["changes"].as_array().unwrap().iter().any(|c| {
            ["prohibited", "banned", "repeated", "over_budget"]
                .contains(&c["kind"].as_str().unwrap())
        });
        assert!(
            forced || r["new_recall"]["value"].as_f64() >= r["recall"]["value"].as_f64(),
            "{r}"
        );
        if r["new_recall"]["value"].as_f64() < r["recall"]["value"].as_f64() {
            assert!(
                !r["lost"].as_array().unwrap().is_empty(),
                "losses are named: {r}"
            );
        }
        let new = r["new_title"].as_str().unwrap();
        for banned in ["顶级", "极品", "最好", "特供", "全网第一", "第一品牌"] {
            assert!(!new.contains(banned), "{new}");
        }
        changed += usize::from(r["new_title"] != r["title"]);
    }
    assert!(changed >= 5, "only {changed} titles edited");
    let lines: Vec<String> = records
        .iter()
        .take(8)
        .map(|r| format!("{} -> {}", r["title"], r["new_title"]))
        .collect();
    insta::assert_snapshot!("rewrite_sample_items", lines.join("\n"));
}

#[test]
fn score_records_have_the_issue_fields() {
    let h = market_workspace();
    let o = h.run(&[
        "--format",
        "json",
        "score",
        "栀夏顶级丝绒连衣裙女秋冬丝绒复古赫本风小黑裙收腰长袖连衣裙",
        "栀夏法式碎花雪纺连衣裙女秋季收腰显瘦长袖长裙",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for key in [
        "id",
        "title",
        "bytes",
        "score",
        "found",
        "reachable",
        "queries",
        "missing",
        "suggestions",
        "checks",
        "problems",
    ] {
        assert!(r[0].get(key).is_some(), "{key} in {}", r[0]);
    }
    // Recall prediction: the real queries each title is found for, by name.
    for record in &r {
        let found = record["found"]["queries"].as_u64().unwrap();
        assert!(found > 0, "{record}");
        assert_eq!(
            record["queries"].as_array().unwrap().len() as u64,
            found.min(10)
        );
        assert!(record["queries"][0]["keyword"].is_string());
        assert!(record["found"]["value"].as_f64() <= record["reachable"]["value"].as_f64());
    }
    // A prohibited word is a failed check beside the score, not points off it.
    assert_eq!(r[0]["checks"][0]["kind"], "prohibited");
    assert_eq!(r[0]["problems"][0]["kind"], "prohibited");
    assert!(r[1]["checks"].as_array().unwrap().is_empty(), "{}", r[1]);
}

#[test]
fn rewrite_without_keyword_data_says_what_to_run() {
    let h = Harness::new();
    samples(&h);
    let o = h.run(&["rewrite", "-i", "own_items.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("baobei keywords import"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("keywords derive"), "{}", stderr(&o));
}

#[test]
fn rewrite_rejects_rows_without_a_title_and_exits_1() {
    let h = market_workspace();
    h.write(
        "items.csv",
        "宝贝ID,标题,品牌\n1,栀夏碎花连衣裙女,栀夏\n2,,栀夏\n",
    );
    let o = h.run(&[
        "--format",
        "csv",
        "rewrite",
        "-i",
        "items.csv",
        "-o",
        "out.csv",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = std::fs::read_to_string(h.path("out.csv")).unwrap();
    assert!(out.contains("原标题") && out.contains("新标题"), "{out}");
    assert!(h.path("out.csv.rejects.csv").is_file());
    let o = h.run(&["rewrite", "-i", "own_items.csv", "--dry-run"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("24 个宝贝"), "{}", stdout(&o));
}

// ---- rescore and runs ----

const RESCORE: &[&str] = &[
    "rescore",
    "--listings",
    "own_items.csv",
    "--competitors",
    "listings.csv",
    "--keywords",
    "keywords.csv",
    "--ads",
    "ztc_report.csv",
];

fn rescore(h: &Harness, date: &str) -> Output {
    let mut args = RESCORE.to_vec();
    args.extend(["--date", date]);
    h.run(&args)
}

fn runs_list(h: &Harness) -> Vec<serde_json::Value> {
    let o = h.run(&["runs", "list", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn run_lines(h: &Harness, run: &str, file: &str) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(h.path(&format!("baobei-workspace/runs/{run}/{file}")))
        .unwrap_or_default();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn rescore_writes_a_complete_run_and_the_next_one_builds_on_it() {
    let h = Harness::new();
    samples(&h);
    let o = rescore(&h, "2026-11-11");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).trim(),
        "baobei-workspace/runs/2026-11-11-1/report.html"
    );
    let run = h.path("baobei-workspace/runs/2026-11-11-1");
    for file in [
        "manifest.json",
        "scores.jsonl",
        "proposals.jsonl",
        "proposals.csv",
        "ads.jsonl",
        "report.html",
    ] {
        assert!(run.join(file).is_file(), "{file} missing");
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["inputs"].as_array().unwrap().len(), 4);
    assert_eq!(
        manifest["inputs"][0]["checksum"].as_str().unwrap().len(),
        16
    );
    assert_eq!(manifest["counts"]["items"], 24);
    let scores = run_lines(&h, "2026-11-11-1", "scores.jsonl");
    assert_eq!(scores.len(), 24, "every own item scored");
    let proposals = run_lines(&h, "2026-11-11-1", "proposals.jsonl");
    assert!(!proposals.is_empty());
    for p in &proposals {
        assert_eq!(p["status"], "new");
        // Proposed for what it gains, or for a fix the rules force.
        let reason = p["reason"].as_str().unwrap();
        let fix = ["违禁词", "禁用词", "重复词", "超出预算"]
            .iter()
            .any(|f| reason.contains(f));
        assert!(
            fix || p["new_score"].as_f64().unwrap() - p["score"].as_f64().unwrap() >= 5.0,
            "{p}"
        );
    }
    let csv = std::fs::read_to_string(run.join("proposals.csv")).unwrap();
    assert!(
        csv.starts_with("\u{feff}宝贝ID,原标题,新标题"),
        "Excel-ready CSV"
    );

    // The same files the next night: nothing re-indexed, standing proposals repeated, not new.
    let o = rescore(&h, "2026-11-12");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let runs = runs_list(&h);
    assert_eq!(runs.len(), 2);
    let second: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(h.path("baobei-workspace/runs/2026-11-12-1/manifest.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(second["previous"], "2026-11-11-1");
    assert_eq!(second["counts"]["listings_indexed"], 0, "{second}");
    assert!(second["counts"]["listings_unchanged"].as_u64().unwrap() > 700);
    assert_eq!(second["counts"]["proposals"], 0);
    assert_eq!(second["counts"]["repeated"], proposals.len() as u64);
    let repeated = run_lines(&h, "2026-11-12-1", "proposals.jsonl");
    assert!(
        repeated
            .iter()
            .all(|p| p["status"] == "repeated" && p["first_proposed"] == "2026-11-11")
    );

    // An operator applies one proposal: the item is not proposed again within the hold period.
    let applied = &proposals[0];
    let own = std::fs::read_to_string(h.path("own_items.csv")).unwrap();
    let own = own.replacen(
        applied["title"].as_str().unwrap(),
        applied["new_title"].as_str().unwrap(),
        1,
    );
    h.write("own_items.csv", own);
    let o = rescore(&h, "2026-11-13");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let third = run_lines(&h, "2026-11-13-1", "scores.jsonl");
    let item = third.iter().find(|s| s["id"] == applied["id"]).unwrap();
    assert_eq!(item["title_changed"], "2026-11-13");
    let third_proposals = run_lines(&h, "2026-11-13-1", "proposals.jsonl");
    assert!(third_proposals.iter().all(|p| p["id"] != applied["id"]));

    // runs show and runs diff.
    let o = h.run(&["runs", "show", "latest", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("\"id\":\"2026-11-13-1\""));
    let o = h.run(&["runs", "diff", "2026-11-11-1", "latest", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = h.run(&["runs", "show", "2026-12-01-1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no run named"), "{}", stderr(&o));
}

#[test]
fn rescore_killed_at_any_point_leaves_no_partial_run() {
    let h = Harness::new();
    samples(&h);
    assert_eq!(rescore(&h, "2026-11-11").status.code(), Some(0));
    let mut args = RESCORE.to_vec();
    args.extend(["--date", "2026-11-12"]);
    // How long the night takes here, from a copy of the workspace, so that the kills fall
    // inside it on any machine.
    // Timed from the moment it holds the lock, as `kill_after` counts, not from its start
    // (loading the dictionaries comes first and takes much of a short night).
    let copy = Harness::new();
    samples(&copy);
    assert_eq!(rescore(&copy, "2026-11-11").status.code(), Some(0));
    let mut night = copy
        .cmd(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = format!("pid {} ", night.id());
    while !std::fs::read_to_string(copy.path("baobei-workspace/.lock"))
        .unwrap_or_default()
        .starts_with(&pid)
    {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let started = std::time::Instant::now();
    assert_eq!(night.wait().unwrap().code(), Some(0));
    let took = started.elapsed();
    for share in [0.05, 0.3, 0.6] {
        kill_after(&h, &args, took.mul_f64(share));
        let ms = took.mul_f64(share).as_millis();
        let runs = runs_list(&h);
        assert_eq!(runs.len(), 1, "killed after {ms} ms: no partial run listed");
        assert_eq!(index_stats(&h)["listings"], "276", "the index is usable");
    }
    let o = rescore(&h, "2026-11-12");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(runs_list(&h).len(), 2);
    let leftovers: Vec<_> = std::fs::read_dir(h.path("baobei-workspace/runs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(
        leftovers.is_empty(),
        "the next run clears killed ones: {leftovers:?}"
    );
}

#[test]
fn rescore_is_locked_and_sets_bad_rows_aside_with_exit_1() {
    let h = Harness::new();
    samples(&h);
    let mut own = std::fs::read_to_string(h.path("own_items.csv")).unwrap();
    own.push_str("999,\n");
    h.write("own_items.csv", own);
    let o = rescore(&h, "2026-11-11");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let rejects =
        std::fs::read_to_string(h.path("baobei-workspace/runs/2026-11-11-1/rejects.csv")).unwrap();
    assert!(rejects.contains("own_items.csv:26"), "{rejects}");
    assert_eq!(runs_list(&h)[0]["items"], 24, "the good rows still finish");

    // A second writer is refused at once, naming the holder.
    let mut args = RESCORE.to_vec();
    args.extend(["--date", "2026-11-12"]);
    let mut first = h
        .cmd(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !std::fs::read_to_string(h.path("baobei-workspace/.lock"))
        .unwrap_or_default()
        .starts_with(&format!("pid {} ", first.id()))
    {
        assert!(started.elapsed().as_secs() < 60);
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let o = rescore(&h, "2026-11-12");
    first.wait().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("is being written by pid"),
        "{}",
        stderr(&o)
    );
}

/// Issue 13: the nightly report and summary read in Chinese by default and in English with
/// `--lang en`; `runs diff` keeps the reasons structured for machines and worded for people.
#[test]
fn rescore_report_and_summary_are_chinese_by_default_and_english_with_lang_en() {
    let h = Harness::new();
    samples(&h);
    let o = rescore(&h, "2026-11-11");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("个宝贝（平均分"), "{}", stderr(&o));
    let mut args = vec!["--lang", "en"];
    args.extend(RESCORE);
    args.extend(["--date", "2026-11-12"]);
    let o = h.run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("items (mean score"), "{}", stderr(&o));
    let read = |run: &str| {
        std::fs::read_to_string(h.path(&format!("baobei-workspace/runs/{run}/report.html")))
            .unwrap()
    };
    let (zh, en) = (read("2026-11-11-1"), read("2026-11-12-1"));
    for heading in ["<h2>分数分布</h2>", "<h2>标题建议</h2>", "<h2>直通车</h2>"] {
        assert!(zh.contains(heading), "zh: {heading} missing");
        assert!(!en.contains(heading), "en: {heading} present");
    }
    for heading in [
        "<h2>Score distribution</h2>",
        "<h2>Title proposals</h2>",
        "<h2>Through-train ads</h2>",
    ] {
        assert!(en.contains(heading), "en: {heading} missing");
        assert!(!zh.contains(heading), "zh: {heading} present");
    }
    assert!(zh.contains("<html lang=\"zh-CN\">") && en.contains("<html lang=\"en\">"));

    for (lang, word) in [("zh", "没有宝贝的分数"), ("en", "no item's score moved")] {
        let o = h.run(&[
            "--lang",
            lang,
            "runs",
            "diff",
            "2026-11-11-1",
            "latest",
            "--min-change",
            "1000",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(stderr(&o).contains(word), "{lang}: {}", stderr(&o));
    }
}

#[test]
fn rescore_report_loads_in_chromium_without_console_errors() {
    let Some(chromium) = common::chromium() else {
        return;
    };
    let h = Harness::new();
    samples(&h);
    assert_eq!(rescore(&h, "2026-11-11").status.code(), Some(0));
    assert_eq!(rescore(&h, "2026-11-12").status.code(), Some(0));
    let report = h.path("baobei-workspace/runs/2026-11-12-1/report.html");
    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("rescore-report.png");
    let page = common::load_in_chromium(&chromium, &report, &shot);
    assert!(page.console.is_empty(), "console: {:?}", page.console);
    assert!(
        page.dom.contains("data-ready=\"1\""),
        "the page's script ran to the end"
    );
    for section in ["分数分布", "飙升词", "标题建议", "直通车", "<svg"] {
        assert!(page.dom.contains(section), "{section} missing");
    }
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "a real screenshot"
    );
    eprintln!("screenshot: {}", shot.display());
}

// ---- suggest ----

/// `suggest ARGS --format json` in `h`, parsed.
fn suggest_json(h: &Harness, args: &[&str]) -> Vec<serde_json::Value> {
    let mut all = vec!["--format", "json", "suggest"];
    all.extend_from_slice(args);
    let o = h.run(&all);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const CREAM: &str = "初禾玻色因紧致面霜50g淡纹抗皱补水保湿修护乳霜秋冬女";

#[test]
fn suggest_ranks_head_before_long_tail_with_covered_and_gap_flags() {
    let h = market_workspace();
    let r = suggest_json(
        &h,
        &["--title", CREAM, "--category", "美妆/面霜", "--limit", "50"],
    );
    assert!(r.len() > 20, "{}", r.len());
    let groups: Vec<&str> = r.iter().map(|v| v["group"].as_str().unwrap()).collect();
    let first_tail = groups.iter().position(|g| *g == "long_tail").unwrap();
    assert!(first_tail > 0, "head keywords come first");
    assert!(
        groups[first_tail..].iter().all(|g| *g == "long_tail"),
        "{groups:?}"
    );
    for pair in r.windows(2).filter(|p| p[0]["group"] == p[1]["group"]) {
        assert!(pair[0]["score"].as_f64() >= pair[1]["score"].as_f64());
        assert_eq!(
            pair[1]["rank"].as_u64(),
            pair[0]["rank"].as_u64().map(|n| n + 1)
        );
    }
    let get = |kw: &str| {
        r.iter()
            .find(|v| v["keyword"] == kw)
            .unwrap_or_else(|| panic!("{kw}"))
    };
    // 屏障 is not in the title, 补水保湿 and 面霜 are.
    assert_eq!(get("屏障面霜")["covered"], false);
    assert_eq!(get("补水保湿面霜")["covered"], true);
    assert_eq!(get("补水保湿面霜")["group"], "long_tail");
    assert_eq!(get("屏障面霜")["shares_product"], true);
    for v in &r {
        for key in [
            "value",
            "demand",
            "ctr",
            "cvr",
            "competition",
            "rising",
            "in_category",
            "similar_listings",
            "reason",
        ] {
            assert!(v.get(key).is_some(), "{key} in {v}");
        }
        assert!(
            v.get("roi").is_none() && v.get("cpc").is_none(),
            "title mode: {v}"
        );
        let gap = v["gap"].as_bool().unwrap();
        assert_eq!(
            gap,
            v["best_sellers"].as_u64().unwrap() > 0 && v["covered"] == false,
            "{v}"
        );
        // Other brands are never suggested.
        let kw = v["keyword"].as_str().unwrap();
        for brand in ["自然堂", "百雀羚", "珀莱雅", "韩束"] {
            assert!(!kw.contains(brand), "{kw}");
        }
    }
    assert!(
        r.iter().any(|v| v["gap"] == true),
        "the best sellers write words this title lacks"
    );
    // --limit applies per group.
    let two = suggest_json(&h, &["--title", CREAM, "--limit", "2"]);
    assert_eq!(two.len(), 4);
}

#[test]
fn suggest_for_ads_gives_roi_from_price_and_cpc() {
    let h = market_workspace();
    let at = |price: &str| {
        suggest_json(
            &h,
            &[
                "--title", CREAM, "--for", "ads", "--price", price, "--limit", "100",
            ],
        )
    };
    let (cheap, dear) = (at("60"), at("120"));
    assert_eq!(cheap.len(), dear.len());
    for v in &cheap {
        let (cvr, cpc, roi) = (
            v["cvr"].as_f64().unwrap(),
            v["cpc"].as_f64().unwrap(),
            v["roi"].as_f64().unwrap(),
        );
        assert!((roi - cvr * 60.0 / cpc).abs() < 0.006, "{v}");
        let d = dear.iter().find(|d| d["keyword"] == v["keyword"]).unwrap();
        assert!(
            (d["roi"].as_f64().unwrap() - 2.0 * roi).abs() < 0.011,
            "{v} {d}"
        );
    }
    // A low price makes ROI weigh: some keyword loses rank against the title ranking.
    let title = suggest_json(&h, &["--title", CREAM, "--limit", "100"]);
    let order = |r: &[serde_json::Value]| -> Vec<String> {
        r.iter()
            .map(|v| v["keyword"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_ne!(order(&cheap), order(&title));
    // Without a price there is no ROI.
    let none = suggest_json(&h, &["--title", CREAM, "--for", "ads", "--limit", "3"]);
    assert!(
        none.iter()
            .all(|v| v.get("roi").is_none() && v["cpc"].is_number())
    );
}

#[test]
fn suggest_item_looks_up_own_listings_and_explains_what_is_there() {
    let h = market_workspace();
    let o = h.run(&[
        "index",
        "add",
        "own_items.csv",
        "--role",
        "own",
        "--snapshot",
        "2026-11-11",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r = suggest_json(
        &h,
        &["--item", "663410276650", "--for", "ads", "--limit", "3"],
    );
    assert!(!r.is_empty());
    for v in &r {
        assert_eq!(v["id"], "663410276650");
        assert_eq!(v["title"], CREAM);
        assert!(
            v["roi"].is_number(),
            "the listing's price gives the ROI: {v}"
        );
    }
    let o = h.run(&["suggest", "--item", "717131862391"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("\"717131862391\" is a competitor listing"),
        "{}",
        stderr(&o)
    );
    let o = h.run(&["suggest", "--item", "42"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no own listing \"42\" in the index (24 own listings)"),
        "{}",
        stderr(&o)
    );
    // A file of items: one group of records per item, in input order.
    let r = suggest_json(&h, &["--input", "own_items.csv", "--limit", "1"]);
    let ids: Vec<&str> = r.iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 48);
    assert_eq!(ids[0], "652318804417");
}

#[test]
fn suggest_errors_say_what_to_do() {
    let h = Harness::new();
    let o = h.run(&["suggest", "--title", CREAM]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("baobei keywords import"),
        "{}",
        stderr(&o)
    );
    let o = h.run(&["suggest"]);
    assert_eq!(o.status.code(), Some(2), "one of --title, --item, --input");
    let o = h.run(&["suggest", "--item", "1", "--price", "9"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--price"), "{}", stderr(&o));
    let h = market_workspace();
    let o = h.run(&["suggest", "--item", "1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("0 own listings"), "{}", stderr(&o));
    let o = h.run(&["suggest", "--title", CREAM, "--for", "ads", "--price", "-3"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn suggest_table_snapshot() {
    // One indexing thread: ties among similar listings then break the same way every run.
    let h = Harness::new();
    samples(&h);
    for args in [
        &["keywords", "import", "keywords.csv", "--date", "2026-11-09"][..],
        &["--threads", "1", "index", "add", "listings.csv"][..],
    ] {
        let o = h.run(args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let o = h.run(&[
        "--format",
        "table",
        "suggest",
        "--title",
        CREAM,
        "--category",
        "美妆/面霜",
        "--for",
        "ads",
        "--price",
        "129",
        "--limit",
        "3",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("suggest_ads_table", stdout(&o));
    let csv = h.run(&[
        "--format", "csv", "suggest", "--title", CREAM, "--limit", "1",
    ]);
    assert!(
        stdout(&csv)
            .starts_with("ID,分组,排名,关键词,排序分,价值,需求,点击率,转化率,竞争度,已覆盖")
    );
}

#[test]
fn ads_review_proposes_suggested_keywords_the_ad_groups_lack() {
    let h = market_workspace();
    let o = h.run(&[
        "ads",
        "review",
        "--report",
        "ztc_report.csv",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let records: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let bought: std::collections::BTreeSet<(String, String)> = records
        .iter()
        .filter(|v| v["action"] != "add" && v["action"] != "negative")
        .map(|v| {
            (
                v["item"].as_str().unwrap().to_owned(),
                v["keyword"].as_str().unwrap().replace(' ', ""),
            )
        })
        .collect();
    let adds: Vec<&serde_json::Value> = records.iter().filter(|v| v["action"] == "add").collect();
    let items: std::collections::BTreeSet<&str> =
        adds.iter().map(|v| v["item"].as_str().unwrap()).collect();
    assert_eq!(items.len(), 6, "every ad group gets keywords: {adds:?}");
    for v in &adds {
        let key = (
            v["item"].as_str().unwrap().to_owned(),
            v["keyword"].as_str().unwrap().replace(' ', ""),
        );
        assert!(!bought.contains(&key), "already bought: {v}");
        assert!(v["new_bid"].as_f64().unwrap() > 0.0, "{v}");
        assert!(
            v["reason"]
                .as_str()
                .unwrap()
                .starts_with("suggest --for ads 推荐："),
            "{v}"
        );
        assert!(
            !v["suggested"].as_array().unwrap().is_empty(),
            "the reasons, structured: {v}"
        );
    }
    assert!(adds.len() <= 18);
    assert!(
        stderr(&o).contains(&format!("建议添加的词 {} 个", adds.len())),
        "{}",
        stderr(&o)
    );
    // Without keyword data: none, said once.
    let bare = Harness::new();
    samples(&bare);
    let o = bare.run(&[
        "ads",
        "review",
        "--report",
        "ztc_report.csv",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stdout(&o).contains("\"add\""));
    assert_eq!(
        stderr(&o).matches("工作区没有关键词数据").count(),
        1,
        "{}",
        stderr(&o)
    );
}

#[test]
fn one_gbk_line_in_a_utf8_file_is_not_mojibake_and_a_bad_byte_rejects_one_row() {
    let h = Harness::new();
    let mut bytes = "面霜补水\n自然堂乳液保湿霜\n".as_bytes().to_vec();
    bytes.extend_from_slice(&encoding_rs::GB18030.encode("滋润霜\n").0);
    h.write("m.txt", &bytes);
    let o = h.run(&["segment", "--format", "json", "--input", "m.txt"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let titles: Vec<String> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["title"].to_string())
        .collect();
    assert_eq!(
        titles,
        ["\"面霜补水\"", "\"自然堂乳液保湿霜\"", "\"滋润霜\""]
    );

    // One undecodable byte among 2,000 good rows: that row is rejected, the rest are done.
    let mut bytes = "宝贝ID,标题\n".as_bytes().to_vec();
    for i in 1..=2001 {
        if i == 1000 {
            bytes.extend_from_slice(b"1000,\xFF\xFE\n");
        } else {
            bytes.extend_from_slice(format!("{i},连衣裙{i}\n").as_bytes());
        }
    }
    h.write("big.csv", &bytes);
    let o = h.run(&["segment", "--format", "json", "--input", "big.csv"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 2000);
    assert!(
        stderr(&o).contains("big.csv:1001:6: neither UTF-8 nor GB18030"),
        "{}",
        stderr(&o)
    );
    let rejects = std::fs::read_to_string(h.path("big.csv.rejects.csv")).unwrap();
    assert_eq!(rejects.lines().count(), 2, "{rejects}");
}

#[cfg(unix)]
#[test]
fn output_to_a_fifo_or_symlink_streams_and_never_replaces_it() {
    use std::os::unix::fs::FileTypeExt;
    let h = Harness::new();
    h.write("target.csv", "old");
    std::os::unix::fs::symlink(h.path("target.csv"), h.path("link.csv")).unwrap();
    let o = h.run(&["lint", "顶级面霜", "--output", "link.csv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let meta = std::fs::symlink_metadata(h.path("link.csv")).unwrap();
    assert!(meta.file_type().is_symlink(), "the link is kept");
    let written = std::fs::read_to_string(h.path("target.csv")).unwrap();
    assert!(written.contains("顶级"), "{written}");

    let fifo = h.path("fifo.csv");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = std::thread::spawn({
        let fifo = fifo.clone();
        move || std::fs::read_to_string(fifo).unwrap()
    });
    let o = h.run(&["lint", "顶级面霜", "--output", "fifo.csv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(reader.join().unwrap().contains("顶级"));
    let kind = std::fs::metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "still a FIFO");

    let o = h.run(&["lint", "顶级面霜", "--output", "/dev/null"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let kind = std::fs::metadata("/dev/null").unwrap().file_type();
    assert!(kind.is_char_device(), "/dev/null is still the device");
}

#[test]
fn a_title_over_1000_characters_is_refused_with_its_location_in_every_command() {
    let h = market_workspace();
    let long = "顶级面霜".repeat(25_000);
    h.write(
        "t.csv",
        format!("宝贝ID,标题\n1,补水面霜\n2,{long}\n3,保湿乳液\n"),
    );
    for verb in ["lint", "segment", "score", "rewrite"] {
        let started = std::time::Instant::now();
        let o = h.run(&[verb, "--format", "json", "--input", "t.csv"]);
        assert_eq!(o.status.code(), Some(1), "{verb}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("t.csv:3:2: 标题: too long:"),
            "{verb}: {}",
            stderr(&o)
        );
        assert_eq!(
            stdout(&o).lines().count(),
            2,
            "{verb}: the good rows are done"
        );
        assert!(
            started.elapsed().as_secs() < 60,
            "{verb} took {:?}",
            started.elapsed()
        );
    }
    let o = h.run(&["lint", "--format", "json", "ok面霜", &"面".repeat(1001)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("argument 2: too long"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stdout(&o).lines().count(), 1);
}

#[test]
fn a_flipped_bit_in_keywords_bkw_is_a_clear_error_never_wrong_numbers() {
    let h = Harness::new();
    samples(&h);
    let o = h.run(&["keywords", "import", "keywords.csv", "--date", "2026-11-09"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let table = h.path("baobei-workspace/keywords.bkw");
    let mut bytes = std::fs::read(&table).unwrap();
    let middle = 80 + (bytes.len() - 80) / 2;
    bytes[middle] ^= 0x10;
    std::fs::write(&table, &bytes).unwrap();
    for args in [
        &["keywords", "show", "面霜"][..],
        &["score", "自然堂面霜补水保湿50g"],
        &["keywords", "import", "keywords.csv", "--date", "2026-11-10"],
    ] {
        let o = h.run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stdout(&o));
        assert!(
            stderr(&o).contains("keyword table checksum mismatch"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
    assert_eq!(
        std::fs::read(&table).unwrap(),
        bytes,
        "the damaged table is not rewritten with a fresh checksum"
    );
}

/// The bytes of every output of a nightly run that do not hold a clock (the report and the
/// run manifest carry times), and of the workspace's keyword table.
fn night_outputs(h: &Harness, run: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for file in [
        "scores.jsonl",
        "proposals.jsonl",
        "proposals.csv",
        "ads.jsonl",
        "rejects.csv",
    ] {
        let path = h.path(&format!("baobei-workspace/runs/{run}/{file}"));
        out.push((file.to_owned(), std::fs::read(path).unwrap_or_default()));
    }
    let table = std::fs::read(h.path("baobei-workspace/keywords.bkw")).unwrap();
    out.push(("keywords.bkw".to_owned(), table));
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(h.path(&format!("baobei-workspace/runs/{run}/manifest.json")))
            .unwrap(),
    )
    .unwrap();
    // What this run itself indexed differs by design after a kill (the killed run committed
    // some): every other count must match.
    let mut counts = manifest["counts"].clone();
    for key in ["listings_indexed", "listings_unchanged"] {
        counts.as_object_mut().unwrap().remove(key);
    }
    out.push(("counts".to_owned(), counts.to_string().into_bytes()));
    out
}

#[test]
fn a_killed_nightly_run_reruns_byte_identical_to_an_unkilled_one_for_any_thread_count() {
    // Never killed, two threads.
    let a = Harness::new();
    samples(&a);
    let mut args = vec!["--threads", "2"];
    args.extend(RESCORE);
    args.extend(["--date", "2026-11-11"]);
    let o = a.run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let expected = night_outputs(&a, "2026-11-11-1");

    // One thread, killed after its imports committed and before the derive: what the
    // night's imports leave, then the re-run.
    let b = Harness::new();
    samples(&b);
    for step in [
        &["keywords", "import", "keywords.csv", "--date", "2026-11-11"][..],
        &[
            "index",
            "add",
            "own_items.csv",
            "--role",
            "own",
            "--snapshot",
            "2026-11-11",
        ],
        &[
            "index",
            "add",
            "listings.csv",
            "--role",
            "competitor",
            "--snapshot",
            "2026-11-11",
        ],
    ] {
        let o = b.run(step);
        assert!(o.status.code().unwrap() <= 1, "{step:?}: {}", stderr(&o));
    }
    let mut args = vec!["--threads", "1"];
    args.extend(RESCORE);
    args.extend(["--date", "2026-11-11"]);
    let o = b.run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let got = night_outputs(&b, "2026-11-11-1");
    for ((name, want), (_, have)) in expected.iter().zip(&got) {
        assert!(
            want == have,
            "{name} differs: {} vs {} bytes",
            want.len(),
            have.len()
        );
    }
}

#[test]
fn rescore_scores_one_item_per_id_from_its_latest_snapshot_and_never_a_rejected_row() {
    let h = Harness::new();
    samples(&h);
    let own = std::fs::read_to_string(h.path("own_items.csv")).unwrap();
    let mut lines = own.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    // Two snapshot days of every item (the later one retitled for the first item), a row
    // with a bad date and one without an id.
    let mut text = format!("{header},日期\n");
    for row in &rows {
        text.push_str(&format!("{row},2026-11-10\n"));
    }
    for (i, row) in rows.iter().enumerate() {
        let row = if i == 0 {
            row.replacen("栀夏法式碎花", "栀夏法式小碎花", 1)
        } else {
            (*row).to_owned()
        };
        text.push_str(&format!("{row},2026-11-11\n"));
    }
    text.push_str("777,栀夏碎花连衣裙女,女装/连衣裙,栀夏,连衣裙,,99,1,2026-13-45\n");
    text.push_str(",栀夏碎花半身裙女,女装/半身裙,栀夏,半身裙,,99,1,2026-11-11\n");
    h.write("own_items.csv", text);
    let o = rescore(&h, "2026-11-11");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let scores = run_lines(&h, "2026-11-11-1", "scores.jsonl");
    assert_eq!(scores.len(), rows.len(), "one item per id");
    let ids: std::collections::BTreeSet<_> = scores.iter().map(|s| s["id"].to_string()).collect();
    assert_eq!(ids.len(), rows.len());
    assert!(!ids.contains("\"777\""), "the bad-date row is not scored");
    assert!(
        scores.iter().all(|s| s["id"].as_str().unwrap().len() > 4),
        "no line number stands in for a missing id"
    );
    let first = rows[0].split(',').next().unwrap();
    let item = scores.iter().find(|s| s["id"] == first).unwrap();
    assert!(
        item["title"].as_str().unwrap().contains("栀夏法式小碎花"),
        "the latest snapshot: {item}"
    );
    let proposals = run_lines(&h, "2026-11-11-1", "proposals.jsonl");
    assert!(proposals.iter().all(|p| p["id"] != "777"));
}

#[test]
fn a_nightly_run_killed_at_20_random_points_reruns_to_the_unkilled_result() {
    use std::time::Instant;
    let mut args = RESCORE.to_vec();
    args.extend(["--date", "2026-11-11"]);
    let clean = Harness::new();
    samples(&clean);
    let started = Instant::now();
    let o = clean.run(&args);
    let took = started.elapsed();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let expected = night_outputs(&clean, "2026-11-11-1");
    // The un-killed run's phases: half of the kills are aimed at the window between the
    // listing commit and the end of the derive, the rest fall anywhere in the run.
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(clean.path("baobei-workspace/runs/2026-11-11-1/manifest.json"))
            .unwrap(),
    )
    .unwrap();
    let phase = |name: &str| {
        manifest["timings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t[0] == name)
            .map_or(0.0, |t| t[1].as_f64().unwrap())
    };
    // Kill points from a fixed seed.
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut killed = 0;
    for trial in 0..20 {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let u = (seed >> 11) as f64 / (1u64 << 53) as f64;
        let h = Harness::new();
        samples(&h);
        let mut child = h
            .cmd(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let spawned = Instant::now();
        let delay = if trial % 2 == 0 {
            took.mul_f64(u)
        } else {
            // Once the listings are committed (the index lists a segment), within the derive.
            let meta = h.path("baobei-workspace/index/meta.json");
            while !std::fs::read_to_string(&meta)
                .unwrap_or_default()
                .contains("\"segment_id\"")
            {
                if spawned.elapsed() > std::time::Duration::from_secs(60) {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            spawned.elapsed() + std::time::Duration::from_secs_f64(u * phase("derive") * 1.2)
        };
        std::thread::sleep(delay.saturating_sub(spawned.elapsed()));
        let _ = child.kill(); // SIGKILL; it may have finished already
        let status = child.wait().unwrap();
        killed += usize::from(status.code().is_none());
        // A kill after the run was renamed into place leaves the night done: that run is the
        // result. Otherwise the night is run again.
        if runs_list(&h).is_empty() {
            let o = h.run(&args);
            assert_eq!(o.status.code(), Some(0), "trial {trial}: {}", stderr(&o));
        }
        let runs = runs_list(&h);
        assert_eq!(runs.len(), 1, "trial {trial}");
        let run = runs[0]["id"].as_str().unwrap().to_owned();
        let got = night_outputs(&h, &run);
        for ((name, want), (_, have)) in expected.iter().zip(&got) {
            assert!(
                want == have,
                "trial {trial}, killed after {delay:?}: {name} differs"
            );
        }
    }
    assert!(killed >= 5, "only {killed} of 20 runs were killed mid-way");
}

// ---- spreadsheets ----

/// The cells of a CSV file baobei wrote (after its byte-order mark), header row first.
fn csv_cells(path: &std::path::Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_owned();
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// A title an attacker planted in an export: Excel would run it as a formula.
const HYPERLINK_TITLE: &str = r#"=HYPERLINK("http://evil.example","点我")栀夏顶级丝绒连衣裙女秋冬"#;

/// Issue 11, item 6: titles starting with `=`, `+`, `-`, `@` were written raw to the CSV files
/// operators open in Excel (outputs, rejects, the nightly proposals), and a `=HYPERLINK(...)`
/// title was even proposed as a new title.
#[test]
fn csv_formula_injection_is_neutralised_and_json_kept_exact() {
    let h = market_workspace();
    let quoted = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    h.write(
        "evil.csv",
        format!(
            "宝贝ID,标题,品牌,核心词\n1,{},栀夏,连衣裙\n2,-栀夏碎花连衣裙女,栀夏,连衣裙\n\
             3,@栀夏连衣裙,栀夏,连衣裙\n\"=1+1\",,栀夏,连衣裙\n",
            quoted(HYPERLINK_TITLE)
        ),
    );

    // Outputs: every formula-like cell behind an apostrophe, plain numbers left alone.
    let o = h.run(&["rewrite", "-i", "evil.csv", "-o", "out.csv"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let rows = csv_cells(&h.path("out.csv"));
    assert_eq!(rows[1][1], format!("'{HYPERLINK_TITLE}"));
    assert_eq!(rows[2][1], "'-栀夏碎花连衣裙女");
    assert_eq!(rows[3][1], "'@栀夏连衣裙");
    for row in &rows {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']) || cell.parse::<f64>().is_ok(),
                "{cell:?} would run in Excel"
            );
        }
    }
    let o = h.run(&["lint", "-i", "evil.csv", "-o", "lint.csv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        csv_cells(&h.path("lint.csv"))[1][1],
        format!("'{HYPERLINK_TITLE}")
    );
    // Rejects: the raw row of the bad line starts with `=` too.
    let rejects = csv_cells(&h.path("out.csv.rejects.csv"));
    assert!(rejects[1][2].starts_with("'=1+1"), "{rejects:?}");

    // JSON keeps the title exact, for machines.
    let o = h.run(&["--format", "json", "rewrite", "-i", "evil.csv"]);
    let first: serde_json::Value =
        serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
    assert_eq!(first["title"], HYPERLINK_TITLE);

    // The nightly change-set: the HYPERLINK item is proposed, as text.
    let own = std::fs::read_to_string(h.path("own_items.csv")).unwrap();
    let (header, rest) = own.split_once('\n').unwrap();
    let (first_item, others) = rest.split_once('\n').unwrap();
    let title = first_item.split(',').nth(1).unwrap();
    let planted = first_item.replacen(title, &quoted(HYPERLINK_TITLE), 1);
    // In place of the first item: one item per id.
    h.write("own_evil.csv", format!("{header}\n{planted}\n{others}"));
    let o = h.run(&[
        "rescore",
        "--listings",
        "own_evil.csv",
        "--competitors",
        "listings.csv",
        "--date",
        "2026-11-11",
    ]);
    assert!(o.status.code() == Some(0), "{}", stderr(&o));
    let proposals = csv_cells(&h.path("baobei-workspace/runs/2026-11-11-1/proposals.csv"));
    let row = proposals
        .iter()
        .find(|r| r[1].contains("HYPERLINK"))
        .expect("the planted item is proposed a new title");
    assert_eq!(row[1], format!("'{HYPERLINK_TITLE}"));
    for cell in proposals.iter().flatten() {
        assert!(
            !cell.starts_with(['=', '+', '@']),
            "{cell:?} would run in Excel"
        );
    }
}

/// Issue 13: operators live in Excel, so `--output x.xlsx` writes a real workbook.
#[test]
fn xlsx_output_is_a_real_workbook_read_back_with_calamine() {
    use calamine::{Data, Reader, Xlsx, open_workbook};

    let h = market_workspace();
    let mut own = std::fs::read_to_string(h.path("own_items.csv")).unwrap();
    own.push_str(&format!(
        "999,\"{}\",女装/连衣裙,栀夏,连衣裙,,99,1\n",
        HYPERLINK_TITLE.replace('"', "\"\"")
    ));
    h.write("own_items.csv", own);
    let o = h.run(&["rewrite", "-i", "own_items.csv", "-o", "新标题.xlsx"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        h.files().iter().filter(|f| f.starts_with('.')).count(),
        0,
        "written atomically: no temporary file left"
    );
    let json = h.run(&["--format", "json", "rewrite", "-i", "own_items.csv"]);
    let first: serde_json::Value =
        serde_json::from_str(stdout(&json).lines().next().unwrap()).unwrap();

    let mut book: Xlsx<_> = open_workbook(h.path("新标题.xlsx")).unwrap();
    let sheet = book.sheet_names()[0].clone();
    let cells = book.worksheet_range(&sheet).unwrap();
    let header: Vec<String> = (0..16)
        .map(|c| cells.get((0, c)).unwrap().to_string())
        .collect();
    assert_eq!(header[..4], ["ID", "原标题", "新标题", "原字节数"]);
    assert_eq!(header[15], "说明");
    assert_eq!(cells.height(), 26, "a header row and 25 items");
    // Ids stay text (a 12-digit id as a number shows as 6.5E+11); figures are numbers.
    assert_eq!(
        cells.get((1, 0)),
        Some(&Data::String(first["id"].as_str().unwrap().to_owned()))
    );
    assert_eq!(
        cells.get((1, 3)),
        Some(&Data::Float(first["bytes"].as_f64().unwrap()))
    );
    assert_eq!(
        cells.get((1, 5)),
        Some(&Data::Float(first["score"].as_f64().unwrap()))
    );
    // Chinese text exactly as written.
    assert_eq!(
        cells.get((1, 1)),
        Some(&Data::String(first["title"].as_str().unwrap().to_owned()))
    );
    assert!(first["title"].as_str().unwrap().contains("连衣裙"));
    // The planted formula is a text cell, exact, not a formula.
    assert_eq!(
        cells.get((25, 1)),
        Some(&Data::String(HYPERLINK_TITLE.to_owned()))
    );
    let formulas = book.worksheet_formula(&sheet).unwrap();
    assert!(
        formulas.cells().all(|(_, _, f)| f.is_empty()),
        "no formula anywhere in the workbook"
    );
    // A bold header, the reason column wrapped.
    let styles = book.worksheet_style(&sheet).unwrap();
    assert!(styles.get((0, 0)).unwrap().font.as_ref().unwrap().is_bold());
    assert!(
        styles
            .get((1, 15))
            .unwrap()
            .alignment
            .as_ref()
            .unwrap()
            .wrap_text
    );

    // `--format xlsx` chooses it for any name, and a workbook needs a file.
    let o = h.run(&["--format", "xlsx", "lint", "面霜", "-o", "lint.out"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        std::fs::read(h.path("lint.out"))
            .unwrap()
            .starts_with(b"PK")
    );
    let o = h.run(&["--format", "xlsx", "lint", "面霜"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--output FILE.xlsx"), "{}", stderr(&o));
}

// ---- no silent dead ends ----

/// Issue 13: `index add` of a listings file without a date column rejected every row, one by
/// one (`no date for the listing`), and indexed nothing.
#[test]
fn index_add_without_a_date_column_is_todays_snapshot_said_once() {
    let h = Harness::new();
    h.write(
        "nodate.csv",
        "宝贝ID,标题,价格,销量\n1,栀夏碎花连衣裙女,99,10\n2,自然堂面霜补水,50,3\n",
    );
    let o = h.run(&["index", "add", "nodate.csv", "--role", "competitor"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).matches("没有日期列").count(),
        1,
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("按今天"), "{}", stderr(&o));
    assert!(stderr(&o).contains("--snapshot"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("拒收"), "{}", stderr(&o));
    let stats = index_stats(&h);
    assert_eq!(stats["listings"], "2");
    let today = stats
        .keys()
        .find_map(|k| k.strip_prefix("snapshot 20"))
        .expect("one snapshot day");
    assert_eq!(today.len(), 8, "{today}");
    // --snapshot names another day; a date column with an empty cell is still a bad row.
    let o = h.run(&[
        "index",
        "add",
        "nodate.csv",
        "--role",
        "competitor",
        "--snapshot",
        "2026-11-01",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--snapshot 2026-11-01"),
        "{}",
        stderr(&o)
    );
    assert_eq!(index_stats(&h)["snapshot 2026-11-01"], "2");
    h.write(
        "dated.csv",
        "宝贝ID,标题,日期\n3,蓝牙耳机,2026-11-02\n4,蓝牙耳机降噪,\n",
    );
    let o = h.run(&["index", "add", "dated.csv", "--role", "competitor"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("dated.csv:3:"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("没有日期列"), "{}", stderr(&o));
}

/// Issue 13: `keywords top` on a workspace of derived keywords printed nothing and exited 0
/// (the default ranking needs CTR and CVR, which derived rows lack).
#[test]
fn keywords_top_on_derived_keywords_ranks_by_demand_and_says_so() {
    let h = Harness::new();
    sample_index(&h);
    let o = h.run(&["keywords", "derive", "--queries", "queries.tsv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = h.run(&["keywords", "top", "--limit", "3", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 3, "{}", stderr(&o));
    assert_eq!(rows[0]["score"], rows[0]["demand"], "ranked by demand");
    assert!(stderr(&o).contains("按需求排序"), "{}", stderr(&o));

    // Asked for a ranking the rows cannot give: nothing, and why, and what to do instead.
    let o = h.run(&["keywords", "top", "--by", "value"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    assert!(stderr(&o).contains("--by demand"), "{}", stderr(&o));
    let o = h.run(&["keywords", "top", "--category", "女装"]);
    assert!(stdout(&o).is_empty());
    assert!(
        stderr(&o).contains("no keyword of category 女装") && stderr(&o).contains("女装/连衣裙"),
        "{}",
        stderr(&o)
    );
    let o = h.run(&["keywords", "top", "--min-items", "1000000"]);
    assert!(stderr(&o).contains("lower --min-items"), "{}", stderr(&o));
}

/// Issue 13: `rewrite --input missing.csv` answered "no keyword table in the workspace"
/// instead of naming the missing file.
#[test]
fn a_missing_input_file_is_named_before_the_market_is_opened() {
    let h = Harness::new();
    for args in [
        &["rewrite", "--input", "missing.csv"][..],
        &["score", "-i", "missing.csv"],
        &["suggest", "-i", "missing.csv"],
        &["lint", "-i", "missing.csv"],
        &["keywords", "import", "missing.csv"],
        &["index", "add", "missing.csv", "--role", "own"],
        &["ads", "review", "--report", "missing.csv"],
        &["rescore", "--listings", "missing.csv"],
    ] {
        let o = h.run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert!(
            err.contains("missing.csv: no such input file"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("keyword table"), "{args:?}: {err}");
    }
    assert!(h.files().is_empty(), "no workspace made: {:?}", h.files());
}

/// Issue 13: every command that finds nothing says why and what to do; exit codes unchanged.
#[test]
fn empty_answers_say_why() {
    let h = market_workspace();
    let o = h.run(&["runs", "list"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("还没有完成的运行"), "{}", stderr(&o));

    h.write("header_only.csv", "宝贝ID,标题\n");
    for command in ["lint", "segment", "score", "rewrite"] {
        let o = h.run(&[command, "-i", "header_only.csv"]);
        assert_eq!(o.status.code(), Some(0), "{command}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("没有可处理的行"),
            "{command}: {}",
            stderr(&o)
        );
    }
    let o = h.run(&["suggest", "--title", "汽车轮胎"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    assert!(stderr(&o).contains("没有可建议的关键词"), "{}", stderr(&o));

    let o = h.run(&[
        "keywords",
        "derive",
        "--queries",
        "queries.tsv",
        "--category",
        "汽车",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("没有推导出关键词"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("索引中没有类目「汽车」的宝贝"),
        "{}",
        stderr(&o)
    );

    let o = h.run(&["rescore", "--date", "2026-11-11"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("没有本店宝贝可评分"), "{}", stderr(&o));
    let o = h.run(&["runs", "diff", "latest", "latest"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("没有宝贝的分数变化"), "{}", stderr(&o));
}

/// Issue 13: the keyword tables showed 17 columns, most of them empty for derived rows.
#[test]
fn keyword_tables_show_only_the_columns_the_rows_have() {
    let h = Harness::new();
    sample_index(&h);
    let o = h.run(&["keywords", "derive", "--queries", "queries.tsv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = h.run(&["keywords", "top", "--limit", "3", "--format", "csv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).lines().next().unwrap(),
        "排名,得分,关键词,类目,统计周期,来源,需求(还原),在线商品数,增长"
    );
    let o = h.run(&["keywords", "show", "连衣裙", "不存在的词", "-o", "show.csv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = csv_cells(&h.path("show.csv"));
    assert_eq!(
        rows[0],
        [
            "查询词",
            "关键词",
            "类目",
            "统计周期",
            "来源",
            "需求(还原)",
            "在线商品数",
            "增长"
        ]
    );
    assert_eq!(rows[2][0], "不存在的词");
    assert_eq!(rows[2][4], "(not found)");
    let table = h.run(&["keywords", "show", "连衣裙", "--format", "table"]);
    assert!(!stdout(&table).contains("点击率"), "{}", stdout(&table));
    // JSON keeps every field, empty or not.
    let o = h.run(&["keywords", "show", "连衣裙", "--format", "json"]);
    let row: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert!(row["ctr"].is_null() && row.get("ctr").is_some(), "{row}");
    assert!(row["popularity"].is_null() && row.get("reference_cpc").is_some());

    // A measured export has them all.
    let h = market_workspace();
    let o = h.run(&["keywords", "top", "--limit", "2", "--format", "csv"]);
    assert!(
        stdout(&o)
            .lines()
            .next()
            .unwrap()
            .contains("点击率,支付转化率")
    );
}

/// Issue 13: help texts in Chinese by default, English kept available.
#[test]
fn help_is_chinese_by_default_and_english_with_lang_en_or_locale() {
    let h = Harness::new();
    let help = |args: &[&str], lang: Option<&str>| {
        let mut cmd = h.cmd(args);
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            cmd.env_remove(var);
        }
        if let Some(lang) = lang {
            cmd.env("LANG", lang);
        }
        let o = cmd.output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        stdout(&o)
    };
    let zh = help(&["rewrite", "--help"], None);
    assert!(zh.contains("用法: baobei rewrite"), "{zh}");
    assert!(zh.contains("选项:") && zh.contains("显示帮助"), "{zh}");
    assert!(!zh.contains("Print help"), "{zh}");
    let zh = help(&["--help"], Some("zh_CN.UTF-8"));
    assert!(zh.contains("命令:") && zh.contains("夜间任务"), "{zh}");
    for en in [
        help(&["--lang", "en", "rewrite", "--help"], None),
        help(&["rewrite", "--help"], Some("en_US.UTF-8")),
    ] {
        assert!(en.contains("Usage: baobei rewrite"), "{en}");
        assert!(en.contains("Print help"), "{en}");
        assert!(!en.contains("显示帮助"), "{en}");
    }
    // `--lang` is an ordinary option too: commands run with it.
    let o = h.run(&["--lang", "en", "lint", "面霜"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn locations_are_printed_once_when_a_cell_error_is_wrapped_with_its_row() {
    let h = Harness::new();
    h.write(
        "l.csv",
        "宝贝ID,标题,角色,日期,价格,销量\n1,面霜补水,own,2026-11-11,9,-3\n",
    );
    let o = h.run(&["index", "add", "l.csv"]);
    let err = stderr(&o);
    assert!(
        err.contains("l.csv:2:6: sales must be a whole count"),
        "{err}"
    );
    assert!(!err.contains("l.csv:2:1:"), "{err}");
    let rejects = std::fs::read_to_string(h.path("l.csv.rejects.csv")).unwrap();
    assert!(rejects.contains("l.csv:2:6"), "{rejects}");
}

#[test]
fn value_range_errors_point_at_the_cell_not_column_1() {
    let h = Harness::new();
    h.write(
        "k.csv",
        "关键词,搜索人气,点击率\n面霜,100,1.5\n乳液,-5,0.1\n",
    );
    let o = h.run(&["keywords", "import", "k.csv", "--date", "2026-11-11"]);
    let err = stderr(&o);
    assert!(
        err.contains("k.csv:2:3: keyword \"面霜\": ctr = 1.5: must be a fraction"),
        "{err}"
    );
    assert!(
        err.contains("k.csv:3:2: keyword \"乳液\": popularity = -5: must not be negative"),
        "{err}"
    );
}

#[test]
fn negative_price_or_sales_is_rejected_by_rewrite_and_suggest_at_its_cell() {
    let h = Harness::new();
    samples(&h);
    let o = h.run(&["keywords", "import", "keywords.csv", "--date", "2026-11-09"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    h.write(
        "neg.csv",
        "宝贝ID,标题,价格,销量\n1,碎花雪纺连衣裙,-9,3\n2,补水保湿面霜,9,-3\n3,蓝牙耳机,9,3\n",
    );
    for command in ["rewrite", "suggest"] {
        let o = h.run(&[command, "-i", "neg.csv", "-o", "out.csv"]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{command}: {err}");
        assert!(
            err.contains("neg.csv:2:3: 价格: must not be negative: \"-9\""),
            "{command}: {err}"
        );
        assert!(
            err.contains("neg.csv:3:4: 销量: must not be negative: \"-3\""),
            "{command}: {err}"
        );
    }
    // The market side refuses a negative price too, with its cell.
    h.write(
        "l.csv",
        "宝贝ID,标题,角色,日期,价格\n1,面霜补水,own,2026-11-11,-9\n",
    );
    let err = stderr(&h.run(&["index", "add", "l.csv"]));
    assert!(
        err.contains("l.csv:2:5: price must not be negative"),
        "{err}"
    );
}

#[test]
fn header_only_input_gives_an_output_file_with_its_header_row() {
    let h = Harness::new();
    h.write("h.csv", "宝贝ID,标题\n");
    let o = h.run(&["lint", "-i", "h.csv", "-o", "out.csv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let csv = std::fs::read_to_string(h.path("out.csv")).unwrap();
    assert!(csv.starts_with("\u{feff}ID,标题,字节数,问题"), "{csv:?}");
    assert_eq!(csv.lines().count(), 1, "{csv:?}");
    let o = h.run(&["lint", "-i", "h.csv", "-o", "out.xlsx"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let header = baobei::input::describe(h.path("out.xlsx"), &Default::default())
        .unwrap()
        .unwrap();
    assert_eq!(header.columns()[1].name, "标题");
    assert_eq!(
        baobei::input::open(h.path("out.xlsx"), &Default::default())
            .unwrap()
            .count(),
        0
    );
}

/// The `.building-*` directories left in the workspace's runs.
fn building_dirs(h: &Harness) -> Vec<String> {
    std::fs::read_dir(h.path("baobei-workspace/runs"))
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|name| name.starts_with(".building-"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn one_damaged_old_run_blocks_no_later_rescore_or_runs_list() {
    let h = Harness::new();
    samples(&h);
    let o = rescore(&h, "2026-11-11");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    std::fs::write(
        h.path("baobei-workspace/runs/2026-11-11-1/manifest.json"),
        "{\"id\": \"2026-11-11-1\", broken",
    )
    .unwrap();
    for date in ["2026-11-12", "2026-11-11"] {
        let o = rescore(&h, date);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("2026-11-11-1/manifest.json:1:"),
            "{}",
            stderr(&o)
        );
        assert!(building_dirs(&h).is_empty(), "{:?}", building_dirs(&h));
    }
    // The damaged run keeps its name: the day's next run is -2, not a second -1.
    assert!(h.path("baobei-workspace/runs/2026-11-11-2").is_dir());
    let o = h.run(&["runs", "list", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("已跳过损坏的运行"), "{}", stderr(&o));
    let ids: Vec<String> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].to_string())
        .collect();
    assert_eq!(ids, ["\"2026-11-11-2\"", "\"2026-11-12-1\""]);
}

#[test]
fn a_failing_rescore_leaves_no_building_directory() {
    let h = Harness::new();
    samples(&h);
    let o = rescore(&h, "2026-11-11");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // A keyword file without a keyword column fails the night after its run was begun.
    h.write("bad.csv", "宝贝ID,标题\n1,面霜\n");
    let o = h.run(&["rescore", "--keywords", "bad.csv", "--date", "2026-11-12"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(building_dirs(&h).is_empty(), "{:?}", building_dirs(&h));
    assert_eq!(runs_list(&h).len(), 1);
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
