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
    /// Groups of which at least one member must be given.
    pub require_one_of: Vec<Vec<String>>,
    /// Groups of which at most one member may be given (with a `requireOneOf` group of the same
    /// members: exactly one).
    #[serde(default)]
    pub exclusive: Vec<Vec<String>>,
    /// Groups given all together or not at all.
    #[serde(default)]
    pub together: Vec<Vec<String>>,
    /// Groups of which one member should be given, not several; several are not refused
    /// (Iterable resolves them), only documented.
    #[serde(default)]
    pub prefer_one: Vec<Vec<String>>,
    pub response: String,
    pub pagination: Option<Pagination>,
    pub irreversible: bool,
    pub idempotent: bool,
    /// Whether the action makes Iterable deliver messages to people: always, never, or only
    /// with some input (see [`Sends`]).
    pub sends: Sends,
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

/// The `sends` flag: `true`/`false`, or the input that makes a call send.
#[derive(Deserialize, Clone, Debug)]
#[serde(untagged)]
pub enum Sends {
    Always(bool),
    When(SendsWhen),
}

/// A call sends when param `given` is given, unless param `unless_false` is given as `false`.
#[derive(Deserialize, Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SendsWhen {
    pub given: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unless_false: Option<String>,
}

impl Sends {
    /// Whether some call of the action can send.
    pub fn can_send(&self) -> bool {
        !matches!(self, Sends::Always(false))
    }
    pub fn when(&self) -> Option<&SendsWhen> {
        match self {
            Sends::When(w) => Some(w),
            Sends::Always(_) => None,
        }
    }
}

/// The rules between the members of one object (an action's input or a nested object).
#[derive(Clone, Debug, Default)]
pub struct Groups<'a> {
    pub require_one_of: &'a [Vec<String>],
    pub exclusive: &'a [Vec<String>],
    pub together: &'a [Vec<String>],
    pub prefer_one: &'a [Vec<String>],
}

impl Action {
    pub fn groups(&self) -> Groups<'_> {
        Groups { require_one_of: &self.require_one_of, exclusive: &self.exclusive, together: &self.together, prefer_one: &self.prefer_one }
    }
}

impl Shape {
    /// (preferOne is an action's word: nested objects have no place to state it.)
    pub fn groups(&self) -> Groups<'_> {
        Groups { require_one_of: &self.require_one_of, exclusive: &self.exclusive, together: &self.together, prefer_one: &[] }
    }
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

/// A param, a field of a shape, or the items of an array: a type and the rules on its value.
/// `name`, `in` and `description` are a top-level param's; items have neither name nor place.
#[derive(Deserialize, Clone, Debug, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Param {
    #[serde(default)]
    pub name: String,
    #[serde(rename = "in", default)]
    pub loc: String,
    #[serde(rename = "type")]
    pub ty: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub description: String,
    /// int32, int64, double, date-time (annotation), or a date form from src/core/formats.rs.
    pub format: Option<String>,
    pub items: Option<Box<Param>>,
    #[serde(rename = "enum")]
    pub enum_values: Option<Vec<String>>,
    /// The enum is matched in any letter case.
    #[serde(default)]
    pub enum_ignore_case: bool,
    pub default: Option<serde_json::Value>,
    /// Bounds on a string: characters (Unicode code points) and UTF-8 bytes.
    pub min_length: Option<u32>,
    pub max_length: Option<u32>,
    pub max_bytes: Option<u32>,
    /// The characters a string may hold, as a class: `a-zA-Z0-9_ -` (ranges and single characters).
    pub chars: Option<String>,
    /// A date no later than this many days after now.
    pub max_future_days: Option<u32>,
    /// Bounds on an array's length and an integer's value.
    pub min_items: Option<u32>,
    pub max_items: Option<u32>,
    pub minimum: Option<i64>,
    pub maximum: Option<i64>,
    /// An object (or array items) of the named shape in defs/shapes.json.
    pub shape: Option<String>,
    /// An object map: the rules of its keys (a string value) and of each of its values.
    pub keys: Option<Box<Param>>,
    pub values: Option<Box<Param>>,
}

/// A named object shape (defs/shapes.json): its fields and the rules between them. Shared by
/// every param (or array items) that names it.
#[derive(Deserialize, Clone, Debug, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Shape {
    #[serde(default)]
    pub description: String,
    pub fields: Vec<Param>,
    #[serde(default)]
    pub require_one_of: Vec<Vec<String>>,
    #[serde(default)]
    pub exclusive: Vec<Vec<String>>,
    #[serde(default)]
    pub together: Vec<Vec<String>>,
}

pub type Shapes = std::collections::BTreeMap<String, Shape>;

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

/// Checks the rules of one value (param, shape field or items) against its type. `top` is a
/// top-level param (it has a place); `item` is the items of an array (no name).
fn check_value(p: &Param, shapes: &Shapes, what: &str, top: bool, item: bool) -> Result<(), String> {
    let fail = |m: &str| Err(format!("{what}: {m}"));
    if !matches!(p.ty.as_str(), "string" | "integer" | "number" | "boolean" | "object" | "array") {
        return fail(&format!("unknown type {}", p.ty));
    }
    if item != p.name.is_empty() || (top == p.loc.is_empty()) || (item && p.required) {
        return fail("items have no name, place or required; fields no place; params a name and a place");
    }
    if (p.ty == "array") != p.items.is_some() {
        return fail("items goes with type array only");
    }
    let string_only = [p.min_length.is_some(), p.max_length.is_some(), p.max_bytes.is_some(), p.chars.is_some(), p.max_future_days.is_some(), p.enum_values.is_some(), p.enum_ignore_case];
    if p.ty != "string" && string_only.iter().any(|x| *x) {
        return fail("length, byte, character, date and enum rules go with strings only");
    }
    if p.ty != "array" && (p.min_items.is_some() || p.max_items.is_some()) {
        return fail("minItems/maxItems go with arrays only");
    }
    if p.ty != "integer" && (p.minimum.is_some() || p.maximum.is_some()) {
        return fail("minimum/maximum go with integers only");
    }
    if p.ty != "object" && p.shape.is_some() {
        return fail("shape goes with objects only");
    }
    if (p.keys.is_some() || p.values.is_some()) && (p.ty != "object" || p.shape.is_some()) {
        return fail("keys and values go with objects (maps) only, not with a shape");
    }
    if let Some(k) = &p.keys {
        if k.ty != "string" {
            return fail("keys are strings");
        }
        check_value(k, shapes, &format!("{what} keys"), false, true)?;
    }
    if let Some(v) = &p.values {
        check_value(v, shapes, &format!("{what} values"), false, true)?;
    }
    if let Some(sh) = &p.shape {
        if !shapes.contains_key(sh) {
            return fail(&format!("unknown shape {sh}"));
        }
    }
    let ordered = |lo: Option<i64>, hi: Option<i64>| lo.zip(hi).is_none_or(|(l, h)| l <= h);
    let u = |x: Option<u32>| x.map(i64::from);
    if !ordered(u(p.min_length), u(p.max_length)) || !ordered(u(p.min_items), u(p.max_items)) || !ordered(p.minimum, p.maximum) {
        return fail("a lower bound above its upper bound");
    }
    match (p.format.as_deref(), p.ty.as_str()) {
        (None, _) | (Some("int32" | "int64"), "integer") | (Some("double" | "float"), "number") | (Some("date-time"), "string") => {}
        (Some(f), "string") if crate::formats::pattern(f).is_some() => {}
        (Some(f), t) => return fail(&format!("format {f} does not go with type {t}")),
    }
    if p.max_future_days.is_some() && !matches!(p.format.as_deref(), Some(crate::formats::DATE_UTC | crate::formats::ISO)) {
        return fail("maxFutureDays needs a date format");
    }
    let patterns = [p.enum_ignore_case, p.chars.is_some(), p.format.as_deref().and_then(crate::formats::pattern).is_some()];
    if patterns.iter().filter(|x| **x).count() > 1 {
        return fail("enumIgnoreCase, chars and a checked format each make the pattern: one at most");
    }
    if let Some(c) = &p.chars {
        crate::formats::class(c).ok_or_else(|| format!("{what}: chars {c:?} is not a class of letters, digits, ranges and _ - . @ + space"))?;
    }
    if p.enum_ignore_case && !p.enum_values.as_ref().is_some_and(|e| e.iter().all(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric()))) {
        return fail("enumIgnoreCase needs an enum of letters and digits");
    }
    if let Some(e) = &p.enum_values {
        if e.is_empty() {
            return fail("empty enum");
        }
    }
    if let Some(d) = &p.default {
        let ok = match p.ty.as_str() {
            "string" => d.as_str().is_some_and(|s| p.enum_values.as_ref().is_none_or(|e| e.iter().any(|v| v == s))),
            "integer" => d.is_i64(),
            "number" => d.is_number(),
            "boolean" => d.is_boolean(),
            _ => false,
        };
        if !ok {
            return fail("default does not fit the type (or the enum)");
        }
    }
    if top && p.description.trim().is_empty() {
        return fail("description missing");
    }
    if let Some(i) = &p.items {
        if i.items.is_some() {
            return fail("arrays of arrays are not supported");
        }
        check_value(i, shapes, &format!("{what} items"), false, true)?;
    }
    Ok(())
}

/// Checks the groups of one object against its member names.
fn check_groups(g: &Groups, names: &std::collections::BTreeSet<&str>, what: &str) -> Result<(), String> {
    for (word, list, min) in [("requireOneOf", g.require_one_of, 1), ("exclusive", g.exclusive, 2), ("together", g.together, 2), ("preferOne", g.prefer_one, 2)] {
        for grp in list {
            if grp.len() < min {
                return Err(format!("{what}: {word} group {grp:?} needs at least {min} member(s)"));
            }
            for m in grp {
                if !names.contains(m.as_str()) {
                    return Err(format!("{what}: {word} member {m} is not a member"));
                }
            }
        }
    }
    Ok(())
}

/// Checks the named shapes: fields, their rules and groups.
pub fn check_shapes(shapes: &Shapes) -> Result<(), String> {
    for (name, sh) in shapes {
        let mut names = std::collections::BTreeSet::new();
        for f in &sh.fields {
            if !names.insert(f.name.as_str()) {
                return Err(format!("shape {name}: field {} repeated", f.name));
            }
            check_value(f, shapes, &format!("shape {name} field {}", f.name), false, false)?;
        }
        check_groups(&sh.groups(), &names, &format!("shape {name}"))?;
    }
    Ok(())
}

/// Checks one definition for internal consistency; every problem is a build error.
pub fn check(a: &Action, shapes: &Shapes) -> Result<(), String> {
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
        check_value(p, shapes, &format!("action {} param {}", a.id, p.name), true, false)?;
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
        if matches!(p.loc.as_str(), "path" | "query") && (p.ty == "object" || p.items.as_ref().is_some_and(|i| matches!(i.ty.as_str(), "object" | "array"))) {
            return fail(format!("{} param {} cannot hold objects", p.loc, p.name));
        }
    }
    if let Some(w) = a.sends.when() {
        for n in std::iter::once(&w.given).chain(&w.unless_false) {
            if !names.contains(n.as_str()) {
                return fail(format!("sends names param {n}, which the action does not have"));
            }
        }
        if w.unless_false.as_ref().is_some_and(|n| a.params.iter().any(|p| &p.name == n && p.ty != "boolean")) {
            return fail("sends: unlessFalse must name a boolean param".into());
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
    check_groups(&a.groups(), &names, &format!("action {}", a.id))?;
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
