// Embeds a slim routing table: only the fields the emulator reads from defs/actions.json, without
// descriptions/notes, so the wasm does not carry ~250 KB of prose.
use std::{env, fs, path::Path};

fn slim(path: &str) -> Vec<serde_json::Value> {
    println!("cargo:rerun-if-changed={path}");
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let all: Vec<serde_json::Value> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    all.into_iter()
        .map(|a| {
            let params: Vec<serde_json::Value> = a["params"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|p| pick(&p, &["name", "in", "type", "required", "items"]))
                .collect();
            let mut o = pick(
                &a,
                &[
                    "id",
                    "method",
                    "path",
                    "requireOneOf",
                    "response",
                    "rateLimit",
                ],
            );
            o["params"] = serde_json::Value::Array(params);
            o
        })
        .collect()
}

fn pick(v: &serde_json::Value, keys: &[&str]) -> serde_json::Value {
    let mut o = serde_json::Map::new();
    for k in keys {
        if let Some(x) = v.get(*k).filter(|x| !x.is_null()) {
            let x = if *k == "items" {
                serde_json::json!({"type": x.get("type").cloned().unwrap_or_default()})
            } else {
                x.clone()
            };
            o.insert(k.to_string(), x);
        }
    }
    serde_json::Value::Object(o)
}

fn main() {
    let out = env::var("OUT_DIR").unwrap();
    let a = slim("../defs/actions.json");
    fs::write(
        Path::new(&out).join("actions.json"),
        serde_json::to_string(&a).unwrap(),
    )
    .unwrap();
}
