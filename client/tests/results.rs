#![cfg(not(target_arch = "wasm32"))] // native only; tests/browser.rs is the wasm32 suite
//! Typed results: every answer the sandbox gives to every action's example inputs reads into the
//! action's generated result type and writes back to the same JSON (nothing lost, unknown fields
//! kept), and the typed methods give typed values.

use iterable_client::actions::{GetUserByEmailInput, ListAllCampaignsInput, TrackEventInput, UpdateUserInput};
use iterable_client::results::IterableApiResponseCode;
use iterable_client::Client;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

include!("generated/decode_all.rs");

/// JSON without null members (an absent optional field writes nothing), numbers as f64 (a
/// `number` field writes `3` as `3.0`).
fn normal(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), normal(v))).collect()),
        Value::Array(a) => Value::Array(a.iter().map(normal).collect()),
        Value::Number(n) => json!(n.as_f64()),
        other => other.clone(),
    }
}

#[tokio::test]
async fn every_sandbox_answer_reads_into_its_typed_result_and_back() {
    let fixture: Value = serde_json::from_str(include_str!("fixtures/requests.json")).unwrap();
    let defs: Value = serde_json::from_str(include_str!("../../defs/actions.json")).unwrap();
    let resource: BTreeMap<&str, &str> = defs.as_array().unwrap().iter().map(|a| (a["id"].as_str().unwrap(), a["resource"].as_str().unwrap())).collect();
    let client = Client::sandbox_with(r#"{"seed": "demo"}"#).unwrap();
    let (mut read, mut actions, mut resources, mut problems) = (0, BTreeSet::new(), BTreeSet::new(), vec![]);
    for case in fixture["cases"].as_array().unwrap() {
        if !case["request"].is_object() {
            continue; // a refusal: nothing is sent
        }
        let id = case["id"].as_str().unwrap();
        match client.execute(id, case["input"].clone()).await {
            Ok(answer) => match decode(id, &answer.to_string()).expect("every action has a result type") {
                Ok(back) if normal(&back) == normal(&answer) => {
                    read += 1;
                    actions.insert(id);
                    resources.insert(resource[id]);
                }
                Ok(back) => problems.push(format!("{id}: written back differently:\n  {answer}\n  {back}")),
                Err(e) => problems.push(format!("{id}: {e}\n  {answer}")),
            },
            // Other answers depend on the project's state (an id that does not exist, ...).
            Err(e) => assert_ne!(e.code, "InvalidResponse", "{id}: {e}"),
        }
    }
    assert!(problems.is_empty(), "{} answers did not read into their types:\n{}", problems.len(), problems.join("\n"));
    eprintln!("{read} answers of {} actions in {} resources read into their types: {resources:?}", actions.len(), resources.len());
    assert!(actions.len() >= 60 && resources.len() >= 10, "{} actions, resources {resources:?}", actions.len());
}

#[tokio::test]
async fn typed_methods_give_typed_values() {
    let client = Client::sandbox_with(r#"{"seed": "demo"}"#).unwrap();
    let fields = json!({"plan": "pro", "seats": 3}).as_object().unwrap().clone();
    let updated = client.update_user(UpdateUserInput { email: Some("ada@example.com".into()), data_fields: Some(fields), ..Default::default() }).await.unwrap();
    assert_eq!(updated.code, IterableApiResponseCode::Success);
    let got = client.get_user_by_email(GetUserByEmailInput { email: Some("ada@example.com".into()) }).await.unwrap();
    let user = got.user.expect("the user");
    assert_eq!(user.email, "ada@example.com");
    assert_eq!(user.data_fields.as_ref().and_then(|d| d.get("seats")), Some(&json!(3)));
    let tracked = client.track_event(TrackEventInput { email: Some("ada@example.com".into()), event_name: Some("signup".into()), ..Default::default() }).await.unwrap();
    assert_eq!(tracked.code, IterableApiResponseCode::Success);
    let page = client.list_all_campaigns(ListAllCampaignsInput { page_size: Some(3), ..Default::default() }).await.unwrap();
    assert_eq!(page.campaigns.len(), 3);
    assert!(page.campaigns.iter().all(|c| c.id > 0.0 && !c.name.is_empty()));
}
