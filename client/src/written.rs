//! A call's input written as JSON once, its top-level members noted as serde_json writes them.
//!
//! The core validates an input and builds its request from the input's top-level members
//! (`json::Node`), normally read back from the JSON text (`core::prepare_valid`). Here the
//! formatter that writes the text records where each top-level key and value starts and ends,
//! so those members are taken from the text as written, without reading it again: the same
//! members `json::parse_shallow_valid` would give (a string as the text between its quotes, a
//! number as its text, a nested object or array as its text with its contents not built), then
//! the core's own validation and request building. An input whose reading needs more than that
//! goes through `core::prepare_valid` as before: an action with rules below the top level, a
//! top-level key or string holding an escape, nesting deeper than the core accepts (for its
//! error), or a top level that is not an object.

use iterable_wasm::core::{
    self as core,
    defs::ActionDef,
    error::ApiError,
    json::{Node, Value, MAX_DEPTH},
    request::HttpRequest,
    validate,
};
use serde_json::ser::{CompactFormatter, Formatter};
use std::borrow::Cow;
use std::cell::Cell;
use std::io;

/// The request for `input`: validated, built, or the error the core gives (`ValidationError`).
pub(crate) fn prepare<I: serde::Serialize + ?Sized>(def: &ActionDef, input: &I, base: &str) -> Result<HttpRequest, ApiError> {
    let len = Cell::new(0);
    let mut spans = Spans { len: &len, depth: 0, odd: false, key: (0, 0), value: 0, members: Vec::new() };
    let mut ser = serde_json::Serializer::with_formatter(Out { text: Vec::with_capacity(256), len: &len }, &mut spans);
    input.serialize(&mut ser).map_err(|e| {
        let issue = core::error::Issue { param: String::new(), message: format!("the input could not be written as JSON: {e}") };
        ApiError::validation(vec![issue])
    })?;
    // serde_json writes UTF-8 only (the check is a formality that keeps this free of `unsafe`).
    let text = String::from_utf8(ser.into_inner().text).map_err(|e| ApiError::validation(vec![core::error::Issue { param: String::new(), message: e.to_string() }]))?;
    let top_level = !spans.odd && text.starts_with('{') && core::reads_top_level_only(def);
    if !top_level {
        return core::prepare_valid(def, &text, base);
    }
    let input = Node { raw: &text, value: Value::Object(spans.members.iter().map(|m| m.read(&text)).collect()) };
    validate::validate_in(def, &input, None)?;
    Ok(core::request::build(def, &input, base))
}

/// The text so far; its length is shared with the formatter (which sees only a generic writer).
struct Out<'c> {
    text: Vec<u8>,
    len: &'c Cell<usize>,
}

impl io::Write for Out<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.write_all(bytes)?;
        Ok(bytes.len())
    }
    #[inline(always)]
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.text.extend_from_slice(bytes);
        self.len.set(self.text.len());
        Ok(())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Where one top-level member sits in the text: its key with its quotes, and its value.
struct Member {
    key: (usize, usize),
    value: (usize, usize),
}

impl Member {
    /// The member as `json::parse_shallow_valid` reads it (`text` was written compactly, with no
    /// escape in this key or, if it is a string, this value).
    fn read<'t>(&self, text: &'t str) -> (Cow<'t, str>, Node<'t>) {
        let quoted = |s: &'t str| s.get(1..s.len().saturating_sub(1)).unwrap_or("");
        let key = quoted(text.get(self.key.0..self.key.1).unwrap_or(""));
        let raw = text.get(self.value.0..self.value.1).unwrap_or("");
        let value = match raw.as_bytes().first() {
            Some(b'"') => Value::String(Cow::Borrowed(quoted(raw))),
            Some(b'{') => Value::Object(Vec::new()),
            Some(b'[') => Value::Array(Vec::new()),
            Some(b't') => Value::Bool(true),
            Some(b'f') => Value::Bool(false),
            Some(b'n') => Value::Null,
            _ => Value::Number(raw),
        };
        (Cow::Borrowed(key), Node { raw, value })
    }
}

/// serde_json's compact output, unchanged, and the spans of the top-level members.
struct Spans<'c> {
    len: &'c Cell<usize>,
    /// Arrays and objects open around what is being written (1 inside the top-level object).
    depth: usize,
    /// Something the members cannot be taken as written for (see the module's comment).
    odd: bool,
    /// The top-level key being written (with its quotes), and where its value starts.
    key: (usize, usize),
    value: usize,
    members: Vec<Member>,
}

impl Spans<'_> {
    fn open(&mut self) {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.odd = true;
        }
    }
}

impl Formatter for &mut Spans<'_> {
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open();
        CompactFormatter.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth = self.depth.saturating_sub(1);
        CompactFormatter.end_array(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open();
        CompactFormatter.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth = self.depth.saturating_sub(1);
        CompactFormatter.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        CompactFormatter.begin_object_key(w, first)?;
        if self.depth == 1 {
            self.key.0 = self.len.get();
        }
        Ok(())
    }
    fn end_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.depth == 1 {
            self.key.1 = self.len.get();
        }
        CompactFormatter.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        CompactFormatter.begin_object_value(w)?;
        if self.depth == 1 {
            self.value = self.len.get();
        }
        Ok(())
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.depth == 1 {
            self.members.push(Member { key: self.key, value: (self.value, self.len.get()) });
        }
        CompactFormatter.end_object_value(w)
    }
    fn write_char_escape<W: ?Sized + io::Write>(&mut self, w: &mut W, escape: serde_json::ser::CharEscape) -> io::Result<()> {
        if self.depth <= 1 {
            self.odd = true;
        }
        CompactFormatter.write_char_escape(w, escape)
    }
}

#[cfg(test)]
mod tests {
    use iterable_wasm::core;
    use serde_json::json;

    /// The members as written give the same request, or the same error, as the core reading the
    /// same text back: strings with and without escapes, numbers, nulls, nested values, unknown
    /// and missing params, wrong types, nesting past the limit, a top level that is not an object.
    #[test]
    fn same_request_or_error_as_reading_the_text_back() {
        let deep = (0..130).fold(json!(1), |v, _| json!([v]));
        let inputs = [
            json!({"email": "ada@example.com", "eventName": "signup"}),
            json!({"email": "ada@example.com", "eventName": "a \"quoted\" name\n", "dataFields": {"a": [1, {"b": "c\\d"}], "n": null}}),
            json!({"userId": "u-1", "eventName": "e", "createdAt": 1700000000, "campaignId": -3, "createNewFields": true, "id": "x"}),
            json!({"email": "not an email", "eventName": 5}),
            json!({"email": "ada@example.com", "userId": "u", "eventName": "e", "unknown": {"x": 1}}),
            json!({"email": null, "eventName": "e"}),
            json!({"e\u{301}mail": "x", "eventName": "e"}),
            json!({"email": "ada@example.com", "eventName": "e", "dataFields": {"deep": deep}}),
            json!({"email": "ada@example.com", "eventName": "e", "dataFields": deep}),
            json!({}),
            json!([{"email": "ada@example.com"}]),
            json!("text"),
            json!({"email": "ada@example.com", "createdAt": 1.5e300, "eventName": "\u{7f}\u{1}"}),
        ];
        for id in ["track_event", "get_user_by_email", "update_user", "delete_user_by_email"] {
            let def = core::action(id).unwrap();
            for input in &inputs {
                let text = serde_json::to_string(input).unwrap();
                let read_back = core::prepare_valid(def, &text, "https://api.iterable.com");
                assert_eq!(super::prepare(def, input, "https://api.iterable.com"), read_back, "{id}: {text}");
            }
        }
    }
}
