//! Spreadsheets (xlsx, xlsm, xls, ods) through calamine; a sheet is loaded whole.

use std::io::{Cursor, Read};
use std::path::Path;
use std::sync::Arc;

use calamine::{Data, Range, Reader, Sheets, open_workbook_auto, open_workbook_auto_from_rs};

use super::{Column, Format, Header, InputError, Options, Record};

/// Rows of one worksheet; the header is its first non-empty row.
pub(crate) struct SheetRows {
    header: Arc<Header>,
    range: Range<Data>,
    /// Index of the next row inside `range`.
    next: usize,
    /// Sheet row number (1-based) of the range's first row.
    first_row: u64,
}

impl SheetRows {
    /// Opens a workbook from a file path (calamine picks the reader by extension).
    pub(crate) fn open_path(path: Arc<Path>, options: &Options) -> Result<Self, InputError> {
        let workbook = open_workbook_auto(&path).map_err(|e| spreadsheet_error(&path, e))?;
        Self::from_workbook(workbook, path, options)
    }

    /// Opens a workbook from a stream (stdin), read into memory to seek in it.
    pub(crate) fn open_reader(
        mut source: Box<dyn Read + Send>,
        path: Arc<Path>,
        options: &Options,
    ) -> Result<Self, InputError> {
        let mut bytes = Vec::new();
        source
            .read_to_end(&mut bytes)
            .map_err(|source| InputError::Io {
                path: path.clone(),
                source,
            })?;
        let workbook = open_workbook_auto_from_rs(Cursor::new(bytes))
            .map_err(|e| spreadsheet_error(&path, e))?;
        Self::from_workbook(workbook, path, options)
    }

    fn from_workbook<RS: std::io::Read + std::io::Seek>(
        mut workbook: Sheets<RS>,
        path: Arc<Path>,
        options: &Options,
    ) -> Result<Self, InputError> {
        let range = match &options.sheet {
            Some(name) => workbook.worksheet_range(name),
            None => match workbook.worksheet_range_at(0) {
                Some(range) => range,
                None => return Err(InputError::Empty { path }),
            },
        }
        .map_err(|e| spreadsheet_error(&path, e))?;
        let Some((first_row, first_column)) = range.start() else {
            return Err(InputError::Empty { path });
        };
        let columns = (0..range.width())
            .map(|c| {
                let name = range.get((0, c)).map(cell_text).unwrap_or_default();
                Column::new(&name, u64::from(first_column) + c as u64 + 1)
            })
            .collect();
        let header = Arc::new(Header::new(path, Format::Spreadsheet, b',', columns));
        header.check_unique(u64::from(first_row) + 1)?;
        Ok(SheetRows {
            header,
            range,
            next: 1,
            first_row: u64::from(first_row) + 1,
        })
    }

    pub(crate) fn header(&self) -> &Arc<Header> {
        &self.header
    }
}

fn spreadsheet_error(path: &Arc<Path>, error: impl std::fmt::Display) -> InputError {
    InputError::Spreadsheet {
        path: path.clone(),
        message: error.to_string(),
    }
}

/// A cell as the text a CSV export of it would hold: dates as `2016-11-14`, whole floats
/// without `.0`, errors as `#DIV/0!` (so reading it as a number reports that text).
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
            if (h, mi, s) == (0, 0, 0) {
                format!("{y:04}-{mo:02}-{d:02}")
            } else {
                format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
            }
        }
        other => other.to_string(),
    }
}

impl Iterator for SheetRows {
    type Item = Result<Record, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        let width = self.range.width();
        while self.next < self.range.height() {
            let row = self.next;
            self.next += 1;
            let cells: Vec<String> = (0..width)
                .map(|c| self.range.get((row, c)).map(cell_text).unwrap_or_default())
                .collect();
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let line = self.first_row + row as u64;
            return Some(
                Record::new(
                    self.header.clone(),
                    line,
                    cells.iter().map(String::as_str),
                    None,
                    None,
                )
                .checked(),
            );
        }
        None
    }
}
