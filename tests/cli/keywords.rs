//! The CLI on the keyword market: import, show, top, derive and the workspace.

use crate::support::{
    Harness, assert_exit, close, csv_cells, kill_mid_run, market_workspace, sample_index, samples,
    stderr, stdout,
};

/// `keywords show WORD... --format json`, parsed, one value per word.
fn show_json(h: &Harness, words: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec!["keywords", "show", "--format", "json"];
    args.extend_from_slice(words);
    let o = h.ok(&args);
    stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn keywords_import_then_show_gives_the_export_values() {
    let h = Harness::new();
    samples(&h);
    let o = h.ok(&["keywords", "import", "keywords.csv", "--date", "2026-11-11"]);
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
    let o = h.ok(&[
        "keywords",
        "top",
        "--category",
        "美妆/面霜",
        "--limit",
        "5",
        "--format",
        "json",
    ]);
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
    h.ok(&["keywords", "import", "keywords.csv", "--date", "2026-11-11"]);
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
    assert_exit(&o, 0);
    assert!(h.path("from-env/keywords.bkw").is_file());
    assert!(!h.path("baobei-workspace").exists());
    h.ok(&[
        "keywords",
        "show",
        "裙子",
        "--workspace",
        "from-env",
        "--format",
        "json",
    ]);
    // A workspace without a table says what to do.
    let o = h.run(&["keywords", "show", "裙子", "--workspace", "empty"]);
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("baobei keywords import"),
        "{}",
        stderr(&o)
    );
    // A --date that is not a date fails before anything is written.
    let o = h.run(&["keywords", "import", "keywords.csv", "--date", "soon"]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("--date"), "{}", stderr(&o));
}

#[test]
fn a_second_writer_is_refused_naming_the_holder_and_readers_go_on() {
    let h = Harness::new();
    samples(&h);
    h.ok(&["keywords", "import", "keywords.csv", "--date", "2026-11-11"]);
    let before = std::fs::read(h.path("baobei-workspace/keywords.bkw")).unwrap();

    let ws = baobei::market::workspace::Workspace::open(h.path("baobei-workspace")).unwrap();
    let lock = ws.lock("nightly-job --holder-test").unwrap();
    let o = h.run(&["keywords", "import", "keywords.csv", "--date", "2026-11-12"]);
    assert_exit(&o, 2);
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
    h.ok(&["keywords", "import", "keywords.csv", "--date", "2026-11-12"]);
}

#[cfg(unix)]
#[test]
fn kill_9_during_import_leaves_the_previous_table() {
    let h = Harness::new();
    samples(&h);
    h.ok(&["keywords", "import", "keywords.csv", "--date", "2026-11-11"]);
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
    h.ok(&["keywords", "import", "small.csv", "--date", "2026-11-12"]);
    assert_eq!(show_json(&h, &["词1"])[0]["found"], true);
}

#[test]
fn other_dictionaries_than_the_workspace_was_built_with_are_detected() {
    let h = Harness::new();
    samples(&h);
    h.ok(&["keywords", "import", "keywords.csv", "--date", "2026-11-11"]);
    let o = h.run(&["keywords", "show", "裙子"]);
    assert!(!stderr(&o).contains("警告"), "{}", stderr(&o));
    let dict = h.write("mine.tsv", "brand\taliases\tfreq\n栀夏\tZHIXIA\t\n");
    let dict = dict.to_str().unwrap();
    let o = h.ok(&["keywords", "show", "裙子", "--dict", dict]);
    let err = stderr(&o);
    assert!(err.contains("警告"), "{err}");
    assert!(
        err.contains("词典与现在的不同") && err.contains("mine.tsv"),
        "{err}"
    );
    assert!(err.contains("baobei index rebuild"), "{err}");
    let o = h.ok(&["--lang", "en", "keywords", "show", "裙子", "--dict", dict]);
    let err = stderr(&o);
    assert!(
        err.contains("warning") && err.contains("other dictionaries") && err.contains("re-index"),
        "{err}"
    );
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

    h.ok(&["keywords", "import", "ztc.xlsx"]);
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
    h.ok(&["keywords", "import", "ba.csv", "--date", "2026-11-11"]);
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
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("baobei.toml:2:14:"), "{}", stderr(&o));
    assert!(stderr(&o).contains("\"cubic\""), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(h.path("baobei-workspace/keywords.bkw")).unwrap(),
        before
    );
}

#[test]
fn keywords_derive_marks_rows_derived_and_an_export_wins() {
    let h = Harness::new();
    sample_index(&h);
    h.ok(&["keywords", "import", "keywords.csv", "--date", "2026-11-11"]);
    let o = h.ok(&["keywords", "derive", "--queries", "queries.tsv"]);
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
    h.ok(&["keywords", "derive", "--queries", "queries.tsv"]);
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
    h.ok(&["keywords", "derive", "--queries", "queries.tsv"]);
    let o = h.ok(&[
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
    insta::assert_snapshot!("keywords_derive_show_csv", stdout(&o));
}

#[test]
fn keywords_derive_reads_plain_query_lists_and_needs_an_index() {
    let h = Harness::new();
    samples(&h);
    let o = h.run(&["keywords", "derive"]);
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("没有可推导关键词的宝贝索引") && stderr(&o).contains("index add"),
        "{}",
        stderr(&o)
    );
    sample_index(&h);
    // Keywords are real queries: without a query log there is nothing to derive.
    let o = h.run(&["keywords", "derive"]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("--queries"), "{}", stderr(&o));
    // One query per line; the same words in another order or spacing are one query.
    h.write(
        "mine.txt",
        "新中式 加绒\n新中式　加绒\n加绒 新中式\nXYZ不存在的词\n",
    );
    let o = h.ok(&["keywords", "derive", "--queries", "mine.txt"]);
    assert!(
        stderr(&o).contains("推导出 1 个关键词")
            && stderr(&o).contains("4 行搜索词中的 2 个不同搜索词"),
        "{}",
        stderr(&o)
    );
    let rows = show_json(&h, &["新中式 加绒"]);
    assert_eq!(rows[0]["source"], "derived");
    // The queries are kept: a later derive needs no --queries (said in English this time).
    let o = h.ok(&["--lang", "en", "keywords", "derive"]);
    assert!(
        stderr(&o).contains("derived 1 keywords")
            && stderr(&o).contains("of 2 distinct queries in 4 query lines"),
        "{}",
        stderr(&o)
    );
    // --category restricts the listings: no dress is a face cream.
    let o = h.ok(&[
        "keywords",
        "derive",
        "--queries",
        "mine.txt",
        "--category",
        "美妆/面霜",
    ]);
    assert!(stderr(&o).contains("推导出 0 个关键词"), "{}", stderr(&o));
}

#[test]
fn a_flipped_bit_in_keywords_bkw_is_a_clear_error_never_wrong_numbers() {
    let h = Harness::new();
    samples(&h);
    h.ok(&["keywords", "import", "keywords.csv", "--date", "2026-11-09"]);
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
            stderr(&o).contains("关键词表校验和不符"),
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

/// Issue 13: `keywords top` on a workspace of derived keywords printed nothing and exited 0
/// (the default ranking needs CTR and CVR, which derived rows lack).
#[test]
fn keywords_top_on_derived_keywords_ranks_by_demand_and_says_so() {
    let h = Harness::new();
    sample_index(&h);
    h.ok(&["keywords", "derive", "--queries", "queries.tsv"]);
    let o = h.ok(&["keywords", "top", "--limit", "3", "--format", "json"]);
    let rows: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 3, "{}", stderr(&o));
    assert_eq!(rows[0]["score"], rows[0]["demand"], "ranked by demand");
    assert!(stderr(&o).contains("按需求排序"), "{}", stderr(&o));

    // Asked for a ranking the rows cannot give: nothing, and why, and what to do instead.
    let o = h.ok(&["keywords", "top", "--by", "value"]);
    assert!(stdout(&o).is_empty());
    assert!(stderr(&o).contains("--by demand"), "{}", stderr(&o));
    let o = h.run(&["keywords", "top", "--category", "女装"]);
    assert!(stdout(&o).is_empty());
    assert!(
        stderr(&o).contains("没有类目「女装」的关键词") && stderr(&o).contains("女装/连衣裙"),
        "{}",
        stderr(&o)
    );
    let o = h.run(&["keywords", "top", "--min-items", "1000000"]);
    assert!(stderr(&o).contains("调低 --min-items"), "{}", stderr(&o));
}

/// Issue 13: the keyword tables showed 17 columns, most of them empty for derived rows.
#[test]
fn keyword_tables_show_only_the_columns_the_rows_have() {
    let h = Harness::new();
    sample_index(&h);
    h.ok(&["keywords", "derive", "--queries", "queries.tsv"]);
    let o = h.ok(&["keywords", "top", "--limit", "3", "--format", "csv"]);
    assert_eq!(
        stdout(&o).lines().next().unwrap(),
        "排名,得分,关键词,类目,统计周期,来源,需求(还原),在线商品数,增长"
    );
    h.ok(&["keywords", "show", "连衣裙", "不存在的词", "-o", "show.csv"]);
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
    assert_eq!(rows[2][4], "（未找到）");
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
