#![cfg(not(target_arch = "wasm32"))] // native only; tests/browser.rs is the wasm32 suite
//! The crate builds the same requests as the npm package, byte for byte, and refuses the same
//! inputs with the same errors: every action's minimal and full inputs, and the minimal one
//! missing its first required param. Fixture: tests/fixtures/requests.json, recorded from the
//! built package by tests/fixtures/requests.mjs.

use iterable_client::Client;
use serde_json::Value;
use std::collections::BTreeMap;

#[test]
fn requests_and_refusals_match_the_npm_package() {
    // PARITY_FIXTURE: a fixture recorded just now from a freshly built package (scripts/test.sh).
    let text = match std::env::var("PARITY_FIXTURE") {
        Ok(path) => std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("PARITY_FIXTURE {path}: {e}")),
        Err(_) => include_str!("fixtures/requests.json").to_string(),
    };
    let fixture: Value = serde_json::from_str(&text).unwrap();
    let client = Client::builder(fixture["apiKey"].as_str().unwrap()).base_url(fixture["base"].as_str().unwrap()).build().unwrap();
    let cases = fixture["cases"].as_array().unwrap();
    assert!(cases.len() >= 300, "the fixture covers every action");
    let (mut sent, mut refused) = (0, 0);
    for case in cases {
        let id = case["id"].as_str().unwrap();
        let what = format!("{id} (full: {}) {}", case["full"], case["input"]);
        match client.prepare(id, &case["input"]) {
            Ok(req) => {
                let js = &case["request"];
                assert!(js.is_object(), "{what}: the npm package refused it ({}), the crate did not", case["error"]);
                assert_eq!(req.method.as_str(), js["method"], "{what}: method");
                assert_eq!(req.url, js["url"], "{what}: url");
                let mut headers: BTreeMap<String, String> = req.headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.to_string())).collect();
                headers.insert("api-key".into(), fixture["apiKey"].as_str().unwrap().into());
                let js_headers: BTreeMap<String, String> = serde_json::from_value(js["headers"].clone()).unwrap();
                assert_eq!(headers, js_headers, "{what}: headers");
                assert_eq!(req.body.as_deref(), js["body"].as_str(), "{what}: body");
                sent += 1;
            }
            Err(e) => {
                let js = &case["error"];
                assert!(js.is_object(), "{what}: the crate refused it ({e}), the npm package sent it");
                assert_eq!(e.code, js["code"], "{what}");
                assert_eq!(e.to_string(), js["message"], "{what}");
                let issues: Vec<(String, String)> = e.issues.iter().map(|i| (i.param.clone(), i.message.clone())).collect();
                let js_issues: Vec<(String, String)> =
                    js["issues"].as_array().unwrap().iter().map(|i| (i["param"].as_str().unwrap().into(), i["message"].as_str().unwrap().into())).collect();
                assert_eq!(issues, js_issues, "{what}");
                refused += 1;
            }
        }
    }
    assert!(sent >= 300 && refused >= 100, "sent {sent}, refused {refused}");
}
