//! Code generation from the single source of truth, `defs/actions.json`:
//! - `catalog.json` the catalog with a JSON Schema per action: exported as `actions`, and the only
//!   action data in the wasm (src/core/defs.rs derives each runtime definition from its entry)
//! - `catalog-text.json` what only describes the actions (titles, descriptions, the params' and the
//!   shapes' fields' descriptions): the JS module `catalog.js`, loaded by `actions` only, never by
//!   a call
//! - `actions.rs`  where each entry sits in catalog.json, and the ids sorted for lookup
//! - `types.d.ts`  TypeScript input/result types
//! - `results.json` each action's result as JSON Schema, by id
//!
//! Result types come from `defs/openapi.json` with each definition's `result` overrides applied
//! (codegen/results.rs).
//!
//! The JS method of each action is installed from the catalog's `methodName` (pkg-template/api.js).

#[path = "codegen/model.rs"]
mod model;
#[path = "src/core/formats.rs"]
#[allow(dead_code)]
mod formats;
#[path = "src/core/rate.rs"]
#[allow(dead_code)]
mod rate;
#[path = "codegen/rust_table.rs"]
mod rust_table;
#[path = "codegen/catalog.rs"]
mod catalog;
#[path = "codegen/results.rs"]
mod results;
#[path = "codegen/typescript.rs"]
mod typescript;

use std::{env, fs, path::PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=defs/actions.json");
    println!("cargo:rerun-if-changed=defs/shapes.json");
    println!("cargo:rerun-if-changed=src/core/formats.rs");
    println!("cargo:rerun-if-changed=defs/openapi.json");
    println!("cargo:rerun-if-changed=codegen");
    let text = fs::read_to_string("defs/actions.json").expect("read defs/actions.json");
    let actions: Vec<model::Action> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("defs/actions.json: {e}"));
    let shapes: model::Shapes = serde_json::from_str(&fs::read_to_string("defs/shapes.json").expect("read defs/shapes.json"))
        .unwrap_or_else(|e| panic!("defs/shapes.json: {e}"));
    if let Err(e) = model::check_shapes(&shapes) {
        panic!("defs/shapes.json: {e}");
    }
    let mut seen = std::collections::BTreeSet::new();
    for a in &actions {
        if let Err(e) = model::check(a, &shapes) {
            panic!("defs/actions.json: {e}");
        }
        if !seen.insert(a.id.clone()) {
            panic!("defs/actions.json: id {} repeated", a.id);
        }
    }
    let spec: serde_json::Value = serde_json::from_str(&fs::read_to_string("defs/openapi.json").expect("read defs/openapi.json"))
        .expect("defs/openapi.json is JSON");

    let own: Vec<Option<serde_json::Value>> =
        actions.iter().map(|a| results::effective(a, &spec).unwrap_or_else(|e| panic!("defs/actions.json: {e}"))).collect();
    let results = results::resolved(&actions, &own).unwrap_or_else(|e| panic!("defs/actions.json: {e}"));

    for a in &actions {
        if let Some(field) = event_id(a, &spec) {
            let top = field.split("[]").next().unwrap_or_default();
            let bulk_list = a.bulk.as_ref().map(|b| b.items.as_str());
            if field == "id" && !a.params.iter().any(|p| p.name == "id") || field != "id" && bulk_list != Some(top) {
                panic!("defs/actions.json: {} takes event ids at {field} per the spec, which its params do not have", a.id);
            }
        }
    }

    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let (catalog_json, spans) = catalog::generate(&actions, &results, &spec, &shapes);
    fs::write(out.join("actions.rs"), rust_table::generate(&actions, &spans)).unwrap();
    fs::write(out.join("catalog.json"), catalog_json).unwrap();
    fs::write(out.join("catalog-text.json"), catalog::text(&actions, &shapes)).unwrap();
    fs::write(out.join("schemas.json"), catalog::schemas(&actions, &shapes)).unwrap();
    fs::write(out.join("results.json"), results::json_schemas(&actions, &results, &spec)).unwrap();
    fs::write(out.join("types.d.ts"), typescript::generate(&actions, &own, &spec, &shapes)).unwrap();
}

/// The 2xx statuses the spec documents without a body (a response with no schema): only at those
/// is an empty body the answer; anywhere else it is an `InvalidResponse`.
fn empty_success(a: &model::Action, spec: &serde_json::Value) -> Vec<u16> {
    let responses = &spec["paths"][&a.path][a.method.to_lowercase()]["responses"];
    let mut out: Vec<u16> = responses
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(code, r)| code.starts_with('2') && r.get("schema").is_none())
        .filter_map(|(code, _)| code.parse().ok())
        .collect();
    out.sort_unstable();
    out
}

/// Where `eventIds: "auto"` puts a generated id: the body field `id` of a request the spec
/// documents as updating, not duplicating, the event (or purchase) already sent with that id:
/// `"id"` at the top of the body, `"<list>[].id"` in each element of a bulk body's list.
fn event_id(a: &model::Action, spec: &serde_json::Value) -> Option<String> {
    let op = &spec["paths"][&a.path][a.method.to_lowercase()];
    let def = |schema: &serde_json::Value| -> serde_json::Value {
        let name = schema["$ref"].as_str().unwrap_or("").trim_start_matches("#/definitions/");
        spec["definitions"][name].clone()
    };
    let updates = |d: &serde_json::Value| {
        let text = d["properties"]["id"]["description"].as_str().unwrap_or("").to_lowercase();
        text.contains("exists with that id") && text.contains("will be updated")
    };
    let body = op["parameters"].as_array()?.iter().find(|p| p["in"] == "body")?;
    let top = def(&body["schema"]);
    if updates(&top) {
        return Some("id".into());
    }
    let props = top["properties"].as_object()?;
    props.iter().find(|(_, p)| p["type"] == "array" && updates(&def(&p["items"]))).map(|(name, _)| format!("{name}[].id"))
}
