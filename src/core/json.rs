//! A small, strict JSON parser and string writer for the wasm build.
//!
//! It replaces `serde_json` where code size matters: numbers are kept as their exact text
//! (no float parsing or formatting tables), strings borrow from the input unless they hold
//! escapes, and parsing is a single pass over the bytes.
//!
//! The grammar is RFC 8259, strictly: no comments, trailing commas, leading zeros, `NaN`,
//! single quotes, byte order marks or raw control characters in strings; `\u` surrogate pairs
//! are combined and a lone surrogate is an error (as in `serde_json`). Nesting is limited to
//! [`MAX_DEPTH`] arrays/objects, checked before descending, so hostile input can never
//! overflow the stack. No input makes these functions panic.

use std::borrow::Cow;

/// A parsed JSON value that borrows from the input text.
#[derive(Debug, Clone, PartialEq)]
pub struct Node<'a> {
    /// The exact text of this value in the input (no surrounding whitespace).
    pub raw: &'a str,
    /// The parsed value.
    pub value: Value<'a>,
}

/// The kinds of JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// The number's exact text, e.g. "-12", "1.5e3". Never converted to a float.
    Number(&'a str),
    /// Unescaped string (Borrowed when it had no escapes).
    String(Cow<'a, str>),
    /// Elements in document order.
    Array(Vec<Node<'a>>),
    /// Members in document order (duplicates kept as given).
    Object(Vec<(Cow<'a, str>, Node<'a>)>),
}

/// Why a text is not one JSON value, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    /// A short description, e.g. "expected ',' or '}'" or "unexpected end of input".
    pub message: String,
    /// The byte offset in the input where parsing failed (the input's length at its end).
    pub offset: usize,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.message, self.offset)
    }
}

impl std::error::Error for Error {}

mod scan;

/// The faster paths for the native Rust client: values that will not be kept passed over instead
/// of built, and text known to be valid skipped by its brackets (scan.rs). Same results and
/// errors; the wasm build keeps the smaller code that builds them (its size is budgeted). Both
/// scan a string's plain run a word at a time (natively on x86-64, sixteen bytes).
pub(crate) const FAST: bool = cfg!(not(target_arch = "wasm32"));

/// The deepest nesting of arrays and objects accepted (128 nested `[` parse, 129 do not).
pub const MAX_DEPTH: usize = 128;

/// Parses exactly one JSON value (RFC 8259), optional whitespace around it.
///
/// # Errors
/// The first place where `text` breaks the grammar, or nesting deeper than [`MAX_DEPTH`].
pub fn parse(text: &str) -> Result<Node<'_>, Error> {
    Parser { s: text, pos: 0, build_to: usize::MAX, valid: false }.document()
}

/// Like [`parse`], checking the whole text, but building only the top level: the members of a
/// top-level object (or items of an array) come with their `raw` text, their own contents empty.
/// For reading `{msg, code, params}` without paying for a large body's tree.
///
/// # Errors
/// Exactly the error [`parse`] would return.
pub fn parse_shallow(text: &str) -> Result<Node<'_>, Error> {
    Parser { s: text, pos: 0, build_to: 1, valid: false }.document()
}

/// [`parse_shallow`] for text that is valid JSON by construction (a JSON writer such as
/// serde_json made it in this process): the top level is read as usually, but nested arrays and
/// objects are passed over by their brackets and strings, not checked token by token. For valid
/// text the result is exactly [`parse_shallow`]'s, including the one error valid JSON can still
/// get here: nesting deeper than [`MAX_DEPTH`], at the same offset.
///
/// # Errors
/// The first place where `text` breaks the grammar, where that is checked. (In the wasm build,
/// exactly [`parse_shallow`].)
pub fn parse_shallow_valid(text: &str) -> Result<Node<'_>, Error> {
    Parser { s: text, pos: 0, build_to: 1, valid: true }.document()
}

/// Checks that `text` is exactly one JSON value without building it (same rules and errors as parse).
///
/// # Errors
/// Exactly the error [`parse`] would return.
pub fn check(text: &str) -> Result<(), Error> {
    Parser { s: text, pos: 0, build_to: 0, valid: false }.document().map(|_| ())
}

impl<'a> Node<'a> {
    /// The value of the first member named `key`, when this is an object.
    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        self.as_object()?.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The unescaped text, when this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, when this is `true` or `false`.
    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The elements, when this is an array.
    pub fn as_array(&self) -> Option<&[Node<'a>]> {
        match &self.value {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The members in document order, when this is an object.
    pub fn as_object(&self) -> Option<&[(Cow<'a, str>, Node<'a>)]> {
        match &self.value {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The integer value when the number text has no fraction or exponent and fits i64.
    pub fn as_i64(&self) -> Option<i64> {
        match self.value {
            Value::Number(t) if is_integer_text(t) => t.parse().ok(),
            _ => None,
        }
    }

    /// "null" | "boolean" | "number" | "string" | "array" | "object" ("integer" for numbers whose text is an integer).
    ///
    /// "Integer text" means no fraction and no exponent, whatever its size: `-0` and
    /// `123456789012345678901234567890` are "integer", `1.0` and `1e2` are "number".
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(t) if is_integer_text(t) => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }
}

/// Whether valid number text has neither a fraction nor an exponent.
fn is_integer_text(t: &str) -> bool {
    !t.bytes().any(|b| matches!(b, b'.' | b'e' | b'E'))
}

/// Appends `n` in decimal (no formatting machinery).
pub fn write_u64(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&digits[at..]).unwrap_or("0"));
}

/// Appends `s` as a JSON string literal (with quotes), escaping exactly as serde_json does:
/// `"` `\\` and control characters < 0x20 (\b \f \n \r \t, others \u00XX lowercase hex); everything else verbatim.
pub fn write_str(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(s.len() + 2);
    out.push('"');
    let mut seg = 0;
    for (i, c) in s.bytes().enumerate() {
        let esc = match c {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        // `i` and `seg` sit next to ASCII bytes, so they are char boundaries.
        out.push_str(s.get(seg..i).unwrap_or(""));
        if esc.is_empty() {
            out.push_str("\\u00");
            out.push(HEX[usize::from(c >> 4)] as char);
            out.push(HEX[usize::from(c & 15)] as char);
        } else {
            out.push_str(esc);
        }
        seg = i + 1;
    }
    out.push_str(s.get(seg..).unwrap_or(""));
    out.push('"');
}

/// The parser state. With `build` false (for [`check`]) it validates only: arrays and
/// objects stay empty and strings are never unescaped, so nothing is allocated.
struct Parser<'a> {
    s: &'a str,
    pos: usize,
    /// Containers nested up to this depth keep their items (0: build nothing).
    build_to: usize,
    /// The text is known to be valid JSON: containers whose items are not kept are passed over
    /// (`skip_valid`), not parsed.
    valid: bool,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    /// The input between two offsets. Every offset the parser stops at is next to an ASCII
    /// byte (or at an end), hence a char boundary; `get` keeps this panic-free regardless.
    fn slice(&self, from: usize, to: usize) -> &'a str {
        self.s.get(from..to).unwrap_or("")
    }

    /// Skips whitespace and returns the next byte.
    fn ws(&mut self) -> Option<u8> {
        while let Some(c) = self.peek() {
            if !matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                return Some(c);
            }
            self.pos += 1;
        }
        None
    }

    /// An error at the current position, or "unexpected end of input" when there is none.
    #[cold]
    fn error(&self, message: &str) -> Error {
        let at_end = self.pos >= self.s.len();
        Error {
            message: if at_end { "unexpected end of input" } else { message }.into(),
            offset: if at_end { self.s.len() } else { self.pos },
        }
    }

    fn document(mut self) -> Result<Node<'a>, Error> {
        self.ws();
        let node = self.value(0)?;
        match self.ws() {
            Some(_) => Err(self.error("trailing characters")),
            None => Ok(node),
        }
    }

    /// Parses a value starting exactly at `pos` (whitespace already skipped), nested inside
    /// `depth` arrays/objects.
    fn value(&mut self, depth: usize) -> Result<Node<'a>, Error> {
        let start = self.pos;
        let value = match self.peek() {
            // A container whose items will not be kept, in text known to be valid.
            Some(c @ (b'[' | b'{')) if FAST && self.valid && depth >= self.build_to => {
                self.skip_valid(depth)?;
                if c == b'[' {
                    Value::Array(Vec::new())
                } else {
                    Value::Object(Vec::new())
                }
            }
            Some(b'[') => self.array(depth + 1)?,
            Some(b'{') => self.object(depth + 1)?,
            Some(b'"') => Value::String(self.string()?),
            Some(b't') => self.literal("true", Value::Bool(true))?,
            Some(b'f') => self.literal("false", Value::Bool(false))?,
            Some(b'n') => self.literal("null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => {
                self.number()?;
                Value::Number(self.slice(start, self.pos))
            }
            _ => return Err(self.error("expected value")),
        };
        Ok(Node { raw: self.slice(start, self.pos), value })
    }

    /// Checks a value that will not be kept (inside a container nested deeper than `build_to`):
    /// the same grammar, errors and positions as [`Parser::value`], nothing built.
    fn skip(&mut self, depth: usize) -> Result<(), Error> {
        match self.peek() {
            Some(b'[') => self.array(depth + 1).map(drop),
            Some(b'{') => self.object(depth + 1).map(drop),
            Some(b'"') => self.skip_string(),
            Some(b't') => self.literal("true", Value::Null).map(drop),
            Some(b'f') => self.literal("false", Value::Null).map(drop),
            Some(b'n') => self.literal("null", Value::Null).map(drop),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.error("expected value")),
        }
    }

    fn enter(&self, depth: usize) -> Result<(), Error> {
        if depth > MAX_DEPTH {
            return Err(Error { message: "nesting deeper than 128".into(), offset: self.pos });
        }
        Ok(())
    }

    fn array(&mut self, depth: usize) -> Result<Value<'a>, Error> {
        self.enter(depth)?;
        self.pos += 1; // '['
        let mut items = Vec::new();
        if self.ws() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            if FAST && depth > self.build_to {
                self.skip(depth)?;
            } else {
                let item = self.value(depth)?;
                if depth <= self.build_to {
                    items.push(item);
                }
            }
            match self.ws() {
                Some(b',') => {
                    self.pos += 1;
                    self.ws();
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value<'a>, Error> {
        self.enter(depth)?;
        self.pos += 1; // '{'
        let mut members = Vec::new();
        let mut next = self.ws();
        if next == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(members));
        }
        loop {
            if next != Some(b'"') {
                return Err(self.error("expected string key"));
            }
            let keep = depth <= self.build_to;
            let key = if FAST && !keep { self.skip_string().map(|()| Cow::Borrowed(""))? } else { self.string()? };
            if self.ws() != Some(b':') {
                return Err(self.error("expected ':'"));
            }
            self.pos += 1;
            self.ws();
            if FAST && !keep {
                self.skip(depth)?;
            } else {
                let value = self.value(depth)?;
                if keep {
                    members.push((key, value));
                }
            }
            match self.ws() {
                Some(b',') => {
                    self.pos += 1;
                    next = self.ws();
                }
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Object(members));
                }
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    fn literal(&mut self, word: &str, value: Value<'a>) -> Result<Value<'a>, Error> {
        for &w in word.as_bytes() {
            if self.peek() != Some(w) {
                return Err(self.error("invalid literal"));
            }
            self.pos += 1;
        }
        Ok(value)
    }

    /// Skips ASCII digits; whether there was at least one.
    fn digits(&mut self) -> bool {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos > start
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    fn number(&mut self) -> Result<(), Error> {
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.error("invalid number"));
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !self.digits() {
                return Err(self.error("invalid number"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !self.digits() {
                return Err(self.error("invalid number"));
            }
        }
        Ok(())
    }

    /// Parses a string starting at its opening quote.
    fn string(&mut self) -> Result<Cow<'a, str>, Error> {
        self.pos += 1; // '"'
        let mut seg = self.pos; // start of the not yet copied run
        let mut owned: Option<String> = None;
        loop {
            match self.next_special()? {
                b'"' => {
                    let tail = self.slice(seg, self.pos);
                    self.pos += 1;
                    return Ok(match owned {
                        // (In check mode `tail` is only the last run; nobody looks at it.)
                        None => Cow::Borrowed(tail),
                        Some(mut o) => {
                            o.push_str(tail);
                            Cow::Owned(o)
                        }
                    });
                }
                b'\\' => {
                    if self.build_to > 0 {
                        let run = self.slice(seg, self.pos);
                        owned.get_or_insert_with(|| String::with_capacity(run.len() + 16)).push_str(run);
                    }
                    let c = self.escape()?;
                    if let Some(o) = owned.as_mut() {
                        o.push(c);
                    }
                    seg = self.pos;
                }
                _ => return Err(self.error("control character in string")),
            }
        }
    }

    /// Parses an escape starting at its backslash.
    fn escape(&mut self) -> Result<char, Error> {
        let start = self.pos;
        self.pos += 1; // '\\'
        let c = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.pos += 1;
                let hi = self.hex4()?;
                let code = match hi {
                    0xD800..=0xDBFF => {
                        // A leading surrogate: a trailing one must follow.
                        let b = self.s.as_bytes();
                        match (b.get(self.pos), b.get(self.pos + 1)) {
                            (Some(b'\\'), Some(b'u')) => {}
                            (None, _) | (Some(b'\\'), None) => {
                                self.pos = self.s.len();
                                return Err(self.error(""));
                            }
                            _ => return Err(lone_surrogate(start)),
                        }
                        self.pos += 2;
                        let lo = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&lo) {
                            return Err(lone_surrogate(start));
                        }
                        0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                    }
                    _ => hi,
                };
                // Rejects a lone trailing surrogate (0xDC00..=0xDFFF).
                return char::from_u32(code).ok_or_else(|| lone_surrogate(start));
            }
            _ => return Err(self.error("invalid escape")),
        };
        self.pos += 1;
        Ok(c)
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let mut n = 0;
        for _ in 0..4 {
            match self.peek().and_then(|c| char::from(c).to_digit(16)) {
                Some(d) => n = n * 16 + d,
                None => return Err(self.error("invalid \\u escape")),
            }
            self.pos += 1;
        }
        Ok(n)
    }
}

#[cold]
fn lone_surrogate(offset: usize) -> Error {
    Error { message: "lone surrogate in string".into(), offset }
}
