//! The CLI on the nightly rescore and its runs.

use crate::common;
use std::path::PathBuf;
use std::process::Stdio;

use crate::support::{
    Harness, RESCORE, assert_exit, index_stats, kill_after, rescore, samples, stderr, stdout,
};

fn runs_list(h: &Harness) -> Vec<serde_json::Value> {
    let o = h.ok(&["runs", "list", "--format", "json"]);
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
    assert_exit(&o, 0);
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
    assert_exit(&o, 0);
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
    // Another operator edits a second proposed item's title by hand (drops its last
    // character): its next better title is held back, the title having just changed.
    let edited = &proposals[1];
    let title = edited["title"].as_str().unwrap();
    let shorter: String = {
        let mut c: Vec<char> = title.chars().collect();
        c.pop();
        c.into_iter().collect()
    };
    let own = own.replacen(&format!(",{title},"), &format!(",{shorter},"), 1);
    h.write("own_items.csv", own);
    let o = rescore(&h, "2026-11-13");
    assert_exit(&o, 0);
    let third = run_lines(&h, "2026-11-13-1", "scores.jsonl");
    let item = third.iter().find(|s| s["id"] == applied["id"]).unwrap();
    assert_eq!(item["title_changed"], "2026-11-13");
    let third_proposals = run_lines(&h, "2026-11-13-1", "proposals.jsonl");
    assert!(third_proposals.iter().all(|p| p["id"] != applied["id"]));
    // Every title held back says so in scores.jsonl, structured and in the operator's words.
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(h.path("baobei-workspace/runs/2026-11-13-1/manifest.json"))
            .unwrap(),
    )
    .unwrap();
    let held: Vec<&serde_json::Value> = third.iter().filter(|s| s.get("held").is_some()).collect();
    assert_eq!(
        held.len() as u64,
        manifest["counts"]["held_back"].as_u64().unwrap()
    );
    assert!(
        !held.is_empty(),
        "the applied item's next proposal is held back"
    );
    for s in held {
        let why = &s["held"];
        assert!(
            why["why"]["kind"].is_string() && why["new_title"].is_string(),
            "{s}"
        );
        assert!(
            why["reason"]
                .as_str()
                .unwrap()
                .contains("天内不再建议新标题"),
            "{s}"
        );
    }

    // runs show and runs diff.
    let o = h.ok(&["runs", "show", "latest", "--format", "json"]);
    assert!(stdout(&o).contains("\"id\":\"2026-11-13-1\""));
    h.ok(&["runs", "diff", "2026-11-11-1", "latest", "--format", "json"]);
    let o = h.run(&["runs", "show", "2026-12-01-1"]);
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("没有名为 \"2026-12-01-1\" 的运行"),
        "{}",
        stderr(&o)
    );
    let o = h.run(&["--lang", "en", "runs", "show", "2026-12-01-1"]);
    assert!(stderr(&o).contains("no run named"), "{}", stderr(&o));
}

#[test]
fn rescore_killed_at_any_point_leaves_no_partial_run() {
    let h = Harness::new();
    samples(&h);
    assert_exit(&rescore(&h, "2026-11-11"), 0);
    let mut args = RESCORE.to_vec();
    args.extend(["--date", "2026-11-12"]);
    // How long the night takes here, from a copy of the workspace, so that the kills fall
    // inside it on any machine.
    // Timed from the moment it holds the lock, as `kill_after` counts, not from its start
    // (loading the dictionaries comes first and takes much of a short night).
    let copy = Harness::new();
    samples(&copy);
    assert_exit(&rescore(&copy, "2026-11-11"), 0);
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
    assert_exit(&o, 0);
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
    assert_exit(&o, 1);
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
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("工作区正由 pid"), "{}", stderr(&o));
}

/// Issue 13: the nightly report and summary read in Chinese by default and in English with
/// `--lang en`; `runs diff` keeps the reasons structured for machines and worded for people.
#[test]
fn rescore_report_and_summary_are_chinese_by_default_and_english_with_lang_en() {
    let h = Harness::new();
    samples(&h);
    let o = rescore(&h, "2026-11-11");
    assert_exit(&o, 0);
    assert!(stderr(&o).contains("个宝贝（平均分"), "{}", stderr(&o));
    let mut args = vec!["--lang", "en"];
    args.extend(RESCORE);
    args.extend(["--date", "2026-11-12"]);
    let o = h.ok(&args);
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
        let o = h.ok(&[
            "--lang",
            lang,
            "runs",
            "diff",
            "2026-11-11-1",
            "latest",
            "--min-change",
            "1000",
        ]);
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
    assert_exit(&rescore(&h, "2026-11-11"), 0);
    assert_exit(&rescore(&h, "2026-11-12"), 0);
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
    a.ok(&args);
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
    b.ok(&args);
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
    assert_exit(&o, 1);
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
    assert_exit(&o, 0);
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
    assert_exit(&o, 0);
    std::fs::write(
        h.path("baobei-workspace/runs/2026-11-11-1/manifest.json"),
        "{\"id\": \"2026-11-11-1\", broken",
    )
    .unwrap();
    for date in ["2026-11-12", "2026-11-11"] {
        let o = rescore(&h, date);
        assert_exit(&o, 0);
        assert!(
            stderr(&o).contains("2026-11-11-1/manifest.json:1:"),
            "{}",
            stderr(&o)
        );
        assert!(building_dirs(&h).is_empty(), "{:?}", building_dirs(&h));
    }
    // The damaged run keeps its name: the day's next run is -2, not a second -1.
    assert!(h.path("baobei-workspace/runs/2026-11-11-2").is_dir());
    let o = h.ok(&["runs", "list", "--format", "json"]);
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
    assert_exit(&o, 0);
    // A keyword file without a keyword column fails the night after its run was begun.
    h.write("bad.csv", "宝贝ID,标题\n1,面霜\n");
    let o = h.run(&["rescore", "--keywords", "bad.csv", "--date", "2026-11-12"]);
    assert_exit(&o, 2);
    assert!(building_dirs(&h).is_empty(), "{:?}", building_dirs(&h));
    assert_eq!(runs_list(&h).len(), 1);
}
