//! Code generation from the single source of truth, `defs/actions.json`:
//! - `catalog.json` the catalog with a JSON Schema per action: exported as `actions`, and the only
//!   action data in the wasm (src/core/defs.rs derives each runtime definition from its entry)
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
    println!("cargo:rerun-if-changed=defs/openapi.json");
    println!("cargo:rerun-if-changed=codegen");
    let text = fs::read_to_string("defs/actions.json").expect("read defs/actions.json");
    let actions: Vec<model::Action> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("defs/actions.json: {e}"));
    let mut seen = std::collections::BTreeSet::new();
    for a in &actions {
        if let Err(e) = model::check(a) {
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

    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let (catalog_json, spans) = catalog::generate(&actions, &results, &spec);
    fs::write(out.join("actions.rs"), rust_table::generate(&actions, &spans)).unwrap();
    fs::write(out.join("catalog.json"), catalog_json).unwrap();
    fs::write(out.join("schemas.json"), catalog::schemas(&actions)).unwrap();
    fs::write(out.join("results.json"), results::json_schemas(&actions, &results, &spec)).unwrap();
    fs::write(out.join("types.d.ts"), typescript::generate(&actions, &own, &spec)).unwrap();
}
