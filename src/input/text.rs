//! Plain text: one title per line, the line number as its id.

use std::io::{BufRead, Read};
use std::path::Path;
use std::sync::Arc;

use super::decode::{DecodingReader, Encoding, input_error};
use super::{Column, Field, Format, Header, InputError, Record};

/// Rows of a text file: each non-blank line is a [`Field::Title`] (trimmed) with an implicit
/// [`Field::Id`] equal to its line number.
pub(crate) struct TextRows {
    reader: DecodingReader<Box<dyn Read + Send>>,
    header: Arc<Header>,
    line: u64,
    buf: String,
    /// Lines of the last read still to return: a lone `\r` ends a line too (old Mac files).
    pieces: std::collections::VecDeque<(u64, String)>,
    /// `\n`-ended lines read, as the decoder counts them.
    physical: u64,
    done: bool,
}

impl TextRows {
    pub(crate) fn open(source: Box<dyn Read + Send>, path: Arc<Path>) -> Self {
        let columns = vec![
            Column::new(Field::Title.name(), 1),
            Column::new(Field::Id.name(), 1),
        ];
        TextRows {
            reader: DecodingReader::new(source, path.clone()),
            header: Arc::new(Header::new(path, Format::Text, b'\t', columns)),
            line: 0,
            buf: String::new(),
            pieces: Default::default(),
            physical: 0,
            done: false,
        }
    }

    pub(crate) fn encoding(&self) -> Encoding {
        self.reader.encoding()
    }

    pub(crate) fn header(&self) -> &Arc<Header> {
        &self.header
    }
}

impl Iterator for TextRows {
    type Item = Result<Record, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some((line, text)) = self.pieces.pop_front() {
                let title = text.trim();
                if title.is_empty() {
                    continue;
                }
                let id = line.to_string();
                return Some(
                    Record::new(
                        self.header.clone(),
                        line,
                        [title, id.as_str()],
                        None,
                        Some(text.clone()),
                    )
                    .checked(),
                );
            }
            if self.done {
                return None;
            }
            self.buf.clear();
            match self.reader.read_line(&mut self.buf) {
                Ok(0) => self.done = true,
                Ok(_) => {
                    self.physical += 1;
                    if let Some(error) = self.reader.take_bad_line(self.physical, self.physical) {
                        self.line += 1;
                        return Some(Err(error));
                    }
                    let text = self.buf.trim_end_matches(['\n', '\r']);
                    for piece in text.split('\r') {
                        self.line += 1;
                        self.pieces.push_back((self.line, piece.to_owned()));
                    }
                }
                Err(error) => {
                    self.done = true;
                    return Some(Err(input_error(error, self.header.path_arc())));
                }
            }
        }
    }
}
