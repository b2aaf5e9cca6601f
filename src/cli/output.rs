//! Output formats: JSON Lines for machines, CSV with Chinese headers and Excel workbooks for
//! operators, a table for people. Files are written to a temporary file and renamed, so a
//! crash leaves no half file.
//!
//! Every cell bound for a spreadsheet (CSV or XLSX, here and in the rejects and proposals
//! files) goes through [`is_formula_like`]: a title such as `=HYPERLINK(...)` must reach the
//! operator as text, never as a formula Excel runs. JSON keeps every value exact.

use std::borrow::Cow;
use std::io::{self, BufWriter, IsTerminal, Write};

use crate::atomic_file::AtomicFile;
use std::path::{Path, PathBuf};

use anyhow::Context;
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
}

/// A record that can be written in every format.
pub trait Record: Serialize {
    /// Column headers for CSV and tables, in Chinese as operators' tools write them.
    const HEADERS: &'static [&'static str];
    /// The record as one or more CSV/table rows.
    fn rows(&self, out: &mut Vec<Vec<String>>);
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
    table: Vec<Vec<String>>,
    headers: &'static [&'static str],
    scratch: Vec<Vec<String>>,
}

impl Sink {
    /// Standard output, or an atomically written file.
    pub fn open(path: Option<&Path>, format: Format) -> anyhow::Result<Self> {
        let target = match path {
            None => Target::Stdout(BufWriter::new(io::stdout())),
            Some(path) => {
                let file = AtomicFile::create(path).with_context(|| {
                    format!("{}: cannot create the output file", path.display())
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
            table: Vec::new(),
            headers: &[],
            scratch: Vec::new(),
        })
    }

    /// The default format: a table for a person at a terminal, CSV for a pipe or file.
    pub fn default_format(path: Option<&Path>) -> Format {
        if path.is_none() && io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Csv
        }
    }

    /// Writes one record.
    pub fn write<R: Record>(&mut self, record: &R) -> io::Result<()> {
        match self.format {
            Format::Json => {
                serde_json::to_writer(&mut self.target, record)?;
                self.target.write_all(b"\n")
            }
            Format::Csv => {
                if !self.csv_started {
                    self.csv_started = true;
                    // Excel reads UTF-8 only with a byte-order mark; a pipe does not want one.
                    if matches!(self.target, Target::File { .. }) {
                        self.target.write_all("\u{feff}".as_bytes())?;
                    }
                    write_csv_row(&mut self.target, R::HEADERS.iter().copied())?;
                }
                self.scratch.clear();
                record.rows(&mut self.scratch);
                for row in &self.scratch {
                    write_csv_row(&mut self.target, row.iter().map(String::as_str))?;
                }
                Ok(())
            }
            Format::Table => {
                self.headers = R::HEADERS;
                record.rows(&mut self.table);
                Ok(())
            }
        }
    }

    /// Flushes, renders a table, and moves a file into place.
    pub fn finish(mut self) -> anyhow::Result<()> {
        if self.format == Format::Table && !self.headers.is_empty() {
            render_table(&mut self.target, self.headers, &self.table)?;
        }
        match self.target {
            Target::Stdout(mut w) => w.flush()?,
            Target::File { file, path } => file
                .commit()
                .with_context(|| format!("{}: cannot write the output", path.display()))?,
        }
        Ok(())
    }
}

/// Whether a spreadsheet would take `cell` for a formula (or a DDE command) when it opens the
/// file: it starts with `=`, `+`, `-` or `@`, or with a tab or carriage return (which Excel
/// and LibreOffice skip before looking for one), and it is not a plain number such as `-3.5`.
/// The one rule for every CSV and XLSX writer of baobei (formula injection, OWASP's "CSV
/// injection").
pub fn is_formula_like(cell: &str) -> bool {
    matches!(
        cell.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    ) && !is_plain_number(cell)
}

/// `cell` as a CSV file must hold it: a formula-like cell behind a leading apostrophe, which
/// Excel shows as text and does not run; anything else unchanged.
pub fn spreadsheet_cell(cell: &str) -> Cow<'_, str> {
    if is_formula_like(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// An optional sign, digits, and at most one decimal point among them: `-3.5`, `+1.0`, `42`.
/// (No exponent, no thousands separator: baobei writes neither.)
fn is_plain_number(cell: &str) -> bool {
    let digits = cell.strip_prefix(['-', '+']).unwrap_or(cell);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or_default();
    let fraction = parts.next();
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    !whole.is_empty()
        && all_digits(whole)
        && fraction.is_none_or(|f| !f.is_empty() && all_digits(f))
}

/// Writes one CSV row, each cell through [`spreadsheet_cell`].
pub fn write_csv_row<'a>(
    w: &mut impl Write,
    fields: impl Iterator<Item = &'a str>,
) -> io::Result<()> {
    let mut writer = csv::WriterBuilder::new().from_writer(w);
    for field in fields {
        writer
            .write_field(spreadsheet_cell(field).as_bytes())
            .map_err(io::Error::other)?;
    }
    writer
        .write_record(None::<&[u8]>)
        .map_err(io::Error::other)?;
    writer.flush()
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
    fn formula_like_cells_are_told_from_text_and_numbers() {
        for cell in [
            "=HYPERLINK(\"http://x\",\"点我\")",
            "+86 138",
            "-3+2",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            "-",
            "=",
        ] {
            assert!(is_formula_like(cell), "{cell:?}");
            assert_eq!(spreadsheet_cell(cell), format!("'{cell}"));
        }
        for cell in [
            "",
            "面霜 =1",
            "-3.5",
            "+1.0",
            "42",
            "0.0267",
            "自然堂面霜",
            "'=x",
            " =1",
        ] {
            assert!(!is_formula_like(cell), "{cell:?}");
            assert_eq!(spreadsheet_cell(cell), cell);
        }
        for not_number in ["-.5", "-5.", "-1.2.3", "--1", "-1e5", "-inf"] {
            assert!(is_formula_like(not_number), "{not_number:?}");
        }
    }
}
