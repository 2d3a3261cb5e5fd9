//! Metadata (`/api/metadata/...`): tables of keyed JSON values (at most 30 KB each); list
//! tables, list a table's keys (100 a page, `nextMarker`), put, get and delete an item, delete a
//! table.

use serde_json::{json, Value};

use super::Handler;
use crate::shared::reply::{bad_params, not_found, ok, Reply};
use crate::shared::values::{json_size, named};
use crate::state::MetadataItem;
use crate::{Req, Response as R, Sandbox};

pub(super) const ROUTES: &[(&str, Handler)] = &[
    ("list_metadata_tables", Sandbox::list_metadata_tables),
    ("list_metadata_keys", Sandbox::list_metadata_keys),
    ("replace_metadata_item", Sandbox::replace_metadata_item),
    ("get_metadata_item", Sandbox::get_metadata_item),
    ("delete_metadata_item", Sandbox::delete_metadata_item),
    ("delete_metadata_table", Sandbox::delete_metadata_table),
];

/// Keys listed per page.
const PAGE: usize = 100;

fn no_table(table: &str) -> R {
    not_found(format!("Table {table} not found"))
}

fn no_key(table: &str, key: &str) -> R {
    not_found(format!("Key {key} not found in table {table}"))
}

/// The request's `table` and `key` params.
fn table_key<'r>(req: &'r Req) -> (&'r str, &'r str) {
    (req.str("table").unwrap_or(""), req.str("key").unwrap_or(""))
}

impl Sandbox {
    fn list_metadata_tables(&mut self, _req: &Req) -> Reply {
        let t = named(self.state.metadata.keys());
        Ok(R::json(200, &json!({"results": t})))
    }

    fn list_metadata_keys(&mut self, req: &Req) -> Reply {
        let table = req.str("table").unwrap_or("");
        let Some(t) = self.state.metadata.get(table) else {
            return Err(no_table(table));
        };
        let after = req.str("nextMarker");
        let keys: Vec<(&String, &MetadataItem)> = t
            .iter()
            .filter(|(k, _)| after.is_none_or(|a| k.as_str() > a))
            .collect();
        let page: Vec<Value> = keys.iter().take(PAGE).map(|(k, m)| json!({"key": k, "table": table, "lastModified": m.last_modified, "size": json_size(&m.value)})).collect();
        let mut out = json!({"results": page});
        if keys.len() > PAGE {
            out["nextMarker"] = json!(keys[PAGE - 1].0);
        }
        Ok(R::json(200, &out))
    }

    fn replace_metadata_item(&mut self, req: &Req) -> Reply {
        let (table, key) = table_key(req);
        let value = req.obj("value");
        if json_size(&value) > 30 * 1024 {
            return Err(bad_params("Metadata values are limited to 30 KB"));
        }
        let now = self.now();
        self.state
            .metadata
            .entry(table.to_string())
            .or_default()
            .insert(
                key.to_string(),
                MetadataItem {
                    value,
                    last_modified: now,
                },
            );
        ok()
    }

    fn get_metadata_item(&mut self, req: &Req) -> Reply {
        let (table, key) = table_key(req);
        match self.state.metadata.get(table).and_then(|t| t.get(key)) {
            Some(m) => Ok(R::json(
                200,
                &json!({"table": table, "key": key, "value": m.value, "lastModified": m.last_modified, "size": json_size(&m.value)}),
            )),
            None => Err(no_key(table, key)),
        }
    }

    fn delete_metadata_item(&mut self, req: &Req) -> Reply {
        let (table, key) = table_key(req);
        match self
            .state
            .metadata
            .get_mut(table)
            .and_then(|t| t.remove(key))
        {
            Some(_) => ok(),
            None => Err(no_key(table, key)),
        }
    }

    fn delete_metadata_table(&mut self, req: &Req) -> Reply {
        let table = req.str("table").unwrap_or("");
        match self.state.metadata.remove(table) {
            Some(_) => ok(),
            None => Err(no_table(table)),
        }
    }
}
