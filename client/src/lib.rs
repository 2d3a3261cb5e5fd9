//! A typed async client for the Iterable API.
//!
//! Built on the same Rust core as the `iterable-wasm` npm package: every call goes through the
//! same definitions (`defs/actions.json`), the same input validation, the same request bytes,
//! the same retry policy, rate limiter and response handling. One async method per action
//! ([`Client::get_user_by_email`], [`Client::track_event`], ... generated from the definitions), and
//! [`Client::execute`] for generic callers.
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
//! assert_eq!(answer["code"], "Success");
//! # });
//! ```

#![allow(clippy::result_large_err)]

pub mod actions;
mod error;
mod transport;

pub use error::{Issue, IterableError};

use iterable_wasm::core::{
    self as core,
    defs::{ActionDef, ResponseKind},
    error::{codes, ApiError},
    limiter::Gcra,
    request,
    response::Payload,
    retry,
};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use web_time::Instant;
use transport::{Backend, Failure};

/// A successful call's result: parsed at once, or checked by the core first.
enum Answer {
    Parsed(Value),
    Checked(Payload),
}

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
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    api_key: String,
    region: Region,
    base_url: Option<String>,
    max_retries: u32,
    timeout: Duration,
    max_response_bytes: usize,
    rate_limit: bool,
    event_ids: bool,
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
        let backend = Backend::Http(transport::http_client().map_err(|why| IterableError::from(ApiError::new(codes::NETWORK, why)))?);
        #[cfg(target_arch = "wasm32")]
        let backend = Backend::Fetch;
        Ok(Client::from_parts(self, base, backend))
    }
}

struct Inner {
    api_key: String,
    base: String,
    max_retries: u32,
    timeout: Duration,
    max_response_bytes: usize,
    rate_limit: bool,
    event_ids: bool,
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

fn epoch_ms() -> f64 {
    web_time::SystemTime::now().duration_since(web_time::UNIX_EPOCH).map(|d| d.as_millis() as f64).unwrap_or(f64::NAN)
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
        }
    }

    fn from_parts(b: ClientBuilder, base: String, backend: Backend) -> Client {
        Client {
            inner: Arc::new(Inner {
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
        let sandbox = iterable_sandbox::Sandbox::new(options_json).map_err(|why| {
            IterableError::from(ApiError::validation(vec![core::error::Issue { param: "sandbox".into(), message: why }]))
        })?;
        let b = Client::builder("sandbox-key");
        let base = b.check()?;
        Ok(Client::from_parts(b, base, Backend::Sandbox(Arc::new(Mutex::new(sandbox)))))
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
        let text = serde_json::to_string(&input).map_err(|e| {
            IterableError::from(ApiError::validation(vec![core::error::Issue { param: String::new(), message: e.to_string() }]).with_action(def.id))
        })?;
        match self.run(def, &text).await? {
            Answer::Parsed(v) => Ok(v),
            Answer::Checked(Payload::Json(t)) => serde_json::from_str(&t).map_err(|e| {
                let mut err = ApiError::new(codes::INVALID_RESPONSE, format!("the JSON body could not be parsed: {e}")).with_action(def.id);
                err.retryable = false;
                err.into()
            }),
            Answer::Checked(Payload::Text(t)) => Ok(Value::String(t)),
        }
    }

    /// The request this call would send (validated, without credentials): for dry runs and logs.
    pub fn prepare(&self, id: &str, input: &Value) -> Result<request::HttpRequest, IterableError> {
        let def = core::action(id)?;
        core::validate::set_now(epoch_ms());
        core::prepare(def, &input.to_string(), &self.inner.base).map_err(|e| e.with_action(def.id).into())
    }

    /// The call loop: validate and build once, then pace, send, interpret, retry.
    async fn run(&self, def: &'static ActionDef, input_json: &str) -> Result<Answer, IterableError> {
        let inner = &self.inner;
        core::validate::set_now(epoch_ms());
        let request = core::prepare(def, input_json, &inner.base).map_err(|e| e.with_action(def.id))?;
        let secrets = [inner.api_key.as_str()];
        let mut attempts = 0u32;
        let mut retries = 0u32;
        loop {
            self.pace(def).await;
            attempts += 1;
            let outcome = match inner.backend.send(&request, &inner.api_key, inner.timeout, inner.max_response_bytes).await {
                Ok(r) => {
                    // A 2xx JSON body with no "code" key anywhere cannot be an Iterable envelope
                    // (a failure code, or Success around a result): parsed as is, as the npm
                    // package does. A parse failure falls through to the full reading.
                    if (200..300).contains(&r.status) && def.response == ResponseKind::Json && !r.body.contains("\"code\"") {
                        if let Ok(v) = serde_json::from_str(&r.body) {
                            return Ok(Answer::Parsed(v));
                        }
                    }
                    core::response::interpret_redacted(def, r.status, &r.body, r.retry_after.as_deref(), &secrets).map(Answer::Checked)
                }
                Err(f) => Err(failure_error(f, inner.timeout, inner.max_response_bytes).with_action(def.id)),
            };
            let err = match outcome {
                Ok(p) => return Ok(p),
                Err(e) => e,
            };
            if retries >= inner.max_retries || !retry::may_retry(def, &err, inner.event_ids) {
                let mut err = err.redact(&secrets);
                err.attempts = attempts;
                if attempts > 1 {
                    err.message = format!("{} (after {attempts} attempts)", err.message);
                }
                return Err(err.with_action(def.id).into());
            }
            let wait = retry::delay_ms(retries, fastrand::f64(), err.retry_after_ms);
            retries += 1;
            transport::sleep(Duration::from_millis(wait as u64)).await;
        }
    }
}
