//! The CLI on the operator's language: Chinese by default, English on request.

use crate::support::{CREAM, Harness, assert_exit, market_workspace, stderr, stdout};

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

/// Issue 13: every command that finds nothing says why and what to do; exit codes unchanged.
#[test]
fn empty_answers_say_why() {
    let h = market_workspace();
    let o = h.ok(&["runs", "list"]);
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
    let o = h.ok(&["suggest", "--title", "汽车轮胎"]);
    assert!(stdout(&o).is_empty());
    assert!(stderr(&o).contains("没有可建议的关键词"), "{}", stderr(&o));

    let o = h.ok(&[
        "keywords",
        "derive",
        "--queries",
        "queries.tsv",
        "--category",
        "汽车",
    ]);
    assert!(stderr(&o).contains("没有推导出关键词"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("索引中没有类目「汽车」的宝贝"),
        "{}",
        stderr(&o)
    );

    let o = h.ok(&["rescore", "--date", "2026-11-11"]);
    assert!(stderr(&o).contains("没有本店宝贝可评分"), "{}", stderr(&o));
    let o = h.ok(&["runs", "diff", "latest", "latest"]);
    assert!(stderr(&o).contains("没有宝贝的分数变化"), "{}", stderr(&o));
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
        assert_exit(&o, 0);
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
    h.ok(&["--lang", "en", "lint", "面霜"]);
}
