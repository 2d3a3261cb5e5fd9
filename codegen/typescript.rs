//! Generates TypeScript declarations: an input type per action (from its params and
//! requireOneOf groups), a result type per action (its result schema, codegen/results.rs, or
//! the response kind), and the maps that type `execute` by id.

use crate::model::{pascal, Action, Param};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// Names the spec's definitions get in TypeScript (prefixed, so they never collide with ours).
fn def_name(name: &str) -> String {
    let cleaned: String = name.split(" - ").next().unwrap_or(name).chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    format!("Api{cleaned}")
}

fn doc(text: &str, indent: &str) -> String {
    let text = text.replace("*/", "* /");
    format!("{indent}/** {} */\n", text.trim())
}

struct Spec<'a> {
    spec: &'a Value,
    wanted: BTreeSet<String>,
    /// Indentation of the object literal being written (inline objects nest).
    indent: String,
}

impl Spec<'_> {
    fn ts(&mut self, schema: &Value, depth: usize) -> String {
        if depth > 12 {
            return "unknown".into();
        }
        if let Some(id) = crate::results::action_ref(schema) {
            // Another action's result (results.rs): its type.
            return format!("{}Result", pascal(id));
        }
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let name = r.trim_start_matches("#/definitions/").to_string();
            if self.spec["definitions"].get(&name).is_some() {
                let ts = def_name(&name);
                self.wanted.insert(name);
                let nullable = schema.get("x-nullable").and_then(Value::as_bool).unwrap_or(false);
                return if nullable { format!("{ts} | null") } else { ts };
            }
            return "unknown".into();
        }
        let nullable = schema.get("x-nullable").and_then(Value::as_bool).unwrap_or(false);
        if let Some(e) = schema.get("enum").and_then(Value::as_array) {
            let mut lits: Vec<String> = e.iter().map(|v| v.to_string()).collect();
            if nullable {
                lits.push("null".into());
            }
            if !lits.is_empty() {
                return lits.join(" | ");
            }
        }
        if let Some(Value::Array(types)) = schema.get("type") {
            // A list of types (result overrides): their union.
            let alts: Vec<String> = types
                .iter()
                .map(|t| {
                    if t == "null" {
                        return "null".to_string();
                    }
                    let mut one = schema.clone();
                    one["type"] = t.clone();
                    self.ts(&one, depth + 1)
                })
                .collect();
            return alts.join(" | ");
        }
        let t = match schema.get("type").and_then(Value::as_str) {
            Some("string") => "string".to_string(),
            Some("integer") | Some("number") => "number".to_string(),
            Some("boolean") => "boolean".to_string(),
            Some("array") => {
                let items = schema.get("items").map(|i| self.ts(i, depth + 1)).unwrap_or_else(|| "unknown".into());
                format!("Array<{items}>")
            }
            Some("object") | None if schema.get("properties").is_some() => {
                let indent = self.indent.clone();
                self.object(schema, depth, &indent)
            }
            Some("object") => match schema.get("additionalProperties") {
                Some(ap) if ap.is_object() => format!("Record<string, {}>", self.ts(ap, depth + 1)),
                _ => "Record<string, unknown>".to_string(),
            },
            _ => "unknown".to_string(),
        };
        if nullable {
            format!("{t} | null")
        } else {
            t
        }
    }

    fn object(&mut self, schema: &Value, depth: usize, indent: &str) -> String {
        let required: BTreeSet<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut s = String::from("{\n");
        let outer = std::mem::replace(&mut self.indent, format!("{indent}  "));
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (k, v) in props {
                if let Some(d) = v.get("description").and_then(Value::as_str) {
                    s.push_str(&doc(d, &format!("{indent}  ")));
                }
                let opt = if required.contains(k.as_str()) { "" } else { "?" };
                let t = self.ts(v, depth + 1);
                writeln!(s, "{indent}  {}{opt}: {t};", prop_key(k)).unwrap();
            }
        }
        if schema.get("additionalProperties").is_some_and(|ap| ap.is_object() || ap == true) {
            // Named fields, and others besides.
            writeln!(s, "{indent}  [field: string]: unknown;").unwrap();
        }
        self.indent = outer;
        s.push_str(indent);
        s.push('}');
        s
    }
}

fn prop_key(k: &str) -> String {
    if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') && !k.starts_with(|c: char| c.is_ascii_digit()) {
        k.to_string()
    } else {
        format!("{k:?}")
    }
}

fn scalar_ts(ty: &str) -> &'static str {
    match ty {
        "string" => "string",
        "integer" | "number" => "number",
        "boolean" => "boolean",
        "object" => "Record<string, unknown>",
        _ => "unknown",
    }
}

/// The spec's schema for a body property of this action, if the spec has one.
fn body_property<'a>(spec: &'a Value, a: &Action, name: &str) -> Option<&'a Value> {
    let op = spec.get("paths")?.get(&a.path)?.get(a.method.to_lowercase())?;
    for p in op.get("parameters")?.as_array()? {
        if p.get("in").and_then(Value::as_str) == Some("body") {
            let mut schema = p.get("schema")?;
            if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
                schema = spec.get("definitions")?.get(r.trim_start_matches("#/definitions/"))?;
            }
            return schema.get("properties")?.get(name);
        }
    }
    None
}

fn param_ts(p: &Param, a: &Action, spec: &mut Spec) -> String {
    if let Some(e) = &p.enum_values {
        return e.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>().join(" | ");
    }
    match p.ty.as_str() {
        "object" => {
            // The spec's named shape, where it has one; otherwise any object.
            match body_property(spec.spec, a, &p.name) {
                Some(s) if s.get("$ref").is_some() => spec.ts(s, 0),
                _ => scalar_ts("object").to_string(),
            }
        }
        "array" => {
            let item = p.items.as_ref().map(|i| i.ty.as_str()).unwrap_or("unknown");
            if item == "object" {
                // Richer element types from the spec, where it names one.
                if let Some(items) = body_property(spec.spec, a, &p.name).and_then(|s| s.get("items")) {
                    if items.get("$ref").is_some() {
                        return format!("Array<{}>", spec.ts(items, 0));
                    }
                }
            }
            format!("Array<{}>", scalar_ts(item))
        }
        t => scalar_ts(t).to_string(),
    }
}

pub fn generate(actions: &[Action], result_schemas: &[Option<Value>], spec_json: &Value) -> String {
    let mut spec = Spec { spec: spec_json, wanted: BTreeSet::new(), indent: String::new() };
    let mut s = String::from("// Generated from defs/actions.json and defs/openapi.json. Do not edit.\n\n");
    let mut inputs = BTreeMap::new();
    let mut results = BTreeMap::new();
    for (a, result) in actions.iter().zip(result_schemas) {
        let name = pascal(&a.id);
        let base = format!("{name}Input");
        // Input: one flat object; members of requireOneOf groups become a union.
        let mut body = String::new();
        for p in &a.params {
            let mut d = p.description.clone();
            d.push_str(&format!(" ({}", p.loc));
            if let Some(f) = &p.format {
                d.push_str(&format!(", {f}"));
            }
            d.push(')');
            body.push_str(&doc(&d, "  "));
            let in_group = a.require_one_of.iter().any(|g| g.contains(&p.name));
            let opt = if p.required && !in_group { "" } else { "?" };
            writeln!(body, "  {}{opt}: {};", prop_key(&p.name), param_ts(p, a, &mut spec)).unwrap();
        }
        s.push_str(&doc(&format!("Input of `{}` ({} {}). {}", a.id, a.method, a.path, a.title), ""));
        if a.params.is_empty() {
            // Nothing may be given (the runtime rejects any key).
            writeln!(s, "export type {base} = Record<string, never>;\n").unwrap();
        } else if a.require_one_of.is_empty() {
            writeln!(s, "export interface {base} {{\n{body}}}\n").unwrap();
        } else {
            writeln!(s, "export interface {base}Fields {{\n{body}}}\n").unwrap();
            let groups: Vec<String> = a
                .require_one_of
                .iter()
                .map(|g| {
                    let alts: Vec<String> = g
                        .iter()
                        .map(|m| {
                            let p = a.params.iter().find(|p| &p.name == m).unwrap();
                            format!("{{ {}: {} }}", prop_key(m), param_ts(p, a, &mut spec))
                        })
                        .collect();
                    format!("({})", alts.join(" | "))
                })
                .collect();
            s.push_str(&doc(&format!("At least one member of each group is required: {:?}", a.require_one_of), ""));
            writeln!(s, "export type {base} = {base}Fields & {};\n", groups.join(" & ")).unwrap();
        }
        let result = match a.response.as_str() {
            "csv" | "text" | "html" => "string".to_string(),
            "jsonl" => "Array<Record<string, unknown>>".to_string(),
            _ => match result {
                Some(schema) => spec.ts(schema, 0),
                None => "unknown".to_string(),
            },
        };
        writeln!(s, "export type {name}Result = {result};\n").unwrap();
        inputs.insert(a.id.clone(), base);
        results.insert(a.id.clone(), format!("{name}Result"));
    }
    // Spec definitions reached from results and typed array params, transitively.
    let mut done = BTreeSet::new();
    loop {
        let todo: Vec<String> = spec.wanted.difference(&done).cloned().collect();
        if todo.is_empty() {
            break;
        }
        for name in todo {
            done.insert(name.clone());
            let schema = &spec_json["definitions"][&name];
            let body = if schema.get("properties").is_some() {
                spec.object(schema, 0, "")
            } else {
                spec.ts(schema, 0)
            };
            if let Some(d) = schema.get("description").and_then(Value::as_str) {
                s.push_str(&doc(d, ""));
            }
            writeln!(s, "export type {} = {body};\n", def_name(&name)).unwrap();
        }
    }
    // The client's typed methods, merged into the wasm-bindgen class declaration.
    s.push_str("export interface IterableClient {\n");
    for a in actions {
        let name = pascal(&a.id);
        let mut flags = vec![];
        if a.irreversible {
            flags.push("irreversible");
        }
        if a.idempotent {
            flags.push("idempotent");
        }
        if a.is_async {
            flags.push("queued: Iterable finishes it later");
        }
        let mut docs = format!("{}\n   *\n   * `{}`: {} {}", a.description.replace("*/", "* /"), a.id, a.method, a.path);
        if !flags.is_empty() {
            docs.push_str(&format!(" ({})", flags.join(", ")));
        }
        if let Some(r) = &a.rate_limit {
            docs.push_str(&format!(". Rate limit: {r}"));
        }
        let needs_input = a.params.iter().any(|p| p.required) || !a.require_one_of.is_empty();
        let q = if needs_input { "" } else { "?" };
        writeln!(s, "  /**\n   * {docs}.\n   */\n  {}(input{q}: {name}Input, options?: CallOptions): Promise<{name}Result>;", crate::model::camel(&a.id)).unwrap();
    }
    s.push_str("}\n\n");
    s.push_str("/** Every action id. */\nexport type ActionId =\n");
    for id in inputs.keys() {
        writeln!(s, "  | {id:?}").unwrap();
    }
    s.push_str("  ;\n\n/** Input type of each action, by id. */\nexport interface ActionInputs {\n");
    for (id, t) in &inputs {
        writeln!(s, "  {id}: {t};").unwrap();
    }
    s.push_str("}\n\n/** Result type of each action, by id. */\nexport interface ActionResults {\n");
    for (id, t) in &results {
        writeln!(s, "  {id}: {t};").unwrap();
    }
    s.push_str("}\n\n");
    // The ids each large-work helper takes, and the item type of each paginated action.
    let union = |ids: Vec<&str>| if ids.is_empty() { "never".to_string() } else { ids.iter().map(|i| format!("{i:?}")).collect::<Vec<_>>().join(" | ") };
    let paginated: Vec<&Action> = actions.iter().filter(|a| a.pagination.is_some()).collect();
    writeln!(s, "/** Actions `paginate` takes. */\nexport type PaginatedActionId = {};\n", union(paginated.iter().map(|a| a.id.as_str()).collect())).unwrap();
    s.push_str("/** The items `paginate` yields, by id. */\nexport interface PaginatedItems {\n");
    for a in &paginated {
        let t = match a.pagination.as_ref().and_then(|p| p.fields.items.as_ref()) {
            Some(f) => format!("ItemOf<{}Result, {f:?}>", pascal(&a.id)),
            None => "unknown".to_string(),
        };
        writeln!(s, "  {}: {t};", a.id).unwrap();
    }
    s.push_str("}\n\n");
    let streamed: Vec<&str> = actions.iter().filter(|a| matches!(a.response.as_str(), "csv" | "jsonl" | "text")).map(|a| a.id.as_str()).collect();
    writeln!(s, "/** Actions `stream` takes (CSV, JSON lines, plain-text lists). */\nexport type StreamActionId = {};\n", union(streamed)).unwrap();
    let bulk: Vec<&str> = actions.iter().filter(|a| a.bulk.is_some()).map(|a| a.id.as_str()).collect();
    writeln!(s, "/** Actions `bulk` takes. */\nexport type BulkActionId = {};\n", union(bulk)).unwrap();
    s
}
