//! Code generation from the single source of truth, `defs/actions.json`:
//! - `catalog.json` the catalog with a JSON Schema per action: exported as `actions`, and the only
//!   action data in the wasm (src/core/defs.rs derives each runtime definition from its entry)
//! - `actions.rs`  where each entry sits in catalog.json, and the ids sorted for lookup
//! - `types.d.ts`  TypeScript input/result types (result types from `defs/openapi.json`)
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

    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let (catalog_json, spans) = catalog::generate(&actions, &spec, &shapes);
    fs::write(out.join("actions.rs"), rust_table::generate(&actions, &spans)).unwrap();
    fs::write(out.join("catalog.json"), catalog_json).unwrap();
    fs::write(out.join("schemas.json"), catalog::schemas(&actions, &shapes)).unwrap();
    fs::write(out.join("types.d.ts"), typescript::generate(&actions, &spec, &shapes)).unwrap();
}
