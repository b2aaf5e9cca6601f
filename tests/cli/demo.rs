//! The CLI on the demo on its built-in sample.

use crate::support::{Harness, stdout};

#[test]
fn demo_runs_with_no_files() {
    let h = Harness::new();
    let o = h.ok(&["demo"]);
    let out = stdout(&o);
    assert!(
        out.contains("keywords.csv") && out.contains("300 行"),
        "the GBK keyword export reads: {out}"
    );
    assert!(out.contains("栀夏/brand"), "the shop's own brand is known");
    assert!(out.contains("第一品牌") && out.contains("违禁词"));
    // The planted rising words of the showcase item's category lead its rising queries.
    let rising = out
        .split("美妆/面霜 的飙升搜索词")
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
    let rewrites = out.split("\n改写：").nth(1).expect("a rewrite section");
    assert!(rewrites.contains("违禁词「顶级」"), "{rewrites}");
    assert!(rewrites.contains("真实搜索词"), "{rewrites}");
    assert!(rewrites.contains("  →"), "{rewrites}");
    assert!(
        out.contains("\n663410276650 ") && out.contains("的推荐关键词") && out.contains("长尾"),
        "{out}"
    );
    let review = out
        .split("\n直通车复查 ztc_report.csv")
        .nth(1)
        .expect("a review");
    assert!(review.contains("91 个关键词，7 天"), "{review}");
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

    // In English, the same sections under English headings.
    let out = stdout(&h.ok(&["--lang", "en", "demo"]));
    for heading in [
        "300 rows",
        "\nSegmentation of the shop's titles",
        "\nLint: ",
        "\nRising queries of 美妆/面霜",
        "\nRewrites: ",
        "\nKeyword suggestions for 663410276650",
        "\nThrough-train review of ztc_report.csv",
        "91 keywords over 7 days",
    ] {
        assert!(out.contains(heading), "{heading}: {out}");
    }
}
