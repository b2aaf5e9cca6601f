//! Streaming text decoding: UTF-8 (with or without BOM), GBK/GB18030, UTF-16 (with a BOM, or
//! without one when its NUL bytes show it).
//!
//! The encoding is decided from content, not declared. A UTF-16 BOM (or the NUL byte of every
//! other byte that UTF-16 text without a BOM has and no UTF-8 or GBK text has) makes the file
//! UTF-16, decoded as a stream. Anything else is decided **line by line**, since files are
//! appended to by different tools and one GBK line in a UTF-8 file is common: a line that is
//! valid UTF-8 is UTF-8 (GBK text of more than a character or two almost never is), else a line
//! that is valid GB18030 (a superset of GBK) is GB18030, else the line is undecodable: it is
//! passed on with replacement characters, so rows keep their shape, and the row it is part of is
//! rejected ([`DecodingReader::take_bad_line`]) while the rest of the file reads on. Memory
//! stays bounded by the longest line, so a 1M-row export streams.

use std::collections::VecDeque;
use std::io::{self, BufRead, Read};
use std::path::Path;
use std::sync::Arc;

use encoding_rs::{Decoder, DecoderResult, GB18030, UTF_8, UTF_16BE, UTF_16LE};

use super::{InputError, Location};

/// Bytes at the start of a file without BOM that are looked at for UTF-16's NUL bytes.
const WINDOW: usize = 4096;
const CHUNK: usize = 64 * 1024;

/// The encoding a file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// UTF-8, with or without a BOM (also what a pure-ASCII file reports).
    Utf8,
    /// GB18030, which includes GBK and GB2312.
    Gb18030,
    /// UTF-8 lines and GB18030 lines in one file, each line decoded in its own.
    Mixed,
    /// UTF-16 little-endian, as Excel's "Unicode text" export writes.
    Utf16Le,
    /// UTF-16 big-endian.
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
    /// Lines read so far that decode in neither encoding, oldest first, as (line, error).
    bad_lines: VecDeque<(u64, InputError)>,
    /// Whether a UTF-8 line and a GB18030 line were both seen (non-ASCII).
    seen: (bool, bool),
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
            bad_lines: VecDeque::new(),
            seen: (false, false),
        }
    }

    /// The first undecodable line among those up to `last_line` (1-based) not taken yet, as
    /// the error of the row that holds it; older ones are dropped. A row reader asks this for
    /// the lines of each row it returns: such a row is rejected, the rows around it are not.
    pub(crate) fn take_bad_line(&mut self, first_line: u64, last_line: u64) -> Option<InputError> {
        let mut found = None;
        while self.bad_lines.front().is_some_and(|(l, _)| *l <= last_line) {
            let (line, error) = self.bad_lines.pop_front().expect("checked");
            if line >= first_line && found.is_none() {
                found = Some(error);
            }
        }
        found
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

    /// The encoding of what was read so far; a file that is pure ASCII so far reads as UTF-8.
    pub(crate) fn encoding(&self) -> Encoding {
        match (self.choice, self.seen) {
            (Some(Choice::Bom(e) | Choice::Sniffed(e)), _) => e,
            (None, (true, true)) => Encoding::Mixed,
            (None, (false, true)) => Encoding::Gb18030,
            (None, _) => Encoding::Utf8,
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
                if encoding != Encoding::Utf8 {
                    self.choose(Choice::Bom(encoding));
                }
                return Ok(());
            }
        }
        while self.pending().len() < WINDOW && self.refill()? {}
        if let Some(encoding) =
            utf16_without_bom(&self.pending()[..self.pending().len().min(WINDOW)])
        {
            self.choose(Choice::Sniffed(encoding));
        }
        Ok(())
    }

    fn choose(&mut self, choice: Choice) {
        let (Choice::Bom(encoding) | Choice::Sniffed(encoding)) = choice;
        let codec = match encoding {
            Encoding::Utf8 | Encoding::Mixed => UTF_8,
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
            return self.decode_lines();
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
                    Some(Choice::Bom(_)) => (
                        "UTF-16 编码无效（文件有 UTF-16 BOM）",
                        "invalid UTF-16 (the file has a UTF-16 BOM)",
                    ),
                    _ => (
                        "UTF-16 编码无效（文件没有 BOM，但按 UTF-16 读取）",
                        "invalid UTF-16 (the file has no BOM but reads as UTF-16)",
                    ),
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

impl<R: Read> DecodingReader<R> {
    /// Decodes the next whole lines (to the last `\n` buffered, or to the end of input), each
    /// in its own encoding (module docs).
    fn decode_lines(&mut self) -> io::Result<()> {
        let mut end = loop {
            let pending = self.pending();
            match pending.iter().rposition(|&b| b == b'\n') {
                Some(last) => break last + 1,
                None if self.eof => break pending.len(),
                None => {
                    self.refill()?;
                }
            }
        };
        if end == 0 {
            self.finished = true;
            return Ok(());
        }
        // Bound the work per call; the rest stays buffered for the next one.
        if end > CHUNK {
            let pending = self.pending();
            end = pending[..CHUNK]
                .iter()
                .rposition(|&b| b == b'\n')
                .map(|last| last + 1)
                .or_else(|| {
                    let after = pending[CHUNK..end].iter().position(|&b| b == b'\n');
                    after.map(|p| CHUNK + p + 1)
                })
                .unwrap_or(end);
        }
        let block = self.raw[self.raw_pos..self.raw_pos + end].to_vec();
        if let Ok(text) = std::str::from_utf8(&block) {
            self.seen.0 |= !text.is_ascii();
            self.emit(&block);
        } else {
            let mut offset = self.raw_offset;
            for line in block.split_inclusive(|&b| b == b'\n') {
                self.decode_line(line, offset);
                offset += line.len() as u64;
            }
        }
        self.consume_raw(end);
        Ok(())
    }

    fn emit(&mut self, decoded: &[u8]) {
        self.note_output(decoded);
        self.out.extend_from_slice(decoded);
    }

    /// One line starting at byte `offset` of the file.
    fn decode_line(&mut self, line: &[u8], offset: u64) {
        if let Ok(text) = std::str::from_utf8(line) {
            self.seen.0 |= !text.is_ascii();
            self.emit(line);
            return;
        }
        // A UTF-8 line with a broken character would often read as GB18030 mojibake, so a line
        // that holds more good UTF-8 characters than bad sequences is not tried as GB18030.
        let utf8 = mostly_utf8(line);
        let gb = (!utf8)
            .then(|| GB18030.decode_without_bom_handling_and_without_replacement(line))
            .flatten();
        if let Some(text) = gb {
            self.seen.1 = true;
            self.emit(text.as_bytes());
            return;
        }
        let (start, len, prefix, message) = if utf8 {
            let error = std::str::from_utf8(line).expect_err("not valid UTF-8");
            let start = error.valid_up_to();
            let len = error.error_len().unwrap_or(line.len() - start);
            (
                start,
                len,
                chars(&line[..start]),
                ("UTF-8 编码无效", "invalid UTF-8"),
            )
        } else {
            let mut decoder = GB18030.new_decoder_without_bom_handling();
            let mut out = vec![0u8; line.len() * 3 + 4];
            let (result, read, written) =
                decoder.decode_to_utf8_without_replacement(line, &mut out, true);
            let (bad, extra) = match result {
                DecoderResult::Malformed(bad, extra) => (bad as usize, extra as usize),
                _ => (line.len() - read, 0),
            };
            let bad_end = read - extra;
            let start = bad_end - bad.min(bad_end);
            let message = ("既不是 UTF-8 也不是 GB18030", "neither UTF-8 nor GB18030");
            (
                start,
                (bad_end - start).max(1),
                chars(&out[..written]),
                message,
            )
        };
        let bytes = line[start..start + len]
            .iter()
            .map(|b| format!("\\x{b:02X}"))
            .collect();
        let lossy = String::from_utf8_lossy(line);
        let number = self.lines + 1;
        self.bad_lines.push_back((
            number,
            InputError::UndecodableLine {
                location: Location::new(self.path.clone(), number, prefix + 1),
                offset: offset + start as u64,
                message,
                bytes,
                raw: lossy.trim_end_matches(['\n', '\r']).to_owned(),
            },
        ));
        self.emit(lossy.as_bytes());
    }
}

/// Whether a line that is not valid UTF-8 still reads mostly as UTF-8: more well-formed
/// non-ASCII characters than ill-formed sequences (GBK text seldom forms a UTF-8 character).
fn mostly_utf8(line: &[u8]) -> bool {
    let (mut good, mut bad) = (0usize, 0usize);
    for chunk in line.utf8_chunks() {
        good += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        bad += usize::from(!chunk.invalid().is_empty());
    }
    good > bad
}

/// UTF-16 without BOM, told by its NUL bytes: ASCII characters (line breaks, digits,
/// delimiters) are a NUL and the character, which UTF-8 and GBK text never hold. The NULs of
/// one parity must be most of them and at least one in 16 bytes.
fn utf16_without_bom(window: &[u8]) -> Option<Encoding> {
    let window = &window[..window.len() & !1];
    if window.len() < 4 {
        return None;
    }
    let (mut even, mut odd) = (0usize, 0usize);
    for pair in window.chunks_exact(2) {
        even += usize::from(pair[0] == 0);
        odd += usize::from(pair[1] == 0);
    }
    let enough = window.len() / 16 + 1;
    if odd >= enough && even * 4 <= odd {
        Some(Encoding::Utf16Le)
    } else if even >= enough && odd * 4 <= even {
        Some(Encoding::Utf16Be)
    } else {
        None
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

    /// The decoded text and the undecodable lines' errors.
    fn decode_with_bad_lines(bytes: &[u8]) -> (String, Vec<String>) {
        let path: Arc<Path> = Arc::from(Path::new("t.txt"));
        let mut reader = DecodingReader::new(bytes, path);
        let mut text = String::new();
        reader.read_to_string(&mut text).unwrap();
        let bad = reader
            .take_bad_line(1, u64::MAX)
            .into_iter()
            .chain(reader.bad_lines.drain(..).map(|(_, e)| e))
            .map(|e| e.to_string())
            .collect();
        (text, bad)
    }

    #[test]
    fn neither_encoding_names_offset_line_and_bytes() {
        // 0xFF is no lead byte in GB18030, so this is neither encoding.
        let bytes = b"title\nab\xFF\xFEcd\nnext\n";
        let (text, bad) = decode_with_bad_lines(bytes);
        assert_eq!(text, "title\nab\u{FFFD}\u{FFFD}cd\nnext\n");
        assert_eq!(
            bad,
            ["t.txt:2:3: neither UTF-8 nor GB18030 at byte offset 8: \"\\xFF\""]
        );
    }

    #[test]
    fn utf8_that_breaks_later_rejects_that_line_only() {
        let mut bytes = "标题\n".repeat(2000).into_bytes();
        bytes.extend_from_slice("标题x".as_bytes());
        bytes.extend_from_slice(b"\xC3(\n");
        bytes.extend_from_slice("后面\n".as_bytes());
        let (text, bad) = decode_with_bad_lines(&bytes);
        let offset = "标题\n".len() * 2000 + "标题x".len();
        assert_eq!(
            bad,
            [format!(
                "t.txt:2001:4: invalid UTF-8 at byte offset {offset}: \"\\xC3\""
            )]
        );
        assert!(
            text.ends_with("标题x\u{FFFD}(\n后面\n"),
            "no GB18030 mojibake"
        );
    }

    #[test]
    fn one_gbk_line_in_a_utf8_file_is_decoded_as_gbk() {
        let mut bytes = "面霜补水\n自然堂乳液保湿霜\n".as_bytes().to_vec();
        bytes.extend_from_slice(&gbk("滋润霜\n"));
        bytes.extend_from_slice("雪花秀\n".as_bytes());
        let (text, bad) = decode_with_bad_lines(&bytes);
        assert_eq!(text, "面霜补水\n自然堂乳液保湿霜\n滋润霜\n雪花秀\n");
        assert!(bad.is_empty());
        assert_eq!(decode_all(&bytes).unwrap().1, Encoding::Mixed);
        // And the other way round: a UTF-8 line in a GBK file.
        let mut bytes = gbk(&"韩版雪纺连衣裙女夏\n".repeat(500));
        bytes.extend_from_slice("自然堂乳液保湿霜\n".as_bytes());
        let (text, bad) = decode_with_bad_lines(&bytes);
        assert!(
            text.ends_with("夏\n自然堂乳液保湿霜\n"),
            "{}",
            &text[text.len() - 60..]
        );
        assert!(bad.is_empty());
    }

    #[test]
    fn utf16_without_bom_is_told_by_its_nul_bytes() {
        for (units, encoding) in [
            (
                "标题\tid\n连衣裙\t1\n"
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes)
                    .collect::<Vec<u8>>(),
                Encoding::Utf16Le,
            ),
            (
                "标题\tid\n连衣裙\t1\n"
                    .encode_utf16()
                    .flat_map(u16::to_be_bytes)
                    .collect(),
                Encoding::Utf16Be,
            ),
        ] {
            assert_eq!(
                decode_all(&units).unwrap(),
                ("标题\tid\n连衣裙\t1\n".into(), encoding)
            );
        }
    }
}
