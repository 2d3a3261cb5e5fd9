//! Incremental (chunk-fed) record parsing for streamed export bodies.
//!
//! A [`StreamParser`] is fed the body of a response chunk by chunk, as the chunks arrive
//! (split anywhere: inside a UTF-8 sequence, a CRLF pair, a quoted CSV field or an escaped
//! quote). Each [`push`](StreamParser::push) returns the records completed by that chunk as
//! the text of one JSON array, ready for `JSON.parse`. Between pushes the parser keeps only
//! the unfinished line (JSONL, lines) or record (CSV), so a multi-gigabyte export streams in
//! flat memory.
//!
//! Rules shared by all formats: a UTF-8 byte order mark at the very start is skipped; lines
//! end with `\n` or `\r\n` (a lone `\r` inside a line is content, and a `\r` ending the body
//! counts as a line end); invalid UTF-8 is replaced with U+FFFD per record (or per CSV field),
//! so the output never depends on where the chunks were split. No input or chunking makes
//! these functions panic.
//!
//! Errors are final: after a push or finish fails, every later call returns the same error
//! (the records the failing chunk completed before the bad one are not returned).

use super::json;

/// The record format of a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON value per line (blank lines skipped), copied into the output as is.
    Jsonl,
    /// RFC 4180 CSV with a header record; each data record becomes an object of strings.
    Csv,
    /// Each non-blank line becomes a JSON string.
    Lines,
}

/// Why a body could not be parsed, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamError {
    /// E.g. "line 7 is not JSON: expected ',' or '}' at byte 12".
    pub message: String,
    /// The 1-based number of the record that failed (records emitted before it + 1; for CSV
    /// the header does not count).
    pub record: u64,
}

impl std::fmt::Display for StreamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "record {}: {}", self.record, self.message)
    }
}

impl std::error::Error for StreamError {}

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// Buffers grown past this by one huge record are shrunk back once it is done.
const KEEP_CAPACITY: usize = 1 << 20;

/// Extra-column keys ("_5", …) cached per parser; beyond this they are built per use.
const MAX_CACHED_EXTRA_KEYS: usize = 1024;

/// Where the CSV state machine is within the current field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Csv {
    /// Nothing of the field read yet.
    FieldStart,
    /// Inside an unquoted field (or after a closing quote: the rest is literal).
    Unquoted,
    /// Inside a quoted field.
    Quoted,
    /// Just read a `"` inside a quoted field: an escaped quote or the closing one.
    QuotedQuote,
}

/// An incremental parser for one body. See the [module docs](self).
pub struct StreamParser {
    format: Format,
    delimiter: u8,
    records: u64,
    bytes: u64,
    /// While true the body's first bytes are collected in `head` to detect a BOM.
    at_start: bool,
    head: Vec<u8>,
    /// Set by an error; every later call returns it.
    failed: Option<StreamError>,
    finished: bool,
    /// Physical lines ended so far (for messages).
    line: u64,

    // JSONL / lines: the unfinished line.
    carry: Vec<u8>,

    // CSV.
    state: Csv,
    /// An unquoted `\r` was read and its meaning (line end or content) awaits the next byte.
    pending_cr: bool,
    /// The current record's fields, unescaped and concatenated; `ends` holds each completed
    /// field's end offset in `rec`.
    rec: Vec<u8>,
    ends: Vec<usize>,
    /// The line where the current quoted field opened.
    quote_line: u64,
    /// The output text before each column's value, fused with the punctuation around it:
    /// `{"email":"` for the first column, `","userId":"` for the others (an object is then
    /// these with the escaped values in between, closed by `"}`). None until the header
    /// record is complete.
    keys: Option<Vec<String>>,
    /// The unique header keys (to keep extra-column keys unique too).
    used: Vec<String>,
    /// Like `keys`, for the columns past the header, from column `keys.len()`.
    extra_keys: Vec<String>,
}

impl StreamParser {
    /// A parser for a body in `format`. `delimiter` is used by Csv only (normally `b','`); a
    /// delimiter that cannot separate fields (`"`, `\r`, `\n`) is replaced by `b','`.
    #[must_use]
    pub fn new(format: Format, delimiter: u8) -> Self {
        let delimiter = if matches!(delimiter, b'"' | b'\r' | b'\n') { b',' } else { delimiter };
        StreamParser {
            format,
            delimiter,
            records: 0,
            bytes: 0,
            at_start: true,
            head: Vec::new(),
            failed: None,
            finished: false,
            line: 0,
            carry: Vec::new(),
            state: Csv::FieldStart,
            pending_cr: false,
            rec: Vec::new(),
            ends: Vec::new(),
            quote_line: 0,
            keys: None,
            used: Vec::new(),
            extra_keys: Vec::new(),
        }
    }

    /// Feeds the next bytes of the body; returns the records they complete as the text of one
    /// JSON array (`[]` when none).
    ///
    /// # Errors
    /// A JSONL line that is not JSON (later calls return the same error), or a push after
    /// [`finish`](Self::finish).
    pub fn push(&mut self, chunk: &[u8]) -> Result<String, StreamError> {
        self.bytes = self.bytes.saturating_add(chunk.len() as u64);
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.finished {
            return Err(StreamError { message: "push after finish".into(), record: self.records + 1 });
        }
        let before = self.records;
        let mut out = Out::new(chunk.len());
        let result = self.push_body(chunk, &mut out);
        self.trim_buffers();
        self.done(result, out, before)
    }

    /// Ends the body: emits a last record that has no line end.
    ///
    /// # Errors
    /// An unterminated quoted CSV field or a last JSONL line that is not JSON (later calls
    /// return the same error).
    pub fn finish(&mut self) -> Result<String, StreamError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let before = self.records;
        let mut out = Out::new(0);
        if self.finished {
            return Ok(out.close());
        }
        self.finished = true;
        let mut result = Ok(());
        if self.at_start {
            // A body shorter than a BOM (or a BOM's prefix only): its bytes are content.
            self.at_start = false;
            let head = std::mem::take(&mut self.head);
            result = self.feed(&head, &mut out);
        }
        if result.is_ok() {
            result = match self.format {
                Format::Csv if self.state == Csv::Quoted => Err(StreamError {
                    message: format!("unterminated quoted field (its quote opened on line {})", self.quote_line),
                    record: self.records + 1,
                }),
                // The end of the body ends the last line, as a "\n" would.
                _ if self.format == Format::Csv || !self.carry.is_empty() => self.feed(b"\n", &mut out),
                _ => Ok(()),
            };
        }
        self.carry = Vec::new();
        self.rec = Vec::new();
        self.ends = Vec::new();
        self.done(result, out, before)
    }

    /// Records emitted so far (in arrays returned by push and finish).
    #[must_use]
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Bytes fed so far.
    #[must_use]
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Turns a feed result into the call's result, recording an error for later calls.
    fn done(&mut self, result: Result<(), StreamError>, out: Out, before: u64) -> Result<String, StreamError> {
        match result {
            Ok(()) => Ok(out.close()),
            Err(e) => {
                // The records completed by this call are not returned, so they were not emitted.
                self.records = before;
                self.carry = Vec::new();
                self.rec = Vec::new();
                self.ends = Vec::new();
                self.failed = Some(e.clone());
                Err(e)
            }
        }
    }

    /// Skips a BOM at the very start (collecting up to 3 bytes across pushes), then feeds.
    fn push_body(&mut self, mut chunk: &[u8], out: &mut Out) -> Result<(), StreamError> {
        if self.at_start {
            while self.head.len() < BOM.len() {
                let Some((&b, rest)) = chunk.split_first() else { return Ok(()) };
                self.head.push(b);
                chunk = rest;
                if !BOM.starts_with(&self.head) {
                    break;
                }
            }
            self.at_start = false;
            let head = std::mem::take(&mut self.head);
            if head != BOM {
                self.feed(&head, out)?;
            }
        }
        self.feed(chunk, out)
    }

    fn feed(&mut self, data: &[u8], out: &mut Out) -> Result<(), StreamError> {
        match self.format {
            Format::Csv => {
                self.feed_csv(data, out);
                Ok(())
            }
            Format::Jsonl | Format::Lines => self.feed_lines(data, out),
        }
    }

    /// Gives back the memory of a huge record once it is done.
    fn trim_buffers(&mut self) {
        fn trim<T>(v: &mut Vec<T>) {
            if v.capacity() > KEEP_CAPACITY && v.len() < v.capacity() / 4 {
                v.shrink_to(v.len().max(1 << 16));
            }
        }
        trim(&mut self.carry);
        trim(&mut self.rec);
        trim(&mut self.ends);
    }

    // -------------------------------------------------------------------------------------
    // JSONL and lines
    // -------------------------------------------------------------------------------------

    fn feed_lines(&mut self, data: &[u8], out: &mut Out) -> Result<(), StreamError> {
        let mut start = 0;
        while let Some(off) = find_byte(b'\n', data.get(start..).unwrap_or(&[])) {
            let end = start + off;
            let part = data.get(start..end).unwrap_or(&[]);
            self.line += 1;
            if self.carry.is_empty() {
                self.line_done(part, out)?;
            } else {
                let mut line = std::mem::take(&mut self.carry);
                line.extend_from_slice(part);
                let r = self.line_done(&line, out);
                line.clear();
                self.carry = line;
                r?;
            }
            start = end + 1;
        }
        self.carry.extend_from_slice(data.get(start..).unwrap_or(&[]));
        Ok(())
    }

    /// One complete line (without its `\n`).
    fn line_done(&mut self, line: &[u8], out: &mut Out) -> Result<(), StreamError> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match self.format {
            Format::Jsonl => {
                if trim_json_ws(line).is_empty() {
                    return Ok(());
                }
                // Checked untrimmed (JSON allows the whitespace) so that the error's byte
                // offset counts from the start of the line.
                let text = String::from_utf8_lossy(line);
                if let Err(e) = json::check(&text) {
                    return Err(StreamError {
                        message: format!("line {} is not JSON: {e}", self.line),
                        record: self.records + 1,
                    });
                }
                out.next().push_str(text.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n')));
            }
            _ => {
                if trim_json_ws(line).is_empty() {
                    return Ok(());
                }
                json::write_str(out.next(), &String::from_utf8_lossy(line));
            }
        }
        self.records += 1;
        Ok(())
    }

    // -------------------------------------------------------------------------------------
    // CSV
    // -------------------------------------------------------------------------------------

    fn feed_csv(&mut self, data: &[u8], out: &mut Out) {
        let d = self.delimiter;
        let mut i = 0;
        while let Some(&b) = data.get(i) {
            i += 1;
            if self.pending_cr {
                self.pending_cr = false;
                if b == b'\n' {
                    self.line += 1;
                    self.record_done(out);
                    continue;
                }
                // A lone CR is content.
                self.rec.push(b'\r');
                self.state = Csv::Unquoted;
            }
            match self.state {
                Csv::Quoted => {
                    // Copy up to the next quote in one go.
                    let rest = data.get(i - 1..).unwrap_or(&[]);
                    let n = find_byte(b'"', rest).unwrap_or(rest.len());
                    let text = rest.get(..n).unwrap_or(&[]);
                    self.line += count_byte(b'\n', text);
                    self.rec.extend_from_slice(text);
                    i = i - 1 + n;
                    if n < rest.len() {
                        i += 1;
                        self.state = Csv::QuotedQuote;
                    }
                }
                Csv::QuotedQuote if b == b'"' => {
                    self.rec.push(b'"');
                    self.state = Csv::Quoted;
                }
                Csv::FieldStart if b == b'"' => {
                    self.state = Csv::Quoted;
                    self.quote_line = self.line + 1;
                }
                _ if b == d => {
                    self.ends.push(self.rec.len());
                    self.state = Csv::FieldStart;
                }
                _ if b == b'\n' => {
                    self.line += 1;
                    self.record_done(out);
                }
                _ if b == b'\r' => self.pending_cr = true,
                _ => {
                    // Literal text (after a closing quote too): copy the run up to the next
                    // delimiter or line end in one go.
                    let rest = data.get(i..).unwrap_or(&[]);
                    let n = find_field_end(d, rest).unwrap_or(rest.len());
                    self.rec.push(b);
                    self.rec.extend_from_slice(rest.get(..n).unwrap_or(&[]));
                    i += n;
                    self.state = Csv::Unquoted;
                }
            }
        }
    }

    /// The current record ended (at a line end outside quotes).
    fn record_done(&mut self, out: &mut Out) {
        let empty_line = self.state == Csv::FieldStart && self.ends.is_empty();
        self.state = Csv::FieldStart;
        if empty_line {
            return;
        }
        self.ends.push(self.rec.len());
        if self.keys.is_some() {
            self.emit_object(out);
        } else {
            self.set_header();
        }
        self.rec.clear();
        self.ends.clear();
    }

    fn set_header(&mut self) {
        let mut keys = Vec::with_capacity(self.ends.len());
        let mut start = 0;
        for (index, &end) in self.ends.iter().enumerate() {
            let mut key = String::from_utf8_lossy(self.rec.get(start..end).unwrap_or(&[])).into_owned();
            start = end;
            while self.used.contains(&key) {
                key = format!("{key}_{index}");
            }
            keys.push(key_text(&key, index));
            self.used.push(key);
        }
        self.keys = Some(keys);
    }

    fn emit_object(&mut self, out: &mut Out) {
        let Some(keys) = &self.keys else { return };
        let whole = std::str::from_utf8(&self.rec).ok();
        let o = out.next();
        let mut start = 0;
        let columns = self.ends.len().max(keys.len());
        for i in 0..columns {
            if let Some(k) = keys.get(i) {
                o.push_str(k);
            } else {
                let x = i - keys.len();
                if x < self.extra_keys.len() {
                    o.push_str(self.extra_keys.get(x).map_or("", |s| s.as_str()));
                } else {
                    let k = extra_key(&self.used, i);
                    o.push_str(&k);
                    if x == self.extra_keys.len() && x < MAX_CACHED_EXTRA_KEYS {
                        self.extra_keys.push(k);
                    }
                }
            }
            // A missing field is "" (the key text opened the quotes).
            if let Some(&end) = self.ends.get(i) {
                // Usually the whole record is valid UTF-8 and each field a slice of it; else
                // each field is decoded on its own (never rejoining a sequence split by a
                // delimiter, as a chunk-independent result requires).
                match whole.and_then(|w| w.get(start..end)) {
                    Some(s) => push_escaped(o, s),
                    None => push_escaped(o, &String::from_utf8_lossy(self.rec.get(start..end).unwrap_or(&[]))),
                }
                start = end;
            }
        }
        o.push_str("\"}");
        self.records += 1;
    }
}

/// The JSON array being built for one call.
struct Out {
    s: String,
    /// Bytes to reserve at the first element (about the chunk's size).
    hint: usize,
}

impl Out {
    fn new(hint: usize) -> Self {
        Out { s: String::new(), hint: hint.saturating_add(hint / 2).saturating_add(2).min(1 << 26) }
    }

    /// The string to append the next element to (after its separator).
    fn next(&mut self) -> &mut String {
        if self.s.is_empty() {
            self.s.reserve(self.hint);
            self.s.push('[');
        } else {
            self.s.push(',');
        }
        &mut self.s
    }

    fn close(mut self) -> String {
        if self.s.is_empty() {
            self.s.push('[');
        }
        self.s.push(']');
        self.s
    }
}

/// The output text before the value of column `index` named `key` (see `keys`).
fn key_text(key: &str, index: usize) -> String {
    let mut s = String::with_capacity(key.len() + 6);
    s.push_str(if index == 0 { "{" } else { "\"," });
    json::write_str(&mut s, key);
    s.push_str(":\"");
    s
}

/// The key text of column `index` past the header: "_<index>", suffixed again with
/// "_<index>" while a header key has that name. (`index` > 0: the header has a column.)
fn extra_key(used: &[String], index: usize) -> String {
    let mut key = format!("_{index}");
    while used.contains(&key) {
        key = format!("{key}_{index}");
    }
    key_text(&key, index)
}

/// Appends `s` escaped as the inside of a JSON string, exactly as [`json::write_str`] does.
fn push_escaped(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let b = s.as_bytes();
    let mut seg = 0;
    while let Some(p) = find_escape(b, seg) {
        // `p` and `seg` sit next to ASCII bytes, so they are char boundaries.
        out.push_str(s.get(seg..p).unwrap_or(""));
        let c = b.get(p).copied().unwrap_or(0);
        match c {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            _ => {
                out.push_str("\\u00");
                out.push(HEX[usize::from(c >> 4) & 15] as char);
                out.push(HEX[usize::from(c & 15)] as char);
            }
        }
        seg = p + 1;
    }
    out.push_str(s.get(seg..).unwrap_or(""));
}

/// The index (from `from`) of the first byte JSON strings must escape: `"`, `\` or a
/// control character below 0x20.
fn find_escape(b: &[u8], from: usize) -> Option<usize> {
    let hay = b.get(from..)?;
    let quote = LO.wrapping_mul(u64::from(b'"'));
    let backslash = LO.wrapping_mul(u64::from(b'\\'));
    let mut chunks = hay.chunks_exact(8);
    let mut base = from;
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let x = u64::from_le_bytes(w);
        // Whether any byte is < 0x20 (exact as a yes/no), '"' or '\\'.
        let control = x.wrapping_sub(LO.wrapping_mul(0x20)) & !x & HI;
        if control | has_zero(x ^ quote) | has_zero(x ^ backslash) != 0 {
            break;
        }
        base += 8;
    }
    let rest = b.get(base..)?;
    rest.iter().position(|&c| c < 0x20 || c == b'"' || c == b'\\').map(|p| base + p)
}

/// The high bit of each zero byte of `x` set (exact: no false positives).
fn has_zero(x: u64) -> u64 {
    !(((x & !HI).wrapping_add(!HI)) | x) & HI
}

/// `s` without the JSON whitespace (space, tab, CR, LF) around it.
fn trim_json_ws(s: &[u8]) -> &[u8] {
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let start = s.iter().position(|b| !ws(b)).unwrap_or(s.len());
    let end = s.iter().rposition(|b| !ws(b)).map_or(start, |p| p + 1);
    s.get(start..end).unwrap_or(&[])
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// The index of the first `needle` in `hay` (a word at a time).
fn find_byte(needle: u8, hay: &[u8]) -> Option<usize> {
    let pattern = LO.wrapping_mul(u64::from(needle));
    let mut chunks = hay.chunks_exact(8);
    let mut base = 0;
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let found = has_zero(u64::from_le_bytes(w) ^ pattern);
        if found != 0 {
            return Some(base + (found.trailing_zeros() / 8) as usize);
        }
        base += 8;
    }
    chunks.remainder().iter().position(|&b| b == needle).map(|p| base + p)
}

/// The index of the first delimiter `d`, `\n` or `\r` in `hay` (a word at a time).
fn find_field_end(d: u8, hay: &[u8]) -> Option<usize> {
    let (pd, pn, pr) = (LO.wrapping_mul(u64::from(d)), LO.wrapping_mul(u64::from(b'\n')), LO.wrapping_mul(u64::from(b'\r')));
    let mut chunks = hay.chunks_exact(8);
    let mut base = 0;
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let x = u64::from_le_bytes(w);
        if has_zero(x ^ pd) | has_zero(x ^ pn) | has_zero(x ^ pr) != 0 {
            break;
        }
        base += 8;
    }
    let rest = hay.get(base..)?;
    rest.iter().position(|&c| c == d || c == b'\n' || c == b'\r').map(|p| base + p)
}

/// How many times `needle` occurs in `hay`.
fn count_byte(needle: u8, hay: &[u8]) -> u64 {
    hay.iter().filter(|&&b| b == needle).count() as u64
}
