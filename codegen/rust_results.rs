//! The Rust client's result types (crate `iterable-client`; committed as
//! client/src/generated/results.rs, which tests/client_codegen.rs checks): per action, a type
//! for what the call returns, from the same result schema the `.d.ts` result types and the
//! `iterable-wasm/results` JSON Schemas come from (codegen/results.rs: the spec's 2xx schema with
//! the definition's `result` overrides). Objects become structs whose fields are the schema's
//! properties (required ones plain, the others `Option`), with every field the schema does not
//! name kept in `other`; string enumerations become enums with an `Other(String)` case for
//! values Iterable adds later; spec definitions become one shared struct each. Where nothing
//! describes the shape, the type is `serde_json::Value`.

use crate::model::{pascal, Action};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// `snake`, `doc` and `prose` are the input generator's (codegen/rust_client.rs).
use crate::rust_client::{doc, prose, snake};

pub struct Types<'a> {
    spec: &'a Value,
    /// The generated items (structs and enums).
    pub out: String,
    /// Spec definition name -> its Rust name.
    defs: BTreeMap<String, String>,
    /// Definitions being generated (a reference back to one is boxed).
    open: BTreeSet<String>,
    /// Enumerations by their values -> Rust name (one enum per set of values).
    enums: BTreeMap<Vec<String>, String>,
    /// Every Rust name given out.
    names: BTreeSet<String>,
    /// Docs for structs about to be written (the actions' root results), by name.
    docs: BTreeMap<String, String>,
}

/// A variant name for an enumeration value: `emailSend` -> `EmailSend`,
/// `application/x-json-stream` -> `ApplicationXJsonStream`, `` -> `Empty`.
pub fn variant(value: &str) -> String {
    let mut out = String::new();
    let mut up = true;
    for c in value.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(if up { c.to_ascii_uppercase() } else { c });
            up = false;
        } else {
            up = true;
        }
    }
    if out.is_empty() {
        out.push_str("Empty");
    } else if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    out
}

/// Variant names for a list of values, distinct even where two values differ only in case.
pub fn variants(values: &[String]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    values
        .iter()
        .map(|v| {
            let base = variant(v);
            let mut name = base.clone();
            let mut n = 2;
            while !seen.insert(name.clone()) || name == "Other" {
                name = format!("{base}{n}");
                n += 1;
            }
            name
        })
        .collect()
}

impl<'a> Types<'a> {
    pub fn new(spec: &'a Value, taken: impl IntoIterator<Item = String>) -> Self {
        Types { spec, out: String::new(), defs: BTreeMap::new(), open: BTreeSet::new(), enums: BTreeMap::new(), names: taken.into_iter().collect(), docs: BTreeMap::new() }
    }

    /// A fresh Rust name starting with `base`.
    fn name(&mut self, base: &str) -> String {
        let mut name = base.to_string();
        let mut n = 2;
        while !self.names.insert(name.clone()) {
            name = format!("{base}{n}");
            n += 1;
        }
        name
    }

    /// The Rust type of a result value (nullable ones as `Option`); `hint` names what it creates.
    pub fn ty(&mut self, schema: &Value, hint: &str, depth: usize) -> String {
        let nullable = schema.get("x-nullable").and_then(Value::as_bool).unwrap_or(false);
        let t = self.non_null(schema, hint, depth);
        if nullable && !t.starts_with("Option<") && t != "serde_json::Value" {
            format!("Option<{t}>")
        } else {
            t
        }
    }

    fn non_null(&mut self, schema: &Value, hint: &str, depth: usize) -> String {
        if depth > 12 {
            return "serde_json::Value".into();
        }
        if let Some(id) = crate::results::action_ref(schema) {
            return format!("{}Result", pascal(id));
        }
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let name = r.trim_start_matches("#/definitions/").to_string();
            return self.definition(&name, depth);
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            let strings: Vec<String> = values.iter().filter_map(|v| v.as_str().map(str::to_string)).collect();
            if !strings.is_empty() && strings.len() == values.len() && schema.get("type").and_then(Value::as_str).unwrap_or("string") == "string" {
                return self.enumeration(strings, hint, schema.get("description").and_then(Value::as_str));
            }
        }
        match schema.get("type") {
            Some(Value::String(t)) => match t.as_str() {
                "string" => "String".into(),
                "integer" => "i64".into(),
                "number" => "f64".into(),
                "boolean" => "bool".into(),
                "array" => match schema.get("items") {
                    Some(items) => format!("Vec<{}>", self.ty(items, &format!("{hint}Item"), depth + 1)),
                    None => "Vec<serde_json::Value>".into(),
                },
                "object" => self.object(schema, hint, depth),
                _ => "serde_json::Value".into(),
            },
            None if schema.get("properties").is_some() => self.object(schema, hint, depth),
            // A list of types, or nothing said: any JSON value.
            _ => "serde_json::Value".into(),
        }
    }

    fn definition(&mut self, name: &str, depth: usize) -> String {
        let Some(schema) = self.spec["definitions"].get(name) else { return "serde_json::Value".into() };
        if let Some(rust) = self.defs.get(name).cloned() {
            return if self.open.contains(name) { format!("Box<{rust}>") } else { rust };
        }
        let clean: String = name.split(" - ").next().unwrap_or(name).chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        let is_object = schema.get("properties").is_some();
        if !is_object {
            // A definition that is a scalar, a list or an open map: its type, inline.
            return self.ty(schema, &pascal(&clean), depth + 1);
        }
        let rust = self.name(&pascal(&clean));
        self.defs.insert(name.to_string(), rust.clone());
        self.open.insert(name.to_string());
        self.structure(schema, &rust, depth);
        self.open.remove(name);
        rust
    }

    fn object(&mut self, schema: &Value, hint: &str, depth: usize) -> String {
        if schema.get("properties").and_then(Value::as_object).is_some_and(|p| !p.is_empty()) {
            let name = self.name(hint);
            self.structure(schema, &name, depth);
            return name;
        }
        match schema.get("additionalProperties") {
            Some(ap) if ap.is_object() => format!("std::collections::BTreeMap<String, {}>", self.ty(ap, &format!("{hint}Value"), depth + 1)),
            _ => "serde_json::Map<String, serde_json::Value>".into(),
        }
    }

    /// A struct for an object schema with properties, written to `out` under `name`.
    fn structure(&mut self, schema: &Value, name: &str, depth: usize) {
        let required: BTreeSet<&str> = schema.get("required").and_then(Value::as_array).map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        let props = schema.get("properties").and_then(Value::as_object).cloned().unwrap_or_default();
        let mut fields = String::new();
        let mut used = BTreeSet::new();
        // (JSON key, field, type, required) for the reader.
        let mut read: Vec<(String, String, String, bool)> = Vec::new();
        for (k, v) in &props {
            let mut f = snake(k);
            while !used.insert(f.clone()) || f == "other" {
                f.push('_');
            }
            let t = self.ty(v, &format!("{name}{}", pascal(&snake(k).replace("r#", ""))), depth + 1);
            let text = v.get("description").and_then(Value::as_str).map(|d| prose(d.trim())).unwrap_or_default();
            let text = if text.is_empty() { format!("`{k}`.") } else { format!("{text} (`{k}`)") };
            doc(&mut fields, "    ", &text);
            if required.contains(k.as_str()) && !t.starts_with("Option<") {
                writeln!(fields, "    #[serde(rename = {k:?})]\n    pub {f}: {t},").unwrap();
                read.push((k.clone(), f, t, true));
            } else {
                let t = if t.starts_with("Option<") { t } else { format!("Option<{t}>") };
                writeln!(fields, "    #[serde(rename = {k:?}, skip_serializing_if = \"Option::is_none\")]\n    pub {f}: {t},").unwrap();
                read.push((k.clone(), f, t, false));
            }
        }
        let mut s = self.docs.remove(name).unwrap_or_default();
        let what = schema.get("description").and_then(Value::as_str).map(|d| prose(d.trim())).unwrap_or_else(|| format!("`{name}`: a result object."));
        doc(&mut s, "", &what);
        s.push_str("#[derive(Debug, Clone, PartialEq, serde::Serialize)]\n");
        writeln!(s, "pub struct {name} {{\n{fields}    /// Fields the definitions do not name, kept as Iterable sent them.\n    #[serde(flatten)]\n    pub other: serde_json::Map<String, serde_json::Value>,\n}}\n").unwrap();
        reader(&mut s, name, &read);
        self.out.push_str(&s);
    }

    /// An enum of string values (one per set of values), with `Other` for values not listed.
    fn enumeration(&mut self, values: Vec<String>, hint: &str, description: Option<&str>) -> String {
        if let Some(n) = self.enums.get(&values) {
            return n.clone();
        }
        let name = self.name(hint);
        self.enums.insert(values.clone(), name.clone());
        let mut s = String::new();
        doc(&mut s, "", &description.map(|d| prose(d.trim())).unwrap_or_else(|| format!("`{name}`: one of the listed values.")));
        s.push_str("///\n/// A value not listed here (Iterable may add some) reads as `Other`, kept as sent.\n");
        s.push_str("#[derive(Debug, Clone, PartialEq, Eq, Hash)]\n#[non_exhaustive]\n");
        writeln!(s, "pub enum {name} {{").unwrap();
        let vs = variants(&values);
        for (v, value) in vs.iter().zip(&values) {
            writeln!(s, "    /// `{value:?}`\n    {v},").unwrap();
        }
        s.push_str("    /// A value the definitions do not list.\n    Other(String),\n}\n\n");
        writeln!(s, "impl {name} {{\n    /// The value as Iterable sends it.\n    pub fn as_str(&self) -> &str {{\n        match self {{").unwrap();
        for (v, value) in vs.iter().zip(&values) {
            writeln!(s, "            {name}::{v} => {value:?},").unwrap();
        }
        writeln!(s, "            {name}::Other(s) => s,\n        }}\n    }}\n}}\n").unwrap();
        writeln!(s, "impl serde::Serialize for {name} {{\n    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {{\n        s.serialize_str(self.as_str())\n    }}\n}}\n").unwrap();
        writeln!(s, "impl<'de> serde::Deserialize<'de> for {name} {{\n    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {{\n        let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;\n        Ok(match s.as_ref() {{").unwrap();
        for (v, value) in vs.iter().zip(&values) {
            writeln!(s, "            {value:?} => {name}::{v},").unwrap();
        }
        writeln!(s, "            _ => {name}::Other(s.into_owned()),\n        }})\n    }}\n}}\n").unwrap();
        self.out.push_str(&s);
        name
    }
}

/// The struct's `Deserialize`: what serde's derive gives a struct whose unknown fields are
/// `#[serde(flatten)]`ed into a map (a JSON object only; the same errors: a known field given
/// twice, a required one missing, in the order of the fields), with each unknown field read
/// straight into `other` instead of buffered first (serde's flatten reads them into its
/// `Content` and then again into the map: more code run per answer, and more of it cold).
/// The helpers (`ReadKey`, `read_field`) are in client/src/results.rs.
fn reader(s: &mut String, name: &str, fields: &[(String, String, String, bool)]) {
    writeln!(s, "impl<'de> serde::Deserialize<'de> for {name} {{\n    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {{").unwrap();
    writeln!(s, "        struct Reader;\n        impl<'de> serde::de::Visitor<'de> for Reader {{\n            type Value = {name};").unwrap();
    writeln!(s, "            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n                f.write_str(\"struct {name}\")\n            }}").unwrap();
    writeln!(s, "            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<{name}, A::Error> {{").unwrap();
    for (i, (_, _, t, _)) in fields.iter().enumerate() {
        writeln!(s, "                let mut f{i}: Option<{t}> = None;").unwrap();
    }
    s.push_str("                let mut other = serde_json::Map::new();\n                while let Some(key) = map.next_key::<ReadKey<'de>>()? {\n                    match key.as_str() {\n");
    for (i, (k, _, _, _)) in fields.iter().enumerate() {
        writeln!(s, "                        {k:?} => read_field(&mut map, &mut f{i}, {k:?})?,").unwrap();
    }
    s.push_str("                        _ => {\n                            let value = map.next_value()?;\n                            other.insert(key.into_string(), value);\n                        }\n                    }\n                }\n");
    writeln!(s, "                Ok({name} {{").unwrap();
    for (i, (k, f, _, required)) in fields.iter().enumerate() {
        if *required {
            writeln!(s, "                    {f}: f{i}.ok_or_else(|| <A::Error as serde::de::Error>::missing_field({k:?}))?,").unwrap();
        } else {
            writeln!(s, "                    {f}: f{i}.unwrap_or_default(),").unwrap();
        }
    }
    s.push_str("                    other,\n                })\n            }\n        }\n        d.deserialize_map(Reader)\n    }\n}\n\n");
}

/// The result type of every action (its name is `{Action}Result`), written into `out`, and the
/// Rust type each method returns (that name).
pub fn generate(actions: &[Action], results: &[Option<Value>], spec: &Value) -> String {
    let taken = actions.iter().map(|a| format!("{}Result", pascal(&a.id)));
    let mut types = Types::new(spec, taken);
    let mut aliases = String::new();
    for (a, r) in actions.iter().zip(results) {
        let name = format!("{}Result", pascal(&a.id));
        let text = format!("What [`Client::{}`](crate::Client::{}) returns: {}.", a.id, a.id, prose(&a.title));
        let rust = match a.response.as_str() {
            "csv" | "text" | "html" => Some("String".into()),
            "jsonl" => Some("Vec<serde_json::Map<String, serde_json::Value>>".into()),
            _ => match r {
                // An object at the root: the struct itself takes the result's name.
                Some(s) if crate::results::action_ref(s).is_none() && s.get("$ref").is_none() && s.get("properties").and_then(Value::as_object).is_some_and(|p| !p.is_empty()) => {
                    types.names.remove(&name);
                    let mut d = String::new();
                    doc(&mut d, "", &text);
                    d.push_str("///\n");
                    types.docs.insert(name.clone(), d);
                    let got = types.ty(s, &name, 0);
                    assert_eq!(got, name, "{}: result struct name", a.id);
                    None
                }
                Some(s) => Some(types.ty(s, &format!("{name}Value"), 0)),
                None => Some("serde_json::Value".into()),
            },
        };
        if let Some(rust) = rust {
            doc(&mut aliases, "", &text);
            writeln!(aliases, "pub type {name} = {rust};\n").unwrap();
        }
    }
    format!("// @generated by codegen/rust_results.rs from defs/actions.json and defs/openapi.json. Do not edit: after a\n// change to any of them, `ITERABLE_REGENERATE=1 cargo test -p iterable-wasm --test client_codegen` rewrites it.\n\n{aliases}{}", types.out)
}
