//! Turning a status and body into a result or an `ApiError`. Bodies are checked here; the
//! bindings hand the (validated) JSON text to the JS engine's own JSON.parse.

use super::defs::{ActionDef, ResponseKind};
use super::error::{codes, excerpt, redact, redact_json, ApiError, ITERABLE_FAILURE_CODES};
use super::json;
use super::search;

/// A successful result, still as text.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// JSON text to parse (json, and jsonl turned into one JSON array).
    Json(String),
    /// A string result (csv, text, html).
    Text(String),
}

/// The `{msg, code, params}` fields of an object body (`params` as JSON text).
struct Envelope {
    code: Option<String>,
    msg: Option<String>,
    params: Option<String>,
}

/// The envelope of a body that is one JSON object; `None` otherwise.
fn envelope(text: &str) -> Option<Envelope> {
    let node = json::parse_shallow(text).ok()?;
    node.as_object()?;
    let text_of = |k: &str| node.get(k).and_then(|v| v.as_str()).map(str::to_string);
    Some(Envelope {
        code: text_of("code"),
        msg: text_of("msg"),
        params: node.get("params").filter(|p| !p.is_null()).map(|p| p.raw.to_string()),
    })
}

/// The `params` object of a `{"msg", "code": "Success", "params": {...}}` body, as JSON text.
fn success_params(text: &str) -> Option<String> {
    let node = json::parse_shallow(text).ok()?;
    let members = node.as_object()?;
    let only_envelope = members.iter().all(|(k, _)| matches!(k.as_ref(), "msg" | "code" | "params"));
    let params = node.get("params").filter(|p| p.as_object().is_some())?;
    (only_envelope && node.get("code")?.as_str()? == "Success").then(|| params.raw.to_string())
}

const EXCERPT: usize = 200;

fn statuses_retryable(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

/// Parses `Retry-After` in seconds (what proxies in front of Iterable send; an HTTP date is
/// not read) into milliseconds. Integer arithmetic only: float parsing would bring its tables
/// into the wasm.
pub fn retry_after_ms(value: Option<&str>) -> Option<f64> {
    let v = value?.trim();
    let (whole, frac) = v.split_once('.').unwrap_or((v, ""));
    if whole.is_empty() || whole.len() > 9 || !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs: u64 = whole.parse().ok()?;
    let millis: u64 = frac.bytes().chain(std::iter::repeat(b'0')).take(3).fold(0, |m, b| m * 10 + (b - b'0') as u64);
    Some((secs * 1000 + millis) as f64)
}

fn looks_like_html(body: &str) -> bool {
    let head = body.trim_start().get(..64).unwrap_or(body.trim_start()).to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html") || head.starts_with("<head") || head.starts_with("<body")
}

/// Pulls readable text out of an HTML error page (title, else the tags stripped).
fn html_text(body: &str) -> String {
    let lower = body.to_ascii_lowercase();
    if let (Some(a), Some(b)) = (search::find(&lower, "<title>"), search::find(&lower, "</title>")) {
        if let Some(title) = body.get(a + 7..b) {
            return excerpt(title, EXCERPT);
        }
    }
    let mut out = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
        if out.len() > 4 * EXCERPT {
            break;
        }
    }
    excerpt(&out, EXCERPT)
}

/// Iterable's `msg`, redacted then cut; `None` when it says nothing.
fn message(msg: Option<&str>, secrets: &[&str]) -> Option<String> {
    msg.map(|m| excerpt(&redact(m, secrets), EXCERPT)).filter(|m| !m.is_empty())
}

/// A failure code from a body, redacted and bounded.
fn code_text(code: &str, secrets: &[&str]) -> String {
    excerpt(&redact(code, secrets), 64)
}

/// An error for a non-2xx status.
fn http_error(status: u16, body: &str, secrets: &[&str]) -> ApiError {
    let trimmed = body.trim();
    if trimmed.starts_with('{') {
        if let Some(env) = envelope(trimmed) {
            let code = env.code.as_deref().filter(|c| *c != "Success").map(|c| code_text(c, secrets)).filter(|c| !c.is_empty());
            let mut e = ApiError::new(
                code.as_deref().unwrap_or(if status == 429 { codes::RATE_LIMIT } else { codes::HTTP }),
                message(env.msg.as_deref(), secrets).unwrap_or_else(|| "the error body has no message".to_string()),
            );
            e.status = Some(status);
            e.retryable = statuses_retryable(status);
            e.params = env.params.map(|p| redact_json(&p, secrets));
            return e;
        }
    }
    let redacted = redact(trimmed, secrets);
    let trimmed = redacted.as_str();
    let (code, what) = if status == 429 { (codes::RATE_LIMIT, "rate limit exceeded") } else { (codes::HTTP, "") };
    let text = if trimmed.is_empty() {
        "empty body".to_string()
    } else if looks_like_html(trimmed) {
        html_text(trimmed)
    } else {
        excerpt(trimmed, EXCERPT)
    };
    let text = if text.trim().is_empty() { "no readable text in the body".to_string() } else { text };
    let message = if what.is_empty() { text } else { format!("{what}: {text}") };
    let mut e = ApiError::new(code, message);
    e.status = Some(status);
    e.retryable = statuses_retryable(status);
    if !trimmed.is_empty() {
        e.body = Some(excerpt(trimmed, EXCERPT));
    }
    e
}

fn invalid(status: u16, what: &str, body: &str, secrets: &[&str]) -> ApiError {
    let mut e = ApiError::new(codes::INVALID_RESPONSE, what);
    e.status = Some(status);
    e.retryable = false;
    e.body = Some(excerpt(&redact(body, secrets), EXCERPT));
    e
}

/// Interprets a response. `retry_after` is the raw `Retry-After` header, if any.
pub fn interpret(def: &ActionDef, status: u16, body: &str, retry_after: Option<&str>) -> Result<Payload, ApiError> {
    interpret_redacted(def, status, body, retry_after, &[])
}

/// `interpret`, with `secrets` removed from every text an error takes from the body — before
/// anything is cut short, so no part of a secret survives at a cut.
pub fn interpret_redacted(def: &ActionDef, status: u16, body: &str, retry_after: Option<&str>, secrets: &[&str]) -> Result<Payload, ApiError> {
    if !(200..300).contains(&status) {
        let mut e = http_error(status, body, secrets).with_action(def.id);
        e.retry_after_ms = retry_after_ms(retry_after);
        return Err(e);
    }
    match def.response {
        ResponseKind::Json => {
            let t = body.trim();
            if t.is_empty() {
                // Only where the spec documents a success without a body (catalog `emptySuccess`,
                // e.g. 202 Accepted); anywhere else an empty body is no answer at all.
                let digits = [b'0' + (status / 100 % 10) as u8, b'0' + (status / 10 % 10) as u8, b'0' + (status % 10) as u8];
                if def.empty_success.as_bytes().windows(3).any(|w| w == digits) {
                    return Ok(Payload::Json("null".into()));
                }
                return Err(invalid(status, "empty body", body, secrets).with_action(def.id));
            }
            if t.starts_with('{') {
                if !def.result_is_envelope {
                    if let Some(inner) = success_params(t) {
                        return Ok(Payload::Json(inner));
                    }
                }
                match envelope(t) {
                    Some(env) => {
                        // A 2xx whose body carries an Iterable failure code is a failure.
                        if let Some(code) = env.code.as_deref().filter(|c| ITERABLE_FAILURE_CODES.contains(c)) {
                            let msg = message(env.msg.as_deref(), secrets).unwrap_or_else(|| format!("a {status} answer carrying failure code {code}"));
                            let mut e = ApiError::new(code, msg).with_action(def.id);
                            e.status = Some(status);
                            e.retryable = matches!(code, "RateLimitExceeded" | "DatabaseError");
                            e.params = env.params.map(|p| redact_json(&p, secrets));
                            return Err(e);
                        }
                    }
                    None => return Err(invalid(status, "the JSON body is malformed or truncated", t, secrets).with_action(def.id)),
                }
            } else if json::check(t).is_err() {
                let what = if looks_like_html(t) { "expected JSON, got an HTML page" } else { "expected JSON, got something else" };
                return Err(invalid(status, what, t, secrets).with_action(def.id));
            }
            Ok(Payload::Json(t.to_string()))
        }
        ResponseKind::Jsonl => {
            let mut out = String::with_capacity(body.len() + 2);
            out.push('[');
            for (n, line) in body.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                if json::check(line).is_err() {
                    return Err(invalid(status, &format!("line {} of the JSON-lines body is not JSON", n + 1), line, secrets).with_action(def.id));
                }
                if out.len() > 1 {
                    out.push(',');
                }
                out.push_str(line);
            }
            out.push(']');
            Ok(Payload::Json(out))
        }
        ResponseKind::Csv | ResponseKind::Text | ResponseKind::Html => Ok(Payload::Text(body.to_string())),
    }
}
