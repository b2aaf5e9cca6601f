//! The CLI on keyword suggestions.

use crate::support::{CREAM, Harness, assert_exit, market_workspace, samples, stderr, stdout};

/// `suggest ARGS --format json` in `h`, parsed.
fn suggest_json(h: &Harness, args: &[&str]) -> Vec<serde_json::Value> {
    let mut all = vec!["--format", "json", "suggest"];
    all.extend_from_slice(args);
    let o = h.ok(&all);
    stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

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
    h.ok(&[
        "index",
        "add",
        "own_items.csv",
        "--role",
        "own",
        "--snapshot",
        "2026-11-11",
    ]);
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
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("宝贝 \"717131862391\" 是竞品宝贝，不是本店的"),
        "{}",
        stderr(&o)
    );
    let o = h.run(&["--lang", "en", "suggest", "--item", "717131862391"]);
    assert!(
        stderr(&o).contains("\"717131862391\" is a competitor listing"),
        "{}",
        stderr(&o)
    );
    let o = h.run(&["suggest", "--item", "42"]);
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("索引中没有本店宝贝 \"42\"（共 24 个本店宝贝）"),
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
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("baobei keywords import"),
        "{}",
        stderr(&o)
    );
    let o = h.run(&["suggest"]);
    assert_eq!(o.status.code(), Some(2), "one of --title, --item, --input");
    let o = h.run(&["suggest", "--item", "1", "--price", "9"]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("--price"), "{}", stderr(&o));
    let h = market_workspace();
    let o = h.run(&["suggest", "--item", "1"]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("共 0 个本店宝贝"), "{}", stderr(&o));
    let o = h.run(&["suggest", "--title", CREAM, "--for", "ads", "--price", "-3"]);
    assert_exit(&o, 2);
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
        h.ok(args);
    }
    let o = h.ok(&[
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
    insta::assert_snapshot!("suggest_ads_table", stdout(&o));
    let csv = h.run(&[
        "--format", "csv", "suggest", "--title", CREAM, "--limit", "1",
    ]);
    assert!(
        stdout(&csv)
            .starts_with("ID,分组,排名,关键词,排序分,价值,需求,点击率,转化率,竞争度,已覆盖")
    );
}
