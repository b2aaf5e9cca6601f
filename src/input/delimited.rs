//! CSV and TSV, streamed with the `csv` crate over the decoding reader.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use super::decode::{DecodingReader, Encoding, input_error};
use super::record::delimited_line;
use super::{Column, Format, Header, InputError, Location, Options, Record};

type Source = Box<dyn Read + Send>;

/// Rows of a delimited file; the header is read (or given) when the file is opened.
pub(crate) struct DelimitedRows {
    header: Arc<Header>,
    reader: csv::Reader<DecodingReader<Source>>,
    record: csv::StringRecord,
    done: bool,
}

/// The delimiter of a header line: tab or semicolon when a `.csv` header has no comma.
fn sniff(first_line: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in first_line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b'\t' if !quoted => counts[1] += 1,
            b';' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    match counts {
        [0, tabs, _] if tabs > 0 => b'\t',
        [0, 0, semis] if semis > 0 => b';',
        _ => b',',
    }
}

impl DelimitedRows {
    pub(crate) fn open(
        source: Source,
        path: Arc<Path>,
        format: Format,
        options: &Options,
    ) -> Result<Self, InputError> {
        let mut decoding = DecodingReader::new(source, path.clone());
        decoding.track_lines();
        let delimiter = match format {
            Format::Tsv => b'\t',
            _ => sniff(decoding.peek_line().map_err(|e| input_error(e, &path))?),
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(decoding);
        let mut record = csv::StringRecord::new();
        let names: Vec<String> = match &options.columns {
            Some(names) => names.clone(),
            None => {
                let more = reader
                    .read_record(&mut record)
                    .map_err(|e| csv_error(e, &path, 1, None))?;
                if !more {
                    return Err(InputError::Empty { path });
                }
                // A header that does not decode cannot name the columns.
                if let Some(error) = reader.get_mut().take_bad_line(1, 1) {
                    return Err(error);
                }
                record.iter().map(str::to_owned).collect()
            }
        };
        let columns = names
            .iter()
            .enumerate()
            .map(|(i, name)| Column::new(name, i as u64 + 1))
            .collect();
        let header = Arc::new(Header::new(path, format, delimiter, columns));
        Ok(DelimitedRows {
            header,
            reader,
            record,
            done: false,
        })
    }

    pub(crate) fn header(&self) -> &Arc<Header> {
        &self.header
    }

    pub(crate) fn encoding(&self) -> Encoding {
        self.reader.get_ref().encoding()
    }

    fn next_record(&mut self) -> Option<Result<Record, InputError>> {
        if self.done {
            return None;
        }
        match self.reader.read_record(&mut self.record) {
            Ok(false) => {
                self.done = true;
                None
            }
            Err(error) => {
                let fatal = !matches!(error.kind(), csv::ErrorKind::Utf8 { .. });
                self.done = fatal;
                let line = match error.position() {
                    Some(p) => self.reader.get_mut().line_at(p.byte()),
                    None => 1,
                };
                let path = self.header.path_arc();
                Some(Err(csv_error(error, path, line, Some(&self.record))))
            }
            Ok(true) => {
                let byte = self.record.position().map_or(0, |p| p.byte());
                let line = self.reader.get_mut().line_at(byte);
                let breaks: usize = self.record.iter().map(|f| f.matches('\n').count()).sum();
                let last = line + breaks as u64;
                if let Some(error) = self.reader.get_mut().take_bad_line(line, last) {
                    return Some(Err(error));
                }
                Some(self.build(line))
            }
        }
    }

    fn build(&self, line: u64) -> Result<Record, InputError> {
        let expected = self.header.columns().len();
        let mut found = self.record.len();
        // Exports often end rows with a stray delimiter: empty extra cells are no data.
        while found > expected && self.record[found - 1].trim().is_empty() {
            found -= 1;
        }
        if found != expected {
            let raw = delimited_line(self.record.iter(), self.header.delimiter());
            let spans = raw.contains('\n');
            let location = Location::new(self.header.path_arc().clone(), line, 1);
            if spans {
                return Err(InputError::Csv {
                    location,
                    message: format!(
                        "unbalanced quote: a quoted field runs across lines, leaving {} fields \
                         where the header has {expected}",
                        self.record.len()
                    ),
                    raw,
                });
            }
            return Err(InputError::FieldCount {
                location,
                expected,
                found: self.record.len(),
                raw,
            });
        }
        // A quote left open runs to the end of the file and swallows every row after it; the
        // csv crate closes it silently, with the file's last line break inside the field. A
        // real multi-line cell hardly ends in a line break, and a false alarm only sets the
        // row aside (nothing is lost), so that shape is reported as an unbalanced quote.
        if self
            .record
            .iter()
            .any(|f| f.contains('\n') && f.ends_with('\n'))
        {
            return Err(InputError::Csv {
                location: Location::new(self.header.path_arc().clone(), line, 1),
                message: "unbalanced quote: a quoted field runs to the end of the file".into(),
                raw: delimited_line(self.record.iter(), self.header.delimiter()),
            });
        }
        Record::new(
            self.header.clone(),
            line,
            self.record.iter().take(expected),
            None,
            None,
        )
        .checked()
    }
}

fn csv_error(
    error: csv::Error,
    path: &Arc<Path>,
    line: u64,
    record: Option<&csv::StringRecord>,
) -> InputError {
    let message = error.to_string();
    match error.into_kind() {
        csv::ErrorKind::Io(io) => input_error(io, path),
        _ => InputError::Csv {
            location: Location::new(path.clone(), line, 1),
            message,
            raw: record
                .map(|r| delimited_line(r.iter(), b','))
                .unwrap_or_default(),
        },
    }
}

impl Iterator for DelimitedRows {
    type Item = Result<Record, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_record()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_delimiters() {
        assert_eq!(sniff(b"title,price"), b',');
        assert_eq!(sniff(b"title\tprice"), b'\t');
        assert_eq!(sniff(b"title;price"), b';');
        assert_eq!(sniff(b"\"a,b\"\tprice"), b'\t');
        assert_eq!(sniff(b"title"), b',');
        assert_eq!(sniff(b"a,b\tc"), b',');
    }
}
