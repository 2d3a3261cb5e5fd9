//! [`IterableError`]: the one error every call returns, with the same fields as the npm
//! package's `IterableError`.

use iterable_wasm::core::error::ApiError;
use std::time::Duration;

/// One problem found in an input, naming the parameter to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// The parameter (a dotted path for nested values), or `""` for the whole input.
    pub param: String,
    /// What is wrong with it and what is expected.
    pub message: String,
}

/// Why a call failed: refused before sending (`ValidationError`), no answer (`NetworkError`,
/// `Timeout`), or an answer that is a failure (Iterable's own codes such as `BadParams`, or ours
/// such as `HttpError` and `InvalidResponse`).
///
/// The API key never appears in any field. `Display` gives the same one line as the JS error's
/// `message`: `"track_event → 401 BadApiKey: Invalid API key"`.
///
/// ```
/// let err = iterable_client::Client::new("").unwrap_err();
/// assert_eq!(err.code, "ValidationError");
/// assert_eq!(err.issues[0].param, "apiKey");
/// assert!(!err.retryable);
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", self.summary())]
#[non_exhaustive]
pub struct IterableError {
    /// Iterable's code (`BadParams`, `NotFound`, ...) or ours (`ValidationError`, `NetworkError`,
    /// `Timeout`, `HttpError`, `InvalidResponse`, `ResponseTooLarge`, `RateLimitExceeded`,
    /// `RedirectRefused`).
    pub code: String,
    /// What went wrong, in words (without the action, status and code `Display` adds).
    pub detail: String,
    /// The HTTP status, when a response came.
    pub status: Option<u16>,
    /// Whether the same request may succeed later.
    pub retryable: bool,
    /// The action id, when known.
    pub action: Option<String>,
    /// Requests sent for this call (0 when refused before sending).
    pub attempts: u32,
    /// Iterable's `params` from an error body.
    pub params: Option<serde_json::Value>,
    /// Input problems, one per parameter (validation errors).
    pub issues: Vec<Issue>,
    /// A short, redacted excerpt of a body that was not the expected shape.
    pub body: Option<String>,
    /// The server's `Retry-After`, when it sent one.
    pub retry_after: Option<Duration>,
}

impl IterableError {
    fn summary(&self) -> String {
        let mut s = String::new();
        if let Some(a) = &self.action {
            s.push_str(a);
            s.push_str(" → ");
        }
        if let Some(st) = self.status {
            s.push_str(&format!("{st} "));
        }
        s.push_str(&self.code);
        s.push_str(": ");
        s.push_str(&self.detail);
        s
    }

    /// Whether the input was refused before anything was sent.
    pub fn is_validation(&self) -> bool {
        self.code == iterable_wasm::core::error::codes::VALIDATION
    }
}

impl From<ApiError> for IterableError {
    fn from(e: ApiError) -> Self {
        IterableError {
            params: e.params.as_deref().and_then(|p| serde_json::from_str(p).ok()),
            code: e.code,
            detail: e.message,
            status: e.status,
            retryable: e.retryable,
            action: e.action,
            attempts: e.attempts,
            issues: e.issues.into_iter().map(|i| Issue { param: i.param, message: i.message }).collect(),
            body: e.body,
            retry_after: e.retry_after_ms.map(|ms| Duration::from_millis(ms as u64)),
        }
    }
}
