//! The result of each action: the spec's 2xx schema with the definition's `result` overrides
//! applied. Every place a result type is read from derives from `effective`: the `.d.ts` result
//! type, the catalog's envelope flag and `results.json` (a JSON Schema per action, for tools such
//! as an MCP server's `outputSchema`).
//!
//! `result` in defs/actions.json maps a field path to the schema that field has (Swagger 2.0
//! dialect, like the spec: `type`, `properties`, `required`, `items`, `enum`, `x-nullable`,
//! `additionalProperties`, `description`, `$ref` to a spec definition). `$` is the whole result;
//! `jobs[].jobState` is the field `jobState` of the items of the array `jobs`; a trailing `?` or
//! `!` also makes the field optional or required; `null` removes a field. `type` may also list
//! types (`["string", "integer"]`). A spec definition on the way to a patched field is copied into
//! the action's schema, so an override never changes another action's result. A whole result may
//! be another action's: `{"$ref": "#/actions/get_experiment"}`.

use crate::model::Action;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

fn spec_result<'a>(spec: &'a Value, a: &Action) -> Option<&'a Value> {
    let responses = spec.get("paths")?.get(&a.path)?.get(a.method.to_lowercase())?.get("responses")?;
    ["200", "201", "202"].iter().find_map(|c| responses.get(*c).and_then(|r| r.get("schema")))
}

enum Step<'a> {
    Field(&'a str),
    Items,
}

fn steps(path: &str) -> Result<Vec<Step<'_>>, String> {
    let mut out = vec![];
    for seg in path.split('.') {
        let name = seg.trim_end_matches("[]");
        if !name.is_empty() {
            if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
                return Err(format!("bad field name {name:?}"));
            }
            out.push(Step::Field(name));
        } else if seg.is_empty() {
            return Err("empty segment".into());
        }
        for _ in 0..(seg.len() - name.len()) / 2 {
            out.push(Step::Items);
        }
    }
    Ok(out)
}

/// Replaces a `$ref` node by a copy of the definition it names (keeping its own description).
fn inline(node: &mut Value, spec: &Value) -> Result<(), String> {
    if let Some(r) = node.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/definitions/");
        let mut def = spec["definitions"].get(name).cloned().ok_or_else(|| format!("no spec definition {name}"))?;
        if let (Some(d), Some(o)) = (node.get("description").cloned(), def.as_object_mut()) {
            o.insert("description".into(), d);
        }
        *node = def;
    }
    Ok(())
}

fn apply(root: &mut Value, path: &str, schema: &Value, spec: &Value) -> Result<(), String> {
    let (path, required) = match path.as_bytes().last() {
        Some(b'?') => (&path[..path.len() - 1], Some(false)),
        Some(b'!') => (&path[..path.len() - 1], Some(true)),
        _ => (path, None),
    };
    let steps = steps(path)?;
    let (last, walk) = steps.split_last().ok_or("empty path")?;
    let mut node = root;
    for s in walk {
        inline(node, spec)?;
        node = match s {
            Step::Field(f) => node.get_mut("properties").and_then(|p| p.get_mut(*f)).ok_or_else(|| format!("no field {f}"))?,
            Step::Items => node.get_mut("items").ok_or("not an array")?,
        };
    }
    inline(node, spec)?;
    let o = node.as_object_mut().ok_or("not a schema")?;
    match last {
        Step::Items => {
            if !o.contains_key("items") || schema.is_null() || required.is_some() {
                return Err("items can only be replaced".into());
            }
            o.insert("items".into(), schema.clone());
        }
        Step::Field(f) => {
            let props = o.entry("properties").or_insert_with(|| json!({})).as_object_mut().ok_or("properties is not an object")?;
            if schema.is_null() {
                props.remove(*f).ok_or_else(|| format!("no field {f} to remove"))?;
                if let Some(Value::Array(req)) = o.get_mut("required") {
                    req.retain(|r| r != f);
                }
            } else {
                props.insert(f.to_string(), schema.clone());
                if let Some(req) = required {
                    let list = o.entry("required").or_insert_with(|| json!([])).as_array_mut().ok_or("required is not a list")?;
                    list.retain(|r| r != f);
                    if req {
                        list.push(json!(f));
                    }
                }
            }
        }
    }
    Ok(())
}

const ACTION_REF: &str = "#/actions/";

/// The action whose result this schema is (`{"$ref": "#/actions/<id>"}`), if it is one.
pub fn action_ref(schema: &Value) -> Option<&str> {
    schema.get("$ref")?.as_str()?.strip_prefix(ACTION_REF)
}

/// Each result with references to another action's result followed (they go one level deep).
pub fn resolved<'a>(actions: &[Action], results: &'a [Option<Value>]) -> Result<Vec<Option<&'a Value>>, String> {
    let index: BTreeMap<&str, usize> = actions.iter().enumerate().map(|(i, a)| (a.id.as_str(), i)).collect();
    let mut out = Vec::with_capacity(results.len());
    for (a, r) in actions.iter().zip(results) {
        out.push(match r.as_ref().and_then(action_ref) {
            None => r.as_ref(),
            Some(id) => {
                let target = index.get(id).and_then(|&i| results[i].as_ref());
                match target {
                    Some(t) if action_ref(t).is_none() => Some(t),
                    _ => return Err(format!("action {}: result refers to {id}, which is not an action with a result of its own", a.id)),
                }
            }
        });
    }
    Ok(out)
}

/// The result schema of a JSON action (spec dialect), overrides applied; `None` when nothing knows it.
pub fn effective(a: &Action, spec: &Value) -> Result<Option<Value>, String> {
    let fail = |path: &str, m: String| Err(format!("action {}: result override {path:?}: {m}", a.id));
    let mut result = spec_result(spec, a).cloned();
    let Some(overrides) = &a.result else { return Ok(result) };
    if a.response != "json" {
        return fail("", format!("a {} result is text; only JSON results take overrides", a.response));
    }
    for (path, schema) in overrides {
        if !(schema.is_object() || (schema.is_null() && path != "$")) {
            return fail(path, "must be a schema object (or null to remove a field)".into());
        }
        if path == "$" {
            result = Some(schema.clone());
        } else {
            let Some(root) = result.as_mut() else { return fail(path, "the result has no shape to patch; give \"$\" first".into()) };
            if let Err(m) = apply(root, path, schema, spec) {
                return fail(path, m);
            }
        }
    }
    Ok(result)
}

/// The spec dialect as JSON Schema (draft 2020-12): definitions go to `$defs`, `x-nullable` allows
/// null, and what only the spec's generator cares about (formats, examples) is left out: Iterable's
/// dates are not all RFC 3339, so a `date-time` format would reject real answers.
struct JsonSchema<'a> {
    spec: &'a Value,
    defs: BTreeMap<String, Value>,
}

impl JsonSchema<'_> {
    fn convert(&mut self, s: &Value) -> Value {
        let Some(o) = s.as_object() else { return json!({}) };
        let mut out = Map::new();
        if let Some(r) = o.get("$ref").and_then(Value::as_str) {
            let name = r.trim_start_matches("#/definitions/");
            let clean: String = name.split(" - ").next().unwrap_or(name).chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !self.defs.contains_key(&clean) {
                self.defs.insert(clean.clone(), Value::Null); // cycles stop here
                let def = self.convert(&self.spec["definitions"][name]);
                self.defs.insert(clean.clone(), def);
            }
            out.insert("$ref".into(), json!(format!("#/$defs/{clean}")));
        }
        if let Some(d) = o.get("description") {
            out.insert("description".into(), d.clone());
        }
        if let Some(t) = o.get("type") {
            out.insert("type".into(), t.clone());
        }
        if let Some(e) = o.get("enum") {
            out.insert("enum".into(), e.clone());
        }
        if let Some(p) = o.get("properties").and_then(Value::as_object) {
            let props: Map<String, Value> = p.iter().map(|(k, v)| (k.clone(), self.convert(v))).collect();
            out.insert("properties".into(), Value::Object(props));
        }
        if let Some(r) = o.get("required") {
            out.insert("required".into(), r.clone());
        }
        if let Some(i) = o.get("items") {
            out.insert("items".into(), self.convert(i));
        }
        match o.get("additionalProperties") {
            Some(ap @ Value::Object(_)) => {
                out.insert("additionalProperties".into(), self.convert(ap));
            }
            Some(b @ Value::Bool(_)) => {
                out.insert("additionalProperties".into(), b.clone());
            }
            _ => {}
        }
        if o.get("x-nullable") == Some(&Value::Bool(true)) {
            if let Some(Value::String(t)) = out.get("type").cloned() {
                out.insert("type".into(), json!([t, "null"]));
                if let Some(Value::Array(e)) = out.get_mut("enum") {
                    e.push(Value::Null);
                }
            } else if let Some(r) = out.remove("$ref") {
                out.insert("anyOf".into(), json!([{ "$ref": r }, { "type": "null" }]));
            }
        }
        Value::Object(out)
    }
}

/// Every action's result as JSON Schema, by id (written out as results.json).
pub fn json_schemas(actions: &[Action], results: &[Option<&Value>], spec: &Value) -> String {
    let mut all = Map::new();
    for (a, r) in actions.iter().zip(results) {
        let mut js = JsonSchema { spec, defs: BTreeMap::new() };
        let body = match a.response.as_str() {
            "csv" | "text" | "html" => json!({ "type": "string" }),
            "jsonl" => json!({ "type": "array", "items": { "type": "object" } }),
            // The root is the object itself, not a reference to it (MCP wants `type: object` there).
            _ => match r {
                Some(s) => {
                    let mut root = (*s).clone();
                    inline(&mut root, spec).expect("result definitions exist");
                    js.convert(&root)
                }
                None => json!({}),
            },
        };
        let mut s = Map::new();
        s.insert("$schema".into(), json!("https://json-schema.org/draft/2020-12/schema"));
        s.extend(body.as_object().cloned().unwrap_or_default());
        if !js.defs.is_empty() {
            s.insert("$defs".into(), json!(js.defs));
        }
        all.insert(a.id.clone(), Value::Object(s));
    }
    serde_json::to_string(&all).unwrap()
}
