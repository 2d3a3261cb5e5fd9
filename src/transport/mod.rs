//! Transport: one HTTP attempt through the global `fetch` or the client's own `fetch` option (so it runs in browsers, web workers,
//! Node, Deno and workerd alike), called as `fetch(url, init)` through a binding that catches,
//! because a polyfilled or mocked fetch may throw, reject with a non-Error or resolve to something
//! that is not a Response — all of which must end as a NetworkError, never a trap. Headers are
//! built with gloo-net's `Headers`; the request itself is not a `Request` object: gloo-net's
//! RequestBuilder constructs two `Request`s and re-parses the URL per call, which measured as the
//! largest part of the client's per-call overhead in Node.
//! Also the per-attempt timeout, the caller's `AbortSignal`, and the cancellable retry sleep.

use crate::core::request::HttpRequest;
use gloo_net::http::Headers;
use web_sys::{RequestInit, Response};
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
    #[wasm_bindgen(catch, js_name = fetch)]
    fn global_fetch(url: &str, init: &RequestInit) -> Result<JsValue, JsValue>;
}

/// Whether a signal has aborted, read so that a broken or fake signal cannot throw.
pub fn is_aborted(signal: &AbortSignal) -> bool {
    Reflect::get(signal, &JsValue::from_str("aborted")).ok().and_then(|v| v.as_bool()).unwrap_or(false)
}

/// The reasons our own controller is aborted with. They must be `Error` objects: fetch rejects
/// with the reason, and gloo-net treats any rejection that is not an Error as unreachable.
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
    Network(String),
    Timeout,
    Aborted,
}

/// `target.method` bound to `target`, with optional fixed argument.
fn bound(target: &JsValue, name: &str, arg: Option<&JsValue>) -> Option<Function> {
    let f: Function = Reflect::get(target, &JsValue::from_str(name)).ok()?.dyn_into().ok()?;
    Some(match arg {
        Some(a) => f.bind1(target, a).unchecked_into(),
        None => f.bind0(target).unchecked_into(),
    })
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

/// Sends one attempt. Credentials are added here and nowhere else.
/// With `stream`, a 2xx response comes back unread: the timeout covers the wait for its head,
/// and the caller's signal stays linked, so aborting still cancels the body.
pub async fn send(req: &HttpRequest, auth: &[(&str, &str)], fetch: Option<&Function>, timeout_ms: f64, signal: Option<&AbortSignal>, stream: bool) -> Result<Reply, Failure> {
    if signal.is_some_and(is_aborted) {
        return Err(Failure::Aborted);
    }
    let controller = AbortController::new().map_err(|_| Failure::Network("AbortController is not available".into()))?;
    let ours = controller.signal();
    let timeout_reason: JsValue = TIMEOUT_ERROR.with(JsValue::clone);
    let abort_reason: JsValue = ABORT_ERROR.with(JsValue::clone);
    let on_timeout = bound(&controller, "abort", Some(&timeout_reason));
    let on_abort = bound(&controller, "abort", Some(&abort_reason));
    let timer = on_timeout.as_ref().map(|f| set_timeout(f, timeout_ms));
    if let (Some(s), Some(h)) = (signal, on_abort.as_ref()) {
        listen(s, h, true);
    }

    let result = attempt(req, auth, fetch, &ours, stream).await;

    if let Some(t) = timer {
        clear_timeout(&t);
    }
    let streaming = matches!(result, Ok(Reply::Stream(_)));
    if let (Some(s), Some(h), false) = (signal, on_abort.as_ref(), streaming) {
        listen(s, h, false);
    }
    result.map_err(|e| {
        if signal.is_some_and(is_aborted) {
            Failure::Aborted
        } else if ours.aborted() && ours.reason() == timeout_reason {
            Failure::Timeout
        } else {
            Failure::Network(describe(&e))
        }
    })
}

async fn attempt(req: &HttpRequest, auth: &[(&str, &str)], fetch: Option<&Function>, signal: &AbortSignal, stream: bool) -> Result<Reply, JsValue> {
    // Header values are checked before they get here (key and JWT charsets, fixed names).
    let headers = Headers::new();
    for (k, v) in req.headers.iter().copied().chain(auth.iter().copied()) {
        headers.set(k, v);
    }
    let init = RequestInit::new();
    init.set_method(req.method.as_str());
    init.set_headers(&headers.into_raw());
    init.set_signal(Some(signal));
    if let Some(body) = &req.body {
        init.set_body(&JsValue::from_str(body));
    }
    // Promise.resolve() also accepts a fetch that returned a plain value.
    let pending = match fetch {
        Some(f) => f.call2(&JsValue::UNDEFINED, &JsValue::from_str(&req.url), &init)?,
        None => global_fetch(&req.url, &init)?,
    };
    let sent = JsFuture::from(Promise::resolve(&pending)).await?;
    let response: Response = sent.dyn_into().map_err(|_| JsValue::from_str("fetch did not return a Response"))?;
    let status = response.status();
    if stream && (200..300).contains(&status) {
        return Ok(Reply::Stream(response));
    }
    let retry_after = response.headers().get("retry-after").ok().flatten();
    let text = JsFuture::from(response.text()?).await?;
    let body: js_sys::JsString = text.dyn_into().map_err(|_| JsValue::from_str("the response body is not text"))?;
    Ok(Reply::Full(RawResponse { status, body, retry_after }))
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
