//! A page's wasm: track a signup event for an email, then read the user back, through the
//! typed methods of `iterable-client` (the browser's `fetch` underneath).
//!
//! Build (what tests/rust-wasm/examples.mjs does):
//!   cargo build --release --target wasm32-unknown-unknown
//!   wasm-bindgen --target web --out-dir pkg ../target/wasm32-unknown-unknown/release/iterable_rust_browser_example.wasm

use iterable_client::actions::{GetUserByEmailInput, TrackEventInput};
use iterable_client::{Client, IterableError};
use wasm_bindgen::prelude::*;

/// An `IterableError` as a JS `Error` whose message is the one-line summary (never the key),
/// with `code`, `status` and `retryable` for the page to branch on.
fn to_js(err: IterableError) -> JsValue {
    let e = js_sys::Error::new(&err.to_string());
    let status = err.status.map(JsValue::from).unwrap_or(JsValue::NULL);
    for (k, v) in [("code", JsValue::from_str(&err.code)), ("status", status), ("retryable", JsValue::from_bool(err.retryable))] {
        let _ = js_sys::Reflect::set(&e, &JsValue::from_str(k), &v);
    }
    e.into()
}

/// Tracks `signup` for `email` and returns the user Iterable holds, as JSON text.
/// `base_url` is empty for Iterable's US region.
#[wasm_bindgen(js_name = trackSignup)]
pub async fn track_signup(api_key: String, base_url: String, email: String) -> Result<String, JsValue> {
    let mut builder = Client::builder(api_key);
    if !base_url.is_empty() {
        builder = builder.base_url(base_url);
    }
    let client = builder.build().map_err(to_js)?;
    let event = TrackEventInput { email: Some(email.clone()), event_name: Some("signup".into()), ..Default::default() };
    client.track_event(event).await.map_err(to_js)?;
    let user = client.get_user_by_email(GetUserByEmailInput { email: Some(email) }).await.map_err(to_js)?;
    Ok(serde_json::to_string(&user).unwrap_or_default())
}
