//! Working with JSON values: as plain text, compared for sorting, merged, and sized as stored.

use serde_json::{json, Map, Value};
use std::cmp::Ordering;

/// A value as text: strings bare, null empty, anything else as JSON.
pub(crate) fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        v => v.to_string(),
    }
}

/// Numbers compare as numbers, anything else as plain text.
pub(crate) fn compare(x: &Value, y: &Value) -> Ordering {
    match (x.as_f64(), y.as_f64()) {
        (Some(p), Some(q)) => p.partial_cmp(&q).unwrap_or(Ordering::Equal),
        _ => plain(x).cmp(&plain(y)),
    }
}

/// Copies `src` into `dst`; with `nested`, objects present on both sides merge recursively.
pub(crate) fn deep_merge(dst: &mut Map<String, Value>, src: &Map<String, Value>, nested: bool) {
    for (k, v) in src {
        match (dst.get_mut(k), v) {
            (Some(Value::Object(d)), Value::Object(s)) if nested => deep_merge(d, s, true),
            _ => {
                dst.insert(k.clone(), v.clone());
            }
        }
    }
}

/// `[{"name": n}, ...]`
pub(crate) fn named<'a>(names: impl Iterator<Item = &'a String>) -> Vec<Value> {
    names.map(|n| json!({"name": n})).collect()
}

/// The size of an object as JSON text (catalog items, metadata values).
pub(crate) fn json_size(m: &Map<String, Value>) -> usize {
    Value::Object(m.clone()).to_string().len()
}

/// A boolean member of a JSON object (absent or not a boolean: false).
pub(crate) fn flag(v: Option<&Value>) -> bool {
    v.and_then(Value::as_bool).unwrap_or(false)
}
