//! Input validation, driven entirely by the action definitions: each param's type and the rules
//! of its compact keywords (codegen/catalog.rs `compact`), nested fields and items included, and
//! the groups between members (at least one, at most one, all or none).

use super::defs::{groups, ActionDef, Format, Loc, Ty};
use super::error::{excerpt, ApiError, Issue};
use super::formats;
use super::json::{Node, Value};
use std::cell::Cell;

thread_local! {
    static NOW: Cell<f64> = const { Cell::new(f64::NAN) };
}

/// Sets the clock (epoch ms) that date bounds (`x-iterable-max-future-days`) are checked
/// against; until it is set they are not checked.
pub fn set_now(ms: f64) {
    NOW.with(|n| n.set(ms));
}

/// Dates up to this much past a bound still pass: the local clock and Iterable's may differ.
const CLOCK_SLACK_MS: f64 = 3_600_000.0;

fn check_type(v: &Node, ty: Ty, format: Format) -> Option<String> {
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

/// At most this many problems are reported for one input.
const MAX_ISSUES: usize = 50;

fn push(issues: &mut Vec<Issue>, param: &str, message: String) {
    if issues.len() < MAX_ISSUES {
        issues.push(Issue { param: param.to_string(), message });
    }
}

fn ty_of(kw: &Node) -> Ty {
    Ty::parse(kw.get("type").and_then(Node::as_str).unwrap_or(""))
}

fn strings<'n>(v: Option<&'n Node>) -> Vec<&'n str> {
    v.and_then(Node::as_array).map(|a| a.iter().filter_map(Node::as_str).collect()).unwrap_or_default()
}

/// The rules of a string value.
fn check_string(s: &str, kw: &Node, path: &str, issues: &mut Vec<Issue>) {
    let num = |k: &str| kw.get(k).and_then(Node::as_i64);
    let (exact, any_case) = (strings(kw.get("enum")), strings(kw.get("enumCi")));
    let values = if exact.is_empty() { &any_case } else { &exact };
    if !values.is_empty() && !values.iter().any(|e| *e == s || (exact.is_empty() && e.eq_ignore_ascii_case(s))) {
        let more = if values.len() > 8 { ", ..." } else { "" };
        let case = if exact.is_empty() { " (any letter case)" } else { "" };
        push(issues, path, format!("\"{}\" is not one of {}{more}{case}", excerpt(s, 64), values[..values.len().min(8)].join(", ")));
    }
    let chars = s.chars().count() as i64;
    if let Some(n) = num("minLength").filter(|n| chars < *n) {
        push(issues, path, format!("must have at least {n} character{}", if n == 1 { "" } else { "s" }));
    }
    if let Some(n) = num("maxLength").filter(|n| chars > *n) {
        push(issues, path, format!("has {chars} characters; at most {n} are allowed"));
    }
    if let Some(n) = num("x-iterable-max-bytes").filter(|n| s.len() as i64 > *n) {
        push(issues, path, format!("has {} bytes (UTF-8); at most {n} are allowed", s.len()));
    }
    if let Some(class) = kw.get("chars").and_then(Node::as_str) {
        if let Some(c) = s.chars().find(|c| !formats::in_class(class, *c)) {
            push(issues, path, format!("holds {c:?}; only the characters [{class}] are allowed"));
        }
    }
    if let Some(f) = kw.get("format").and_then(Node::as_str).filter(|f| [formats::DATE_UTC, formats::ISO].contains(f)) {
        match formats::instant(f, s) {
            None => push(issues, path, format!("\"{}\" is not a date in the form {f}", excerpt(s, 40))),
            Some(t) => {
                let now = NOW.with(Cell::get);
                if let Some(d) = num("x-iterable-max-future-days").filter(|d| t as f64 > now + *d as f64 * 86_400_000.0 + CLOCK_SLACK_MS) {
                    push(issues, path, format!("is more than {d} days in the future"));
                }
            }
        }
    }
}

/// Checks a value against its type and compact keywords; problems are reported under `path`.
fn check(v: &Node, ty: Ty, kw: Option<&Node>, path: &str, issues: &mut Vec<Issue>) {
    if let Some(m) = check_type(v, ty, Format::parse(kw.and_then(|k| k.get("format")))) {
        return push(issues, path, m);
    }
    let Some(kw) = kw else { return };
    let num = |k: &str| kw.get(k).and_then(Node::as_i64);
    match &v.value {
        Value::String(s) => check_string(s, kw, path, issues),
        Value::Number(_) => {
            let i = v.as_i64().unwrap_or(0);
            if let Some(n) = num("minimum").filter(|n| i < *n) {
                push(issues, path, format!("must be at least {n}"));
            }
            if let Some(n) = num("maximum").filter(|n| i > *n) {
                push(issues, path, format!("must be at most {n}"));
            }
        }
        Value::Array(items) => {
            let len = items.len() as i64;
            if let Some(n) = num("minItems").filter(|n| len < *n) {
                push(issues, path, format!("must hold at least {n} item{}", if n == 1 { "" } else { "s" }));
            }
            if let Some(n) = num("maxItems").filter(|n| len > *n) {
                push(issues, path, format!("holds {len} items; at most {n} are allowed"));
            }
            if let Some(ikw) = kw.get("items") {
                for (i, item) in items.iter().enumerate() {
                    check(item, ty_of(ikw), Some(ikw), &format!("{path}[{i}]"), issues);
                }
            }
        }
        Value::Object(_) => {
            if let Some(props) = kw.get("properties").and_then(Node::as_object) {
                let required = strings(kw.get("required"));
                for (name, fkw) in props {
                    let at = format!("{path}.{name}");
                    match given(v, name) {
                        None if required.contains(&&**name) => push(issues, &at, format!("required ({})", article(ty_of(fkw)))),
                        None => {}
                        Some(x) => check(x, ty_of(fkw), Some(fkw), &at, issues),
                    }
                }
                check_groups(v, &groups(kw.get("requireOneOf")), &groups(kw.get("exclusive")), &groups(kw.get("together")), &format!("{path}."), issues);
            }
        }
        _ => {}
    }
}

/// The groups between an object's members; members are named with `prefix` ("" at the top).
fn check_groups(obj: &Node, require_one_of: &[Vec<String>], exclusive: &[Vec<String>], together: &[Vec<String>], prefix: &str, issues: &mut Vec<Issue>) {
    let names = |g: &[&String], sep: &str| g.iter().map(|m| format!("{prefix}{m}")).collect::<Vec<_>>().join(sep);
    for g in require_one_of {
        let g: Vec<&String> = g.iter().collect();
        if !g.iter().any(|m| given(obj, m).is_some()) {
            let kind = if exclusive.iter().any(|x| x.iter().eq(g.iter().copied())) { "exactly" } else { "at least" };
            let message = if g.len() == 1 { "required".to_string() } else { format!("give {kind} one of {}", names(&g, ", ")) };
            push(issues, &names(&g, "|"), message);
        }
    }
    for g in exclusive {
        let both: Vec<&String> = g.iter().filter(|m| given(obj, m).is_some()).collect();
        if both.len() > 1 {
            push(issues, &names(&both, "|"), format!("give only one of {}, not both", names(&both, ", ")));
        }
    }
    for g in together {
        let (some, missing): (Vec<&String>, Vec<&String>) = g.iter().partition(|m| given(obj, m).is_some());
        if !some.is_empty() {
            for m in missing {
                push(issues, &format!("{prefix}{m}"), format!("required together with {}", names(&some, ", ")));
            }
        }
    }
}

/// A given (non-null) value for `name`.
pub fn given<'n, 'a>(input: &'n Node<'a>, name: &str) -> Option<&'n Node<'a>> {
    input.get(name).filter(|v| !v.is_null())
}

/// Validates a parsed input object against an action. Unknown or repeated keys, missing
/// required params, wrong types, values breaking their rules (nested ones named by path, e.g.
/// `users[3].email`) and unmet groups are all reported at once (up to 50).
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
        if def.param(key).is_none() {
            let hint = def
                .params
                .iter()
                .find(|p| p.name.eq_ignore_ascii_case(key))
                .map(|p| format!(" (did you mean {}?)", p.name))
                .unwrap_or_default();
            let known: Vec<&str> = def.params.iter().map(|p| p.name.as_str()).collect();
            let known = if known.is_empty() { "none".to_string() } else { known.join(", ") };
            push(&mut issues, &excerpt(key, 64), format!("unknown parameter{hint}; known: {known}"));
        }
    }
    for p in &def.params {
        if members.iter().filter(|(k, _)| *k == p.name).nth(1).is_some() {
            push(&mut issues, &p.name, "given more than once".into());
        }
        match given(input, &p.name) {
            None if p.required => push(&mut issues, &p.name, format!("required ({})", article(p.ty))),
            None => {}
            Some(v) => match (p.loc, &v.value) {
                (Loc::Path, Value::String(s)) if s.is_empty() => push(&mut issues, &p.name, "must not be empty (it is a path segment)".into()),
                (Loc::Path, Value::String(s)) if s == "." || s == ".." => {
                    push(&mut issues, &p.name, "cannot be \".\" or \"..\" (URL parsers would resolve it as a path step)".into())
                }
                _ => check(v, p.ty, p.rules.as_ref(), &p.name, &mut issues),
            },
        }
    }
    check_groups(input, &def.require_one_of, &def.exclusive, &def.together, "", &mut issues);
    if issues.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(issues).with_action(def.id))
    }
}
