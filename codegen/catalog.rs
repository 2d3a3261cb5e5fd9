//! Generates the catalog JSON: one entry per action, then the named shapes, then the param rows
//! that several actions share. `notes` and `operationId` stay in defs/actions.json: the
//! description already carries what an agent needs, and every byte here ships to browsers. For the
//! same reason entries are arrays (fields by position, [`FIELDS`]) and the input's JSON Schema
//! (draft 2020-12) ships compact: `params` lists each param as `[name, place and type letters,
//! {keywords}?]` (see [`param_row`], [`compact`]) or as the position of such a row in the shared
//! list ([`shared_params`]); catalog.js expands it into `inputSchema` (the build checks the
//! expansion equals `input_schema` below, written out as schemas.json), and the core reads its
//! definitions and rules from it.

use crate::formats;
use crate::model::{Action, Groups, Param, Shapes};
use serde_json::{json, Map, Value};

/// The compact keywords of a value (param, field, items, or a map's keys and values:
/// `propertyNames`, `additionalProperties`): its JSON Schema keywords except
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
    if let Some(sh) = &p.shape {
        put("shape", json!(sh));
    }
    if let Some(k) = &p.keys {
        put("propertyNames", Value::Object(typed(k, shapes)));
    }
    if let Some(v) = &p.values {
        put("additionalProperties", Value::Object(typed(v, shapes)));
    }
    m
}

/// The compact keywords of a named shape: its fields (`properties`), `required` and groups.
/// The catalog holds each shape once (its last element); values name it with `shape`.
pub fn shape_compact(name: &str, shapes: &Shapes) -> Map<String, Value> {
    let sh = &shapes[name];
    let mut m = Map::new();
    let props: Map<String, Value> = sh.fields.iter().map(|f| (f.name.clone(), Value::Object(typed(f, shapes)))).collect();
    m.insert("properties".into(), Value::Object(props));
    let required: Vec<&str> = sh.fields.iter().filter(|f| f.required).map(|f| f.name.as_str()).collect();
    if !required.is_empty() {
        m.insert("required".into(), json!(required));
    }
    for (k, g) in [("requireOneOf", &sh.require_one_of), ("exclusive", &sh.exclusive), ("together", &sh.together)] {
        if !g.is_empty() {
            m.insert(k.into(), json!(g));
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

/// The JSON Schema of compact keywords (see [`compact`]), nested values and shapes included.
pub fn full(mut m: Map<String, Value>, shapes: &Shapes) -> Map<String, Value> {
    if let Some(Value::String(name)) = m.remove("shape") {
        m.extend(shape_compact(&name, shapes));
    }
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
    for k in ["items", "propertyNames", "additionalProperties"] {
        if let Some(Value::Object(i)) = m.remove(k) {
            m.insert(k.into(), Value::Object(full(i, shapes)));
        }
    }
    if let Some(Value::Object(props)) = m.remove("properties") {
        let props = props.into_iter().map(|(k, v)| (k, Value::Object(full(v.as_object().unwrap().clone(), shapes)))).collect();
        m.insert("properties".into(), Value::Object(props));
    }
    let (r, e, t) = (list(m.remove("requireOneOf")), list(m.remove("exclusive")), list(m.remove("together")));
    write_groups(&mut m, &Groups { require_one_of: &r, exclusive: &e, together: &t, prefer_one: &[] });
    m
}

pub fn param_schema(p: &Param, shapes: &Shapes) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), json!(p.ty));
    m.extend(full(compact(p, shapes), shapes));
    m.insert("description".into(), json!(p.description));
    m.insert("x-iterable-in".into(), json!(p.loc));
    Value::Object(m)
}

/// The letters of a param's place and type in the catalog (`bs`: a body string).
pub const PLACES: [(&str, char); 4] = [("path", 'p'), ("query", 'q'), ("body", 'b'), ("bodyRoot", 'r')];
pub const TYPES: [(&str, char); 6] = [("string", 's'), ("integer", 'i'), ("number", 'n'), ("boolean", 'b'), ("object", 'o'), ("array", 'a')];

fn letter(table: &[(&str, char)], k: &str) -> char {
    table.iter().find(|(n, _)| *n == k).unwrap().1
}

/// The compact form of a param: `[name, place and type letters, {keywords}?]`, the place letter in
/// upper case for a required param (`Bs`). Its description is in the catalog's text ([`text`]),
/// not here. An entry lists its params in order ([`params_field`]).
fn param_row(p: &Param, shapes: &Shapes) -> Value {
    let place = letter(&PLACES, &p.loc);
    let place = if p.required { place.to_ascii_uppercase() } else { place };
    let code: String = [place, letter(&TYPES, &p.ty)].iter().collect();
    let mut row = vec![json!(p.name), json!(code)];
    let kw = compact(p, shapes);
    if !kw.is_empty() {
        row.push(Value::Object(kw));
    }
    Value::Array(row)
}

/// How often a param row must occur to be written once and given by position. A position costs
/// gzip about as much as its reference to a row it has already seen, so at 2 the wasm is 16 KB
/// smaller but its gzip ~0.35 KB larger (~0.2 KB at 3, for 3 KB less saved); the shapes' field
/// descriptions, out of the wasm ([`generate`]), pay for it in the browser's budget.
const SHARED_MIN_USES: usize = 2;

/// The params that several actions share the same way (`email` as an optional body string with
/// the email form, `campaignId` as a required int64, ...: 122 rows, 546 of the 662 params), each
/// written once, in order of first use: the catalog's last element. An entry gives such a param
/// by its position in that list, any other param as its row: 50 KB -> 34 KB of catalog in the
/// wasm, which a Worker uploads at every start.
fn shared_params(actions: &[Action], shapes: &Shapes) -> Vec<Value> {
    let rows: Vec<Value> = actions.iter().flat_map(|a| a.params.iter().map(|p| param_row(p, shapes))).collect();
    let mut shared: Vec<Value> = vec![];
    for r in &rows {
        if !shared.contains(r) && rows.iter().filter(|x| *x == r).count() >= SHARED_MIN_USES {
            shared.push(r.clone());
        }
    }
    shared
}

/// An entry's `params`: each param's position in the shared list, or its own row.
fn params_field(a: &Action, shapes: &Shapes, shared: &[Value]) -> Value {
    Value::Array(
        a.params
            .iter()
            .map(|p| {
                let row = param_row(p, shapes);
                shared.iter().position(|r| *r == row).map_or(row, |i| json!(i))
            })
            .collect(),
    )
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

/// The fields of a catalog entry in the wasm, by position (api.js and src/core/defs.rs read them
/// so); `flags` packs inSpec 1, irreversible 2, idempotent 4, async 8, resultIsEnvelope 16,
/// sends 32 (with `sendsWhen` the input that makes a call send, when not every call does).
/// The id is not repeated here: the wasm lists the ids in catalog order (`actionIds`). What only
/// describes an action (title, description, resource, limits, the params' descriptions) is in
/// the catalog's text ([`text`], TEXT_FIELDS), a separate JS module loaded by `actions` only.
pub const FIELDS: [&str; 15] = [
    "method", "path", "params", "response", "flags", "requireOneOf", "pagination", "rateLimit", "bulk", "exclusive", "together", "preferOne", "emptySuccess", "eventId", "sendsWhen",
];
pub const TEXT_FIELDS: [&str; 5] = ["title", "description", "resource", "limits", "params"];

/// The catalog's text: per action in catalog order `[title, description, resource, limits,
/// [each param's description, in params order]]` (see [`TEXT_FIELDS`]), then the descriptions of
/// the named shapes' fields, `{shape: {field: description}}`, which the wasm's shapes leave out
/// ([`generate`]; catalog.js puts each back after the field's `type`).
pub fn text(actions: &[Action], shapes: &Shapes) -> String {
    let mut all: Vec<Value> = actions
        .iter()
        .map(|a| json!([a.title, a.description, a.resource, a.limits, a.params.iter().map(|p| &p.description).collect::<Vec<_>>()]))
        .inspect(|e| assert_eq!(e.as_array().map(Vec::len), Some(TEXT_FIELDS.len())))
        .collect();
    let fields: Map<String, Value> = shapes
        .iter()
        .map(|(name, sh)| (name.clone(), Value::Object(sh.fields.iter().filter(|f| !f.description.is_empty()).map(|f| (f.name.clone(), json!(f.description))).collect())))
        .filter(|(_, d)| d.as_object().is_some_and(|d| !d.is_empty()))
        .collect();
    all.push(Value::Object(fields));
    serde_json::to_string(&all).unwrap()
}

pub fn entry(a: &Action, result: Option<&Value>, spec: &Value, shapes: &Shapes, shared: &[Value]) -> Value {
    let flags = [a.in_spec, a.irreversible, a.idempotent, a.is_async, result_is_envelope(result, spec), a.sends.can_send()].iter().enumerate().map(|(i, f)| (*f as u32) << i).sum::<u32>();
    let e = json!([
        a.method,
        a.path,
        params_field(a, shapes, shared),
        a.response,
        flags,
        a.require_one_of,
        a.pagination.as_ref().map(|p| json!({
            "style": p.style,
            "request": p.fields.request,
            "response": p.fields.response,
            "items": p.fields.items,
        })),
        a.rate_limit,
        a.bulk.as_ref().map(|b| json!({
            "items": b.items,
            "maxItems": b.max_items,
            "maxBytes": b.max_bytes,
            "identify": b.identify,
        })),
        a.exclusive,
        a.together,
        a.prefer_one,
        Some(crate::empty_success(a, spec)).filter(|e| !e.is_empty()),
        crate::event_id(a, spec),
        a.sends.when(),
    ]);
    let mut e = e.as_array().unwrap().clone();
    assert_eq!(e.len(), FIELDS.len());
    // Trailing nulls and empty lists are left out (api.js puts them back): fewer bytes to ship.
    while e.last().is_some_and(|v| v.is_null() || v.as_array().is_some_and(Vec::is_empty)) {
        e.pop();
    }
    Value::Array(e)
}

/// Every action's full input schema, in catalog order (for the tests and the build's check).
pub fn schemas(actions: &[Action], shapes: &Shapes) -> String {
    serde_json::to_string(&actions.iter().map(|a| input_schema(a, shapes)).collect::<Vec<_>>()).unwrap()
}

/// The catalog JSON array: one array per action (see [`FIELDS`]), then the object of named
/// shapes, then the shared param rows ([`shared_params`]); the byte span of each entry, of the
/// shapes and of the shared rows.
pub fn generate(actions: &[Action], results: &[Option<&Value>], spec: &Value, shapes: &Shapes) -> (String, Vec<(usize, usize)>) {
    let shared = shared_params(actions, shapes);
    let mut out = String::from("[");
    let mut spans = Vec::with_capacity(actions.len() + 2);
    for (a, result) in actions.iter().zip(results) {
        let start = out.len();
        out.push_str(&serde_json::to_string(&entry(a, *result, spec, shapes, &shared)).unwrap());
        spans.push((start, out.len()));
        out.push(',');
    }
    let start = out.len();
    // The fields' descriptions are in the catalog's text ([`text`]): nothing in the wasm reads them.
    let all: Map<String, Value> = shapes
        .keys()
        .map(|n| {
            let mut sh = shape_compact(n, shapes);
            for f in sh.get_mut("properties").and_then(Value::as_object_mut).into_iter().flat_map(|p| p.values_mut()) {
                f.as_object_mut().map(|f| f.shift_remove("description"));
            }
            (n.clone(), Value::Object(sh))
        })
        .collect();
    out.push_str(&serde_json::to_string(&all).unwrap());
    spans.push((start, out.len()));
    out.push(',');
    let start = out.len();
    out.push_str(&serde_json::to_string(&shared).unwrap());
    spans.push((start, out.len()));
    out.push(']');
    (out, spans)
}
