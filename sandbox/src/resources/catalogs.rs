//! Catalogs (`/api/catalogs/...`): catalogs (create, delete, paged list), their items (create
//! in bulk, replace, patch, get, paged and sorted list, delete one or many) and field mappings
//! (types cannot change), with the name, size and dotted-field rules.

use serde_json::{json, Map, Value};

use super::Handler;
use crate::shared::fields::valid_catalog_name;
use crate::shared::paging::paged;
use crate::shared::reply::{accepted, bad_params, not_found, Reply};
use crate::shared::values::{compare, deep_merge, json_size, named, plain};
use crate::state::{Catalog, CatalogItem};
use crate::{Req, Response as R, Sandbox};

pub(super) const ROUTES: &[(&str, Handler)] = &[
    ("create_catalog", Sandbox::create_catalog),
    ("delete_catalog", Sandbox::delete_catalog),
    ("list_catalogs", Sandbox::list_catalogs),
    ("create_catalog_items", Sandbox::create_catalog_items),
    ("replace_catalog_item", |s, req| {
        s.write_catalog_item(req, true)
    }),
    ("update_catalog_item", |s, req| {
        s.write_catalog_item(req, false)
    }),
    ("delete_catalog_item", Sandbox::delete_catalog_item),
    ("delete_catalog_items", Sandbox::delete_catalog_items),
    ("get_catalog_item_by_id", Sandbox::get_catalog_item_by_id),
    ("list_catalog_items", Sandbox::list_catalog_items),
    (
        "get_catalog_field_mappings",
        Sandbox::get_catalog_field_mappings,
    ),
    (
        "update_catalog_field_mappings",
        Sandbox::update_catalog_field_mappings,
    ),
];

/// Catalog reads: Iterable wraps them in `{msg, code, params}` (what @iterable/api reads), the
/// spec types them flat; the sandbox answers both shapes in one object.
fn enveloped(inner: Value) -> Value {
    let mut out = inner.clone();
    out["msg"] = json!("");
    out["code"] = json!("Success");
    out["params"] = inner;
    out
}

/// A page of a catalog list (10 by default, at most 1000), enveloped.
fn enveloped_page(req: &Req, items: &[Value], key: &str, total_key: &str) -> Reply {
    let inner = paged(req, items, (10, 1000), key, total_key);
    Ok(R::json(200, &enveloped(inner)))
}

/// No field name with a '.', at most 30 KB.
fn check_value(v: &Map<String, Value>) -> Result<(), R> {
    fn dotted(m: &Map<String, Value>) -> bool {
        m.iter()
            .any(|(k, v)| k.contains('.') || v.as_object().is_some_and(dotted))
    }
    if dotted(v) {
        return Err(bad_params("Field names may not contain '.'"));
    }
    if json_size(v) > 30 * 1024 {
        return Err(bad_params("A catalog item is limited to 30 KB"));
    }
    Ok(())
}

fn item_json(name: &str, id: &str, it: &CatalogItem) -> Value {
    json!({"catalogName": name, "itemId": id, "value": it.value, "lastModified": it.last_modified, "size": json_size(&it.value)})
}

fn invalid_item_id(id: &str) -> R {
    bad_params(format!("Invalid item id {id}"))
}

fn item_not_found(id: &str, name: &str) -> R {
    not_found(format!("Item {id} not found in catalog {name}"))
}

fn no_catalog(name: &str) -> R {
    not_found(format!("Catalog {name} not found"))
}

impl Sandbox {
    /// The request's catalog (`catalogName`) and its name, else 404.
    fn req_catalog(&mut self, req: &Req) -> Result<(String, &mut Catalog), R> {
        let name = req.str("catalogName").unwrap_or("").to_string();
        match self.state.catalogs.get_mut(&name) {
            Some(cat) => Ok((name, cat)),
            None => Err(no_catalog(&name)),
        }
    }

    fn create_catalog(&mut self, req: &Req) -> Reply {
        let name = req.str("catalogName").unwrap_or("").to_string();
        if !valid_catalog_name(&name) {
            return Err(bad_params(
                "Catalog names may only contain letters, digits and dashes (at most 255)",
            ));
        }
        if self.state.catalogs.contains_key(&name) {
            return Err(bad_params(format!("Catalog {name} already exists")));
        }
        let now = self.now();
        self.state.catalogs.insert(
            name.clone(),
            Catalog {
                created_at: now,
                ..Default::default()
            },
        );
        let id = self.next_id();
        Ok(R::json(
            201,
            &json!({"msg": "", "code": "Success", "params": {"id": id, "name": name, "url": format!("/api/catalogs/{name}")}}),
        ))
    }

    fn delete_catalog(&mut self, req: &Req) -> Reply {
        let name = req.str("catalogName").unwrap_or("");
        if self.state.catalogs.remove(name).is_none() {
            return Err(no_catalog(name));
        }
        Ok(R::success(format!("Deleted catalog {name}"), Value::Null))
    }

    fn list_catalogs(&mut self, req: &Req) -> Reply {
        let names = named(self.state.catalogs.keys());
        enveloped_page(req, &names, "catalogNames", "totalCatalogsCount")
    }

    /// Up to 1000 `documents` (id -> value); `replaceUploadedFieldsOnly` merges into existing.
    fn create_catalog_items(&mut self, req: &Req) -> Reply {
        let now = self.now();
        let (_, cat) = self.req_catalog(req)?;
        let docs = req.obj("documents");
        if docs.len() > 1000 {
            return Err(R::error(
                400,
                "BatchTooLarge",
                "At most 1000 items per request",
            ));
        }
        for (id, v) in &docs {
            if !valid_catalog_name(id) {
                return Err(invalid_item_id(id));
            }
            let Some(o) = v.as_object() else {
                return Err(R::error(
                    400,
                    "BadJsonBody",
                    format!("Item {id} must be an object"),
                ));
            };
            check_value(o)?;
        }
        let only = req.bool("replaceUploadedFieldsOnly");
        for (id, v) in docs {
            let o = v.as_object().cloned().unwrap_or_default();
            let it = cat.items.entry(id).or_default();
            if only {
                for (k, x) in o {
                    it.value.insert(k, x);
                }
            } else {
                it.value = o;
            }
            it.last_modified = now;
        }
        Ok(accepted(
            "Request to create catalog items accepted",
            Value::Null,
        ))
    }

    /// replace_catalog_item (`replace`: the whole value) and update_catalog_item (a merge).
    fn write_catalog_item(&mut self, req: &Req, replace: bool) -> Reply {
        let now = self.now();
        let (_, cat) = self.req_catalog(req)?;
        let id = req.str("itemId").unwrap_or("").to_string();
        if !valid_catalog_name(&id) {
            return Err(invalid_item_id(&id));
        }
        let v = req.obj(if replace { "value" } else { "update" });
        check_value(&v)?;
        let it = cat.items.entry(id.clone()).or_default();
        if replace {
            it.value = v;
        } else {
            deep_merge(&mut it.value, &v, false);
        }
        it.last_modified = now;
        Ok(accepted(
            format!(
                "Request to {} catalog item {id} accepted",
                if replace { "replace" } else { "update" }
            ),
            Value::Null,
        ))
    }

    fn delete_catalog_item(&mut self, req: &Req) -> Reply {
        let (name, cat) = self.req_catalog(req)?;
        let id = req.str("itemId").unwrap_or("");
        if cat.items.remove(id).is_none() {
            return Err(item_not_found(id, &name));
        }
        Ok(accepted(
            format!("Request to delete catalog item {id} accepted"),
            Value::Null,
        ))
    }

    fn delete_catalog_items(&mut self, req: &Req) -> Reply {
        let (_, cat) = self.req_catalog(req)?;
        let ids = req.strs("itemIds");
        for id in &ids {
            cat.items.remove(id);
        }
        Ok(accepted(
            format!("Request to delete {} catalog items accepted", ids.len()),
            Value::Null,
        ))
    }

    fn get_catalog_item_by_id(&mut self, req: &Req) -> Reply {
        let (name, cat) = self.req_catalog(req)?;
        let id = req.str("itemId").unwrap_or("");
        match cat.items.get(id) {
            Some(it) => Ok(R::json(200, &enveloped(item_json(&name, id, it)))),
            None => Err(item_not_found(id, &name)),
        }
    }

    /// Items, sorted by a value field (`orderBy`, then by id) when asked, in pages.
    fn list_catalog_items(&mut self, req: &Req) -> Reply {
        let (name, cat) = self.req_catalog(req)?;
        let mut items: Vec<Value> = cat
            .items
            .iter()
            .map(|(id, it)| item_json(&name, id, it))
            .collect();
        if let Some(field) = req.str("orderBy") {
            let asc = req
                .p
                .get("sortAscending")
                .and_then(Value::as_bool)
                .unwrap_or(true);
            items.sort_by(|a, b| {
                let o = compare(&a["value"][field], &b["value"][field])
                    .then_with(|| plain(&a["itemId"]).cmp(&plain(&b["itemId"])));
                if asc {
                    o
                } else {
                    o.reverse()
                }
            });
        }
        enveloped_page(req, &items, "catalogItemsWithProperties", "totalItemsCount")
    }

    fn get_catalog_field_mappings(&mut self, req: &Req) -> Reply {
        let (_, cat) = self.req_catalog(req)?;
        let mut undefined: Vec<String> = Vec::new();
        for it in cat.items.values() {
            for k in it.value.keys() {
                if !cat.field_mappings.contains_key(k) && !undefined.contains(k) {
                    undefined.push(k.clone());
                }
            }
        }
        undefined.sort();
        let defined: Vec<Value> = cat
            .field_mappings
            .iter()
            .map(|(k, t)| json!({"fieldName": k, "fieldType": t}))
            .collect();
        Ok(R::json(
            200,
            &enveloped(
                json!({"definedMappings": cat.field_mappings, "definedMappingsList": defined, "undefinedFields": undefined}),
            ),
        ))
    }

    fn update_catalog_field_mappings(&mut self, req: &Req) -> Reply {
        let (_, cat) = self.req_catalog(req)?;
        let ups = req.arr("mappingsUpdates");
        for u in &ups {
            let (Some(f), Some(t)) = (
                u.get("fieldName").and_then(Value::as_str),
                u.get("fieldType").and_then(Value::as_str),
            ) else {
                return Err(R::error(
                    400,
                    "BadJsonBody",
                    "Each mapping needs fieldName and fieldType",
                ));
            };
            if let Some(old) = cat.field_mappings.get(f).and_then(Value::as_str) {
                if old != t {
                    return Err(bad_params(format!(
                        "Field {f} already has type {old}; catalog field types cannot change"
                    )));
                }
            }
        }
        for u in ups {
            cat.field_mappings.insert(
                u["fieldName"].as_str().unwrap().to_string(),
                u["fieldType"].clone(),
            );
        }
        Ok(R::success("Field mappings updated", Value::Null))
    }
}
