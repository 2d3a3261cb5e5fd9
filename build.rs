//! Code generation from the single source of truth, `defs/actions.json`:
//! - `actions.rs`  the runtime table used by validation and request building (src/core)
//! - `catalog.json` the catalog with a JSON Schema per action (exported as `actions`)
//! - `types.d.ts`  TypeScript input/result types (result types from `defs/openapi.json`)
//! - `bindings.rs` one wasm-bindgen method per action on `IterableClient`

#[path = "codegen/model.rs"]
mod model;
#[path = "codegen/rust_table.rs"]
mod rust_table;
#[path = "codegen/catalog.rs"]
mod catalog;
#[path = "codegen/typescript.rs"]
mod typescript;
#[path = "codegen/bindings.rs"]
mod bindings;

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

    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    fs::write(out.join("actions.rs"), rust_table::generate(&actions)).unwrap();
    fs::write(out.join("catalog.json"), catalog::generate(&actions)).unwrap();
    fs::write(out.join("types.d.ts"), typescript::generate(&actions, &spec)).unwrap();
    fs::write(out.join("bindings.rs"), bindings::generate(&actions)).unwrap();
}
