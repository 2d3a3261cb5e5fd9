//! A Cloudflare Worker in Rust (workers-rs) that calls Iterable through `iterable-client`:
//!
//! - `POST /signup` with `{"email": "..."}` tracks a `signup` event for that user;
//! - `GET /user?email=...` answers the user Iterable holds.
//!
//! Failures answer JSON `{code, message, retryable}`: 400 for an input refused before sending
//! (`ValidationError`), Iterable's own status for its refusals, 502 when Iterable could not be
//! reached. The key comes from the `ITERABLE_API_KEY` secret and never appears in an answer.
//! `ITERABLE_BASE_URL` (optional) points the client elsewhere, e.g. a local sandbox.
//!
//! Build and run: see README.md (what tests/rust-wasm/examples.mjs does).

use iterable_client::actions::{GetUserByEmailInput, TrackEventInput};
use iterable_client::{Client, IterableError};
use serde_json::{json, Value};
use worker::{event, Context, Env, Method, Request, Response, Result};

fn client(env: &Env) -> std::result::Result<Client, IterableError> {
    let key = env.secret("ITERABLE_API_KEY").map(|s| s.to_string()).unwrap_or_default();
    let mut builder = Client::builder(key);
    if let Ok(base) = env.var("ITERABLE_BASE_URL") {
        builder = builder.base_url(base.to_string());
    }
    builder.build()
}

/// An error as the Worker's answer: its summary and code, never the key.
fn failure(err: IterableError) -> Result<Response> {
    let status = match err.status {
        _ if err.is_validation() => 400,
        Some(s) if (400..600).contains(&s) => s,
        _ => 502,
    };
    let body = json!({ "code": err.code, "message": err.to_string(), "retryable": err.retryable });
    Ok(Response::from_json(&body)?.with_status(status))
}

fn bad_request(message: &str) -> Result<Response> {
    Ok(Response::from_json(&json!({ "code": "BadRequest", "message": message, "retryable": false }))?.with_status(400))
}

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let client = match client(&env) {
        Ok(c) => c,
        Err(e) => return failure(e),
    };
    let url = req.url()?;
    match (req.method(), url.path()) {
        (Method::Post, "/signup") => {
            let Ok(body) = req.json::<Value>().await else { return bad_request("send a JSON body: {\"email\": \"...\"}") };
            let email = body.get("email").and_then(Value::as_str).map(str::to_string);
            let event = TrackEventInput { email, event_name: Some("signup".into()), ..Default::default() };
            match client.track_event(event).await {
                Ok(_) => Response::from_json(&json!({ "tracked": true })),
                Err(e) => failure(e),
            }
        }
        (Method::Get, "/user") => {
            let email = url.query_pairs().find(|(k, _)| k == "email").map(|(_, v)| v.into_owned());
            match client.get_user_by_email(GetUserByEmailInput { email }).await {
                Ok(user) => Response::from_json(&user),
                Err(e) => failure(e),
            }
        }
        _ => Ok(Response::from_json(&json!({ "code": "NotFound", "message": "POST /signup or GET /user?email=", "retryable": false }))?.with_status(404)),
    }
}
