//! Routing from the action catalog (defs/actions.json): method + path template -> action, then
//! params extracted from path, query and body, typed and checked (required params, requireOneOf
//! groups).

use serde::Deserialize;
use serde_json::{Map, Value};
use std::sync::OnceLock;

use crate::util::percent_decode;

#[derive(Deserialize, Debug, Clone)]
pub struct ParamItems {
    #[serde(rename = "type", default)]
    pub ty: String,
}

#[derive(Deserialize, Debug, Clone)]
pub struct Param {
    pub name: String,
    #[serde(rename = "in")]
    pub loc: String,
    #[serde(rename = "type", default)]
    pub ty: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub items: Option<ParamItems>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    pub id: String,
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub params: Vec<Param>,
    #[serde(default)]
    pub require_one_of: Vec<Vec<String>>,
    #[serde(default)]
    pub response: String,
    #[serde(default)]
    pub rate_limit: Option<String>,
    #[serde(skip)]
    pub segments: Vec<String>,
}

/// defs/actions.json, slimmed by build.rs.
const ACTIONS: &str = include_str!(concat!(env!("OUT_DIR"), "/actions.json"));

pub fn actions() -> &'static [Action] {
    static CELL: OnceLock<Vec<Action>> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut all: Vec<Action> = serde_json::from_str(ACTIONS).expect("defs/actions.json");
        for a in all.iter_mut() {
            a.segments = a
                .path
                .trim_matches('/')
                .split('/')
                .map(str::to_string)
                .collect();
        }
        all
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
        if !a.method.eq_ignore_ascii_case(method) || a.segments.len() != segs.len() {
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
fn coerce(ty: &str, raw: &str) -> Result<Value, ()> {
    match ty {
        "integer" => raw.trim().parse::<i64>().map(Value::from).map_err(|_| ()),
        "number" => raw.trim().parse::<f64>().map(Value::from).map_err(|_| ()),
        "boolean" => match raw {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(()),
        },
        _ => Ok(Value::String(raw.to_string())),
    }
}

fn type_ok(ty: &str, v: &Value) -> bool {
    match ty {
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => true,
    }
}

/// Params the spec marks required that Iterable accepts without: `campaigns/create` without
/// `listIds` creates a triggered campaign (what @iterable/api's createTriggeredCampaign sends).
const OPTIONAL_IN_PRACTICE: [(&str, &str); 1] = [("create_new_campaign", "listIds")];

pub enum ParamError {
    BadParams(String),
    BadJson(String),
}

/// Merges path, query and body params into one map keyed by API name, typed as declared.
pub fn collect(
    a: &Action,
    mut path_params: Map<String, Value>,
    query: &[(String, String)],
    body: Option<&Value>,
) -> Result<Map<String, Value>, ParamError> {
    let mut out = Map::new();
    for p in &a.params {
        match p.loc.as_str() {
            "path" => {
                if let Some(Value::String(s)) = path_params.remove(&p.name) {
                    let v = coerce(&p.ty, &s).map_err(|_| {
                        ParamError::BadParams(format!("Invalid path parameter {}: {s}", p.name))
                    })?;
                    out.insert(p.name.clone(), v);
                }
            }
            "query" => {
                let vals: Vec<&String> = query
                    .iter()
                    .filter(|(k, _)| k == &p.name)
                    .map(|(_, v)| v)
                    .collect();
                if vals.is_empty() {
                    continue;
                }
                let bad = || ParamError::BadParams(format!("Invalid query parameter {}", p.name));
                if p.ty == "array" {
                    let it = p.items.as_ref().map(|i| i.ty.as_str()).unwrap_or("string");
                    let mut arr = Vec::new();
                    for v in vals {
                        arr.push(coerce(it, v).map_err(|_| bad())?);
                    }
                    out.insert(p.name.clone(), Value::Array(arr));
                } else {
                    out.insert(
                        p.name.clone(),
                        coerce(&p.ty, vals[vals.len() - 1]).map_err(|_| bad())?,
                    );
                }
            }
            _ => {
                if let Some(v) = body.and_then(|b| b.get(&p.name)) {
                    if v.is_null() {
                        continue;
                    }
                    if !type_ok(&p.ty, v) {
                        return Err(ParamError::BadJson(format!(
                            "Invalid JSON body: field {} must be of type {}",
                            p.name, p.ty
                        )));
                    }
                    if let (Some(items), Value::Array(arr)) = (&p.items, v) {
                        if let Some(bad) = arr.iter().find(|x| !type_ok(&items.ty, x)) {
                            return Err(ParamError::BadJson(format!(
                                "Invalid JSON body: items of {} must be of type {} (got {bad})",
                                p.name, items.ty
                            )));
                        }
                    }
                    out.insert(p.name.clone(), v.clone());
                }
            }
        }
    }
    for p in &a.params {
        if p.required
            && !out.contains_key(&p.name)
            && !OPTIONAL_IN_PRACTICE.contains(&(a.id.as_str(), p.name.as_str()))
        {
            return Err(ParamError::BadParams(format!(
                "Missing required parameter: {}",
                p.name
            )));
        }
    }
    for group in &a.require_one_of {
        if !group.is_empty() && !group.iter().any(|n| out.contains_key(n)) {
            return Err(ParamError::BadParams(format!(
                "One of {} must be provided",
                group.join(", ")
            )));
        }
    }
    Ok(out)
}

/// `"5 requests/minute, per project"` -> (5, 60000)
pub fn parse_rate_limit(s: &str) -> Option<(u32, i64)> {
    let mut it = s.split_whitespace();
    let n: u32 = it.next()?.parse().ok()?;
    let unit = it.next()?;
    let window = if unit.contains("/second") {
        1000
    } else if unit.contains("/minute") {
        60_000
    } else if unit.contains("/hour") {
        3_600_000
    } else if unit.contains("/day") {
        86_400_000
    } else {
        return None;
    };
    Some((n, window))
}
