//! Generates the catalog JSON: one entry per action. `notes` and `operationId` stay in
//! defs/actions.json: the description already carries what an agent needs, and every byte here
//! ships to browsers. For the same reason the input's JSON Schema (draft 2020-12) ships compact:
//! `params` maps each name to `[in, type, description, {other keywords}?]` beside `required`;
//! api.js expands it into `inputSchema` (the build checks the expansion equals `input_schema`
//! below, written out as schemas.json), and the core reads its definitions from it.

use crate::model::{Action, Param};
use serde_json::{json, Map, Value};

fn scalar_schema(ty: &str, format: Option<&str>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("type".into(), json!(ty));
    match format {
        Some("int32") => {
            m.insert("format".into(), json!("int32"));
            m.insert("minimum".into(), json!(i32::MIN));
            m.insert("maximum".into(), json!(i32::MAX));
        }
        Some("int64") => {
            m.insert("format".into(), json!("int64"));
        }
        Some(f) => {
            m.insert("format".into(), json!(f));
        }
        None => {}
    }
    m
}

pub fn param_schema(p: &Param) -> Value {
    let mut m = scalar_schema(&p.ty, p.format.as_deref());
    m.insert("description".into(), json!(p.description));
    if let Some(e) = &p.enum_values {
        m.insert("enum".into(), json!(e));
    }
    if let Some(i) = &p.items {
        m.insert("items".into(), Value::Object(scalar_schema(&i.ty, i.format.as_deref())));
    }
    if p.loc == "path" && p.ty == "string" {
        m.insert("minLength".into(), json!(1));
    }
    m.insert("x-iterable-in".into(), json!(p.loc));
    Value::Object(m)
}

/// The compact form of the input schema: `{ name: [in, type, description, {keywords}?] }`.
fn compact_params(a: &Action) -> Value {
    let mut out = Map::new();
    for p in &a.params {
        let Value::Object(mut full) = param_schema(p) else { unreachable!() };
        let mut row = vec![full.remove("x-iterable-in").unwrap(), full.remove("type").unwrap(), full.remove("description").unwrap()];
        if !full.is_empty() {
            row.push(Value::Object(full));
        }
        out.insert(p.name.clone(), Value::Array(row));
    }
    Value::Object(out)
}

pub fn input_schema(a: &Action) -> Value {
    let mut props = Map::new();
    for p in &a.params {
        props.insert(p.name.clone(), param_schema(p));
    }
    let required: Vec<&str> = a.params.iter().filter(|p| p.required).map(|p| p.name.as_str()).collect();
    let mut s = Map::new();
    s.insert("$schema".into(), json!("https://json-schema.org/draft/2020-12/schema"));
    s.insert("type".into(), json!("object"));
    s.insert("properties".into(), Value::Object(props));
    s.insert("required".into(), json!(required));
    s.insert("additionalProperties".into(), json!(false));
    let groups: Vec<Value> = a
        .require_one_of
        .iter()
        .map(|g| json!({ "anyOf": g.iter().map(|m| json!({ "required": [m] })).collect::<Vec<_>>() }))
        .collect();
    match groups.len() {
        0 => {}
        1 => {
            let g = groups.into_iter().next().unwrap();
            s.insert("anyOf".into(), g["anyOf"].clone());
        }
        _ => {
            s.insert("allOf".into(), Value::Array(groups));
        }
    }
    Value::Object(s)
}

/// Whether the result (codegen/results.rs) is the `{msg, code, params}` envelope itself.
/// Actions whose result is something else get such an envelope unwrapped at run time, because
/// Iterable answers some of them (the catalog reads) inside one.
fn result_is_envelope(result: Option<&Value>, spec: &Value) -> bool {
    match result {
        None => true,
        Some(s) => {
            let props = match s.get("$ref").and_then(Value::as_str) {
                Some(r) => &spec["definitions"][r.trim_start_matches("#/definitions/")]["properties"],
                None => &s["properties"],
            };
            props.get("code").is_some() && props.get("msg").is_some()
        }
    }
}

pub fn entry(a: &Action, result: Option<&Value>, spec: &Value) -> Value {
    json!({
        "id": a.id,
        "title": a.title,
        "description": a.description,
        "resource": a.resource,
        "method": a.method,
        "path": a.path,
        "inSpec": a.in_spec,
        "params": compact_params(a),
        "required": a.params.iter().filter(|p| p.required).map(|p| p.name.as_str()).collect::<Vec<_>>(),
        "requireOneOf": a.require_one_of,
        "response": a.response,
        "pagination": a.pagination.as_ref().map(|p| json!({
            "style": p.style,
            "request": p.fields.request,
            "response": p.fields.response,
            "items": p.fields.items,
        })),
        "irreversible": a.irreversible,
        "idempotent": a.idempotent,
        "async": a.is_async,
        "rateLimit": a.rate_limit,
        "limits": a.limits,
        "bulk": a.bulk.as_ref().map(|b| json!({
            "items": b.items,
            "maxItems": b.max_items,
            "maxBytes": b.max_bytes,
            "identify": b.identify,
        })),
        "resultIsEnvelope": result_is_envelope(result, spec),
    })
}

/// The title an id reads as, word by word ("abort_campaign" → "Abort Campaign"); api.js derives
/// the same when an entry leaves its title out.
fn default_title(id: &str) -> String {
    id.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every action's full input schema, in catalog order (for the tests and the build's check).
pub fn schemas(actions: &[Action]) -> String {
    serde_json::to_string(&actions.iter().map(input_schema).collect::<Vec<_>>()).unwrap()
}

/// The catalog JSON array, and the byte span of each entry in it.
pub fn generate(actions: &[Action], results: &[Option<&Value>], spec: &Value) -> (String, Vec<(usize, usize)>) {
    let mut out = String::from("[");
    let mut spans = Vec::with_capacity(actions.len());
    for (i, (a, result)) in actions.iter().zip(results).enumerate() {
        if i > 0 {
            out.push(',');
        }
        let start = out.len();
        // Defaults are left out (api.js and the core put them back): null, false, empty lists,
        // inSpec true, the JSON response kind, and a title that is just the id in words.
        let mut e = entry(a, *result, spec);
        let plain_title = json!(default_title(&a.id));
        e.as_object_mut().unwrap().retain(|k, v| match k.as_str() {
            "inSpec" => *v == Value::Bool(false),
            "response" => *v != json!("json"),
            "title" => *v != plain_title,
            _ => !(v.is_null() || *v == Value::Bool(false) || *v == json!([])),
        });
        out.push_str(&serde_json::to_string(&e).unwrap());
        spans.push((start, out.len()));
    }
    out.push(']');
    (out, spans)
}
