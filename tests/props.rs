//! Property tests of the pure core: "no panic, ever", on any input.
//!
//! Every property runs through `proptest::test_runner::TestRunner` (panics inside a case are
//! caught and shrunk like any other failure) with a deterministic RNG, so a CI failure
//! reproduces locally. Set `PROPS_SCALE=10` (an integer multiplier) for a longer local run,
//! `PROPS_RANDOM=1` for a fresh random seed per run.
//!
//! Case budget (PROPS_SCALE=1), sized for <= 60 s of `cargo test --test props` in debug on 2
//! cores (measured ~27 s wall, failures and shrinking included, on the 2-core reference machine):
//!
//! | property                                | cases |
//! | --------------------------------------- | ----- |
//! | prepare_arbitrary_strings               |  3000 |
//! | prepare_arbitrary_json_documents        |  3000 |
//! | prepare_inputs_from_the_action_params   |  6000 |
//! | json_parse_and_check_agree              |  6000 |
//! | json_documents_parse_as_expected        |  2000 |
//! | interpret_any_response                  |  6000 |
//! | error_to_json_is_always_valid           |  3000 |
//! | base_url_is_https_or_loopback           |  6000 |
//! | misc_entry_points_never_panic           |  2000 |
//! | jwt_and_limiter_never_panic             |  2000 |
//! | redact_removes_literal_secrets          |  3000 |
//! | redact_removes_secret_used_as_code      |   500 |
//! | redact_removes_json_escaped_secrets     |   500 |
//! | redact_keeps_params_valid_json          |   500 |
//! | redact_before_truncation                |   500 |
//! | **total**                               | 44000 |
//!
//! Each test prints its case count, result mix and time on stderr (not captured), and the
//! `zz_total_case_budget` test prints the total.

use iterable_wasm::core::{
    self,
    defs::{self, ActionDef, Format, Loc, Method, ResponseKind, Ty},
    error::{codes, ApiError, Issue},
    json, jwt, request,
    response::{self, Payload},
};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::{BoxedStrategy, Strategy};
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serde_json::Value;
use std::cell::Cell;
use std::io::Write;
use std::time::Instant;

// ------------------------------------------------------------------------------------------
// Runner
// ------------------------------------------------------------------------------------------

const CASES: &[(&str, u32)] = &[
    ("prepare_arbitrary_strings", 3000),
    ("prepare_arbitrary_json_documents", 3000),
    ("prepare_inputs_from_the_action_params", 6000),
    ("json_parse_and_check_agree", 6000),
    ("json_documents_parse_as_expected", 2000),
    ("interpret_any_response", 6000),
    ("error_to_json_is_always_valid", 3000),
    ("base_url_is_https_or_loopback", 6000),
    ("misc_entry_points_never_panic", 2000),
    ("jwt_and_limiter_never_panic", 2000),
    ("redact_removes_literal_secrets", 3000),
    ("redact_removes_secret_used_as_code", 500),
    ("redact_removes_json_escaped_secrets", 500),
    ("redact_keeps_params_valid_json", 500),
    ("redact_before_truncation", 500),
];

fn scale() -> u32 {
    std::env::var("PROPS_SCALE").ok().and_then(|s| s.parse().ok()).filter(|s| *s > 0).unwrap_or(1)
}

fn cases(name: &str) -> u32 {
    CASES.iter().find(|(n, _)| *n == name).map(|(_, c)| *c).expect("listed in CASES") * scale()
}

/// Written straight to the process's stderr so that libtest does not capture it.
fn say(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// Runs `test` on `cases(name)` values of `strategy`; `stats` describes the result mix.
fn run<S: Strategy>(name: &str, strategy: S, stats: impl Fn() -> String, test: impl Fn(S::Value) -> Result<(), TestCaseError>) {
    let n = cases(name);
    let config = Config {
        cases: n,
        failure_persistence: None,
        max_shrink_time: 30_000,
        max_shrink_iters: 4096,
        max_global_rejects: 100_000,
        ..Config::default()
    };
    let rng = if std::env::var_os("PROPS_RANDOM").is_some() {
        TestRng::from_seed(RngAlgorithm::ChaCha, &rand_seed())
    } else {
        TestRng::deterministic_rng(RngAlgorithm::ChaCha)
    };
    let mut runner = TestRunner::new_with_rng(config, rng);
    let start = Instant::now();
    let result = runner.run(&strategy, test);
    say(&format!("props: {name}: {n} cases in {:.2?} ({})", start.elapsed(), stats()));
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
}

fn rand_seed() -> [u8; 32] {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(1);
    let mut s = [0u8; 32];
    for (i, b) in s.iter_mut().enumerate() {
        *b = (t >> ((i % 16) * 8)) as u8 ^ i as u8;
    }
    say(&format!("props: PROPS_RANDOM seed {s:?}"));
    s
}

fn bump(c: &Cell<u64>) {
    c.set(c.get() + 1);
}

#[test]
fn zz_total_case_budget() {
    let total: u32 = CASES.iter().map(|(_, c)| c * scale()).sum();
    say(&format!("props: total case budget {total} over {} properties (PROPS_SCALE={})", CASES.len(), scale()));
}

// ------------------------------------------------------------------------------------------
// A JSON model we render ourselves, so documents can hold what serde_json cannot (lone
// surrogate escapes, duplicate keys, numbers beyond f64, nesting past 128) and we know for
// each one whether the core's strict parser must accept it.
// ------------------------------------------------------------------------------------------

/// A piece of string content.
#[derive(Clone, Debug)]
enum P {
    /// Written as is (escaped only where JSON requires: `"`, `\`, controls).
    Lit(char),
    /// Written as an escape (`\n`-style when there is one, else `\uXXXX`, pairs above U+FFFF).
    Esc(char),
    /// `\uD800`-`\uDFFF` on its own.
    Lone(u16),
}

#[derive(Clone, Debug)]
struct S(Vec<P>);

#[derive(Clone, Debug)]
enum J {
    Null,
    Bool(bool),
    /// Valid JSON number text.
    Num(String),
    Str(S),
    /// Elements, whitespace style.
    Arr(Vec<J>, u8),
    /// Members (duplicates allowed), whitespace style.
    Obj(Vec<(S, J)>, u8),
}

impl S {
    fn lit(s: &str) -> S {
        S(s.chars().map(P::Lit).collect())
    }

    /// The decoded string, or None when an unpaired surrogate makes it invalid.
    fn decoded(&self) -> Option<String> {
        let mut out = String::new();
        let mut i = 0;
        while i < self.0.len() {
            match self.0[i] {
                P::Lit(c) | P::Esc(c) => out.push(c),
                P::Lone(hi @ 0xD800..=0xDBFF) => match self.0.get(i + 1) {
                    Some(P::Lone(lo @ 0xDC00..=0xDFFF)) => {
                        out.push(char::from_u32(0x10000 + ((hi as u32 - 0xD800) << 10) + (*lo as u32 - 0xDC00))?);
                        i += 1;
                    }
                    _ => return None,
                },
                P::Lone(_) => return None,
            }
            i += 1;
        }
        Some(out)
    }

    fn render(&self, out: &mut String) {
        out.push('"');
        for p in &self.0 {
            match *p {
                P::Lit(c) if c != '"' && c != '\\' && c >= ' ' => out.push(c),
                P::Lit(c) | P::Esc(c) => esc(c, out),
                P::Lone(u) => out.push_str(&format!("\\u{u:04x}")),
            }
        }
        out.push('"');
    }
}

fn esc(c: char, out: &mut String) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '/' => out.push_str("\\/"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        _ => {
            let mut buf = [0u16; 2];
            for (i, u) in c.encode_utf16(&mut buf).iter().enumerate() {
                // Mix upper- and lower-case hex.
                if (c as u32 + i as u32).is_multiple_of(2) {
                    out.push_str(&format!("\\u{u:04x}"));
                } else {
                    out.push_str(&format!("\\u{u:04X}"));
                }
            }
        }
    }
}

fn ws(style: u8) -> &'static str {
    match style % 5 {
        0 | 1 => "",
        2 => " ",
        3 => "\n  ",
        _ => "\t\r\n ",
    }
}

impl J {
    fn render(&self, out: &mut String) {
        match self {
            J::Null => out.push_str("null"),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Num(n) => out.push_str(n),
            J::Str(s) => s.render(out),
            J::Arr(items, w) => {
                out.push('[');
                out.push_str(ws(*w));
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(ws(*w));
                        out.push(',');
                        out.push_str(ws(*w));
                    }
                    v.render(out);
                }
                out.push_str(ws(*w));
                out.push(']');
            }
            J::Obj(members, w) => {
                out.push('{');
                out.push_str(ws(*w));
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                        out.push_str(ws(*w));
                    }
                    k.render(out);
                    out.push_str(ws(*w));
                    out.push(':');
                    out.push_str(ws(*w));
                    v.render(out);
                }
                out.push_str(ws(*w));
                out.push('}');
            }
        }
    }

    fn text(&self) -> String {
        let mut s = String::new();
        self.render(&mut s);
        s
    }

    /// Nesting depth: 0 for scalars, 1 for `[]`.
    fn depth(&self) -> usize {
        match self {
            J::Arr(items, _) => 1 + items.iter().map(J::depth).max().unwrap_or(0),
            J::Obj(members, _) => 1 + members.iter().map(|(_, v)| v.depth()).max().unwrap_or(0),
            _ => 0,
        }
    }

    fn strings_ok(&self) -> bool {
        match self {
            J::Str(s) => s.decoded().is_some(),
            J::Arr(items, _) => items.iter().all(J::strings_ok),
            J::Obj(members, _) => members.iter().all(|(k, v)| k.decoded().is_some() && v.strings_ok()),
            _ => true,
        }
    }

    /// Whether the core's strict parser must accept this document.
    fn valid(&self) -> bool {
        self.depth() <= json::MAX_DEPTH && self.strings_ok()
    }

    /// The text a scalar takes in a URL: the decoded string, other values as written.
    fn url_text(&self) -> String {
        match self {
            J::Str(s) => s.decoded().unwrap_or_default(),
            other => other.text(),
        }
    }
}

// ------------------------------------------------------------------------------------------
// Strategies
// ------------------------------------------------------------------------------------------

/// Any char, biased to the interesting ones.
fn any_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => any::<char>(),
        2 => select(vec!['"', '\\', '/', '\n', '\r', '\t', '\u{0}', '\u{1f}', '\u{7f}', '\u{2028}', '\u{fffd}', '\u{feff}', '😀', '{', '}', '%', '.', '?', '#', '&', '=', '+', ' ']),
        2 => prop::char::range('a', 'z'),
    ]
}

/// Raw unicode text (every char, controls included).
fn any_text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(any_char(), 0..max).prop_map(|v| v.into_iter().collect())
}

/// Random bytes made into text the way a lossy decoder would.
fn lossy_text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<u8>(), 0..max).prop_map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// Tokens of JSON, shuffled: reaches deep into the parser's error paths.
fn token_soup() -> impl Strategy<Value = String> {
    let tokens = vec![
        "{", "}", "[", "]", "\"", ":", ",", "\\", "\\u", "\\ud800", "\\udc00", "\\uD83D\\uDE00", "u", "d8", "00", "e", "E", "-", "+", ".", "0", "1", "9", " ", "\n",
        "null", "true", "fals", "nul", "\"a\"", "\"__proto__\"", "1e400", "\u{0}", "é", "😀", "\\n", "\\x", "NaN", "Infinity", "0x1", "01", "'", "/*", "\u{feff}",
    ];
    prop::collection::vec(select(tokens), 0..60).prop_map(|t| t.concat())
}

fn piece() -> impl Strategy<Value = P> {
    prop_oneof![
        20 => any_char().prop_map(P::Lit),
        4 => any_char().prop_map(P::Esc),
        1 => (0xD800u16..=0xDFFF).prop_map(P::Lone),
    ]
}

/// A string, sometimes special (path tricks, huge), sometimes with a lone surrogate.
fn jstr() -> impl Strategy<Value = S> {
    prop_oneof![
        12 => prop::collection::vec(piece(), 0..12).prop_map(S),
        3 => select(vec!["", ".", "..", "/", "../..", "a/b", "%2e%2e", "?a=1#b", "{id}", "__proto__", "constructor", "😀", "\u{0}\u{1}", " ", "user+tag@example.com", "2024-01-01T00:00:00Z"]).prop_map(S::lit),
        1 => (1usize..3000, any_char()).prop_map(|(n, c)| S(vec![P::Lit(c); n])),
    ]
}

fn key() -> impl Strategy<Value = S> {
    prop_oneof![
        4 => jstr(),
        2 => select(vec!["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "", "a", "b", "email", "userId", "campaignId", "listId", "dataFields"]).prop_map(S::lit),
    ]
}

/// Number text: ordinary, boundary and far beyond any float or integer type.
fn num() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<i64>().prop_map(|i| i.to_string()),
        2 => any::<i32>().prop_map(|i| i.to_string()),
        2 => any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| format!("{f:?}")),
        3 => select(vec![
            "0", "-0", "-0.0", "0e0", "0E-0", "1E+2", "1e-2", "1.5", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
            "-9223372036854775809", "2147483647", "2147483648", "-2147483648", "-2147483649", "1e400", "-1e400", "1e-400", "1e999999999999",
            "123456789012345678901234567890", "9007199254740993", "4294967296", "1.0",
        ])
        .prop_map(str::to_string),
        1 => (1usize..600).prop_map(|n| format!("1{}", "0".repeat(n))),
        1 => "-?[1-9][0-9]{0,30}(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,5})?",
    ]
}

fn leaf() -> impl Strategy<Value = J> {
    prop_oneof![
        1 => Just(J::Null),
        1 => any::<bool>().prop_map(J::Bool),
        3 => num().prop_map(J::Num),
        4 => jstr().prop_map(J::Str),
    ]
}

/// Ordinary documents: up to 6 levels, duplicate and hostile keys.
fn doc() -> BoxedStrategy<J> {
    leaf()
        .prop_recursive(6, 48, 6, |inner| {
            prop_oneof![
                (prop::collection::vec(inner.clone(), 0..6), any::<u8>()).prop_map(|(v, w)| J::Arr(v, w)),
                (prop::collection::vec((key(), inner), 0..6), any::<u8>()).prop_map(|(m, w)| J::Obj(m, w)),
            ]
        })
        .boxed()
}

/// A chain of `n` arrays/objects around a leaf (the innermost level is the first kind).
fn nest(n: usize, kinds: &[bool], leaf: J) -> J {
    let mut v = leaf;
    for i in 0..n {
        v = if kinds[i % kinds.len()] { J::Arr(vec![v], (i % 5) as u8) } else { J::Obj(vec![(S::lit("k"), v)], (i % 5) as u8) };
    }
    v
}

/// Deep documents: up to 200 levels, often right around the limit of 128.
fn deep() -> BoxedStrategy<J> {
    (prop_oneof![2 => 1usize..=200, 3 => 124usize..=132], prop::collection::vec(any::<bool>(), 1..8), leaf()).prop_map(|(n, kinds, leaf)| nest(n, &kinds, leaf)).boxed()
}

/// Any document, with the top level an object most of the time.
fn any_doc() -> BoxedStrategy<J> {
    prop_oneof![
        6 => (prop::collection::vec((key(), doc()), 0..6), any::<u8>()).prop_map(|(m, w)| J::Obj(m, w)),
        2 => doc(),
        2 => deep(),
        1 => deep().prop_map(|d| J::Obj(vec![(S::lit("dataFields"), d)], 0)),
    ]
    .boxed()
}

/// Text built from a document by a small mutation (truncation, insertion, deletion).
fn mutated(d: &J, at: usize, how: u8, c: char) -> String {
    let t = d.text();
    let mut cut = at % (t.len() + 1);
    while !t.is_char_boundary(cut) {
        cut -= 1;
    }
    match how % 3 {
        0 => t[..cut].to_string(),
        1 => format!("{}{c}{}", &t[..cut], &t[cut..]),
        _ => {
            let mut end = cut + 1;
            while end < t.len() && !t.is_char_boundary(end) {
                end += 1;
            }
            format!("{}{}", &t[..cut], t.get(end..).unwrap_or(""))
        }
    }
}

fn any_string() -> BoxedStrategy<String> {
    prop_oneof![
        3 => any_text(200),
        2 => lossy_text(200),
        3 => token_soup(),
        3 => (any_doc(), any::<usize>(), any::<u8>(), any_char()).prop_map(|(d, at, how, c)| mutated(&d, at, how, c)),
        1 => (1usize..20_000, any_char()).prop_map(|(n, c)| c.to_string().repeat(n)),
    ]
    .boxed()
}

fn def_index() -> impl Strategy<Value = usize> {
    0..defs::count()
}

fn def_at(i: usize) -> &'static ActionDef {
    defs::get(i)
}

/// A value that fits the param (mostly; sometimes a boundary or a path trick).
fn good_value(ty: Ty, format: Format, enums: &[String], items: Option<(Ty, Format)>, nested: bool) -> BoxedStrategy<J> {
    match ty {
        Ty::String if !enums.is_empty() => prop_oneof![9 => select(enums.to_vec()).prop_map(|e| J::Str(S::lit(&e))), 1 => jstr().prop_map(J::Str)].boxed(),
        Ty::String => prop_oneof![
            3 => "[a-zA-Z0-9@._+-]{1,20}".prop_map(|s| J::Str(S::lit(&s))),
            3 => jstr().prop_map(J::Str),
        ]
        .boxed(),
        Ty::Integer => {
            let ok = if format == Format::Int32 { (i32::MIN as i64..=i32::MAX as i64).boxed() } else { any::<i64>().boxed() };
            prop_oneof![
                6 => ok.prop_map(|i| J::Num(i.to_string())),
                1 => select(vec!["2147483648", "-2147483649", "9223372036854775808", "1.0", "1e2", "-0", "0", "12345678901234567890123"]).prop_map(|s| J::Num(s.into())),
            ]
            .boxed()
        }
        Ty::Number => num().prop_map(J::Num).boxed(),
        Ty::Boolean => any::<bool>().prop_map(J::Bool).boxed(),
        Ty::Object => prop_oneof![
            4 => (prop::collection::vec((key(), doc()), 0..4), any::<u8>()).prop_map(|(m, w)| J::Obj(m, w)),
            1 => deep().prop_map(|d| J::Obj(vec![(S::lit("k"), d)], 0)),
        ]
        .boxed(),
        Ty::Array => match items {
            Some((ity, ifmt)) if !nested => (prop::collection::vec(good_value(ity, ifmt, &[], None, true), 0..4), any::<u8>()).prop_map(|(v, w)| J::Arr(v, w)).boxed(),
            _ => (prop::collection::vec(doc(), 0..4), any::<u8>()).prop_map(|(v, w)| J::Arr(v, w)).boxed(),
        },
    }
}

fn format_of(rules: Option<&json::Node>) -> Format {
    match rules.and_then(|r| r.get("format")).and_then(|f| f.as_str()) {
        Some("int32") => Format::Int32,
        Some("int64") => Format::Int64,
        Some("double") => Format::Double,
        Some("date-time") => Format::DateTime,
        _ => Format::None,
    }
}

fn enum_of(rules: Option<&json::Node>) -> Vec<String> {
    let list = rules.and_then(|r| r.get("enum").or_else(|| r.get("enumCi"))).and_then(|e| e.as_array());
    list.map(|l| l.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

fn items_of(rules: Option<&json::Node>) -> Option<(Ty, Format)> {
    let items = rules?.get("items")?;
    let ty = match items.get("type").and_then(|t| t.as_str()) {
        Some("integer") => Ty::Integer,
        Some("number") => Ty::Number,
        Some("boolean") => Ty::Boolean,
        Some("object") => Ty::Object,
        Some("array") => Ty::Array,
        _ => Ty::String,
    };
    Some((ty, format_of(Some(items))))
}

/// An input object built from the action's own params: right or wrong types, nulls, missing
/// required params, unknown keys, duplicates, any order.
fn param_input(def: &'static ActionDef) -> BoxedStrategy<J> {
    let members: Vec<BoxedStrategy<Option<(S, J)>>> = def
        .params
        .iter()
        .map(|p| {
            let value = prop_oneof![
                12 => good_value(p.ty, format_of(p.rules.as_ref()), &enum_of(p.rules.as_ref()), items_of(p.rules.as_ref()), false),
                2 => doc(),
                1 => Just(J::Null),
            ];
            let keep = if p.required { 0.93 } else { 0.35 };
            let name = p.name.clone();
            prop::option::weighted(keep, value).prop_map(move |v| v.map(|v| (S::lit(&name), v))).boxed()
        })
        .collect();
    let extras = prop::option::weighted(0.08, prop::collection::vec((key(), doc()), 1..3));
    (members, extras, any::<u8>(), prop::option::weighted(0.05, any::<prop::sample::Index>()))
        .prop_flat_map(|(members, extras, w, dup)| {
            let mut m: Vec<(S, J)> = members.into_iter().flatten().collect();
            m.extend(extras.unwrap_or_default());
            if let (Some(i), false) = (dup, m.is_empty()) {
                let copy = m[i.index(m.len())].clone();
                m.push(copy);
            }
            Just(m).prop_shuffle().prop_map(move |m| J::Obj(m, w))
        })
        .boxed()
}

fn base() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(vec![request::US_BASE, request::EU_BASE, "http://127.0.0.1:4010", "http://localhost", "https://x.io/prefix", ""]).prop_map(str::to_string),
        1 => "[a-z:/.0-9]{0,20}",
    ]
}

// ------------------------------------------------------------------------------------------
// Checks
// ------------------------------------------------------------------------------------------

/// Whether `text` is one JSON value: serde_json says so, or it refuses only for its own limits
/// (nesting past 127, numbers beyond f64), which JSON.parse does not have; those texts go
/// through `grammar_ok`, an independent RFC 8259 grammar check without such limits.
fn is_json(text: &str) -> bool {
    match serde_json::from_str::<Value>(text) {
        Ok(_) => true,
        Err(e) => {
            let m = e.to_string();
            (m.contains("recursion limit") || m.contains("number out of range")) && grammar_ok(text)
        }
    }
}

/// RFC 8259 grammar, iteratively (any depth), numbers as text, `\u` escapes unchecked.
fn grammar_ok(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    let skip = |i: &mut usize| {
        while *i < b.len() && matches!(b[*i], b' ' | b'\t' | b'\n' | b'\r') {
            *i += 1;
        }
    };
    let string = |i: &mut usize| -> bool {
        *i += 1;
        while *i < b.len() {
            match b[*i] {
                b'"' => {
                    *i += 1;
                    return true;
                }
                b'\\' => {
                    *i += 1;
                    match b.get(*i) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => *i += 1,
                        Some(b'u') if b.len() >= *i + 5 && b[*i + 1..*i + 5].iter().all(u8::is_ascii_hexdigit) => *i += 5,
                        _ => return false,
                    }
                }
                c if c < 0x20 => return false,
                _ => *i += 1,
            }
        }
        false
    };
    let digits = |i: &mut usize| {
        let s = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > s
    };
    // Stack of open containers: b'[' or b'{'.
    let mut stack: Vec<u8> = vec![];
    skip(&mut i);
    loop {
        // A value at i.
        match b.get(i) {
            Some(b'[') | Some(b'{') => {
                let open = b[i];
                i += 1;
                skip(&mut i);
                let close = if open == b'[' { b']' } else { b'}' };
                if b.get(i) == Some(&close) {
                    i += 1;
                } else {
                    stack.push(open);
                    if open == b'{' {
                        if b.get(i) != Some(&b'"') || !string(&mut i) {
                            return false;
                        }
                        skip(&mut i);
                        if b.get(i) != Some(&b':') {
                            return false;
                        }
                        i += 1;
                        skip(&mut i);
                    }
                    continue;
                }
            }
            Some(b'"') => {
                if !string(&mut i) {
                    return false;
                }
            }
            Some(b't') if b[i..].starts_with(b"true") => i += 4,
            Some(b'f') if b[i..].starts_with(b"false") => i += 5,
            Some(b'n') if b[i..].starts_with(b"null") => i += 4,
            Some(b'-' | b'0'..=b'9') => {
                if b[i] == b'-' {
                    i += 1;
                }
                match b.get(i) {
                    Some(b'0') => i += 1,
                    Some(b'1'..=b'9') => {
                        digits(&mut i);
                    }
                    _ => return false,
                }
                if b.get(i) == Some(&b'.') {
                    i += 1;
                    if !digits(&mut i) {
                        return false;
                    }
                }
                if matches!(b.get(i), Some(b'e' | b'E')) {
                    i += 1;
                    if matches!(b.get(i), Some(b'+' | b'-')) {
                        i += 1;
                    }
                    if !digits(&mut i) {
                        return false;
                    }
                }
            }
            _ => return false,
        }
        // After a value: close containers or go on to the next member.
        loop {
            skip(&mut i);
            let Some(&top) = stack.last() else {
                return i == b.len();
            };
            match b.get(i) {
                Some(b',') => {
                    i += 1;
                    skip(&mut i);
                    if top == b'{' {
                        if b.get(i) != Some(&b'"') || !string(&mut i) {
                            return false;
                        }
                        skip(&mut i);
                        if b.get(i) != Some(&b':') {
                            return false;
                        }
                        i += 1;
                        skip(&mut i);
                    }
                    break;
                }
                Some(b']') if top == b'[' => {
                    stack.pop();
                    i += 1;
                }
                Some(b'}') if top == b'{' => {
                    stack.pop();
                    i += 1;
                }
                _ => return false,
            }
        }
    }
}

/// serde_json's Value when it can hold the text (it cannot past 127 levels or beyond f64).
fn value_of(text: &str) -> Option<Value> {
    serde_json::from_str(text).ok()
}

fn percent_decode(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok()).ok_or_else(|| format!("bad escape in {s:?}"))?;
            out.push(h);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|e| e.to_string())
}

macro_rules! check {
    ($cond:expr, $($fmt:tt)*) => {
        if !$cond {
            return Err(TestCaseError::fail(format!($($fmt)*)));
        }
    };
}

fn check_validation_error(def: &ActionDef, e: &ApiError) -> Result<(), TestCaseError> {
    check!(e.code == codes::VALIDATION, "{}: error code {} ({})", def.id, e.code, e.message);
    check!(e.attempts == 0, "{}: attempts {}", def.id, e.attempts);
    check!(e.status.is_none() && !e.retryable, "{}: {e:?}", def.id);
    check!(!e.issues.is_empty(), "{}: validation error without issues", def.id);
    check!(e.action.as_deref() == Some(def.id), "{}: action {:?}", def.id, e.action);
    let j = e.to_json();
    check!(is_json(&j), "{}: to_json is not JSON: {j}", def.id);
    Ok(())
}

/// Checks a prepare() outcome. `input` is the document when we generated one, and `text` the
/// input text.
fn check_prepared(def: &ActionDef, text: &str, input: Option<&J>, base: &str, r: &Result<request::HttpRequest, ApiError>) -> Result<(), TestCaseError> {
    if let Some(d) = input {
        if !d.valid() {
            check!(r.is_err(), "{}: accepted an invalid document (depth {}, strings ok {}): {}", def.id, d.depth(), d.strings_ok(), excerpt(text));
        }
    }
    let req = match r {
        Err(e) => return check_validation_error(def, e),
        Ok(req) => req,
    };
    check!(req.method == def.method, "{}: method", def.id);
    check!(req.url.starts_with(base), "{}: url {} does not start with {base}", def.id, req.url);
    let after = &req.url[base.len()..];
    check!(!after.contains(['{', '}']), "{}: unreplaced placeholder in {}", def.id, req.url);
    check!(!after.contains(char::is_whitespace) && after.is_ascii(), "{}: raw text in url {}", def.id, req.url);
    let (path, query) = after.split_once('?').unwrap_or((after, ""));
    check!(!query.contains('?') && !after.contains('#'), "{}: url {}", def.id, req.url);
    let tpl: Vec<&str> = def.path.split('/').collect();
    let got: Vec<&str> = path.split('/').collect();
    check!(tpl.len() == got.len(), "{}: path {path} does not follow {}", def.id, def.path);
    for (t, g) in tpl.iter().zip(&got) {
        if t.starts_with('{') {
            check!(*g != "." && *g != ".." && !g.is_empty(), "{}: dot or empty segment {g:?} in {}", def.id, req.url);
        } else {
            check!(t == g, "{}: segment {g} for {t}", def.id);
        }
    }
    match &req.body {
        Some(b) => {
            check!(def.method != Method::Get, "{}: GET with a body", def.id);
            check!(is_json(b), "{}: body is not JSON: {}", def.id, excerpt(b));
            check!(req.headers.contains(&("Content-Type", "application/json")), "{}: no Content-Type", def.id);
        }
        None => check!(!req.headers.iter().any(|(k, _)| *k == "Content-Type"), "{}: Content-Type without a body", def.id),
    }
    check!(!req.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("api-key")), "{}: credentials in request", def.id);
    let Some(J::Obj(members, _)) = input else { return Ok(()) };
    // From here on we know the input: an object of known, unique keys.
    let given = |name: &str| members.iter().find(|(k, _)| k.decoded().as_deref() == Some(name)).map(|(_, v)| v).filter(|v| !matches!(v, J::Null));
    for (k, _) in members {
        let k = k.decoded().unwrap_or_default();
        check!(def.param(&k).is_some(), "{}: accepted unknown key {k:?}", def.id);
        check!(members.iter().filter(|(k2, _)| k2.decoded().as_deref() == Some(k.as_str())).count() == 1, "{}: accepted duplicate key {k:?}", def.id);
    }
    for p in def.params.iter().filter(|p| p.required) {
        check!(given(&p.name).is_some(), "{}: accepted a missing {}", def.id, p.name);
    }
    for (t, g) in tpl.iter().zip(&got) {
        if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            let v = given(name).ok_or_else(|| TestCaseError::fail(format!("{}: {name} not given", def.id)))?;
            let dec = percent_decode(g).map_err(TestCaseError::fail)?;
            check!(dec == v.url_text(), "{}: path param {name}: {dec:?} != {:?}", def.id, v.url_text());
        }
    }
    let mut expected = vec![];
    for p in def.params.iter().filter(|p| p.loc == Loc::Query) {
        match given(&p.name) {
            Some(J::Arr(items, _)) => expected.extend(items.iter().map(|v| (p.name.clone(), v.url_text()))),
            Some(v) => expected.push((p.name.clone(), v.url_text())),
            None => {}
        }
    }
    let mut got_q = vec![];
    if !query.is_empty() {
        for kv in query.split('&') {
            let (k, v) = kv.split_once('=').ok_or_else(|| TestCaseError::fail(format!("{}: query pair {kv}", def.id)))?;
            got_q.push((percent_decode(k).map_err(TestCaseError::fail)?, percent_decode(v).map_err(TestCaseError::fail)?));
        }
    }
    expected.sort();
    got_q.sort();
    check!(expected == got_q, "{}: query {got_q:?} != {expected:?}", def.id);
    // Body: exactly the given, non-null body params.
    let body_params: Vec<_> = def.params.iter().filter(|p| matches!(p.loc, Loc::Body | Loc::BodyRoot)).collect();
    if def.method == Method::Get || body_params.is_empty() {
        check!(req.body.is_none(), "{}: unexpected body", def.id);
        return Ok(());
    }
    let body = req.body.as_deref().ok_or_else(|| TestCaseError::fail(format!("{}: no body", def.id)))?;
    if let Some(root) = body_params.iter().find(|p| p.loc == Loc::BodyRoot) {
        if let Some(v) = given(&root.name) {
            check!(body == v.text(), "{}: root body {} != {}", def.id, excerpt(body), excerpt(&v.text()));
            return Ok(());
        }
    }
    let expected: Vec<(&str, &J)> = body_params.iter().filter(|p| p.loc == Loc::Body).filter_map(|p| given(&p.name).map(|v| (p.name.as_str(), v))).collect();
    // With serde_json when it can hold everything; else member by member, as text.
    let parsed = value_of(body).and_then(|b| {
        let want: Option<serde_json::Map<String, Value>> = expected.iter().map(|(k, v)| value_of(&v.text()).map(|v| (k.to_string(), v))).collect();
        want.map(|w| (b, w))
    });
    match parsed {
        Some((b, want)) => {
            let b = b.as_object().cloned().unwrap_or_default();
            let mut bk: Vec<&String> = b.keys().collect();
            let mut wk: Vec<&String> = want.keys().collect();
            bk.sort();
            wk.sort();
            check!(bk == wk, "{}: body keys {bk:?} != {wk:?}", def.id);
            for (k, v) in &want {
                check!(b.get(k) == Some(v), "{}: body member {k}: {:?} != {v:?}", def.id, b.get(k));
            }
        }
        None => {
            let node = json::parse(body).map_err(|e| TestCaseError::fail(format!("{}: body: {e}", def.id)))?;
            let got: Vec<(String, &str)> = node.as_object().unwrap_or(&[]).iter().map(|(k, v)| (k.to_string(), v.raw)).collect();
            let mut got: Vec<(String, String)> = got.into_iter().map(|(k, v)| (k, v.to_string())).collect();
            let mut want: Vec<(String, String)> = expected.iter().map(|(k, v)| (k.to_string(), v.text())).collect();
            got.sort();
            want.sort();
            check!(got == want, "{}: body {} != {want:?}", def.id, excerpt(body));
        }
    }
    Ok(())
}

fn excerpt(s: &str) -> String {
    if s.len() <= 300 {
        return s.to_string();
    }
    let mut end = 300;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}... ({} bytes)", &s[..end], s.len())
}

// ------------------------------------------------------------------------------------------
// prepare
// ------------------------------------------------------------------------------------------

#[test]
fn prepare_arbitrary_strings() {
    let ok = Cell::new(0);
    let err = Cell::new(0);
    run(
        "prepare_arbitrary_strings",
        (def_index(), any_string(), base()),
        || format!("{} ok, {} rejected", ok.get(), err.get()),
        |(i, text, base)| {
            let def = def_at(i);
            let r = core::prepare(def, &text, &base);
            bump(if r.is_ok() { &ok } else { &err });
            check_prepared(def, &text, None, &base, &r)
        },
    );
}

#[test]
fn prepare_arbitrary_json_documents() {
    let ok = Cell::new(0);
    let err = Cell::new(0);
    run(
        "prepare_arbitrary_json_documents",
        (def_index(), any_doc(), base(), any::<u8>()),
        || format!("{} ok, {} rejected", ok.get(), err.get()),
        |(i, d, base, w)| {
            let def = def_at(i);
            let text = format!("{}{}{}", ws(w), d.text(), ws(w / 5));
            let r = core::prepare(def, &text, &base);
            bump(if r.is_ok() { &ok } else { &err });
            check_prepared(def, &text, Some(&d), &base, &r)
        },
    );
}

#[test]
fn prepare_inputs_from_the_action_params() {
    let ok = Cell::new(0);
    let err = Cell::new(0);
    run(
        "prepare_inputs_from_the_action_params",
        (def_index().prop_flat_map(|i| (Just(i), param_input(def_at(i)))), base()),
        || format!("{} ok, {} rejected", ok.get(), err.get()),
        |((i, d), base)| {
            let def = def_at(i);
            let text = d.text();
            let r = core::prepare(def, &text, &base);
            bump(if r.is_ok() { &ok } else { &err });
            check_prepared(def, &text, Some(&d), &base, &r)
        },
    );
}

// ------------------------------------------------------------------------------------------
// json
// ------------------------------------------------------------------------------------------

#[test]
fn json_parse_and_check_agree() {
    let ok = Cell::new(0);
    let err = Cell::new(0);
    run(
        "json_parse_and_check_agree",
        any_string(),
        || format!("{} valid, {} invalid", ok.get(), err.get()),
        |text| {
            let parsed = json::parse(&text);
            let checked = json::check(&text);
            bump(if parsed.is_ok() { &ok } else { &err });
            check!(checked == parsed.as_ref().map(|_| ()).map_err(Clone::clone), "parse {:?} and check {checked:?} disagree on {:?}", parsed.as_ref().map(|_| ()), excerpt(&text));
            match &parsed {
                Ok(n) => {
                    check!(n.raw == text.trim_matches([' ', '\t', '\n', '\r']), "raw of the root is not the trimmed text");
                    check!(is_json(&text), "serde_json rejects what json::parse accepts: {}", excerpt(&text));
                }
                Err(e) => {
                    check!(e.offset <= text.len(), "offset {} past the end ({})", e.offset, text.len());
                    check!(!e.message.is_empty(), "empty error message");
                }
            }
            Ok(())
        },
    );
}

#[test]
fn json_documents_parse_as_expected() {
    let ok = Cell::new(0);
    let err = Cell::new(0);
    run(
        "json_documents_parse_as_expected",
        any_doc(),
        || format!("{} valid, {} invalid", ok.get(), err.get()),
        |d| {
            let text = d.text();
            let parsed = json::parse(&text);
            bump(if parsed.is_ok() { &ok } else { &err });
            check!(json::check(&text) == parsed.as_ref().map(|_| ()).map_err(Clone::clone), "parse and check disagree");
            check!(parsed.is_ok() == d.valid(), "parse gave {:?} for a document of depth {} (strings ok {}): {}", parsed.as_ref().err(), d.depth(), d.strings_ok(), excerpt(&text));
            // Our renderer and grammar check agree (lone surrogates are grammatical, as in JSON.parse).
            check!(grammar_ok(&text), "grammar_ok rejects a rendered document: {}", excerpt(&text));
            if d.strings_ok() {
                check!(is_json(&text), "is_json rejects a rendered document: {}", excerpt(&text));
            }
            Ok(())
        },
    );
}

// ------------------------------------------------------------------------------------------
// response
// ------------------------------------------------------------------------------------------

/// One def of each response kind, so rare kinds (jsonl: 2 of them all) get their share.
fn def_by_kind() -> impl Strategy<Value = usize> {
    let mut reps: Vec<usize> = vec![];
    for kind in [ResponseKind::Json, ResponseKind::Jsonl, ResponseKind::Csv, ResponseKind::Text, ResponseKind::Html] {
        if let Some(d) = defs::all().find(|d| d.response == kind) {
            reps.push(d.index);
        }
    }
    prop_oneof![def_index(), select(reps)]
}

fn code() -> impl Strategy<Value = J> {
    prop_oneof![
        3 => select(core::error::ITERABLE_FAILURE_CODES.to_vec()).prop_map(|c| J::Str(S::lit(c))),
        1 => select(vec!["Success", "", "ValidationError", "Aborted", " "]).prop_map(|c| J::Str(S::lit(c))),
        1 => jstr().prop_map(J::Str),
        1 => doc(),
    ]
}

/// `{msg, code, params}` with any of them missing, wrong-typed or huge, in any order.
fn envelope() -> BoxedStrategy<String> {
    let msg = prop_oneof![4 => jstr().prop_map(J::Str), 1 => doc(), 1 => (0usize..3000).prop_map(|n| J::Str(S::lit(&"m é\n".repeat(n))))];
    let params = prop_oneof![2 => Just(J::Null), 3 => doc(), 1 => deep()];
    (prop::option::weighted(0.8, code()), prop::option::weighted(0.8, msg), prop::option::weighted(0.7, params), prop::collection::vec((key(), doc()), 0..2), any::<u8>())
        .prop_flat_map(|(c, m, p, extra, w)| {
            let mut members: Vec<(S, J)> = vec![];
            members.extend(c.map(|c| (S::lit("code"), c)));
            members.extend(m.map(|m| (S::lit("msg"), m)));
            members.extend(p.map(|p| (S::lit("params"), p)));
            members.extend(extra);
            Just(members).prop_shuffle().prop_map(move |m| J::Obj(m, w).text())
        })
        .boxed()
}

fn response_body() -> BoxedStrategy<String> {
    prop_oneof![
        4 => envelope(),
        3 => any_string(),
        2 => any_doc().prop_map(|d| d.text()),
        1 => (any_text(100), any_text(100)).prop_map(|(t, b)| format!("<!DOCTYPE html><html><head><title>{t}</title></head><body>{b}</body></html>")),
        1 => (any_text(300)).prop_map(|b| format!("  <HTML><body><h1>{b}</h1>")),
        1 => prop::collection::vec(prop_oneof![3 => any_doc().prop_map(|d| d.text()), 1 => any_string()], 0..5).prop_map(|l| l.join("\n")),
        1 => (any_text(50), 0usize..20_000).prop_map(|(t, n)| t.repeat(n.min(200_000 / (t.len() + 1)))),
    ]
    .boxed()
}

fn retry_after() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop_oneof![
        select(vec!["", "0", "-1", "5", " 5 ", "1.5", "1e308", "1e306", "1e400", "NaN", "inf", "-0", "Wed, 21 Oct 2015 07:28:00 GMT", "+3", "0x10"]).prop_map(str::to_string),
        any_text(20),
    ])
}

#[test]
fn interpret_any_response() {
    let ok = Cell::new(0);
    let err = Cell::new(0);
    run(
        "interpret_any_response",
        (def_by_kind(), prop_oneof![0u16..=999, 200u16..300, select(vec![0u16, 200, 202, 204, 400, 401, 404, 429, 500, 503])], response_body(), retry_after()),
        || format!("{} ok, {} errors", ok.get(), err.get()),
        |(i, status, body, ra)| {
            let def = def_at(i);
            let r = response::interpret(def, status, &body, ra.as_deref());
            bump(if r.is_ok() { &ok } else { &err });
            match r {
                Ok(p) => {
                    check!((200..300).contains(&status), "{}: Ok for status {status}", def.id);
                    match p {
                        Payload::Json(t) => {
                            check!(matches!(def.response, ResponseKind::Json | ResponseKind::Jsonl), "{}: JSON payload for {:?}", def.id, def.response);
                            check!(is_json(&t), "{}: 2xx payload is not JSON: {}", def.id, excerpt(&t));
                        }
                        Payload::Text(t) => {
                            check!(!matches!(def.response, ResponseKind::Json | ResponseKind::Jsonl), "{}: text payload for json", def.id);
                            check!(t == body, "{}: text payload changed", def.id);
                        }
                    }
                }
                Err(e) => {
                    check!(!e.code.is_empty(), "{}: empty code for status {status}, body {}", def.id, excerpt(&body));
                    let n = e.message.chars().count();
                    check!(!e.message.is_empty() && n <= 600, "{}: message of {n} chars for status {status}, body {}", def.id, excerpt(&body));
                    check!(e.status == Some(status), "{}: status {:?} != {status}", def.id, e.status);
                    check!(e.action.as_deref() == Some(def.id), "{}: action {:?}", def.id, e.action);
                    check!(e.body.as_ref().is_none_or(|b| b.chars().count() <= 601), "{}: body excerpt of {} chars", def.id, e.body.as_ref().map_or(0, |b| b.chars().count()));
                    if let Some(p) = &e.params {
                        check!(is_json(p), "{}: params not JSON: {}", def.id, excerpt(p));
                    }
                    let j = e.to_json();
                    check!(is_json(&j), "{}: to_json is not JSON: {}", def.id, excerpt(&j));
                }
            }
            Ok(())
        },
    );
}

// ------------------------------------------------------------------------------------------
// error::to_json
// ------------------------------------------------------------------------------------------

fn realistic_params() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop_oneof![3 => doc(), 1 => deep()].prop_filter_map("parser would reject it", |d| d.valid().then(|| d.text())))
}

fn arb_error() -> impl Strategy<Value = ApiError> {
    (
        (any_string(), any_string(), prop::option::of(0u16..=999), any::<bool>(), prop::option::of(any_string())),
        (any::<u32>(), realistic_params(), prop::collection::vec((any_text(40), any_text(80)), 0..4), prop::option::of(any_string()), prop::option::of(any::<f64>())),
    )
        .prop_map(|((code, message, status, retryable, action), (attempts, params, issues, body, ra))| {
            let mut e = if issues.is_empty() {
                ApiError::new(&code, message)
            } else {
                ApiError::validation(issues.into_iter().map(|(param, message)| Issue { param, message }).collect())
            };
            e.status = status;
            e.retryable = retryable;
            e.action = action;
            e.attempts = attempts;
            e.params = params;
            e.body = body;
            e.retry_after_ms = ra;
            e
        })
}

fn check_error_json(e: &ApiError) -> Result<(), TestCaseError> {
    let j = e.to_json();
    check!(is_json(&j), "to_json is not JSON: {}", excerpt(&j));
    if let Some(v) = value_of(&j) {
        check!(v["code"] == Value::String(e.code.clone()), "code did not round-trip");
        check!(v["message"] == Value::String(e.message.clone()), "message did not round-trip");
        check!(v["attempts"] == e.attempts, "attempts did not round-trip");
        check!(v["retryable"] == Value::Bool(e.retryable), "retryable did not round-trip");
        check!(v.get("action").map(|a| a.as_str()) == e.action.as_ref().map(|a| Some(a.as_str())), "action did not round-trip");
        check!(v.get("body").map(|a| a.as_str()) == e.body.as_ref().map(|a| Some(a.as_str())), "body did not round-trip");
        check!(v.get("status").and_then(Value::as_u64) == e.status.map(u64::from), "status did not round-trip");
        if let Some(p) = e.params.as_deref().and_then(value_of) {
            check!(v["params"] == p, "params did not round-trip");
        }
        let issues = v.get("issues").and_then(Value::as_array).map(Vec::len).unwrap_or(0);
        check!(issues == e.issues.len(), "issues did not round-trip");
        for (i, issue) in e.issues.iter().enumerate() {
            check!(v["issues"][i]["param"] == Value::String(issue.param.clone()) && v["issues"][i]["message"] == Value::String(issue.message.clone()), "issue {i} did not round-trip");
        }
    }
    Ok(())
}

#[test]
fn error_to_json_is_always_valid() {
    let direct = Cell::new(0);
    let via = Cell::new(0);
    run(
        "error_to_json_is_always_valid",
        prop_oneof![
            arb_error().prop_map(Ok),
            (def_index(), prop_oneof![0u16..200, 300u16..=999, 200u16..300], envelope()).prop_map(Err),
        ],
        || format!("{} built directly, {} from responses", direct.get(), via.get()),
        |c| match c {
            Ok(e) => {
                bump(&direct);
                check_error_json(&e)
            }
            Err((i, status, body)) => {
                bump(&via);
                match response::interpret(def_at(i), status, &body, None) {
                    Ok(_) => Ok(()),
                    Err(e) => check_error_json(&e),
                }
            }
        },
    );
}

// ------------------------------------------------------------------------------------------
// base_url
// ------------------------------------------------------------------------------------------

/// Whether `u` is a plain-http URL whose host, read the way a WHATWG URL parser reads it
/// (authority ends at / \ ? #; bracketed IPv6; port after the last ':'), is loopback: localhost,
/// [::1] or a dotted 127.x address of decimal digits. A URL that is not loopback here either is
/// not a URL at all or names another host.
fn is_loopback_http(u: &str) -> bool {
    let Some(rest) = u.get(..7).filter(|s| s.eq_ignore_ascii_case("http://")).map(|_| &u[7..]) else { return false };
    let auth = rest.split(['/', '\\', '?', '#']).next().unwrap_or("");
    if auth.contains('@') {
        return false;
    }
    let host = if auth.starts_with('[') {
        match auth.find(']') {
            Some(i) => &auth[..=i],
            None => return false,
        }
    } else {
        auth.rsplit_once(':').map(|(h, _)| h).unwrap_or(auth)
    };
    let host = host.to_ascii_lowercase();
    if host == "localhost" || host == "[::1]" {
        return true;
    }
    let parts: Vec<&str> = host.split('.').collect();
    parts[0] == "127" && parts.iter().all(|p| !p.is_empty() && p.len() <= 10 && p.bytes().all(|b| b.is_ascii_digit()))
}

fn url_like() -> impl Strategy<Value = String> {
    let scheme = select(vec!["https://", "http://", "HTTP://", "Https://", "ftp://", "", "https:/", "//", "http:", "javascript:"]);
    let userinfo = select(vec!["", "", "", "user@", "a:b@", "127.0.0.1@", "localhost:80@"]);
    let host = prop_oneof![
        4 => select(vec![
            "localhost", "LOCALHOST", "127.0.0.1", "127.1", "127.0.0.01", "127.255.255.255", "127.+0.+0.+1", "127.0.0.1.evil.com", "127.0.0.1.1",
            "[::1]", "[::1]evil.com", "[::ffff:127.0.0.1]", "evil.com", "0x7f.0.0.1", "2130706433", "localhost.evil.com", "api.iterable.com",
            "127.0.0.1\\@evil.com", "localhost\\evil.com", "127.", "127..1", "", "[", "[]", "127.0.0.1%2f", "ⓛocalhost", "127.0.0.1\u{0}.evil.com",
        ])
        .prop_map(str::to_string),
        1 => any_text(12),
        1 => "127(\\.[+0-9]{1,4}){0,5}",
    ];
    let port = select(vec!["", "", ":80", ":", ":abc", ":+1", ":99999", ":8080@evil.com", ":1:2"]);
    let tail = prop_oneof![select(vec!["", "/", "/x/", "///", "\\", "?q=1", "#f", " ", "\t", "/a b", "/@evil"]).prop_map(str::to_string), any_text(10)];
    (scheme, userinfo, host, port, tail).prop_map(|(s, u, h, p, t)| format!("{s}{u}{h}{p}{t}"))
}

#[test]
fn base_url_is_https_or_loopback() {
    let ok = Cell::new(0);
    let err = Cell::new(0);
    let region = prop::option::of(prop_oneof![select(vec!["us", "eu", "US", "EU", "Eu", "", "mars"]).prop_map(str::to_string), any_text(40)]);
    let url = prop::option::of(prop_oneof![3 => url_like(), 1 => any_string()]);
    run(
        "base_url_is_https_or_loopback",
        (region, url),
        || format!("{} ok, {} rejected", ok.get(), err.get()),
        |(region, url)| {
            let r = request::base_url(region.as_deref(), url.as_deref());
            bump(if r.is_ok() { &ok } else { &err });
            match r {
                Ok(u) => {
                    check!(u.starts_with("https://") || is_loopback_http(&u), "{url:?} gave {u:?}, neither https nor loopback http");
                    check!(!u.contains(char::is_whitespace), "{url:?} gave {u:?} with whitespace");
                }
                Err(e) => {
                    check!(e.code == codes::VALIDATION && e.attempts == 0, "{e:?}");
                    check!(is_json(&e.to_json()), "to_json");
                }
            }
            Ok(())
        },
    );
}

// ------------------------------------------------------------------------------------------
// Other entry points that take outside text
// ------------------------------------------------------------------------------------------

#[test]
fn misc_entry_points_never_panic() {
    run(
        "misc_entry_points_never_panic",
        (any_string(), 0usize..300, any::<u32>(), any::<f64>(), prop::option::of(any::<f64>())),
        String::new,
        |(text, max, retry, random, ra)| {
            match core::action(&text) {
                Ok(d) => check!(d.id == text, "action({text:?}) gave {}", d.id),
                Err(e) => check!(e.code == codes::VALIDATION && is_json(&e.to_json()), "action: {e:?}"),
            }
            if let Err(e) = core::check_api_key(&text) {
                check!(e.code == codes::VALIDATION, "check_api_key: {e:?}");
            }
            let ex = core::error::excerpt(&text, max);
            check!(ex.chars().count() <= max + 1, "excerpt of {max} gave {} chars", ex.chars().count());
            let _ = response::retry_after_ms(Some(&text));
            let _ = core::retry::delay_ms(retry, random, ra);
            let _ = core::error::redact(&text, &[&text, "", "abcd"]);
            let mut out = String::new();
            json::write_str(&mut out, &text);
            check!(value_of(&out) == Some(Value::String(text.clone())), "write_str did not round-trip");
            let _ = core::rate::parse(&text);
            let _ = jwt::b64url_decode(&text);
            if jwt::check(&text).is_ok() {
                check!(text.len() <= 16 * 1024 && text.split('.').count() == 3, "jwt::check accepted {}", excerpt(&text));
                check!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.=".contains(&b)), "jwt::check accepted a header-unsafe {}", excerpt(&text));
            }
            check!(jwt::expiry_ms(&text).is_none_or(f64::is_finite), "expiry_ms");
            let _ = jwt::needs_refresh(ra, random);
            Ok(())
        },
    );
}

fn b64url(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
        for k in 0..=c.len() {
            out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
        }
    }
    out
}

#[test]
fn jwt_and_limiter_never_panic() {
    let with_exp = Cell::new(0);
    run(
        "jwt_and_limiter_never_panic",
        (
            prop_oneof![
                3 => (prop_oneof![any_doc().prop_map(|d| d.text()), num().prop_map(|n| format!("{{\"exp\":{n}}}")), lossy_text(40)], "[A-Za-z0-9_-]{0,20}")
                    .prop_map(|(payload, sig)| format!("eyJhbGciOiJIUzI1NiJ9.{}.{sig}", b64url(payload.as_bytes()))),
                1 => any_string(),
            ],
            (any::<u32>(), any::<u32>(), select(vec![core::rate::Scope::Project, core::rate::Scope::ApiKey, core::rate::Scope::Organization])),
            prop::collection::vec(prop_oneof![any::<f64>(), 0f64..1e13], 1..20),
        ),
        || format!("{} tokens with an exp", with_exp.get()),
        |(token, (count, per_ms, scope), times)| {
            let _ = jwt::check(&token);
            if let Some(ms) = jwt::expiry_ms(&token) {
                bump(&with_exp);
                check!(ms.is_finite(), "expiry_ms {ms} for {}", excerpt(&token));
            }
            let limit = core::rate::RateLimit { count, per_ms, scope };
            let mut g = core::limiter::Gcra::default();
            for t in times {
                let w = g.reserve(t, &limit);
                check!(w.partial_cmp(&0.0) != Some(std::cmp::Ordering::Less), "negative wait {w}");
            }
            Ok(())
        },
    );
}

// ------------------------------------------------------------------------------------------
// redact
// ------------------------------------------------------------------------------------------

/// A token68 secret as an API key would be (8+ chars of A-Za-z0-9-._~+/=). "REDACTED" itself
/// is left out: it is part of the replacement marker.
fn secret() -> impl Strategy<Value = String> {
    "[A-Za-z0-9._~+/=-]{8,40}".prop_filter("the marker's own text", |s| !"[REDACTED]".contains(s.as_str()))
}

/// Every string and key in a JSON value.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        // Number text too: digits of a secret must not survive as a number.
        Value::Number(n) => out.push(n.to_string()),
        Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
        Value::Object(o) => o.iter().for_each(|(k, v)| {
            out.push(k.clone());
            strings(v, out)
        }),
        _ => {}
    }
}

/// The redacted error holds the secret nowhere a consumer sees it: not in any string, key or
/// number a JSON parser (JSON.parse in the bindings) makes of its JSON. (The raw text may show
/// the secret's letters right after an escape backslash, as in `"\\b0_A…"` for a secret
/// `b0_A…`: the decoded value is a backspace and `0_A…`, which is not the secret.)
fn check_redacted(e: ApiError, secret: &str, what: &str) -> Result<(), TestCaseError> {
    let before = e.to_json();
    let e = e.redact(&[secret]);
    let j = e.to_json();
    check!(is_json(&j), "{what}: redacted error is not JSON: {}\n  before redaction: {}", excerpt(&j), excerpt(&before));
    check!(value_of(&j).is_some(), "{what}: redacted error does not parse: {}", excerpt(&j));
    if let Some(v) = value_of(&j) {
        let mut all = vec![];
        strings(&v, &mut all);
        for s in all {
            check!(!s.contains(secret), "{what}: secret {secret:?} in the parsed error: {s:?} (from {})", excerpt(&j));
        }
    }
    Ok(())
}

/// Text around the secret that never touches it with an escape.
fn filler(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop_oneof![4 => prop::char::range(' ', '~'), 1 => any_char()], 0..max).prop_map(|v| v.into_iter().collect())
}

fn json_str(s: &str) -> String {
    let mut out = String::new();
    json::write_str(&mut out, s);
    out
}

fn error_status() -> impl Strategy<Value = u16> {
    prop_oneof![0u16..200, 300u16..=999, select(vec![400u16, 401, 403, 404, 429, 500, 502, 503])]
}

#[test]
fn redact_removes_literal_secrets() {
    let forms = Cell::new([0u64; 8]);
    run(
        "redact_removes_literal_secrets",
        (secret(), 0u8..8, filler(150), filler(150), error_status(), def_index(), select(core::error::ITERABLE_FAILURE_CODES.to_vec())),
        || format!("by form {:?}", forms.get()),
        |(s, form, a, b, status, i, code)| {
            let def = def_at(i);
            let mut f = forms.get();
            f[form as usize] += 1;
            forms.set(f);
            let (status, body) = match form {
                // In msg (twice), an error status.
                0 => (status, format!("{{\"msg\":{},\"code\":{},\"params\":null}}", json_str(&format!("{a}{s}{b}{s}")), json_str(code))),
                // In params: as a value, a key and nested, raw text as a serializer writes it.
                1 => (status, format!("{{\"msg\":\"x\",\"code\":\"BadParams\",\"params\":{{{}:{},\"n\":[{},{{\"k\":{}}}]}}}}", json_str(&s), json_str(&format!("{a}{s}")), json_str(&s), json_str(&format!("{s}{b}")))),
                // A 2xx whose body carries a failure code (for JSON actions; others get it as 4xx/5xx).
                2 => (
                    if def.response == ResponseKind::Json { 200 } else { status },
                    format!("{{\"code\":{},\"msg\":{},\"params\":{{\"key\":{}}}}}", json_str(code), json_str(&format!("{a} {s}")), json_str(&s)),
                ),
                // A text body (short enough not to be cut).
                3 => (status, format!("{}{s}{}", a.chars().take(60).collect::<String>(), b.chars().take(60).collect::<String>())),
                // An HTML error page with the secret in the title and the body.
                4 => (status, format!("<html><head><title>{s}</title></head><body>{a}{s}</body></html>")),
                // JSON that is not an envelope.
                5 => (status, format!("[{},{}]", json_str(&s), json_str(&a.chars().take(40).collect::<String>()))),
                _ => (status, String::new()),
            };
            if form == 6 || form == 7 {
                // Validation errors: the secret as an unknown key, and as a bad enum/type value.
                let input = if form == 6 { format!("{{{}:1}}", json_str(&s)) } else { format!("{{\"__x\":{}}}", json_str(&s)) };
                let e = core::prepare(def, &input, request::US_BASE).err().ok_or_else(|| TestCaseError::fail("accepted"))?;
                return check_redacted(e, &s, &format!("validation error for {input}"));
            }
            match response::interpret(def, status, &body, None) {
                Ok(_) => check!(false, "{}: {status} {body} accepted", def.id),
                Err(e) => check_redacted(e, &s, &format!("{} {status} {}", def.id, excerpt(&body)))?,
            }
            Ok(())
        },
    );
}

#[test]
fn redact_removes_secret_used_as_code() {
    run(
        "redact_removes_secret_used_as_code",
        (secret(), error_status(), def_index()),
        String::new,
        |(s, status, i)| {
            let def = def_at(i);
            let body = format!("{{\"code\":{},\"msg\":\"bad key\"}}", json_str(&s));
            let e = response::interpret(def, status, &body, None).err().ok_or_else(|| TestCaseError::fail("accepted"))?;
            check_redacted(e, &s, &format!("{status} {body}"))
        },
    );
}

#[test]
fn redact_removes_json_escaped_secrets() {
    run(
        "redact_removes_json_escaped_secrets",
        (secret(), error_status(), def_index(), any::<prop::sample::Index>()),
        String::new,
        |(s, status, i, at)| {
            let def = def_at(i);
            // The same string a server may write with any char escaped (\u0041, \/).
            let at = at.index(s.len());
            let mut escaped = String::from("\"");
            for (n, c) in s.chars().enumerate() {
                if n == at || c == '/' {
                    esc(c, &mut escaped);
                } else {
                    escaped.push(c);
                }
            }
            escaped.push('"');
            let body = format!("{{\"code\":\"BadParams\",\"msg\":\"bad\",\"params\":{{\"apiKey\":{escaped}}}}}");
            let e = response::interpret(def, status, &body, None).err().ok_or_else(|| TestCaseError::fail("accepted"))?;
            check_redacted(e, &s, &format!("{status} {body}"))
        },
    );
}

#[test]
fn redact_keeps_params_valid_json() {
    run(
        "redact_keeps_params_valid_json",
        (prop_oneof!["[bfnrt/][A-Za-z0-9._~+/=-]{7,30}", "[1-9][0-9]{7,19}", "u[0-7][0-9a-fA-F]{3}[A-Za-z0-9._~+/=-]{3,30}"], error_status(), def_index()),
        String::new,
        |(s, status, i)| {
            let def = def_at(i);
            // The secret's text shows up in valid params, but not as a run of string content:
            // right after a backslash (the escape `\n`, `\/`, `\u0041`) or as number digits.
            let params = if s.as_bytes()[0].is_ascii_digit() { format!("{{\"id\":{s}}}") } else { format!("{{\"note\":\"\\{s}\"}}") };
            check!(json::check(&params).is_ok(), "test bug: {params}");
            let body = format!("{{\"code\":\"BadParams\",\"msg\":\"bad\",\"params\":{params}}}");
            let e = response::interpret(def, status, &body, None).err().ok_or_else(|| TestCaseError::fail("accepted"))?;
            check_redacted(e, &s, &format!("{status} {body}"))
        },
    );
}

#[test]
fn redact_before_truncation() {
    run(
        "redact_before_truncation",
        ("[A-Za-z0-9._~+/=-]{24,40}", 0u8..2, 100usize..620, error_status(), def_index()),
        String::new,
        |(s, form, before, status, i)| {
            let def = def_at(i);
            // The secret after `before` chars of text, so that for some lengths it straddles the
            // point where a message or a body excerpt is cut (200 chars today).
            let body = if form == 0 {
                format!("{{\"code\":\"BadParams\",\"msg\":\"{}{s}\"}}", "m".repeat(before))
            } else {
                format!("{}{s}", "b".repeat(before))
            };
            // The client's path: the body is read with the secrets known, before anything is cut.
            let e = response::interpret_redacted(def, status, &body, None, &[s.as_str()]).err().ok_or_else(|| TestCaseError::fail("accepted"))?;
            let j = e.redact(&[s.as_str()]).to_json();
            // No 16 consecutive chars of the secret survive.
            for w in 0..=s.len() - 16 {
                let part = &s[w..w + 16];
                check!(!j.contains(part), "{status} {}: {part:?} of the secret is left in {}", excerpt(&body), excerpt(&j));
            }
            Ok(())
        },
    );
}
