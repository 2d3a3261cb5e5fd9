//! Rules for names and values: email addresses, the type Iterable records for a user field,
//! and the names catalogs and catalog items may have.

use serde_json::Value;

use crate::util::parse_date;

pub(crate) fn valid_email(e: &str) -> bool {
    let mut parts = e.split('@');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(l), Some(d), None) => {
            !l.is_empty()
                && d.contains('.')
                && !d.starts_with('.')
                && !d.ends_with('.')
                && !e.contains(char::is_whitespace)
        }
        _ => false,
    }
}

/// The type a user field gets from its first value (`getFields`).
pub(crate) fn field_type(v: &Value) -> &'static str {
    match v {
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "double",
        Value::Number(_) => "long",
        Value::String(s) if parse_date(s).is_some() && s.len() >= 10 => "date",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Null => "null",
    }
}

/// Catalog names and item ids: letters, digits and dashes, 1 to 255 of them.
pub(crate) fn valid_catalog_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 255 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}
