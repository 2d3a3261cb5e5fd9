//! Routing by the action definitions (the core's, `iterable_wasm::core::defs`, derived from
//! defs/actions.json: the same table the client uses): method + path template -> action. Then the
//! params are gathered from path, query and body, typed as declared, and checked by the core's own
//! validation, so a raw HTTP client that skips the package's validation meets the same refusals
//! (as Iterable's 400 BadParams).

use iterable_wasm::core::defs::{self, ActionDef, Loc, ParamDef, RateLimit, Ty};
use iterable_wasm::core::error::{ApiError, Issue};
use iterable_wasm::core::{json, validate};
use serde_json::{Map, Value};
use std::sync::OnceLock;

use crate::util::percent_decode;

#[derive(Debug)]
pub struct Action {
    pub id: String,
    /// The core's definition: params (place, type, rules), groups, rate limit.
    pub def: &'static ActionDef,
    /// The path template's segments (`{name}` for a path param).
    pub segments: Vec<String>,
}

impl Action {
    pub fn params(&self) -> &'static [ParamDef] {
        &self.def.params
    }
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.def.rate_limit
    }
}

pub fn actions() -> &'static [Action] {
    static CELL: OnceLock<Vec<Action>> = OnceLock::new();
    CELL.get_or_init(|| {
        defs::all()
            .map(|def| Action {
                id: def.id.to_string(),
                def,
                segments: def.path.trim_matches('/').split('/').map(str::to_string).collect(),
            })
            .collect()
    })
}

pub enum Route<'a> {
    Found(&'a Action, Map<String, Value>),
    NotFound,
}

/// Picks the action whose template matches; literal segments beat `{param}` ones.
pub fn route<'a>(method: &str, path: &str) -> Route<'a> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut best: Option<(&Action, usize)> = None;
    for a in actions() {
        if !a.def.method.as_str().eq_ignore_ascii_case(method) || a.segments.len() != segs.len() {
            continue;
        }
        let mut literals = 0;
        let ok = a.segments.iter().zip(&segs).all(|(t, s)| {
            if t.starts_with('{') {
                !s.is_empty()
            } else if t == s {
                literals += 1;
                true
            } else {
                false
            }
        });
        if ok && best.is_none_or(|(_, l)| literals > l) {
            best = Some((a, literals));
        }
    }
    match best {
        None => Route::NotFound,
        Some((a, _)) => {
            let mut p = Map::new();
            for (t, s) in a.segments.iter().zip(&segs) {
                if t.starts_with('{') {
                    p.insert(
                        t[1..t.len() - 1].to_string(),
                        Value::String(percent_decode(s, false)),
                    );
                }
            }
            Route::Found(a, p)
        }
    }
}

/// Converts a path/query string to the param's declared type.
fn coerce(ty: Ty, raw: &str) -> Result<Value, ()> {
    match ty {
        Ty::Integer => raw.trim().parse::<i64>().map(Value::from).map_err(|_| ()),
        Ty::Number => raw.trim().parse::<f64>().map(Value::from).map_err(|_| ()),
        Ty::Boolean => match raw {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(()),
        },
        _ => Ok(Value::String(raw.to_string())),
    }
}

fn type_ok(ty: Ty, v: &Value) -> bool {
    match ty {
        Ty::Integer => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        Ty::Number => v.is_number(),
        Ty::Boolean => v.is_boolean(),
        Ty::String => v.is_string(),
        Ty::Array => v.is_array(),
        Ty::Object => v.is_object(),
    }
}

/// The declared type of a list param's items (its rules' `items.type`; text when not stated).
fn item_type(p: &ParamDef) -> Option<Ty> {
    let items = p.rules.as_ref()?.get("items")?;
    Some(Ty::parse(items.get("type").and_then(|t| t.as_str()).unwrap_or("")))
}

pub enum ParamError {
    BadParams(String),
    BadJson(String),
    /// What the client's validation refuses: its problems, one per param (`listIds`,
    /// `buttons[0].openApp`, `range|startDateTime`).
    Invalid { msg: String, issues: Vec<Issue> },
}

/// Merges path, query and body params into one map keyed by API name, typed as declared, then
/// checks it with the core's validation, date bounds against the sandbox's clock `now` (ms).
pub fn collect(
    a: &Action,
    mut path_params: Map<String, Value>,
    query: &[(String, String)],
    body: Option<&Value>,
    now: i64,
) -> Result<Map<String, Value>, ParamError> {
    let mut out = Map::new();
    for p in a.params() {
        match p.loc {
            Loc::Path => {
                if let Some(Value::String(s)) = path_params.remove(&p.name) {
                    let v = coerce(p.ty, &s).map_err(|_| {
                        ParamError::BadParams(format!("Invalid path parameter {}: {s}", p.name))
                    })?;
                    out.insert(p.name.clone(), v);
                }
            }
            Loc::Query => {
                let vals: Vec<&String> = query
                    .iter()
                    .filter(|(k, _)| k == &p.name)
                    .map(|(_, v)| v)
                    .collect();
                if vals.is_empty() {
                    continue;
                }
                let bad = || ParamError::BadParams(format!("Invalid query parameter {}", p.name));
                if p.ty == Ty::Array {
                    let it = item_type(p).unwrap_or(Ty::String);
                    let mut arr = Vec::new();
                    for v in vals {
                        arr.push(coerce(it, v).map_err(|_| bad())?);
                    }
                    out.insert(p.name.clone(), Value::Array(arr));
                } else {
                    out.insert(
                        p.name.clone(),
                        coerce(p.ty, vals[vals.len() - 1]).map_err(|_| bad())?,
                    );
                }
            }
            Loc::Body | Loc::BodyRoot => {
                let v = if p.loc == Loc::BodyRoot { body } else { body.and_then(|b| b.get(&p.name)) };
                if let Some(v) = v {
                    if v.is_null() {
                        continue;
                    }
                    if !type_ok(p.ty, v) {
                        return Err(ParamError::BadJson(format!(
                            "Invalid JSON body: field {} must be of type {}",
                            p.name,
                            p.ty.as_str()
                        )));
                    }
                    if let (Some(it), Value::Array(arr)) = (item_type(p), v) {
                        if let Some(bad) = arr.iter().find(|x| !type_ok(it, x)) {
                            return Err(ParamError::BadJson(format!(
                                "Invalid JSON body: items of {} must be of type {} (got {bad})",
                                p.name,
                                it.as_str()
                            )));
                        }
                    }
                    out.insert(p.name.clone(), v.clone());
                }
            }
        }
    }
    // The client's own rules: required params, groups, bounds, enums, forms, nested fields.
    validate::set_now(now as f64);
    let text = serde_json::to_string(&out).unwrap_or_default();
    let input = json::parse(&text).map_err(|e| ParamError::BadJson(format!("Invalid JSON body: {e}")))?;
    let Err(e) = validate::validate(a.def, &input) else { return Ok(out) };
    // The items of a bulk list are Iterable's to judge one by one: it takes the good ones and
    // reports the others (`failedUpdates`, `invalidEmails`), as the client's `bulk` leaves
    // them out one by one. The handlers answer those.
    let items = a.def.bulk.as_ref().map(|b| format!("{}[", b.items));
    let issues: Vec<Issue> = e
        .issues
        .into_iter()
        .filter(|i| items.as_ref().is_none_or(|p| !i.param.starts_with(p.as_str())))
        .collect();
    if issues.is_empty() {
        Ok(out)
    } else {
        Err(ParamError::Invalid { msg: ApiError::validation(issues.clone()).message, issues })
    }
}

/// Whether a problem is a malformed email address (Iterable answers those with its own code,
/// `InvalidEmailAddressError`).
pub fn is_email_issue(i: &Issue) -> bool {
    i.message.ends_with(" is not an email address")
}
