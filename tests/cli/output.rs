//! The CLI on output files: CSV, Excel, special files, formula injection.

use std::process::Command;

use crate::support::{Harness, assert_exit, csv_cells, market_workspace, stderr, stdout};

#[cfg(unix)]
#[test]
fn output_to_a_fifo_or_symlink_streams_and_never_replaces_it() {
    use std::os::unix::fs::FileTypeExt;
    let h = Harness::new();
    h.write("target.csv", "old");
    std::os::unix::fs::symlink(h.path("target.csv"), h.path("link.csv")).unwrap();
    h.ok(&["lint", "顶级面霜", "--output", "link.csv"]);
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
    h.ok(&["lint", "顶级面霜", "--output", "fifo.csv"]);
    assert!(reader.join().unwrap().contains("顶级"));
    let kind = std::fs::metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "still a FIFO");

    h.ok(&["lint", "顶级面霜", "--output", "/dev/null"]);
    let kind = std::fs::metadata("/dev/null").unwrap().file_type();
    assert!(kind.is_char_device(), "/dev/null is still the device");
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
    assert_exit(&o, 1);
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
    h.ok(&["lint", "-i", "evil.csv", "-o", "lint.csv"]);
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
    h.ok(&[
        "rescore",
        "--listings",
        "own_evil.csv",
        "--competitors",
        "listings.csv",
        "--date",
        "2026-11-11",
    ]);
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
    h.ok(&["rewrite", "-i", "own_items.csv", "-o", "新标题.xlsx"]);
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
    h.ok(&["--format", "xlsx", "lint", "面霜", "-o", "lint.out"]);
    assert!(
        std::fs::read(h.path("lint.out"))
            .unwrap()
            .starts_with(b"PK")
    );
    let o = h.run(&["--format", "xlsx", "lint", "面霜"]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("--output FILE.xlsx"), "{}", stderr(&o));
}
