//! Hooks and JWT auth, as the npm package's `onRequest`, `onResponse`, `onRetry` and `jwt`
//! options: plain data about each attempt (credentials never in it), and a provider of short-lived
//! tokens for JWT-enabled keys, asked again before a token expires and after Iterable refuses it.

use crate::IterableError;
use iterable_wasm::core::{
    self as core,
    error::{excerpt, ApiError},
    jwt,
};
use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What [`on_request`](crate::ClientBuilder::on_request) sees of an attempt. `Api-Key` and
/// `Authorization` are `[REDACTED]`, and the key is cut out of the body too.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RequestInfo<'a> {
    /// The action id.
    pub action: &'a str,
    /// The attempt (1-based).
    pub attempt: u32,
    pub method: &'a str,
    pub url: &'a str,
    /// Every header sent, credentials redacted.
    pub headers: Vec<(&'a str, &'a str)>,
    pub body: Option<Cow<'a, str>>,
}

/// What [`on_response`](crate::ClientBuilder::on_response) sees: an answer came (whatever its
/// status).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ResponseInfo<'a> {
    pub action: &'a str,
    pub attempt: u32,
    pub method: &'a str,
    pub url: &'a str,
    pub status: u16,
    /// From sending to the whole body read.
    pub duration: Duration,
}

/// What [`on_retry`](crate::ClientBuilder::on_retry) sees before the client waits and tries again.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RetryInfo<'a> {
    pub action: &'a str,
    /// The attempt that failed (1-based).
    pub attempt: u32,
    /// How long the client waits before the next attempt.
    pub delay: Duration,
    /// Why the attempt failed (redacted).
    pub error: &'a IterableError,
}

pub(crate) type OnRequest = Arc<dyn for<'a> Fn(&RequestInfo<'a>) + Send + Sync>;
pub(crate) type OnResponse = Arc<dyn for<'a> Fn(&ResponseInfo<'a>) + Send + Sync>;
pub(crate) type OnRetry = Arc<dyn for<'a> Fn(&RetryInfo<'a>) + Send + Sync>;

/// A JWT as the provider gives it: `Ok(token)`, or `Err(why)` (shown in the `JwtError`).
#[cfg(not(target_arch = "wasm32"))]
pub type JwtFuture = Pin<Box<dyn Future<Output = Result<String, String>> + Send>>;
/// A JWT as the provider gives it: `Ok(token)`, or `Err(why)` (shown in the `JwtError`).
#[cfg(target_arch = "wasm32")]
pub type JwtFuture = Pin<Box<dyn Future<Output = Result<String, String>>>>;

pub(crate) type Provider = Arc<dyn Fn() -> JwtFuture + Send + Sync>;

#[derive(Clone, Default)]
pub(crate) struct Hooks {
    pub on_request: Option<OnRequest>,
    pub on_response: Option<OnResponse>,
    pub on_retry: Option<OnRetry>,
}

/// Runs a hook; one that panics changes nothing (natively; in wasm a panic aborts).
pub(crate) fn quietly(hook: impl FnOnce()) {
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(hook));
}

/// The body as `on_request` shows it: the key cut out.
pub(crate) fn shown_body<'a>(body: &'a str, key: &str) -> Cow<'a, str> {
    if key.len() >= 4 && body.contains(key) {
        Cow::Owned(body.replace(key, "[REDACTED]"))
    } else {
        Cow::Borrowed(body)
    }
}

/// The JWT side of a client: the provider, the token in use and its expiry, and a lock so that
/// however many calls wait, one refresh is in flight.
pub(crate) struct Jwt {
    provider: Provider,
    token: Mutex<Option<(String, Option<f64>)>>,
    refresh: futures_util::lock::Mutex<()>,
}

impl Jwt {
    pub(crate) fn new(provider: Provider) -> Jwt {
        Jwt { provider, token: Mutex::new(None), refresh: futures_util::lock::Mutex::new(()) }
    }

    fn cached(&self, stale: Option<&str>) -> Option<String> {
        let t = self.token.lock().unwrap_or_else(|p| p.into_inner());
        let (value, exp) = t.as_ref()?;
        (!jwt::needs_refresh(*exp, crate::epoch_ms()) && stale != Some(value.as_str())).then(|| value.clone())
    }

    /// The token to send: the one in use while it is fresh (and not `stale`, the one just
    /// refused), else a new one from the provider, checked before it goes in a header.
    pub(crate) async fn bearer(&self, stale: Option<&str>) -> Result<String, ApiError> {
        if let Some(t) = self.cached(stale) {
            return Ok(t);
        }
        let _one = self.refresh.lock().await;
        // Another call may have refreshed while this one waited.
        if let Some(t) = self.cached(stale) {
            return Ok(t);
        }
        let token = (self.provider)().await.map_err(|why| {
            let mut e = ApiError::new("JwtError", format!("the jwt provider failed: {}", excerpt(&why, 160)));
            e.retryable = false;
            e
        })?;
        jwt::check(&token)?;
        *self.token.lock().unwrap_or_else(|p| p.into_inner()) = Some((token.clone(), jwt::expiry_ms(&token)));
        Ok(token)
    }
}

/// Whether Iterable refused the request for its JWT (then ask once for a new one and resend).
pub(crate) fn refused(err: &ApiError) -> bool {
    core::jwt::is_jwt_rejection(err)
}
