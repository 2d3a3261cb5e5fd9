//! The one error type of the client. Serialized to JSON to build the JS `IterableError`.

use serde::Serialize;
use serde_json::Value;

/// Our own codes; Iterable's codes (`BadParams`, `NotFound`, ...) pass through as given.
pub mod codes {
    pub const VALIDATION: &str = "ValidationError";
    pub const NETWORK: &str = "NetworkError";
    pub const TIMEOUT: &str = "Timeout";
    pub const ABORTED: &str = "Aborted";
    pub const HTTP: &str = "HttpError";
    pub const INVALID_RESPONSE: &str = "InvalidResponse";
    pub const RATE_LIMIT: &str = "RateLimitExceeded";
}

/// Iterable's failure codes (the spec's enum, minus `Success`).
pub const ITERABLE_FAILURE_CODES: &[&str] = &[
    "BadApiKey",
    "BadAuthorizationHeader",
    "BadJsonBody",
    "BadParams",
    "BatchTooLarge",
    "DatabaseError",
    "EmailAlreadyExists",
    "ExternalKeyConflict",
    "Forbidden",
    "ForbiddenParamsError",
    "ForgottenUserError",
    "GenericError",
    "InvalidEmailAddressError",
    "InvalidJwtPayload",
    "InvalidUserIdError",
    "JwtUserIdentifiersMismatched",
    "NotFound",
    "QueueEmailError",
    "RateLimitExceeded",
    "RequestFieldsTypesMismatched",
    "Unauthorized",
    "UniqueFieldsLimitExceeded",
    "UnknownEmailError",
    "UnknownUserIdError",
    "UserIdAlreadyExists",
];

/// One problem found in the input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issue {
    /// The parameter (dotted path for nested values), or "" for the whole input.
    pub param: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiError {
    pub code: String,
    pub message: String,
    /// HTTP status, when a response came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub retryable: bool,
    /// The action id, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Requests sent for this call (0 when rejected before sending).
    pub attempts: u32,
    /// Iterable's `params` from an error body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<Value>,
    /// Validation problems, one per parameter.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<Issue>,
    /// A short, redacted excerpt of a response body that was not the expected shape.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// `Retry-After` of a 429/503, in milliseconds, when the server sent one.
    #[serde(skip)]
    pub retry_after_ms: Option<f64>,
}

impl ApiError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        ApiError {
            code: code.to_string(),
            message: message.into(),
            status: None,
            retryable: matches!(code, codes::NETWORK | codes::TIMEOUT | codes::RATE_LIMIT),
            action: None,
            attempts: 0,
            params: None,
            issues: Vec::new(),
            body: None,
            retry_after_ms: None,
        }
    }

    pub fn validation(issues: Vec<Issue>) -> Self {
        let mut message = String::from("Invalid input: ");
        for (i, issue) in issues.iter().take(5).enumerate() {
            if i > 0 {
                message.push_str("; ");
            }
            if issue.param.is_empty() {
                message.push_str(&issue.message);
            } else {
                message.push_str(&format!("{}: {}", issue.param, issue.message));
            }
        }
        if issues.len() > 5 {
            message.push_str(&format!(" (and {} more)", issues.len() - 5));
        }
        let mut e = ApiError::new(codes::VALIDATION, message);
        e.issues = issues;
        e
    }

    pub fn with_action(mut self, id: &str) -> Self {
        self.action = Some(id.to_string());
        self
    }

    /// Removes every occurrence of the given secrets from all text of the error.
    pub fn redact(mut self, secrets: &[&str]) -> Self {
        self.message = redact(&self.message, secrets);
        self.body = self.body.map(|b| redact(&b, secrets));
        if let Some(p) = self.params.take() {
            let text = redact(&p.to_string(), secrets);
            self.params = serde_json::from_str(&text).ok();
        }
        for i in &mut self.issues {
            i.message = redact(&i.message, secrets);
            i.param = redact(&i.param, secrets);
        }
        self
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| format!("{{\"code\":{:?},\"message\":\"error\"}}", self.code))
    }
}

pub fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for s in secrets {
        // Very short secrets would redact innocent text; keys and tokens are long.
        if s.len() >= 4 && out.contains(s) {
            out = out.replace(s, "[REDACTED]");
        }
    }
    out
}

/// At most `max` chars of `text`, whitespace collapsed, on a char boundary.
pub fn excerpt(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut last_space = false;
    for c in text.chars() {
        let c = if c.is_whitespace() || c.is_control() { ' ' } else { c };
        if c == ' ' {
            if last_space {
                continue;
            }
            last_space = true;
        } else {
            last_space = false;
        }
        if out.chars().count() >= max {
            out.push('…');
            break;
        }
        out.push(c);
    }
    out.trim().to_string()
}
