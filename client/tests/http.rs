#![cfg(not(target_arch = "wasm32"))] // native only; tests/browser.rs is the wasm32 suite
//! The native transport against a local HTTP fake (127.0.0.1) with scripted faults: what is
//! retried, what is not, what is never sent, and the bytes that arrive.

mod common;

use common::fake;
use iterable_client::{actions::GetUserByEmailInput, Client};
use serde_json::json;
use std::time::Duration;

fn client(base: &str) -> Client {
    Client::builder("fake-key-abc123").base_url(base).timeout(Duration::from_secs(20)).build().unwrap()
}

#[tokio::test]
async fn a_503_is_retried_then_the_200_answers() {
    let (base, seen) = fake(vec![(503, "retry-after: 0\r\n", r#"{"msg":"busy","code":"GenericError"}"#), (200, "", r#"{"user":{"email":"a@example.com"}}"#)]).await;
    let input = GetUserByEmailInput { email: Some("a@example.com".into()) };
    let user = client(&base).get_user_by_email(input).await.unwrap();
    assert_eq!(user.user.as_ref().map(|u| u.email.as_str()), Some("a@example.com"));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    for r in seen.iter() {
        assert!(r.head.starts_with("GET /api/users/getByEmail?email=a%40example.com HTTP/1.1\r\n"), "{}", r.head);
        assert!(r.head.to_ascii_lowercase().contains("\r\napi-key: fake-key-abc123"), "{}", r.head);
        assert!(r.head.to_ascii_lowercase().contains("\r\naccept: application/json"), "{}", r.head);
    }
}

#[tokio::test]
async fn a_400_is_not_retried_and_carries_iterables_code() {
    let (base, seen) = fake(vec![(400, "", r#"{"msg":"bad email fake-key-abc123","code":"BadParams","params":{"email":"x"}}"#)]).await;
    let err = client(&base).execute("track_event", json!({"email": "a@example.com", "eventName": "e"})).await.unwrap_err();
    assert_eq!(err.code, "BadParams");
    assert_eq!(err.status, Some(400));
    assert!(!err.retryable);
    assert_eq!(err.attempts, 1);
    assert_eq!(err.params, Some(json!({"email": "x"})));
    assert_eq!(err.action.as_deref(), Some("track_event"));
    assert!(!err.to_string().contains("fake-key-abc123"), "the key is redacted: {err}");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].head.starts_with("POST /api/events/track HTTP/1.1\r\n"));
    assert_eq!(seen[0].body, r#"{"email":"a@example.com","eventName":"e"}"#);
}

#[tokio::test]
async fn a_5xx_on_a_non_idempotent_action_is_not_sent_twice() {
    let (base, seen) = fake(vec![(503, "", "{}")]).await;
    let err = client(&base).execute("track_event", json!({"email": "a@example.com", "eventName": "e"})).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.status, err.retryable, err.attempts), ("HttpError", Some(503), true, 1));
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn retries_stop_at_max_retries() {
    let (base, seen) = fake(vec![(503, "retry-after: 0\r\n", r#"{"msg":"busy","code":"GenericError"}"#)]).await;
    let c = Client::builder("fake-key-abc123").base_url(&base).max_retries(1).build().unwrap();
    let err = c.execute("get_user_by_email", json!({"email": "a@example.com"})).await.unwrap_err();
    assert_eq!((err.status, err.attempts), (Some(503), 2));
    assert!(err.detail.ends_with("(after 2 attempts)"), "{err}");
    assert_eq!(seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_validation_error_sends_nothing() {
    let (base, seen) = fake(vec![(200, "", "{}")]).await;
    let err = client(&base).execute("track_event", json!({"email": 42})).await.unwrap_err();
    assert!(err.is_validation());
    assert_eq!(err.attempts, 0);
    let params: Vec<&str> = err.issues.iter().map(|i| i.param.as_str()).collect();
    assert!(params.contains(&"email") && params.contains(&"eventName"), "{params:?}");
    let err = client(&base).execute("no_such_action", json!({})).await.unwrap_err();
    assert!(err.is_validation());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(seen.lock().unwrap().len(), 0);
}

#[tokio::test]
async fn a_redirect_is_refused_and_not_followed() {
    let (base, seen) = fake(vec![(302, "location: http://127.0.0.1:1/elsewhere\r\n", "")]).await;
    let err = client(&base).execute("get_user_by_email", json!({"email": "a@example.com"})).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.status, err.retryable), ("RedirectRefused", Some(302), false));
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_closed_port_is_a_network_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    drop(listener);
    let c = Client::builder("fake-key-abc123").base_url(&base).max_retries(0).build().unwrap();
    let err = c.execute("get_user_by_email", json!({"email": "a@example.com"})).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.status, err.retryable, err.attempts), ("NetworkError", None, true, 1));
}

#[test]
fn settings_are_checked() {
    for (b, param) in [
        (Client::builder("k-1234").base_url("http://example.com"), "baseUrl"),
        (Client::builder("k-1234").max_retries(11), "maxRetries"),
        (Client::builder("k-1234").timeout(Duration::ZERO), "timeoutMs"),
        (Client::builder("bad key!"), "apiKey"),
    ] {
        let err = b.build().unwrap_err();
        assert_eq!((err.code.as_str(), err.issues[0].param.as_str()), ("ValidationError", param));
    }
    let c = Client::builder("k-1234").region(iterable_client::Region::Eu).build().unwrap();
    assert_eq!(c.base_url(), "https://api.eu.iterable.com");
    assert!(!format!("{c:?}").contains("k-1234"));
}

/// A 200 whose top-level code is a failure code is that failure, however the body mentions
/// Success elsewhere; a top-level Success is the typed result.
#[tokio::test]
async fn a_200_envelope_is_judged_by_its_top_level_code() {
    use iterable_client::{actions::TrackEventInput, results::IterableApiResponseCode};
    let input = || TrackEventInput { email: Some("a@example.com".into()), event_name: Some("e".into()), ..Default::default() };
    let (base, _) = fake(vec![(200, "", r#" {"msg":"ok","code":"Success","params":{"id":"1"}}"#)]).await;
    let answer = client(&base).track_event(input()).await.unwrap();
    assert_eq!(answer.code, IterableApiResponseCode::Success);
    for body in [r#"{"msg":"nope","code":"BadParams","params":{"code":"Success"}}"#, r#"{"params":{"code":"Success"},"msg":"\"code\":\"Success\"","code":"BadParams"}"#] {
        let (base, seen) = fake(vec![(200, "", body)]).await;
        let err = client(&base).track_event(input()).await.unwrap_err();
        assert_eq!((err.code.as_str(), err.status, err.attempts), ("BadParams", Some(200), 1), "{body}");
        assert_eq!(seen.lock().unwrap().len(), 1);
    }
}
