//! Streaming text decoding: UTF-8 (with or without BOM), GBK/GB18030, UTF-16 with BOM.
//!
//! The encoding is decided from content, not declared: a BOM wins; otherwise ASCII passes
//! through undecided (it reads the same in every candidate) until the first non-ASCII byte, and
//! a window of up to [`WINDOW`] bytes from there decides: valid UTF-8 means UTF-8, anything else
//! GB18030 (a superset of GBK). Memory stays bounded, so a 1M-row export streams.

use std::collections::VecDeque;
use std::io::{self, BufRead, Read};
use std::path::Path;
use std::sync::Arc;

use encoding_rs::{Decoder, DecoderResult, GB18030, UTF_8, UTF_16BE, UTF_16LE};

use super::{InputError, Location};

/// Bytes after the first non-ASCII byte that decide between UTF-8 and GB18030.
const WINDOW: usize = 4096;
const CHUNK: usize = 64 * 1024;

/// The encoding a file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// UTF-8, with or without a BOM (also what a pure-ASCII file reports).
    Utf8,
    /// GB18030, which includes GBK and GB2312.
    Gb18030,
    /// UTF-16 little-endian with BOM, as Excel's "Unicode text" export writes.
    Utf16Le,
    /// UTF-16 big-endian with BOM.
    Utf16Be,
}

/// Why the decoder was chosen, for the error message when it fails later.
#[derive(Debug, Clone, Copy)]
enum Choice {
    Bom(Encoding),
    Sniffed(Encoding),
}

/// An `io::Read`/`io::BufRead` of UTF-8 over raw bytes in any supported encoding.
///
/// A decoding failure is returned once as an `io::Error` wrapping [`InputError::Undecodable`]
/// (see [`undecodable`]); after it the stream reads as ended.
pub(crate) struct DecodingReader<R> {
    inner: R,
    path: Arc<Path>,
    raw: Vec<u8>,
    raw_pos: usize,
    raw_offset: u64,
    eof: bool,
    started: bool,
    choice: Option<Choice>,
    decoder: Option<Decoder>,
    out: Vec<u8>,
    out_pos: usize,
    lines: u64,
    column: u64,
    pending_error: Option<InputError>,
    finished: bool,
    /// Output bytes produced so far (csv positions count these).
    produced: u64,
    /// When tracking: offsets of `\r`/`\n` in the output not yet behind a queried position,
    /// with whether each is a `\n`.
    terminators: Option<VecDeque<(u64, bool)>>,
    /// Newlines already dropped from `terminators`.
    newlines_before: u64,
}

impl<R: Read> DecodingReader<R> {
    pub(crate) fn new(inner: R, path: Arc<Path>) -> Self {
        DecodingReader {
            inner,
            path,
            raw: Vec::with_capacity(CHUNK),
            raw_pos: 0,
            raw_offset: 0,
            eof: false,
            started: false,
            choice: None,
            decoder: None,
            out: Vec::with_capacity(CHUNK),
            out_pos: 0,
            lines: 0,
            column: 0,
            pending_error: None,
            finished: false,
            produced: 0,
            terminators: None,
            newlines_before: 0,
        }
    }

    /// Remembers line terminators so [`line_at`](Self::line_at) can answer; for CSV, whose
    /// own line numbers drift after CRLF and blank lines.
    pub(crate) fn track_lines(&mut self) {
        self.terminators = Some(VecDeque::new());
    }

    /// The 1-based line of the first content byte at or after output offset `byte` (skipping
    /// blank lines and a CRLF's `\n`). Offsets must be asked in increasing order.
    pub(crate) fn line_at(&mut self, mut byte: u64) -> u64 {
        let Some(terminators) = self.terminators.as_mut() else {
            return 0;
        };
        while let Some(&(offset, newline)) = terminators.front() {
            if offset > byte {
                break;
            }
            if offset == byte {
                byte += 1;
            }
            self.newlines_before += u64::from(newline);
            terminators.pop_front();
        }
        self.newlines_before + 1
    }

    /// The encoding once decided; a file that is pure ASCII so far reads as UTF-8.
    pub(crate) fn encoding(&self) -> Encoding {
        match self.choice {
            Some(Choice::Bom(e) | Choice::Sniffed(e)) => e,
            None => Encoding::Utf8,
        }
    }

    /// Decodes until the buffered output holds a whole first line (or the input ends), so the
    /// caller can sniff a CSV delimiter without consuming anything.
    pub(crate) fn peek_line(&mut self) -> io::Result<&[u8]> {
        while !self.out[self.out_pos..].contains(&b'\n')
            && !self.finished
            && self.out.len() < (1 << 20)
        {
            if self.pending_error.is_some() {
                break;
            }
            self.decode_more()?;
        }
        let buffered = &self.out[self.out_pos..];
        let end = buffered
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(buffered.len());
        Ok(&buffered[..end])
    }

    fn pending(&self) -> &[u8] {
        &self.raw[self.raw_pos..]
    }

    /// Reads more raw bytes; returns false at end of input.
    fn refill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.raw_pos > 0 {
            self.raw.drain(..self.raw_pos);
            self.raw_pos = 0;
        }
        let start = self.raw.len();
        self.raw.resize(start + CHUNK, 0);
        let read = loop {
            match self.inner.read(&mut self.raw[start..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.raw.truncate(start);
                    return Err(e);
                }
            }
        };
        self.raw.truncate(start + read);
        if read == 0 {
            self.eof = true;
        }
        Ok(read > 0)
    }

    fn consume_raw(&mut self, n: usize) {
        self.raw_pos += n;
        self.raw_offset += n as u64;
    }

    /// Counts lines and characters of decoded output, to place a later decoding error.
    fn note_output(&mut self, bytes: &[u8]) {
        if let Some(terminators) = self.terminators.as_mut() {
            for (i, &b) in bytes.iter().enumerate() {
                if b == b'\n' || b == b'\r' {
                    terminators.push_back((self.produced + i as u64, b == b'\n'));
                }
            }
        }
        self.produced += bytes.len() as u64;
        match bytes.iter().rposition(|&b| b == b'\n') {
            Some(last) => {
                self.lines += bytes.iter().filter(|&&b| b == b'\n').count() as u64;
                self.column = chars(&bytes[last + 1..]);
            }
            None => self.column += chars(bytes),
        }
    }

    fn start(&mut self) -> io::Result<()> {
        self.started = true;
        while self.pending().len() < 3 && self.refill()? {}
        let boms: [(&[u8], Encoding); 3] = [
            (b"\xEF\xBB\xBF", Encoding::Utf8),
            (b"\xFF\xFE", Encoding::Utf16Le),
            (b"\xFE\xFF", Encoding::Utf16Be),
        ];
        for (bom, encoding) in boms {
            if self.pending().starts_with(bom) {
                self.consume_raw(bom.len());
                self.choose(Choice::Bom(encoding));
                break;
            }
        }
        Ok(())
    }

    fn choose(&mut self, choice: Choice) {
        let (Choice::Bom(encoding) | Choice::Sniffed(encoding)) = choice;
        let codec = match encoding {
            Encoding::Utf8 => UTF_8,
            Encoding::Gb18030 => GB18030,
            Encoding::Utf16Le => UTF_16LE,
            Encoding::Utf16Be => UTF_16BE,
        };
        self.choice = Some(choice);
        self.decoder = Some(codec.new_decoder_without_bom_handling());
    }

    /// Appends decoded output; sets `finished` at the end of input.
    fn decode_more(&mut self) -> io::Result<()> {
        if !self.started {
            self.start()?;
        }
        if self.out_pos > 0 {
            self.out.drain(..self.out_pos);
            self.out_pos = 0;
        }
        if self.pending().is_empty() && !self.eof {
            self.refill()?;
        }
        if self.decoder.is_none() {
            let pending = self.pending();
            let ascii = pending
                .iter()
                .position(|&b| !b.is_ascii())
                .unwrap_or(pending.len());
            if ascii > 0 {
                let run = pending[..ascii].to_vec();
                self.consume_raw(ascii);
                self.note_output(&run);
                self.out.extend_from_slice(&run);
                return Ok(());
            }
            if pending.is_empty() {
                self.finished = true;
                return Ok(());
            }
            while self.pending().len() < WINDOW && self.refill()? {}
            let window = &self.raw[self.raw_pos..];
            let window = &window[..window.len().min(WINDOW)];
            let utf8 = match std::str::from_utf8(window) {
                Ok(_) => true,
                // Cut mid-character by the window, not by the file.
                Err(e) => e.error_len().is_none() && self.pending().len() > window.len(),
            };
            let encoding = if utf8 {
                Encoding::Utf8
            } else {
                Encoding::Gb18030
            };
            self.choose(Choice::Sniffed(encoding));
        }
        let last = self.eof;
        let start = self.out.len();
        self.out.resize(start + CHUNK, 0);
        let decoder = self.decoder.as_mut().expect("chosen above");
        let (result, read, written) = decoder.decode_to_utf8_without_replacement(
            &self.raw[self.raw_pos..],
            &mut self.out[start..],
            last,
        );
        self.out.truncate(start + written);
        let produced = self.out[start..].to_vec();
        self.note_output(&produced);
        match result {
            DecoderResult::InputEmpty => {
                self.consume_raw(read);
                if last {
                    self.finished = true;
                }
            }
            DecoderResult::OutputFull => self.consume_raw(read),
            DecoderResult::Malformed(bad, extra) => {
                let (bad, extra) = (bad as usize, extra as usize);
                let bad_start = read - extra - bad.min(read - extra);
                let bytes = self.raw[self.raw_pos + bad_start..self.raw_pos + read - extra]
                    .iter()
                    .map(|b| format!("\\x{b:02X}"))
                    .collect();
                let offset = self.raw_offset + bad_start as u64;
                self.consume_raw(read);
                let message = match self.choice {
                    Some(Choice::Sniffed(Encoding::Gb18030)) => "neither UTF-8 nor GB18030",
                    Some(Choice::Sniffed(_)) => "invalid UTF-8 (the file read as UTF-8 up to here)",
                    Some(Choice::Bom(Encoding::Utf8)) => "invalid UTF-8 (the file has a UTF-8 BOM)",
                    _ => "invalid UTF-16 (the file has a UTF-16 BOM)",
                };
                self.pending_error = Some(InputError::Undecodable {
                    location: Location::new(self.path.clone(), self.lines + 1, self.column + 1),
                    offset,
                    message,
                    bytes,
                });
                self.finished = true;
            }
        }
        Ok(())
    }
}

fn chars(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u64
}

impl<R: Read> BufRead for DecodingReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.out_pos == self.out.len() {
            if let Some(error) = self.pending_error.take() {
                return Err(io::Error::new(io::ErrorKind::InvalidData, error));
            }
            if self.finished {
                break;
            }
            self.decode_more()?;
        }
        Ok(&self.out[self.out_pos..])
    }

    fn consume(&mut self, amt: usize) {
        self.out_pos = (self.out_pos + amt).min(self.out.len());
    }
}

impl<R: Read> Read for DecodingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

/// Turns an `io::Error` from a [`DecodingReader`] back into the decoding error it carries, or
/// into [`InputError::Io`] for a real read failure.
pub(crate) fn input_error(error: io::Error, path: &Arc<Path>) -> InputError {
    if error
        .get_ref()
        .is_some_and(|inner| inner.is::<InputError>())
    {
        if let Ok(inner) = error
            .into_inner()
            .expect("checked")
            .downcast::<InputError>()
        {
            return *inner;
        }
        unreachable!("checked to be an InputError");
    }
    InputError::Io {
        path: path.clone(),
        source: error,
    }
}

/// Decodes a whole byte string, for tests and small inputs.
#[cfg(test)]
pub(crate) fn decode_all(bytes: &[u8]) -> Result<(String, Encoding), InputError> {
    let path: Arc<Path> = Arc::from(Path::new("t.txt"));
    let mut reader = DecodingReader::new(bytes, path.clone());
    let mut text = String::new();
    reader
        .read_to_string(&mut text)
        .map_err(|e| input_error(e, &path))?;
    Ok((text, reader.encoding()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gbk(text: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = GB18030.encode(text);
        assert!(!unmappable);
        bytes.into_owned()
    }

    #[test]
    fn utf8_plain_and_bom() {
        assert_eq!(
            decode_all("标题\n连衣裙".as_bytes()).unwrap(),
            ("标题\n连衣裙".into(), Encoding::Utf8)
        );
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice("标题".as_bytes());
        assert_eq!(decode_all(&bom).unwrap().0, "标题");
        assert_eq!(decode_all(b"").unwrap().0, "");
        assert_eq!(
            decode_all(b"ascii only\n").unwrap(),
            ("ascii only\n".into(), Encoding::Utf8)
        );
    }

    #[test]
    fn gbk_after_long_ascii_prefix() {
        let text = format!("{}\n标题,价格\n雪纺连衣裙,99\n", "a".repeat(3 * CHUNK));
        let (decoded, encoding) = decode_all(&gbk(&text)).unwrap();
        assert_eq!(decoded, text);
        assert_eq!(encoding, Encoding::Gb18030);
    }

    #[test]
    fn long_files_cross_chunk_boundaries() {
        let text = "雪纺连衣裙女夏季2024新款,99\n".repeat(20_000);
        assert_eq!(decode_all(text.as_bytes()).unwrap().0, text);
        assert_eq!(decode_all(&gbk(&text)).unwrap().0, text);
    }

    #[test]
    fn utf16_with_bom() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "标题\tid\n".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(
            decode_all(&bytes).unwrap(),
            ("标题\tid\n".into(), Encoding::Utf16Le)
        );
    }

    #[test]
    fn neither_encoding_names_offset_line_and_bytes() {
        // 0xFF is no lead byte in GB18030, so this is neither encoding.
        let bytes = b"title\nab\xFF\xFEcd\n";
        let err = decode_all(bytes).unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.txt:2:3: neither UTF-8 nor GB18030 at byte offset 8: \"\\xFF\""
        );
    }

    #[test]
    fn utf8_that_breaks_later_is_an_error() {
        let mut bytes = "标题\n".repeat(2000).into_bytes();
        bytes.extend_from_slice(b"x\xC3(\n");
        let err = decode_all(&bytes).unwrap_err();
        let offset = "标题\n".len() * 2000 + 1;
        assert_eq!(
            err.to_string(),
            format!(
                "t.txt:2001:2: invalid UTF-8 (the file read as UTF-8 up to here) at byte offset {offset}: \"\\xC3\""
            )
        );
    }
}
