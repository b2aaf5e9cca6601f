//! Reading each format end to end, malformed inputs, and the real Tmall export.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/input")
        .join(name)
}

fn write(dir: &tempfile::TempDir, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn read(path: &Path) -> Vec<Result<Record, InputError>> {
    open(path, &Options::default()).unwrap().collect()
}

fn ok(rows: &[Result<Record, InputError>]) -> Vec<&Record> {
    rows.iter().filter_map(|r| r.as_ref().ok()).collect()
}

fn titles(rows: &[Result<Record, InputError>]) -> Vec<&str> {
    ok(rows)
        .into_iter()
        .map(|r| r.text(Field::Title).unwrap())
        .collect()
}

fn errors(rows: &[Result<Record, InputError>]) -> Vec<String> {
    rows.iter()
        .filter_map(|r| r.as_ref().err().map(ToString::to_string))
        .collect()
}

/// The real data folder beside the checkout, `None` when it is missing. With
/// `BAOBEI_REQUIRE_SHARED_DATA=1` (as CI sets where the folder exists) a missing folder fails
/// the test instead, so it can never pass silently there.
fn shared_data_or_skip(name: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(name);
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var("BAOBEI_REQUIRE_SHARED_DATA").as_deref() != Ok("1"),
        "BAOBEI_REQUIRE_SHARED_DATA=1 but {} is missing",
        path.display()
    );
    None
}

const ITEMS_CSV: &str = "宝贝ID,宝贝标题,价格(元),销量,日期,属性,材质,风格\n\
    101,韩版雪纺碎花连衣裙女夏,\"¥1,299.00\",7000+人付款,2016/11/14,领型:圆领;袖长：短袖,雪纺,\n\
    102,\"加厚羊毛针织开衫, 宽松\",89.5,1.2万,2016年11月5日,,羊毛,韩版\n";

#[test]
fn utf8_csv_with_aliases_units_and_attributes() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "items.csv", ITEMS_CSV);
    let rows = read(&path);
    assert_eq!(errors(&rows), Vec::<String>::new());
    let rows = ok(&rows);
    assert_eq!(rows.len(), 2);
    let first = rows[0];
    assert_eq!(first.line(), 2);
    assert_eq!(first.text(Field::Id), Some("101"));
    assert_eq!(first.integer(Field::Id).unwrap(), Some(101));
    assert_eq!(first.number(Field::Price).unwrap(), Some(1299.0));
    assert_eq!(first.unit(Field::Price), Some("元"));
    assert_eq!(first.integer(Field::Sales).unwrap(), Some(7000));
    assert_eq!(first.date(Field::Date).unwrap(), Date::new(2016, 11, 14));
    assert_eq!(first.text(Field::Brand), None);
    assert_eq!(first.number(Field::Brand).unwrap(), None);
    assert_eq!(
        first.attributes(),
        [("领型", "圆领"), ("袖长", "短袖"), ("材质", "雪纺")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    assert_eq!(first.column_of(2), 3);
    assert_eq!(
        first.raw(),
        "101,韩版雪纺碎花连衣裙女夏,\"¥1,299.00\",7000+人付款,2016/11/14,领型:圆领;袖长：短袖,雪纺,"
    );
    let second = rows[1];
    assert_eq!(second.text(Field::Title), Some("加厚羊毛针织开衫, 宽松"));
    assert_eq!(second.integer(Field::Sales).unwrap(), Some(12000));
    assert_eq!(second.date(Field::Date).unwrap(), Date::new(2016, 11, 5));
    assert_eq!(second.attributes().len(), 2);
    let header = second.header();
    assert_eq!(
        header.fields(),
        [
            Field::Id,
            Field::Title,
            Field::Price,
            Field::Sales,
            Field::Date,
            Field::Attributes
        ]
    );
    assert_eq!(header.unknown().count(), 2);
}

#[test]
fn utf8_bom_csv_matches_the_first_header() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "bom.csv", format!("\u{feff}{ITEMS_CSV}"));
    let reader = open(&path, &Options::default()).unwrap();
    assert_eq!(reader.header().unwrap().columns()[0].field, Some(Field::Id));
    let rows: Vec<_> = reader.collect();
    assert_eq!(
        titles(&rows),
        ["韩版雪纺碎花连衣裙女夏", "加厚羊毛针织开衫, 宽松"]
    );
}

#[test]
fn gbk_fixture_and_generated_gbk() {
    let path = fixture("items-gbk.csv");
    let mut reader = open(&path, &Options::default()).unwrap();
    let rows: Vec<_> = reader.by_ref().collect();
    assert_eq!(reader.encoding(), Some(Encoding::Gb18030));
    assert_eq!(errors(&rows), Vec::<String>::new());
    let rows = ok(&rows);
    assert_eq!(
        rows.iter()
            .map(|r| r.text(Field::Title).unwrap())
            .collect::<Vec<_>>(),
        [
            "韩版雪纺碎花连衣裙女夏",
            "加厚羊毛针织开衫",
            "纯棉T恤男短袖"
        ]
    );
    assert_eq!(rows[0].number(Field::Price).unwrap(), Some(1299.0));
    assert_eq!(rows[1].number(Field::Price).unwrap(), Some(89.5));
    assert_eq!(rows[2].number(Field::Price).unwrap(), None);
    assert_eq!(rows[2].integer(Field::Sales).unwrap(), None);
    assert_eq!(rows[1].text(Field::Shop), Some("小雅女装"));
    assert_eq!(
        rows[1].attributes(),
        [("材质", "羊毛"), ("厚薄", "加厚")].map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    // CRLF line ends: the csv crate's own line numbers drift here; ours must not.
    assert_eq!(rows.iter().map(|r| r.line()).collect::<Vec<_>>(), [2, 3, 4]);

    let dir = tempfile::tempdir().unwrap();
    let (gbk, _, _) = encoding_rs::GB18030.encode(ITEMS_CSV);
    let path = write(&dir, "gbk.csv", gbk);
    let rows = read(&path);
    assert_eq!(
        titles(&rows),
        ["韩版雪纺碎花连衣裙女夏", "加厚羊毛针织开衫, 宽松"]
    );
}

#[test]
fn tsv_and_sniffed_delimiters() {
    let dir = tempfile::tempdir().unwrap();
    let tsv = "标题\t价格\n雪纺, 连衣裙\t99\n开衫\t\"1,299\"\n";
    for name in ["a.tsv", "a.tab", "a.csv"] {
        let rows = read(&write(&dir, name, tsv));
        assert_eq!(titles(&rows), ["雪纺, 连衣裙", "开衫"], "{name}");
        assert_eq!(ok(&rows)[1].number(Field::Price).unwrap(), Some(1299.0));
        // Re-quoted only where the delimiter needs it.
        assert_eq!(ok(&rows)[0].raw(), "雪纺, 连衣裙\t99");
    }
    let rows = read(&write(&dir, "semi.csv", "标题;价格\n连衣裙;99,5\n"));
    assert_eq!(titles(&rows), ["连衣裙"]);
    // A decimal comma is not a thousands separator.
    assert_eq!(
        ok(&rows)[0].number(Field::Price).unwrap_err().to_string(),
        format!(
            "{}:2:2: 价格: not a number: \"99,5\"",
            dir.path().join("semi.csv").display()
        )
    );
}

/// Writes the spreadsheet fixture: the same code made `tests/fixtures/input/items.xlsx`
/// (regenerate with `BAOBEI_REGENERATE_FIXTURES=1`).
fn write_items_xlsx(path: &Path) {
    use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Workbook};
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("宝贝").unwrap();
    for (c, h) in [
        "宝贝ID",
        "宝贝标题",
        "价格",
        "销量",
        "统计日期",
        "材质",
        "点击率(%)",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let date = CellFormat::new().set_num_format("yyyy-mm-dd");
    sheet.write_string(1, 0, "A101").unwrap();
    sheet.write_string(1, 1, "韩版雪纺碎花连衣裙").unwrap();
    sheet.write_number(1, 2, 139.0).unwrap();
    sheet.write_number(1, 3, 26719.0).unwrap();
    let day = ExcelDateTime::from_ymd(2016, 11, 14).unwrap();
    sheet.write_datetime_with_format(1, 4, &day, &date).unwrap();
    sheet.write_string(1, 5, "雪纺").unwrap();
    sheet.write_number(1, 6, 3.25).unwrap();
    // Row 3 left empty: skipped.
    sheet.write_string(3, 0, "A102").unwrap();
    sheet.write_string(3, 1, "加厚羊毛开衫").unwrap();
    sheet.write_string(3, 2, "¥1,299.5").unwrap();
    sheet.write_string(3, 3, "abc").unwrap();
    sheet.write_string(3, 4, "2016/11/5").unwrap();
    sheet.write_string(3, 6, "2.5%").unwrap();
    workbook.save(path).unwrap();
}

fn check_items_xlsx(path: &Path) {
    let rows = read(path);
    assert_eq!(errors(&rows), Vec::<String>::new());
    let rows = ok(&rows);
    assert_eq!(rows.len(), 2);
    let (a, b) = (rows[0], rows[1]);
    assert_eq!((a.line(), b.line()), (2, 4));
    assert_eq!(a.text(Field::Id), Some("A101"));
    assert_eq!(a.number(Field::Price).unwrap(), Some(139.0));
    assert_eq!(a.integer(Field::Sales).unwrap(), Some(26719));
    assert_eq!(a.date(Field::Date).unwrap(), Date::new(2016, 11, 14));
    assert_eq!(a.number(Field::Ctr).unwrap(), Some(0.0325));
    assert_eq!(a.attributes(), [("材质".to_owned(), "雪纺".to_owned())]);
    assert_eq!(
        a.raw(),
        "A101,韩版雪纺碎花连衣裙,139,26719,2016-11-14,雪纺,3.25"
    );
    assert_eq!(b.number(Field::Price).unwrap(), Some(1299.5));
    assert_eq!(b.number(Field::Ctr).unwrap(), Some(0.025));
    assert_eq!(b.date(Field::Date).unwrap(), Date::new(2016, 11, 5));
    assert_eq!(
        b.integer(Field::Sales).unwrap_err().to_string(),
        format!("{}:4:4: 销量: not a number: \"abc\"", path.display())
    );
}

#[test]
fn xlsx_generated_and_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("items.xlsx");
    write_items_xlsx(&path);
    check_items_xlsx(&path);
    let committed = fixture("items.xlsx");
    if std::env::var("BAOBEI_REGENERATE_FIXTURES").as_deref() == Ok("1") {
        write_items_xlsx(&committed);
    }
    check_items_xlsx(&committed);
    // The same bytes through a stream (stdin with --format xlsx).
    let bytes = std::fs::read(&committed).unwrap();
    let rows: Vec<_> = from_reader(
        std::io::Cursor::new(bytes),
        Path::new(STDIN_PATH),
        Format::Spreadsheet,
        &Options::default(),
    )
    .unwrap()
    .collect();
    assert_eq!(titles(&rows), ["韩版雪纺碎花连衣裙", "加厚羊毛开衫"]);
    let missing = Options {
        sheet: Some("nope".into()),
        ..Options::default()
    };
    assert!(matches!(
        open(&path, &missing),
        Err(InputError::Spreadsheet { .. })
    ));
}

#[test]
fn json_lines_with_numbers_strings_and_a_bad_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = concat!(
        "{\"item_id\": 1, \"raw_title\": \"雪纺连衣裙\", \"view_price\": 1, \"price\": 99.5, \"attributes\": {\"材质\": \"雪纺\"}}\n",
        "\n",
        "{\"raw_title\": \"开衫\", \"price\": \"¥1,299\", \"sales\": null}\n",
        "{\"raw_title\": \"坏行\", \"price\": 12,,}\n",
        "[1, 2]\n",
        "{\"title\": \"T恤\", \"price\": \"12.3.4\", \"tags\": [\"a\", \"b\"]}\r\n",
    );
    let path = write(&dir, "items.jsonl", text);
    let rows = read(&path);
    let p = path.display();
    assert_eq!(
        errors(&rows),
        [
            format!(
                "{p}:4:33: malformed JSON: key must be a string: \"{{\\\"raw_title\\\": \\\"坏行\\\", \\\"price\\\": 12,,}}\""
            ),
            format!(
                "{p}:5:1: malformed JSON: invalid type: sequence, expected a JSON object: \"[1, 2]\""
            ),
        ]
    );
    assert_eq!(titles(&rows), ["雪纺连衣裙", "开衫", "T恤"]);
    let good = ok(&rows);
    assert_eq!(good[0].integer(Field::Id).unwrap(), Some(1));
    assert_eq!(good[0].number(Field::Price).unwrap(), Some(99.5));
    assert_eq!(
        good[0].attributes(),
        [("材质", "雪纺"), ("view_price", "1")].map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    assert_eq!(good[1].line(), 3);
    assert_eq!(good[1].number(Field::Price).unwrap(), Some(1299.0));
    assert_eq!(good[1].integer(Field::Sales).unwrap(), None);
    assert_eq!(good[2].text(Field::Title), Some("T恤"));
    assert_eq!(
        good[2].raw(),
        "{\"title\": \"T恤\", \"price\": \"12.3.4\", \"tags\": [\"a\", \"b\"]}"
    );
    // The column is where the value starts, counted in characters.
    assert_eq!(
        good[2].number(Field::Price).unwrap_err().to_string(),
        format!("{p}:6:26: price: not a number: \"12.3.4\"")
    );
    assert_eq!(
        good[2].attributes(),
        [("tags".to_owned(), "[\"a\", \"b\"]".to_owned())]
    );
}

#[test]
fn json_lines_missing_required_key_rejects_that_line_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "k.jsonl", "{\"id\": 1}\n{\"title\": \"裙\"}\n");
    let options = Options {
        required: vec![Field::Title],
        ..Options::default()
    };
    let rows: Vec<_> = open(&path, &options).unwrap().collect();
    assert_eq!(
        errors(&rows),
        [format!(
            "{}:1:1: no title column: looked for 宝贝标题, 商品标题, 标题, title, raw_title, 商品名称, 宝贝名称: \"id\"",
            path.display()
        )]
    );
    assert_eq!(titles(&rows), ["裙"]);
    let header = describe(&path, &options).unwrap().unwrap();
    assert_eq!(header.fields(), [Field::Id]);
}

#[test]
fn text_lines_are_titles_with_line_ids() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "titles.txt", "  雪纺连衣裙 \r\n\n开衫\n   \nT恤");
    let rows = read(&path);
    assert_eq!(titles(&rows), ["雪纺连衣裙", "开衫", "T恤"]);
    let ids: Vec<_> = ok(&rows)
        .iter()
        .map(|r| r.integer(Field::Id).unwrap().unwrap())
        .collect();
    assert_eq!(ids, [1, 3, 5]);
    assert_eq!(ok(&rows)[0].raw(), "  雪纺连衣裙 ");
    let missing = Options {
        required: vec![Field::Price],
        ..Options::default()
    };
    assert!(matches!(
        open(&path, &missing),
        Err(InputError::MissingColumn {
            field: Field::Price,
            ..
        })
    ));
    // Standard input is text unless told otherwise; GBK works there too.
    let (gbk, _, _) = encoding_rs::GB18030.encode("连衣裙\n开衫\n");
    let rows: Vec<_> = from_reader(
        std::io::Cursor::new(gbk.into_owned()),
        Path::new(STDIN_PATH),
        Format::Text,
        &Options::default(),
    )
    .unwrap()
    .collect();
    assert_eq!(titles(&rows), ["连衣裙", "开衫"]);
}

#[test]
fn bad_number_names_path_line_column_and_value_and_later_rows_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "bad.csv",
        "id,title,price,sales\n1,裙,99,10\n2,衫,99,abc\n3,\"多行\n标题\",1.5,3\n\n4,裤,¥5,1\n",
    );
    let rows = read(&path);
    assert_eq!(errors(&rows), Vec::<String>::new());
    let rows = ok(&rows);
    let sales: Vec<_> = rows
        .iter()
        .map(|r| r.integer(Field::Sales).map_err(|e| e.to_string()))
        .collect();
    assert_eq!(
        sales,
        [
            Ok(Some(10)),
            Err(format!(
                "{}:3:4: sales: not a number: \"abc\"",
                path.display()
            )),
            Ok(Some(3)),
            Ok(Some(1)),
        ]
    );
    // A record spanning lines reports the line it starts on; the next its own.
    // A blank line (line 6) is skipped and counted.
    assert_eq!(
        rows.iter().map(|r| r.line()).collect::<Vec<_>>(),
        [2, 3, 4, 7]
    );
    assert_eq!(rows[3].number(Field::Price).unwrap(), Some(5.0));
    let error = rows[1].integer(Field::Sales).unwrap_err();
    let InputError::Value {
        location,
        header,
        error,
    } = error
    else {
        panic!("not a value error")
    };
    assert_eq!(
        (location.line, location.column, header.as_str()),
        (3, 4, "sales")
    );
    assert_eq!(
        (error.kind, error.value.as_str()),
        (ValueErrorKind::NotANumber, "abc")
    );
}

#[test]
fn short_row_is_an_error_for_that_row_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "short.csv",
        "id,title,price\n1,裙,9\n2,衫\n3,裤,5,,\n4,袜,1,x\n",
    );
    let rows = read(&path);
    let p = path.display();
    assert_eq!(
        errors(&rows),
        [
            format!("{p}:3:1: row has 2 fields, header has 3: \"2,衫\""),
            format!("{p}:5:1: row has 4 fields, header has 3: \"4,袜,1,x\""),
        ]
    );
    assert_eq!(rows[1].as_ref().unwrap_err().raw(), Some("2,衫"));
    // Trailing empty fields (a stray delimiter) are tolerated.
    assert_eq!(titles(&rows), ["裙", "裤"]);
}

#[test]
fn unbalanced_quote_is_reported_where_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "q.csv",
        "id,title,price\n1,裙,9\n2,\"衫,9\n3,裤,5\n4,袜,1\n",
    );
    let rows = read(&path);
    assert_eq!(titles(&rows), ["裙"]);
    let errors = errors(&rows);
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with(&format!(
            "{}:3:1: malformed CSV: unbalanced quote: a quoted field runs across lines, leaving 2 fields where the header has 3: ",
            path.display()
        )),
        "{}",
        errors[0]
    );
}

#[test]
fn an_undecodable_byte_rejects_only_its_row_with_offset_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"id,title\n1,ok\n2,".to_vec();
    bytes.extend_from_slice(b"\xFF\xFF\n3,later\n");
    let path = write(&dir, "bin.csv", &bytes);
    let rows = read(&path);
    assert_eq!(titles(&rows), ["ok", "later"]);
    assert_eq!(
        errors(&rows),
        [format!(
            "{}:3:3: neither UTF-8 nor GB18030 at byte offset 16: \"\\xFF\"",
            path.display()
        )]
    );
}

#[test]
fn missing_title_column_lists_the_aliases() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "t.csv", "update_time,id,price\n2016/11/14,1,9\n");
    let options = Options {
        required: vec![Field::Title],
        ..Options::default()
    };
    let Err(error) = open(&path, &options) else {
        panic!("opened a file without titles")
    };
    assert_eq!(
        error.to_string(),
        format!(
            "{}:1:1: no title column: looked for 宝贝标题, 商品标题, 标题, title, raw_title, 商品名称, 宝贝名称: \"update_time, id, price\"",
            path.display()
        )
    );
    let empty = write(&dir, "empty.csv", "");
    assert!(matches!(
        open(&empty, &options),
        Err(InputError::Empty { .. })
    ));
    let Err(error) = open(dir.path().join("absent.csv"), &options) else {
        panic!("opened a missing file")
    };
    assert!(
        error.to_string().contains("absent.csv: cannot read: "),
        "{error}"
    );
}

#[test]
fn header_units_make_base_units() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "ads.csv",
        "关键词,花费（分）,点击率(%),成交金额(万元),展现量\n连衣裙,1234,3.25,1.5,\"12,000\"\n裙,5元,2%,3,7\n",
    );
    let rows = read(&path);
    let rows = ok(&rows);
    let r = rows[0];
    assert_eq!(r.number(Field::Cost).unwrap(), Some(12.34));
    assert_eq!(r.unit(Field::Cost), Some("分"));
    assert_eq!(r.number(Field::Ctr).unwrap(), Some(0.0325));
    assert_eq!(r.number(Field::Gmv).unwrap(), Some(15000.0));
    assert_eq!(r.integer(Field::Impressions).unwrap(), Some(12000));
    // A unit in the cell wins over the header's.
    assert_eq!(rows[1].number(Field::Cost).unwrap(), Some(5.0));
    assert_eq!(rows[1].number(Field::Ctr).unwrap(), Some(0.02));
}

#[test]
fn headerless_file_with_given_columns() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "q.tsv", "1\t连衣裙 女\n2\t开衫\n");
    let options = Options {
        columns: Some(vec!["id".into(), "query".into()]),
        ..Options::default()
    };
    let rows: Vec<_> = open(&path, &options).unwrap().collect();
    let rows = ok(&rows);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].line(), 1);
    assert_eq!(rows[1].text(Field::Keyword), Some("开衫"));
}

/// Endless rows: reading the first few must not wait for the end.
struct Endless {
    row: u64,
    pending: Vec<u8>,
}

impl Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pending.is_empty() {
            self.pending = if self.row == 0 {
                "标题,销量\n".as_bytes().to_vec()
            } else {
                format!("连衣裙{},{}\n", self.row, self.row).into_bytes()
            };
            self.row += 1;
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }
}

#[test]
fn readers_stream() {
    // The text reader has no header, so its third row is on line 3.
    for (format, third_line) in [(Format::Csv, 4), (Format::Text, 3)] {
        let source = Endless {
            row: 0,
            pending: Vec::new(),
        };
        let reader =
            from_reader(source, Path::new("endless"), format, &Options::default()).unwrap();
        let first: Vec<_> = reader.take(3).map(Result::unwrap).collect();
        assert_eq!(first.len(), 3);
        assert_eq!(first[2].line(), third_line);
    }
}

#[test]
fn formats_from_extensions_and_names() {
    for (name, format) in [
        ("a.CSV", Format::Csv),
        ("a.tsv", Format::Tsv),
        ("a.xlsx", Format::Spreadsheet),
        ("a.ods", Format::Spreadsheet),
        ("a.ndjson", Format::JsonLines),
        ("a.json", Format::JsonLines),
        ("titles", Format::Text),
        ("a.txt", Format::Text),
    ] {
        assert_eq!(Format::from_path(Path::new(name)), format, "{name}");
        assert_eq!(format.name().parse::<Format>(), Ok(format));
    }
    assert!("yaml".parse::<Format>().is_err());
}

#[test]
fn errors_stay_small() {
    // Results of rows are moved around a lot; keep the error within clippy's large-error line.
    assert!(std::mem::size_of::<InputError>() <= 128);
}

#[test]
fn real_tmall_beauty_export() {
    let Some(path) = shared_data_or_skip("tmall-beauty-double11.csv") else {
        return;
    };
    let options = Options {
        required: vec![
            Field::Id,
            Field::Title,
            Field::Price,
            Field::Sales,
            Field::Date,
            Field::Shop,
        ],
        ..Options::default()
    };
    let mut rows = 0;
    let mut no_sales = 0;
    let mut days = std::collections::BTreeSet::new();
    for row in open(&path, &options).unwrap() {
        let row = row.unwrap();
        rows += 1;
        if row.integer(Field::Sales).unwrap().is_none() {
            no_sales += 1;
        }
        assert!(row.number(Field::Price).unwrap().is_some(), "{}", row.raw());
        row.integer(Field::CommentCount).unwrap();
        days.insert(row.date(Field::Date).unwrap().unwrap());
        assert!(row.text(Field::Title).is_some());
    }
    assert_eq!(rows, 27_598);
    assert_eq!(no_sales, 2_354);
    assert_eq!(days.first(), Date::new(2016, 11, 5).as_ref());
    assert_eq!(days.last(), Date::new(2016, 11, 14).as_ref());
}

#[test]
fn one_gbk_line_in_a_utf8_file_is_read_as_gbk_in_every_format() {
    let gbk = |text: &str| encoding_rs::GB18030.encode(text).0.into_owned();
    let dir = tempfile::tempdir().unwrap();
    let mut text = "面霜补水\n自然堂乳液保湿霜\n".as_bytes().to_vec();
    text.extend_from_slice(&gbk("滋润霜\n"));
    let path = write(&dir, "m.txt", &text);
    let rows = read(&path);
    assert_eq!(titles(&rows), ["面霜补水", "自然堂乳液保湿霜", "滋润霜"]);

    let mut csv = "id,title\n1,面霜补水\n".as_bytes().to_vec();
    csv.extend_from_slice(&gbk("2,滋润霜\n"));
    csv.extend_from_slice(b"3,\xFF\xFE\n4,\"two\nlines\"\n5,last\n");
    let path = write(&dir, "m.csv", &csv);
    let mut reader = open(&path, &Options::default()).unwrap();
    let rows: Vec<_> = reader.by_ref().collect();
    assert_eq!(reader.encoding(), Some(Encoding::Mixed));
    assert_eq!(titles(&rows), ["面霜补水", "滋润霜", "two\nlines", "last"]);
    let bad: Vec<_> = rows.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(
        bad[0].to_string(),
        format!(
            "{}:4:3: neither UTF-8 nor GB18030 at byte offset 35: \"\\xFF\"",
            path.display()
        )
    );
    assert_eq!(bad[0].raw(), Some("3,\u{FFFD}\u{FFFD}"));

    let mut jsonl = "{\"title\":\"面霜补水\"}\n".as_bytes().to_vec();
    jsonl.extend_from_slice(&gbk("{\"title\":\"滋润霜\"}\n"));
    jsonl.extend_from_slice(b"{\"title\":\"\xFF\"}\n{\"title\":\"ok\"}\n");
    let path = write(&dir, "m.jsonl", &jsonl);
    let rows = read(&path);
    assert_eq!(titles(&rows), ["面霜补水", "滋润霜", "ok"]);
    assert_eq!(errors(&rows).len(), 1);
}

#[test]
fn a_title_over_1000_characters_is_a_bad_row_with_its_location() {
    let dir = tempfile::tempdir().unwrap();
    let long = "面".repeat(crate::input::MAX_TITLE_CHARS + 1);
    let fits = "霜".repeat(crate::input::MAX_TITLE_CHARS);
    let path = write(
        &dir,
        "long.csv",
        format!("id,title\n1,{fits}\n2,{long}\n3,ok\n"),
    );
    let rows = read(&path);
    assert_eq!(titles(&rows), [fits.as_str(), "ok"]);
    let bad: Vec<_> = rows.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(
        bad[0].to_string(),
        format!(
            "{}:3:2: title: too long: \"{}… (1001 characters, at most 1000)\"",
            path.display(),
            "面".repeat(20)
        )
    );
    assert_eq!(
        bad[0].raw(),
        Some(format!("2,{long}").as_str()),
        "nothing is lost"
    );

    for (name, text) in [
        ("long.txt", format!("ok\n{long}\n")),
        (
            "long.jsonl",
            format!("{{\"title\":\"ok\"}}\n{{\"title\":\"{long}\"}}\n"),
        ),
    ] {
        let path = write(&dir, name, text);
        let rows = read(&path);
        assert_eq!(titles(&rows), ["ok"], "{name}");
        let errors = errors(&rows);
        assert_eq!(errors.len(), 1, "{name}");
        assert!(
            errors[0].starts_with(&format!("{}:2:", path.display())),
            "{}",
            errors[0]
        );
    }
}

#[test]
fn a_cr_only_text_file_is_one_title_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "mac.txt", "连衣裙\r面霜\r\r耳机\r");
    let rows = read(&path);
    assert_eq!(titles(&rows), ["连衣裙", "面霜", "耳机"]);
    let ids: Vec<_> = ok(&rows)
        .iter()
        .map(|r| r.text(Field::Id).unwrap())
        .collect();
    assert_eq!(ids, ["1", "2", "4"]);
    // CRLF files are unchanged.
    let path = write(&dir, "dos.txt", "连衣裙\r\n面霜\r\n");
    assert_eq!(titles(&read(&path)), ["连衣裙", "面霜"]);
}

#[test]
fn json_lines_values_that_are_objects_or_arrays_are_not_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "v.jsonl",
        "{\"title\":{\"a\":1}}\n{\"title\":[\"3\"]}\n{\"title\":\"ok\",\"id\":7}\n{\"title\":\"属性\",\"attributes\":{\"颜色\":\"红\"}}\n",
    );
    let rows = read(&path);
    assert_eq!(titles(&rows), ["ok", "属性"]);
    let errors = errors(&rows);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].starts_with(&format!(
            "{}:1:10: malformed JSON: \"title\" is an object",
            path.display()
        )),
        "{}",
        errors[0]
    );
}

#[test]
fn duplicate_header_columns_are_refused_with_location_and_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "dup.csv", "id,标题,价格,标题\n1,面霜,9,乳液\n");
    let error = open(&path, &Options::default()).err().unwrap().to_string();
    assert_eq!(
        error,
        format!(
            "{}:1:4: duplicate column \"标题\" (also column 2)",
            path.display()
        )
    );
    // Blank names from a stray delimiter are no duplicates.
    let path = write(&dir, "blank.csv", "id,标题,,\n1,面霜,,\n");
    assert_eq!(titles(&read(&path)), ["面霜"]);
}

#[test]
fn duplicate_json_keys_are_refused_with_location_and_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "dup.jsonl",
        "{\"id\":\"1\",\"title\":\"面霜\"}\n{\"id\":\"2\",\"title\":\"乳液\",\"title\":\"x\"}\n",
    );
    let rows = read(&path);
    assert_eq!(titles(&rows), ["面霜"]);
    let errors = errors(&rows);
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with(&format!(
            "{}:2:32: malformed JSON: duplicate key \"title\"",
            path.display()
        )),
        "{}",
        errors[0]
    );
}
