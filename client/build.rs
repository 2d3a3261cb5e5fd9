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

use std::{env, fs, path::PathBuf};

fn main() {
    let defs = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("../defs/actions.json");
    println!("cargo:rerun-if-changed={}", defs.display());
    println!("cargo:rerun-if-changed=../codegen/rust_client.rs");
    println!("cargo:rerun-if-changed=../codegen/model.rs");
    let text = fs::read_to_string(&defs).expect("read defs/actions.json");
    let actions: Vec<model::Action> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("defs/actions.json: {e}"));
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("actions.rs");
    fs::write(out, rust_client::generate(&actions)).expect("write actions.rs");
}
