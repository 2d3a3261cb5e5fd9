#![cfg(not(target_arch = "wasm32"))] // native only; tests/browser.rs is the wasm32 suite
//! Hooks (the local HTTP fake) and JWT-enabled keys (the sandbox's `jwtKeys`).

mod common;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use common::fake;
use hmac::{Hmac, Mac};
use iterable_client::actions::{GetUserByEmailInput, TrackEventInput};
use iterable_client::Client;
use serde_json::json;
use sha2::Sha256;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const KEY: &str = "fake-key-abc123";

#[tokio::test]
async fn hooks_see_each_attempt_without_credentials_and_a_panicking_hook_changes_nothing() {
    let (base, _) = fake(vec![(503, "retry-after: 0\r\n", r#"{"msg":"busy","code":"GenericError"}"#), (200, "", r#"{"user":{"email":"a@example.com"}}"#)]).await;
    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let (l1, l2, l3) = (log.clone(), log.clone(), log.clone());
    let client = Client::builder(KEY)
        .base_url(&base)
        .on_request(move |r| {
            let headers: Vec<String> = r.headers.iter().map(|(k, v)| format!("{k}={v}")).collect();
            l1.lock().unwrap().push(format!("request {} #{} {} {} {}", r.action, r.attempt, r.method, r.url, headers.join(",")));
            panic!("a hook that fails");
        })
        .on_response(move |r| l2.lock().unwrap().push(format!("response #{} {}", r.attempt, r.status)))
        .on_retry(move |r| l3.lock().unwrap().push(format!("retry #{} {} {:?}", r.attempt, r.error.code, r.error.status)))
        .build()
        .unwrap();
    let got = client.get_user_by_email(GetUserByEmailInput { email: Some("a@example.com".into()) }).await.unwrap();
    assert_eq!(got.user.unwrap().email, "a@example.com");
    let log = log.lock().unwrap().clone();
    let url = format!("{base}/api/users/getByEmail?email=a%40example.com");
    assert_eq!(
        log,
        [
            format!("request get_user_by_email #1 GET {url} Accept=application/json,Api-Key=[REDACTED]"),
            "response #1 503".to_string(),
            "retry #1 GenericError Some(503)".to_string(),
            format!("request get_user_by_email #2 GET {url} Accept=application/json,Api-Key=[REDACTED]"),
            "response #2 200".to_string(),
        ]
    );
    assert!(log.iter().all(|l| !l.contains(KEY)));
}

#[tokio::test]
async fn the_key_is_cut_out_of_the_body_a_hook_sees() {
    let (base, seen) = fake(vec![(200, "", r#"{"msg":"","code":"Success","params":null}"#)]).await;
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let b = bodies.clone();
    let client = Client::builder(KEY).base_url(&base).on_request(move |r| b.lock().unwrap().push(r.body.as_deref().unwrap_or("").to_string())).build().unwrap();
    let event = TrackEventInput { email: Some("a@example.com".into()), event_name: Some(format!("oops {KEY}")), ..Default::default() };
    client.track_event(event).await.unwrap();
    assert_eq!(bodies.lock().unwrap()[0], r#"{"email":"a@example.com","eventName":"oops [REDACTED]"}"#);
    assert!(seen.lock().unwrap()[0].body.contains(KEY), "what is sent is unchanged");
}

fn now_s() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// An HS256 JWT for `email`, signed with `secret`, expiring in an hour.
fn mint(secret: &str, email: &str) -> String {
    let b64 = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let head = format!("{}.{}", b64(json!({"alg": "HS256", "typ": "JWT"})), b64(json!({"email": email, "iat": now_s(), "exp": now_s() + 3600})));
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(head.as_bytes());
    format!("{head}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

const JWT_SANDBOX: &str = r#"{"jwtKeys": [{"key": "jwt-key-0001", "secret": "sandbox-secret"}]}"#;

#[tokio::test]
async fn a_jwt_is_asked_for_once_and_sent_with_every_call() {
    let asked = Arc::new(AtomicU32::new(0));
    let a = asked.clone();
    let client = Client::builder("jwt-key-0001")
        .jwt(move || {
            a.fetch_add(1, Ordering::SeqCst);
            async { Ok(mint("sandbox-secret", "ada@example.com")) }
        })
        .build_sandbox(JWT_SANDBOX)
        .unwrap();
    for _ in 0..3 {
        let event = TrackEventInput { email: Some("ada@example.com".into()), event_name: Some("open".into()), ..Default::default() };
        client.track_event(event).await.unwrap();
    }
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    // Without a provider the same key is refused by the sandbox as Iterable does.
    let bare = Client::builder("jwt-key-0001").max_retries(0).build_sandbox(JWT_SANDBOX).unwrap();
    let err = bare.get_user_by_email(GetUserByEmailInput { email: Some("ada@example.com".into()) }).await.unwrap_err();
    assert_eq!((err.status, err.code.as_str()), (Some(401), "BadAuthorizationHeader"), "{err}");
}

#[tokio::test]
async fn a_refused_jwt_is_replaced_once_outside_the_retries() {
    // The first token is signed with the wrong secret: refused with a 401, a new one is asked
    // for and the same request sent again, with max_retries 0.
    let asked = Arc::new(AtomicU32::new(0));
    let a = asked.clone();
    let client = Client::builder("jwt-key-0001")
        .max_retries(0)
        .jwt(move || {
            let n = a.fetch_add(1, Ordering::SeqCst);
            async move { Ok(mint(if n == 0 { "wrong-secret" } else { "sandbox-secret" }, "ada@example.com")) }
        })
        .build_sandbox(JWT_SANDBOX)
        .unwrap();
    let event = TrackEventInput { email: Some("ada@example.com".into()), event_name: Some("open".into()), ..Default::default() };
    client.track_event(event).await.unwrap();
    assert_eq!(asked.load(Ordering::SeqCst), 2);
    // A provider whose tokens are always refused: one resend, then the error.
    let always_bad = Client::builder("jwt-key-0001").max_retries(0).jwt(|| async { Ok(mint("wrong-secret", "ada@example.com")) }).build_sandbox(JWT_SANDBOX).unwrap();
    let err = always_bad.get_user_by_email(GetUserByEmailInput { email: Some("ada@example.com".into()) }).await.unwrap_err();
    assert_eq!((err.status, err.code.as_str(), err.attempts), (Some(401), "InvalidJwtPayload", 2), "{err}");
}

#[tokio::test]
async fn a_failing_or_bad_provider_is_a_jwt_error_and_nothing_is_sent() {
    let (base, seen) = fake(vec![(200, "", "{}")]).await;
    let failing = Client::builder(KEY).base_url(&base).jwt(|| async { Err("backend down".to_string()) }).build().unwrap();
    let err = failing.get_user_by_email(GetUserByEmailInput { email: Some("a@example.com".into()) }).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.attempts, err.retryable), ("JwtError", 0, false));
    assert!(err.to_string().contains("the jwt provider failed: backend down"), "{err}");
    let bad = Client::builder(KEY).base_url(&base).jwt(|| async { Ok("not a jwt".to_string()) }).build().unwrap();
    let err = bad.get_user_by_email(GetUserByEmailInput { email: Some("a@example.com".into()) }).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.attempts), ("JwtError", 0), "{err}");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(seen.lock().unwrap().is_empty());
}
