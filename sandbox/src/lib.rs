//! iterable-sandbox: an offline, stateful emulator of the Iterable API.
//!
//! `Sandbox::handle(method, url, headers, body)` answers one HTTP request as Iterable would
//! (status, content type, body), routing through the action catalog. Plain Rust; the wasm
//! bindings live in `wasm.rs`.

// A handler's error is the HTTP answer itself (`Reply`'s `Err` is a whole `Response`, made once
// per failed request and sent as is): boxing it would add an allocation to every error answer
// and gain nothing, so the lint against large error variants does not apply here.
#![allow(clippy::result_large_err)]

mod catalog;
mod demo;
pub mod persist;
mod resources;
mod shared;
pub mod state;
pub mod util;
#[cfg(target_arch = "wasm32")]
mod wasm;
#[cfg(target_arch = "wasm32")]
mod alloc;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOC: alloc::GrowInSteps = alloc::GrowInSteps::new();

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

pub use catalog::actions;
use catalog::{Action, ParamError, Route};
use iterable_wasm::core::defs::Loc;
use resources::lifecycle::{self, Act};
use state::State;
use util::splitmix;

/// The default start of the simulated clock: 2024-01-01T00:00:00Z.
pub const DEFAULT_CLOCK: i64 = 1_704_067_200_000;

/// The deepest JSON body a request may send (the top object is level 1). The state stores a
/// request's values a few levels further down (state, users, user, events, event, data) and
/// `load` reads at most serde_json's 128 levels, so every accepted value stays reloadable.
pub const MAX_BODY_DEPTH: usize = 100;

fn json_depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(json_depth).max().unwrap_or(0),
        Value::Object(m) => 1 + m.values().map(json_depth).max().unwrap_or(0),
        _ => 0,
    }
}

#[derive(Deserialize, Default, Clone, Debug)]
#[serde(default, rename_all = "camelCase")]
pub struct Faults {
    pub rate: f64,
    pub statuses: Vec<u16>,
    pub latency_ms: u64,
}

#[derive(Deserialize, Default, Clone, Debug)]
#[serde(default, rename_all = "camelCase")]
pub struct Options {
    /// The PRNG seed (a number, or a number as text), or `"demo"`: the demo project.
    pub seed: Option<Value>,
    pub clock: Option<Value>,
    pub faults: Option<Faults>,
    pub rate_limits: bool,
    /// Simulated milliseconds per request (default 1000).
    pub step_ms: Option<i64>,
    /// The only keys accepted (with `jwt_keys`); `None`: any non-empty key.
    pub api_keys: Option<Vec<String>>,
    /// JWT-enabled keys: requests with them need a JWT signed with the key's secret.
    pub jwt_keys: Vec<shared::keys::JwtKey>,
}

#[derive(Serialize, Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Map<String, Value>,
    pub body: String,
    /// Simulated latency the transport should wait before answering.
    #[serde(rename = "delayMs")]
    pub delay_ms: u64,
    /// What the request changed, for a journal of changes (`Sandbox::replay`): `tick` when time
    /// moved campaigns or exports, `req` when it was an accepted write, each `{clock, rng}` (the
    /// clock it ran at, the PRNG as that step began). Absent when nothing changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<Value>,
}

impl Response {
    pub fn new(status: u16, content_type: &str, body: String) -> Response {
        let mut headers = Map::new();
        headers.insert("content-type".into(), Value::String(content_type.into()));
        Response {
            status,
            headers,
            body,
            delay_ms: 0,
            change: None,
        }
    }
    pub fn json(status: u16, v: &Value) -> Response {
        Response::new(status, "application/json", v.to_string())
    }
    pub fn error(status: u16, code: &str, msg: impl Into<String>) -> Response {
        Response::json(
            status,
            &json!({"msg": msg.into(), "code": code, "params": Value::Null}),
        )
    }
    pub fn success(msg: impl Into<String>, params: Value) -> Response {
        Response::json(
            200,
            &json!({"msg": msg.into(), "code": "Success", "params": params}),
        )
    }
    pub fn json_value(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }
}

pub struct Sandbox {
    opts: Options,
    start_clock: i64,
    seed: u64,
    /// Whether the initial state is the demo project.
    demo: bool,
    pub state: State,
    /// Users by email and userId, lists' members (rebuilt whenever `state` is replaced).
    index: shared::index::Index,
    /// action id -> (tokens, last refill ms)
    buckets: HashMap<String, (f64, i64)>,
    /// Replaying a journal record: its key, faults and rate limits passed when it was accepted.
    replaying: bool,
    /// The PRNG as the last request's handler began, and whether that request was a read.
    dispatched: Option<(u64, bool)>,
}

/// The request as the handlers see it.
pub struct Req<'a> {
    pub action: &'a Action,
    pub p: Map<String, Value>,
    pub origin: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub accept: String,
}

impl<'a> Req<'a> {
    pub fn str(&self, k: &str) -> Option<&str> {
        self.p.get(k).and_then(Value::as_str)
    }
    pub fn i64(&self, k: &str) -> Option<i64> {
        self.p
            .get(k)
            .and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
    }
    pub fn bool(&self, k: &str) -> bool {
        self.p.get(k).and_then(Value::as_bool).unwrap_or(false)
    }
    pub fn obj(&self, k: &str) -> Map<String, Value> {
        self.p
            .get(k)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    }
    pub fn arr(&self, k: &str) -> Vec<Value> {
        self.p
            .get(k)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    }
    pub fn ids(&self, k: &str) -> Vec<i64> {
        self.arr(k).iter().filter_map(|v| v.as_i64()).collect()
    }
    /// The string items of array param `k`.
    pub fn strs(&self, k: &str) -> Vec<String> {
        self.arr(k)
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    }
}

fn parse_clock(v: &Option<Value>) -> i64 {
    match v {
        Some(Value::Number(n)) => n.as_f64().map(|f| f as i64).unwrap_or(DEFAULT_CLOCK),
        Some(Value::String(s)) => util::parse_date(s)
            .or_else(|| s.parse::<i64>().ok())
            .unwrap_or(DEFAULT_CLOCK),
        _ => DEFAULT_CLOCK,
    }
}

impl Sandbox {
    pub fn new(options_json: &str) -> Result<Sandbox, String> {
        let opts: Options = if options_json.trim().is_empty() {
            Options::default()
        } else {
            serde_json::from_str(options_json)
                .map_err(|e| format!("invalid sandbox options: {e}"))?
        };
        let start_clock = parse_clock(&opts.clock);
        let (seed, demo) = match &opts.seed {
            None | Some(Value::Null) => (1, false),
            Some(Value::String(s)) if s == "demo" => (1, true),
            Some(Value::String(s)) => (s.trim().parse::<u64>().map_err(|_| format!("invalid sandbox options: seed must be a number or \"demo\", got {s:?}"))?, false),
            Some(Value::Number(n)) => (n.as_u64().ok_or_else(|| format!("invalid sandbox options: seed must be a whole number from 0, got {n}"))?, false),
            Some(v) => return Err(format!("invalid sandbox options: seed must be a number or \"demo\", got {v}")),
        };
        let mut rng = seed ^ 0x5EED_17E6_AB1E_0001;
        splitmix(&mut rng);
        let mut sandbox = Sandbox {
            state: State::seeded(start_clock, rng),
            opts,
            start_clock,
            seed,
            demo,
            index: Default::default(),
            buckets: HashMap::new(),
            replaying: false,
            dispatched: None,
        };
        if demo {
            sandbox.build_demo()?;
        }
        Ok(sandbox)
    }

    /// Back to the initial state (the demo project again with `seed: "demo"`).
    pub fn reset(&mut self) {
        let mut rng = self.seed ^ 0x5EED_17E6_AB1E_0001;
        splitmix(&mut rng);
        self.state = State::seeded(self.start_clock, rng);
        self.reindex();
        self.buckets.clear();
        if self.demo {
            // Built from fixed data by the sandbox's own handlers: it cannot fail once it has
            // succeeded in new().
            let _ = self.build_demo();
        }
    }

    /// Rebuilds the indexes from the state (after it was replaced).
    fn reindex(&mut self) {
        self.index = shared::index::Index::build(&self.state);
    }

    pub fn outbox(&self) -> String {
        Value::Array(self.state.outbox.clone()).to_string()
    }

    fn draw(&mut self) -> f64 {
        (splitmix(&mut self.state.rng) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// One HTTP request. `headers_json` is `{name: value}`.
    pub fn handle(
        &mut self,
        method: &str,
        url: &str,
        headers_json: &str,
        body: Option<&str>,
    ) -> Response {
        let headers: Map<String, Value> = serde_json::from_str(headers_json).unwrap_or_default();
        let header = |name: &str| -> Option<String> {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .and_then(|(_, v)| v.as_str())
                .map(str::to_string)
        };
        let (origin, path, query) = parse_url(url);
        let path = path.as_str();

        // Export file downloads (the URLs list_export_files hands out; pre-signed, no key).
        if method.eq_ignore_ascii_case("GET") && path.starts_with("/_sandbox/exports/") {
            return self.export_file(&path["/_sandbox/exports/".len()..]);
        }

        self.state.clock += self.opts.step_ms.unwrap_or(1000).max(0);
        let at = |clock: i64, rng: u64| json!({"clock": clock, "rng": rng.to_string()});
        let tick_rng = self.state.rng;
        let mut change = Map::new();
        if self.tick() {
            change.insert("tick".into(), at(self.state.clock, tick_rng));
        }
        self.dispatched = None;
        let delay = self.opts.faults.as_ref().map_or(0, |f| f.latency_ms);
        let mut resp = self.handle_inner(method, &origin, path, query, body, &header);
        resp.delay_ms = delay;
        if let Some((rng, false)) = self.dispatched.take() {
            if resp.status < 400 {
                change.insert("req".into(), at(self.state.clock, rng));
            }
        }
        if !change.is_empty() {
            resp.change = Some(Value::Object(change));
        }
        resp
    }

    /// Applies one record of a journal of changes (see `Response::change`) to the state it was
    /// taken from: `{"k": "tick" | "req" | "clock", "clock", "rng"}`, and for "req" the request's
    /// "method", "url", "accept" and "body". The clock and PRNG are set to the record's; then
    /// "tick" moves time-driven state as that request did, and "req" runs the accepted write
    /// through the same handler (its key, faults and rate limits were checked when it was
    /// accepted). Returns the handler's status (200 for "tick" and "clock").
    pub fn replay(&mut self, record_json: &str) -> Result<u16, String> {
        let r: Value = serde_json::from_str(record_json)
            .map_err(|e| format!("invalid journal record: {e}"))?;
        let field = |k: &str| r.get(k).and_then(Value::as_str);
        let clock = r.get("clock").and_then(Value::as_i64);
        let rng = field("rng").and_then(|s| s.parse::<u64>().ok());
        let (Some(clock), Some(rng)) = (clock, rng) else {
            return Err("invalid journal record: clock and rng are required".into());
        };
        self.state.clock = clock;
        self.state.rng = rng;
        match field("k") {
            Some("clock") => Ok(200),
            Some("tick") => {
                self.tick();
                Ok(200)
            }
            Some("req") => {
                let method = field("method").unwrap_or("POST");
                let (origin, path, query) = parse_url(field("url").unwrap_or("/"));
                let accept = field("accept").map(str::to_string);
                let header = move |name: &str| {
                    if name.eq_ignore_ascii_case("Accept") {
                        accept.clone()
                    } else {
                        None
                    }
                };
                self.replaying = true;
                let resp = self.handle_inner(method, &origin, &path, query, field("body"), &header);
                self.replaying = false;
                self.dispatched = None;
                Ok(resp.status)
            }
            k => Err(format!("invalid journal record: unknown kind {k:?}")),
        }
    }

    fn handle_inner(
        &mut self,
        method: &str,
        origin: &str,
        path: &str,
        query: Vec<(String, String)>,
        body: Option<&str>,
        header: &dyn Fn(&str) -> Option<String>,
    ) -> Response {
        let key = header("Api-Key").filter(|k| !k.trim().is_empty());
        let bearer = header("Authorization")
            .and_then(|a| a.strip_prefix("Bearer ").map(|t| t.trim().to_string()))
            .filter(|t| !t.is_empty());
        if key.is_none() && bearer.is_none() && !self.replaying {
            return Response::error(401, "BadApiKey", "Invalid API key");
        }
        let jwt_user = if self.replaying {
            None
        } else {
            match self.check_key(key.as_deref(), bearer.as_deref()) {
                Ok(u) => u,
                Err(e) => return e,
            }
        };
        let (action, path_params) = match catalog::route(method, path) {
            Route::Found(a, p) => (a, p),
            Route::NotFound => {
                return Response::error(
                    404,
                    "NotFound",
                    format!("No route for {} {}", method.to_uppercase(), path),
                )
            }
        };

        // Fault injection: drawn per request, the request is not processed.
        if let Some(f) = self.opts.faults.clone().filter(|_| !self.replaying) {
            if f.rate > 0.0 && self.draw() < f.rate {
                let statuses = if f.statuses.is_empty() {
                    vec![500, 503]
                } else {
                    f.statuses.clone()
                };
                let i = (self.draw() * statuses.len() as f64) as usize;
                let status = statuses[i.min(statuses.len() - 1)];
                return fault_response(status);
            }
        }
        if self.opts.rate_limits && !self.replaying {
            if let Some(limit) = action.rate_limit() {
                let (n, window) = (limit.count, limit.per_ms as i64);
                let now = self.state.clock;
                // Limits "per API key" get a bucket per key; per project / organization one in all.
                let per_key = limit.scope == iterable_wasm::core::defs::Scope::ApiKey;
                let bucket = match (&key, per_key) {
                    (Some(k), true) => format!("{}\u{0}{k}", action.id),
                    _ => action.id.clone(),
                };
                let b = self.buckets.entry(bucket).or_insert((n as f64, now));
                let refill = (now - b.1) as f64 * n as f64 / window as f64;
                b.0 = (b.0 + refill).min(n as f64);
                b.1 = now;
                if b.0 < 1.0 {
                    return Response::error(
                        429,
                        "RateLimitExceeded",
                        format!("Rate limit exceeded for {}", action.id),
                    );
                }
                b.0 -= 1.0;
            }
        }

        let has_body_params = action.params().iter().any(|p| matches!(p.loc, Loc::Body | Loc::BodyRoot));
        if body.is_some_and(|b| b.len() > 4 * 1024 * 1024) {
            return Response::error(400, "BatchTooLarge", "Request body is larger than 4 MB");
        }
        let parsed: Option<Value> = match body {
            Some(b) if !b.trim().is_empty() && has_body_params => {
                match serde_json::from_str::<Value>(b) {
                    Ok(v @ Value::Object(_)) if json_depth(&v) > MAX_BODY_DEPTH => {
                        return Response::error(
                            400,
                            "BadParams",
                            format!("JSON body is nested more than {MAX_BODY_DEPTH} levels deep"),
                        )
                    }
                    Ok(v @ Value::Object(_)) => Some(v),
                    Ok(_) => {
                        return Response::error(
                            400,
                            "BadJsonBody",
                            "Invalid JSON body: expected an object",
                        )
                    }
                    Err(e) => {
                        return Response::error(
                            400,
                            "BadJsonBody",
                            format!("Invalid JSON body: {e}"),
                        )
                    }
                }
            }
            _ => None,
        };
        let p = match catalog::collect(action, path_params, &query, parsed.as_ref(), self.state.clock) {
            Ok(p) => p,
            // Double opt-in answers request errors in its own shape (spec: ErrorHttpResponse).
            Err(ParamError::BadParams(m) | ParamError::BadJson(m) | ParamError::Invalid { msg: m, .. })
                if action.id == "trigger_double_opt_in" =>
            {
                return Response::json(
                    400,
                    &json!({"error": {}, "message": m, "code": "BadParams", "data": {}}),
                );
            }
            Err(ParamError::BadParams(m)) => return Response::error(400, "BadParams", m),
            Err(ParamError::BadJson(m)) => return Response::error(400, "BadJsonBody", m),
            // What the client's validation refuses; `params` names each param with its problems.
            Err(ParamError::Invalid { msg, issues }) => {
                let code = if issues.iter().all(catalog::is_email_issue) { "InvalidEmailAddressError" } else { "BadParams" };
                let mut named = Map::new();
                for i in issues {
                    let at = named.entry(i.param).or_insert_with(|| Value::Array(vec![]));
                    if let Value::Array(list) = at {
                        list.push(Value::String(i.message));
                    }
                }
                return Response::json(
                    400,
                    &json!({"msg": msg, "code": code, "params": named}),
                );
            }
        };
        if let Some(u) = &jwt_user {
            if let Err(e) = shared::keys::check_jwt_user(u, &p) {
                return e;
            }
        }
        let req = Req {
            action,
            p,
            origin: origin.to_string(),
            path: path.to_string(),
            query,
            accept: header("Accept").unwrap_or_default(),
        };
        let read = method.eq_ignore_ascii_case("GET") || method.eq_ignore_ascii_case("HEAD");
        self.dispatched = Some((self.state.rng, read));
        self.dispatch(&req)
    }

    /// Moves time-driven state forward: scheduled campaigns start, running ones finish,
    /// export jobs progress. Whether anything moved.
    fn tick(&mut self) -> bool {
        let now = self.state.clock;
        let mut moved = false;
        let mut start = Vec::new();
        for c in self.state.campaigns.iter_mut() {
            // What time does to a campaign in its state (the lifecycle table decides whether it
            // applies: only blasts move by themselves).
            let act = match c.campaign_state.as_str() {
                "Scheduled" if c.send_at.is_some_and(|t| t <= now) => Act::Launch,
                "Starting" => Act::Deliver,
                "Running" if c.start_at.is_none_or(|s| now - s >= 3_000) => Act::Complete,
                _ => continue,
            };
            let applied = lifecycle::apply(c, act, now).is_ok();
            moved |= applied;
            if applied && act == Act::Deliver {
                start.push(c.id);
            }
        }
        for id in start {
            self.deliver_campaign(id);
        }
        for j in self.state.exports.iter_mut() {
            match j.job_state.as_str() {
                "enqueued" => j.job_state = "running".into(),
                "running" if now - j.created_at >= 2_000 => {
                    j.job_state = "completed".into();
                    j.ended_at = Some(now);
                }
                _ => continue,
            }
            moved = true;
        }
        moved
    }
}

fn fault_response(status: u16) -> Response {
    match status {
        429 => Response::error(429, "RateLimitExceeded", "Rate limit exceeded"),
        500 => Response::error(500, "GenericError", "Internal server error"),
        502 | 504 => Response::new(
            status,
            "text/html",
            format!("<html><body><h1>{status} Bad Gateway</h1></body></html>"),
        ),
        503 => Response::error(503, "DatabaseError", "Service temporarily unavailable"),
        s if s >= 400 => Response::error(s, "GenericError", format!("Injected fault {s}")),
        s => Response::error(s, "Success", "Injected response"),
    }
}

/// A request URL's origin, path (without its fragment) and decoded query pairs.
fn parse_url(url: &str) -> (String, String, Vec<(String, String)>) {
    let (origin, rest) = split_origin(url);
    let (path, qs) = match rest.find('?') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    let path = path.split('#').next().unwrap_or("").to_string();
    let query = qs
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| match kv.find('=') {
            Some(i) => (
                util::percent_decode(&kv[..i], true),
                util::percent_decode(&kv[i + 1..], true),
            ),
            None => (util::percent_decode(kv, true), String::new()),
        })
        .collect();
    (origin, path, query)
}

fn split_origin(url: &str) -> (String, &str) {
    for scheme in ["http://", "https://"] {
        if let Some(rest) = url.strip_prefix(scheme) {
            let i = rest.find('/').unwrap_or(rest.len());
            return (format!("{scheme}{}", &rest[..i]), &rest[i..]);
        }
    }
    ("http://sandbox.local".to_string(), url)
}
