#![cfg(not(target_arch = "wasm32"))] // native only; tests/browser.rs is the wasm32 suite
//! The native transport against a local HTTP fake (127.0.0.1) with scripted faults: what is
//! retried, what is not, what is never sent, and the bytes that arrive.

use iterable_client::{actions::GetUserByEmailInput, Client};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request as the fake received it.
#[derive(Debug, Clone)]
struct Received {
    head: String,
    body: String,
}

/// A fake Iterable on 127.0.0.1 answering each request with the next scripted (status, extra
/// headers, body); the last answer repeats. Returns its base URL and what it received.
async fn fake(script: Vec<(u16, &'static str, &'static str)>) -> (String, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        for n in 0..64usize {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let (head, body) = loop {
                let k = sock.read(&mut chunk).await.unwrap_or(0);
                if k == 0 {
                    break (String::new(), String::new());
                }
                buf.extend_from_slice(&chunk[..k]);
                if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                    let len = head
                        .lines()
                        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap()))
                        .unwrap_or(0);
                    while buf.len() < end + 4 + len {
                        let k = sock.read(&mut chunk).await.unwrap_or(0);
                        if k == 0 {
                            break;
                        }
                        buf.extend_from_slice(&chunk[..k]);
                    }
                    break (head, String::from_utf8_lossy(&buf[end + 4..]).into_owned());
                }
            };
            log.lock().unwrap().push(Received { head, body });
            let (status, headers, body) = script[n.min(script.len() - 1)];
            let reply = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{headers}\r\n{body}",
                body.len()
            );
            let _ = sock.write_all(reply.as_bytes()).await;
            let _ = sock.shutdown().await;
        }
    });
    (base, seen)
}

fn client(base: &str) -> Client {
    Client::builder("fake-key-abc123").base_url(base).timeout(Duration::from_secs(20)).build().unwrap()
}

#[tokio::test]
async fn a_503_is_retried_then_the_200_answers() {
    let (base, seen) = fake(vec![(503, "retry-after: 0\r\n", r#"{"msg":"busy","code":"GenericError"}"#), (200, "", r#"{"user":{"email":"a@example.com"}}"#)]).await;
    let input = GetUserByEmailInput { email: Some("a@example.com".into()) };
    let user = client(&base).get_user_by_email(input).await.unwrap();
    assert_eq!(user, json!({"user": {"email": "a@example.com"}}));
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
