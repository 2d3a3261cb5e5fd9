//! Generates TypeScript declarations: an input type per action (from its params and
//! requireOneOf groups), a result type per action (its result schema, codegen/results.rs, or
//! the response kind), and the maps that type `execute` by id.

use crate::model::{pascal, Action, Groups, Param, Shapes};
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

/// The TypeScript type of a value's own rules: a shape by name, an enum as literals (any
/// letter case: the literals for completion, any string accepted), else by type.
fn value_ts(p: &Param) -> Option<String> {
    if let Some(sh) = &p.shape {
        return Some(sh.clone());
    }
    let e = p.enum_values.as_ref()?;
    let lits = e.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>().join(" | ");
    Some(if p.enum_ignore_case { format!("{lits} | (string & {{}})") } else { lits })
}

fn param_ts(p: &Param, a: &Action, spec: &mut Spec) -> String {
    if let Some(t) = value_ts(p) {
        return t;
    }
    match p.ty.as_str() {
        "object" if p.values.is_some() => {
            let v = p.values.as_deref().unwrap();
            format!("Record<string, {}>", value_ts(v).unwrap_or_else(|| scalar_ts(&v.ty).to_string()))
        }
        "object" => {
            // The spec's named shape, where it has one; otherwise any object.
            match body_property(spec.spec, a, &p.name) {
                Some(s) if s.get("$ref").is_some() => spec.ts(s, 0),
                _ => scalar_ts("object").to_string(),
            }
        }
        "array" => {
            let item = p.items.as_deref().cloned().unwrap_or_default();
            if let Some(t) = value_ts(&item) {
                return format!("Array<{t}>");
            }
            if item.ty == "object" {
                // Richer element types from the spec, where it names one.
                if let Some(items) = body_property(spec.spec, a, &p.name).and_then(|s| s.get("items")) {
                    if items.get("$ref").is_some() {
                        return format!("Array<{}>", spec.ts(items, 0));
                    }
                }
            }
            format!("Array<{}>", scalar_ts(&item.ty))
        }
        t => scalar_ts(t).to_string(),
    }
}

/// The rules of a value in words, for doc comments: "max 512 bytes; default true".
pub fn rules_text(p: &Param) -> String {
    let mut r: Vec<String> = vec![];
    if let Some(f) = &p.format {
        r.push(f.clone());
    }
    if p.enum_ignore_case {
        r.push("any letter case".into());
    }
    match (p.min_length, p.max_length) {
        (Some(lo), Some(hi)) => r.push(format!("{lo} to {hi} characters")),
        (Some(lo), None) => r.push(format!("at least {lo} characters")),
        (None, Some(hi)) => r.push(format!("at most {hi} characters")),
        _ => {}
    }
    if let Some(n) = p.max_bytes {
        r.push(format!("at most {n} bytes (UTF-8)"));
    }
    if let Some(c) = &p.chars {
        r.push(format!("characters [{c}]"));
    }
    if let Some(n) = p.max_future_days {
        r.push(format!("at most {n} days ahead"));
    }
    match (p.min_items, p.max_items) {
        (Some(lo), Some(hi)) => r.push(format!("{lo} to {hi} items")),
        (Some(lo), None) => r.push(format!("at least {lo} item{}", if lo == 1 { "" } else { "s" })),
        (None, Some(hi)) => r.push(format!("at most {hi} items")),
        _ => {}
    }
    match (p.minimum, p.maximum) {
        (Some(lo), Some(hi)) => r.push(format!("{lo} to {hi}")),
        (Some(lo), None) => r.push(format!(">= {lo}")),
        (None, Some(hi)) => r.push(format!("<= {hi}")),
        _ => {}
    }
    if let Some(d) = &p.default {
        r.push(format!("default {d}"));
    }
    for (word, x) in [("keys", &p.keys), ("each value", &p.values)] {
        if let Some(t) = x.as_deref().map(rules_text).filter(|t| !t.is_empty()) {
            r.push(format!("{word} ({t})"));
        }
    }
    r.join("; ")
}

/// The members of an object as TypeScript: `base` lists every member (required ones required,
/// the others optional), and each connected set of grouped members (requireOneOf, exclusive,
/// together) becomes a union of the combinations its rules allow, members outside a
/// combination typed `?: never`. Returns the base members and the unions.
fn members_ts(fields: &[Param], g: &Groups, indent: &str, mut ty: impl FnMut(&Param) -> String) -> (String, Vec<String>) {
    let grouped: Vec<&Vec<String>> = g.require_one_of.iter().chain(g.exclusive).chain(g.together).collect();
    let in_group = |n: &str| grouped.iter().any(|grp| grp.iter().any(|m| m == n));
    let mut body = String::new();
    for p in fields {
        let mut d = p.description.clone();
        let mut extra: Vec<String> = vec![];
        if !p.loc.is_empty() {
            extra.push(p.loc.clone());
        }
        let rules = rules_text(p);
        if !rules.is_empty() {
            extra.push(rules);
        }
        if !extra.is_empty() {
            d.push_str(&format!(" ({})", extra.join(", ")));
        }
        if !d.trim().is_empty() {
            body.push_str(&doc(&d, &format!("{indent}  ")));
        }
        let opt = if p.required && !in_group(&p.name) { "" } else { "?" };
        writeln!(body, "{indent}  {}{opt}: {};", prop_key(&p.name), ty(p)).unwrap();
    }
    // Connected sets of grouped members, in member order.
    let mut sets: Vec<Vec<&str>> = vec![];
    for grp in &grouped {
        let mut merged: Vec<&str> = grp.iter().map(String::as_str).collect();
        sets.retain(|s| {
            if s.iter().any(|m| merged.contains(m)) {
                let more: Vec<&str> = s.iter().filter(|m| !merged.contains(m)).copied().collect();
                merged.extend(more);
                false
            } else {
                true
            }
        });
        sets.push(merged);
    }
    let mut unions = vec![];
    for set in sets {
        let set: Vec<&Param> = fields.iter().filter(|p| set.contains(&p.name.as_str())).collect();
        assert!(set.len() <= 8, "too many grouped members for a union");
        let pos = |n: &String| set.iter().position(|p| &p.name == n);
        let mut alts = vec![];
        for mask in 0u32..(1 << set.len()) {
            let has = |n: &String| pos(n).is_some_and(|i| mask & (1 << i) != 0);
            let local = |grp: &Vec<String>| grp.iter().any(|m| pos(m).is_some());
            let ok = g.require_one_of.iter().filter(|x| local(x)).all(|grp| grp.iter().any(has))
                && g.exclusive.iter().filter(|x| local(x)).all(|grp| grp.iter().filter(|m| has(m)).count() <= 1)
                && g.together.iter().filter(|x| local(x)).all(|grp| grp.iter().all(has) || !grp.iter().any(has));
            if ok {
                let parts: Vec<String> = set
                    .iter()
                    .enumerate()
                    .map(|(i, p)| if mask & (1 << i) != 0 { format!("{}: {}", prop_key(&p.name), ty(p)) } else { format!("{}?: never", prop_key(&p.name)) })
                    .collect();
                alts.push(format!("{{ {} }}", parts.join("; ")));
            }
        }
        unions.push(format!("({})", alts.join(" | ")));
    }
    (body, unions)
}

/// The groups of an object in words, for doc comments.
fn groups_text(g: &Groups) -> String {
    let mut t: Vec<String> = vec![];
    for grp in g.require_one_of {
        let kind = if g.exclusive.contains(grp) { "exactly one of" } else { "at least one of" };
        t.push(format!("{kind} {}", grp.join(", ")));
    }
    for grp in g.exclusive.iter().filter(|x| !g.require_one_of.contains(x)) {
        t.push(format!("not both {}", grp.join(" and ")));
    }
    for grp in g.together {
        t.push(format!("{} together or not at all", grp.join(" and ")));
    }
    for grp in g.prefer_one {
        t.push(format!("preferably one of {}, not several (Iterable resolves several)", grp.join(", ")));
    }
    t.join("; ")
}

pub fn generate(actions: &[Action], result_schemas: &[Option<Value>], spec_json: &Value, shapes: &Shapes) -> String {
    let mut spec = Spec { spec: spec_json, wanted: BTreeSet::new(), indent: String::new() };
    let mut s = String::from("// Generated from defs/actions.json and defs/openapi.json. Do not edit.\n\n");
    let mut inputs = BTreeMap::new();
    let mut results = BTreeMap::new();
    for (a, result) in actions.iter().zip(result_schemas) {
        let name = pascal(&a.id);
        let base = format!("{name}Input");
        // Input: one flat object; grouped members become unions of what their rules allow.
        let (body, unions) = members_ts(&a.params, &a.groups(), "", |p| param_ts(p, a, &mut spec));
        let rules = groups_text(&a.groups());
        let rules = if rules.is_empty() { String::new() } else { format!(" Rules between members: {rules}.") };
        s.push_str(&doc(&format!("Input of `{}` ({} {}). {}.{rules}", a.id, a.method, a.path, a.title), ""));
        if a.params.is_empty() {
            // Nothing may be given (the runtime rejects any key).
            writeln!(s, "export type {base} = Record<string, never>;\n").unwrap();
        } else if unions.is_empty() {
            writeln!(s, "export interface {base} {{\n{body}}}\n").unwrap();
        } else {
            writeln!(s, "export interface {base}Fields {{\n{body}}}\n").unwrap();
            writeln!(s, "export type {base} = {base}Fields & {};\n", unions.join(" & ")).unwrap();
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
    // The named shapes of nested objects and array items (defs/shapes.json).
    for (name, sh) in shapes {
        let (body, unions) = members_ts(&sh.fields, &sh.groups(), "", |p| value_ts(p).unwrap_or_else(|| match p.ty.as_str() {
            "array" => format!("Array<{}>", p.items.as_deref().and_then(value_ts).unwrap_or_else(|| scalar_ts(&p.items.as_ref().unwrap().ty).to_string())),
            t => scalar_ts(t).to_string(),
        }));
        let mut d = sh.description.clone();
        let g = groups_text(&sh.groups());
        if !g.is_empty() {
            d.push_str(&format!(" Rules between members: {g}."));
        }
        if !d.trim().is_empty() {
            s.push_str(&doc(&d, ""));
        }
        if unions.is_empty() {
            writeln!(s, "export interface {name} {{\n{body}}}\n").unwrap();
        } else {
            writeln!(s, "export type {name} = {{\n{body}}} & {};\n", unions.join(" & ")).unwrap();
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
        let sends_when;
        if let Some(w) = a.sends.when() {
            sends_when = format!("sends messages to people when {} is given{}", w.given, w.unless_false.as_ref().map(|u| format!(" and {u} is not false")).unwrap_or_default());
            flags.push(&sends_when);
        } else if a.sends.can_send() {
            flags.push("sends messages to people");
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
