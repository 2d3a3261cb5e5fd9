//! The call loop: rate limiting, credentials (API key, JWT with single-flight refresh),
//! attempts with timeouts and cancellation, hooks, retries with backoff.

use super::make_error;
use crate::core::{
    self,
    defs::{ActionDef, ResponseKind},
    error::{codes, ApiError},
    json::write_str,
    jwt,
    limiter::Gcra,
    request::HttpRequest,
    response::Payload,
    retry,
};
use crate::transport::{self, Failure, Reply};
use js_sys::{Function, Promise};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

#[wasm_bindgen]
extern "C" {
    /// JSON.parse on an engine string, without copying it through the wasm.
    #[wasm_bindgen(catch, js_namespace = JSON, js_name = parse)]
    fn json_parse(text: &js_sys::JsString) -> Result<JsValue, JsValue>;
    /// A monotonic clock (ms) for the rate limiter: a wall clock stepped back by the system would
    /// hold every paced call for the size of the step, and one stepped forward would let a burst
    /// through early.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn monotonic_ms() -> f64;
}

thread_local! {
    /// Rate-limit buckets of this isolate / worker / page, per key fingerprint and action
    /// (a handful in practice: only actions with a documented limit that were called).
    static BUCKETS: RefCell<Vec<(u64, usize, Gcra)>> = const { RefCell::new(Vec::new()) };
}

pub struct Call {
    pub signal: Option<AbortSignal>,
    pub timeout_ms: f64,
    pub max_retries: u32,
    /// The longest body read (bytes); streamed bodies are not bounded.
    pub max_response_bytes: f64,
}

/// What a successful call hands back.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The parsed result (JSON parsed by the engine, text as a string).
    Value,
    /// The result's text as received (bulk reads failure lists from it); the input is a chunk of a
    /// bulk plan.
    Text,
    /// The `Response` with its body unread (streaming).
    Stream,
}

pub struct Hooks {
    pub on_request: Option<Function>,
    pub on_response: Option<Function>,
    pub on_retry: Option<Function>,
    /// A fetch-compatible function used instead of the global `fetch` (tests, proxies, the sandbox).
    pub fetch: Option<Function>,
}

struct Token {
    value: String,
    expiry_ms: Option<f64>,
}

pub struct Inner {
    api_key: String,
    key_id: u64,
    pub base: String,
    pub region: &'static str,
    pub max_retries: u32,
    pub timeout_ms: f64,
    pub max_response_bytes: f64,
    pub rate_limit: bool,
    /// `eventIds: "auto"`: the events of the actions with a catalog `eventId` carry ids (given
    /// them in api.js before the first attempt), so those actions are retried like idempotent ones.
    pub event_ids: bool,
    pub jwt: Option<Function>,
    token: RefCell<Option<Token>>,
    /// Every token this client has sent (the last few), so a late error that echoes an old
    /// one is still redacted.
    past_tokens: RefCell<Vec<String>>,
    /// The JWT refresh in flight, shared by every call waiting for it.
    refreshing: RefCell<Option<Promise>>,
    hooks: Hooks,
}

fn now() -> f64 {
    js_sys::Date::now()
}

fn failure_error(f: Failure, call: &Call) -> ApiError {
    match f {
        Failure::Aborted => {
            let mut e = ApiError::new(codes::ABORTED, "the call was aborted");
            e.retryable = false;
            e
        }
        Failure::Timeout => ApiError::new(codes::TIMEOUT, format!("no complete response within {} ms", call.timeout_ms as u64)),
        Failure::TooLarge(status) => {
            let mut e = ApiError::new(codes::TOO_LARGE, format!("the body is longer than maxResponseBytes ({} bytes)", call.max_response_bytes as u64));
            e.status = Some(status);
            e.retryable = false;
            e
        }
        Failure::Network(why, _) => ApiError::new(codes::NETWORK, why),
        Failure::Permission(why) => {
            let mut e = ApiError::new(codes::PERMISSION, why);
            e.retryable = false;
            e
        }
        Failure::Redirect(status, location) => {
            let answer = if status == 0 { "a redirect".to_string() } else { format!("HTTP {status}") };
            let target = if location.is_empty() { String::new() } else { format!(" to {location}") };
            let mut e = ApiError::new(
                codes::REDIRECT,
                format!("the server answered {answer}{target}; Iterable never redirects API calls, so it was not followed and the API key was not sent there (check baseUrl)"),
            );
            e.status = (status != 0).then_some(status);
            e.retryable = false;
            e
        }
    }
}

/// Calls a hook with a JSON-described argument; a hook that throws changes nothing.
fn call_hook(hook: &Option<Function>, json: impl FnOnce() -> String, extra: Option<(&str, &JsValue)>) {
    let Some(f) = hook else { return };
    let Ok(arg) = js_sys::JSON::parse(&json()) else { return };
    if let Some((k, v)) = extra {
        let _ = js_sys::Reflect::set(&arg, &JsValue::from_str(k), v);
    }
    let _ = f.call1(&JsValue::UNDEFINED, &arg);
}

impl Inner {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        api_key: String,
        key_id: u64,
        base: String,
        region: &'static str,
        max_retries: u32,
        timeout_ms: f64,
        max_response_bytes: f64,
        rate_limit: bool,
        event_ids: bool,
        jwt: Option<Function>,
        hooks: Hooks,
    ) -> Inner {
        Inner {
            api_key,
            key_id,
            base,
            region,
            max_retries,
            timeout_ms,
            max_response_bytes,
            rate_limit,
            event_ids,
            jwt,
            token: RefCell::new(None),
            past_tokens: RefCell::new(Vec::new()),
            refreshing: RefCell::new(None),
            hooks,
        }
    }

    /// Runs `f` with the secrets no output may show: the key and every token sent.
    fn with_secrets<R>(&self, f: impl FnOnce(&[&str]) -> R) -> R {
        let past = self.past_tokens.borrow();
        let mut secrets: Vec<&str> = vec![self.api_key.as_str()];
        secrets.extend(past.iter().map(String::as_str));
        f(&secrets)
    }

    /// Removes the key and every token sent from everything an error says.
    pub fn redact(&self, e: ApiError) -> ApiError {
        self.with_secrets(|secrets| e.redact(secrets))
    }

    /// Waits for this action's rate-limit slot (per key, per isolate).
    async fn pace(&self, def: &ActionDef, signal: Option<&AbortSignal>) -> Result<(), Failure> {
        let Some(limit) = def.rate_limit.as_ref().filter(|_| self.rate_limit) else { return Ok(()) };
        let wait = BUCKETS.with(|b| {
            let mut b = b.borrow_mut();
            let i = match b.iter().position(|(k, a, _)| *k == self.key_id && *a == def.index) {
                Some(i) => i,
                None => {
                    b.push((self.key_id, def.index, Gcra::default()));
                    b.len() - 1
                }
            };
            b[i].2.reserve(monotonic_ms(), limit)
        });
        if wait > 0.0 {
            transport::sleep(wait, signal).await?;
        }
        Ok(())
    }

    /// A JWT to send: the cached one while it is fresh and not the one just refused
    /// (`stale`), otherwise a new one from the provider — one refresh in flight at a time.
    async fn bearer(&self, provider: &Function, stale: Option<&str>) -> Result<String, ApiError> {
        if let Some(t) = self.token.borrow().as_ref() {
            if !jwt::needs_refresh(t.expiry_ms, now()) && stale != Some(t.value.as_str()) {
                return Ok(t.value.clone());
            }
        }
        let pending = self.refreshing.borrow().clone();
        let promise = match pending {
            Some(p) => p,
            None => {
                let p = match provider.call0(&JsValue::UNDEFINED) {
                    Ok(v) => Promise::resolve(&v),
                    Err(e) => Promise::reject(&e),
                };
                *self.refreshing.borrow_mut() = Some(p.clone());
                p
            }
        };
        let outcome = JsFuture::from(promise.clone()).await;
        // The first waiter to wake clears the shared refresh; the others find it done.
        let mine = self.refreshing.borrow().as_ref().is_some_and(|p| JsValue::from(p.clone()) == JsValue::from(promise.clone()));
        if mine {
            *self.refreshing.borrow_mut() = None;
        }
        let value = outcome.map_err(|e| {
            let why = e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).or_else(|| e.as_string()).unwrap_or_default();
            let mut err = ApiError::new("JwtError", format!("the jwt provider failed: {}", core::error::excerpt(&why, 160)));
            err.retryable = false;
            err
        })?;
        let Some(token) = value.as_string() else {
            let mut err = ApiError::new("JwtError", "the jwt provider must return a string");
            err.retryable = false;
            return Err(err);
        };
        jwt::check(&token)?;
        let expiry_ms = jwt::expiry_ms(&token);
        {
            let mut past = self.past_tokens.borrow_mut();
            if !past.contains(&token) {
                if past.len() >= 16 {
                    past.remove(0);
                }
                past.push(token.clone());
            }
        }
        *self.token.borrow_mut() = Some(Token { value: token.clone(), expiry_ms });
        Ok(token)
    }

    fn request_info(&self, def: &ActionDef, req: &HttpRequest, attempt: u32) -> String {
        let mut s = String::from("{\"action\":");
        write_str(&mut s, def.id);
        s.push_str(&format!(",\"attempt\":{attempt},\"method\":\"{}\",\"url\":", req.method.as_str()));
        write_str(&mut s, &req.url);
        s.push_str(",\"headers\":{");
        for (k, v) in &req.headers {
            write_str(&mut s, k);
            s.push(':');
            write_str(&mut s, v);
            s.push(',');
        }
        s.push_str("\"Api-Key\":\"[REDACTED]\"");
        if self.jwt.is_some() {
            s.push_str(",\"Authorization\":\"Bearer [REDACTED]\"");
        }
        s.push('}');
        if let Some(b) = &req.body {
            s.push_str(",\"body\":");
            write_str(&mut s, &core::error::redact(b, &[self.api_key.as_str()]));
        }
        s.push('}');
        s
    }

    /// Runs one call to its end. `cause` receives what fetch threw when the last attempt failed
    /// without a response (the rejected error's `cause`).
    pub async fn run(self: Rc<Self>, def: &'static ActionDef, input: Result<String, ApiError>, call: Result<Call, ApiError>, mode: Mode, cause: &mut JsValue) -> Result<JsValue, ApiError> {
        let call = call?;
        core::validate::set_now(now());
        // A bulk chunk (Mode::Text): its items were each checked when the plan was made.
        let checked_items = def.bulk.as_ref().filter(|_| mode == Mode::Text).map(|b| b.items.as_str());
        let request = core::prepare_in(def, &input?, &self.base, checked_items)?;
        let signal = call.signal.as_ref();
        let mut attempts = 0u32;
        let mut retries = 0u32;
        let mut jwt_refused: Option<String> = None;
        let mut jwt_retried = false;
        loop {
            let with_attempts = |mut e: ApiError, n: u32| {
                e.attempts = n;
                e.with_action(def.id)
            };
            self.pace(def, signal).await.map_err(|f| with_attempts(failure_error(f, &call), attempts))?;
            let bearer = match &self.jwt {
                Some(p) => Some(self.bearer(p, jwt_refused.as_deref()).await.map_err(|e| with_attempts(e, attempts))?),
                None => None,
            };
            let auth_value = bearer.as_ref().map(|t| format!("Bearer {t}"));
            let mut auth: Vec<(&str, &str)> = vec![("Api-Key", self.api_key.as_str())];
            if let Some(v) = &auth_value {
                auth.push(("Authorization", v.as_str()));
            }
            if signal.is_some_and(transport::is_aborted) {
                return Err(with_attempts(failure_error(Failure::Aborted, &call), attempts));
            }
            attempts += 1;
            *cause = JsValue::UNDEFINED;
            call_hook(&self.hooks.on_request, || self.request_info(def, &request, attempts), None);
            let started = now();
            let outcome = match transport::send(&request, &auth, self.hooks.fetch.as_ref(), call.timeout_ms, signal, mode == Mode::Stream, call.max_response_bytes).await {
                Ok(Reply::Stream(response)) => return Ok(response.into()),
                Ok(Reply::Full(r)) => {
                    call_hook(
                        &self.hooks.on_response,
                        || {
                            let mut s = String::from("{\"action\":");
                            write_str(&mut s, def.id);
                            s.push_str(&format!(",\"attempt\":{attempts},\"method\":\"{}\",\"url\":", request.method.as_str()));
                            write_str(&mut s, &request.url);
                            s.push_str(&format!(",\"status\":{},\"durationMs\":{}}}", r.status, (now() - started).max(0.0) as u64));
                            s
                        },
                        None,
                    );
                    if (200..300).contains(&r.status) && mode != Mode::Stream {
                        match def.response {
                            // A body with no "code" key anywhere cannot be an Iterable envelope
                            // (failure code, or Success around a result): the engine parses it
                            // as is. A parse failure falls through to the full reading below.
                            ResponseKind::Json if mode == Mode::Value && !r.body.includes("\"code\"", 0) => {
                                if let Ok(v) = json_parse(&r.body) {
                                    return Ok(v);
                                }
                            }
                            ResponseKind::Csv | ResponseKind::Text | ResponseKind::Html => return Ok(r.body.into()),
                            _ => {}
                        }
                    }
                    let body = String::from(&r.body);
                    self.with_secrets(|secrets| core::response::interpret_redacted(def, r.status, &body, r.retry_after.as_deref(), secrets))
                }
                Err(f) => {
                    if let Failure::Network(_, thrown) = &f {
                        *cause = thrown.clone();
                    }
                    Err(failure_error(f, &call).with_action(def.id))
                }
            };
            let err = match outcome {
                Ok(Payload::Json(text) | Payload::Text(text)) if mode == Mode::Text => return Ok(JsValue::from_str(&text)),
                Ok(Payload::Json(text)) => {
                    return js_sys::JSON::parse(&text).map_err(|_| with_attempts(ApiError::new(codes::INVALID_RESPONSE, "the JSON body could not be parsed"), attempts))
                }
                Ok(Payload::Text(text)) => return Ok(JsValue::from_str(&text)),
                Err(e) => e,
            };
            // A refused JWT was not processed: refresh once and send again.
            if bearer.is_some() && !jwt_retried && jwt::is_jwt_rejection(&err) {
                jwt_retried = true;
                jwt_refused = bearer;
                continue;
            }
            if retries >= call.max_retries || !retry::may_retry(def, &err, self.event_ids) {
                let mut err = with_attempts(err, attempts);
                if attempts > 1 {
                    err.message = format!("{} (after {attempts} attempts)", err.message);
                }
                return Err(err);
            }
            let wait = retry::delay_ms(retries, js_sys::Math::random(), err.retry_after_ms);
            retries += 1;
            if self.hooks.on_retry.is_some() {
                let e = self.redact(with_attempts(err.clone(), attempts));
                let error = make_error(&e.to_json(), &JsValue::UNDEFINED);
                call_hook(
                    &self.hooks.on_retry,
                    || {
                        let mut s = String::from("{\"action\":");
                        write_str(&mut s, def.id);
                        s.push_str(&format!(",\"attempt\":{attempts},\"delayMs\":{}}}", wait as u64));
                        s
                    },
                    Some(("error", &error)),
                );
            }
            transport::sleep(wait, signal).await.map_err(|f| with_attempts(failure_error(f, &call), attempts))?;
        }
    }
}
