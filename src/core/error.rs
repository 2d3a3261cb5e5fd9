//! The one error type of the client. Serialized to JSON to build the JS `IterableError`.

use super::json::{self, write_str, Node, Value};
use super::search;

/// Our own codes; Iterable's codes (`BadParams`, `NotFound`, ...) pass through as given.
pub mod codes {
    pub const VALIDATION: &str = "ValidationError";
    pub const NETWORK: &str = "NetworkError";
    pub const TIMEOUT: &str = "Timeout";
    pub const ABORTED: &str = "Aborted";
    pub const HTTP: &str = "HttpError";
    pub const INVALID_RESPONSE: &str = "InvalidResponse";
    pub const RATE_LIMIT: &str = "RateLimitExceeded";
    pub const REDIRECT: &str = "RedirectRefused";
    pub const PERMISSION: &str = "PermissionDenied";
    pub const TOO_LARGE: &str = "ResponseTooLarge";
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
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// The parameter (dotted path for nested values), or "" for the whole input.
    pub param: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: String,
    pub message: String,
    /// HTTP status, when a response came.
    pub status: Option<u16>,
    pub retryable: bool,
    /// The action id, when known.
    pub action: Option<String>,
    /// Requests sent for this call (0 when rejected before sending).
    pub attempts: u32,
    /// Iterable's `params` from an error body, as JSON text.
    pub params: Option<String>,
    /// Validation problems, one per parameter.
    pub issues: Vec<Issue>,
    /// A short, redacted excerpt of a response body that was not the expected shape.
    pub body: Option<String>,
    /// `Retry-After` of a 429/503, in milliseconds, when the server sent one.
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
        let mut message = String::new();
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
        self.code = redact(&self.code, secrets);
        self.params = self.params.map(|p| redact_json(&p, secrets));
        for i in &mut self.issues {
            i.message = redact(&i.message, secrets);
            i.param = redact(&i.param, secrets);
        }
        self
    }

    /// The JSON the JS `IterableError` is built from.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(128 + self.message.len());
        out.push_str("{\"code\":");
        write_str(&mut out, &self.code);
        out.push_str(",\"message\":");
        write_str(&mut out, &self.message);
        if let Some(s) = self.status {
            out.push_str(",\"status\":");
            out.push_str(&s.to_string());
        }
        out.push_str(if self.retryable { ",\"retryable\":true" } else { ",\"retryable\":false" });
        if let Some(a) = &self.action {
            out.push_str(",\"action\":");
            write_str(&mut out, a);
        }
        out.push_str(",\"attempts\":");
        out.push_str(&self.attempts.to_string());
        if let Some(p) = &self.params {
            out.push_str(",\"params\":");
            out.push_str(p);
        }
        if !self.issues.is_empty() {
            out.push_str(",\"issues\":[");
            for (i, issue) in self.issues.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str("{\"param\":");
                write_str(&mut out, &issue.param);
                out.push_str(",\"message\":");
                write_str(&mut out, &issue.message);
                out.push('}');
            }
            out.push(']');
        }
        if let Some(b) = &self.body {
            out.push_str(",\"body\":");
            write_str(&mut out, b);
        }
        out.push('}');
        out
    }
}

fn has_secret(text: &str, secrets: &[&str]) -> bool {
    secrets.iter().any(|s| s.len() >= 4 && search::contains(text, s))
}

fn write_redacted(node: &Node, secrets: &[&str], out: &mut String) {
    match &node.value {
        Value::String(s) => write_str(out, &redact(s, secrets)),
        Value::Number(t) if has_secret(t, secrets) => write_str(out, "[REDACTED]"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_redacted(item, secrets, out);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, (k, v)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, &redact(k, secrets));
                out.push(':');
                write_redacted(v, secrets, out);
            }
            out.push('}');
        }
        _ => out.push_str(node.raw),
    }
}

/// Redacts secrets inside JSON text: in decoded string values and keys (so an escaped form such
/// as `\u0041` cannot hide one), and numbers that contain one. The result is valid JSON.
pub fn redact_json(text: &str, secrets: &[&str]) -> String {
    if !secrets.iter().any(|s| s.len() >= 4) {
        return text.to_string();
    }
    match json::parse(text) {
        Ok(node) => {
            let mut out = String::with_capacity(text.len());
            write_redacted(&node, secrets, &mut out);
            out
        }
        Err(_) => "\"[REDACTED]\"".to_string(),
    }
}

pub fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for s in secrets {
        // Very short secrets would redact innocent text; keys and tokens are long.
        if s.len() >= 4 && search::contains(&out, s) {
            out = search::replace(&out, s, "[REDACTED]");
        }
    }
    out
}

/// At most `max` chars of `text`, whitespace collapsed, on a char boundary.
pub fn excerpt(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut last_space = false;
    let mut n = 0;
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
        if n >= max {
            out.push('…');
            break;
        }
        out.push(c);
        n += 1;
    }
    out.trim().to_string()
}
