//! Output formats: JSON Lines for machines, CSV with Chinese headers and Excel workbooks for
//! operators, a table for people. Files are written to a temporary file and renamed, so a
//! crash leaves no half file.
//!
//! Every cell bound for a spreadsheet (CSV or XLSX, here and in the rejects and proposals
//! files) goes through [`crate::spreadsheet::is_formula_like`]: a title such as `=HYPERLINK(...)` must reach the
//! operator as text, never as a formula Excel runs. JSON keeps every value exact.

use std::borrow::Cow;
use std::io::{self, BufWriter, IsTerminal, Write};

use crate::atomic_file::AtomicFile;
use crate::lang::{Describe, Lang};
use crate::spreadsheet::{is_formula_like, is_plain_number, write_csv_row};
use std::path::{Path, PathBuf};

use serde::Serialize;
use unicode_width::UnicodeWidthStr;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns for a terminal.
    Table,
    /// CSV with Chinese headers.
    Csv,
    /// One JSON object per line.
    Json,
    /// An Excel workbook: frozen header row, column widths, numbers as numbers, long text
    /// wrapped. Only to a file.
    Xlsx,
}

/// How a workbook writes a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// Text, as written.
    Text,
    /// A figure: a cell that is a plain number is written as a number (Excel sums and sorts
    /// it); anything else in it (empty, `(not found)`) as text.
    Number,
    /// Long text (reasons, explanations): a wide column, wrapped.
    Long,
}

impl Column {
    /// The kind of the column headed `header`, by the names baobei's records use: every
    /// figure column is a number whatever command writes it, ids and words stay text (a
    /// 12-digit 宝贝ID as a number would show as `6.6341E+11`; a keyword `2024` is a word).
    pub fn of(header: &str) -> Column {
        const LONG: &[&str] = &[
            "说明",
            "原因",
            "理由",
            "原始行",
            "问题",
            "分词",
            "命中搜索词",
            "未命中搜索词",
            "建议(需确认)",
            "新增搜索词",
            "失去搜索词",
        ];
        const NUMBER: &[&str] = &[
            // titles, scores, rewrites, runs
            "字节数",
            "原字节数",
            "新字节数",
            "得分",
            "原得分",
            "新得分",
            "命中搜索词数",
            "命中价值",
            "可达价值",
            "原搜索词数",
            "新搜索词数",
            "原价值",
            "新价值",
            "原分",
            "新分",
            "提升",
            "变化",
            "宝贝数",
            "平均分",
            "新建议",
            "沿用建议",
            "暂缓",
            "分数下降",
            "直通车词",
            "拒收行",
            "数值",
            // keywords, suggestions
            "排名",
            "排序分",
            "价值",
            "需求",
            "点击率",
            "转化率",
            "竞争度",
            "直通车参考价",
            "参考价",
            "预计投入产出比",
            "ROI",
            "相似度",
            "搜索人气",
            "需求(还原)",
            "搜索热度",
            "支付转化率",
            "点击人气",
            "交易指数",
            "在线商品数",
            "商城点击占比",
            "增长",
            "预期买家",
            "价格",
            "销量",
            // through-train reviews
            "出价",
            "新出价",
            "置信度",
            "展现量",
            "点击量",
            "花费",
            "总成交笔数",
            "总成交金额",
            "投入产出比",
            "点击率(估计)",
            "点击率下限",
            "点击率上限",
            "转化率(估计)",
            "转化率下限",
            "转化率上限",
            "不成交概率",
            "单次点击价值",
            "平均点击花费",
            "目标出价",
            "亏损概率",
        ];
        if LONG.contains(&header) {
            Column::Long
        } else if NUMBER.contains(&header) {
            Column::Number
        } else {
            Column::Text
        }
    }
}

/// A record that can be written in every format.
pub trait Record: Serialize {
    /// Column headers for CSV and tables, in Chinese as operators' tools write them.
    const HEADERS: &'static [&'static str];
    /// The record as one or more CSV/table rows.
    fn rows(&self, out: &mut Vec<Vec<String>>);
    /// How a workbook writes column `i`; by default from its header ([`Column::of`]).
    fn column(i: usize) -> Column {
        Column::of(Self::HEADERS[i])
    }
}

enum Target {
    Stdout(BufWriter<io::Stdout>),
    File { file: AtomicFile, path: PathBuf },
}

impl Write for Target {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Target::Stdout(w) => w.write(buf),
            Target::File { file, .. } => file.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Target::Stdout(w) => w.flush(),
            Target::File { file, .. } => file.flush(),
        }
    }
}

/// Where records go.
pub struct Sink {
    format: Format,
    target: Target,
    csv_started: bool,
    /// Rows kept for [`Sink::finish`]: a table, a workbook, or CSV whose empty columns go.
    rows: Vec<Vec<String>>,
    headers: &'static [&'static str],
    columns: Vec<Column>,
    scratch: Vec<Vec<String>>,
    hide_empty_columns: bool,
    records: usize,
}

/// Why the output cannot be written; said in the operator's language by the error printer.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// `--format xlsx` to standard output.
    #[error("{}", self.describe(Lang::En))]
    WorkbookToStdout,
    /// The output file cannot be created.
    #[error("{}", self.describe(Lang::En))]
    Create {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The output file cannot be put in place.
    #[error("{}", self.describe(Lang::En))]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl Describe for OutputError {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (OutputError::WorkbookToStdout, Lang::Zh) => {
                "Excel 工作簿只能写入文件：请给出 --output FILE.xlsx（或换一种 --format）".into()
            }
            (OutputError::WorkbookToStdout, Lang::En) => {
                "an Excel workbook is written to a file: give --output FILE.xlsx (or choose \
                 another --format)"
                    .into()
            }
            (OutputError::Create { path, .. }, Lang::Zh) => {
                format!("{}: 无法创建输出文件", path.display())
            }
            (OutputError::Create { path, .. }, Lang::En) => {
                format!("{}: cannot create the output file", path.display())
            }
            (OutputError::Write { path, .. }, Lang::Zh) => {
                format!("{}: 无法写入输出文件", path.display())
            }
            (OutputError::Write { path, .. }, Lang::En) => {
                format!("{}: cannot write the output", path.display())
            }
        }
    }
}

impl Sink {
    /// Standard output, or an atomically written file. A workbook needs a file.
    pub fn open(path: Option<&Path>, format: Format) -> anyhow::Result<Self> {
        if format == Format::Xlsx && path.is_none() {
            return Err(OutputError::WorkbookToStdout.into());
        }
        let target = match path {
            None => Target::Stdout(BufWriter::new(io::stdout())),
            Some(path) => {
                let file = AtomicFile::create(path).map_err(|source| OutputError::Create {
                    path: path.to_owned(),
                    source,
                })?;
                Target::File {
                    file,
                    path: path.to_owned(),
                }
            }
        };
        Ok(Sink {
            format,
            target,
            csv_started: false,
            rows: Vec::new(),
            headers: &[],
            columns: Vec::new(),
            scratch: Vec::new(),
            hide_empty_columns: false,
            records: 0,
        })
    }

    /// Names the columns before any record, so a file that gets none (a header-only input)
    /// still has its header row.
    pub fn with_headers<R: Record>(mut self) -> Self {
        self.headers = R::HEADERS;
        self.columns = (0..R::HEADERS.len()).map(R::column).collect();
        self
    }

    /// The default format: a workbook for a `.xlsx` file, a table for a person at a terminal,
    /// CSV for a pipe or any other file.
    pub fn default_format(path: Option<&Path>) -> Format {
        match path {
            Some(p) if is_workbook_path(p) => Format::Xlsx,
            None if io::stdout().is_terminal() => Format::Table,
            _ => Format::Csv,
        }
    }

    /// Leaves out of tables, CSV and workbooks every column no record has a value in (JSON
    /// keeps every field); CSV is then written at [`Sink::finish`].
    pub fn hide_empty_columns(&mut self) {
        self.hide_empty_columns = true;
    }

    /// Records written so far: a command that wrote none says why.
    pub fn records(&self) -> usize {
        self.records
    }

    fn buffered(&self) -> bool {
        match self.format {
            Format::Table | Format::Xlsx => true,
            Format::Csv => self.hide_empty_columns,
            Format::Json => false,
        }
    }

    /// Writes one record.
    pub fn write<R: Record>(&mut self, record: &R) -> io::Result<()> {
        self.records += 1;
        if self.format == Format::Json {
            serde_json::to_writer(&mut self.target, record)?;
            return self.target.write_all(b"\n");
        }
        if self.headers.is_empty() {
            self.headers = R::HEADERS;
            self.columns = (0..R::HEADERS.len()).map(R::column).collect();
        }
        if self.buffered() {
            record.rows(&mut self.rows);
            return Ok(());
        }
        if !self.csv_started {
            self.csv_started = true;
            self.csv_header(R::HEADERS.iter().copied())?;
        }
        self.scratch.clear();
        record.rows(&mut self.scratch);
        for row in &self.scratch {
            write_csv_row(&mut self.target, row.iter().map(String::as_str))?;
        }
        Ok(())
    }

    /// The byte-order mark (for a file) and the header row of CSV output.
    fn csv_header<'a>(&mut self, headers: impl Iterator<Item = &'a str>) -> io::Result<()> {
        // Excel reads UTF-8 only with a byte-order mark; a pipe does not want one.
        if matches!(self.target, Target::File { .. }) {
            self.target.write_all("\u{feff}".as_bytes())?;
        }
        write_csv_row(&mut self.target, headers)
    }

    /// Flushes, renders a table or a workbook, and moves a file into place.
    pub fn finish(mut self) -> anyhow::Result<()> {
        let keep: Vec<usize> = (0..self.headers.len())
            .filter(|&i| {
                !self.hide_empty_columns
                    || self.rows.is_empty()
                    || self
                        .rows
                        .iter()
                        .any(|r| r.get(i).is_some_and(|c| !c.is_empty()))
            })
            .collect();
        let headers: Vec<&str> = keep.iter().map(|&i| self.headers[i]).collect();
        let columns: Vec<Column> = keep.iter().map(|&i| self.columns[i]).collect();
        let rows = std::mem::take(&mut self.rows);
        let rows: Vec<Vec<String>> = if keep.len() == self.headers.len() {
            rows
        } else {
            rows.into_iter()
                .map(|mut r| {
                    keep.iter()
                        .map(|&i| r.get_mut(i).map(std::mem::take).unwrap_or_default())
                        .collect()
                })
                .collect()
        };
        match self.format {
            Format::Table if !headers.is_empty() && self.records > 0 => {
                render_table(&mut self.target, &headers, &rows)?
            }
            Format::Csv if self.buffered() && !headers.is_empty() => {
                self.csv_header(headers.iter().copied())?;
                for row in &rows {
                    write_csv_row(&mut self.target, row.iter().map(String::as_str))?;
                }
            }
            Format::Csv
                if !self.csv_started
                    && !headers.is_empty()
                    && matches!(self.target, Target::File { .. }) =>
            {
                self.csv_header(headers.iter().copied())?;
            }
            Format::Xlsx => {
                let bytes = workbook(&headers, &columns, &rows)?;
                self.target.write_all(&bytes)?;
            }
            _ => {}
        }
        match self.target {
            Target::Stdout(mut w) => w.flush()?,
            Target::File { file, path } => file
                .commit()
                .map_err(|source| OutputError::Write { path, source })?,
        }
        Ok(())
    }
}

/// Whether `path` names an Excel workbook (`.xlsx`, any case).
pub fn is_workbook_path(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
}

/// Rows in an Excel worksheet, the header row included.
const MAX_SHEET_ROWS: usize = 1_048_576;
/// Characters in an Excel cell.
const MAX_CELL_CHARS: usize = 32_767;
/// Widest a workbook column is set (in widths of `0`; a Chinese character is about 2).
const MAX_SHEET_COLUMN: usize = 70;
/// Width of a wrapped long-text column.
const LONG_SHEET_COLUMN: usize = 50;

/// Each column's width in a workbook: its widest cell (a Chinese character counts two, as it
/// shows) plus a margin, at least 6, at most [`MAX_SHEET_COLUMN`] ([`LONG_SHEET_COLUMN`] for
/// wrapped long text, which grows in height instead).
fn sheet_widths(headers: &[&str], columns: &[Column], rows: &[Vec<String>]) -> Vec<usize> {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    widths
        .iter()
        .zip(columns)
        .map(|(w, kind)| {
            let cap = match kind {
                Column::Long => LONG_SHEET_COLUMN,
                _ => MAX_SHEET_COLUMN,
            };
            (w + 2).clamp(6, cap)
        })
        .collect()
}

/// The workbook of `rows` under `headers`: one sheet, header row bold, frozen and filtered,
/// each column as wide as its text (CJK counted double), figures as numbers, long text
/// wrapped, formula-like text quoted so that Excel never runs it (see [`crate::spreadsheet::is_formula_like`]).
fn workbook(headers: &[&str], columns: &[Column], rows: &[Vec<String>]) -> anyhow::Result<Vec<u8>> {
    use rust_xlsxwriter::{Format as Style, FormatAlign, Workbook};

    anyhow::ensure!(
        rows.len() < MAX_SHEET_ROWS,
        "{} rows do not fit in an Excel worksheet ({} at most): write CSV instead",
        rows.len(),
        MAX_SHEET_ROWS - 1
    );
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("baobei")?;
    let bold = Style::new().set_bold();
    let text = Style::new();
    let wrapped = Style::new().set_text_wrap().set_align(FormatAlign::Top);
    for (c, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *header, &bold)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate().take(headers.len()) {
            if cell.is_empty() {
                continue;
            }
            let kind = columns[c];
            let col = c as u16;
            if kind == Column::Number
                && is_plain_number(cell)
                && let Ok(x) = cell.parse::<f64>()
            {
                sheet.write_number(r, col, x)?;
                continue;
            }
            let style = if kind == Column::Long {
                &wrapped
            } else {
                &text
            };
            let cell = match cell.char_indices().nth(MAX_CELL_CHARS - 1) {
                Some((cut, _)) => Cow::Owned(format!("{}…", &cell[..cut])),
                None => Cow::Borrowed(cell.as_str()),
            };
            if is_formula_like(&cell) {
                // Excel's own leading apostrophe: shown as text, kept as text when edited.
                sheet.write_string_with_format(r, col, cell, &style.clone().set_quote_prefix())?;
            } else {
                sheet.write_string_with_format(r, col, cell, style)?;
            }
        }
    }
    for (c, width) in sheet_widths(headers, columns, rows).into_iter().enumerate() {
        sheet.set_column_width(c as u16, width as f64)?;
    }
    if !headers.is_empty() {
        sheet.set_freeze_panes(1, 0)?;
        sheet.autofilter(0, 0, rows.len() as u32, headers.len() as u16 - 1)?;
    }
    Ok(book.save_to_buffer()?)
}

/// Widest a table column gets before its cells are cut with an ellipsis.
const MAX_COLUMN: usize = 64;

fn render_table(w: &mut impl Write, headers: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let cell = |s: &str| -> String {
        if s.width() <= MAX_COLUMN {
            return s.to_owned();
        }
        let mut out = String::new();
        for c in s.chars() {
            if out.width() + 2 > MAX_COLUMN {
                break;
            }
            out.push(c);
        }
        out.push('…');
        out
    };
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| cell(c)).collect())
        .collect();
    for row in &rows {
        for (i, c) in row.iter().enumerate() {
            widths[i] = widths[i].max(c.width());
        }
    }
    let line = |w: &mut dyn Write, cells: &mut dyn Iterator<Item = &str>| -> io::Result<()> {
        let mut out = String::new();
        for (i, c) in cells.enumerate() {
            if i > 0 {
                out.push_str("  ");
            }
            out.push_str(c);
            out.extend(std::iter::repeat_n(
                ' ',
                widths[i].saturating_sub(c.width()),
            ));
        }
        writeln!(w, "{}", out.trim_end())
    };
    line(w, &mut headers.iter().copied())?;
    for row in &rows {
        line(w, &mut row.iter().map(String::as_str))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_output_error_has_chinese_and_english() {
        let os = || io::Error::other("gone");
        let path = || PathBuf::from("out.csv");
        for e in [
            OutputError::WorkbookToStdout,
            OutputError::Create {
                path: path(),
                source: os(),
            },
            OutputError::Write {
                path: path(),
                source: os(),
            },
        ] {
            let (zh, en) = (e.describe(Lang::Zh), e.describe(Lang::En));
            assert!(crate::lang::has_cjk(&zh), "{zh}");
            assert!(!crate::lang::has_cjk(&en), "{en}");
            assert_eq!(e.to_string(), en);
        }
    }

    #[derive(Serialize)]
    struct Row {
        word: &'static str,
        ctr: Option<f64>,
        demand: Option<f64>,
    }

    impl Record for Row {
        const HEADERS: &'static [&'static str] = &["关键词", "点击率", "需求"];
        fn rows(&self, out: &mut Vec<Vec<String>>) {
            let n = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_default();
            out.push(vec![self.word.to_owned(), n(self.ctr), n(self.demand)]);
        }
    }

    fn written(format: Format, hide: bool) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let mut sink = Sink::open(Some(&path), format).unwrap();
        if hide {
            sink.hide_empty_columns();
        }
        for (word, demand) in [("面霜", 10.0), ("=1+1", 2.5)] {
            sink.write(&Row {
                word,
                ctr: None,
                demand: Some(demand),
            })
            .unwrap();
        }
        assert_eq!(sink.records(), 2);
        sink.finish().unwrap();
        std::fs::read_to_string(&path).unwrap()
    }

    #[test]
    fn empty_columns_are_hidden_in_tables_and_csv_but_json_keeps_every_field() {
        assert_eq!(
            written(Format::Csv, true),
            "\u{feff}关键词,需求\n面霜,10\n'=1+1,2.5\n"
        );
        assert_eq!(
            written(Format::Csv, false),
            "\u{feff}关键词,点击率,需求\n面霜,,10\n'=1+1,,2.5\n"
        );
        assert_eq!(
            written(Format::Table, true),
            "关键词  需求\n面霜    10\n=1+1    2.5\n"
        );
        assert_eq!(
            written(Format::Json, true),
            "{\"word\":\"面霜\",\"ctr\":null,\"demand\":10.0}\n\
             {\"word\":\"=1+1\",\"ctr\":null,\"demand\":2.5}\n"
        );
    }

    #[test]
    fn workbook_columns_fit_chinese_text_and_figures_are_numbers() {
        let headers = ["ID", "标题", "得分", "说明"];
        let columns: Vec<Column> = headers.iter().map(|h| Column::of(h)).collect();
        assert_eq!(
            columns,
            [Column::Text, Column::Text, Column::Number, Column::Long]
        );
        let rows = vec![vec![
            "1".to_owned(),
            "自然堂面霜补水保湿".to_owned(), // 9 characters, 18 columns wide
            "56.5".to_owned(),
            "很长的说明".repeat(40),
        ]];
        assert_eq!(
            sheet_widths(&headers, &columns, &rows),
            [6, 20, 6, LONG_SHEET_COLUMN]
        );
        let long_title = vec![vec![
            String::new(),
            "字".repeat(100),
            String::new(),
            String::new(),
        ]];
        assert_eq!(
            sheet_widths(&headers, &columns, &long_title)[1],
            MAX_SHEET_COLUMN
        );
    }
}
