#![cfg(not(target_arch = "wasm32"))] // native only; tests/browser.rs is the wasm32 suite
//! `Client::sandbox()`: the typed methods answered in-process by the emulator, offline.

use iterable_client::actions::{GetUserByEmailInput, TrackEventInput, UpdateUserInput};
use iterable_client::results::IterableApiResponseCode;
use iterable_client::Client;
use serde_json::json;

#[tokio::test]
async fn a_user_written_is_read_back() {
    let client = Client::sandbox();
    let fields = json!({"plan": "pro", "seats": 3}).as_object().unwrap().clone();
    let answer = client
        .update_user(UpdateUserInput { email: Some("ada@example.com".into()), data_fields: Some(fields), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(answer.code, IterableApiResponseCode::Success, "{answer:?}");
    let got = client.get_user_by_email(GetUserByEmailInput { email: Some("ada@example.com".into()) }).await.unwrap();
    let user = got.user.expect("the user");
    assert_eq!(user.email, "ada@example.com");
    let fields = user.data_fields.expect("its fields");
    assert_eq!((&fields["plan"], &fields["seats"]), (&json!("pro"), &json!(3)));
}

#[tokio::test]
async fn an_unknown_user_is_iterables_answer_and_clones_share_the_project() {
    let client = Client::sandbox();
    let other = client.clone();
    let missing = other.get_user_by_email(GetUserByEmailInput { email: Some("nobody@example.com".into()) }).await;
    // Iterable answers an unknown email with an empty object, not an error.
    let missing = missing.unwrap();
    assert!(missing.user.is_none() && missing.other.is_empty(), "{missing:?}");
    let event = TrackEventInput { email: Some("ada@example.com".into()), event_name: Some("signup".into()), ..Default::default() };
    assert_eq!(client.track_event(event).await.unwrap().code, IterableApiResponseCode::Success);
    let got = other.get_user_by_email(GetUserByEmailInput { email: Some("ada@example.com".into()) }).await.unwrap();
    assert_eq!(got.user.map(|u| u.email).as_deref(), Some("ada@example.com"));
}

#[tokio::test]
async fn a_missing_required_param_is_refused_before_the_sandbox() {
    let err = Client::sandbox().track_event(TrackEventInput { email: Some("ada@example.com".into()), ..Default::default() }).await.unwrap_err();
    assert!(err.is_validation());
    assert_eq!(err.issues[0].param, "eventName");
    assert_eq!(err.attempts, 0);
    assert!(err.to_string().starts_with("track_event → ValidationError: eventName: required"), "{err}");
}

#[tokio::test]
async fn sandbox_faults_are_retried_like_network_ones() {
    // Every request fails with a 503: an idempotent read is tried 1 + 2 times, then fails.
    let client = Client::sandbox_with(r#"{"faults": {"rate": 1, "statuses": [503]}}"#).unwrap();
    let err = client.get_user_by_email(GetUserByEmailInput { email: Some("ada@example.com".into()) }).await.unwrap_err();
    assert_eq!((err.status, err.retryable, err.attempts), (Some(503), true, 3), "{err}");
    let bad = Client::sandbox_with("{not json").unwrap_err();
    assert_eq!(bad.issues[0].param, "sandbox");
}
