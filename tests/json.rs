//! Tests for `core::json`, the small JSON parser/writer used instead of serde_json in the
//! wasm build. serde_json (a regular dependency) serves as the oracle.

mod common;
use common::Rng;
use iterable_wasm::core::json::{self, check, parse, write_str, Error, Node, Value, MAX_DEPTH};
use serde_json::Value as SValue;
use std::borrow::Cow;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Converts a node to a serde value the way serde_json (with `preserve_order`) would build
/// it: numbers via serde_json parsing the raw text; a duplicate key replaces the earlier
/// value in the earlier position.
fn to_serde(n: &Node) -> SValue {
    match &n.value {
        Value::Null => SValue::Null,
        Value::Bool(b) => SValue::Bool(*b),
        Value::Number(t) => {
            assert_eq!(*t, n.raw, "number text is its raw text");
            serde_json::from_str::<SValue>(t).unwrap_or_else(|e| panic!("serde rejects number {t:?}: {e}"))
        }
        Value::String(s) => SValue::String(s.to_string()),
        Value::Array(a) => SValue::Array(a.iter().map(to_serde).collect()),
        Value::Object(o) => {
            let mut m = serde_json::Map::new();
            for (k, v) in o {
                m.insert(k.to_string(), to_serde(v));
            }
            SValue::Object(m)
        }
    }
}

fn depth(n: &Node) -> usize {
    match &n.value {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(o) => 1 + o.iter().map(|(_, v)| depth(v)).max().unwrap_or(0),
        _ => 0,
    }
}

fn any_number(n: &Node, f: &dyn Fn(&str) -> bool) -> bool {
    match &n.value {
        Value::Number(t) => f(t),
        Value::Array(a) => a.iter().any(|v| any_number(v, f)),
        Value::Object(o) => o.iter().any(|(_, v)| any_number(v, f)),
        _ => false,
    }
}

/// Checks every node's `raw` span: a whitespace-free slice of the input that serde_json
/// parses to the same value as the node; strings are Borrowed exactly when they have no
/// escapes. Returns the number of nodes checked.
fn check_raw(text: &str, n: &Node) -> usize {
    let base = text.as_ptr() as usize;
    let p = n.raw.as_ptr() as usize;
    assert!(p >= base && p + n.raw.len() <= base + text.len(), "raw is a slice of the input");
    assert!(!n.raw.is_empty());
    assert_eq!(n.raw.trim_matches([' ', '\t', '\n', '\r']), n.raw, "raw has no surrounding whitespace");
    let serde: SValue = serde_json::from_str(n.raw).unwrap_or_else(|e| panic!("serde rejects raw {:?}: {e}", n.raw));
    assert_eq!(serde, to_serde(n), "raw {:?}", n.raw);
    assert_eq!(parse(n.raw).as_ref(), Ok(n), "raw reparses to the same node");
    let mut count = 1;
    match &n.value {
        Value::String(s) => {
            let inner = &n.raw[1..n.raw.len() - 1];
            if inner.contains('\\') {
                assert!(matches!(s, Cow::Owned(_)), "escaped string {:?} is Owned", n.raw);
            } else {
                assert!(matches!(s, Cow::Borrowed(_)), "plain string {:?} is Borrowed", n.raw);
                assert_eq!(s, inner);
            }
        }
        Value::Array(a) => count += a.iter().map(|v| check_raw(text, v)).sum::<usize>(),
        Value::Object(o) => count += o.iter().map(|(_, v)| check_raw(text, v)).sum::<usize>(),
        _ => {}
    }
    count
}

const MESSAGES: &[&str] = &[
    "unexpected end of input",
    "expected value",
    "expected ',' or ']'",
    "expected ',' or '}'",
    "expected string key",
    "expected ':'",
    "invalid literal",
    "invalid number",
    "control character in string",
    "invalid escape",
    "invalid \\u escape",
    "lone surrogate in string",
    "nesting deeper than 128",
    "trailing characters",
];

#[derive(Default, Debug)]
struct Stats {
    cases: usize,
    both_ok: usize,
    both_err: usize,
    nodes: usize,
    /// Accepted here, rejected by serde_json only because a number overflows f64
    /// (this parser never converts numbers).
    out_of_range: usize,
    /// Accepted here at depth exactly 128, rejected by serde_json (whose limit is 127).
    depth_128: usize,
}

/// Compares `parse` (and `check`) with serde_json on one text.
fn oracle(text: &str, st: &mut Stats) {
    st.cases += 1;
    let ours = parse(text);
    let checked = check(text);
    match (&ours, &checked) {
        (Ok(_), Ok(())) => {}
        (Err(a), Err(b)) => assert_eq!(a, b, "parse and check fail alike on {text:?}"),
        _ => panic!("parse {:?} vs check {:?} on {text:?}", ours.as_ref().err(), checked),
    }
    let theirs = serde_json::from_str::<SValue>(text);
    match (ours, theirs) {
        (Ok(n), Ok(v)) => {
            assert_eq!(to_serde(&n), v, "structure differs for {text:?}");
            st.nodes += check_raw(text, &n);
            st.both_ok += 1;
        }
        (Err(e), Err(_)) => {
            assert!(e.offset <= text.len(), "offset in range: {e:?} for {text:?}");
            assert!(MESSAGES.contains(&e.message.as_str()), "known message: {e:?}");
            st.both_err += 1;
        }
        (Ok(n), Err(se)) => {
            let msg = se.to_string();
            if msg.starts_with("number out of range")
                && any_number(&n, &|t| serde_json::from_str::<SValue>(t).is_err())
            {
                st.out_of_range += 1;
            } else if msg.starts_with("recursion limit exceeded") && depth(&n) == MAX_DEPTH {
                st.depth_128 += 1;
            } else {
                panic!("we accept, serde_json rejects ({msg}): {text:?}");
            }
        }
        (Err(e), Ok(_)) => panic!("we reject ({e}), serde_json accepts: {text:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// Seeded random generation (xorshift64*)
// ---------------------------------------------------------------------------------------


fn gen_ws(r: &mut Rng, out: &mut String) {
    if r.one_in(3) {
        out.push_str(r.pick(&[" ", "\n", "\t", "\r\n  ", "  ", "\r"]));
    }
}

fn gen_digits(r: &mut Rng, out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(char::from(b'0' + r.below(10) as u8));
    }
}

fn gen_number(r: &mut Rng, out: &mut String) {
    if r.one_in(3) {
        out.push('-');
    }
    if r.one_in(4) {
        out.push('0');
    } else {
        out.push(char::from(b'1' + r.below(9) as u8));
        // Up to 25 more digits: many integers beyond i64 and u64.
        let n = if r.one_in(4) { r.below(26) } else { r.below(4) };
        gen_digits(r, out, n);
    }
    if r.one_in(3) {
        out.push('.');
        let n = 1 + r.below(12);
        gen_digits(r, out, n);
    }
    if r.one_in(4) {
        out.push(r.pick(&['e', 'E']));
        out.push_str(r.pick(&["", "+", "-"]));
        let n = 1 + r.below(2); // at most e99: always within f64 range
        gen_digits(r, out, n);
    }
}

fn hex4(r: &mut Rng, out: &mut String, n: u32) {
    let s = format!("{n:04x}");
    out.push_str(&if r.one_in(2) { s.to_ascii_uppercase() } else { s });
}

/// A string literal. With `strict` off it occasionally holds an error (lone surrogate,
/// raw control character, bad escape).
fn gen_string(r: &mut Rng, out: &mut String, strict: bool) {
    out.push('"');
    for _ in 0..r.below(10) {
        match r.below(if strict { 14 } else { 18 }) {
            0..=3 => {
                let n = 1 + r.below(6);
                for _ in 0..n {
                    out.push(r.pick(&['a', 'b', 'z', 'K', ' ', '0', '/', '\'', '{', ']', ',', ':']));
                }
            }
            4 => out.push(r.pick(&['é', '中', '😀', '\u{2028}', '\u{2029}', '\u{feff}', '\u{7f}', '\u{ffff}', '\u{10ffff}'])),
            5..=6 => out.push_str(r.pick(&["\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"])),
            7..=8 => {
                out.push_str("\\u");
                let n = loop {
                    let n = r.below(0x10000) as u32;
                    if !(0xD800..0xE000).contains(&n) {
                        break if r.one_in(3) { n & 0x7f } else { n };
                    }
                };
                hex4(r, out, n);
            }
            9..=10 => {
                let c = r.below(0x100000) as u32;
                out.push_str("\\u");
                hex4(r, out, 0xD800 + (c >> 10));
                out.push_str("\\u");
                hex4(r, out, 0xDC00 + (c & 0x3ff));
            }
            11..=13 => out.push_str(r.pick(&["x", "yy", "hello world", "\u{e9}t\u{e9}"])),
            // Errors, only when not strict.
            14 => {
                out.push_str("\\u");
                let n = 0xD800 + r.below(0x800) as u32;
                hex4(r, out, n);
            }
            15 => {
                out.push_str("\\u");
                let n = 0xD800 + r.below(0x400) as u32;
                hex4(r, out, n);
                out.push_str(r.pick(&["\\u0041", "\\n", "a", "\\uD800", "\\u12", "\\"]));
            }
            16 => out.push(char::from(r.below(0x20) as u8)),
            _ => out.push_str(r.pick(&["\\x", "\\U0041", "\\u00G0", "\\'", "\\a", "\\0"])),
        }
    }
    out.push('"');
}

fn gen_value(r: &mut Rng, out: &mut String, depth: usize, strict: bool) {
    let container = depth < 6;
    match r.below(if container { 10 } else { 6 }) {
        0 => out.push_str("null"),
        1 => out.push_str(if r.one_in(2) { "true" } else { "false" }),
        2 | 3 => gen_number(r, out),
        4 | 5 => gen_string(r, out, strict),
        6 | 7 => {
            out.push('[');
            gen_ws(r, out);
            for i in 0..r.below(6) {
                if i > 0 {
                    out.push(',');
                }
                gen_ws(r, out);
                gen_value(r, out, depth + 1, strict);
                gen_ws(r, out);
            }
            out.push(']');
        }
        _ => {
            out.push('{');
            gen_ws(r, out);
            for i in 0..r.below(6) {
                if i > 0 {
                    out.push(',');
                }
                gen_ws(r, out);
                if r.one_in(2) {
                    // A small pool, so duplicate keys are common.
                    out.push_str(r.pick(&["\"a\"", "\"b\"", "\"\\u0061\"", "\"\"", "\"k\\n\""]));
                } else {
                    gen_string(r, out, strict);
                }
                gen_ws(r, out);
                out.push(':');
                gen_ws(r, out);
                gen_value(r, out, depth + 1, strict);
                gen_ws(r, out);
            }
            out.push('}');
        }
    }
}

/// A random document: usually a random tree, sometimes a deep chain (depth <= 120).
fn gen_doc(r: &mut Rng, strict: bool) -> String {
    let mut out = String::new();
    gen_ws(r, &mut out);
    if r.one_in(40) {
        let d = 1 + r.below(120);
        let opens: Vec<bool> = (0..d).map(|_| r.one_in(2)).collect();
        for &arr in &opens {
            out.push_str(if arr { "[" } else { "{\"k\":" });
        }
        gen_value(r, &mut out, 6, strict);
        for &arr in opens.iter().rev() {
            out.push(if arr { ']' } else { '}' });
        }
    } else {
        gen_value(r, &mut out, 0, strict);
    }
    gen_ws(r, &mut out);
    out
}

fn boundaries(s: &str) -> Vec<usize> {
    (0..=s.len()).filter(|&i| s.is_char_boundary(i)).collect()
}

/// Applies 1-3 random mutations, keeping the text valid UTF-8.
fn mutate(r: &mut Rng, doc: &str) -> String {
    let mut s = doc.to_string();
    for _ in 0..1 + r.below(3) {
        let b = boundaries(&s);
        let at = r.pick(&b);
        match r.below(6) {
            0 => s.truncate(at),
            1 => {
                // Replace one char with an ASCII byte.
                if let Some(c) = s[at..].chars().next() {
                    let with = r.pick(b"{}[]:,\"\\ 0123456789-+.eEtrufalsn\t\n\r\x00\x01\x1f\x7fx/u'");
                    s.replace_range(at..at + c.len_utf8(), &char::from(with).to_string());
                }
            }
            2 => s.insert(at, ','),
            3 => {
                if let Some(c) = s[at..].chars().next() {
                    s.replace_range(at..at + c.len_utf8(), "");
                }
            }
            4 => {
                let tok = r.pick(&[
                    "[", "]", "{", "}", "\"", "\\", "\\u", "\\uD800", "\\uDC00", "\\uDBFF\\uDFFF", "1", "-", ".", "e",
                    "00", "true", "null", " ", "\u{feff}", "\u{1}", "NaN", "Infinity", "//", "/*", "'", ":", "\u{a0}",
                    "\u{b}", "\u{c}",
                ]);
                s.insert_str(at, tok);
            }
            _ => {
                // Duplicate a random slice.
                let b2 = r.pick(&b);
                let (lo, hi) = (at.min(b2), at.max(b2));
                let piece = s[lo..hi].to_string();
                s.insert_str(hi, &piece);
            }
        }
    }
    s
}

// ---------------------------------------------------------------------------------------
// Corpus
// ---------------------------------------------------------------------------------------

#[test]
fn valid_corpus_matches_serde() {
    let docs = [
        "null", "true", "false", "0", "-0", "1", "-1", "0.5e-3", "1E+2", "1e2", "1E-2", "-0.0", "0e0", "0E+0",
        "-1.5e-300", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
        "18446744073709551616", "123456789012345678901234567890", "\"\"", "\"a\"", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
        "\"\\u0000\\u001f\\u007F\\u00e9\\uFFFF\\uffff\"", "\"\\uD83D\\uDE00\"", "\"\\ud83d\\ude00x\"", "\"\\uDBFF\\uDFFF\"",
        "\"\\uD800\\uDC00\"", "\"é中😀\u{2028}\u{7f}\"", "\"\u{feff}\"", "[]", "{}", "[ ]", "{ }", " \t\n\r[1] \t\n\r",
        "[1,2,3]", "[[],[[]],{}]", "{\"a\":1,\"b\":[true,false,null]}", "{\"a\":1,\"a\":2}", "{\"\":0}",
        "{\"a\" : { \"b\" : [ \"c\" , { } ] } }", "[\"a\\\"b\", \"c\\\\\"]", "\"/*not a comment*/\"", "[-0,0.0,1e-0]",
    ];
    let mut st = Stats::default();
    for d in docs {
        oracle(d, &mut st);
    }
    // 1e400 overflows f64 (serde_json rejects it); here it is just text.
    oracle("[1e400, -1E+999]", &mut st);
    oracle("123.456e789", &mut st);
    assert_eq!(st.out_of_range, 2);
    assert_eq!(st.both_ok, docs.len());
}

#[test]
fn valid_corpus_values() {
    let n = parse(" {\"a\":1,\"b\":\"x\\ny\",\"a\":[true,null],\"c\":\"plain\"} ").unwrap();
    assert_eq!(n.raw, "{\"a\":1,\"b\":\"x\\ny\",\"a\":[true,null],\"c\":\"plain\"}");
    let members = n.as_object().unwrap();
    let keys: Vec<&str> = members.iter().map(|(k, _)| k.as_ref()).collect();
    assert_eq!(keys, ["a", "b", "a", "c"], "duplicates kept in document order");
    assert_eq!(n.get("a").unwrap().raw, "1", "get returns the first match");
    assert_eq!(n.get("b").unwrap().as_str(), Some("x\ny"));
    assert!(matches!(n.get("b").unwrap().value, Value::String(Cow::Owned(_))));
    assert!(matches!(n.get("c").unwrap().value, Value::String(Cow::Borrowed("plain"))));
    assert!(matches!(members[0].0, Cow::Borrowed("a")));
    assert_eq!(n.get("missing"), None);
    assert_eq!(members[2].1.as_array().unwrap().len(), 2);
    assert_eq!(members[2].1.as_array().unwrap()[0].as_bool(), Some(true));
    assert!(members[2].1.as_array().unwrap()[1].is_null());

    let n = parse("{\"\\u0061\":1}").unwrap();
    assert_eq!(n.get("a").map(|v| v.raw), Some("1"), "escaped keys are unescaped");
    assert!(matches!(n.as_object().unwrap()[0].0, Cow::Owned(_)));

    let n = parse("[\"\\uD83D\\uDE00\", \"\\u00e9\\/\", \"\\u0000\"]").unwrap();
    let a = n.as_array().unwrap();
    assert_eq!(a[0].as_str(), Some("😀"));
    assert_eq!(a[1].as_str(), Some("é/"));
    assert_eq!(a[2].as_str(), Some("\0"));
    assert_eq!(a[1].raw, "\"\\u00e9\\/\"");

    let big = "123456789012345678901234567890";
    let n = parse(big).unwrap();
    assert_eq!(n.value, Value::Number(big), "big integers kept as text");
    assert_eq!(n.as_i64(), None);

    for (t, v) in [("-0", "-0"), ("0.5e-3", "0.5e-3"), ("1E+2", "1E+2"), (" 7 ", "7")] {
        assert_eq!(parse(t).unwrap(), Node { raw: v, value: Value::Number(v) });
    }
    assert_eq!(parse("\"\u{feff}\"").unwrap().as_str(), Some("\u{feff}"), "BOM inside a string is text");
    assert_eq!(check(" [1, {\"a\": \"\\u00e9\"}] "), Ok(()));
}

#[test]
fn invalid_corpus() {
    let eof = "unexpected end of input";
    let cases: &[(&str, &str, usize)] = &[
        ("", eof, 0),
        ("   ", eof, 3),
        (" \n\t\r", eof, 4),
        ("\u{feff}1", "expected value", 0),
        ("\u{feff}{}", "expected value", 0),
        ("1 2", "trailing characters", 2),
        ("{} x", "trailing characters", 3),
        ("[]]", "trailing characters", 2),
        ("nullx", "trailing characters", 4),
        ("\"a\"\"b\"", "trailing characters", 3),
        ("1\u{a0}", "trailing characters", 1),
        ("1\u{c}", "trailing characters", 1),
        ("\u{b}1", "expected value", 0),
        ("01", "invalid number", 1),
        ("-01", "invalid number", 2),
        ("00", "invalid number", 1),
        ("+1", "expected value", 0),
        (".5", "expected value", 0),
        ("1.", eof, 2),
        ("1.x", "invalid number", 2),
        ("1.e5", "invalid number", 2),
        ("1e", eof, 2),
        ("1e+", eof, 3),
        ("1E-x", "invalid number", 3),
        ("-", eof, 1),
        ("- 1", "invalid number", 1),
        ("-a", "invalid number", 1),
        ("0x10", "trailing characters", 1),
        ("NaN", "expected value", 0),
        ("-Infinity", "invalid number", 1),
        ("Infinity", "expected value", 0),
        ("tru", eof, 3),
        ("trUe", "invalid literal", 2),
        ("True", "expected value", 0),
        ("nul", eof, 3),
        ("fals", eof, 4),
        ("'a'", "expected value", 0),
        ("[1,]", "expected value", 3),
        ("[,1]", "expected value", 1),
        ("[1 2]", "expected ',' or ']'", 3),
        ("[1;2]", "expected ',' or ']'", 2),
        ("[1", eof, 2),
        ("[", eof, 1),
        ("{", eof, 1),
        ("{\"a\":1,}", "expected string key", 7),
        ("{,}", "expected string key", 1),
        ("{a:1}", "expected string key", 1),
        ("{'a':1}", "expected string key", 1),
        ("{1:1}", "expected string key", 1),
        ("{\"a\" 1}", "expected ':'", 5),
        ("{\"a\"", eof, 4),
        ("{\"a\":}", "expected value", 5),
        ("{\"a\":1 \"b\":2}", "expected ',' or '}'", 7),
        ("{\"a\":1]", "expected ',' or '}'", 6),
        ("[1}", "expected ',' or ']'", 2),
        ("/*c*/1", "expected value", 0),
        ("1//c", "trailing characters", 1),
        ("[1]//", "trailing characters", 3),
        ("\"abc", eof, 4),
        ("\"", eof, 1),
        ("\"a\u{0}b\"", "control character in string", 2),
        ("\"\n\"", "control character in string", 1),
        ("\"\t\"", "control character in string", 1),
        ("\"\u{1f}\"", "control character in string", 1),
        ("\"\\a\"", "invalid escape", 2),
        ("\"\\x41\"", "invalid escape", 2),
        ("\"\\U0041\"", "invalid escape", 2),
        ("\"\\'\"", "invalid escape", 2),
        ("\"\\\"", eof, 3),
        ("\"\\", eof, 2),
        ("\"\\u12\"", "invalid \\u escape", 5),
        ("\"\\u00g0\"", "invalid \\u escape", 5),
        ("\"\\u+123\"", "invalid \\u escape", 3),
        ("\"\\u12", eof, 5),
        ("\"\\uD800\"", "lone surrogate in string", 1),
        ("\"x\\uDC00\"", "lone surrogate in string", 2),
        ("\"\\uDFFF\\uD800\"", "lone surrogate in string", 1),
        ("\"\\uD800\\uD800\"", "lone surrogate in string", 1),
        ("\"\\uD800\\u0041\"", "lone surrogate in string", 1),
        ("\"\\uD800\\n\"", "lone surrogate in string", 1),
        ("\"\\uD800a\"", "lone surrogate in string", 1),
        ("\"\\uDBFF\\uE000\"", "lone surrogate in string", 1),
        ("\"\\uD800", eof, 7),
        ("\"\\uD800\\", eof, 8),
        ("\"\\uD800\\u", eof, 9),
        ("\"\\uD800\\uDC0", eof, 12),
        ("\"\\uD800\\uDCxx\"", "invalid \\u escape", 11),
        ("[\"a\",\"\\uDE00\"]", "lone surrogate in string", 6),
    ];
    for &(text, message, offset) in cases {
        let want = Error { message: message.into(), offset };
        assert_eq!(parse(text).err(), Some(want.clone()), "parse {text:?}");
        assert_eq!(check(text).err(), Some(want), "check {text:?}");
        assert!(serde_json::from_str::<SValue>(text).is_err(), "serde_json also rejects {text:?}");
    }
    let e = parse("[1,]").unwrap_err();
    assert_eq!(e.to_string(), "expected value at byte 3");
    assert_eq!(parse("").unwrap_err().to_string(), "unexpected end of input at byte 0");
}

// ---------------------------------------------------------------------------------------
// Depth
// ---------------------------------------------------------------------------------------

fn nested_arrays(n: usize) -> String {
    "[".repeat(n) + &"]".repeat(n)
}

fn nested_objects(n: usize) -> String {
    "{\"a\":".repeat(n) + "0" + &"}".repeat(n)
}

#[test]
fn depth_limit() {
    assert_eq!(MAX_DEPTH, 128);
    for make in [nested_arrays as fn(usize) -> String, nested_objects] {
        let ok = make(128);
        let n = parse(&ok).unwrap();
        assert_eq!(depth(&n), 128);
        assert_eq!(check(&ok), Ok(()));
        let bad = make(129);
        let e = parse(&bad).unwrap_err();
        assert_eq!(e.message, "nesting deeper than 128");
        assert_eq!(&bad[e.offset..e.offset + 1], &make(1)[..1], "offset at the 129th opener");
        assert_eq!(check(&bad), Err(e));
    }
    assert_eq!(parse(&nested_arrays(129)).unwrap_err().offset, 128);
    assert_eq!(parse(&nested_objects(129)).unwrap_err().offset, 128 * 5);

    // Mixed nesting, and nesting under siblings counts the same way.
    let mixed = "[{\"a\":".repeat(64) + "0" + &"}]".repeat(64);
    assert!(parse(&mixed).is_ok());
    let mixed = "[1,{\"a\":[".repeat(43) + &"]}]".repeat(43);
    assert_eq!(parse(&mixed).unwrap_err().message, "nesting deeper than 128");

    // Hostile depth: an error, never a stack overflow.
    for t in ["[".repeat(1_000_000), "{\"\":".repeat(300_000), "[{\"\":".repeat(300_000)] {
        let e = parse(&t).unwrap_err();
        assert_eq!(e.message, "nesting deeper than 128");
        assert_eq!(check(&t), Err(e));
    }
    // Unbalanced but shallow: ordinary errors.
    assert_eq!(parse(&"[".repeat(128)).unwrap_err().message, "unexpected end of input");

    // serde_json counts one level more (its default limit accepts 127 levels), so 128 is
    // the single depth where the two disagree.
    for d in [1, 100, 127] {
        assert!(serde_json::from_str::<SValue>(&nested_arrays(d)).is_ok());
        assert!(parse(&nested_arrays(d)).is_ok());
    }
    assert!(serde_json::from_str::<SValue>(&nested_arrays(128)).is_err());
    let mut st = Stats::default();
    oracle(&nested_arrays(128), &mut st);
    oracle(&nested_objects(128), &mut st);
    oracle(&nested_arrays(129), &mut st);
    assert_eq!((st.depth_128, st.both_err), (2, 1));
}

// ---------------------------------------------------------------------------------------
// Accessors
// ---------------------------------------------------------------------------------------

#[test]
fn as_i64_and_type_name() {
    let cases: &[(&str, Option<i64>, &str)] = &[
        ("0", Some(0), "integer"),
        ("-0", Some(0), "integer"),
        ("42", Some(42), "integer"),
        ("-17", Some(-17), "integer"),
        ("9223372036854775807", Some(i64::MAX), "integer"),
        ("-9223372036854775808", Some(i64::MIN), "integer"),
        ("9223372036854775808", None, "integer"),
        ("-9223372036854775809", None, "integer"),
        ("18446744073709551615", None, "integer"),
        ("100000000000000000000000000000", None, "integer"),
        ("1.0", None, "number"),
        ("1.5", None, "number"),
        ("1e2", None, "number"),
        ("1E2", None, "number"),
        ("-0.0", None, "number"),
        ("0.5e-3", None, "number"),
        ("null", None, "null"),
        ("true", None, "boolean"),
        ("false", None, "boolean"),
        ("\"1\"", None, "string"),
        ("[1]", None, "array"),
        ("{\"a\":1}", None, "object"),
    ];
    for &(t, i, name) in cases {
        let n = parse(t).unwrap();
        assert_eq!(n.as_i64(), i, "as_i64 {t}");
        assert_eq!(n.type_name(), name, "type_name {t}");
    }
    let n = parse("[\"s\", true, null, {\"k\": 1}]").unwrap();
    let a = n.as_array().unwrap();
    assert_eq!((a[0].as_str(), a[0].as_bool(), a[0].as_i64(), a[0].is_null()), (Some("s"), None, None, false));
    assert_eq!((a[1].as_str(), a[1].as_bool(), a[1].as_array()), (None, Some(true), None));
    assert!(a[2].is_null() && a[2].as_object().is_none() && a[2].get("k").is_none());
    assert_eq!(a[3].get("k").and_then(Node::as_i64), Some(1));
    assert!(n.get("k").is_none() && n.as_object().is_none() && n.as_str().is_none());
    // as_i64 agrees with serde_json's i64 reading of integer text.
    let mut r = Rng(0x1234_5678_9abc_def1);
    for _ in 0..5000 {
        let mut t = String::new();
        gen_number(&mut r, &mut t);
        let n = parse(&t).unwrap();
        let s: SValue = serde_json::from_str(&t).unwrap();
        let integer = !t.contains(['.', 'e', 'E']);
        assert_eq!(n.type_name(), if integer { "integer" } else { "number" });
        if integer && t != "-0" {
            assert_eq!(n.as_i64(), s.as_i64(), "{t}");
        } else if !integer {
            assert_eq!(n.as_i64(), None);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Oracle comparison on random documents
// ---------------------------------------------------------------------------------------

#[test]
fn random_documents_match_serde() {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let mut st = Stats::default();
    let mut valid_generated = 0;
    for i in 0..20_000 {
        let strict = i % 8 != 0; // every 8th document may hold string errors
        let doc = gen_doc(&mut r, strict);
        if strict {
            assert!(parse(&doc).is_ok(), "generated document must be valid: {doc:?}");
            valid_generated += 1;
        }
        oracle(&doc, &mut st);
        for _ in 0..3 {
            let m = mutate(&mut r, &doc);
            oracle(&m, &mut st);
        }
    }
    println!("random documents: {valid_generated} valid generated, {st:?}");
    assert_eq!(st.cases, 80_000);
    assert!(st.both_ok > 20_000 && st.both_err > 20_000, "{st:?}");
    assert_eq!(st.depth_128, 0);
}

#[test]
fn random_bytes_never_panic_and_match_serde() {
    let mut r = Rng(0xD1B5_4A32_D192_ED03);
    let mut st = Stats::default();
    let json_bytes = b"{}[]:,\"\\ \t\n\r0123456789-+.eEtrufalsnu/x\x00\x1f\x7f";
    for i in 0..20_000 {
        let len = r.below(if i % 10 == 0 { 400 } else { 48 });
        let bytes: Vec<u8> = (0..len)
            .map(|_| if r.one_in(4) { r.next() as u8 } else { r.pick(json_bytes) })
            .collect();
        let text = String::from_utf8_lossy(&bytes);
        oracle(&text, &mut st);
        // Also every prefix of a valid-looking document and its mutations.
        if i % 4 == 0 {
            let doc = gen_doc(&mut r, false);
            let cut = r.pick(&boundaries(&doc));
            oracle(&doc[..cut], &mut st);
            let mut b = doc.into_bytes();
            for _ in 0..1 + r.below(4) {
                if !b.is_empty() {
                    let at = r.below(b.len());
                    b[at] = r.next() as u8; // arbitrary byte, then lossy decoding
                }
            }
            oracle(&String::from_utf8_lossy(&b), &mut st);
        }
    }
    println!("random bytes: {st:?}");
    assert_eq!(st.cases, 30_000);
    assert!(st.both_ok > 500, "{st:?}");
}

// ---------------------------------------------------------------------------------------
// write_str
// ---------------------------------------------------------------------------------------

fn written(s: &str) -> String {
    let mut out = String::new();
    write_str(&mut out, s);
    out
}

#[test]
fn write_str_matches_serde() {
    for c in (0u32..0x300).chain([0x2028, 0x2029, 0xfeff, 0xffff, 0x1f600, 0x10ffff]) {
        let Some(c) = char::from_u32(c) else { continue };
        let s = format!("a{c}b{c}");
        assert_eq!(written(&s), serde_json::to_string(&s).unwrap(), "{c:?}");
    }
    assert_eq!(written(""), "\"\"");
    assert_eq!(written("\u{0}\u{1f}\u{7f}"), "\"\\u0000\\u001f\u{7f}\"");
    assert_eq!(written("\"\\/\u{8}\u{c}\n\r\t"), "\"\\\"\\\\/\\b\\f\\n\\r\\t\"");
    assert_eq!(written("\u{1b}\u{1a}"), "\"\\u001b\\u001a\"", "lowercase hex");

    let mut out = String::from("prefix:");
    write_str(&mut out, "x");
    assert_eq!(out, "prefix:\"x\"", "appends");

    let pool: Vec<char> = (0u8..0x20)
        .map(char::from)
        .chain(['"', '\\', '/', '\u{7f}', 'a', 'Z', ' ', 'é', '中', '\u{2028}', '\u{2029}', '😀', '\u{10ffff}', '\u{feff}'])
        .collect();
    let mut r = Rng(0xA076_1D64_78BD_642F);
    for _ in 0..20_000 {
        let s: String = (0..r.below(24)).map(|_| r.pick(&pool)).collect();
        let w = written(&s);
        assert_eq!(w, serde_json::to_string(&s).unwrap(), "{s:?}");
        let n = parse(&w).unwrap();
        assert_eq!(n.as_str(), Some(s.as_str()), "round trip");
        assert_eq!(n.raw, w);
    }
}

#[test]
fn value_enum_is_public() {
    // The enum and struct are plain data: they can be built and matched directly.
    let n = Node { raw: "[1]", value: Value::Array(vec![Node { raw: "1", value: Value::Number("1") }]) };
    assert_eq!(parse("[1]").unwrap(), n);
    let _: fn(&str) -> Result<Node<'_>, json::Error> = json::parse;
}

#[test]
fn shallow_parse_checks_everything_and_builds_the_top_level() {
    use iterable_wasm::core::json;
    let text = r#" {"code":"BadParams","msg":"no","params":{"a":[1,{"b":"\u0041"}]},"n":1.5e3} "#;
    let shallow = json::parse_shallow(text).unwrap();
    let full = json::parse(text).unwrap();
    assert_eq!(shallow.raw, full.raw);
    assert_eq!(shallow.get("code").and_then(|c| c.as_str()), Some("BadParams"));
    assert_eq!(shallow.get("msg").and_then(|c| c.as_str()), Some("no"));
    let params = shallow.get("params").unwrap();
    assert_eq!(params.raw, r#"{"a":[1,{"b":"\u0041"}]}"#);
    assert_eq!(params.as_object().map(|m| m.len()), Some(0), "nested contents are not built");
    assert_eq!(full.get("params").unwrap().as_object().map(|m| m.len()), Some(1));
    for bad in [r#"{"a":[1,}"#, r#"{"a":{"b":tru}}"#, r#"{"a":"\ud800"}"#, "[1] x"] {
        assert_eq!(json::parse_shallow(bad).unwrap_err(), json::parse(bad).unwrap_err(), "{bad}");
    }
}

/// Strings are scanned eight bytes at a time: a quote, a backslash or a control character at
/// every position of a word (and in the bytes after the last whole word), next to bytes that are
/// close to them (0x1f/0x20, 0x21/0x23, 0x5b/0x5d, 0x7f, 0x80, multi-byte UTF-8), parse and fail
/// exactly as serde_json says (and the shallow parse fails as the full one).
#[test]
fn string_scan_finds_every_special_byte_at_every_offset() {
    let fillers = ["a", " ", "!", "#", "[", "]", "\u{7f}", "é", "€", "😀"];
    let specials = ["\\\"", "\\\\", "\\n", "\\u0041", "\"", "\u{1f}", "\n", "\u{0}"];
    let mut st = Stats::default();
    for filler in fillers {
        for len in 0..20 {
            for at in 0..=len {
                for special in specials {
                    let body: String = (0..len).map(|i| if i == at { special.to_string() } else { filler.to_string() }).collect();
                    let with = if at == len { format!("{body}{special}") } else { body };
                    for text in [format!("[\"{with}\",\"{}\"]", filler.repeat(len)), format!("{{\"k{with}\":{{\"n\":\"{with}\"}}}}")] {
                        oracle(&text, &mut st);
                        assert_eq!(json::parse_shallow(&text).err(), parse(&text).err(), "{text:?}");
                    }
                }
            }
        }
    }
    assert!(st.both_ok > 10_000 && st.both_err > 10_000, "{st:?}");
}

/// `parse_shallow_valid` (for text a JSON writer made) gives exactly what `parse_shallow` gives on
/// valid JSON: the same top level with the same raw texts, and the depth limit's error at the same
/// offset, with brackets and quotes inside strings not counted as structure.
#[test]
fn shallow_parse_of_valid_text_is_the_shallow_parse() {
    let mut r = Rng(0x2545_F491_4F6C_DD1D);
    let mut compared = 0;
    for _ in 0..20_000 {
        let doc = gen_doc(&mut r, true);
        let wrapped = format!(r#"{{"a":{doc},"b":[{doc},"]}}\"[{{"],"c":{{"x":{doc}}}}}"#);
        for text in [&doc, &wrapped] {
            if parse(text).is_err() {
                continue; // the generator's depth can pass the limit: compared below
            }
            assert_eq!(json::parse_shallow_valid(text), json::parse_shallow(text), "{text:?}");
            compared += 1;
        }
    }
    assert!(compared > 30_000, "{compared}");
    for (depth, inner) in [(MAX_DEPTH, "1"), (MAX_DEPTH + 1, "1"), (MAX_DEPTH + 5, r#""[{\"]""#)] {
        let text = format!(r#"{{"d":{}{inner}{},"e":"{{"}}"#, "[".repeat(depth - 1), "]".repeat(depth - 1));
        assert_eq!(json::parse_shallow_valid(&text), json::parse_shallow(&text), "depth {depth}");
        let objects = format!(r#"{{"d":{}{inner}{}}}"#, r#"{"k":"#.repeat(depth - 1), "}".repeat(depth - 1));
        assert!(json::parse_shallow(&objects).is_ok() == (depth <= MAX_DEPTH), "{objects}");
        assert_eq!(json::parse_shallow_valid(&objects), json::parse_shallow(&objects), "object depth {depth}");
    }
    assert!(json::parse_shallow(&format!(r#"{{"d":{}1{}}}"#, "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH))).is_err(), "the limit is reached");
}

/// The same for long values, where the native pass goes sixteen bytes at a time: strings of every
/// length up to 70 made of brackets, quotes and backslashes (escaped), plain letters and
/// non-ASCII, at every alignment, nested; and the depth limit's offset with long strings between
/// the brackets.
#[test]
fn shallow_parse_of_long_valid_text_is_the_shallow_parse() {
    let mut r = Rng::new(0x9E37_79B9_7F4A_7C15);
    let pieces = ["a", "[", "]", "{", "}", "\\\"", "\\\\", "\\n", "é", " ", ":", ","];
    let string = |r: &mut Rng| -> String {
        let len = r.below(70);
        let mut s = String::from("\"");
        for _ in 0..len {
            s.push_str(r.pick(&pieces));
        }
        s.push('"');
        s
    };
    for _ in 0..5_000 {
        let mut value = string(&mut r);
        for _ in 0..r.below(5) {
            value = match r.below(3) {
                0 => format!("[{value},{},{value}]", string(&mut r)),
                1 => format!("{{{}:{value},\"k\":[1,{}]}}", string(&mut r), string(&mut r)),
                _ => format!("[{{}},[],{value},true]"),
            };
        }
        let pad = " ".repeat(r.below(17));
        let text = format!("{{{pad}\"a\":{value},\"b\":[{value}],\"c\":{}}}", string(&mut r));
        assert!(parse(&text).is_ok(), "{text}");
        assert_eq!(json::parse_shallow_valid(&text), json::parse_shallow(&text), "{text:?}");
    }
    for depth in [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, MAX_DEPTH + 3] {
        for filler in ["", r#""a long string, with [brackets] and \"quotes\"","#, r#""\\","#] {
            let text = format!(r#"{{"d":{}1{}}}"#, format!("[{filler}").repeat(depth), "]".repeat(depth));
            assert_eq!(json::parse_shallow_valid(&text), json::parse_shallow(&text), "depth {depth} {filler}");
        }
    }
}
