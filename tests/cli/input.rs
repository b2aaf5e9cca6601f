//! The CLI on input files: formats, encodings, bad rows set aside, locations of errors.

use crate::support::{Harness, assert_exit, samples, stderr, stdout};

/// One bad row per kind of malformed input: reported with `path:line:col`, written to the
/// rejects file with the row as read, counted in the exit code, and the good rows still done.
#[test]
fn malformed_rows_are_rejected_and_the_rest_done() {
    let h = Harness::new();
    let cases: [(&str, &[u8], &str); 3] = [
        ("fields.csv", "宝贝ID,标题\n1,连衣裙\n2,面霜,多余\n3,耳机\n".as_bytes(), "fields.csv:3:1: 这一行有 3 个字段，表头有 2 个"),
        ("quote.csv", "宝贝ID,标题\n1,连衣裙\n2,\"面霜,x\n3,耳机\n".as_bytes(), "quote.csv:3:1: CSV 格式错误：引号不成对"),
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
    assert_exit(&o, 1);
    assert!(h.path("exports/items.csv.rejects.csv").is_file());
    assert!(!h.path("items.csv.rejects.csv").exists());
}

#[test]
fn unusable_files_fail_with_exit_2() {
    let h = Harness::new();
    h.write("nocol.csv", "a,b\n1,2\n");
    let o = h.run(&["lint", "--input", "nocol.csv"]);
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("nocol.csv:1:1: 没有标题列：找过 宝贝标题"),
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
    assert_exit(&o, 2);
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
fn one_gbk_line_in_a_utf8_file_is_not_mojibake_and_a_bad_byte_rejects_one_row() {
    let h = Harness::new();
    let mut bytes = "面霜补水\n自然堂乳液保湿霜\n".as_bytes().to_vec();
    bytes.extend_from_slice(&encoding_rs::GB18030.encode("滋润霜\n").0);
    h.write("m.txt", &bytes);
    let o = h.ok(&["segment", "--format", "json", "--input", "m.txt"]);
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
    assert_exit(&o, 1);
    assert_eq!(stdout(&o).lines().count(), 2000);
    assert!(
        stderr(&o).contains("big.csv:1001:6: 既不是 UTF-8 也不是 GB18030"),
        "{}",
        stderr(&o)
    );
    let rejects = std::fs::read_to_string(h.path("big.csv.rejects.csv")).unwrap();
    assert_eq!(rejects.lines().count(), 2, "{rejects}");
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
            err.contains("baobei: 错误：missing.csv: 没有这个输入文件"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("关键词表"), "{args:?}: {err}");
    }
    let o = h.run(&["--lang", "en", "rewrite", "--input", "missing.csv"]);
    assert!(
        stderr(&o).contains("baobei: error: missing.csv: no such input file"),
        "{}",
        stderr(&o)
    );
    assert!(h.files().is_empty(), "no workspace made: {:?}", h.files());
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
        err.contains("l.csv:2:6: 销量必须是不小于 0 的整数"),
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
        err.contains("k.csv:2:3: 关键词 \"面霜\"：ctr = 1.5：必须是 [0, 1] 之间的比例"),
        "{err}"
    );
    assert!(
        err.contains("k.csv:3:2: 关键词 \"乳液\"：popularity = -5：不能为负数"),
        "{err}"
    );
    let args = [
        "--lang",
        "en",
        "keywords",
        "import",
        "k.csv",
        "--date",
        "2026-11-11",
    ];
    let err = stderr(&h.run(&args));
    assert!(
        err.contains("k.csv:2:3: keyword \"面霜\": ctr = 1.5: must be a fraction"),
        "{err}"
    );
    let rejects = std::fs::read_to_string(h.path("k.csv.rejects.csv")).unwrap();
    assert!(rejects.contains("must be a fraction"), "{rejects}");
}

#[test]
fn negative_price_or_sales_is_rejected_by_rewrite_and_suggest_at_its_cell() {
    let h = Harness::new();
    samples(&h);
    h.ok(&["keywords", "import", "keywords.csv", "--date", "2026-11-09"]);
    h.write(
        "neg.csv",
        "宝贝ID,标题,价格,销量\n1,碎花雪纺连衣裙,-9,3\n2,补水保湿面霜,9,-3\n3,蓝牙耳机,9,3\n",
    );
    for command in ["rewrite", "suggest"] {
        let o = h.run(&[command, "-i", "neg.csv", "-o", "out.csv"]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{command}: {err}");
        assert!(
            err.contains("neg.csv:2:3: 价格：不能为负数：\"-9\""),
            "{command}: {err}"
        );
        assert!(
            err.contains("neg.csv:3:4: 销量：不能为负数：\"-3\""),
            "{command}: {err}"
        );
    }
    // The market side refuses a negative price too, with its cell.
    h.write(
        "l.csv",
        "宝贝ID,标题,角色,日期,价格\n1,面霜补水,own,2026-11-11,-9\n",
    );
    let err = stderr(&h.run(&["index", "add", "l.csv"]));
    assert!(err.contains("l.csv:2:5: 价格不能为负数"), "{err}");
    let err = stderr(&h.run(&["--lang", "en", "index", "add", "l.csv"]));
    assert!(
        err.contains("rejected l.csv:2:5: price must not be negative: \"-9\""),
        "{err}"
    );
}

#[test]
fn header_only_input_gives_an_output_file_with_its_header_row() {
    let h = Harness::new();
    h.write("h.csv", "宝贝ID,标题\n");
    h.ok(&["lint", "-i", "h.csv", "-o", "out.csv"]);
    let csv = std::fs::read_to_string(h.path("out.csv")).unwrap();
    assert!(csv.starts_with("\u{feff}ID,标题,字节数,问题"), "{csv:?}");
    assert_eq!(csv.lines().count(), 1, "{csv:?}");
    h.ok(&["lint", "-i", "h.csv", "-o", "out.xlsx"]);
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
