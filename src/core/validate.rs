//! Input validation, driven entirely by the action definitions.

use super::defs::{ActionDef, Format, Loc, ParamDef, Ty};
use super::error::{excerpt, ApiError, Issue};
use super::json::{Node, Value};

fn check_value(v: &Node, ty: Ty, format: Format) -> Option<String> {
    let ok = match (ty, &v.value) {
        (Ty::String, Value::String(_)) | (Ty::Boolean, Value::Bool(_)) | (Ty::Object, Value::Object(_)) => true,
        (Ty::Array, Value::Array(_)) | (Ty::Number, Value::Number(_)) => true,
        (Ty::Integer, Value::Number(text)) => {
            let integral = !text.contains(['.', 'e', 'E']);
            return match v.as_i64() {
                Some(i) if format == Format::Int32 && (i < i32::MIN as i64 || i > i32::MAX as i64) => {
                    Some(format!("{text} is outside the 32-bit integer range"))
                }
                Some(_) => None,
                None if integral => Some(format!("{text} is outside the 64-bit integer range")),
                None => Some(format!("expected an integer, got {}", excerpt(text, 40))),
            };
        }
        _ => false,
    };
    if ok {
        None
    } else {
        Some(format!("expected {}, got {}", article(ty), v.type_name()))
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

fn check_param(p: &ParamDef, v: &Node, issues: &mut Vec<Issue>) {
    let issue = |message: String| Issue { param: p.name.clone(), message };
    if let Some(m) = check_value(v, p.ty, p.format) {
        issues.push(issue(m));
        return;
    }
    if let Some(s) = v.as_str() {
        if !p.enum_values.is_empty() && !p.enum_values.iter().any(|e| e == s) {
            let shown: Vec<&str> = p.enum_values.iter().take(8).map(String::as_str).collect();
            let more = if p.enum_values.len() > 8 { ", ..." } else { "" };
            issues.push(issue(format!("\"{}\" is not one of {}{more}", excerpt(s, 64), shown.join(", "))));
        }
        if p.loc == Loc::Path {
            if s.is_empty() {
                issues.push(issue("must not be empty (it is a path segment)".into()));
            } else if s == "." || s == ".." {
                issues.push(issue("cannot be \".\" or \"..\" (URL parsers would resolve it as a path step)".into()));
            }
        }
    }
    if let (Some(items), Some((ity, ifmt))) = (v.as_array(), p.items) {
        if p.loc == Loc::Query && matches!(ity, Ty::Object | Ty::Array) {
            issues.push(issue("query arrays hold scalars only".into()));
            return;
        }
        for (i, item) in items.iter().enumerate() {
            if let Some(m) = check_value(item, ity, ifmt) {
                issues.push(Issue { param: format!("{}[{i}]", p.name), message: m });
                if issues.len() >= MAX_ISSUES {
                    return;
                }
            }
        }
    }
}

/// At most this many problems are reported for one input.
const MAX_ISSUES: usize = 50;

/// A given (non-null) value for `name`.
pub fn given<'n, 'a>(input: &'n Node<'a>, name: &str) -> Option<&'n Node<'a>> {
    input.get(name).filter(|v| !v.is_null())
}

/// Validates a parsed input object against an action. Unknown or repeated keys, missing
/// required params, wrong types and unmet `requireOneOf` groups are all reported at once.
/// `null` for an optional param means "not given".
pub fn validate(def: &ActionDef, input: &Node) -> Result<(), ApiError> {
    let Some(members) = input.as_object() else {
        return Err(ApiError::validation(vec![Issue {
            param: String::new(),
            message: format!("input must be an object, got {}", input.type_name()),
        }])
        .with_action(def.id));
    };
    let mut issues = Vec::new();
    for (key, _) in members {
        if issues.len() >= MAX_ISSUES {
            break;
        }
        if def.param(key).is_none() {
            let hint = def
                .params
                .iter()
                .find(|p| p.name.eq_ignore_ascii_case(key))
                .map(|p| format!(" (did you mean {}?)", p.name))
                .unwrap_or_default();
            let known: Vec<&str> = def.params.iter().map(|p| p.name.as_str()).collect();
            let known = if known.is_empty() { "none".to_string() } else { known.join(", ") };
            issues.push(Issue { param: excerpt(key, 64), message: format!("unknown parameter{hint}; known: {known}") });
        }
    }
    for p in &def.params {
        if members.iter().filter(|(k, _)| *k == p.name).nth(1).is_some() {
            issues.push(Issue { param: p.name.clone(), message: "given more than once".into() });
        }
        match given(input, &p.name) {
            None => {
                if p.required {
                    issues.push(Issue { param: p.name.clone(), message: format!("required ({})", article(p.ty)) });
                }
            }
            Some(v) => check_param(p, v, &mut issues),
        }
    }
    for group in &def.require_one_of {
        if !group.iter().any(|m| given(input, m).is_some()) {
            let group: Vec<&str> = group.iter().map(String::as_str).collect();
            issues.push(Issue {
                param: group.join("|"),
                message: if group.len() == 1 { "required".to_string() } else { format!("give at least one of {}", group.join(", ")) },
            });
        }
    }
    issues.truncate(MAX_ISSUES);
    if issues.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(issues).with_action(def.id))
    }
}
