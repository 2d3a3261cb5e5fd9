//! The call's decisions, sans IO: the request descriptor of a call, the rate-limit slot, the JWT
//! cache, and what an attempt's outcome means (a result, a retry after a delay, or a typed
//! error). `pkg-template/core/transport.js` drives the loop (fetch, time limit, retry sleep, hooks,
//! the JWT provider) with one synchronous crossing each way per attempt, so no promise is
//! bridged through the wasm.

use crate::core::{
    self,
    defs::{ActionDef, ResponseKind},
    error::{codes, ApiError},
    jwt,
    limiter::Gcra,
    request::HttpRequest,
    response::Payload,
    retry,
};
use js_sys::Function;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
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
    pub timeout_ms: f64,
    pub max_retries: u32,
    /// The longest body read (bytes); streamed bodies are not bounded.
    pub max_response_bytes: f64,
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
    pub api_key: String,
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
    pub hooks: Hooks,
}

fn now() -> f64 {
    js_sys::Date::now()
}

/// A failure without a response, as transport.js names it (`kind`, `detail`).
pub fn failure_error(kind: &str, detail: &str, call: &Call) -> ApiError {
    match kind {
        "aborted" => {
            let mut e = ApiError::new(codes::ABORTED, "the call was aborted");
            e.retryable = false;
            e
        }
        "timeout" => ApiError::new(codes::TIMEOUT, format!("no complete response within {} ms", call.timeout_ms as u64)),
        "large" => {
            let mut e = ApiError::new(codes::TOO_LARGE, format!("the body is longer than maxResponseBytes ({} bytes)", call.max_response_bytes as u64));
            e.status = detail.parse().ok();
            e.retryable = false;
            e
        }
        "permission" => {
            let mut e = ApiError::new(codes::PERMISSION, core::error::excerpt(detail, 300));
            e.retryable = false;
            e
        }
        "redirect" => {
            let (code, location) = detail.split_once('\n').unwrap_or((detail, ""));
            let status: u16 = code.parse().unwrap_or(0);
            let location = core::error::excerpt(location, 300);
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
        _ => ApiError::new(codes::NETWORK, core::error::excerpt(detail, 200)),
    }
}

/// `n` in decimal and a line break.
fn push_line(s: &mut String, n: u64) {
    core::json::write_u64(s, n);
    s.push('\n');
}

/// What an attempt's outcome means, as text for transport.js (first char the verdict):
/// `v<json>` a JSON result to parse, `t<text>` a text result, `e<error json>` the call's error,
/// `r<delay ms>\n<error json>` retry after the delay, `j` send again with a fresh JWT.
pub struct Verdict(pub String);

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

    /// Whether this action is paced for this client (a documented limit, `rateLimit` on).
    pub fn paced(&self, def: &ActionDef) -> bool {
        self.rate_limit && def.rate_limit.is_some()
    }

    /// Reserves this action's rate-limit slot (per key, per isolate): the ms to wait first.
    pub fn pace(&self, def: &ActionDef) -> f64 {
        let Some(limit) = def.rate_limit.as_ref().filter(|_| self.rate_limit) else { return 0.0 };
        BUCKETS.with(|b| {
            let mut b = b.borrow_mut();
            let i = match b.iter().position(|(k, a, _)| *k == self.key_id && *a == def.index) {
                Some(i) => i,
                None => {
                    b.push((self.key_id, def.index, Gcra::default()));
                    b.len() - 1
                }
            };
            b[i].2.reserve(monotonic_ms(), limit)
        })
    }

    /// The cached JWT while it is fresh and not the one just refused (`stale`).
    pub fn cached_token(&self, stale: Option<&str>) -> Option<String> {
        let t = self.token.borrow();
        let t = t.as_ref()?;
        (!jwt::needs_refresh(t.expiry_ms, now()) && stale != Some(t.value.as_str())).then(|| t.value.clone())
    }

    /// Takes what the JWT provider gave (`failed`: what it threw or rejected with).
    pub fn accept_token(&self, value: &JsValue, failed: bool) -> Result<String, ApiError> {
        if failed {
            let why = value.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).or_else(|| value.as_string()).unwrap_or_default();
            let mut err = ApiError::new("JwtError", format!("the jwt provider failed: {}", core::error::excerpt(&why, 160)));
            err.retryable = false;
            return Err(err);
        }
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

    /// The descriptor transport.js sends (see `begin` in mod.rs for the layout).
    pub fn describe(&self, def: &ActionDef, req: &HttpRequest, call: &Call) -> String {
        let mut s = String::with_capacity(req.url.len() + req.body.as_ref().map_or(0, String::len) + 200);
        let kind = match def.response {
            ResponseKind::Json if def.result_is_envelope => 'e',
            ResponseKind::Json => 'j',
            ResponseKind::Csv | ResponseKind::Text | ResponseKind::Html => 't',
            ResponseKind::Jsonl => 'l',
        };
        // Pushed piece by piece: the formatting machinery costs a call more than the pieces.
        push_line(&mut s, def.index as u64);
        s.push(kind);
        s.push('\n');
        s.push_str(if self.paced(def) { "1\n" } else { "0\n" });
        push_line(&mut s, call.timeout_ms as u64);
        push_line(&mut s, call.max_retries as u64);
        push_line(&mut s, call.max_response_bytes as u64);
        s.push_str(req.method.as_str());
        s.push('\n');
        s.push_str(&req.url);
        s.push('\n');
        push_line(&mut s, (req.headers.len() + 1) as u64);
        // Header names and values are checked before they get here (key charset, fixed names),
        // so neither holds a line break.
        for (k, v) in req.headers.iter().copied().chain([("Api-Key", self.api_key.as_str())]) {
            s.push_str(k);
            s.push('\n');
            s.push_str(v);
            s.push('\n');
        }
        match &req.body {
            Some(b) => {
                s.push('b');
                s.push_str(b);
            }
            None => s.push('-'),
        }
        s
    }

    /// The error of a call that ends now (`attempts` made so far), redacted, as JSON text.
    pub fn end(&self, def: &ActionDef, e: ApiError, attempts: u32) -> String {
        let mut e = e.with_action(def.id);
        e.attempts = attempts;
        self.redact(e).to_json()
    }

    /// What an attempt's outcome means (see `Verdict`). `status` 0: no response, `text` is the
    /// failure's kind and `extra` its detail; otherwise `text` is the body and `extra` Retry-After.
    #[allow(clippy::too_many_arguments)]
    pub fn judge(&self, def: &ActionDef, text_mode: bool, call: &Call, attempts: u32, retries: u32, status: u16, text: &str, extra: Option<&str>, jwt_retry: bool) -> Verdict {
        let outcome = if status == 0 {
            Err(failure_error(text, extra.unwrap_or(""), call))
        } else {
            self.with_secrets(|secrets| core::response::interpret_redacted(def, status, text, extra, secrets))
        };
        let err = match outcome {
            Ok(Payload::Json(t)) if !text_mode => return Verdict(format!("v{t}")),
            Ok(Payload::Json(t) | Payload::Text(t)) => return Verdict(format!("t{t}")),
            Err(e) => e.with_action(def.id),
        };
        // A refused JWT was not processed: refresh once and send again.
        if jwt_retry && jwt::is_jwt_rejection(&err) {
            return Verdict("j".into());
        }
        if retries >= call.max_retries || !retry::may_retry(def, &err, self.event_ids) {
            let mut err = err;
            if attempts > 1 {
                err.message = format!("{} (after {attempts} attempts)", err.message);
            }
            return Verdict(format!("e{}", self.end(def, err, attempts)));
        }
        let wait = retry::delay_ms(retries, js_sys::Math::random(), err.retry_after_ms);
        Verdict(format!("r{}\n{}", wait as u64, self.end(def, err, attempts)))
    }
}
