//! Errors of the readers: every one says where (path, line, column) and quotes what.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use super::Field;

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
#[error("{kind}: {value:?}")]
pub struct ValueError {
    /// What was wrong.
    pub kind: ValueErrorKind,
    /// The offending text exactly as found in the cell.
    pub value: String,
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
    /// A title longer than [`MAX_TITLE_CHARS`](super::MAX_TITLE_CHARS) characters.
    TooLong,
}

impl fmt::Display for ValueErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValueErrorKind::NotANumber => "not a number",
            ValueErrorKind::NotWhole => "not a whole number",
            ValueErrorKind::OutOfRange => "number out of range",
            ValueErrorKind::NotADate => "not a date",
            ValueErrorKind::TooLong => "too long",
        })
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
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        /// The file.
        path: Arc<Path>,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// UTF-16 text that does not decode: the rest of the file is lost.
    #[error("{location}: {message} at byte offset {offset}: \"{bytes}\"")]
    Undecodable {
        /// Where the first bad byte is (column counted in decoded characters).
        location: Location,
        /// 0-based byte offset of the first bad byte in the file.
        offset: u64,
        /// Which decoding failed and why it was chosen.
        message: &'static str,
        /// The bad bytes, as `\xNN` escapes.
        bytes: String,
    },
    /// A line that decodes neither as UTF-8 nor as GB18030: its row is set aside, the rows
    /// around it are read.
    #[error("{location}: {message} at byte offset {offset}: \"{bytes}\"")]
    UndecodableLine {
        /// Where the first bad byte is (column counted in decoded characters).
        location: Location,
        /// 0-based byte offset of the first bad byte in the file.
        offset: u64,
        /// Which decoding failed.
        message: &'static str,
        /// The bad bytes, as `\xNN` escapes.
        bytes: String,
        /// The line with replacement characters for the bad bytes, for the rejects file.
        raw: String,
    },
    /// The file has no column for a field the command needs.
    #[error("{location}: no {field} column: looked for {}: {found:?}", field.aliases().join(", "))]
    MissingColumn {
        /// The header row (or the JSON line lacking the key).
        location: Location,
        /// The field needed.
        field: Field,
        /// The headers (or keys) that were there, joined with `, `.
        found: String,
    },
    /// Two header cells with the same name: which one a field reads would be a guess.
    #[error("{location}: duplicate column {name:?} (also column {first})")]
    DuplicateColumn {
        /// The second cell with the name.
        location: Location,
        /// The name, as written.
        name: String,
        /// 1-based column of the first cell with the name.
        first: u64,
    },
    /// The file has no header row at all (it is empty).
    #[error("{}:1:1: no header row: the file is empty", path.display())]
    Empty {
        /// The file.
        path: Arc<Path>,
    },
    /// A CSV record that cannot be read (an unbalanced quote, bad syntax).
    #[error("{location}: malformed CSV: {message}: {raw:?}")]
    Csv {
        /// Where the record starts.
        location: Location,
        /// What is wrong.
        message: String,
        /// The record as read (re-quoted), possibly spanning lines.
        raw: String,
    },
    /// A row with a different number of fields than the header.
    #[error("{location}: row has {found} fields, header has {expected}: {raw:?}")]
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
    #[error("{location}: malformed JSON: {message}: {raw:?}")]
    Json {
        /// Where the parser stopped.
        location: Location,
        /// What the parser said.
        message: String,
        /// The whole line.
        raw: String,
    },
    /// A cell whose value cannot be read as the type asked for.
    #[error("{location}: {header}: {error}")]
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
    #[error("{location}: {header}: {error}")]
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
    #[error("{}: cannot read spreadsheet: {message}", path.display())]
    Spreadsheet {
        /// The file.
        path: Arc<Path>,
        /// What calamine said.
        message: String,
    },
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
