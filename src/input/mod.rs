//! Readers for the files operators export from Taobao tools: CSV, TSV, spreadsheets
//! (xlsx/xlsm/xls/ods), JSON Lines and plain text (one title per line).
//!
//! [`open`] picks the format from the extension ([`Format::from_path`]) and the text encoding
//! from the content (UTF-8 with or without BOM, GBK/GB18030, UTF-16 with BOM), reads the header
//! into [`Column`]s recognised by one alias table ([`Field::from_header`]), and yields one
//! `Result<Record, InputError>` per row, lazily, so a caller can report, count and set aside a
//! bad row and go on. Typed accessors ([`Record::text`], [`Record::number`],
//! [`Record::integer`], [`Record::date`], [`Record::attributes`]) all read cells the same way
//! for every format, and their errors render `path:line:col: header: message: "value"`.
//!
//! ```
//! use baobei::input::{self, Field, Options};
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("items.csv");
//! std::fs::write(&path, "宝贝ID,宝贝标题,价格(元)\n1,雪纺连衣裙,\"¥1,299\"\n2,碎花裙,abc\n")?;
//! let mut titles = Vec::new();
//! for row in input::open(&path, &Options::default())? {
//!     let row = row?;
//!     match row.number(Field::Price) {
//!         Ok(price) => titles.push((row.text(Field::Title).unwrap().to_owned(), price)),
//!         Err(e) => assert!(e.to_string().ends_with(":3:3: 价格(元): not a number: \"abc\"")),
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! # assert_eq!(titles, [("雪纺连衣裙".to_owned(), Some(1299.0))]);

mod decode;
mod delimited;
mod error;
mod field;
mod jsonl;
mod record;
mod sheet;
mod text;
mod value;

#[cfg(test)]
mod tests;

use std::fmt;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

pub use decode::Encoding;
pub use error::{InputError, Location, ValueError, ValueErrorKind, line_col};
pub use field::{Column, Field, Header};
pub use record::Record;
pub use value::{Date, MAX_TITLE_CHARS, check_title, parse_date, parse_integer, parse_number};

/// The kinds of input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Comma-separated, or tab/semicolon when the header has no comma.
    Csv,
    /// Tab-separated.
    Tsv,
    /// A workbook read by calamine (xlsx, xlsm, xls, xlsb, ods): the first sheet unless
    /// [`Options::sheet`] names one.
    Spreadsheet,
    /// One JSON object per line.
    JsonLines,
    /// One title per line.
    Text,
}

impl Format {
    /// The format an extension means (case-insensitive); anything unknown is text, so a list
    /// of titles needs no particular name.
    pub fn from_path(path: &Path) -> Format {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("csv") => Format::Csv,
            Some("tsv" | "tab") => Format::Tsv,
            Some("xlsx" | "xlsm" | "xls" | "xlsb" | "ods") => Format::Spreadsheet,
            Some("jsonl" | "ndjson" | "json") => Format::JsonLines,
            _ => Format::Text,
        }
    }

    /// The name accepted by [`FromStr`] and shown in messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Spreadsheet => "xlsx",
            Format::JsonLines => "jsonl",
            Format::Text => "text",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;

    /// Parses a `--format` value: `csv`, `tsv`, `xlsx` (or `xls`, `ods`, `spreadsheet`),
    /// `jsonl` (or `json`, `ndjson`), `text` (or `txt`).
    fn from_str(s: &str) -> Result<Format, String> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "tsv" | "tab" => Ok(Format::Tsv),
            "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" | "spreadsheet" => Ok(Format::Spreadsheet),
            "jsonl" | "ndjson" | "json" => Ok(Format::JsonLines),
            "text" | "txt" => Ok(Format::Text),
            _ => Err(format!(
                "unknown format {s:?}: expected csv, tsv, xlsx, jsonl or text"
            )),
        }
    }
}

/// How to read a file; the default reads by extension and requires nothing.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Overrides the format the extension implies (needed for stdin, which is text otherwise).
    pub format: Option<Format>,
    /// Fields the caller needs: a file without them fails at [`open`] with
    /// [`InputError::MissingColumn`] (for JSON Lines, each line lacking one is a row error).
    pub required: Vec<Field>,
    /// The worksheet to read, instead of the first.
    pub sheet: Option<String>,
    /// Header names for a CSV/TSV file without a header row (e.g. `["id", "keyword"]`).
    pub columns: Option<Vec<String>>,
}

/// A streaming reader of records, one per row.
///
/// Iterating yields `Err` for a bad row and goes on with the next; after an error that ends
/// the file (unreadable, undecodable) it yields nothing more.
pub struct Reader {
    rows: Rows,
}

enum Rows {
    Delimited(delimited::DelimitedRows),
    Sheet(sheet::SheetRows),
    Json(jsonl::JsonRows),
    Text(text::TextRows),
}

/// The label records carry for standard input.
pub const STDIN_PATH: &str = "<stdin>";

/// Opens a file (or standard input for `-`) for reading records.
///
/// Fails when the file cannot be opened, is empty, has no header row, or lacks a column in
/// [`Options::required`]. Standard input is text unless [`Options::format`] says otherwise.
pub fn open(path: impl AsRef<Path>, options: &Options) -> Result<Reader, InputError> {
    let path = path.as_ref();
    if path == Path::new("-") {
        let format = options.format.unwrap_or(Format::Text);
        return from_reader(std::io::stdin(), Path::new(STDIN_PATH), format, options);
    }
    let format = options.format.unwrap_or_else(|| Format::from_path(path));
    let shared: Arc<Path> = Arc::from(path);
    if format == Format::Spreadsheet {
        let rows = sheet::SheetRows::open_path(shared, options)?;
        return Reader::checked(Rows::Sheet(rows), options);
    }
    let file = std::fs::File::open(path).map_err(|source| InputError::Io {
        path: shared.clone(),
        source,
    })?;
    Reader::build(Box::new(file), shared, format, options)
}

/// Reads records from any byte stream, labelled `path` in locations (tests, stdin, archives).
pub fn from_reader(
    source: impl Read + Send + 'static,
    path: &Path,
    format: Format,
    options: &Options,
) -> Result<Reader, InputError> {
    let shared: Arc<Path> = Arc::from(path);
    if format == Format::Spreadsheet {
        let rows = sheet::SheetRows::open_reader(Box::new(source), shared, options)?;
        return Reader::checked(Rows::Sheet(rows), options);
    }
    Reader::build(Box::new(source), shared, format, options)
}

/// The header of a file, to say which fields it has (for JSON Lines, the keys of its first
/// object; `None` when it has no object).
pub fn describe(path: impl AsRef<Path>, options: &Options) -> Result<Option<Header>, InputError> {
    let options = Options {
        required: Vec::new(),
        ..options.clone()
    };
    let mut reader = open(path, &options)?;
    if let Rows::Json(rows) = &mut reader.rows {
        rows.by_ref().find(|row| row.is_ok()).transpose()?;
    }
    Ok(reader.header().cloned())
}

impl Reader {
    fn build(
        source: Box<dyn Read + Send>,
        path: Arc<Path>,
        format: Format,
        options: &Options,
    ) -> Result<Reader, InputError> {
        let rows = match format {
            Format::Csv | Format::Tsv => Rows::Delimited(delimited::DelimitedRows::open(
                source, path, format, options,
            )?),
            Format::Spreadsheet => {
                Rows::Sheet(sheet::SheetRows::open_reader(source, path, options)?)
            }
            Format::JsonLines => Rows::Json(jsonl::JsonRows::open(source, path, options)),
            Format::Text => Rows::Text(text::TextRows::open(source, path)),
        };
        Reader::checked(rows, options)
    }

    fn checked(rows: Rows, options: &Options) -> Result<Reader, InputError> {
        let reader = Reader { rows };
        if let Some(header) = reader.header() {
            for &field in &options.required {
                header.require(field)?;
            }
        }
        Ok(reader)
    }

    /// The file's header; for JSON Lines the keys of the last line read (`None` before any).
    pub fn header(&self) -> Option<&Header> {
        match &self.rows {
            Rows::Delimited(rows) => Some(rows.header()),
            Rows::Sheet(rows) => Some(rows.header()),
            Rows::Json(rows) => rows.header(),
            Rows::Text(rows) => Some(rows.header()),
        }
        .map(|h| &**h)
    }

    /// The text encoding detected so far (`None` for spreadsheets); a file that has been pure
    /// ASCII up to here reports UTF-8.
    pub fn encoding(&self) -> Option<Encoding> {
        match &self.rows {
            Rows::Delimited(rows) => Some(rows.encoding()),
            Rows::Sheet(_) => None,
            Rows::Json(rows) => Some(rows.encoding()),
            Rows::Text(rows) => Some(rows.encoding()),
        }
    }

    /// The format being read.
    pub fn format(&self) -> Format {
        match &self.rows {
            Rows::Delimited(rows) => rows.header().format(),
            Rows::Sheet(_) => Format::Spreadsheet,
            Rows::Json(_) => Format::JsonLines,
            Rows::Text(_) => Format::Text,
        }
    }
}

impl Iterator for Reader {
    type Item = Result<Record, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.rows {
            Rows::Delimited(rows) => rows.next(),
            Rows::Sheet(rows) => rows.next(),
            Rows::Json(rows) => rows.next(),
            Rows::Text(rows) => rows.next(),
        }
    }
}
