//! Generates the per-action input structs and methods from defs/actions.json
//! (codegen/rust_client.rs), as the root crate's build.rs generates the core's tables.

#[path = "../codegen/model.rs"]
#[allow(dead_code)]
mod model;
#[path = "../src/core/formats.rs"]
#[allow(dead_code)]
mod formats;
#[path = "../src/core/rate.rs"]
#[allow(dead_code)]
mod rate;
#[path = "../codegen/rust_client.rs"]
mod rust_client;
#[path = "../codegen/results.rs"]
#[allow(dead_code)]
mod results;
#[path = "../codegen/rust_results.rs"]
mod rust_results;

use std::{env, fs, path::PathBuf};

fn main() {
    let defs = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("../defs/actions.json");
    println!("cargo:rerun-if-changed={}", defs.display());
    println!("cargo:rerun-if-changed=../codegen/rust_client.rs");
    println!("cargo:rerun-if-changed=../codegen/model.rs");
    println!("cargo:rerun-if-changed=../codegen/results.rs");
    println!("cargo:rerun-if-changed=../codegen/rust_results.rs");
    let spec_path = defs.with_file_name("openapi.json");
    println!("cargo:rerun-if-changed={}", spec_path.display());
    let text = fs::read_to_string(&defs).expect("read defs/actions.json");
    let actions: Vec<model::Action> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("defs/actions.json: {e}"));
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    fs::write(out.join("actions.rs"), rust_client::generate(&actions)).expect("write actions.rs");
    fs::write(out.join("decode_all.rs"), rust_client::decode_table(&actions)).expect("write decode_all.rs");
    // Result types from the same schemas as the npm package's (codegen/results.rs).
    let spec: serde_json::Value = serde_json::from_str(&fs::read_to_string(&spec_path).expect("read defs/openapi.json")).expect("defs/openapi.json");
    let own: Vec<_> = actions.iter().map(|a| results::effective(a, &spec).unwrap_or_else(|e| panic!("defs/actions.json: {e}"))).collect();
    fs::write(out.join("results.rs"), rust_results::generate(&actions, &own, &spec)).expect("write results.rs");
}
