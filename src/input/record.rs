//! One row of any format, with typed accessors that all go through one cell lookup.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use super::value::{parse_number_parts, to_integer};
use super::{Date, Field, Format, Header, InputError, Location, ValueError, parse_date};

/// One row: its cells (as text), where it came from, and the header that names them.
///
/// Cells are stored in one string buffer, so a row costs two allocations whatever its width.
#[derive(Debug, Clone)]
pub struct Record {
    header: Arc<Header>,
    line: u64,
    text: String,
    /// End offset in `text` of each cell, one per header column.
    ends: Vec<u32>,
    /// 1-based column of each cell where it differs from the header position (JSON Lines).
    columns: Option<Vec<u32>>,
    /// The row as read, for line-based formats; rebuilt from the cells otherwise.
    raw: Option<String>,
}

impl Record {
    /// Builds a record from one value per header column.
    pub(crate) fn new<'a>(
        header: Arc<Header>,
        line: u64,
        values: impl IntoIterator<Item = &'a str>,
        columns: Option<Vec<u32>>,
        raw: Option<String>,
    ) -> Record {
        let mut text = String::new();
        let mut ends = Vec::with_capacity(header.columns().len());
        for value in values {
            text.push_str(value);
            ends.push(u32::try_from(text.len()).expect("a row under 4 GiB"));
        }
        debug_assert_eq!(ends.len(), header.columns().len());
        Record {
            header,
            line,
            text,
            ends,
            columns,
            raw,
        }
    }

    /// The record, or the error of its title cell when the title breaks
    /// [`check_title`](super::check_title): every reader returns rows through this, so no
    /// caller ever sees an over-long title.
    pub(crate) fn checked(self) -> Result<Record, InputError> {
        if let Some(index) = self.header.index_of(Field::Title) {
            let title = self.value(index).unwrap_or("");
            if let Err(error) = super::check_title(title.trim()) {
                return Err(InputError::BadTitle {
                    location: self.cell_location(index),
                    header: self.header.columns()[index].name.clone(),
                    error,
                    raw: self.raw().into_owned(),
                });
            }
        }
        Ok(self)
    }

    /// The header naming this row's cells.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The shared header, to compare cheaply whether two rows have the same columns.
    pub fn header_arc(&self) -> &Arc<Header> {
        &self.header
    }

    /// The file the row came from.
    pub fn path(&self) -> &Path {
        self.header.path()
    }

    /// 1-based line where the row starts (spreadsheet: row number).
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Where the row starts, `path:line:1`.
    pub fn location(&self) -> Location {
        Location::new(self.header.path_arc().clone(), self.line, 1)
    }

    /// Number of cells (equal to the header's columns).
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True for a row without cells.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The cell at `index` (into [`Header::columns`]), untrimmed.
    pub fn value(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)? as usize;
        let start = if index == 0 {
            0
        } else {
            self.ends[index - 1] as usize
        };
        Some(&self.text[start..end])
    }

    /// 1-based column of the cell at `index`: the file column for CSV and spreadsheets, the
    /// character column where the value starts for JSON Lines.
    pub fn column_of(&self, index: usize) -> u64 {
        match &self.columns {
            Some(columns) => columns.get(index).copied().unwrap_or(1) as u64,
            None => self.header.columns().get(index).map_or(1, |c| c.position),
        }
    }

    /// Where a cell is, for messages about it.
    pub fn cell_location(&self, index: usize) -> Location {
        Location::new(
            self.header.path_arc().clone(),
            self.line,
            self.column_of(index),
        )
    }

    /// All cells with their columns, in file order.
    pub fn cells(&self) -> impl Iterator<Item = (&super::Column, &str)> {
        self.header
            .columns()
            .iter()
            .enumerate()
            .map(|(i, column)| (column, self.value(i).unwrap_or("")))
    }

    /// The untrimmed cell of `field`, if the row has that column.
    pub fn get(&self, field: Field) -> Option<&str> {
        self.value(self.header.index_of(field)?)
    }

    /// The cell of `field`, trimmed; `None` when the column is absent or the cell blank.
    pub fn text(&self, field: Field) -> Option<&str> {
        self.get(field).map(str::trim).filter(|s| !s.is_empty())
    }

    /// The unit the header states for `field` (`分` in `花费（分）`).
    pub fn unit(&self, field: Field) -> Option<&str> {
        self.header.column(field)?.unit.as_deref()
    }

    /// The cell of `field` as a number in base units; `Ok(None)` when absent or missing.
    ///
    /// Cell spellings are those of [`parse_number`](super::parse_number) (`3.25%` is
    /// `0.0325`). When the cell has no unit of its own, the header's unit applies, so rates
    /// are fractions and money is in 元: `%` divides by 100, `分` divides by 100 (to 元),
    /// `万`/`万元` multiply by 10⁴, `千` by 10³; other units (`元`, `次`) change nothing.
    pub fn number(&self, field: Field) -> Result<Option<f64>, InputError> {
        let Some(index) = self.header.index_of(field) else {
            return Ok(None);
        };
        let value = self.value(index).unwrap_or("");
        let number = parse_number_parts(value).map_err(|e| self.value_error(index, e))?;
        Ok(number.map(|n| {
            if n.has_unit {
                return n.value;
            }
            match self.header.columns()[index].unit.as_deref() {
                Some("%") => n.value / 100.0,
                Some("分") => n.value / 100.0,
                Some("万" | "万元" | "万次") => n.value * 10_000.0,
                Some("千" | "千元") => n.value * 1_000.0,
                _ => n.value,
            }
        }))
    }

    /// The cell of `field` as a whole number (see [`number`](Self::number)).
    pub fn integer(&self, field: Field) -> Result<Option<i64>, InputError> {
        let Some(index) = self.header.index_of(field) else {
            return Ok(None);
        };
        let value = self.value(index).unwrap_or("");
        if self.header.columns()[index].unit.is_none() {
            // Same reading as `number` then a whole check, but exact for long digit strings.
            return super::parse_integer(value).map_err(|e| self.value_error(index, e));
        }
        self.number(field)?
            .map(|x| to_integer(x, value).map_err(|e| self.value_error(index, e)))
            .transpose()
    }

    /// The cell of `field` as a day (see [`parse_date`](super::parse_date)).
    pub fn date(&self, field: Field) -> Result<Option<Date>, InputError> {
        let Some(index) = self.header.index_of(field) else {
            return Ok(None);
        };
        parse_date(self.value(index).unwrap_or("")).map_err(|e| self.value_error(index, e))
    }

    fn value_error(&self, index: usize, error: ValueError) -> InputError {
        InputError::Value {
            location: self.cell_location(index),
            header: self.header.columns()[index].name.clone(),
            error,
        }
    }

    /// Attributes of the item: the `属性` cell split as `k:v;k:v` (full-width `：；` too; a
    /// piece without a colon is a value with an empty name), then every unknown column with a
    /// non-blank value as (header without unit, value). Names and values are trimmed.
    pub fn attributes(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(cell) = self.text(Field::Attributes) {
            for piece in cell.split([';', '；']) {
                let (name, value) = piece.split_once([':', '：']).unwrap_or(("", piece));
                let (name, value) = (name.trim(), value.trim());
                if !value.is_empty() {
                    out.push((name.to_owned(), value.to_owned()));
                }
            }
        }
        for (column, value) in self.cells() {
            let value = value.trim();
            if column.field.is_none() && !value.is_empty() {
                out.push((column.base_name().to_owned(), value.to_owned()));
            }
        }
        out
    }

    /// The row as text for a rejects file: the line itself for text and JSON Lines; for CSV,
    /// TSV and spreadsheets the cells re-quoted as one delimited line (the file's delimiter,
    /// comma for spreadsheets), so a rejects file stays a valid file of the same kind.
    pub fn raw(&self) -> Cow<'_, str> {
        match &self.raw {
            Some(raw) => Cow::Borrowed(raw),
            None => Cow::Owned(delimited_line(
                (0..self.len()).map(|i| self.value(i).unwrap_or("")),
                self.header.delimiter(),
            )),
        }
    }

    /// The format of the file the row came from.
    pub fn format(&self) -> Format {
        self.header.format()
    }
}

/// Writes fields as one CSV line (no terminator), quoting as needed.
pub(crate) fn delimited_line<'a>(fields: impl Iterator<Item = &'a str>, delimiter: u8) -> String {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let fields: Vec<&str> = fields.collect();
    // A lone empty field must be quoted or it would write an empty line.
    let written = if fields.len() == 1 && fields[0].is_empty() {
        writer
            .write_record([""])
            .and_then(|_| writer.flush().map_err(Into::into))
    } else {
        writer
            .write_record(&fields)
            .and_then(|_| writer.flush().map_err(Into::into))
    };
    written.expect("writing to memory cannot fail");
    let mut bytes = writer.into_inner().expect("flushed above");
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
    }
    String::from_utf8(bytes).expect("fields were UTF-8")
}
