//! CSV and TSV, streamed with the `csv` crate over the decoding reader.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use super::decode::{DecodingReader, Encoding, input_error};
use super::record::delimited_line;
use super::{Column, Format, Header, InputError, Location, Options, Record};
use crate::lang::Said;

type Source = Box<dyn Read + Send>;

/// Rows of a delimited file; the header is read (or given) when the file is opened.
pub(crate) struct DelimitedRows {
    header: Arc<Header>,
    reader: csv::Reader<QuoteTracker<DecodingReader<Source>>>,
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
            .from_reader(QuoteTracker::new(decoding, delimiter));
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
                if let Some(error) = reader.get_mut().inner.take_bad_line(1, 1) {
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
        header.check_unique(1)?;
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
        self.reader.get_ref().inner.encoding()
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
                    Some(p) => self.reader.get_mut().inner.line_at(p.byte()),
                    None => 1,
                };
                let path = self.header.path_arc();
                Some(Err(csv_error(error, path, line, Some(&self.record))))
            }
            Ok(true) => {
                let byte = self.record.position().map_or(0, |p| p.byte());
                let line = self.reader.get_mut().inner.line_at(byte);
                let breaks: usize = self.record.iter().map(|f| f.matches('\n').count()).sum();
                let last = line + breaks as u64;
                if let Some(error) = self.reader.get_mut().inner.take_bad_line(line, last) {
                    return Some(Err(error));
                }
                let result = self.build(line);
                // The csv crate closes a quote left open at the end of the file silently; a
                // file cut inside a quoted cell (no final line break) would pass as whole.
                let end = self.reader.position().byte();
                if result.is_ok() && self.reader.get_ref().open_quote_at(end) {
                    return Some(Err(InputError::Csv {
                        location: Location::new(self.header.path_arc().clone(), line, 1),
                        message: Said::new(
                            "引号不成对：文件在带引号的字段内结束",
                            "unbalanced quote: the file ends inside a quoted field",
                        ),
                        raw: delimited_line(self.record.iter(), self.header.delimiter()),
                    }));
                }
                Some(result)
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
                    message: Said::new(
                        format!(
                            "引号不成对：一个带引号的字段跨了多行，只剩 {} 个字段，而表头有 \
                             {expected} 个",
                            self.record.len()
                        ),
                        format!(
                            "unbalanced quote: a quoted field runs across lines, leaving {} \
                             fields where the header has {expected}",
                            self.record.len()
                        ),
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
                message: Said::new(
                    "引号不成对：一个带引号的字段一直延续到文件末尾",
                    "unbalanced quote: a quoted field runs to the end of the file",
                ),
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

/// Follows the CSV quoting state of the bytes the csv crate reads, so that a file ending inside
/// a quoted field can be told from one ending after it (the crate reports neither).
struct QuoteTracker<R> {
    inner: R,
    delimiter: u8,
    state: Quote,
    bytes: u64,
    eof: bool,
}

/// Where the bytes read so far stand: at a field's start, in an unquoted or a quoted field,
/// or just after a quote inside a quoted one (it closes the field unless another follows).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quote {
    FieldStart,
    Unquoted,
    Quoted,
    ClosingOrDoubled,
}

impl<R> QuoteTracker<R> {
    fn new(inner: R, delimiter: u8) -> Self {
        QuoteTracker {
            inner,
            delimiter,
            state: Quote::FieldStart,
            bytes: 0,
            eof: false,
        }
    }

    /// Whether the input ended, `end` bytes long, inside a quoted field.
    fn open_quote_at(&self, end: u64) -> bool {
        self.eof && end == self.bytes && self.state == Quote::Quoted
    }

    fn track(&mut self, bytes: &[u8]) {
        for &b in bytes {
            let boundary = b == self.delimiter || b == b'\n' || b == b'\r';
            self.state = match (self.state, b) {
                (Quote::Quoted, b'"') => Quote::ClosingOrDoubled,
                (Quote::Quoted, _) => Quote::Quoted,
                (Quote::ClosingOrDoubled, b'"') => Quote::Quoted,
                (Quote::FieldStart, b'"') => Quote::Quoted,
                _ if boundary => Quote::FieldStart,
                _ => Quote::Unquoted,
            };
        }
    }
}

impl<R: Read> Read for QuoteTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.eof = true;
        }
        self.track(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
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
            // The csv crate's own words.
            message: Said::new(message.clone(), message),
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

    fn read(text: &str) -> Vec<Result<Record, InputError>> {
        let source: Source = Box::new(std::io::Cursor::new(text.as_bytes().to_vec()));
        let path: Arc<Path> = Arc::from(Path::new("cut.csv"));
        DelimitedRows::open(source, path, Format::Csv, &Options::default())
            .unwrap()
            .collect()
    }

    #[test]
    fn file_cut_inside_an_open_quote_without_final_newline_is_a_row_error() {
        let rows = read("id,title\n1,面霜\n2,\"自然堂乳液");
        assert!(rows[0].is_ok());
        let error = rows[1].as_ref().unwrap_err().to_string();
        assert!(
            error.starts_with("cut.csv:3:1: malformed CSV: unbalanced quote: the file ends"),
            "{error}"
        );
        assert_eq!(rows.len(), 2);
        // Across lines too, and closed quotes (escaped or not) at the very end are fine.
        let rows = read("id,title\n1,\"面霜\n2,乳液");
        assert!(rows.iter().all(Result::is_err), "{rows:?}");
        for whole in [
            "id,title\n1,\"面霜\"",
            "id,title\n1,\"5\"\"屏\"",
            "id,title\n1,5\"屏",
        ] {
            assert!(read(whole).iter().all(Result::is_ok), "{whole}");
        }
    }
}
