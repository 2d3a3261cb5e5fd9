//! Shorthands for the answers handlers give: the `Reply` type (an `Err` is an error answer
//! returned early with `?`), Iterable's success and error bodies, and the `failedUpdates` maps
//! the bulk endpoints report.

use serde_json::{json, Map, Value};

use crate::Response as R;

/// A handler's answer; `Err` carries an error response returned early.
pub(crate) type Reply = Result<R, R>;

/// `200 {"msg": "", "code": "Success", "params": null}`
pub(crate) fn ok() -> Reply {
    Ok(R::success("", Value::Null))
}

/// `202 {"msg": msg, "code": "Success", "params": params}`
pub(crate) fn accepted(msg: impl Into<String>, params: Value) -> R {
    R::json(
        202,
        &json!({"msg": msg.into(), "code": "Success", "params": params}),
    )
}

/// `400 BadParams`
pub(crate) fn bad_params(msg: impl Into<String>) -> R {
    R::error(400, "BadParams", msg)
}

/// `404 NotFound`
pub(crate) fn not_found(msg: impl Into<String>) -> R {
    R::error(404, "NotFound", msg)
}

/// The `code` of an error answer ("" when there is none).
pub(crate) fn error_code(e: &R) -> String {
    e.json_value()
        .map(|v| v["code"].as_str().unwrap_or("").to_string())
        .unwrap_or_default()
}

/// Adds `v` to the array at `fail[key]` (a bulk endpoint's `failedUpdates`).
pub(crate) fn push_failure(fail: &mut Map<String, Value>, key: &str, v: &str) {
    fail.entry(key)
        .or_insert(json!([]))
        .as_array_mut()
        .unwrap()
        .push(json!(v));
}
