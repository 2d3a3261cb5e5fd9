#![cfg(not(target_arch = "wasm32"))] // native only; tests/browser.rs is the wasm32 suite
//! Pagination as a `Stream` and bulk sends, against the in-process sandbox and the local HTTP
//! fake (tests/common).

mod common;

use common::fake;
use futures_util::{StreamExt, TryStreamExt};
use iterable_client::{actions::ListAllCampaignsInput, BulkOptions, Client};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;

fn demo() -> Client {
    Client::sandbox_with(r#"{"seed": "demo"}"#).unwrap()
}

fn client(base: &str) -> Client {
    Client::builder("fake-key-abc123").base_url(base).timeout(Duration::from_secs(20)).max_retries(0).build().unwrap()
}

#[tokio::test]
async fn pages_of_the_sandbox_hold_every_campaign_once() {
    let client = demo();
    // One page of everything, then the same listing two at a time: the same campaigns.
    let all = client.execute("list_all_campaigns", json!({"pageSize": 1000})).await.unwrap();
    let expected: BTreeSet<i64> = all["campaigns"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert!(expected.len() > 4, "the demo project has campaigns: {expected:?}");
    let items: Vec<Value> = client.paginate("list_all_campaigns", json!({"pageSize": 2})).items().try_collect().await.unwrap();
    let ids: Vec<i64> = items.iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), expected.len(), "each campaign once: {ids:?}");
    assert_eq!(ids.iter().copied().collect::<BTreeSet<_>>(), expected);
    // Whole pages, typed, through the generated method; max_pages stops early.
    let pages: Vec<_> = client.list_all_campaigns_pages(ListAllCampaignsInput { page_size: Some(2), ..Default::default() }).try_collect().await.unwrap();
    assert_eq!(pages.len(), expected.len().div_ceil(2));
    assert!(pages.iter().all(|p| p.campaigns.len() <= 2));
    let two: Vec<Value> = client.paginate("list_all_campaigns", json!({"pageSize": 2})).max_pages(2).pages().try_collect().await.unwrap();
    assert_eq!(two.len(), 2);
}

#[tokio::test]
async fn a_non_paginated_action_or_bad_input_is_one_error() {
    let client = Client::sandbox();
    let got: Vec<_> = client.paginate("get_user_by_email", json!({"email": "a@example.com"})).pages().collect().await;
    assert_eq!(got.len(), 1);
    let err = got[0].as_ref().unwrap_err();
    assert!(err.is_validation() && err.to_string().contains("is not paginated"), "{err}");
    let got: Vec<_> = client.paginate("list_all_campaigns", json!([1])).items().collect().await;
    assert!(got.len() == 1 && got[0].as_ref().unwrap_err().is_validation());
    // A bad page size is refused by validation before anything is sent.
    let got: Vec<_> = client.paginate("list_all_campaigns", json!({"pageSize": "two"})).items().collect().await;
    assert!(got.len() == 1 && got[0].as_ref().unwrap_err().issues[0].param == "pageSize", "{got:?}");
}

#[tokio::test]
async fn markers_are_followed_and_a_repeated_one_ends_with_an_error() {
    let (base, seen) = fake(vec![
        (200, "", r#"{"results":[{"key":"a"},{"key":"b"}],"nextMarker":"m1"}"#),
        (200, "", r#"{"results":[{"key":"c"}],"nextMarker":"m2"}"#),
        (200, "", r#"{"results":[{"key":"d"}],"nextMarker":"m2"}"#),
    ])
    .await;
    let got: Vec<_> = client(&base).paginate("list_metadata_keys", json!({"table": "t1"})).items().collect().await;
    let keys: Vec<&str> = got.iter().filter_map(|r| r.as_ref().ok()).map(|v| v["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["a", "b", "c", "d"]);
    let err = got.last().unwrap().as_ref().unwrap_err();
    assert_eq!(err.code, "InvalidResponse", "{err}");
    assert!(err.to_string().contains("the same continuation twice"), "{err}");
    let seen = seen.lock().unwrap();
    let lines: Vec<&str> = seen.iter().map(|r| r.head.lines().next().unwrap()).collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(!lines[0].contains("nextMarker") && lines[1].contains("nextMarker=m1") && lines[2].contains("nextMarker=m2"), "{lines:?}");
}

#[tokio::test]
async fn a_failed_page_ends_the_stream_after_the_pages_before_it() {
    let (base, _) = fake(vec![(200, "", r#"{"campaigns":[{"id":1}],"nextPageUrl":"/next"}"#), (400, "", r#"{"msg":"no","code":"BadParams"}"#)]).await;
    let got: Vec<_> = client(&base).paginate("list_all_campaigns", json!({})).items().collect().await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].as_ref().unwrap()["id"], 1);
    assert_eq!(got[1].as_ref().unwrap_err().code, "BadParams");
}

#[tokio::test]
async fn bulk_events_in_the_sandbox_report_refused_and_unknown_items() {
    let client = Client::sandbox();
    let events = json!([
        {"email": "ada@example.com", "eventName": "signup"},
        {"email": "nope", "eventName": "signup"},
        {"userId": "u-7", "eventName": "login"},
    ]);
    let report = client.bulk("track_events_in_bulk", events, BulkOptions::default()).await.unwrap();
    // The bad email is refused by itself before sending; the other two go in one request, and
    // Iterable's answer names the unknown userId, which is mapped back to its item.
    assert_eq!((report.items, report.requests, report.sent, report.succeeded, report.failed, report.not_sent), (3, 1, 2, 1, 2, 0), "{report:?}");
    let failures: Vec<(usize, Option<&str>, &str)> = report.failures.iter().map(|f| (f.index, f.id.as_deref(), f.reason.as_str())).collect();
    assert_eq!(failures, [(1, Some("nope"), "events[1].email: \"nope\" is not an email address"), (2, Some("u-7"), "failedUpdates.notFoundUserIds")]);
    assert!(report.errors.is_empty());
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["notSent"], 0, "the report's JSON is the npm package's: {json}");
}

#[tokio::test]
async fn bulk_documents_are_split_at_the_documented_limit_and_a_failed_request_is_reported() {
    // 2,500 catalog documents, at most 1,000 per request: three requests, sent one at a time;
    // the second gets a 503 (not retried here: max_retries 0).
    let (base, seen) = fake(vec![(200, "", r#"{"msg":"","code":"Success","params":null}"#), (503, "", "{}"), (200, "", r#"{"msg":"","code":"Success","params":null}"#)]).await;
    let docs: serde_json::Map<String, Value> = (0..2500).map(|i| (format!("item-{i}"), json!({"n": i}))).collect();
    let options = BulkOptions { input: json!({"catalogName": "products"}), concurrency: 1 };
    let report = client(&base).bulk("create_catalog_items", Value::Object(docs), options).await.unwrap();
    assert_eq!((report.items, report.requests, report.sent, report.succeeded, report.failed), (2500, 3, 2500, 1500, 1000), "{report:?}");
    assert_eq!(report.errors.len(), 1);
    assert_eq!((report.errors[0].request, report.errors[0].status), (1, Some(503)));
    assert_eq!(report.failures.len(), 1000);
    assert!(report.failures.iter().all(|f| (1000..2000).contains(&f.index) && f.maybe_processed && f.reason == "HttpError"));
    assert_eq!(report.failures[0].id.as_deref(), Some("item-1000"));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    let counts: Vec<usize> = seen.iter().map(|r| serde_json::from_str::<Value>(&r.body).unwrap()["documents"].as_object().unwrap().len()).collect();
    assert_eq!(counts, [1000, 1000, 500]);
}

#[tokio::test]
async fn bulk_refuses_what_cannot_be_planned_and_sends_nothing() {
    let (base, seen) = fake(vec![(200, "", "{}")]).await;
    let c = client(&base);
    let err = c.bulk("get_user_by_email", json!([]), BulkOptions::default()).await.unwrap_err();
    assert!(err.is_validation() && err.to_string().contains("not a bulk action"), "{err}");
    let err = c.bulk("track_events_in_bulk", json!({"a": 1}), BulkOptions::default()).await.unwrap_err();
    assert!(err.to_string().contains("items must be an array"), "{err}");
    // A bad common param fails the plan.
    let err = c.bulk("create_catalog_items", json!({"a": {}}), BulkOptions { input: json!({"catalogName": 7}), concurrency: 2 }).await.unwrap_err();
    assert!(err.is_validation(), "{err}");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(seen.lock().unwrap().len(), 0);
}
