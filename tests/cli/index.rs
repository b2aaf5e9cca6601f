//! The CLI on the listing index: add, snapshots, rebuild, kills.

use crate::support::{Harness, assert_exit, index_stats, kill_mid_run, sample_index, stderr};

#[test]
fn index_add_upserts_listings_with_snapshots() {
    let h = Harness::new();
    baobei::sample::write_all(h.dir.path()).unwrap();
    h.ok(&["index", "add", "listings.csv"]);
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
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("own_items.csv: 没有角色列") && stderr(&o).contains("--role"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("拒收"), "{}", stderr(&o));
    assert_eq!(index_stats(&h)["snapshot rows"], "747", "nothing indexed");
    h.ok(&[
        "index",
        "add",
        "own_items.csv",
        "--role",
        "own",
        "--snapshot",
        "2026-11-11",
    ]);
    assert_eq!(index_stats(&h)["role own"], "24");
}

#[test]
fn kill_9_during_index_add_leaves_the_last_commit() {
    let h = Harness::new();
    baobei::sample::write_all(h.dir.path()).unwrap();
    h.ok(&["index", "add", "listings.csv"]);
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

#[test]
fn index_rebuild_adopts_the_current_dictionaries() {
    let h = Harness::new();
    sample_index(&h);
    let before = index_stats(&h);
    let dict = h.write("mine.tsv", "brand\taliases\tfreq\n栀夏\tZHIXIA\t\n");
    let dict = dict.to_str().unwrap();
    let o = h.run(&["index", "stats", "--dict", dict]);
    assert!(
        stderr(&o).contains("警告") && stderr(&o).contains("baobei index rebuild"),
        "{}",
        stderr(&o)
    );
    let o = h.ok(&["index", "rebuild", "--dict", dict]);
    assert!(!stderr(&o).contains("警告"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("252 个宝贝，747 行快照"),
        "{}",
        stderr(&o)
    );
    let o = h.ok(&["index", "stats", "--dict", dict, "--format", "json"]);
    assert!(!stderr(&o).contains("警告"), "{}", stderr(&o));
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
    h.ok(&[
        "index",
        "add",
        "big.csv",
        "--role",
        "industry",
        "--snapshot",
        "2026-11-12",
    ]);
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

/// Issue 13: `index add` of a listings file without a date column rejected every row, one by
/// one (`no date for the listing`), and indexed nothing.
#[test]
fn index_add_without_a_date_column_is_todays_snapshot_said_once() {
    let h = Harness::new();
    h.write(
        "nodate.csv",
        "宝贝ID,标题,价格,销量\n1,栀夏碎花连衣裙女,99,10\n2,自然堂面霜补水,50,3\n",
    );
    let o = h.ok(&["index", "add", "nodate.csv", "--role", "competitor"]);
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
    let o = h.ok(&[
        "index",
        "add",
        "nodate.csv",
        "--role",
        "competitor",
        "--snapshot",
        "2026-11-01",
    ]);
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
    assert_exit(&o, 1);
    assert!(stderr(&o).contains("dated.csv:3:"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("没有日期列"), "{}", stderr(&o));
}
