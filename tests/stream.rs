//! Tests for `core::stream`, the chunk-fed record parser for streamed export bodies.
//!
//! Fixed cases for every rule, then chunking invariance over thousands of generated bodies
//! (chunked == whole; CSV against a slow reference parser written here, JSONL against
//! serde_json), then large bodies fed in 64 KB chunks. Throughput benches are `#[ignore]`d:
//! `cargo test --release --test stream -- --ignored --nocapture`.

mod common;
use common::Rng;
use iterable_wasm::core::stream::{Format, StreamError, StreamParser};
use serde_json::{json, Value};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

// ---------------------------------------------------------------------------------------
// Memory accounting: a counting allocator, per thread (each test runs on its own thread)
// ---------------------------------------------------------------------------------------

struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn account(delta: isize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: forwards to the system allocator; the accounting itself never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            account(layout.size() as isize);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            account(layout.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        account(-(layout.size() as isize));
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            account(new_size as isize - layout.size() as isize);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Bytes allocated by this thread and not yet freed.
fn live() -> isize {
    LIVE.with(Cell::get)
}

/// Runs `f`; returns its result and the most this thread had allocated during it beyond
/// what it had at the start.
fn peak_during<R>(f: impl FnOnce() -> R) -> (R, isize) {
    let start = live();
    PEAK.with(|p| p.set(start));
    let r = f();
    (r, PEAK.with(Cell::get) - start)
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Parses one returned array text, checking it is a JSON array.
fn array(text: &str) -> Vec<Value> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(a)) => a,
        other => panic!("not a JSON array: {other:?} from {text:?}"),
    }
}

/// Feeds `body` in pieces of the given sizes (the last piece takes the rest), then finishes.
/// Checks `records()` and `bytes()` along the way.
fn run_sizes(format: Format, delim: u8, body: &[u8], sizes: &mut dyn FnMut() -> usize) -> Result<Vec<Value>, StreamError> {
    let mut p = StreamParser::new(format, delim);
    let mut all = Vec::new();
    let mut at = 0;
    while at < body.len() {
        let n = sizes().clamp(1, body.len() - at);
        let got = array(&p.push(&body[at..at + n])?);
        all.extend(got);
        at += n;
        assert_eq!(p.bytes(), at as u64);
        assert_eq!(p.records(), all.len() as u64);
    }
    all.extend(array(&p.finish()?));
    assert_eq!(p.records(), all.len() as u64);
    Ok(all)
}

fn whole(format: Format, delim: u8, body: &[u8]) -> Result<Vec<Value>, StreamError> {
    run_sizes(format, delim, body, &mut || usize::MAX)
}

/// Feeds one byte at a time.
fn bytewise(format: Format, delim: u8, body: &[u8]) -> Result<Vec<Value>, StreamError> {
    run_sizes(format, delim, body, &mut || 1)
}

/// Whole, byte by byte and at every single split point: all must agree; returns the result.
fn all_ways(format: Format, delim: u8, body: &[u8]) -> Result<Vec<Value>, StreamError> {
    let w = whole(format, delim, body);
    assert_eq!(bytewise(format, delim, body), w, "byte by byte vs whole for {:?}", String::from_utf8_lossy(body));
    for cut in 0..=body.len() {
        let mut p = StreamParser::new(format, delim);
        let r = (|| {
            let mut v = array(&p.push(&body[..cut])?);
            v.extend(array(&p.push(&body[cut..])?));
            v.extend(array(&p.finish()?));
            Ok(v)
        })();
        assert_eq!(r, w, "split at {cut} vs whole for {:?}", String::from_utf8_lossy(body));
    }
    w
}

fn jsonl(body: &str) -> Vec<Value> {
    all_ways(Format::Jsonl, b',', body.as_bytes()).unwrap()
}

fn lines(body: &[u8]) -> Vec<Value> {
    all_ways(Format::Lines, b',', body).unwrap()
}

fn csv_d(body: &[u8], delim: u8) -> Vec<Value> {
    all_ways(Format::Csv, delim, body).unwrap()
}

fn csv(body: &str) -> Vec<Value> {
    csv_d(body.as_bytes(), b',')
}

/// The members of an object in order (serde's preserve_order map), to check key order.
fn keys(v: &Value) -> Vec<String> {
    v.as_object().expect("object").keys().cloned().collect()
}

// ---------------------------------------------------------------------------------------
// All formats: BOM, line ends, empty bodies, UTF-8, call protocol
// ---------------------------------------------------------------------------------------

#[test]
fn bom_is_skipped_at_the_start_only() {
    assert_eq!(jsonl("\u{feff}{\"a\":1}\n"), vec![json!({"a": 1})]);
    assert_eq!(lines("\u{feff}a@x.io\n\u{feff}b@x.io".as_bytes()), vec![json!("a@x.io"), json!("\u{feff}b@x.io")]);
    assert_eq!(csv("\u{feff}email,id\na@x.io,1\n"), vec![json!({"email": "a@x.io", "id": "1"})]);
    // Only one BOM is skipped.
    assert_eq!(lines("\u{feff}\u{feff}x".as_bytes()), vec![json!("\u{feff}x")]);
    // A BOM alone, or a body that is only a BOM's prefix (its bytes are then content).
    assert_eq!(lines(b"\xEF\xBB\xBF"), Vec::<Value>::new());
    assert_eq!(lines(b"\xEF\xBB"), vec![json!("\u{fffd}")]);
    assert_eq!(lines(b"\xEF\xBBx\n"), vec![json!("\u{fffd}x")]);
    assert_eq!(lines(b"\xEFx"), vec![json!("\u{fffd}x")]);
    // A BOM split over three pushes.
    let mut p = StreamParser::new(Format::Lines, b',');
    assert_eq!(p.push(b"\xEF").unwrap(), "[]");
    assert_eq!(p.push(b"\xBB").unwrap(), "[]");
    assert_eq!(p.push(b"\xBFhi\n").unwrap(), r#"["hi"]"#);
    assert_eq!(p.bytes(), 6);
}

#[test]
fn crlf_and_lone_cr() {
    assert_eq!(lines(b"a\r\nb\r\nc"), vec![json!("a"), json!("b"), json!("c")]);
    // A lone CR inside a line is content; only one CR before the LF is removed.
    assert_eq!(lines(b"a\rb\nc\r\r\n"), vec![json!("a\rb"), json!("c\r")]);
    // A CR ending the body ends the line like CRLF.
    assert_eq!(lines(b"a\r"), vec![json!("a")]);
    assert_eq!(jsonl("1\r\n[2]\r\n\r\n\"x\"\r"), vec![json!(1), json!([2]), json!("x")]);
    assert_eq!(csv("a,b\r\n1,2\r\n3,4\r\n"), vec![json!({"a":"1","b":"2"}), json!({"a":"3","b":"4"})]);
    // In CSV a lone CR is content too: the header here is "a" and "b\r1", "2".
    let h = csv("a,b\r1,2\nx,y,z\n");
    assert_eq!(h, vec![json!({"a":"x","b\r1":"y","2":"z"})]);
    assert_eq!(csv("a\n\rx\n"), vec![json!({"a":"\rx"})]);
    assert_eq!(csv("a,b\n1,2\r"), vec![json!({"a":"1","b":"2"})]);
    assert_eq!(csv("a,b\n\"1\"\r,\"2\"\rz\r\n"), vec![json!({"a":"1\r","b":"2\rz"})]);
}

#[test]
fn empty_bodies() {
    for f in [Format::Jsonl, Format::Csv, Format::Lines] {
        assert_eq!(all_ways(f, b',', b"").unwrap(), Vec::<Value>::new());
        assert_eq!(all_ways(f, b',', b"\n\r\n\n").unwrap(), Vec::<Value>::new());
        let mut p = StreamParser::new(f, b',');
        assert_eq!(p.finish().unwrap(), "[]");
        assert_eq!((p.records(), p.bytes()), (0, 0));
    }
}

#[test]
fn invalid_utf8_is_replaced_never_an_error() {
    assert_eq!(lines(b"a\xFFb\n\xC3\n\xE2\x82\n"), vec![json!("a\u{fffd}b"), json!("\u{fffd}"), json!("\u{fffd}")]);
    assert_eq!(all_ways(Format::Jsonl, b',', b"{\"k\":\"a\xFF\xFEb\"}\n").unwrap(), vec![json!({"k": "a\u{fffd}\u{fffd}b"})]);
    assert_eq!(
        all_ways(Format::Csv, b',', b"n\xFFame,x\n\xC3,\xA9\n").unwrap(),
        vec![json!({"n\u{fffd}ame": "\u{fffd}", "x": "\u{fffd}"})]
    );
    // Replaced per field: a split sequence across a delimiter is not rejoined.
    assert_eq!(all_ways(Format::Csv, b',', b"a\n\"\xC3\"\"\xA9\"\n").unwrap(), vec![json!({"a": "\u{fffd}\"\u{fffd}"})]);
    // Multi-byte characters split at every point (all_ways) come out whole.
    assert_eq!(lines("é€😀\n".as_bytes()), vec![json!("é€😀")]);
    assert_eq!(csv("ключ;名前\n值;😀\n".replace(';', ",").as_str()), vec![json!({"ключ": "值", "名前": "😀"})]);
    // Bytes outside a JSON string are not JSON, whatever the replacement.
    let e = whole(Format::Jsonl, b',', b"\xFF\n").unwrap_err();
    assert!(e.message.starts_with("line 1 is not JSON"), "{e:?}");
}

#[test]
fn push_after_finish_and_finish_twice() {
    let mut p = StreamParser::new(Format::Lines, b',');
    assert_eq!(p.push(b"a").unwrap(), "[]");
    assert_eq!(p.finish().unwrap(), r#"["a"]"#);
    assert_eq!(p.finish().unwrap(), "[]");
    let e = p.push(b"b\n").unwrap_err();
    assert_eq!(e, StreamError { message: "push after finish".into(), record: 2 });
    assert_eq!(p.records(), 1);
}

#[test]
fn output_is_one_array_per_push() {
    let mut p = StreamParser::new(Format::Jsonl, b',');
    assert_eq!(p.push(b"{\"a\": 1}\n[1 ,2]\n  \"x\"  \n7").unwrap(), r#"[{"a": 1},[1 ,2],"x"]"#);
    assert_eq!(p.push(b"").unwrap(), "[]");
    assert_eq!(p.push(b"8\n").unwrap(), "[78]");
    assert_eq!(p.finish().unwrap(), "[]");
    assert_eq!((p.records(), p.bytes()), (4, 27));
}

// ---------------------------------------------------------------------------------------
// JSONL
// ---------------------------------------------------------------------------------------

#[test]
fn jsonl_values_are_copied_as_is() {
    let mut p = StreamParser::new(Format::Jsonl, b',');
    let body = "{\"n\":1.50e+3,\"s\":\"\\u00e9\\n\",\"big\":123456789012345678901234567890}\n";
    assert_eq!(p.push(body.as_bytes()).unwrap(), format!("[{}]", body.trim()));
    assert_eq!(
        jsonl("\t {\"a\":[1,{\"b\":null}]} \t\r\ntrue\nnull\n-0.5e-7\n\"s\"\n[]\n{}"),
        vec![json!({"a":[1,{"b":null}]}), json!(true), json!(null), json!(-0.5e-7), json!("s"), json!([]), json!({})]
    );
}

#[test]
fn jsonl_numbers_beyond_f64_are_kept_as_text() {
    // Valid JSON (JSON.parse gives Infinity); serde_json rejects it, so compare the text.
    let mut p = StreamParser::new(Format::Jsonl, b',');
    assert_eq!(p.push(b"1e400\n{\"x\":-1E999}\n").unwrap(), r#"[1e400,{"x":-1E999}]"#);
}

#[test]
fn jsonl_blank_lines_and_no_trailing_newline() {
    assert_eq!(jsonl("\n \n\t\r\n{\"a\":1}\n\n   \n{\"a\":2}"), vec![json!({"a":1}), json!({"a":2})]);
    assert_eq!(jsonl("{\"a\":1}\n\n"), vec![json!({"a":1})]);
}

#[test]
fn jsonl_invalid_line_reports_line_and_record() {
    let body = b"{\"a\":1}\n\n{\"a\":2}\n{\"a\":3,}\n{\"a\":4}\n";
    let e = whole(Format::Jsonl, b',', body).unwrap_err();
    assert_eq!(e.record, 3);
    assert!(e.message.starts_with("line 4 is not JSON: "), "{}", e.message);
    assert!(e.message.contains("at byte 7"), "{}", e.message);
    assert_eq!(bytewise(Format::Jsonl, b',', body).unwrap_err(), e);
    // Errors are final; the failing chunk's earlier records are not returned or counted.
    let mut p = StreamParser::new(Format::Jsonl, b',');
    assert_eq!(p.push(b"1\n2\n").unwrap(), "[1,2]");
    let e = p.push(b"3\nnope\n4\n").unwrap_err();
    assert_eq!(e.record, 4);
    assert!(e.message.starts_with("line 4 is not JSON: "), "{}", e.message);
    assert_eq!(p.records(), 2);
    assert_eq!(p.push(b"5\n").unwrap_err(), e);
    assert_eq!(p.finish().unwrap_err(), e);
    // A bad last line without a newline fails at finish.
    let mut p = StreamParser::new(Format::Jsonl, b',');
    assert_eq!(p.push(b"1\n{\"a\"").unwrap(), "[1]");
    let e = p.finish().unwrap_err();
    assert_eq!(e.record, 2);
    assert!(e.message.starts_with("line 2 is not JSON: "), "{}", e.message);
    // Two values on a line, or whitespace JSON does not allow, are errors.
    for bad in ["1 2", "{} {}", "\u{a0}1", "1\u{0c}", "'x'", "[1,]", "nul", "\"\\ud800\""] {
        let e = whole(Format::Jsonl, b',', format!("{bad}\n").as_bytes()).unwrap_err();
        assert!(e.message.starts_with("line 1 is not JSON: "), "{bad:?}: {}", e.message);
    }
}

// ---------------------------------------------------------------------------------------
// Lines
// ---------------------------------------------------------------------------------------

#[test]
fn lines_become_strings() {
    assert_eq!(lines(b"a@x.io\nb@x.io\r\n\n  \n\t\nc@x.io"), vec![json!("a@x.io"), json!("b@x.io"), json!("c@x.io")]);
    // Kept verbatim (not trimmed), escaped like serde_json.
    let text = " q\"uo\\te \u{1}\u{1f}\t end ";
    let mut p = StreamParser::new(Format::Lines, b',');
    let out = p.push(format!("{text}\n").as_bytes()).unwrap();
    assert_eq!(out, format!("[{}]", serde_json::to_string(text).unwrap()));
}

// ---------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------

#[test]
fn csv_basic_and_key_order() {
    let v = csv("email,userId,signupDate\na@x.io,1,2024-01-01\nb@x.io,,\n");
    assert_eq!(v, vec![
        json!({"email":"a@x.io","userId":"1","signupDate":"2024-01-01"}),
        json!({"email":"b@x.io","userId":"","signupDate":""}),
    ]);
    assert_eq!(keys(&v[0]), ["email", "userId", "signupDate"]);
    // Values are strings, exactly the field text (spaces kept).
    assert_eq!(csv("a,b\n 1 , true\n"), vec![json!({"a":" 1 ","b":" true"})]);
}

#[test]
fn csv_quoted_fields() {
    assert_eq!(
        csv("a,b,c\n\"x,y\",\"line1\nline2\",\"say \"\"hi\"\"\"\n"),
        vec![json!({"a":"x,y","b":"line1\nline2","c":"say \"hi\""})]
    );
    assert_eq!(csv("a,b\n\"1\r\n2\",\"3\r4\"\r\n"), vec![json!({"a":"1\r\n2","b":"3\r4"})]);
    assert_eq!(csv("a,b\n\"\",\"\"\"\"\n"), vec![json!({"a":"","b":"\""})]);
    // Quoted header names.
    assert_eq!(csv("\"a,1\",\"b\"\"\"\nx,y\n"), vec![json!({"a,1":"x","b\"":"y"})]);
    // A line holding only "" is a record (one empty field), not an empty line.
    assert_eq!(csv("a,b\n\"\"\n"), vec![json!({"a":"","b":""})]);
}

#[test]
fn csv_values_are_escaped_like_serde_json() {
    let mut p = StreamParser::new(Format::Csv, b',');
    let value: String = (0u8..0x80).map(char::from).filter(|&c| c != ',' && c != '"').chain("\"é😀\u{2028}".chars()).collect();
    let mut body = "k\"q,\\\n\"".to_string();
    body.push_str(&value.replace('"', "\"\""));
    body.push_str("\",x\n");
    let want = format!(
        "[{{{}:{},{}:{}}}]",
        serde_json::to_string("k\"q").unwrap(),
        serde_json::to_string(&value).unwrap(),
        serde_json::to_string("\\").unwrap(),
        serde_json::to_string("x").unwrap()
    );
    assert_eq!(p.push(body.as_bytes()).unwrap(), want);
}

#[test]
fn csv_lenient_quotes() {
    // A quote inside an unquoted field is literal.
    assert_eq!(csv("a,b\nab\"c,d\"\n"), vec![json!({"a":"ab\"c","b":"d\""})]);
    // Text after a closing quote is appended literally (quotes included).
    assert_eq!(csv("a,b\n\"ab\"cd,\"x\" y\"z\n"), vec![json!({"a":"abcd","b":"x y\"z"})]);
    assert_eq!(csv("a\n\"x\"\"\"y\n"), vec![json!({"a":"x\"y"})]);
}

#[test]
fn csv_ragged_rows() {
    let v = csv("a,b,c\n1\n1,2,3,4,5,6\n,\n");
    assert_eq!(v, vec![
        json!({"a":"1","b":"","c":""}),
        json!({"a":"1","b":"2","c":"3","_3":"4","_4":"5","_5":"6"}),
        json!({"a":"","b":"","c":""}),
    ]);
    assert_eq!(keys(&v[1]), ["a", "b", "c", "_3", "_4", "_5"]);
    // An extra column's key stays unique when a header is already named like it.
    let v = csv("_2,b\n1,2,3\n");
    assert_eq!(v, vec![json!({"_2":"1","b":"2","_2_2":"3"})]);
}

#[test]
fn csv_duplicate_headers() {
    let v = csv("id,name,id,name,id\n1,2,3,4,5\n");
    assert_eq!(v, vec![json!({"id":"1","name":"2","id_2":"3","name_3":"4","id_4":"5"})]);
    assert_eq!(keys(&v[0]), ["id", "name", "id_2", "name_3", "id_4"]);
    // A generated name that is itself taken gets suffixed again.
    let v = csv("a,a_1,a\n1,2,3\n");
    assert_eq!(keys(&v[0]), ["a", "a_1", "a_2"]);
    let v = csv("a_1,a,a\n1,2,3\n");
    assert_eq!(keys(&v[0]), ["a_1", "a", "a_2"]);
    let v = csv("a,a,a_1\n1,2,3\n");
    assert_eq!(keys(&v[0]), ["a", "a_1", "a_1_2"]);
    let v = csv(",\n1,2\n");
    assert_eq!(keys(&v[0]), ["", "_1"]);
}

#[test]
fn csv_custom_delimiters() {
    assert_eq!(csv_d(b"a;b\n\"x;y\";z,w\n", b';'), vec![json!({"a":"x;y","b":"z,w"})]);
    assert_eq!(csv_d(b"a\tb\n1\t\"2\t3\"\n", b'\t'), vec![json!({"a":"1","b":"2\t3"})]);
    assert_eq!(csv_d(b"a|b\n1|2\n", b'|'), vec![json!({"a":"1","b":"2"})]);
    // A delimiter that cannot separate fields falls back to a comma.
    for d in [b'"', b'\n', b'\r'] {
        assert_eq!(csv_d(b"a,b\n1,2\n", d), vec![json!({"a":"1","b":"2"})]);
    }
}

#[test]
fn csv_blank_lines_and_trailing_newline() {
    assert_eq!(csv("\n\r\na,b\n\n1,2\r\n\r\n\n3,4"), vec![json!({"a":"1","b":"2"}), json!({"a":"3","b":"4"})]);
    // A whitespace-only line is a record in CSV.
    assert_eq!(csv("a,b\n \n"), vec![json!({"a":" ","b":""})]);
    // Header only (with or without newline): no records.
    assert_eq!(csv("a,b,c\n"), Vec::<Value>::new());
    assert_eq!(csv("a,b,c"), Vec::<Value>::new());
    assert_eq!(csv("a,b\n1,\"2\""), vec![json!({"a":"1","b":"2"})]);
}

#[test]
fn csv_unterminated_quote() {
    let body = b"a,b\n1,2\n3,\"x\ny\n";
    let e = whole(Format::Csv, b',', body).unwrap_err();
    assert_eq!(e, StreamError { message: "unterminated quoted field (its quote opened on line 3)".into(), record: 2 });
    assert_eq!(bytewise(Format::Csv, b',', body).unwrap_err(), e);
    let mut p = StreamParser::new(Format::Csv, b',');
    assert_eq!(p.push(body).unwrap(), r#"[{"a":"1","b":"2"}]"#);
    assert_eq!(p.finish().unwrap_err(), e);
    assert_eq!(p.finish().unwrap_err(), e);
    assert_eq!(p.records(), 1);
    // In the header.
    let e = whole(Format::Csv, b',', b"\"a").unwrap_err();
    assert_eq!(e.record, 1);
    // A closed quote at the very end is fine.
    assert_eq!(csv("a\n\"x\""), vec![json!({"a":"x"})]);
}

#[test]
fn csv_buffers_only_the_unfinished_record() {
    // A 3 MB quoted field fed in 1 KB pieces, then many small records.
    let mut body = b"a,b\n\"".to_vec();
    body.extend_from_slice(&b"x,\n\"\"".repeat(600_000));
    body.extend_from_slice(b"\",1\n");
    for i in 0..1000 {
        body.extend_from_slice(format!("{i},{i}\n").as_bytes());
    }
    let mut p = StreamParser::new(Format::Csv, b',');
    let mut n = 0;
    let base = live();
    let mut after_big = isize::MAX;
    for c in body.chunks(1024) {
        let out = array(&p.push(c).unwrap());
        if let Some(first) = out.first().filter(|_| n == 0) {
            assert_eq!(first["a"].as_str().unwrap().len(), 600_000 * 4);
        }
        n += out.len();
        if n > 0 {
            drop(out);
            after_big = after_big.min(live() - base);
        }
    }
    n += array(&p.finish().unwrap()).len();
    assert_eq!(n, 1001);
    // Once the big record is out, the buffers it grew are given back.
    assert!(after_big < 256 << 10, "{after_big} bytes still held");
}

// ---------------------------------------------------------------------------------------
// Seeded random generation (xorshift64*)
// ---------------------------------------------------------------------------------------


/// A random chunk size: mostly tiny or small (splitting UTF-8 and CRLF), sometimes up to 64 KB.
fn chunk_size(r: &mut Rng) -> usize {
    match r.below(4) {
        0 => 1 + r.below(3),
        1 => 1 + r.below(17),
        2 => 1 + r.below(300),
        _ => 1 + r.below(65_536),
    }
}

/// Feeds `body` in random chunks; must equal `expected` (the whole-body result).
fn check_chunked(r: &mut Rng, format: Format, delim: u8, body: &[u8], expected: &Result<Vec<Value>, StreamError>) {
    for _ in 0..3 {
        let mut seed = Rng::new(r.next());
        let got = run_sizes(format, delim, body, &mut || chunk_size(&mut seed));
        assert_eq!(&got, expected, "chunked vs whole for {:?}", String::from_utf8_lossy(body));
    }
}

const TEXT_PIECES: &[&str] = &[
    "a", "b", "Z", "0", "9", " ", "  ", "é", "€", "😀", "ß", "名", "\u{2028}", "\u{feff}", "\t", "x y", "@", ".", "-",
];

fn gen_json_string(r: &mut Rng, out: &mut Vec<u8>) {
    out.push(b'"');
    for _ in 0..r.below(8) {
        match r.below(10) {
            0 => out.extend_from_slice(r.pick(&[&b"\\\""[..], b"\\\\", b"\\n", b"\\r", b"\\t", b"\\/", b"\\b", b"\\f"])),
            1 => out.extend_from_slice(r.pick(&[&b"\\u00e9"[..], b"\\u0000", b"\\uD83D\\uDE00", b"\\u20AC"])),
            2 if r.one_in(4) => out.extend_from_slice(r.pick(&[&b"\xFF"[..], b"\xC3", b"\xE2\x82", b"\xF0\x9F\x98"])),
            _ => out.extend_from_slice(r.pick(TEXT_PIECES).replace('\t', " ").as_bytes()),
        }
    }
    out.push(b'"');
}

fn gen_ws(r: &mut Rng, out: &mut Vec<u8>) {
    if r.one_in(4) {
        out.extend_from_slice(r.pick(&[&b" "[..], b"\t", b"  ", b" \t "]));
    }
}

fn gen_json(r: &mut Rng, out: &mut Vec<u8>, depth: usize) {
    gen_ws(r, out);
    match r.below(if depth > 3 { 5 } else { 7 }) {
        0 => out.extend_from_slice(r.pick(&[&b"null"[..], b"true", b"false"])),
        1 => {
            let n = r.pick(&["0", "-1", "42", "3.25", "-0.5e-7", "1E+300", "123456789012345678901234567890"]);
            out.extend_from_slice(n.as_bytes());
        }
        2 => out.extend_from_slice((r.next() >> r.below(64)).to_string().as_bytes()),
        3 | 4 => gen_json_string(r, out),
        5 => {
            out.push(b'[');
            for i in 0..r.below(4) {
                if i > 0 {
                    out.push(b',');
                }
                gen_json(r, out, depth + 1);
            }
            gen_ws(r, out);
            out.push(b']');
        }
        _ => {
            out.push(b'{');
            for i in 0..r.below(4) {
                if i > 0 {
                    out.push(b',');
                }
                gen_ws(r, out);
                gen_json_string(r, out);
                gen_ws(r, out);
                out.push(b':');
                gen_json(r, out, depth + 1);
            }
            gen_ws(r, out);
            out.push(b'}');
        }
    }
    gen_ws(r, out);
}

fn gen_eol(r: &mut Rng, out: &mut Vec<u8>) {
    out.extend_from_slice(if r.one_in(3) { b"\r\n" } else { b"\n" });
}

/// A random JSONL body and its lines (without line ends, BOM removed).
fn gen_jsonl(r: &mut Rng) -> (Vec<u8>, Vec<Vec<u8>>) {
    let mut body = Vec::new();
    let mut lines = Vec::new();
    if r.one_in(5) {
        body.extend_from_slice(b"\xEF\xBB\xBF");
    }
    let n = r.below(12);
    for i in 0..n {
        let mut line = Vec::new();
        match r.below(12) {
            0 => line.extend_from_slice(r.pick(&[&b""[..], b" ", b"\t \t"])),
            1 if r.one_in(4) => line.extend_from_slice(r.pick(&[&b"{\"a\":1,}"[..], b"[1 2]", b"tru", b"\"\\ud800\"", b"{} x", b"\xFF", b"'s'"])),
            _ => gen_json(r, &mut line, 0),
        }
        body.extend_from_slice(&line);
        lines.push(line);
        if i + 1 < n || r.one_in(2) {
            gen_eol(r, &mut body);
        }
    }
    (body, lines)
}

/// The expected JSONL result from serde_json parsing each (lossily decoded) line.
fn jsonl_oracle(lines: &[Vec<u8>]) -> Result<Vec<Value>, (usize, u64)> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let text = String::from_utf8_lossy(line);
        if text.trim_matches([' ', '\t', '\r']).is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(&text) {
            Ok(v) => out.push(v),
            Err(_) => return Err((i + 1, out.len() as u64 + 1)),
        }
    }
    Ok(out)
}

#[test]
fn jsonl_chunking_invariance_and_serde_oracle() {
    let mut r = Rng::new(1);
    let (mut ok, mut errs, mut records) = (0, 0, 0);
    for _ in 0..3000 {
        let (body, lines) = gen_jsonl(&mut r);
        let w = whole(Format::Jsonl, b',', &body);
        match (&w, jsonl_oracle(&lines)) {
            (Ok(got), Ok(want)) => {
                assert_eq!(got, &want, "body {:?}", String::from_utf8_lossy(&body));
                ok += 1;
                records += got.len();
            }
            (Err(e), Err((line, record))) => {
                assert!(e.message.starts_with(&format!("line {line} is not JSON: ")), "{e:?} for {:?}", String::from_utf8_lossy(&body));
                assert_eq!(e.record, record);
                errs += 1;
            }
            (got, want) => panic!("got {got:?}, serde_json says {want:?} for {:?}", String::from_utf8_lossy(&body)),
        }
        check_chunked(&mut r, Format::Jsonl, b',', &body, &w);
    }
    assert!(ok > 2000 && errs > 100 && records > 10_000, "{ok} {errs} {records}");
}

fn gen_text_line(r: &mut Rng, out: &mut Vec<u8>) {
    for _ in 0..r.below(6) {
        match r.below(12) {
            0 => out.extend_from_slice(r.pick(&[&b"\xFF"[..], b"\xC3", b"\xE2\x82", b"\xF0\x9F\x98"])),
            1 => out.push(b'\r'),
            2 => out.extend_from_slice(b"\"\\\x01"),
            _ => out.extend_from_slice(r.pick(TEXT_PIECES).as_bytes()),
        }
    }
}

#[test]
fn lines_chunking_invariance_and_oracle() {
    let mut r = Rng::new(2);
    for _ in 0..3000 {
        let mut body = Vec::new();
        if r.one_in(5) {
            body.extend_from_slice(b"\xEF\xBB\xBF");
        }
        let mut lines = Vec::new();
        let n = r.below(15);
        for i in 0..n {
            let mut line = Vec::new();
            gen_text_line(&mut r, &mut line);
            body.extend_from_slice(&line);
            lines.push(line);
            if i + 1 < n || r.one_in(2) {
                gen_eol(&mut r, &mut body);
            }
        }
        // Oracle: a CRLF line end leaves no CR; a CR right before LF (or the end) is removed.
        let whole_text = String::from_utf8_lossy(&body).into_owned();
        let text = whole_text.strip_prefix('\u{feff}').unwrap_or(&whole_text);
        let text = text.strip_suffix('\n').unwrap_or(text);
        let want: Vec<Value> = if text.is_empty() {
            vec![]
        } else {
            text.split('\n')
                .map(|l| l.strip_suffix('\r').unwrap_or(l))
                .filter(|l| !l.trim_matches([' ', '\t', '\r']).is_empty())
                .map(|l| Value::String(l.to_string()))
                .collect()
        };
        let w = whole(Format::Lines, b',', &body);
        assert_eq!(w.as_ref().unwrap(), &want, "body {:?}", String::from_utf8_lossy(&body));
        check_chunked(&mut r, Format::Lines, b',', &body, &w);
    }
}

// ---------------------------------------------------------------------------------------
// CSV reference parser (whole input, char by char, slow and simple)
// ---------------------------------------------------------------------------------------

/// Splits a whole CSV text into records of fields, or None for an unterminated quote.
fn ref_csv_records(body: &[u8], delim: char) -> Option<Vec<Vec<String>>> {
    let text = String::from_utf8_lossy(body);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let c: Vec<char> = text.chars().collect();
    let at = |i: usize| c.get(i).copied();
    // A line end at i: LF, CRLF, or a CR ending the text. Returns its length.
    let eol = |i: usize| match (at(i), at(i + 1)) {
        (Some('\n'), _) => 1,
        (Some('\r'), Some('\n')) => 2,
        (Some('\r'), None) => 1,
        _ => 0,
    };
    let mut records = Vec::new();
    let mut i = 0;
    while i < c.len() {
        if eol(i) > 0 {
            i += eol(i); // an empty line
            continue;
        }
        let mut fields = Vec::new();
        loop {
            let mut f = String::new();
            if at(i) == Some('"') {
                i += 1;
                loop {
                    match (at(i), at(i + 1)) {
                        (None, _) => return None,
                        (Some('"'), Some('"')) => {
                            f.push('"');
                            i += 2;
                        }
                        (Some('"'), _) => {
                            i += 1;
                            break;
                        }
                        (Some(ch), _) => {
                            f.push(ch);
                            i += 1;
                        }
                    }
                }
            }
            // Unquoted text, or the literal rest after a closing quote.
            while let Some(ch) = at(i) {
                if ch == delim || eol(i) > 0 {
                    break;
                }
                f.push(ch);
                i += 1;
            }
            fields.push(f);
            if at(i) == Some(delim) {
                i += 1;
                continue;
            }
            i += eol(i);
            break;
        }
        records.push(fields);
    }
    Some(records)
}

/// The reference objects as (key, value) lists, or None for an unterminated quote.
fn ref_csv(body: &[u8], delim: char) -> Option<Vec<Vec<(String, String)>>> {
    let records = ref_csv_records(body, delim)?;
    let Some((header, rows)) = records.split_first() else { return Some(vec![]) };
    let mut names: Vec<String> = Vec::new();
    for (j, h) in header.iter().enumerate() {
        let mut k = h.clone();
        while names.contains(&k) {
            k = format!("{k}_{j}");
        }
        names.push(k);
    }
    let objects = rows
        .iter()
        .map(|row| {
            (0..row.len().max(names.len()))
                .map(|j| {
                    let key = names.get(j).cloned().unwrap_or_else(|| {
                        let mut k = format!("_{j}");
                        while names.contains(&k) {
                            k = format!("{k}_{j}");
                        }
                        k
                    });
                    (key, row.get(j).cloned().unwrap_or_default())
                })
                .collect()
        })
        .collect();
    Some(objects)
}

fn as_pairs(v: &[Value]) -> Vec<Vec<(String, String)>> {
    v.iter()
        .map(|o| o.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())).collect())
        .collect()
}

#[test]
fn reference_csv_parser_sanity() {
    let got = ref_csv(b"a,a,b\n\"x\"\"y\",\"1\r\n2\"\n\n3,4,5,6\r\n", ',').unwrap();
    let want = |v: &[(&str, &str)]| v.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
    assert_eq!(got, vec![want(&[("a", "x\"y"), ("a_1", "1\r\n2"), ("b", "")]), want(&[("a", "3"), ("a_1", "4"), ("b", "5"), ("_3", "6")])]);
    assert_eq!(ref_csv(b"a\n\"x", ','), None);
}

fn gen_csv_field(r: &mut Rng, delim: u8, out: &mut Vec<u8>) {
    let mut text = Vec::new();
    for _ in 0..r.below(5) {
        match r.below(14) {
            0 => text.push(delim),
            1 => text.push(b'"'),
            2 => text.extend_from_slice(r.pick(&[&b"\n"[..], b"\r\n", b"\r"])),
            3 => text.push(r.pick(b",;\t|")),
            4 if r.one_in(3) => text.extend_from_slice(r.pick(&[&b"\xFF"[..], b"\xC3", b"\xE2\x82", b"\xF0\x9F\x98"])),
            _ => text.extend_from_slice(r.pick(TEXT_PIECES).as_bytes()),
        }
    }
    let needs_quotes = text.iter().any(|&b| b == delim || b == b'"' || b == b'\n' || b == b'\r');
    match r.below(20) {
        // Deliberately sloppy: raw text (quotes/CR inside unquoted fields), or text after a closing quote.
        0 => out.extend_from_slice(&text),
        1 => {
            out.push(b'"');
            out.extend_from_slice(&text.iter().flat_map(|&b| if b == b'"' { vec![b'"', b'"'] } else { vec![b] }).collect::<Vec<_>>());
            out.push(b'"');
            out.extend_from_slice(r.pick(&[&b"x"[..], b" ", b"\"", b"y\"z"]));
        }
        n if needs_quotes || n < 6 => {
            out.push(b'"');
            for &b in &text {
                if b == b'"' {
                    out.push(b'"');
                }
                out.push(b);
            }
            out.push(b'"');
        }
        _ => out.extend_from_slice(&text),
    }
}

fn gen_csv(r: &mut Rng, delim: u8) -> Vec<u8> {
    let mut body = Vec::new();
    if r.one_in(5) {
        body.extend_from_slice(b"\xEF\xBB\xBF");
    }
    let columns = 1 + r.below(5);
    let rows = r.below(10);
    for row in 0..=rows {
        if r.one_in(8) {
            gen_eol(r, &mut body); // an empty line
        }
        let n = if r.one_in(4) { 1 + r.below(7) } else { columns };
        for j in 0..n {
            if j > 0 {
                body.push(delim);
            }
            if row == 0 && r.one_in(3) {
                // Header names: duplicates, empty and "_<n>" lookalikes are likely.
                body.extend_from_slice(r.pick(&[&b"id"[..], b"", b"_2", b"id_1", b"email"]));
            } else {
                gen_csv_field(r, delim, &mut body);
            }
        }
        if row < rows || r.one_in(2) {
            gen_eol(r, &mut body);
        }
    }
    if r.one_in(30) {
        body.extend_from_slice(b"\"unterminated");
    }
    body
}

#[test]
fn csv_chunking_invariance_and_reference() {
    let mut r = Rng::new(3);
    let (mut ok, mut errs, mut records) = (0, 0, 0);
    for _ in 0..4000 {
        let delim = r.pick(b",,;\t|");
        let body = gen_csv(&mut r, delim);
        let w = whole(Format::Csv, delim, &body);
        match (&w, ref_csv(&body, char::from(delim))) {
            (Ok(got), Some(want)) => {
                assert_eq!(as_pairs(got), want, "body {:?}", String::from_utf8_lossy(&body));
                ok += 1;
                records += got.len();
            }
            (Err(e), None) => {
                assert!(e.message.starts_with("unterminated quoted field"), "{e:?}");
                errs += 1;
            }
            (got, want) => panic!("got {got:?}, reference says {want:?} for {:?}", String::from_utf8_lossy(&body)),
        }
        check_chunked(&mut r, Format::Csv, delim, &body, &w);
    }
    assert!(ok > 2000 && errs > 50 && records > 10_000, "{ok} {errs} {records}");
}

#[test]
fn arbitrary_bytes_never_panic_and_chunking_agrees() {
    let mut r = Rng::new(4);
    let alphabet: &[u8] = b"\"\",;\t\r\n\n ab{}[]:01\\\xEF\xBB\xBF\xC3\xA9\xFF\x00";
    for _ in 0..3000 {
        let len = r.below(60);
        let body: Vec<u8> = (0..len).map(|_| r.pick(alphabet)).collect();
        for format in [Format::Jsonl, Format::Csv, Format::Lines] {
            let delim = r.pick(&[b',', b';', b'"', b'\n', 0xFF, 0xC3, 0]);
            let w = whole(format, delim, &body);
            check_chunked(&mut r, format, delim, &body, &w);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Large bodies (64 KB chunks)
// ---------------------------------------------------------------------------------------

fn big_jsonl(target: usize) -> (Vec<u8>, u64) {
    let mut body = Vec::with_capacity(target + 256);
    let mut n = 0u64;
    while body.len() < target {
        body.extend_from_slice(b"{\"email\":\"user");
        body.extend_from_slice(n.to_string().as_bytes());
        body.extend_from_slice(
            b"@example.com\",\"userId\":\"u-8c1e\",\"dataFields\":{\"firstName\":\"Zo\xC3\xAB\",\"score\":12.5,\"tags\":[\"a\",\"b\"],\"optIn\":true},\"signupDate\":\"2024-05-01 10:00:00 +00:00\"}\r\n",
        );
        n += 1;
    }
    (body, n)
}

fn big_csv(target: usize) -> (Vec<u8>, u64) {
    let mut body = b"email,userId,firstName,note,score,signupDate\r\n".to_vec();
    body.reserve(target + 256);
    let mut n = 0u64;
    while body.len() < target {
        body.extend_from_slice(b"user");
        body.extend_from_slice(n.to_string().as_bytes());
        body.extend_from_slice(b"@example.com,u-8c1e,Zo\xC3\xAB,\"said \"\"hi\"\", then\nleft\",12.5,2024-05-01 10:00:00\r\n");
        n += 1;
    }
    (body, n)
}

/// Feeds in 64 KB chunks; returns (records, seconds). Checks counters and that every
/// returned array parses (serde_json only when `verify`, as it is slow in debug).
fn feed_big(format: Format, body: &[u8], verify: bool) -> (u64, f64) {
    let t = std::time::Instant::now();
    let mut p = StreamParser::new(format, b',');
    let mut out_bytes = 0;
    for c in body.chunks(64 * 1024) {
        // Flat memory: a push holds at most the unfinished record and its chunk's output.
        let (out, peak) = peak_during(|| p.push(c).unwrap());
        assert!(peak < 1 << 20, "a 64 KB push peaked at {peak} bytes");
        assert!(out.starts_with('[') && out.ends_with(']'));
        if verify {
            array(&out);
        }
        out_bytes += out.len();
    }
    out_bytes += p.finish().unwrap().len();
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(p.bytes(), body.len() as u64);
    assert!(out_bytes > body.len() / 2);
    (p.records(), secs)
}

#[test]
fn large_jsonl_50mb_in_64kb_chunks() {
    let (body, n) = big_jsonl(50 << 20);
    assert_eq!(feed_big(Format::Jsonl, &body, false).0, n);
}

#[test]
fn large_csv_20mb_in_64kb_chunks() {
    let (body, n) = big_csv(20 << 20);
    assert_eq!(feed_big(Format::Csv, &body, false).0, n);
}

#[test]
fn large_outputs_parse() {
    let (body, n) = big_jsonl(2 << 20);
    assert_eq!(feed_big(Format::Jsonl, &body, true).0, n);
    let (body, n) = big_csv(2 << 20);
    assert_eq!(feed_big(Format::Csv, &body, true).0, n);
}

#[test]
#[ignore = "bench: run with --release --ignored --nocapture"]
fn bench_throughput() {
    let mb = |b: &[u8], s: f64| b.len() as f64 / s / 1e6;
    let (body, n) = big_jsonl(200 << 20);
    let (got, s) = feed_big(Format::Jsonl, &body, false);
    assert_eq!(got, n);
    println!("jsonl: {} MB in {s:.3} s = {:.0} MB/s", body.len() >> 20, mb(&body, s));
    let lines_body: Vec<u8> = (0..8_000_000u64).flat_map(|i| format!("user{i}@example.com\r\n").into_bytes()).collect();
    let (_, s) = feed_big(Format::Lines, &lines_body, false);
    println!("lines: {} MB in {s:.3} s = {:.0} MB/s", lines_body.len() >> 20, mb(&lines_body, s));
    let (body, n) = big_csv(200 << 20);
    let (got, s) = feed_big(Format::Csv, &body, false);
    assert_eq!(got, n);
    println!("csv (quoted fields): {} MB in {s:.3} s = {:.0} MB/s", body.len() >> 20, mb(&body, s));
    let mut plain = b"email,userId,firstName,lastName,score,signupDate\n".to_vec();
    let mut i = 0u64;
    while plain.len() < 200 << 20 {
        plain.extend_from_slice(format!("user{i}@example.com,u-{i},Zoë,Smith,12.5,2024-05-01 10:00:00\n").as_bytes());
        i += 1;
    }
    let (got, s) = feed_big(Format::Csv, &plain, false);
    assert_eq!(got, i);
    println!("csv (plain fields): {} MB in {s:.3} s = {:.0} MB/s", plain.len() >> 20, mb(&plain, s));
}
