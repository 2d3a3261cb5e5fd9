//! The shape of one action definition in `defs/actions.json`.
//! Shared by build.rs (code generation) and nothing else: the runtime uses the generated tables.

use serde::Deserialize;

#[derive(Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
pub struct Action {
    pub id: String,
    pub title: String,
    pub description: String,
    pub resource: String,
    pub method: String,
    pub path: String,
    pub operation_id: String,
    pub in_spec: bool,
    pub params: Vec<Param>,
    pub require_one_of: Vec<Vec<String>>,
    pub response: String,
    pub pagination: Option<Pagination>,
    pub irreversible: bool,
    pub idempotent: bool,
    #[serde(rename = "async")]
    pub is_async: bool,
    pub rate_limit: Option<String>,
    pub limits: Option<String>,
    /// Ours, for actions that take a list of items: how `client.bulk` splits it.
    pub bulk: Option<Bulk>,
    pub notes: Option<String>,
    /// Ours: decisions about the result where the spec is wrong or silent, by field path
    /// (codegen/results.rs).
    pub result: Option<serde_json::Map<String, serde_json::Value>>,
    /// Ours, for an action beyond the shared contract (not in Iterable's OpenAPI file): what
    /// documents it, e.g. `@iterable/api 0.13.0`.
    pub source: Option<String>,
}

#[derive(Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Bulk {
    /// The body param holding the items (an array, or an object map for catalog documents).
    pub items: String,
    /// Documented items per request, when there is such a limit.
    pub max_items: Option<u32>,
    /// Request body bytes.
    pub max_bytes: u32,
    /// Item fields that Iterable's failure lists name (email, userId, eventName); empty when
    /// the item itself is the identifier.
    pub identify: Vec<String>,
}

#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub name: String,
    #[serde(rename = "in")]
    pub loc: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub required: bool,
    pub description: String,
    pub format: Option<String>,
    pub items: Option<Items>,
    #[serde(rename = "enum")]
    pub enum_values: Option<Vec<String>>,
}

#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct Items {
    #[serde(rename = "type")]
    pub ty: String,
    pub format: Option<String>,
}

#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct Pagination {
    pub style: String,
    pub fields: PaginationFields,
}

#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct PaginationFields {
    pub request: Vec<String>,
    #[serde(default)]
    pub response: Vec<String>,
    pub items: Option<String>,
}

/// camelCase of a snake_case id: `abort_campaign` -> `abortCampaign`.
pub fn camel(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    let mut upper = false;
    for c in id.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// PascalCase of a snake_case id: `abort_campaign` -> `AbortCampaign`.
pub fn pascal(id: &str) -> String {
    let c = camel(id);
    let mut chars = c.chars();
    match chars.next() {
        Some(f) => f.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Checks one definition for internal consistency; every problem is a build error.
pub fn check(a: &Action) -> Result<(), String> {
    let fail = |m: String| Err(format!("action {}: {m}", a.id));
    if a.id.is_empty() || !a.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
        return fail("id must be snake_case ascii".into());
    }
    if !matches!(a.method.as_str(), "GET" | "POST" | "PUT" | "PATCH" | "DELETE") {
        return fail(format!("unknown method {}", a.method));
    }
    if !matches!(a.response.as_str(), "json" | "csv" | "jsonl" | "text" | "html") {
        return fail(format!("unknown response kind {}", a.response));
    }
    if a.in_spec == a.source.is_some() {
        return fail("an action beyond the spec (inSpec: false) names its source, and only such an action".into());
    }
    if a.description.trim().len() < 40 {
        return fail("description missing or too short".into());
    }
    let mut names = std::collections::BTreeSet::new();
    let mut body_root = 0;
    for p in &a.params {
        if !names.insert(p.name.as_str()) {
            return fail(format!("param {} repeated", p.name));
        }
        match p.loc.as_str() {
            "path" => {
                if !a.path.contains(&format!("{{{}}}", p.name)) {
                    return fail(format!("path param {} not in path", p.name));
                }
                if !p.required {
                    return fail(format!("path param {} must be required", p.name));
                }
            }
            "query" | "body" => {}
            "bodyRoot" => body_root += 1,
            other => return fail(format!("param {} has unknown place {other}", p.name)),
        }
        if !matches!(p.ty.as_str(), "string" | "integer" | "number" | "boolean" | "object" | "array") {
            return fail(format!("param {} has unknown type {}", p.name, p.ty));
        }
        if (p.ty == "array") != p.items.is_some() {
            return fail(format!("param {}: items goes with type array only", p.name));
        }
        if p.loc == "query" && p.ty == "object" {
            return fail(format!("query param {} cannot be an object", p.name));
        }
    }
    if body_root > 1 || (body_root == 1 && a.params.iter().any(|p| p.loc == "body")) {
        return fail("a bodyRoot param must be the only body param".into());
    }
    // every {placeholder} in the path has a param
    let mut rest = a.path.as_str();
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').ok_or("unclosed { in path")? + open;
        let name = &rest[open + 1..close];
        if !a.params.iter().any(|p| p.name == name && p.loc == "path") {
            return fail(format!("path placeholder {name} has no path param"));
        }
        rest = &rest[close + 1..];
    }
    for g in &a.require_one_of {
        if g.is_empty() {
            return fail("empty requireOneOf group".into());
        }
        for m in g {
            if !names.contains(m.as_str()) {
                return fail(format!("requireOneOf member {m} is not a param"));
            }
        }
    }
    if let Some(b) = &a.bulk {
        match a.params.iter().find(|p| p.name == b.items) {
            Some(p) if p.loc == "body" && (p.ty == "array" || p.ty == "object") => {}
            _ => return fail(format!("bulk items param {} must be a body array or object", b.items)),
        }
        if b.max_bytes < 1024 {
            return fail("bulk maxBytes below 1 KiB".into());
        }
    }
    if let Some(r) = &a.rate_limit {
        if crate::rate::parse(r).is_none() {
            return fail(format!("rate limit {r:?} is not of the form \"N requests/second, per project|API key|organization\""));
        }
    }
    Ok(())
}
