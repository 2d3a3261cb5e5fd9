//! Lists in pages (`page` / `pageSize` with `nextPageUrl` / `previousPageUrl`) and sorted by a
//! `sort` field.

use serde_json::{json, Map, Value};

use super::values::compare;
use crate::util::percent_encode;
use crate::Req;

/// page/pageSize paging with nextPageUrl/previousPageUrl.
pub(crate) fn paginate<T: Clone>(
    req: &Req,
    items: &[T],
    default_size: i64,
    max_size: i64,
) -> (Vec<T>, Map<String, Value>) {
    let page = req.i64("page").unwrap_or(1).max(1);
    let size = req
        .i64("pageSize")
        .unwrap_or(default_size)
        .clamp(1, max_size);
    let start = ((page - 1) * size) as usize;
    let slice: Vec<T> = items
        .iter()
        .skip(start)
        .take(size as usize)
        .cloned()
        .collect();
    let mut links = Map::new();
    let link = |pg: i64| {
        let mut q: Vec<String> = req
            .query
            .iter()
            .filter(|(k, _)| k != "page" && k != "pageSize")
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect();
        q.push(format!("page={pg}"));
        q.push(format!("pageSize={size}"));
        Value::String(format!("{}{}?{}", req.origin, req.path, q.join("&")))
    };
    if start + (size as usize) < items.len() {
        links.insert("nextPageUrl".into(), link(page + 1));
    }
    if page > 1 {
        links.insert("previousPageUrl".into(), link(page - 1));
    }
    (slice, links)
}

/// One page of `items` as `{key: [...], total_key: count, nextPageUrl?, previousPageUrl?}`.
pub(crate) fn paged(
    req: &Req,
    items: &[Value],
    (default_size, max_size): (i64, i64),
    key: &str,
    total_key: &str,
) -> Value {
    let (page, links) = paginate(req, items, default_size, max_size);
    let mut out = Map::new();
    out.insert(key.into(), Value::Array(page));
    out.insert(total_key.into(), json!(items.len()));
    out.extend(links);
    Value::Object(out)
}

/// `paged`, after sorting `items` by the request's `sort`.
pub(crate) fn sorted_page(
    req: &Req,
    mut items: Vec<Value>,
    sizes: (i64, i64),
    key: &str,
    total_key: &str,
) -> Value {
    sort_by_field(&mut items, req.str("sort"));
    paged(req, &items, sizes, key, total_key)
}

/// `sort`: a field name, `-field` for descending (`+field` ascending too).
fn sort_by_field(items: &mut [Value], sort: Option<&str>) {
    if let Some(s) = sort {
        let (desc, field) = match s.strip_prefix('-') {
            Some(f) => (true, f),
            None => (false, s.trim_start_matches('+')),
        };
        items.sort_by(|a, b| {
            let o = compare(&a[field], &b[field]);
            if desc {
                o.reverse()
            } else {
                o
            }
        });
    }
}
