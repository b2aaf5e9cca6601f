//! Errors of the readers: every one says where (path, line, column) and quotes what.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use super::{Field, MAX_TITLE_CHARS};
use crate::lang::{Describe, Lang, Said};

/// Where something sits in an input file, rendered `path:line:col`.
///
/// `line` is the 1-based physical line for text, CSV (where the record starts) and JSON Lines,
/// and the 1-based sheet row for spreadsheets; `column` is 1-based (the cell's column index for
/// CSV and spreadsheets, the character column where the value starts for JSON Lines).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    /// The file, or `<stdin>`.
    pub path: Arc<Path>,
    /// 1-based line (or spreadsheet row).
    pub line: u64,
    /// 1-based column.
    pub column: u64,
}

impl Location {
    /// Builds a location; kept small so errors stay cheap to move.
    pub fn new(path: Arc<Path>, line: u64, column: u64) -> Self {
        Location { path, line, column }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path.display(), self.line, self.column)
    }
}

/// Why a single cell value could not be read, without a location.
///
/// The 1-based line and character column of byte `offset` in `text`: the one rule for where
/// a byte offset into a file (a TOML span, a dictionary's first bad byte) is shown.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Returned by the free parsing functions ([`parse_number`](super::parse_number),
/// [`parse_integer`](super::parse_integer), [`parse_date`](super::parse_date)), which do not know
/// the file; a [`Record`](super::Record) wraps it into [`InputError::Value`] with path, line,
/// column and header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe(Lang::En))]
pub struct ValueError {
    /// What was wrong.
    pub kind: ValueErrorKind,
    /// The offending text exactly as found in the cell.
    pub value: String,
}

impl Describe for ValueError {
    fn describe(&self, lang: Lang) -> String {
        let (kind, value) = (self.kind.describe(lang), &self.value);
        match (lang, self.kind) {
            (Lang::Zh, ValueErrorKind::TooLong { chars }) => {
                format!("{kind}（{chars} 个字符，最多 {MAX_TITLE_CHARS} 个）：{value:?}")
            }
            (Lang::Zh, _) => format!("{kind}：{value:?}"),
            (Lang::En, ValueErrorKind::TooLong { chars }) => {
                let value = format!("{value} ({chars} characters, at most {MAX_TITLE_CHARS})");
                format!("{kind}: {value:?}")
            }
            (Lang::En, _) => format!("{kind}: {value:?}"),
        }
    }
}

impl ValueError {
    pub(crate) fn new(kind: ValueErrorKind, value: &str) -> Self {
        ValueError {
            kind,
            value: value.to_owned(),
        }
    }
}

/// The kinds of bad cell values, so callers can count them by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ValueErrorKind {
    /// Not a number in any accepted spelling.
    NotANumber,
    /// A number with a fraction where a whole number is needed.
    NotWhole,
    /// A number too large to represent.
    OutOfRange,
    /// Not a date in any accepted spelling, or no such day.
    NotADate,
    /// A title longer than [`MAX_TITLE_CHARS`] characters (the value is its start).
    TooLong {
        /// The title's length in characters (`u32` keeps errors small; saturates).
        chars: u32,
    },
}

impl Describe for ValueErrorKind {
    fn describe(&self, lang: Lang) -> String {
        let (zh, en) = match self {
            ValueErrorKind::NotANumber => ("不是数字", "not a number"),
            ValueErrorKind::NotWhole => ("不是整数", "not a whole number"),
            ValueErrorKind::OutOfRange => ("数字超出范围", "number out of range"),
            ValueErrorKind::NotADate => ("不是日期", "not a date"),
            ValueErrorKind::TooLong { .. } => ("太长", "too long"),
        };
        lang.pick(zh, en).to_owned()
    }
}

impl fmt::Display for ValueErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(Lang::En))
    }
}

/// Everything that can go wrong while reading an input file.
///
/// Row-level variants ([`Value`](Self::Value), [`FieldCount`](Self::FieldCount),
/// [`Json`](Self::Json), [`Csv`](Self::Csv), and [`MissingColumn`](Self::MissingColumn) for a
/// JSON line) concern one row: the reader goes on with the next row, and [`InputError::raw`]
/// gives the row text for a rejects file. The others end the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// The file could not be opened or read.
    #[error("{}", self.describe(Lang::En))]
    Io {
        /// The file.
        path: Arc<Path>,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// UTF-16 text that does not decode: the rest of the file is lost.
    #[error("{}", self.describe(Lang::En))]
    Undecodable {
        /// Where the first bad byte is (column counted in decoded characters).
        location: Location,
        /// 0-based byte offset of the first bad byte in the file.
        offset: u64,
        /// Which decoding failed and why it was chosen, in Chinese and in English.
        message: (&'static str, &'static str),
        /// The bad bytes, as `\xNN` escapes.
        bytes: String,
    },
    /// A line that decodes neither as UTF-8 nor as GB18030: its row is set aside, the rows
    /// around it are read.
    #[error("{}", self.describe(Lang::En))]
    UndecodableLine {
        /// Where the first bad byte is (column counted in decoded characters).
        location: Location,
        /// 0-based byte offset of the first bad byte in the file.
        offset: u64,
        /// Which decoding failed, in Chinese and in English.
        message: (&'static str, &'static str),
        /// The bad bytes, as `\xNN` escapes.
        bytes: String,
        /// The line with replacement characters for the bad bytes, for the rejects file.
        raw: String,
    },
    /// The file has no column for a field the command needs.
    #[error("{}", self.describe(Lang::En))]
    MissingColumn {
        /// The header row (or the JSON line lacking the key).
        location: Location,
        /// The field needed.
        field: Field,
        /// The headers (or keys) that were there, joined with `, `.
        found: String,
    },
    /// Two header cells with the same name: which one a field reads would be a guess.
    #[error("{}", self.describe(Lang::En))]
    DuplicateColumn {
        /// The second cell with the name.
        location: Location,
        /// The name, as written.
        name: String,
        /// 1-based column of the first cell with the name.
        first: u64,
    },
    /// The file has no header row at all (it is empty).
    #[error("{}", self.describe(Lang::En))]
    Empty {
        /// The file.
        path: Arc<Path>,
    },
    /// A CSV record that cannot be read (an unbalanced quote, bad syntax).
    #[error("{}", self.describe(Lang::En))]
    Csv {
        /// Where the record starts.
        location: Location,
        /// What is wrong.
        message: Said,
        /// The record as read (re-quoted), possibly spanning lines.
        raw: String,
    },
    /// A row with a different number of fields than the header.
    #[error("{}", self.describe(Lang::En))]
    FieldCount {
        /// Where the row starts.
        location: Location,
        /// Fields in the header.
        expected: usize,
        /// Fields in this row.
        found: usize,
        /// The row as read (re-quoted in the file's delimiter).
        raw: String,
    },
    /// A JSON Lines line that is not a JSON object.
    #[error("{}", self.describe(Lang::En))]
    Json {
        /// Where the parser stopped.
        location: Location,
        /// What the parser said.
        message: Said,
        /// The whole line.
        raw: String,
    },
    /// A cell whose value cannot be read as the type asked for.
    #[error("{}", self.describe(Lang::En))]
    Value {
        /// The cell.
        location: Location,
        /// The column header as written in the file (so the operator can find it).
        header: String,
        /// What is wrong, with the value.
        error: ValueError,
    },
    /// A row whose title breaks [`check_title`](super::check_title) (too long): the reader
    /// sets the whole row aside, with its text.
    #[error("{}", self.describe(Lang::En))]
    BadTitle {
        /// The title cell.
        location: Location,
        /// The column header as written in the file.
        header: String,
        /// What is wrong, with the start of the title.
        error: ValueError,
        /// The row as read, for the rejects file.
        raw: String,
    },
    /// A spreadsheet that calamine cannot open or has no such sheet.
    #[error("{}", self.describe(Lang::En))]
    Spreadsheet {
        /// The file.
        path: Arc<Path>,
        /// What calamine said.
        message: String,
    },
}

impl Describe for InputError {
    fn describe(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        match self {
            InputError::Io { path, source } => match zh {
                true => format!("{}: 无法读取：{source}", path.display()),
                false => format!("{}: cannot read: {source}", path.display()),
            },
            InputError::Undecodable {
                location,
                offset,
                message,
                bytes,
            }
            | InputError::UndecodableLine {
                location,
                offset,
                message,
                bytes,
                ..
            } => match zh {
                true => format!("{location}: {}，字节偏移 {offset}：\"{bytes}\"", message.0),
                false => format!(
                    "{location}: {} at byte offset {offset}: \"{bytes}\"",
                    message.1
                ),
            },
            InputError::MissingColumn {
                location,
                field,
                found,
            } => match zh {
                true => format!(
                    "{location}: 没有{}列：找过 {}：{found:?}",
                    field.header_zh(),
                    field.aliases().join("、")
                ),
                false => format!(
                    "{location}: no {field} column: looked for {}: {found:?}",
                    field.aliases().join(", ")
                ),
            },
            InputError::DuplicateColumn {
                location,
                name,
                first,
            } => match zh {
                true => format!("{location}: 列名重复 {name:?}（第 {first} 列也是）"),
                false => format!("{location}: duplicate column {name:?} (also column {first})"),
            },
            InputError::Empty { path } => match zh {
                true => format!("{}:1:1: 没有表头行：文件是空的", path.display()),
                false => format!("{}:1:1: no header row: the file is empty", path.display()),
            },
            InputError::Csv {
                location,
                message,
                raw,
            } => match zh {
                true => format!("{location}: CSV 格式错误：{}：{raw:?}", message.zh),
                false => format!("{location}: malformed CSV: {}: {raw:?}", message.en),
            },
            InputError::FieldCount {
                location,
                expected,
                found,
                raw,
            } => match zh {
                true => {
                    format!("{location}: 这一行有 {found} 个字段，表头有 {expected} 个：{raw:?}")
                }
                false => {
                    format!("{location}: row has {found} fields, header has {expected}: {raw:?}")
                }
            },
            InputError::Json {
                location,
                message,
                raw,
            } => match zh {
                true => format!("{location}: JSON 格式错误：{}：{raw:?}", message.zh),
                false => format!("{location}: malformed JSON: {}: {raw:?}", message.en),
            },
            InputError::Value {
                location,
                header,
                error,
            }
            | InputError::BadTitle {
                location,
                header,
                error,
                ..
            } => match zh {
                true => format!("{location}: {header}：{}", error.describe(lang)),
                false => format!("{location}: {header}: {}", error.describe(lang)),
            },
            InputError::Spreadsheet { path, message } => match zh {
                true => format!("{}: 无法读取表格：{message}", path.display()),
                false => format!("{}: cannot read spreadsheet: {message}", path.display()),
            },
        }
    }
}

impl InputError {
    /// Where the error is, when it points into the file.
    pub fn location(&self) -> Option<&Location> {
        match self {
            InputError::Undecodable { location, .. }
            | InputError::UndecodableLine { location, .. }
            | InputError::MissingColumn { location, .. }
            | InputError::DuplicateColumn { location, .. }
            | InputError::Csv { location, .. }
            | InputError::FieldCount { location, .. }
            | InputError::Json { location, .. }
            | InputError::Value { location, .. }
            | InputError::BadTitle { location, .. } => Some(location),
            InputError::Io { .. } | InputError::Empty { .. } | InputError::Spreadsheet { .. } => {
                None
            }
        }
    }

    /// The row text for the row-level errors that carry it, to write to a rejects file.
    pub fn raw(&self) -> Option<&str> {
        match self {
            InputError::Csv { raw, .. }
            | InputError::FieldCount { raw, .. }
            | InputError::Json { raw, .. }
            | InputError::UndecodableLine { raw, .. }
            | InputError::BadTitle { raw, .. } => Some(raw),
            _ => None,
        }
    }
}
