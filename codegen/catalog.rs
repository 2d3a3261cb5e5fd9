//! Generates the catalog JSON: one entry per action. `notes` and `operationId` stay in
//! defs/actions.json: the description already carries what an agent needs, and every byte here
//! ships to browsers. For the same reason the input's JSON Schema (draft 2020-12) ships compact:
//! `params` maps each name to `[in, type, description, {other keywords}?]` beside `required`;
//! api.js expands it into `inputSchema` (the build checks the expansion equals `input_schema`
//! below, written out as schemas.json), and the core reads its definitions from it.

use crate::formats;
use crate::model::{Action, Groups, Param, Shapes};
use serde_json::{json, Map, Value};

/// The compact keywords of a value (param, field or items): its JSON Schema keywords except
/// `type`, `description` and the place, with four shorthands that [`full`] (and api.js
/// `expand`) write out: `enumCi` (an enum in any letter case), `chars` (a character class), a
/// date form in `format`, and the groups of a nested object (`requireOneOf`, `exclusive`,
/// `together`). The core validates from this form.
pub fn compact(p: &Param, shapes: &Shapes) -> Map<String, Value> {
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.into(), v);
    };
    match p.format.as_deref() {
        Some("int32") => {
            put("format", json!("int32"));
            put("minimum", json!(p.minimum.unwrap_or(i32::MIN.into())));
            put("maximum", json!(p.maximum.unwrap_or(i32::MAX.into())));
        }
        Some(f) => put("format", json!(f)),
        None => {}
    }
    if let (Some(e), true) = (&p.enum_values, p.enum_ignore_case) {
        put("enumCi", json!(e));
    } else if let Some(e) = &p.enum_values {
        put("enum", json!(e));
    }
    if let Some(d) = &p.default {
        put("default", d.clone());
    }
    if let Some(n) = p.min_length.or((p.loc == "path" && p.ty == "string").then_some(1)) {
        put("minLength", json!(n));
    }
    if let Some(n) = p.max_length.or(p.max_bytes) {
        put("maxLength", json!(n));
    }
    if let Some(n) = p.max_bytes {
        put("x-iterable-max-bytes", json!(n));
    }
    if let Some(c) = &p.chars {
        put("chars", json!(c));
    }
    if let Some(n) = p.max_future_days {
        put("x-iterable-max-future-days", json!(n));
    }
    for (k, v) in [("minItems", p.min_items.map(i64::from)), ("maxItems", p.max_items.map(i64::from)), ("minimum", p.minimum), ("maximum", p.maximum)] {
        if let Some(v) = v {
            put(k, json!(v));
        }
    }
    if let Some(i) = &p.items {
        put("items", Value::Object(typed(i, shapes)));
    }
    if let Some(sh) = p.shape.as_ref().and_then(|n| shapes.get(n)) {
        let props: Map<String, Value> = sh.fields.iter().map(|f| (f.name.clone(), Value::Object(typed(f, shapes)))).collect();
        put("properties", Value::Object(props));
        let required: Vec<&str> = sh.fields.iter().filter(|f| f.required).map(|f| f.name.as_str()).collect();
        if !required.is_empty() {
            put("required", json!(required));
        }
        for (k, g) in [("requireOneOf", &sh.require_one_of), ("exclusive", &sh.exclusive), ("together", &sh.together)] {
            if !g.is_empty() {
                put(k, json!(g));
            }
        }
    }
    m
}

/// A nested value's compact schema: its type and description, then its keywords.
fn typed(p: &Param, shapes: &Shapes) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("type".into(), json!(p.ty));
    if !p.description.is_empty() {
        m.insert("description".into(), json!(p.description));
    }
    m.extend(compact(p, shapes));
    m
}

fn list(v: Option<Value>) -> Vec<Vec<String>> {
    v.and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default()
}

/// Writes the rules between an object's members as JSON Schema: at least one (`anyOf` of
/// `required`), exactly one (`oneOf`, a requireOneOf group that is also exclusive), at most one
/// (`not` both of each pair), all or none (`dependentRequired`). One rule sits at the object's
/// top; several go in `allOf`.
pub fn write_groups(m: &mut Map<String, Value>, g: &Groups) {
    let req = |k: &String| json!({ "required": [k] });
    let mut all: Vec<Value> = vec![];
    for grp in g.require_one_of {
        let key = if g.exclusive.contains(grp) { "oneOf" } else { "anyOf" };
        all.push(json!({ key: grp.iter().map(req).collect::<Vec<_>>() }));
    }
    for grp in g.exclusive.iter().filter(|x| !g.require_one_of.contains(x)) {
        for (i, a) in grp.iter().enumerate() {
            for b in &grp[i + 1..] {
                all.push(json!({ "not": { "required": [a, b] } }));
            }
        }
    }
    let mut dep = Map::new();
    for grp in g.together {
        for a in grp {
            let entry = dep.entry(a.clone()).or_insert_with(|| json!([]));
            for b in grp.iter().filter(|b| *b != a) {
                entry.as_array_mut().unwrap().push(json!(b));
            }
        }
    }
    if !dep.is_empty() {
        m.insert("dependentRequired".into(), Value::Object(dep));
    }
    match all.len() {
        0 => {}
        1 => m.extend(all.pop().unwrap().as_object().unwrap().clone()),
        _ => {
            m.insert("allOf".into(), Value::Array(all));
        }
    }
}

/// The JSON Schema of compact keywords (see [`compact`]), nested values included.
pub fn full(mut m: Map<String, Value>) -> Map<String, Value> {
    if let Some(e) = m.remove("enumCi") {
        let values: Vec<String> = serde_json::from_value(e.clone()).unwrap();
        m.insert("pattern".into(), json!(formats::any_case_pattern(&values)));
        m.insert("examples".into(), e);
    }
    if let Some(c) = m.remove("chars") {
        m.insert("pattern".into(), json!(formats::class_pattern(c.as_str().unwrap())));
    }
    if let Some(p) = m.get("format").and_then(Value::as_str).and_then(formats::pattern) {
        m.remove("format");
        m.insert("pattern".into(), json!(p));
    }
    if let Some(Value::Object(i)) = m.remove("items") {
        m.insert("items".into(), Value::Object(full(i)));
    }
    if let Some(Value::Object(props)) = m.remove("properties") {
        let props = props.into_iter().map(|(k, v)| (k, Value::Object(full(v.as_object().unwrap().clone())))).collect();
        m.insert("properties".into(), Value::Object(props));
    }
    let (r, e, t) = (list(m.remove("requireOneOf")), list(m.remove("exclusive")), list(m.remove("together")));
    write_groups(&mut m, &Groups { require_one_of: &r, exclusive: &e, together: &t, prefer_one: &[] });
    m
}

pub fn param_schema(p: &Param, shapes: &Shapes) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), json!(p.ty));
    m.extend(full(compact(p, shapes)));
    m.insert("description".into(), json!(p.description));
    m.insert("x-iterable-in".into(), json!(p.loc));
    Value::Object(m)
}

/// The compact form of the input schema: `{ name: [in, type, description, {keywords}?] }`.
fn compact_params(a: &Action, shapes: &Shapes) -> Value {
    let mut out = Map::new();
    for p in &a.params {
        let mut row = vec![json!(p.loc), json!(p.ty), json!(p.description)];
        let kw = compact(p, shapes);
        if !kw.is_empty() {
            row.push(Value::Object(kw));
        }
        out.insert(p.name.clone(), Value::Array(row));
    }
    Value::Object(out)
}

pub fn input_schema(a: &Action, shapes: &Shapes) -> Value {
    let mut props = Map::new();
    for p in &a.params {
        props.insert(p.name.clone(), param_schema(p, shapes));
    }
    let required: Vec<&str> = a.params.iter().filter(|p| p.required).map(|p| p.name.as_str()).collect();
    let mut s = Map::new();
    s.insert("$schema".into(), json!("https://json-schema.org/draft/2020-12/schema"));
    s.insert("type".into(), json!("object"));
    s.insert("properties".into(), Value::Object(props));
    s.insert("required".into(), json!(required));
    s.insert("additionalProperties".into(), json!(false));
    write_groups(&mut s, &a.groups());
    Value::Object(s)
}

/// Whether the spec's 2xx result of this action is the `{msg, code, params}` envelope itself.
/// Actions whose result is something else get such an envelope unwrapped at run time, because
/// Iterable answers some of them (the catalog reads) inside one.
fn result_is_envelope(a: &Action, spec: &Value) -> bool {
    let responses = &spec["paths"][&a.path][a.method.to_lowercase()]["responses"];
    let schema = ["200", "201", "202"].iter().map(|c| &responses[*c]["schema"]).find(|s| !s.is_null());
    match schema {
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

pub fn entry(a: &Action, spec: &Value, shapes: &Shapes) -> Value {
    let mut e = json!({
        "id": a.id,
        "title": a.title,
        "description": a.description,
        "resource": a.resource,
        "method": a.method,
        "path": a.path,
        "inSpec": a.in_spec,
        "params": compact_params(a, shapes),
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
        "resultIsEnvelope": result_is_envelope(a, spec),
    });
    // The newer group kinds only where an action has them.
    for (k, g) in [("exclusive", &a.exclusive), ("together", &a.together), ("preferOne", &a.prefer_one)] {
        if !g.is_empty() {
            e[k] = json!(g);
        }
    }
    e
}

/// Every action's full input schema, in catalog order (for the tests and the build's check).
pub fn schemas(actions: &[Action], shapes: &Shapes) -> String {
    serde_json::to_string(&actions.iter().map(|a| input_schema(a, shapes)).collect::<Vec<_>>()).unwrap()
}

/// The catalog JSON array, and the byte span of each entry in it.
pub fn generate(actions: &[Action], spec: &Value, shapes: &Shapes) -> (String, Vec<(usize, usize)>) {
    let mut out = String::from("[");
    let mut spans = Vec::with_capacity(actions.len());
    for (i, a) in actions.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let start = out.len();
        // null and false are left out (api.js puts them back): fewer bytes to ship.
        let mut e = entry(a, spec, shapes);
        e.as_object_mut().unwrap().retain(|_, v| !(v.is_null() || *v == Value::Bool(false)));
        out.push_str(&serde_json::to_string(&e).unwrap());
        spans.push((start, out.len()));
    }
    out.push(']');
    (out, spans)
}
