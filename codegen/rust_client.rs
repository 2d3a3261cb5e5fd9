//! The Rust client's action layer (crate `iterable-client`; committed as
//! client/src/generated/actions.rs, which tests/client_codegen.rs checks): per action, an
//! input struct (serde, `Default`, one documented `Option` field per param, the API's names kept
//! by `rename`) and one async method on `Client` that sends it through `Client::execute`.
//! Every field is optional in the struct: a missing required param is refused by the core's
//! validation with a `ValidationError` naming it, never filled with a made-up value.

use crate::model::{pascal, Action, Param};
use std::collections::BTreeMap;
use std::fmt::Write;

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "continue", "crate", "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for",
    "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "static",
    "struct", "super", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Methods `Client` has of its own: no action may take their names.
const CLIENT_METHODS: &[&str] = &["new", "builder", "sandbox", "sandbox_with", "execute", "execute_typed", "call", "paginate", "bulk", "send", "prepare", "base_url", "pace", "run", "from_parts"];

/// snake_case of an API name: `campaignId` -> `campaign_id`, `userIDs` -> `user_ids`.
pub fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1).copied();
            let boundary = prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
                || (prev.is_some_and(|p| p.is_ascii_uppercase()) && next.is_some_and(|n| n.is_ascii_lowercase()) && !(next == Some('s') && chars.get(i + 2).is_none()));
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_string();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{out}")
    } else if KEYWORDS.contains(&out.as_str()) {
        format!("r#{out}")
    } else {
        out
    }
}

/// The input enums: one per parameter name and set of values (`Platform`, `MessageMedium`, ...),
/// or per action and parameter where one name has several sets.
pub struct Enums {
    by_param: BTreeMap<(String, Vec<String>), String>,
}

impl Enums {
    fn new(actions: &[Action]) -> Enums {
        let mut sets: BTreeMap<String, BTreeMap<Vec<String>, String>> = BTreeMap::new();
        for a in actions {
            for p in &a.params {
                for q in [Some(p), p.items.as_deref()].into_iter().flatten() {
                    if let Some(values) = &q.enum_values {
                        sets.entry(p.name.clone()).or_default().entry(values.clone()).or_insert_with(|| a.id.clone());
                    }
                }
            }
        }
        let mut by_param = BTreeMap::new();
        for (param, values) in sets {
            let base = pascal(&snake(&param).replace("r#", ""));
            let shared = values.len() == 1;
            for (vals, first) in values {
                let name = if shared { base.clone() } else { format!("{}{base}", pascal(&first)) };
                by_param.insert((param.clone(), vals), name);
            }
        }
        Enums { by_param }
    }

    fn name(&self, param: &str, values: &[String]) -> &str {
        &self.by_param[&(param.to_string(), values.to_vec())]
    }

    /// The enums' Rust source: serialized as the wire strings.
    fn source(&self) -> String {
        let mut out = String::new();
        for ((param, values), name) in &self.by_param {
            doc(&mut out, "", &format!("The values of `{param}`, sent as the strings listed."));
            out.push_str("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]\n");
            writeln!(out, "pub enum {name} {{").unwrap();
            for (v, value) in crate::rust_results::variants(values).iter().zip(values) {
                writeln!(out, "    /// `{value:?}`\n    #[serde(rename = {value:?})]\n    {v},").unwrap();
            }
            out.push_str("}\n\n");
        }
        out
    }
}

/// The Rust type of a value (without the `Option`).
fn rust_type(p: &Param, enums: &Enums, param: &str) -> String {
    if let Some(values) = &p.enum_values {
        return enums.name(param, values).to_string();
    }
    match p.ty.as_str() {
        "string" => "String".into(),
        "integer" => "i64".into(),
        "number" => "f64".into(),
        "boolean" => "bool".into(),
        "object" => "serde_json::Map<String, serde_json::Value>".into(),
        "array" => match &p.items {
            Some(items) => format!("Vec<{}>", rust_type(items, enums, param)),
            None => "Vec<serde_json::Value>".into(),
        },
        other => panic!("no Rust type for {other}"),
    }
}

/// A doc attribute holding `text` as a string literal (nothing in it is read as Rust).
pub fn doc(out: &mut String, indent: &str, text: &str) {
    for line in text.lines() {
        writeln!(out, "{indent}#[doc = {:?}]", format!(" {line}")).unwrap();
    }
}

/// Definition prose as Markdown text: brackets are literal (`[ZZ]`, `[[field]]`), never links.
pub fn prose(text: &str) -> String {
    text.replace('[', "\\[").replace(']', "\\]")
}

fn field_doc(p: &Param) -> String {
    let mut d = prose(p.description.trim().trim_end_matches('.'));
    if d.is_empty() {
        d = format!("`{}`", p.name);
    }
    let mut extra = vec![format!("`{}` in the {}", p.name, p.loc)];
    if p.required {
        extra.push("required".into());
    }
    if let Some(e) = &p.enum_values {
        extra.push(format!("one of {}", e.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")));
    }
    if let Some(f) = &p.format {
        extra.push(format!("format `{f}`"));
    }
    format!("{d} ({}).", extra.join("; "))
}

/// The generated Rust source (client/src/generated/actions.rs, included by client/src/actions.rs).
pub fn generate(actions: &[Action]) -> String {
    let mut out = String::from("// @generated by codegen/rust_client.rs from defs/actions.json. Do not edit: after a change to either,\n// `ITERABLE_REGENERATE=1 cargo test -p iterable-wasm --test client_codegen` rewrites it.\n\n");
    let enums = Enums::new(actions);
    out.push_str(&enums.source());
    let mut methods = String::new();
    for a in actions {
        assert!(!CLIENT_METHODS.contains(&a.id.as_str()), "defs/actions.json: id {} is a Client method of its own", a.id);
        let ty = format!("{}Input", pascal(&a.id));
        doc(&mut out, "", &format!("The input of [`Client::{}`]: {}. Set the fields you need and leave the rest to `..Default::default()`.", a.id, prose(&a.title)));
        out.push_str("#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]\n#[serde(default)]\n");
        writeln!(out, "pub struct {ty} {{").unwrap();
        let mut fields = std::collections::BTreeSet::new();
        for p in &a.params {
            let f = snake(&p.name);
            assert!(fields.insert(f.clone()), "defs/actions.json: {}: two params are both `{f}` in Rust", a.id);
            doc(&mut out, "    ", &field_doc(p));
            writeln!(out, "    #[serde(rename = {:?}, skip_serializing_if = \"Option::is_none\")]", p.name).unwrap();
            writeln!(out, "    pub {f}: Option<{}>,", rust_type(p, &enums, &p.name)).unwrap();
        }
        out.push_str("}\n\n");

        doc(&mut methods, "    ", &prose(&a.description));
        methods.push_str("    ///\n");
        let mut flags = vec![format!("`{} {}`", a.method.to_uppercase(), a.path)];
        if a.irreversible {
            flags.push("irreversible".into());
        }
        if a.idempotent {
            flags.push("idempotent (retried after 5xx and network errors)".into());
        }
        if let Some(r) = &a.rate_limit {
            flags.push(format!("paced to {r}"));
        }
        let result = format!("{}Result", pascal(&a.id));
        doc(&mut methods, "    ", &format!("{}; the result: [`{result}`](crate::results::{result}).", flags.join("; ")));
        writeln!(methods, "    pub async fn {}(&self, input: {ty}) -> Result<crate::results::{result}, IterableError> {{", a.id).unwrap();
        // The definition is looked up once per process, not per call.
        methods.push_str("        static DEF: std::sync::OnceLock<&'static ActionDef> = std::sync::OnceLock::new();\n");
        writeln!(methods, "        self.execute_typed(&DEF, {:?}, &input).await", a.id).unwrap();
        methods.push_str("    }\n\n");
        if a.pagination.is_some() {
            let name = format!("{}_pages", a.id);
            assert!(actions.iter().all(|b| b.id != name), "defs/actions.json: id {name} is the pages method of {}", a.id);
            doc(&mut methods, "    ", &format!("Every page of [`Client::{}`] as a stream, each read into its result type (see [`Client::paginate`]).", a.id));
            writeln!(methods, "    pub fn {name}(&self, input: {ty}) -> impl futures_util::Stream<Item = Result<crate::results::{result}, IterableError>> {{").unwrap();
            writeln!(methods, "        self.paginate({:?}, serde_json::to_value(&input).unwrap_or_default()).typed_pages()\n    }}\n", a.id).unwrap();
        }
    }
    out.push_str("impl Client {\n");
    out.push_str(methods.trim_end());
    out.push_str("\n}\n");
    out
}

/// A function reading any action's result text into its typed result and writing it back as
/// JSON, for the crate's tests (client/tests/results.rs includes it).
pub fn decode_table(actions: &[Action]) -> String {
    let mut s = String::from("// @generated by codegen/rust_client.rs from defs/actions.json. Do not edit: after a change to either,\n// `ITERABLE_REGENERATE=1 cargo test -p iterable-wasm --test client_codegen` rewrites it.\n\n/// `text` read as action `id`'s typed result, written back as JSON; `None` for an unknown id.\n");
    s.push_str("pub fn decode(id: &str, text: &str) -> Option<Result<serde_json::Value, serde_json::Error>> {\n    Some(match id {\n");
    for a in actions {
        writeln!(s, "        {:?} => serde_json::from_str::<iterable_client::results::{}Result>(text).and_then(|r| serde_json::to_value(&r)),", a.id, pascal(&a.id)).unwrap();
    }
    s.push_str("        _ => return None,\n    })\n}\n");
    s
}
