//! The CLI on the through-train review.

use crate::support::{Harness, assert_exit, close, market_workspace, samples, stderr, stdout};

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
    let o = h.ok(&args);
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
    let o = h.ok(&[
        "ads",
        "review",
        "--report",
        "ztc_report.csv",
        "--output",
        "decisions.csv",
    ]);
    let err = stderr(&o);
    assert!(
        err.contains("91 个关键词，7 天（贝叶斯规则）") && err.contains("花费转移"),
        "{err}"
    );
    let o = h.ok(&[
        "--lang",
        "en",
        "ads",
        "review",
        "--report",
        "ztc_report.csv",
        "--format",
        "json",
    ]);
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
    assert_exit(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("r.csv:3:7: 点击 300 次，展现却只有 100 次"),
        "{err}"
    );
    assert!(err.contains("r.csv:4:5: 出价：不是数字：\"abc\""), "{err}");
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
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("baobei: 错误：empty.csv: 报表中没有可用的行（拒收 1 行）"),
        "{}",
        stderr(&o)
    );
    let o = h.run(&["--lang", "en", "ads", "review", "--report", "empty.csv"]);
    assert!(
        stderr(&o).contains("baobei: error: empty.csv: no usable report rows (1 rejected)"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("rejected empty.csv:2:5: 出价: negative amount: \"-1\""),
        "{}",
        stderr(&o)
    );
    let o = h.run(&["ads", "review", "--report", "missing.csv"]);
    assert_exit(&o, 2);
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
        let o = h.ok(&args);
        let v: serde_json::Value =
            serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
        (v["cost"].as_f64().unwrap(), stderr(&o))
    };
    let (detected, err) = cost(&[]);
    assert!((detected - 18.0).abs() < 1e-9, "{detected}");
    assert!(err.contains("花费按「分」读取"), "{err}");
    let (forced, _) = cost(&["--cost-unit", "yuan"]);
    assert!((forced - 1800.0).abs() < 1e-9, "{forced}");
}

#[test]
fn ads_review_proposes_suggested_keywords_the_ad_groups_lack() {
    let h = market_workspace();
    let o = h.ok(&[
        "ads",
        "review",
        "--report",
        "ztc_report.csv",
        "--format",
        "json",
    ]);
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
    let o = bare.ok(&[
        "ads",
        "review",
        "--report",
        "ztc_report.csv",
        "--format",
        "json",
    ]);
    assert!(!stdout(&o).contains("\"add\""));
    assert_eq!(
        stderr(&o).matches("工作区没有关键词数据").count(),
        1,
        "{}",
        stderr(&o)
    );
}
