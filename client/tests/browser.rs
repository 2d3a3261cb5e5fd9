//! The crate compiled to wasm32 and run in a real browser (`wasm-pack test --headless --chrome`):
//! every call goes through the engine's `fetch` to a local fake of Iterable
//! (tests/rust-wasm/fake.mjs, its URL given at build time in `ITERABLE_FAKE_URL`), and the fake's
//! log of what it received is compared with the request the core built. Also the in-process
//! sandbox, which needs no server. `bash tests/rust-wasm/run.sh` starts the fake and runs them.
#![cfg(target_arch = "wasm32")]

use iterable_client::actions::{ListListsInput, TrackEventInput, UpdateUserInput};
use iterable_client::{Client, IterableError};
use serde_json::{json, Value};
use std::time::Duration;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The fake's base URL, fixed when the test was compiled.
fn fake_url() -> &'static str {
    option_env!("ITERABLE_FAKE_URL").expect("build with ITERABLE_FAKE_URL set to the fake's URL (bash tests/rust-wasm/run.sh does)")
}

/// A client of the fake with this (fake) key; no client-side rate limiting, so tests run fast.
fn client(key: &str) -> Client {
    Client::builder(key).base_url(fake_url()).rate_limit(false).build().unwrap()
}

/// What the fake received from this key, oldest first.
async fn received(key: &str) -> Vec<Value> {
    let resp = gloo_net::http::Request::get(&format!("{}/_log/{key}", fake_url())).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    serde_json::from_str(&resp.text().await.unwrap()).unwrap()
}

/// The request the fake logged, as (method, path + query, content type, key, body).
fn parts(r: &Value) -> (String, String, Option<String>, String, String) {
    (
        r["method"].as_str().unwrap().to_string(),
        format!("{}{}", r["path"].as_str().unwrap(), r["query"].as_str().unwrap()),
        r["contentType"].as_str().map(str::to_string),
        r["apiKey"].as_str().unwrap().to_string(),
        r["body"].as_str().unwrap().to_string(),
    )
}

/// The same, from the request the core builds for this input.
fn expected(client: &Client, key: &str, id: &str, input: &Value) -> (String, String, Option<String>, String, String) {
    let req = client.prepare(id, input).unwrap();
    let url = req.url.strip_prefix(fake_url()).unwrap().to_string();
    let content_type = req.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-type")).map(|(_, v)| v.to_string());
    (req.method.as_str().to_string(), url, content_type, key.to_string(), req.body.clone().unwrap_or_default())
}

fn track_input() -> TrackEventInput {
    let fields = json!({"plan": "pro", "note": "naïve \"quoted\" ✓", "n": 1.5}).as_object().unwrap().clone();
    TrackEventInput { email: Some("ada@example.com".into()), event_name: Some("signup".into()), data_fields: Some(fields), ..Default::default() }
}

#[wasm_bindgen_test]
async fn a_typed_post_arrives_byte_for_byte_as_the_core_built_it() {
    let key = "k-post";
    let c = client(key);
    c.track_event(track_input()).await.unwrap();
    let input = serde_json::to_value(track_input()).unwrap();
    let log = received(key).await;
    assert_eq!(log.len(), 1, "{log:?}");
    let got = parts(&log[0]);
    assert_eq!(got, expected(&c, key, "track_event", &input));
    assert_eq!(got.0, "POST");
    assert_eq!(got.1, "/api/events/track");
    assert_eq!(got.2.as_deref(), Some("application/json"));
    let body: Value = serde_json::from_str(&got.4).unwrap();
    assert_eq!(body["dataFields"]["note"], "naïve \"quoted\" ✓");
}

#[wasm_bindgen_test]
async fn a_get_sends_its_query_and_returns_the_answer() {
    let key = "k-get";
    let c = client(key);
    let input = json!({"email": "grace+tag@example.com"});
    let user = c.execute("get_user_by_email", input.clone()).await.unwrap();
    assert_eq!(user["user"]["email"], "grace+tag@example.com");
    assert_eq!(user["user"]["dataFields"]["visits"], 3);
    let log = received(key).await;
    assert_eq!(log.len(), 1);
    let got = parts(&log[0]);
    assert_eq!(got, expected(&c, key, "get_user_by_email", &input));
    assert!(got.1.starts_with("/api/users/getByEmail?email=grace%2Btag%40example.com"), "{}", got.1);
    assert_eq!(got.4, "", "a GET has no body");

    let lists = c.execute("list_lists", json!({})).await.unwrap();
    assert_eq!(lists["lists"][1]["name"], "VIP");
    c.list_lists(ListListsInput::default()).await.unwrap();
    // Iterable answers an unknown email with an empty object, not an error.
    assert_eq!(c.execute("get_user_by_email", json!({"email": "nobody@example.com"})).await.unwrap(), json!({}));
}

#[wasm_bindgen_test]
async fn a_bad_key_is_iterables_error_without_the_key() {
    let err: IterableError = client("bad-key").execute("list_lists", json!({})).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.status, err.retryable, err.attempts), ("BadApiKey", Some(401), false, 1), "{err}");
    assert_eq!(err.action.as_deref(), Some("list_lists"));
    assert_eq!(err.to_string(), "list_lists → 401 BadApiKey: Invalid API key");
    assert!(!format!("{err:?}").contains("bad-key"), "{err:?}");
}

#[wasm_bindgen_test]
async fn iterables_refusal_keeps_its_params_and_is_not_retried() {
    let key = "k-refused";
    let input = UpdateUserInput { email: Some("exists@example.com".into()), ..Default::default() };
    let err = client(key).update_user(input).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.status, err.retryable, err.attempts), ("BadParams", Some(400), false, 1), "{err}");
    assert_eq!(err.params, Some(json!({"email": ["already taken"]})));
    assert_eq!(received(key).await.len(), 1);
}

#[wasm_bindgen_test]
async fn an_invalid_input_is_refused_before_anything_is_sent() {
    let key = "k-invalid";
    let c = client(key);
    let err = c.track_event(TrackEventInput { email: Some("ada@example.com".into()), ..Default::default() }).await.unwrap_err();
    assert!(err.is_validation(), "{err}");
    assert_eq!((err.issues[0].param.as_str(), err.attempts), ("eventName", 0));
    let err = c.execute("update_user", json!({"email": "not an email"})).await.unwrap_err();
    assert_eq!(err.issues[0].param, "email", "{err}");
    assert!(received(key).await.is_empty(), "nothing may reach the server");
}

#[wasm_bindgen_test]
async fn a_503_on_a_read_is_retried_once_and_succeeds() {
    let key = "k-flaky-read";
    let lists = client(key).execute("list_lists", json!({})).await.unwrap();
    assert_eq!(lists["lists"][0]["name"], "Newsletter");
    let log = received(key).await;
    assert_eq!(log.len(), 2, "one failure, one retry: {log:?}");
    assert_eq!(parts(&log[0]), parts(&log[1]), "the retry sends the same request");
}

#[wasm_bindgen_test]
async fn a_503_on_a_send_without_event_ids_is_not_repeated() {
    let key = "k-flaky-send";
    let err = client(key).track_event(track_input()).await.unwrap_err();
    assert_eq!((err.status, err.retryable, err.attempts), (Some(503), true, 1), "{err}");
    assert_eq!(received(key).await.len(), 1, "an event without an id is never sent twice");
}

#[wasm_bindgen_test]
async fn a_429_waits_for_retry_after_read_through_cors() {
    let key = "k-429";
    let start = web_time::Instant::now();
    client(key).execute("list_lists", json!({})).await.unwrap();
    assert!(start.elapsed() >= Duration::from_millis(950), "Retry-After: 1 was honoured ({:?})", start.elapsed());
    assert_eq!(received(key).await.len(), 2);
}

#[wasm_bindgen_test]
async fn a_slow_answer_is_aborted_at_the_timeout() {
    let c = Client::builder("k-slow").base_url(fake_url()).rate_limit(false).timeout(Duration::from_millis(300)).max_retries(0).build().unwrap();
    let err = c.execute("list_lists", json!({})).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.retryable, err.attempts), ("Timeout", true, 1), "{err}");
}

#[wasm_bindgen_test]
async fn a_redirect_is_refused_not_followed() {
    let err = client("k-redirect").execute("list_lists", json!({})).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.retryable), ("RedirectRefused", false), "{err}");
    assert_eq!(received("k-redirect").await.len(), 1);
}

#[wasm_bindgen_test]
async fn a_body_over_the_bound_is_refused() {
    let c = Client::builder("k-big").base_url(fake_url()).rate_limit(false).max_response_bytes(1000).build().unwrap();
    let err = c.execute("list_lists", json!({})).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.status), ("ResponseTooLarge", Some(200)), "{err}");
}

#[wasm_bindgen_test]
async fn an_unreachable_server_is_a_network_error() {
    let c = Client::builder("k-down").base_url("http://127.0.0.1:9").rate_limit(false).max_retries(0).build().unwrap();
    let err = c.execute("list_lists", json!({})).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.status, err.attempts), ("NetworkError", None, 1), "{err}");
}

#[wasm_bindgen_test]
async fn the_rate_limit_paces_calls_in_the_browser() {
    // list_user_fields is documented at 3 requests/second: after a burst of 3, each call waits
    // a third of a second for its slot (browser clock and timers).
    let c = Client::builder("k-paced").base_url(fake_url()).build().unwrap();
    let start = web_time::Instant::now();
    for _ in 0..5 {
        c.execute("list_user_fields", json!({})).await.unwrap();
    }
    assert!(start.elapsed() >= Duration::from_millis(600), "5 calls at 3/s took {:?}", start.elapsed());
    assert_eq!(received("k-paced").await.len(), 5);
}

#[cfg(feature = "sandbox")]
#[wasm_bindgen_test]
async fn the_sandbox_answers_in_process_in_wasm() {
    let client = Client::sandbox();
    let fields = json!({"plan": "pro"}).as_object().unwrap().clone();
    client.update_user(UpdateUserInput { email: Some("ada@example.com".into()), data_fields: Some(fields), ..Default::default() }).await.unwrap();
    let got = client.execute("get_user_by_email", json!({"email": "ada@example.com"})).await.unwrap();
    assert_eq!(got["user"]["dataFields"]["plan"], "pro", "{got}");
    let faulty = Client::sandbox_with(r#"{"faults": {"rate": 1, "statuses": [503]}}"#).unwrap();
    let err = faulty.execute("list_lists", json!({})).await.unwrap_err();
    assert_eq!((err.status, err.attempts), (Some(503), 3), "{err}");
}
