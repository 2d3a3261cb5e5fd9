//! Input validation, driven entirely by the action table.

use super::defs::{ActionDef, Format, Loc, ParamDef, Ty};
use super::error::{ApiError, Issue};
use serde_json::{Map, Value};

const SAFE_INT: f64 = 9_007_199_254_740_991.0;

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Checks one value against a type and format; `None` when it fits.
fn check_value(v: &Value, ty: Ty, format: Format) -> Option<String> {
    let ok = match ty {
        Ty::String => v.is_string(),
        Ty::Boolean => v.is_boolean(),
        Ty::Object => v.is_object(),
        Ty::Array => v.is_array(),
        Ty::Number => v.is_number(),
        Ty::Integer => {
            let Some(n) = v.as_number() else {
                return Some(format!("expected an integer, got {}", type_name(v)));
            };
            if let Some(i) = n.as_i64() {
                if format == Format::Int32 && (i < i32::MIN as i64 || i > i32::MAX as i64) {
                    return Some(format!("{i} is outside the 32-bit integer range"));
                }
                return None;
            }
            if n.as_u64().is_some() {
                return Some(format!("{n} is outside the 64-bit integer range"));
            }
            // JSON.stringify writes 1e21 and larger in exponent form; 1.5 is not an integer.
            let f = n.as_f64().unwrap_or(f64::NAN);
            if f.fract() == 0.0 && f.abs() > SAFE_INT {
                return Some(format!("{n} is too large to be an exact integer"));
            }
            return Some(format!("expected an integer, got {n}"));
        }
    };
    if ok {
        None
    } else {
        Some(format!("expected {}, got {}", article(ty), type_name(v)))
    }
}

fn article(ty: Ty) -> &'static str {
    match ty {
        Ty::String => "a string",
        Ty::Integer => "an integer",
        Ty::Number => "a number",
        Ty::Boolean => "a boolean",
        Ty::Object => "an object",
        Ty::Array => "an array",
    }
}

fn check_param(p: &ParamDef, v: &Value, issues: &mut Vec<Issue>) {
    let issue = |message: String| Issue { param: p.name.clone(), message };
    if let Some(m) = check_value(v, p.ty, p.format) {
        issues.push(issue(m));
        return;
    }
    if let Value::String(s) = v {
        if !p.enum_values.is_empty() && !p.enum_values.iter().any(|e| e == s) {
            let shown: Vec<&str> = p.enum_values.iter().take(8).map(String::as_str).collect();
            let more = if p.enum_values.len() > 8 { ", ..." } else { "" };
            issues.push(issue(format!("\"{}\" is not one of {}{more}", crate::core::error::excerpt(s, 64), shown.join(", "))));
        }
        if p.loc == Loc::Path {
            if s.is_empty() {
                issues.push(issue("must not be empty (it is a path segment)".into()));
            } else if s == "." || s == ".." {
                issues.push(issue("cannot be \".\" or \"..\" (URL parsers would resolve it as a path step)".into()));
            }
        }
    }
    if let (Value::Array(items), Some((ity, ifmt))) = (v, p.items) {
        if p.loc == Loc::Query && matches!(ity, Ty::Object | Ty::Array) {
            issues.push(issue("query arrays hold scalars only".into()));
            return;
        }
        for (i, item) in items.iter().enumerate() {
            if let Some(m) = check_value(item, ity, ifmt) {
                issues.push(Issue { param: format!("{}[{i}]", p.name), message: m });
                if issues.len() > 50 {
                    return;
                }
            }
        }
    }
}

/// Validates a parsed input object against an action. Unknown keys, missing required
/// params, wrong types and unmet `requireOneOf` groups are all reported at once.
/// `null` for an optional param means "not given".
pub fn validate<'a>(def: &ActionDef, input: &'a Value) -> Result<&'a Map<String, Value>, ApiError> {
    let obj = match input {
        Value::Object(m) => m,
        other => {
            return Err(ApiError::validation(vec![Issue {
                param: String::new(),
                message: format!("input must be an object, got {}", type_name(other)),
            }])
            .with_action(def.id))
        }
    };
    let mut issues = Vec::new();
    for key in obj.keys() {
        if def.param(key).is_none() {
            let hint = def
                .params
                .iter()
                .find(|p| p.name.eq_ignore_ascii_case(key))
                .map(|p| format!(" (did you mean {}?)", p.name))
                .unwrap_or_default();
            let known: Vec<&str> = def.params.iter().map(|p| p.name.as_str()).collect();
            let known = if known.is_empty() { "none".to_string() } else { known.join(", ") };
            issues.push(Issue {
                param: crate::core::error::excerpt(key, 64),
                message: format!("unknown parameter{hint}; known: {known}"),
            });
        }
    }
    for p in &def.params {
        match obj.get(&p.name) {
            None | Some(Value::Null) => {
                if p.required {
                    issues.push(Issue { param: p.name.clone(), message: format!("required ({})", article(p.ty)) });
                }
            }
            Some(v) => check_param(p, v, &mut issues),
        }
    }
    for group in &def.require_one_of {
        let given = group.iter().any(|m| !matches!(obj.get(m), None | Some(Value::Null)));
        if !given {
            issues.push(Issue {
                param: group.join("|"),
                message: if group.len() == 1 {
                    "required".to_string()
                } else {
                    format!("give at least one of {}", group.join(", "))
                },
            });
        }
    }
    if issues.is_empty() {
        Ok(obj)
    } else {
        Err(ApiError::validation(issues).with_action(def.id))
    }
}
