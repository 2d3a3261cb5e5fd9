//! Bulk calls that split themselves: a list of items is cut into requests within the action's
//! documented limits (items per request, body bytes), and each response's failure lists are
//! mapped back to the items they name. Driven by the `bulk` descriptor of the definition.

use super::defs::{ActionDef, BulkDef, Loc};
use super::error::{ApiError, Issue};
use super::json::{self, write_str, Node, Value};
use super::request::HttpRequest;

/// One request's worth of items.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    /// Indexes of the chunk's items in the caller's list, in order.
    pub indices: Vec<usize>,
    /// The whole input of this request (common params plus these items), as JSON text.
    pub input: String,
}

/// An item the client could not send or Iterable did not take.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// Index in the caller's list.
    pub index: usize,
    /// The identifier Iterable named (email, userId, eventName, item id...), when known.
    pub id: Option<String>,
    /// Why: Iterable's list name (invalidEmails, failedUpdates.notFoundUserIds, ...) or ours.
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Plan {
    pub chunks: Vec<Chunk>,
    /// Items refused before sending (each larger than a whole request may be).
    pub rejected: Vec<Failure>,
    pub total: usize,
}

fn invalid(message: String) -> ApiError {
    ApiError::validation(vec![Issue { param: String::new(), message }])
}

/// The items of a list (array elements, or `key: value` members of a catalog documents map),
/// each with the text it adds to a request and its identifier when the item is one.
fn items_of<'a>(items: &'a Node<'a>) -> Result<Vec<(String, Option<String>)>, ApiError> {
    match &items.value {
        Value::Array(a) => Ok(a.iter().map(|n| (n.raw.to_string(), n.as_str().map(str::to_string).or_else(|| matches!(n.value, Value::Number(_)).then(|| n.raw.to_string())))).collect()),
        Value::Object(m) => Ok(m
            .iter()
            .map(|(k, v)| {
                let mut t = String::new();
                write_str(&mut t, k);
                t.push(':');
                t.push_str(v.raw);
                (t, Some(k.to_string()))
            })
            .collect()),
        _ => Err(invalid(format!("bulk items must be an array (or an object map), got {}", items.type_name()))),
    }
}

/// Splits `items` into requests. `input` holds the other params (without the items param).
/// An item that breaks the items' rules is refused by itself (reported by index with its issues,
/// never sent) and the others still go; every chunk is then validated like a single call, so a
/// bad common param fails the plan before anything is sent.
pub fn plan(def: &ActionDef, input_json: &str, items_json: &str, _base: &str) -> Result<Plan, ApiError> {
    let Some(b) = def.bulk.as_ref() else {
        return Err(invalid(format!("{} is not a bulk action", def.id)).with_action(def.id));
    };
    let input = json::parse(input_json).map_err(|e| invalid(format!("input is not valid JSON data: {e}")).with_action(def.id))?;
    let members = input.as_object().ok_or_else(|| invalid("input must be an object".into()).with_action(def.id))?;
    if members.iter().any(|(k, _)| *k == b.items) {
        return Err(invalid(format!("give the items as the list argument, not as input.{}", b.items)).with_action(def.id));
    }
    let items_node = json::parse(items_json).map_err(|e| invalid(format!("items are not valid JSON data: {e}")).with_action(def.id))?;
    let is_map = matches!(items_node.value, Value::Object(_));
    let items = items_of(&items_node).map_err(|e| e.with_action(def.id))?;

    // The request body without items: the other body params, then the items container.
    let mut common = String::from("{");
    for (k, v) in members {
        if common.len() > 1 {
            common.push(',');
        }
        write_str(&mut common, k);
        common.push(':');
        common.push_str(v.raw);
    }
    let body_overhead = {
        let mut t = 2 + b.items.len() + 3 + 2; // braces, quoted key, colon, empty container
        for p in def.params.iter().filter(|p| p.loc == Loc::Body && p.name != b.items) {
            if let Some(v) = input.get(&p.name).filter(|v| !v.is_null()) {
                t += p.name.len() + 4 + v.raw.len();
            }
        }
        t
    };
    let max_items = b.max_items.map(|m| m.max(1) as usize).unwrap_or(usize::MAX);
    let budget = b.max_bytes as usize;
    let mut out = Plan { total: items.len(), ..Plan::default() };
    let chunk = |indices: Vec<usize>| {
        let mut text = common.clone();
        if text.len() > 1 {
            text.push(',');
        }
        write_str(&mut text, &b.items);
        text.push(':');
        text.push(if is_map { '{' } else { '[' });
        for (n, &i) in indices.iter().enumerate() {
            if n > 0 {
                text.push(',');
            }
            text.push_str(&items[i].0);
        }
        text.push(if is_map { '}' } else { ']' });
        text.push('}');
        Chunk { indices, input: text }
    };
    let mut current: Vec<usize> = vec![];
    let mut size = body_overhead;
    for (i, (raw, id)) in items.iter().enumerate() {
        let issues = match &items_node.value {
            Value::Array(nodes) => super::validate::check_item(def, &b.items, i, &nodes[i]),
            Value::Object(members) => super::validate::check_entry(def, &b.items, &members[i].0, &members[i].1),
            _ => vec![],
        };
        if !issues.is_empty() {
            // "users[3].email: ..." (the detail a single call would get)
            out.rejected.push(Failure { index: i, id: id.clone(), reason: ApiError::validation(issues).message });
            continue;
        }
        let add = raw.len() + 1;
        if body_overhead + add > budget {
            out.rejected.push(Failure { index: i, id: id.clone(), reason: format!("TooLarge: the item takes {} bytes; a request may hold {budget}", raw.len()) });
            continue;
        }
        if current.len() == max_items || size + add > budget {
            out.chunks.push(chunk(std::mem::take(&mut current)));
            size = body_overhead;
        }
        size += add;
        current.push(i);
    }
    if !current.is_empty() {
        out.chunks.push(chunk(current));
    }
    // Validate every request before any is sent. An array's chunk is checked as validation sees
    // it without parsing its text again: the common params as parsed, the items as an array of the
    // chunk's length (their rules were applied above, and `validate_in` looks at nothing else of
    // them). An object map's members have no items rules to skip: its chunk is parsed whole.
    let mut common_input = input;
    let common_len = common_input.as_object().map_or(0, |m| m.len());
    for (n, c) in out.chunks.iter().enumerate() {
        let parsed;
        let whole = if is_map {
            parsed = super::parse_input(def, &c.input)?;
            &parsed
        } else {
            if let Value::Object(m) = &mut common_input.value {
                m.truncate(common_len);
                let items = (0..c.indices.len()).map(|_| Node { raw: "null", value: Value::Null }).collect();
                m.push((b.items.as_str().into(), Node { raw: "", value: Value::Array(items) }));
            }
            &common_input
        };
        super::validate::validate_in(def, whole, Some(&b.items)).map_err(|mut e| {
            let (a, z) = (c.indices.first().copied().unwrap_or(0), c.indices.last().copied().unwrap_or(0));
            e.message = format!("{} (in request {} of {}, items {a}..={z})", e.message, n + 1, out.chunks.len());
            e
        })?;
    }
    Ok(out)
}

/// The request of chunk `c` (it validated when the plan was made; its items are not checked again).
pub fn request(def: &ActionDef, c: &Chunk, base: &str) -> Result<HttpRequest, ApiError> {
    super::prepare_in(def, &c.input, base, def.bulk.as_ref().map(|b| b.items.as_str()))
}

/// The field an identifier list names: `invalidEmails` → email, `notFoundUserIds` → userId.
fn field_of(list: &str, identify: &[String]) -> Option<String> {
    let l = list.to_ascii_lowercase();
    identify.iter().find(|f| super::search::contains(&l, &f.to_ascii_lowercase())).cloned()
}

/// Maps a chunk's response to the items it reports as failed: every list of identifiers in
/// `failedUpdates` and at the top level (e.g. `invalidEmails`, `disallowedEventNames`,
/// `validEmailFailures`) that names an identifying field. An item is reported once, under the
/// first list that names it (`failedUpdates` first: the top-level lists are deprecated copies).
pub fn failures(b: &BulkDef, chunk: &Chunk, response_json: &str) -> Vec<Failure> {
    let Ok(resp) = json::parse(response_json) else { return vec![] };
    // The common case — nothing failed — costs one look at the response, not the items.
    let names_any = |n: &Node| n.as_array().is_some_and(|a| a.iter().any(|v| v.as_str().is_some()));
    let any_listed = resp.as_object().is_some_and(|m| m.iter().any(|(k, v)| field_of(k, &b.identify).is_some() && names_any(v)))
        || resp.get("failedUpdates").and_then(|f| f.as_object()).is_some_and(|m| m.iter().any(|(k, v)| field_of(k, &b.identify).is_some() && names_any(v)));
    if !any_listed {
        return vec![];
    }
    let Ok(input) = json::parse(&chunk.input) else { return vec![] };
    let Some(items) = input.get(&b.items).and_then(|i| i.as_array()) else { return vec![] };
    let mut lists: Vec<(String, &Node)> = vec![];
    if let Some(fu) = resp.get("failedUpdates").and_then(|f| f.as_object()) {
        lists.extend(fu.iter().map(|(k, v)| (format!("failedUpdates.{k}"), v)));
    }
    if let Some(top) = resp.as_object() {
        lists.extend(top.iter().filter(|(k, _)| *k != "createdFields" && *k != "filteredOutFields").map(|(k, v)| (k.to_string(), v)));
    }
    // Per identifying field, the items' values sorted for binary search: O((n + f) log n).
    let mut by_field: Vec<(String, Vec<(&str, usize)>)> = vec![];
    let mut failed = vec![false; items.len()];
    let mut out: Vec<Failure> = vec![];
    for (name, list) in lists {
        let Some(values) = list.as_array() else { continue };
        let key = name.rsplit('.').next().unwrap_or(&name);
        let Some(field) = field_of(key, &b.identify) else { continue };
        let pos = match by_field.iter().position(|(f, _)| *f == field) {
            Some(p) => p,
            None => {
                let mut index: Vec<(&str, usize)> = items.iter().enumerate().filter_map(|(off, item)| item.get(&field).and_then(|v| v.as_str()).map(|v| (v, off))).collect();
                sort_by(&mut index, |a, b| a < b);
                by_field.push((field.clone(), index));
                by_field.len() - 1
            }
        };
        let index = &by_field[pos].1;
        for v in values.iter().filter_map(|v| v.as_str()) {
            let from = index.partition_point(|(x, _)| *x < v);
            for &(_, off) in index[from..].iter().take_while(|(x, _)| *x == v) {
                if !failed[off] {
                    failed[off] = true;
                    if let Some(&i) = chunk.indices.get(off) {
                        out.push(Failure { index: i, id: Some(v.to_string()), reason: name.clone() });
                    }
                }
            }
        }
    }
    sort_by(&mut out, |a, b| (a.index, a.reason.len()) < (b.index, b.reason.len()));
    out
}

/// Sorts in place by `less`: a heapsort, O(n log n) without allocating, and a fraction of the
/// code of the standard library's sorts (this runs in the size-budgeted wasm).
fn sort_by<T>(v: &mut [T], less: impl Fn(&T, &T) -> bool) {
    let sift = |v: &mut [T], mut root: usize, end: usize| loop {
        let mut child = 2 * root + 1;
        if child >= end {
            break;
        }
        if child + 1 < end && less(&v[child], &v[child + 1]) {
            child += 1;
        }
        if !less(&v[root], &v[child]) {
            break;
        }
        v.swap(root, child);
        root = child;
    };
    for i in (0..v.len() / 2).rev() {
        sift(v, i, v.len());
    }
    for end in (1..v.len()).rev() {
        v.swap(0, end);
        sift(v, 0, end);
    }
}

/// JSON text of a list of failures: `[{"index":0,"id":"a@b.co","reason":"invalidEmails"},...]`.
pub fn failures_json(list: &[Failure]) -> String {
    let mut s = String::from("[");
    for (i, f) in list.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!("{{\"index\":{},\"id\":", f.index));
        match &f.id {
            Some(id) => write_str(&mut s, id),
            None => s.push_str("null"),
        }
        s.push_str(",\"reason\":");
        write_str(&mut s, &f.reason);
        s.push('}');
    }
    s.push(']');
    s
}
