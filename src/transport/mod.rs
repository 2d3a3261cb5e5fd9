//! Transport: one HTTP attempt through the global `fetch` or the client's own `fetch` option (so
//! it runs in browsers, web workers, Node, Deno and workerd alike). The wasm decides everything
//! about the request; `pkg-template/core/transport.js` performs the attempt whole (AbortController, per-attempt
//! timer, the caller's signal, fetch, reading the body) and hands back one small array, so an
//! attempt crosses the wasm boundary once. Earlier versions built the request here through
//! gloo-net (two `Request` objects per call, then `Headers` and `RequestInit` setters): ~25
//! boundary crossings per attempt, the largest part of the client's own per-call cost in Node.
//! A polyfilled or mocked fetch may throw, reject with a non-Error or resolve to something that
//! is not a Response: all of it ends as a NetworkError, never a trap.
//! Also the cancellable retry sleep.

use crate::core::request::HttpRequest;
use js_sys::{Function, Promise, Reflect};
use web_sys::Response;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

/// Whether a signal has aborted, read so that a broken or fake signal cannot throw.
pub fn is_aborted(signal: &AbortSignal) -> bool {
    Reflect::get(signal, &JsValue::from_str("aborted")).ok().and_then(|v| v.as_bool()).unwrap_or(false)
}

/// The reasons our own controller is aborted with. They must be `Error` objects: fetch rejects
/// with the reason, and some fetch wrappers mishandle a rejection that is not an Error.
const TIMEOUT_REASON: &str = "iterable-wasm: attempt timed out";
const ABORT_REASON: &str = "iterable-wasm: call aborted";

thread_local! {
    // One instance of each, made on first use: an Error captures a stack when created, which
    // measured as the largest cost of the client's own in the per-call profile when it was
    // made per attempt. Identity is all the reasons are compared by.
    static TIMEOUT_ERROR: JsValue = js_sys::Error::new(TIMEOUT_REASON).into();
    static ABORT_ERROR: JsValue = js_sys::Error::new(ABORT_REASON).into();
}

pub struct RawResponse {
    pub status: u16,
    /// The body as the engine's own string: copied into the wasm only when it must be read there.
    pub body: js_sys::JsString,
    pub retry_after: Option<String>,
}

/// What an attempt produced: a read body, or (streaming, 2xx) the response with its body unread.
pub enum Reply {
    Full(RawResponse),
    Stream(Response),
}

pub enum Failure {
    /// What fetch said, and what it threw (kept as the error's `cause`).
    Network(String, JsValue),
    /// The runtime refused the request (Deno without --allow-net): what to add.
    Permission(String),
    /// The server answered with a redirect, which is never followed (the key must not travel):
    /// its status (0 where a browser hides it) and absolute `Location` (empty when hidden).
    Redirect(u16, String),
    /// A body (of a response with this status) longer than the client's `maxResponseBytes`:
    /// dropped as soon as the count passed it, or refused by its Content-Length.
    TooLarge(u16),
    Timeout,
    Aborted,
}

fn listen(signal: &AbortSignal, handler: &Function, add: bool) {
    let name = if add { "addEventListener" } else { "removeEventListener" };
    if let Ok(f) = Reflect::get(signal, &JsValue::from_str(name)).and_then(|f| f.dyn_into::<Function>()) {
        let _ = f.call2(signal, &JsValue::from_str("abort"), handler);
    }
}

/// Describes a failure without anything from the request itself.
fn describe(err: &JsValue) -> String {
    let text = match err.dyn_ref::<js_sys::Error>() {
        Some(e) => format!("{}: {}", String::from(e.name()), String::from(e.message())),
        None => err.as_string().unwrap_or_else(|| "fetch failed".to_string()),
    };
    crate::core::error::excerpt(&text, 200)
}

#[wasm_bindgen(module = "/pkg-template/core/transport.js")]
extern "C" {
    /// One attempt, whole (see pkg-template/core/transport.js): resolves with `[status, body, retryAfter]`,
    /// `[status, response]` (streaming) or `[0, kind, detail]`.
    #[wasm_bindgen(js_name = attempt)]
    #[allow(clippy::too_many_arguments)]
    fn js_attempt(
        fetch: &JsValue,
        url: &str,
        method: &str,
        header_lines: &str,
        body: Option<String>,
        timeout_ms: f64,
        signal: Option<AbortSignal>,
        stream: bool,
        max_bytes: f64,
        timeout_reason: &JsValue,
        abort_reason: &JsValue,
    ) -> Promise;
}

/// Sends one attempt. Credentials are added here and nowhere else.
/// With `stream`, a 2xx response comes back unread: the timeout covers the wait for its head,
/// and the caller's signal stays linked, so aborting still cancels the body. Every body that is
/// read is read only up to `max_bytes`.
#[allow(clippy::too_many_arguments)]
pub async fn send(req: &HttpRequest, auth: &[(&str, &str)], fetch: Option<&Function>, timeout_ms: f64, signal: Option<&AbortSignal>, stream: bool, max_bytes: f64) -> Result<Reply, Failure> {
    if signal.is_some_and(is_aborted) {
        return Err(Failure::Aborted);
    }
    // Header names and values are checked before they get here (key and JWT charsets, fixed
    // names), so neither holds a line break.
    let mut lines = String::new();
    for (k, v) in req.headers.iter().copied().chain(auth.iter().copied()) {
        lines.push_str(k);
        lines.push('\n');
        lines.push_str(v);
        lines.push('\n');
    }
    let fetch = fetch.map(|f| JsValue::from(f.clone())).unwrap_or(JsValue::UNDEFINED);
    let promise = js_attempt(
        &fetch,
        &req.url,
        req.method.as_str(),
        &lines,
        req.body.clone(),
        timeout_ms,
        signal.cloned(),
        stream,
        max_bytes,
        &TIMEOUT_ERROR.with(JsValue::clone),
        &ABORT_ERROR.with(JsValue::clone),
    );
    let out: js_sys::Array = JsFuture::from(promise).await.map_err(|e| Failure::Network(describe(&e), e))?.unchecked_into();
    let status = out.get(0).as_f64().unwrap_or(0.0) as u16;
    if status == 0 {
        return Err(match out.get(1).as_string().as_deref() {
            Some("aborted") => Failure::Aborted,
            Some("timeout") => Failure::Timeout,
            Some("large") => Failure::TooLarge(out.get(2).as_f64().unwrap_or(0.0) as u16),
            Some("redirect") => {
                let detail = out.get(2).as_string().unwrap_or_default();
                let (code, location) = detail.split_once('\n').unwrap_or((detail.as_str(), ""));
                Failure::Redirect(code.parse().unwrap_or(0), crate::core::error::excerpt(location, 300))
            }
            Some("permission") => Failure::Permission(crate::core::error::excerpt(&out.get(2).as_string().unwrap_or_default(), 300)),
            _ => Failure::Network(crate::core::error::excerpt(&out.get(2).as_string().unwrap_or_default(), 200), out.get(3)),
        });
    }
    let second = out.get(1);
    if let Ok(text) = second.clone().dyn_into::<js_sys::JsString>() {
        return Ok(Reply::Full(RawResponse { status, body: text, retry_after: out.get(2).as_string() }));
    }
    second.dyn_into::<Response>().map(Reply::Stream).map_err(|_| Failure::Network("fetch did not return a Response".into(), JsValue::UNDEFINED))
}

/// Waits `ms`, or fails with `Aborted` as soon as `signal` aborts.
pub async fn sleep(ms: f64, signal: Option<&AbortSignal>) -> Result<(), Failure> {
    if signal.is_some_and(is_aborted) {
        return Err(Failure::Aborted);
    }
    let mut reject_fn: Option<Function> = None;
    let mut timer = JsValue::UNDEFINED;
    let promise = Promise::new(&mut |resolve, reject| {
        timer = set_timeout(&resolve, ms);
        reject_fn = Some(reject);
    });
    if let (Some(s), Some(r)) = (signal, reject_fn.as_ref()) {
        listen(s, r, true);
    }
    let outcome = JsFuture::from(promise).await;
    clear_timeout(&timer);
    if let (Some(s), Some(r)) = (signal, reject_fn.as_ref()) {
        listen(s, r, false);
    }
    outcome.map(|_| ()).map_err(|_| Failure::Aborted)
}
