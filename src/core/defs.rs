//! Runtime form of the action definitions. build.rs turns `defs/actions.json` into the catalog
//! JSON (with a JSON Schema per action); that catalog is the only action data in the binary.
//! Each definition is derived from its catalog entry the first time it is used, then cached.
//! Nothing here is written per action.

use serde_json::Value;
use std::sync::OnceLock;

pub use super::rate::{RateLimit, Scope};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// Where a parameter travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loc {
    Path,
    Query,
    /// A property of the JSON body object.
    Body,
    /// The whole JSON body.
    BodyRoot,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    String,
    Integer,
    Number,
    Boolean,
    Object,
    Array,
}

impl Ty {
    pub fn as_str(self) -> &'static str {
        match self {
            Ty::String => "string",
            Ty::Integer => "integer",
            Ty::Number => "number",
            Ty::Boolean => "boolean",
            Ty::Object => "object",
            Ty::Array => "array",
        }
    }
    fn parse(s: &str) -> Ty {
        match s {
            "integer" => Ty::Integer,
            "number" => Ty::Number,
            "boolean" => Ty::Boolean,
            "object" => Ty::Object,
            "array" => Ty::Array,
            _ => Ty::String,
        }
    }
}

/// Formats that bound or describe a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    None,
    Int32,
    Int64,
    Double,
    DateTime,
}

impl Format {
    fn parse(v: &Value) -> Format {
        match v.as_str() {
            Some("int32") => Format::Int32,
            Some("int64") => Format::Int64,
            Some("double") | Some("float") => Format::Double,
            Some("date-time") => Format::DateTime,
            _ => Format::None,
        }
    }
}

#[derive(Debug)]
pub struct ParamDef {
    pub name: String,
    pub loc: Loc,
    pub ty: Ty,
    pub format: Format,
    pub required: bool,
    /// Element type and format for arrays.
    pub items: Option<(Ty, Format)>,
    pub enum_values: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseKind {
    Json,
    Csv,
    Jsonl,
    Text,
    Html,
}

impl ResponseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseKind::Json => "json",
            ResponseKind::Csv => "csv",
            ResponseKind::Jsonl => "jsonl",
            ResponseKind::Text => "text",
            ResponseKind::Html => "html",
        }
    }
    /// The Accept header sent for this kind. CSV falls back to text/plain, which is what the
    /// spec declares for campaign metrics.
    pub fn accept(self) -> &'static str {
        match self {
            ResponseKind::Json => "application/json",
            ResponseKind::Csv => "text/csv, text/plain;q=0.9",
            ResponseKind::Jsonl => "application/x-json-stream",
            ResponseKind::Text => "text/plain",
            ResponseKind::Html => "text/html",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageStyle {
    Page,
    StartAfter,
    NextMarker,
    Limit,
}

#[derive(Debug)]
pub struct Pagination {
    pub style: PageStyle,
    pub request: Vec<String>,
    pub response: Vec<String>,
    pub items: Option<String>,
}

#[derive(Debug)]
pub struct ActionDef {
    /// Position in the catalog (definition order).
    pub index: usize,
    pub id: &'static str,
    pub method: Method,
    pub path: String,
    pub params: Vec<ParamDef>,
    pub require_one_of: Vec<Vec<String>>,
    pub response: ResponseKind,
    pub pagination: Option<Pagination>,
    pub irreversible: bool,
    pub idempotent: bool,
    pub is_async: bool,
    pub rate_limit: Option<RateLimit>,
}

impl ActionDef {
    pub fn param(&self, name: &str) -> Option<&ParamDef> {
        self.params.iter().find(|p| p.name == name)
    }
}

include!(concat!(env!("OUT_DIR"), "/actions.rs"));

/// The catalog: one JSON object per action (id, title, description, method, path,
/// inputSchema, flags, rateLimit, response, ...), generated at build time.
pub const CATALOG_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/catalog.json"));

static CACHE: [OnceLock<ActionDef>; ACTION_COUNT] = [const { OnceLock::new() }; ACTION_COUNT];

fn strings(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

/// Derives the runtime definition from catalog entry `index`. The catalog is generated and
/// checked at build time, and every entry is derived in the native tests.
fn derive(index: usize, id: &'static str) -> ActionDef {
    let (start, end) = SPANS[index];
    let e: Value = serde_json::from_str(&CATALOG_JSON[start as usize..end as usize]).unwrap_or(Value::Null);
    let schema = &e["inputSchema"];
    let required = strings(&schema["required"]);
    let params = schema["properties"]
        .as_object()
        .map(|props| {
            props
                .iter()
                .map(|(name, p)| ParamDef {
                    name: name.clone(),
                    loc: match p["x-iterable-in"].as_str() {
                        Some("path") => Loc::Path,
                        Some("query") => Loc::Query,
                        Some("bodyRoot") => Loc::BodyRoot,
                        _ => Loc::Body,
                    },
                    ty: Ty::parse(p["type"].as_str().unwrap_or("")),
                    format: Format::parse(&p["format"]),
                    required: required.contains(name),
                    items: p.get("items").map(|i| (Ty::parse(i["type"].as_str().unwrap_or("")), Format::parse(&i["format"]))),
                    enum_values: strings(&p["enum"]),
                })
                .collect()
        })
        .unwrap_or_default();
    let method = match e["method"].as_str() {
        Some("POST") => Method::Post,
        Some("PUT") => Method::Put,
        Some("PATCH") => Method::Patch,
        Some("DELETE") => Method::Delete,
        _ => Method::Get,
    };
    let response = match e["response"].as_str() {
        Some("csv") => ResponseKind::Csv,
        Some("jsonl") => ResponseKind::Jsonl,
        Some("text") => ResponseKind::Text,
        Some("html") => ResponseKind::Html,
        _ => ResponseKind::Json,
    };
    let pagination = e["pagination"].as_object().map(|p| Pagination {
        style: match p.get("style").and_then(Value::as_str) {
            Some("page") => PageStyle::Page,
            Some("startAfter") => PageStyle::StartAfter,
            Some("nextMarker") => PageStyle::NextMarker,
            _ => PageStyle::Limit,
        },
        request: p.get("request").map(strings).unwrap_or_default(),
        response: p.get("response").map(strings).unwrap_or_default(),
        items: p.get("items").and_then(Value::as_str).map(str::to_string),
    });
    ActionDef {
        index,
        id,
        method,
        path: e["path"].as_str().unwrap_or("").to_string(),
        params,
        require_one_of: e["requireOneOf"].as_array().map(|g| g.iter().map(strings).collect()).unwrap_or_default(),
        response,
        pagination,
        irreversible: e["irreversible"].as_bool().unwrap_or(true),
        idempotent: e["idempotent"].as_bool().unwrap_or(false),
        is_async: e["async"].as_bool().unwrap_or(false),
        rate_limit: e["rateLimit"].as_str().and_then(super::rate::parse),
    }
}

/// How many actions there are.
pub fn count() -> usize {
    ACTION_COUNT
}

/// The definition at catalog position `index` (`index < count()`).
pub fn get(index: usize) -> &'static ActionDef {
    let index = index.min(ACTION_COUNT - 1);
    CACHE[index].get_or_init(|| {
        let id = BY_ID.iter().find(|(_, i)| *i as usize == index).map(|(id, _)| *id).unwrap_or("");
        derive(index, id)
    })
}

/// The definition for an action id, if there is one.
pub fn find(id: &str) -> Option<&'static ActionDef> {
    BY_ID.binary_search_by(|(k, _)| (*k).cmp(id)).ok().map(|k| get(BY_ID[k].1 as usize))
}

/// Every definition, in catalog order.
pub fn all() -> impl Iterator<Item = &'static ActionDef> {
    (0..ACTION_COUNT).map(get)
}
