//! Runtime form of the action definitions. build.rs turns `defs/actions.json` into the catalog
//! JSON (with a JSON Schema per action); that catalog is the only action data in the binary.
//! Each definition is derived from its catalog entry the first time it is used, then cached.
//! Nothing here is written per action.

use super::json::{self, Node};
use std::cell::OnceCell;

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
    pub fn parse(s: &str) -> Ty {
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
    pub(crate) fn parse(v: Option<&Node>) -> Format {
        match v.and_then(|v| v.as_str()) {
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
    pub required: bool,
    /// The value's rules as the catalog's compact keywords (see codegen/catalog.rs `compact`):
    /// bounds, forms, nested fields and items. validate.rs reads them.
    pub rules: Option<Node<'static>>,
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

/// How `client.bulk` splits a list of items for this action.
#[derive(Debug)]
pub struct BulkDef {
    /// The body param holding the items.
    pub items: String,
    pub max_items: Option<u32>,
    pub max_bytes: u32,
    /// Item fields Iterable's failure lists name.
    pub identify: Vec<String>,
}

#[derive(Debug)]
pub struct ActionDef {
    /// Position in the catalog (definition order).
    pub index: usize,
    pub id: &'static str,
    pub method: Method,
    pub path: String,
    pub params: Vec<ParamDef>,
    /// At least one member of each group.
    pub require_one_of: Vec<Vec<String>>,
    /// At most one member of each group.
    pub exclusive: Vec<Vec<String>>,
    /// All members of each group, or none.
    pub together: Vec<Vec<String>>,
    pub response: ResponseKind,
    pub pagination: Option<Pagination>,
    pub irreversible: bool,
    pub idempotent: bool,
    pub is_async: bool,
    pub rate_limit: Option<RateLimit>,
    /// The spec's result is the `{msg, code, params}` envelope (else a Success envelope is unwrapped).
    pub result_is_envelope: bool,
    pub bulk: Option<BulkDef>,
    /// The 2xx statuses the spec documents without a body, as the catalog's JSON list (`[202]`,
    /// `""` for none); an empty body at any other status is an error.
    pub empty_success: &'static str,
    /// The catalog names where `eventIds: "auto"` puts a generated event id (`eventId`), which
    /// makes the action safe to retry: Iterable updates the event sent again with that id.
    pub event_id: bool,
}

impl ActionDef {
    pub fn param(&self, name: &str) -> Option<&ParamDef> {
        self.params.iter().find(|p| p.name == name)
    }
}

include!(concat!(env!("OUT_DIR"), "/actions.rs"));

/// The catalog as the core needs it: one array per action (method, path, params (the compact
/// input schema), response, flags, ..., codegen/catalog.rs FIELDS), then the named shapes, then
/// the param rows several actions share, generated at build time. What only describes an action
/// (title, description, the params' descriptions) is not in the wasm: see codegen/catalog.rs `text`.
pub const CATALOG_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/catalog.json"));

thread_local! {
    // Per thread (the wasm has one; native tests run several): a plain static in the wasm,
    // where std's OnceLock would bring its synchronisation code along.
    static CACHE: [OnceCell<&'static ActionDef>; ACTION_COUNT] = const { [const { OnceCell::new() }; ACTION_COUNT] };
    static SHAPES: OnceCell<&'static Node<'static>> = const { OnceCell::new() };
    static SHARED_PARAMS: OnceCell<&'static Node<'static>> = const { OnceCell::new() };
}

/// A param row the catalog holds once for several actions (its last element; an entry gives it
/// by position), as the text of `[name, place and type letters, {keywords}?]`. The list is read
/// shallowly on first use: each row's text, not its tree.
fn shared_param(i: usize) -> Option<&'static str> {
    let all = SHARED_PARAMS.with(|s| {
        *s.get_or_init(|| {
            let text = CATALOG_JSON.get(SHARED_PARAMS_SPAN.0 as usize..SHARED_PARAMS_SPAN.1 as usize).unwrap_or("[]");
            Box::leak(Box::new(json::parse_shallow(text).unwrap_or(Node { raw: "", value: json::Value::Null })))
        })
    });
    all.as_array().and_then(|a| a.get(i)).map(|r| r.raw)
}

/// The compact keywords of a named shape (nested objects and array items name them with
/// `shape`; the catalog holds each once, after the actions).
pub fn shape(name: &str) -> Option<&'static Node<'static>> {
    let all = SHAPES.with(|s| {
        *s.get_or_init(|| {
            let text = CATALOG_JSON.get(SHAPES_SPAN.0 as usize..SHAPES_SPAN.1 as usize).unwrap_or("{}");
            Box::leak(Box::new(json::parse(text).unwrap_or(Node { raw: "", value: json::Value::Null })))
        })
    });
    all.get(name)
}

fn strings(v: Option<&Node>) -> Vec<String> {
    v.and_then(|v| v.as_array()).map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

/// Lists of member names (`requireOneOf`, `exclusive`, `together`).
pub fn groups(v: Option<&Node>) -> Vec<Vec<String>> {
    v.and_then(|g| g.as_array()).map(|g| g.iter().map(|m| strings(Some(m))).collect()).unwrap_or_default()
}

fn text<'n>(v: Option<&'n Node>) -> Option<&'n str> {
    v.and_then(|v| v.as_str())
}

/// Derives the runtime definition from catalog entry `index`. The catalog is generated and
/// checked at build time, and every entry is derived in the native tests.
fn derive(index: usize, id: &'static str) -> ActionDef {
    let (start, end) = SPANS[index];
    let entry: Option<Node<'static>> = CATALOG_JSON.get(start as usize..end as usize).and_then(|t| json::parse(t).ok());
    // The entry's fields by position (codegen/catalog.rs FIELDS).
    let field = |i: usize| entry.as_ref().and_then(|e| e.as_array()).and_then(|e| e.get(i)).filter(|v| !v.is_null());
    let flags = field(4).and_then(|f| f.as_i64()).unwrap_or(0);
    let flag = |bit: i64| flags & bit != 0;
    // params: each `[name, place and type letters (place upper case when required), {keywords}?]`
    // or the position of such a row in the shared list (see codegen/catalog.rs).
    let params = field(2)
        .and_then(|p| p.as_array())
        .map(|list| {
            list.iter()
                .filter_map(|p| match p.as_i64() {
                    Some(i) => usize::try_from(i).ok().and_then(shared_param),
                    None => Some(p.raw),
                })
                .filter_map(|raw| json::parse(raw).ok())
                .map(|row| {
                    let cell = |i: usize| row.as_array().and_then(|r| r.get(i));
                    let code = text(cell(1)).unwrap_or("").as_bytes();
                    ParamDef {
                        name: text(cell(0)).unwrap_or("").to_string(),
                        loc: match code.first().map(u8::to_ascii_lowercase) {
                            Some(b'p') => Loc::Path,
                            Some(b'q') => Loc::Query,
                            Some(b'r') => Loc::BodyRoot,
                            _ => Loc::Body,
                        },
                        ty: match code.get(1) {
                            Some(b'i') => Ty::Integer,
                            Some(b'n') => Ty::Number,
                            Some(b'b') => Ty::Boolean,
                            Some(b'o') => Ty::Object,
                            Some(b'a') => Ty::Array,
                            _ => Ty::String,
                        },
                        required: code.first().is_some_and(u8::is_ascii_uppercase),
                        // parsed again from its text: the row's tree is dropped after deriving
                        rules: cell(2).and_then(|x| json::parse(x.raw).ok()),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let method = match text(field(0)) {
        Some("POST") => Method::Post,
        Some("PUT") => Method::Put,
        Some("PATCH") => Method::Patch,
        Some("DELETE") => Method::Delete,
        _ => Method::Get,
    };
    let response = match text(field(3)) {
        Some("csv") => ResponseKind::Csv,
        Some("jsonl") => ResponseKind::Jsonl,
        Some("text") => ResponseKind::Text,
        Some("html") => ResponseKind::Html,
        _ => ResponseKind::Json,
    };
    let pagination = field(6).filter(|p| p.as_object().is_some()).map(|p| Pagination {
        style: match text(p.get("style")) {
            Some("page") => PageStyle::Page,
            Some("startAfter") => PageStyle::StartAfter,
            Some("nextMarker") => PageStyle::NextMarker,
            _ => PageStyle::Limit,
        },
        request: strings(p.get("request")),
        response: strings(p.get("response")),
        items: text(p.get("items")).map(str::to_string),
    });
    ActionDef {
        index,
        id,
        method,
        path: text(field(1)).unwrap_or("").to_string(),
        params,
        require_one_of: groups(field(5)),
        exclusive: groups(field(9)),
        together: groups(field(10)),
        response,
        pagination,
        irreversible: flag(2),
        idempotent: flag(4),
        is_async: flag(8),
        rate_limit: text(field(7)).and_then(super::rate::parse),
        result_is_envelope: flag(16),
        bulk: field(8).filter(|b| b.as_object().is_some()).map(|b| BulkDef {
            items: text(b.get("items")).unwrap_or("").to_string(),
            max_items: b.get("maxItems").and_then(|n| n.as_i64()).and_then(|n| u32::try_from(n).ok()),
            max_bytes: b.get("maxBytes").and_then(|n| n.as_i64()).and_then(|n| u32::try_from(n).ok()).unwrap_or(4_000_000),
            identify: strings(b.get("identify")),
        }),
        empty_success: field(12).map_or("", |l| l.raw),
        event_id: field(13).is_some(),
    }
}

/// How many actions there are.
pub fn count() -> usize {
    ACTION_COUNT
}

/// The definition at catalog position `index` (`index < count()`).
pub fn get(index: usize) -> &'static ActionDef {
    let index = index.min(ACTION_COUNT - 1);
    CACHE.with(|cache| {
        *cache[index].get_or_init(|| {
            let id = BY_ID.iter().find(|(_, i)| *i as usize == index).map(|(id, _)| *id).unwrap_or("");
            Box::leak(Box::new(derive(index, id)))
        })
    })
}

/// The definition for an action id, if there is one.
pub fn find(id: &str) -> Option<&'static ActionDef> {
    BY_ID.binary_search_by(|(k, _)| (*k).cmp(id)).ok().map(|k| get(BY_ID[k].1 as usize))
}

/// Every action id in catalog order (the order of `CATALOG_JSON`'s entries).
pub fn ids_in_order() -> impl Iterator<Item = &'static str> {
    let mut order = [""; ACTION_COUNT];
    for (id, i) in BY_ID {
        order[i as usize] = id;
    }
    order.into_iter()
}

/// Every action id (sorted), without deriving any definition.
pub fn ids() -> impl Iterator<Item = &'static str> {
    BY_ID.iter().map(|(id, _)| *id)
}

/// Every definition, in catalog order.
pub fn all() -> impl Iterator<Item = &'static ActionDef> {
    (0..ACTION_COUNT).map(get)
}
