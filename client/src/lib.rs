//! A typed async client for the Iterable API.
//!
//! Built on the same Rust core as the `iterable-wasm` npm package: every call goes through the
//! same definitions (`defs/actions.json`), the same input validation, the same request bytes,
//! the same retry policy, rate limiter and response handling. One async method per action
//! ([`Client::get_user_by_email`], [`Client::track_event`], ... generated from the definitions)
//! taking a typed input ([`actions`]) and returning a typed result ([`results`]), and
//! [`Client::execute`] for generic callers. Large work: [`Client::paginate`] (a `Stream` of pages
//! or items) and [`Client::bulk`]. JWT-enabled keys ([`ClientBuilder::jwt`]) and hooks
//! ([`ClientBuilder::on_request`], ...) work as in the npm package.
//!
//! ```no_run
//! # async fn run() -> Result<(), iterable_client::IterableError> {
//! use iterable_client::{Client, Region};
//!
//! let client = Client::builder("my-api-key").region(Region::Eu).max_retries(3).build()?;
//! let user = client.execute("get_user_by_email", serde_json::json!({ "email": "ada@example.com" })).await?;
//! println!("{user}");
//! # Ok(()) }
//! ```
//!
//! Tests run offline against the in-process emulator (feature `sandbox`, on by default):
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! use iterable_client::{Client, actions::TrackEventInput};
//!
//! let client = Client::sandbox();
//! let input = TrackEventInput { email: Some("ada@example.com".into()), event_name: Some("signup".into()), ..Default::default() };
//! let answer = client.track_event(input).await.unwrap();
//! assert_eq!(answer.code, iterable_client::results::IterableApiResponseCode::Success);
//! # });
//! ```

#![allow(clippy::result_large_err)]

pub mod actions;
mod error;
mod hooks;
mod large;
pub mod results;
mod transport;
mod written;

pub use error::{Issue, IterableError};
pub use hooks::{JwtFuture, RequestInfo, ResponseInfo, RetryInfo};
pub use large::{BulkError, BulkFailure, BulkOptions, BulkReport, Paginated};

use iterable_wasm::core::{
    self as core,
    defs::{ActionDef, ResponseKind},
    error::{codes, ApiError},
    limiter::Gcra,
    request,
    response::Payload,
    retry,
};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use web_time::Instant;
use transport::{Backend, Failure};

/// Iterable's data centers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Region {
    /// `https://api.iterable.com`
    #[default]
    Us,
    /// `https://api.eu.iterable.com`
    Eu,
}

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_MAX_RETRIES: u32 = 2;
const MAX_MAX_RETRIES: u32 = 10;
const MAX_TIMEOUT: Duration = Duration::from_secs(3600);
const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;
const MAX_MAX_RESPONSE_BYTES: usize = 500 * 1024 * 1024;

/// Settings for a [`Client`]; the defaults are the npm package's.
#[derive(Clone)]
pub struct ClientBuilder {
    api_key: String,
    region: Region,
    base_url: Option<String>,
    max_retries: u32,
    timeout: Duration,
    max_response_bytes: usize,
    rate_limit: bool,
    event_ids: bool,
    hooks: hooks::Hooks,
    jwt: Option<hooks::Provider>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("ClientBuilder").field("region", &self.region).field("base_url", &self.base_url).field("max_retries", &self.max_retries).field("jwt", &self.jwt.is_some()).finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Iterable's region (default [`Region::Us`]); ignored when [`base_url`](Self::base_url) is set.
    pub fn region(mut self, region: Region) -> Self {
        self.region = region;
        self
    }
    /// Another base URL: https, or plain http on `127.0.0.1`, `localhost` or `[::1]` only.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }
    /// Retries of a failed attempt that may be repeated (default 2, at most 10).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }
    /// The longest one attempt may take, body included (default 30 s, at most 1 h).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }
    /// The longest body read (default 64 MiB, at most 500 MiB).
    pub fn max_response_bytes(mut self, n: usize) -> Self {
        self.max_response_bytes = n;
        self
    }
    /// Whether calls wait for each action's documented rate limit (default true).
    pub fn rate_limit(mut self, on: bool) -> Self {
        self.rate_limit = on;
        self
    }
    /// Declares that every event sent carries its own id, so the actions whose events Iterable
    /// updates by id are retried after a 5xx like idempotent ones (default false).
    pub fn event_ids(mut self, on: bool) -> Self {
        self.event_ids = on;
        self
    }

    /// Called before each attempt with what is sent (`Api-Key` and `Authorization` redacted). A
    /// hook that panics changes nothing.
    pub fn on_request(mut self, hook: impl Fn(&RequestInfo<'_>) + Send + Sync + 'static) -> Self {
        self.hooks.on_request = Some(Arc::new(hook));
        self
    }
    /// Called when an answer came (any status), with its status and duration.
    pub fn on_response(mut self, hook: impl Fn(&ResponseInfo<'_>) + Send + Sync + 'static) -> Self {
        self.hooks.on_response = Some(Arc::new(hook));
        self
    }
    /// Called before the client waits and tries again, with the failure and the wait.
    pub fn on_retry(mut self, hook: impl Fn(&RetryInfo<'_>) + Send + Sync + 'static) -> Self {
        self.hooks.on_retry = Some(Arc::new(hook));
        self
    }
    /// A JWT-enabled key: `provider` mints a token (your backend signs it; Iterable has no
    /// refresh endpoint). The client sends `Authorization: Bearer <jwt>`, asks again 60 s before
    /// the token's `exp`, and after a 401 about the JWT asks once more and resends (that resend
    /// does not use up `max_retries`). One refresh is in flight at a time. A provider that fails
    /// or returns something that is not a compact JWT gives a `JwtError`, and nothing is sent.
    pub fn jwt<F, Fut>(mut self, provider: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<String, String>> + JwtSend + 'static,
    {
        self.jwt = Some(Arc::new(move || -> JwtFuture { Box::pin(provider()) }));
        self
    }

    fn check(&self) -> Result<String, IterableError> {
        let bad = |param: &str, message: &str| -> IterableError {
            ApiError::validation(vec![core::error::Issue { param: param.into(), message: message.into() }]).into()
        };
        core::check_api_key(&self.api_key)?;
        if self.max_retries > MAX_MAX_RETRIES {
            return Err(bad("maxRetries", "at most 10"));
        }
        if self.timeout.is_zero() || self.timeout > MAX_TIMEOUT {
            return Err(bad("timeoutMs", "between 1 ms and 1 hour"));
        }
        if self.max_response_bytes == 0 || self.max_response_bytes > MAX_MAX_RESPONSE_BYTES {
            return Err(bad("maxResponseBytes", "between 1 byte and 500 MiB"));
        }
        let region = match self.region {
            Region::Us => "us",
            Region::Eu => "eu",
        };
        Ok(request::base_url(Some(region), self.base_url.as_deref())?)
    }

    /// The client, or a `ValidationError` naming the setting to fix.
    pub fn build(self) -> Result<Client, IterableError> {
        let base = self.check()?;
        #[cfg(not(target_arch = "wasm32"))]
        let backend = Backend::Http(transport::http_client().map_err(|why| IterableError::from(ApiError::new(codes::NETWORK, why)))?, transport::Origin::new(&base));
        #[cfg(target_arch = "wasm32")]
        let backend = Backend::Fetch;
        Ok(Client::from_parts(self, base, backend))
    }

    /// The client with these settings, answered in-process by the Iterable emulator with its
    /// options as JSON (see [`Client::sandbox_with`]): hooks, JWT providers (with the emulator's
    /// `jwtKeys`), retries and rate limits work as against the network.
    #[cfg(feature = "sandbox")]
    pub fn build_sandbox(self, options_json: &str) -> Result<Client, IterableError> {
        let sandbox = iterable_sandbox::Sandbox::new(options_json).map_err(|why| {
            IterableError::from(ApiError::validation(vec![core::error::Issue { param: "sandbox".into(), message: why }]))
        })?;
        let base = self.check()?;
        Ok(Client::from_parts(self, base, Backend::Sandbox(Arc::new(Mutex::new(sandbox)))))
    }
}

/// `Send` for the JWT provider's future natively (tokio may move it between threads); nothing in
/// wasm32, where futures of the engine's promises are not `Send`.
#[cfg(not(target_arch = "wasm32"))]
pub trait JwtSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send> JwtSend for T {}
/// `Send` for the JWT provider's future natively (tokio may move it between threads); nothing in
/// wasm32, where futures of the engine's promises are not `Send`.
#[cfg(target_arch = "wasm32")]
pub trait JwtSend {}
#[cfg(target_arch = "wasm32")]
impl<T> JwtSend for T {}

struct Inner {
    api_key: String,
    base: String,
    max_retries: u32,
    timeout: Duration,
    max_response_bytes: usize,
    rate_limit: bool,
    event_ids: bool,
    /// The key as the transport sends it (built once).
    auth: transport::Auth,
    hooks: hooks::Hooks,
    jwt: Option<hooks::Jwt>,
    backend: Backend,
    /// Rate-limit buckets of this client (and its clones), by action index.
    buckets: Mutex<Vec<(usize, Gcra)>>,
    epoch: Instant,
}

/// An Iterable client. Cheap to clone: clones share settings, connections and rate limits.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("Client").field("base", &self.inner.base).field("max_retries", &self.inner.max_retries).finish_non_exhaustive()
    }
}

fn failure_error(f: Failure, timeout: Duration, max_bytes: usize) -> ApiError {
    match f {
        Failure::Timeout => ApiError::new(codes::TIMEOUT, format!("no complete response within {} ms", timeout.as_millis())),
        Failure::Network(why) => ApiError::new(codes::NETWORK, why),
        Failure::TooLarge(status) => {
            let mut e = ApiError::new(codes::TOO_LARGE, format!("the body is longer than maxResponseBytes ({max_bytes} bytes)"));
            e.status = Some(status);
            e.retryable = false;
            e
        }
        Failure::Redirect(status, location) => {
            let target = if location.is_empty() { String::new() } else { format!(" to {location}") };
            let mut e = ApiError::new(
                codes::REDIRECT,
                format!("the server answered HTTP {status}{target}; Iterable never redirects API calls, so it was not followed and the API key was not sent there (check baseUrl)"),
            );
            e.status = Some(status);
            e.retryable = false;
            e
        }
    }
}

pub(crate) fn epoch_ms() -> f64 {
    // Whole milliseconds, as `as_millis()` gives them, without its 128-bit conversion to f64.
    web_time::SystemTime::now().duration_since(web_time::UNIX_EPOCH).map(|d| d.as_secs().saturating_mul(1000).saturating_add(u64::from(d.subsec_millis())) as f64).unwrap_or(f64::NAN)
}

impl Client {
    /// A client for the US region with the default settings.
    pub fn new(api_key: impl Into<String>) -> Result<Client, IterableError> {
        Client::builder(api_key).build()
    }

    /// Settings for a client; finish with [`ClientBuilder::build`].
    pub fn builder(api_key: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            api_key: api_key.into(),
            region: Region::Us,
            base_url: None,
            max_retries: DEFAULT_MAX_RETRIES,
            timeout: DEFAULT_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            rate_limit: true,
            event_ids: false,
            hooks: hooks::Hooks::default(),
            jwt: None,
        }
    }

    fn from_parts(b: ClientBuilder, base: String, backend: Backend) -> Client {
        Client {
            inner: Arc::new(Inner {
                auth: transport::Auth::new(&b.api_key),
                hooks: b.hooks,
                jwt: b.jwt.map(hooks::Jwt::new),
                api_key: b.api_key,
                base,
                max_retries: b.max_retries,
                timeout: b.timeout,
                max_response_bytes: b.max_response_bytes,
                rate_limit: b.rate_limit,
                event_ids: b.event_ids,
                backend,
                buckets: Mutex::new(Vec::new()),
                epoch: Instant::now(),
            }),
        }
    }

    /// A client answered in-process by the Iterable emulator (a fresh, empty project; no network,
    /// no real key), for tests that run offline.
    #[cfg(feature = "sandbox")]
    pub fn sandbox() -> Client {
        Client::sandbox_with("{}").expect("the default sandbox options are valid")
    }

    /// [`Client::sandbox`] with the emulator's options as JSON (`{"seed": "demo"}` for the demo
    /// project, `{"faults": {"statuses": [503], "rate": 0.5}}`, ...). Retries wait as they would
    /// against the network.
    #[cfg(feature = "sandbox")]
    pub fn sandbox_with(options_json: &str) -> Result<Client, IterableError> {
        Client::builder("sandbox-key").build_sandbox(options_json)
    }

    /// The base URL calls go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    /// Waits for this action's rate-limit slot.
    async fn pace(&self, def: &ActionDef) {
        let Some(limit) = def.rate_limit.as_ref().filter(|_| self.inner.rate_limit) else { return };
        let wait = {
            let mut b = self.inner.buckets.lock().unwrap_or_else(|p| p.into_inner());
            let now = self.inner.epoch.elapsed().as_secs_f64() * 1000.0;
            let i = match b.iter().position(|(a, _)| *a == def.index) {
                Some(i) => i,
                None => {
                    b.push((def.index, Gcra::default()));
                    b.len() - 1
                }
            };
            b[i].1.reserve(now, limit)
        };
        transport::sleep(Duration::from_secs_f64(wait / 1000.0)).await;
    }

    /// Runs any action by id with its input as JSON (the API's parameter names), and returns its
    /// result: JSON results as JSON, CSV/text/HTML results as a JSON string.
    ///
    /// The input is validated first (a `ValidationError` naming each parameter to fix, nothing
    /// sent); failed attempts are retried with backoff when the action may be repeated.
    pub async fn execute(&self, id: &str, input: Value) -> Result<Value, IterableError> {
        let def = core::action(id)?;
        self.call(def, &input).await
    }

    /// One call of `def` with a serializable input, its result read into `R`: the input goes to
    /// JSON text once (no `Value` in between), validated and built from its members as written
    /// (`written::prepare`), and the answer is read from the body's bytes.
    pub(crate) async fn call<I: serde::Serialize + ?Sized, R: DeserializeOwned>(&self, def: &'static ActionDef, input: &I) -> Result<R, IterableError> {
        core::validate::set_now(epoch_ms());
        let request = written::prepare(def, input, &self.inner.base).map_err(|e| e.with_action(def.id))?;
        self.send(def, request).await
    }

    /// The request this call would send (validated, without credentials): for dry runs and logs.
    pub fn prepare(&self, id: &str, input: &Value) -> Result<request::HttpRequest, IterableError> {
        let def = core::action(id)?;
        core::validate::set_now(epoch_ms());
        core::prepare(def, &input.to_string(), &self.inner.base).map_err(|e| e.with_action(def.id).into())
    }

    /// Sends a request the core built (and validated): pace, send, interpret, retry.
    pub(crate) async fn send<R: DeserializeOwned>(&self, def: &'static ActionDef, request: request::HttpRequest) -> Result<R, IterableError> {
        let inner = &self.inner;
        let request = transport::Prepared::new(request);
        let mut attempts = 0u32;
        let mut retries = 0u32;
        // The JWT just refused (one refresh and resend per call, outside max_retries).
        let mut stale: Option<String> = None;
        let mut jwt_resent = false;
        loop {
            let token = match &inner.jwt {
                Some(j) => match j.bearer(stale.as_deref()).await {
                    Ok(t) => Some(t),
                    Err(e) => {
                        let mut e = e.with_action(def.id).redact(&[inner.api_key.as_str()]);
                        e.attempts = attempts;
                        return Err(e.into());
                    }
                },
                None => None,
            };
            let secrets = [inner.api_key.as_str(), token.as_deref().unwrap_or("")];
            self.pace(def).await;
            attempts += 1;
            if let Some(hook) = &inner.hooks.on_request {
                request_hook(hook, def, attempts, &request, token.is_some(), &inner.api_key);
            }
            // The clock is read for the response hook's duration only.
            let started = inner.hooks.on_response.as_ref().map(|_| Instant::now());
            let reply = inner.backend.send(&request, &inner.auth, token.as_deref(), inner.timeout, inner.max_response_bytes).await;
            let outcome = match reply {
                Ok(r) => {
                    if let (Some(hook), Some(started)) = (&inner.hooks.on_response, started) {
                        response_hook(hook, def, attempts, &request, r.status, started);
                    }
                    // A 2xx JSON body with no "code" key anywhere cannot be an Iterable envelope
                    // (a failure code, or Success around a result), and the result of an action
                    // whose result is the envelope itself is the body as is when its top-level
                    // code is Success: read as is, as the npm package does. A body that does not
                    // read falls through to the full checks.
                    if (200..300).contains(&r.status) && def.response == ResponseKind::Json && ((def.result_is_envelope && success_envelope(&r.body)) || !memchr_code(&r.body)) {
                        if let Ok(v) = serde_json::from_str(&r.body) {
                            return Ok(v);
                        }
                    }
                    core::response::interpret_redacted(def, r.status, &r.body, r.retry_after.as_deref(), &secrets).and_then(|p| read_payload(def, p))
                }
                Err(f) => Err(failure_error(f, inner.timeout, inner.max_response_bytes).with_action(def.id)),
            };
            let err = match outcome {
                Ok(p) => return Ok(p),
                Err(e) => e,
            };
            // A refused JWT was not processed: a new token, and the same request again.
            if token.is_some() && !jwt_resent && hooks::refused(&err) {
                jwt_resent = true;
                stale = token;
                continue;
            }
            if retries >= inner.max_retries || !retry::may_retry(def, &err, inner.event_ids) {
                return Err(final_error(err, def, attempts, &secrets));
            }
            let wait = retry::delay_ms(retries, fastrand::f64(), err.retry_after_ms);
            if let Some(hook) = &inner.hooks.on_retry {
                retry_hook(hook, def, attempts, &err, wait, &secrets);
            }
            retries += 1;
            transport::sleep(Duration::from_millis(wait as u64)).await;
        }
    }
}

/// The request hook's call (outside the common path's code: most clients have no hooks).
#[cold]
#[inline(never)]
fn request_hook(hook: &hooks::OnRequest, def: &ActionDef, attempt: u32, request: &transport::Prepared, bearer: bool, api_key: &str) {
    let req = &request.req;
    let mut headers: Vec<(&str, &str)> = req.headers.clone();
    headers.push(("Api-Key", "[REDACTED]"));
    if bearer {
        headers.push(("Authorization", "Bearer [REDACTED]"));
    }
    let body = request.body().map(|b| hooks::shown_body(b, api_key));
    let info = RequestInfo { action: def.id, attempt, method: req.method.as_str(), url: &req.url, headers, body };
    hooks::quietly(|| hook(&info));
}

/// The response hook's call, with the attempt's duration.
#[cold]
#[inline(never)]
fn response_hook(hook: &hooks::OnResponse, def: &ActionDef, attempt: u32, request: &transport::Prepared, status: u16, started: Instant) {
    let req = &request.req;
    let info = ResponseInfo { action: def.id, attempt, method: req.method.as_str(), url: &req.url, status, duration: started.elapsed() };
    hooks::quietly(|| hook(&info));
}

/// The error a call ends with: redacted, with its attempts.
#[cold]
#[inline(never)]
fn final_error(err: ApiError, def: &ActionDef, attempts: u32, secrets: &[&str]) -> IterableError {
    let mut err = err.redact(secrets);
    err.attempts = attempts;
    if attempts > 1 {
        err.message = format!("{} (after {attempts} attempts)", err.message);
    }
    err.with_action(def.id).into()
}

/// The retry hook's call, with the failure (redacted) and the wait.
#[cold]
#[inline(never)]
fn retry_hook(hook: &hooks::OnRetry, def: &ActionDef, attempt: u32, err: &ApiError, wait: f64, secrets: &[&str]) {
    let mut shown = err.clone().redact(secrets).with_action(def.id);
    shown.attempts = attempt;
    let error = IterableError::from(shown);
    let info = RetryInfo { action: def.id, attempt, delay: Duration::from_millis(wait as u64), error: &error };
    hooks::quietly(|| hook(&info));
}

/// Whether a body holds `"code"` anywhere (then it may be an envelope and gets the full checks).
fn memchr_code(body: &str) -> bool {
    body.contains("\"code\"")
}

/// Whether a body is an object whose one top-level `"code"` is the string `"Success"` (then the
/// core's envelope check would pass it whole). The top level is taken member by member, nested
/// values passed over by their brackets and quotes: the body is read by serde_json next, which
/// refuses anything that is not JSON, so the scan need not check the grammar. Anything it does
/// not expect answers false and gets the full checks: no code, a failure code, a code given
/// twice, an escape in a top-level key or in the code, not an object.
fn success_envelope(body: &str) -> bool {
    let b = body.as_bytes();
    let ws = |mut i: usize| {
        while b.get(i).is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r')) {
            i += 1;
        }
        i
    };
    let mut i = ws(0);
    if b.get(i) != Some(&b'{') {
        return false;
    }
    let mut codes = 0;
    i = ws(i + 1);
    if b.get(i) == Some(&b'}') {
        return false;
    }
    loop {
        let Some(key_end) = string_end(b, i) else { return false };
        let key = &b[i..key_end];
        if key.contains(&b'\\') {
            return false;
        }
        i = ws(key_end);
        if b.get(i) != Some(&b':') {
            return false;
        }
        i = ws(i + 1);
        if key == b"\"code\"" {
            if !b[i..].starts_with(b"\"Success\"") {
                return false;
            }
            codes += 1;
            i += 9;
        } else {
            let Some(end) = value_end(b, i) else { return false };
            i = end;
        }
        i = ws(i);
        match b.get(i) {
            Some(b',') => i = ws(i + 1),
            Some(b'}') => return codes == 1 && ws(i + 1) == b.len(),
            _ => return false,
        }
    }
}

/// Where the string starting at `b[i]` (a quote) ends, past its closing quote.
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let mut j = i + 1;
    loop {
        j += b.get(j..)?.iter().position(|c| matches!(c, b'"' | b'\\'))?;
        if b[j] == b'"' {
            return Some(j + 1);
        }
        j += 2;
    }
}

/// Where the value starting at `b[i]` ends: a string past its quote, an object or array past its
/// closing bracket, anything else at the next comma, bracket or white space.
fn value_end(b: &[u8], i: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut j = i;
    loop {
        match b.get(j) {
            Some(b'"') => {
                j = string_end(b, j)?;
                if depth == 0 {
                    return Some(j);
                }
                continue;
            }
            Some(b'{' | b'[') => depth += 1,
            Some(b'}' | b']') if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    return Some(j + 1);
                }
            }
            Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') | None if depth == 0 => return Some(j),
            None => return None,
            _ => {}
        }
        j += 1;
    }
}

/// A checked result read into `R`: JSON text parsed, a text result as a JSON string. A body that
/// is not what `R` describes is an `InvalidResponse` (not retried: the same answer would come).
fn read_payload<R: DeserializeOwned>(def: &ActionDef, p: Payload) -> Result<R, ApiError> {
    let read = match p {
        Payload::Json(t) => serde_json::from_str(&t),
        Payload::Text(t) => R::deserialize(serde::de::value::StringDeserializer::<serde_json::Error>::new(t)),
    };
    read.map_err(|e| {
        let mut err = ApiError::new(codes::INVALID_RESPONSE, format!("the JSON body could not be parsed: {e}")).with_action(def.id);
        err.retryable = false;
        err
    })
}

#[cfg(test)]
mod tests {
    /// The scan answers as one serde pass over the top level would (an object whose one `code` is
    /// `"Success"`), or false where it cannot be sure (escapes), leaving those to the full checks.
    #[test]
    fn success_envelope_agrees_with_a_serde_reading() {
        #[derive(serde::Deserialize)]
        struct Top<'a> {
            #[serde(borrow)]
            code: std::borrow::Cow<'a, str>,
        }
        let serde_says = |body: &str| body.trim_start().starts_with('{') && serde_json::from_str::<Top<'_>>(body).is_ok_and(|t| t.code == "Success");
        let agree = [
            r#"{"msg":"Event with id: 5f2b tracked.","code":"Success","params":{"id":"5f2b"}}"#,
            r#" { "code" : "Success" } "#,
            "{\n\t\"code\":\"Success\",\r\n\"params\":null}",
            r#"{"params":{"code":"BadParams","list":[1,{"a":"]}"}],"s":"x\"y"},"code":"Success"}"#,
            r#"{"code":"Success","code":"Success"}"#,
            r#"{"code":"BadParams","msg":"no"}"#,
            r#"{"msg":"no code here","params":{"code":"Success"}}"#,
            r#"{"code":"Success""#,
            r#"{"code":"Success"} x"#,
            r#"{"code":"Success",}"#,
            r#"{"code":"SuccessX"}"#,
            r#"{"code":null}"#,
            r#"{"code":1}"#,
            r#"{}"#,
            r#"[{"code":"Success"}]"#,
            r#""code""#,
            "",
            r#"{"a":[1,2,{"b":[]}],"n":-1.5e3,"t":true,"z":null,"code":"Success"}"#,
            r#"{"a":"\\","code":"Success"}"#,
        ];
        for body in agree {
            assert_eq!(super::success_envelope(body), serde_says(body), "{body}");
        }
        // Escaped keys or codes: serde would decode them; the scan leaves them to the full checks.
        for body in [r#"{"co\u0064e":"Success"}"#, r#"{"code":"Succ\u0065ss"}"#, r#"{"code":"Success","co\u0064e":"Success"}"#] {
            assert!(!super::success_envelope(body), "{body}");
        }
    }
}
