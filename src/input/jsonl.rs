//! JSON Lines: one object per line, keys matched by the same header table as CSV columns.

use std::fmt;
use std::io::{BufRead, Read};
use std::path::Path;
use std::sync::Arc;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::decode::{DecodingReader, Encoding, input_error};
use super::{Column, Field, Format, Header, InputError, Location, Options, Record};
use crate::lang::Said;

/// Rows of a JSON Lines file. Objects may differ in keys: the header follows the keys of each
/// line (rebuilt only when they change), and a required field missing from a line is an error
/// for that line only.
pub(crate) struct JsonRows {
    reader: DecodingReader<Box<dyn Read + Send>>,
    path: Arc<Path>,
    line: u64,
    buf: String,
    keys: Vec<String>,
    header: Option<Arc<Header>>,
    required: Vec<Field>,
    done: bool,
}

/// The top-level entries of one object in order, values left as their JSON text so each can
/// be located in the line.
struct Entries<'a>(Vec<(String, &'a RawValue)>);

impl<'de> Deserialize<'de> for Entries<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor)
    }
}

impl JsonRows {
    pub(crate) fn open(source: Box<dyn Read + Send>, path: Arc<Path>, options: &Options) -> Self {
        JsonRows {
            reader: DecodingReader::new(source, path.clone()),
            path,
            line: 0,
            buf: String::new(),
            keys: Vec::new(),
            header: None,
            required: options.required.clone(),
            done: false,
        }
    }

    pub(crate) fn encoding(&self) -> Encoding {
        self.reader.encoding()
    }

    /// The header of the last line read.
    pub(crate) fn header(&self) -> Option<&Arc<Header>> {
        self.header.as_ref()
    }

    fn parse(&mut self, text: &str) -> Result<Record, InputError> {
        let entries = serde_json::from_str::<Entries>(text).map_err(|e| {
            let message = e.to_string();
            let message = match message.rfind(" at line ") {
                Some(at) => message[..at].to_owned(),
                None => message,
            };
            InputError::Json {
                location: Location::new(
                    self.path.clone(),
                    self.line,
                    char_column(text, e.column().saturating_sub(1)),
                ),
                // serde_json's own words.
                message: Said::new(message.clone(), message),
                raw: text.to_owned(),
            }
        })?;
        // Which of two values of one key a field reads would be a guess.
        for (i, (key, value)) in entries.0.iter().enumerate() {
            if entries.0[..i].iter().any(|(k, _)| k == key) {
                let offset = value.get().as_ptr() as usize - text.as_ptr() as usize;
                return Err(InputError::Json {
                    location: Location::new(
                        self.path.clone(),
                        self.line,
                        char_column(text, offset),
                    ),
                    message: Said::new(format!("键重复 {key:?}"), format!("duplicate key {key:?}")),
                    raw: text.to_owned(),
                });
            }
        }
        let same_keys = self.header.is_some()
            && self.keys.len() == entries.0.len()
            && self
                .keys
                .iter()
                .zip(&entries.0)
                .all(|(k, (key, _))| k == key);
        if !same_keys {
            self.keys = entries.0.iter().map(|(key, _)| key.clone()).collect();
            let columns = self
                .keys
                .iter()
                .enumerate()
                .map(|(i, key)| Column::new(key, i as u64 + 1))
                .collect();
            self.header = Some(Arc::new(Header::new(
                self.path.clone(),
                Format::JsonLines,
                b',',
                columns,
            )));
        }
        let header = self.header.clone().expect("set above");
        for &field in &self.required {
            header.require_at(field, self.line)?;
        }
        // A cell is a string, a number, a boolean or null; an object or array in a field baobei
        // reads (the attributes object aside) is no cell text: taken as text it would index
        // `{"a":1}` as a title. Other keys keep their JSON text as attributes.
        for ((key, value), column) in entries.0.iter().zip(header.columns()) {
            let nested = matches!(value.get().as_bytes().first(), Some(b'{' | b'['));
            let known = column.field.is_some_and(|f| f != Field::Attributes);
            if nested && known {
                let offset = value.get().as_ptr() as usize - text.as_ptr() as usize;
                return Err(InputError::Json {
                    location: Location::new(
                        self.path.clone(),
                        self.line,
                        char_column(text, offset),
                    ),
                    message: Said::new(
                        format!("{key:?} 是对象或数组，不是文本值"),
                        format!("{key:?} is an object or array, not a text value"),
                    ),
                    raw: text.to_owned(),
                });
            }
        }
        let values: Vec<String> = entries
            .0
            .iter()
            .zip(header.columns())
            .map(|((_, value), column)| json_text(value, column.field == Some(Field::Attributes)))
            .collect();
        let columns = entries
            .0
            .iter()
            .map(|(_, value)| {
                let offset = value.get().as_ptr() as usize - text.as_ptr() as usize;
                char_column(text, offset) as u32
            })
            .collect();
        Record::new(
            header,
            self.line,
            values.iter().map(String::as_str),
            Some(columns),
            Some(text.to_owned()),
        )
        .checked()
    }
}

/// 1-based character column of a byte offset (clamped into the line).
fn char_column(text: &str, offset: usize) -> u64 {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    text[..offset].chars().count() as u64 + 1
}

/// The cell text of a JSON value: strings unescaped, `null` blank, numbers and booleans as
/// written, an `attributes` object flattened to `k:v;k:v` so it reads like the CSV column.
fn json_text(value: &RawValue, attributes: bool) -> String {
    let text = value.get();
    match text.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(text).unwrap_or_default(),
        Some(b'n') => String::new(),
        Some(b'{') if attributes => {
            match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text) {
                Ok(map) => map
                    .iter()
                    .map(|(k, v)| match v {
                        serde_json::Value::String(s) => format!("{k}:{s}"),
                        other => format!("{k}:{other}"),
                    })
                    .collect::<Vec<_>>()
                    .join(";"),
                Err(_) => text.to_owned(),
            }
        }
        _ => text.to_owned(),
    }
}

impl Iterator for JsonRows {
    type Item = Result<Record, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let mut buf = std::mem::take(&mut self.buf);
            buf.clear();
            match self.reader.read_line(&mut buf) {
                Ok(0) => self.done = true,
                Ok(_) => {
                    self.line += 1;
                    if let Some(error) = self.reader.take_bad_line(self.line, self.line) {
                        self.buf = buf;
                        return Some(Err(error));
                    }
                    let text = buf.trim_end_matches(['\n', '\r']);
                    if !text.trim().is_empty() {
                        let result = self.parse(text);
                        self.buf = buf;
                        return Some(result);
                    }
                }
                Err(error) => {
                    self.done = true;
                    return Some(Err(input_error(error, &self.path)));
                }
            }
            self.buf = buf;
        }
        None
    }
}
