//! wasm-bindgen exports: `IterableClient` (its per-action methods are installed from the
//! catalog by pkg-template/api.js), `execute`, and the catalog. Input and results cross the
//! boundary as JSON text. The call loop itself is in client.rs.

mod client;

use crate::core::{
    self,
    defs::{self, ActionDef, CATALOG_JSON},
    error::{ApiError, Issue},
};
use client::{Call, Hooks, Inner};
use js_sys::{Function, Object, Reflect};
use std::rc::Rc;
use tsify::Tsify;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(module = "/pkg-template/core/errors.js")]
extern "C" {
    #[wasm_bindgen(js_name = makeError)]
    fn make_error(json: &str, cause: &JsValue) -> JsValue;
}

#[wasm_bindgen(typescript_custom_section)]
const GENERATED_TYPES: &str = include_str!(concat!(env!("OUT_DIR"), "/types.d.ts"));

#[wasm_bindgen(typescript_custom_section)]
const CLIENT_TYPES: &str = r#"
/** One catalog entry: everything an agent or a UI needs to offer an action as a tool. */
export interface CatalogEntry {
  id: ActionId;
  /** The client method: camelCase of the id. */
  methodName: string;
  title: string;
  description: string;
  resource: string;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  /** Whether the action is an operation of Iterable's official OpenAPI spec. */
  inSpec: boolean;
  /** JSON Schema (draft 2020-12) of the input object. */
  inputSchema: Record<string, unknown>;
  /** Groups of params of which at least one must be given. */
  requireOneOf: string[][];
  /** Groups of which at most one may be given (also in requireOneOf: exactly one). */
  exclusive: string[][];
  /** Groups given all together or not at all. */
  together: string[][];
  /** Groups of which one should be given, not several: several are accepted (Iterable resolves them). */
  preferOne: string[][];
  response: "json" | "csv" | "jsonl" | "text" | "html";
  pagination: { style: "page" | "startAfter" | "nextMarker" | "limit"; request: string[]; response: string[]; items: string | null } | null;
  irreversible: boolean;
  idempotent: boolean;
  async: boolean;
  /** Whether the action makes Iterable deliver messages to people (email, SMS, push, in-app, web push, WhatsApp): every call, or with `sendsWhen` only calls with that input. */
  sends: boolean;
  /** When not every call sends: a call sends when param `given` is given, unless param `unlessFalse` is given as `false`. `null` otherwise. */
  sendsWhen: { given: string; unlessFalse?: string } | null;
  rateLimit: string | null;
  /** Documented size or count limits, as text. */
  limits: string | null;
  /** Whether the result is Iterable's `{msg, code, params}` envelope; otherwise a Success envelope around the result is unwrapped. */
  resultIsEnvelope: boolean;
  /** The 2xx statuses at which the spec documents a success without a body (the result is then `null`); an empty body at any other status rejects with `InvalidResponse`. */
  emptySuccess: number[];
  /** Where the client option `eventIds: "auto"` puts a generated event id (`"id"`, or `"events[].id"` for each event of a bulk body); such actions are then retried after 5xx, network errors and timeouts, because Iterable updates rather than duplicates an event sent again with its id. `null` for every other action. */
  eventId: string | null;
}

/** The element type of array field `F` of `R`. */
export type ItemOf<R, F extends string> = R extends { [P in F]?: Array<infer I> | null } ? I : unknown;

/** An async iterable of a paginated action's items; `pages()` yields whole pages. */
export interface Paginated<K extends PaginatedActionId> extends AsyncIterable<PaginatedItems[K]> {
  pages(): AsyncIterable<ActionResults[K]>;
}

/** Records parsed as the body arrives: CSV rows as objects keyed by the header, JSON-lines
 * records, or lines of a plain-text list. `body()` gives the raw stream instead. */
export interface RecordStream<T = Record<string, unknown>> extends AsyncIterable<T> {
  body(): Promise<ReadableStream<Uint8Array>>;
}

/** An export job's state; other strings are kept as sent. */
export type ExportJobState = 'enqueued' | 'running' | 'completed' | 'failed' | 'cancelling' | (string & {});

export interface ExportOptions extends CallOptions {
  /**
   * Called after each file and each poll. `state` is the job state as Iterable sends it (lower case:
   * enqueued, running, completed, failed, cancelling); the workflow compares it without case.
   */
  onProgress?: (progress: { jobId: number; state: ExportJobState; files: number; records: number }) => void;
  /** First wait between polls of the job (default 1000 ms), doubled up to `maxPollMs` (default 30000). */
  pollMs?: number;
  maxPollMs?: number;
}

export interface BulkOptions extends CallOptions {
  /** The action's other params (e.g. `listId`, `catalogName`, `createNewFields`). */
  input?: Record<string, unknown>;
  /** Requests in flight at once (default 4, at most 16). */
  concurrency?: number;
  onProgress?: (progress: { requests: number; done: number; sent: number; succeeded: number; failed: number }) => void;
  /** The report of an earlier `bulk` call with the same action and items: only the items it did not
   * mark succeeded (its `failures`) are sent, each event with the id the report lists (`eventIds`),
   * so a run that failed part-way can be repeated without sending anything twice. */
  resume?: BulkReport;
}

/** An item Iterable did not take, or the client could not send. */
export interface BulkFailure {
  /** Index in the list given to `bulk`. */
  index: number;
  /** The identifier (email, userId, eventName, item id...) when known. */
  id: string | number | null;
  /** Iterable's list that names it (e.g. `failedUpdates.invalidEmails`), or an error code. */
  reason: string;
  /** The request failed in a way that may have reached Iterable (network error, timeout, 5xx). */
  maybeProcessed?: boolean;
}

export interface BulkReport {
  action: BulkActionId;
  items: number;
  requests: number;
  /** Items in requests that were sent. */
  sent: number;
  succeeded: number;
  failed: number;
  /** Items never sent (aborted, refused before sending). */
  notSent: number;
  /** Items a resumed report (`resume`) had marked succeeded: not sent again, counted in `succeeded`. */
  skipped: number;
  /** With `eventIds: "auto"` (or a resumed report that has them), on an action with a catalog
   * `eventId`: the id each item was sent with, by index (generated where the item had none). */
  eventIds?: Array<string | null>;
  /** Every failed item, by index. */
  failures: BulkFailure[];
  /** Requests that failed as a whole. */
  errors: Array<{ request: number; code: string; status?: number; message: string }>;
}

export interface IterableClient {
  /** All items of a paginated action (page/pageSize, startAfter, nextMarker or a capped limit). */
  paginate<K extends PaginatedActionId>(id: K, input: ActionInputs[K], options?: CallOptions & { maxPages?: number }): Paginated<K>;
  /** Records of a CSV, JSON-lines or plain-text action, parsed incrementally (flat memory). */
  stream(id: StreamActionId, input: Record<string, unknown>, options?: CallOptions): RecordStream<Record<string, unknown> | string>;
  /** The export workflow: start, poll with backoff, stream every file's records as it appears. */
  exportRecords(input: StartExportInput, options?: ExportOptions): AsyncIterable<Record<string, unknown>>;
  /** Sends a list through a bulk action, split within its limits; one report for all of it. */
  bulk(id: BulkActionId, items: unknown[] | Record<string, unknown>, options?: BulkOptions): Promise<BulkReport>;
  /** Runs any action by id; input and result are typed by the id. */
  execute<K extends ActionId>(id: K, input: ActionInputs[K], options?: CallOptions): Promise<ActionResults[K]>;
  /** Runs any action by id held in a plain `string` (for generic callers and agents); literal ids use the typed form. */
  execute<S extends string>(id: string extends S ? S : never, input?: Record<string, unknown>, options?: CallOptions): Promise<unknown>;
}

/** What `onRequest` sees of an attempt: `Api-Key` and `Authorization` are redacted. */
export interface RequestInfo {
  action: ActionId;
  attempt: number;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** What `onResponse` sees. */
export interface ResponseInfo {
  action: ActionId;
  attempt: number;
  method: string;
  url: string;
  status: number;
  durationMs: number;
}

/** What `onRetry` sees before the client waits and tries again. */
export interface RetryInfo {
  action: ActionId;
  /** The attempt that failed (1-based). */
  attempt: number;
  delayMs: number;
  /** The failure (an IterableError). */
  error: Error & { code: string; status?: number; retryable: boolean };
}

/** Options of `new IterableClient(...)`: an API key, or the sandbox (then the key is optional). */
export type ClientOptions = ClientBaseOptions &
  (
    | {
        /** Iterable API key (server-side key for most actions). Never shown in errors or logs. */
        apiKey: string;
        sandbox?: false;
      }
    | {
        apiKey?: string;
        /** Sends nothing over the network: every request is answered by an in-process, stateful
         * emulator of the Iterable API (its own wasm, loaded on first use). See `client.sandbox`. */
        sandbox: true | SandboxOptions;
      }
  );

/** Options of the in-process emulator (`sandbox` client option). */
export interface SandboxOptions {
  /** Seed of generated ids and fault draws (same seed, same run); "demo" starts from a small
   * realistic project (users, lists, templates, campaigns in every state, a catalog, ...). */
  seed?: number | "demo";
  /** Fixed start time (ISO 8601 or epoch ms); the emulator's clock then advances deterministically. */
  clock?: string | number;
  /** How far the emulator's clock moves per request, in ms (default 1000). */
  stepMs?: number;
  /** Injected failures: a share of requests (0..1) answered with one of `statuses`, and latency. */
  faults?: { rate?: number; statuses?: number[]; latencyMs?: number };
  /** Answer 429 when an action's documented rate limit is exceeded (default true). */
  rateLimits?: boolean;
  /** Initial state, as returned by `dump()`. */
  state?: object | string;
  /** Only these API keys are accepted; any other answers 401 BadApiKey (default: any non-empty key). */
  apiKeys?: string[];
  /** Keys that also need an HS256 JWT (`Authorization: Bearer`) signed with `secret`. */
  jwtKeys?: { key: string; secret: string }[];
}

/** Controls of the emulator behind a `sandbox` client. */
export interface SandboxControls {
  /** The whole state as a plain object (fixtures, snapshots). */
  dump(): Promise<Record<string, unknown>>;
  /** The same state as JSON text (what a state file holds), without building the object. */
  dumpText(): Promise<string>;
  /** Replaces the state with one from `dump()` (object or JSON text). */
  load(state: object | string): Promise<void>;
  /** Back to the initial (seeded) state. */
  reset(): Promise<void>;
  /** Every message the account would have sent, oldest first. */
  outbox(): Promise<Array<Record<string, unknown>>>;
}

export interface IterableClient {
  /** The emulator's controls, on a client created with `sandbox`. */
  readonly sandbox?: SandboxControls;
}
"#;

/// Options of `new IterableClient(...)` besides the key and the sandbox (see `ClientOptions`).
#[derive(Tsify)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct ClientBaseOptions {
    /// Data center: "us" (default, https://api.iterable.com) or "eu" (https://api.eu.iterable.com).
    #[tsify(optional, type = "\"us\" | \"eu\"")]
    region: Option<String>,
    /// Overrides the region's base URL (https required, except for loopback hosts).
    #[tsify(optional)]
    base_url: Option<String>,
    /// Retries after the first attempt (default 2, at most 10).
    #[tsify(optional)]
    max_retries: Option<u32>,
    /// Time limit of each attempt in milliseconds (default 30000).
    #[tsify(optional)]
    timeout_ms: Option<f64>,
    /// The longest response body read, in bytes (default 64 MiB, at most 500 MiB): a longer one is
    /// dropped as soon as the count passes it (or refused by its Content-Length) and the call
    /// rejects with `ResponseTooLarge`. Streamed bodies (`stream()`, exports) are not bounded.
    #[tsify(optional)]
    max_response_bytes: Option<f64>,
    /// Client-side spacing of calls per the documented rate limits (default true; false turns it off).
    #[tsify(optional)]
    rate_limit: Option<bool>,
    /// `"auto"`: every `track_event`, `track_purchase` and bulk-tracked event without an `id` gets a
    /// fresh random UUID (version 4) before the first attempt, kept for every retry; Iterable updates
    /// rather than duplicates an event sent again with its id, so those actions are then retried
    /// after 5xx, network errors and timeouts too (catalog `eventId`). Off by default: requests stay
    /// exactly as given.
    #[tsify(optional, type = "\"auto\"")]
    event_ids: Option<()>,
    /// For JWT-enabled keys: returns a JWT minted by your backend. Sent as `Authorization: Bearer`;
    /// asked again 60 s before the token's `exp` and once after a 401 about the JWT.
    #[tsify(optional, type = "() => string | Promise<string>")]
    jwt: Option<()>,
    /// Called before each attempt (credentials redacted).
    #[tsify(optional, type = "(info: RequestInfo) => void")]
    on_request: Option<()>,
    /// Called after each response.
    #[tsify(optional, type = "(info: ResponseInfo) => void")]
    on_response: Option<()>,
    /// Called before each retry, with the error that caused it.
    #[tsify(optional, type = "(info: RetryInfo) => void")]
    on_retry: Option<()>,
    /// A fetch-compatible function used instead of the global `fetch` for every request and
    /// export-file download (proxies, instrumentation, tests).
    #[tsify(optional, type = "(url: string, init: RequestInit) => Promise<Response>")]
    fetch: Option<()>,
}

/// Options of one call.
#[derive(Tsify)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct CallOptions {
    /// Cancels the call: no further attempts are sent once it aborts.
    #[tsify(optional, type = "AbortSignal")]
    signal: Option<()>,
    /// Time limit of each attempt in milliseconds, overriding the client's.
    #[tsify(optional)]
    timeout_ms: Option<f64>,
    /// Retries after the first attempt, overriding the client's.
    #[tsify(optional)]
    max_retries: Option<u32>,
}

const DEFAULT_TIMEOUT_MS: f64 = 30_000.0;
const DEFAULT_MAX_RETRIES: u32 = 2;
const MAX_MAX_RETRIES: u32 = 10;
const MAX_TIMEOUT_MS: f64 = 3_600_000.0;
const DEFAULT_MAX_RESPONSE_BYTES: f64 = 64.0 * 1024.0 * 1024.0;
/// Below the longest string a JS engine makes (V8: 2^29 - 24 characters).
const MAX_MAX_RESPONSE_BYTES: f64 = 500.0 * 1024.0 * 1024.0;

/// A client for one Iterable project (one API key, one region).
#[wasm_bindgen]
pub struct IterableClient {
    inner: Rc<Inner>,
}

fn js_error(e: &ApiError) -> JsValue {
    make_error(&e.to_json(), &JsValue::UNDEFINED)
}

fn invalid(param: &str, message: impl Into<String>) -> ApiError {
    ApiError::validation(vec![Issue { param: param.into(), message: message.into() }])
}

/// A property, read through Reflect (a throwing getter or Proxy trap is an error, not a throw).
fn get(obj: &JsValue, key: &str) -> Result<JsValue, ApiError> {
    Reflect::get(obj, &JsValue::from_str(key)).map_err(|_| invalid(key, "could not be read"))
}

fn given(obj: &JsValue, key: &str) -> Result<Option<JsValue>, ApiError> {
    let v = get(obj, key)?;
    Ok((!v.is_undefined() && !v.is_null()).then_some(v))
}

fn opt_string(obj: &JsValue, key: &str) -> Result<Option<String>, ApiError> {
    match given(obj, key)? {
        None => Ok(None),
        Some(v) => v.as_string().map(Some).ok_or_else(|| invalid(key, "must be a string")),
    }
}

fn opt_number(obj: &JsValue, key: &str, min: f64, max: f64) -> Result<Option<f64>, ApiError> {
    match given(obj, key)?.map(|v| v.as_f64()) {
        None => Ok(None),
        Some(Some(n)) if n.is_finite() && n >= min && n <= max => Ok(Some(n)),
        Some(_) => Err(invalid(key, format!("must be a number from {} to {}", min as u64, max as u64))),
    }
}

fn opt_bool(obj: &JsValue, key: &str) -> Result<Option<bool>, ApiError> {
    match given(obj, key)? {
        None => Ok(None),
        Some(v) => v.as_bool().map(Some).ok_or_else(|| invalid(key, "must be true or false")),
    }
}

fn opt_function(obj: &JsValue, key: &str) -> Result<Option<Function>, ApiError> {
    match given(obj, key)? {
        None => Ok(None),
        Some(v) => v.dyn_into::<Function>().map(Some).map_err(|_| invalid(key, "must be a function")),
    }
}

fn check_keys(obj: &JsValue, known: &[&str], what: &str) -> Result<(), ApiError> {
    if !obj.is_object() {
        return Ok(());
    }
    // Any object, including one with a null prototype (not `instanceof Object`).
    let keys = Reflect::own_keys(obj.unchecked_ref::<Object>()).map_err(|_| invalid("", format!("the {what}s could not be read")))?;
    for k in keys.iter() {
        // Symbol keys are not options.
        let Some(k) = k.as_string() else { continue };
        if !known.contains(&k.as_str()) {
            return Err(invalid(&core::error::excerpt(&k, 64), format!("unknown {what}; known: {}", core::validate::join(known, "", ", "))));
        }
    }
    Ok(())
}

fn call_options(inner: &Inner, options: Option<Object>) -> Result<Call, ApiError> {
    let mut call = Call { timeout_ms: inner.timeout_ms, max_retries: inner.max_retries, max_response_bytes: inner.max_response_bytes };
    let Some(o) = options else { return Ok(call) };
    let o: JsValue = o.into();
    if !o.is_object() {
        return Err(invalid("options", "must be an object"));
    }
    check_keys(&o, &["signal", "timeoutMs", "maxRetries"], "call option")?;
    if let Some(s) = given(&o, "signal")? {
        let signal = s.dyn_into::<web_sys::AbortSignal>().map_err(|_| invalid("signal", "must be an AbortSignal"))?;
        // A real signal answers `aborted` with a boolean; an object that only borrows the prototype throws.
        if !Reflect::get(&signal, &JsValue::from_str("aborted")).map(|v| v.as_bool().is_some()).unwrap_or(false) {
            return Err(invalid("signal", "must be an AbortSignal"));
        }
    }
    if let Some(t) = opt_number(&o, "timeoutMs", 1.0, MAX_TIMEOUT_MS)? {
        call.timeout_ms = t;
    }
    if let Some(r) = opt_number(&o, "maxRetries", 0.0, MAX_MAX_RETRIES as f64)? {
        call.max_retries = r as u32;
    }
    Ok(call)
}

/// JSON text of a JS input value; BigInt, cycles and throwing getters become validation errors.
fn input_json(def: &ActionDef, input: &JsValue) -> Result<String, ApiError> {
    if input.is_undefined() || input.is_null() {
        return Ok("{}".into());
    }
    if !input.is_object() {
        let what = input.js_typeof().as_string().unwrap_or_default();
        return Err(invalid("", format!("input must be an object, got {what}")).with_action(def.id));
    }
    // Only catching calls touch the value (a revoked Proxy throws on Array.isArray).
    match js_sys::JSON::stringify(input) {
        Ok(s) => match s.as_string() {
            Some(t) if t.starts_with('[') => Err(invalid("", "input must be an object, got array").with_action(def.id)),
            Some(t) => Ok(t),
            None => Err(invalid("", "input cannot be turned into JSON").with_action(def.id)),
        },
        Err(e) => {
            let why = e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_default();
            Err(invalid("", format!("input cannot be turned into JSON data ({})", core::error::excerpt(&why, 120))).with_action(def.id))
        }
    }
}

/// FNV-1a of the key: rate-limit buckets are shared by clients of one key in this isolate
/// without keeping another copy of the key.
fn fingerprint(key: &str) -> u64 {
    key.bytes().fold(0xcbf29ce484222325, |h, b| (h ^ b as u64).wrapping_mul(0x100000001b3))
}

#[wasm_bindgen]
impl IterableClient {
    /// Creates a client. Throws an `IterableError` (ValidationError) for bad options.
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "ClientOptions")] options: JsValue) -> Result<IterableClient, JsValue> {
        Self::from_options(&options).map_err(|e| js_error(&e))
    }

    fn from_options(o: &JsValue) -> Result<IterableClient, ApiError> {
        if !o.is_object() {
            return Err(invalid("options", "new IterableClient({ apiKey, region?, baseUrl?, ... }) needs an options object"));
        }
        check_keys(
            o,
            &["apiKey", "region", "baseUrl", "maxRetries", "timeoutMs", "maxResponseBytes", "rateLimit", "eventIds", "jwt", "onRequest", "onResponse", "onRetry", "fetch"],
            "client option",
        )?;
        let api_key = opt_string(o, "apiKey")?.unwrap_or_default();
        core::check_api_key(&api_key)?;
        let region = opt_string(o, "region")?;
        let base_url = opt_string(o, "baseUrl")?;
        let base = core::request::base_url(region.as_deref(), base_url.as_deref())?;
        let region = if base_url.is_some() {
            "custom"
        } else if base == core::request::EU_BASE {
            "eu"
        } else {
            "us"
        };
        let max_retries = opt_number(o, "maxRetries", 0.0, MAX_MAX_RETRIES as f64)?.map(|n| n as u32).unwrap_or(DEFAULT_MAX_RETRIES);
        let timeout_ms = opt_number(o, "timeoutMs", 1.0, MAX_TIMEOUT_MS)?.unwrap_or(DEFAULT_TIMEOUT_MS);
        let max_response_bytes = opt_number(o, "maxResponseBytes", 1.0, MAX_MAX_RESPONSE_BYTES)?.unwrap_or(DEFAULT_MAX_RESPONSE_BYTES);
        let rate_limit = opt_bool(o, "rateLimit")?.unwrap_or(true);
        let event_ids = match opt_string(o, "eventIds") {
            Ok(None) => false,
            Ok(Some(v)) if v == "auto" => true,
            _ => return Err(invalid("eventIds", "must be \"auto\"")),
        };
        let jwt = opt_function(o, "jwt")?;
        let hooks = Hooks {
            on_request: opt_function(o, "onRequest")?,
            on_response: opt_function(o, "onResponse")?,
            on_retry: opt_function(o, "onRetry")?,
            fetch: opt_function(o, "fetch")?,
        };
        let key_id = fingerprint(&api_key);
        Ok(IterableClient { inner: Rc::new(Inner::new(api_key, key_id, base, region, max_retries, timeout_ms, max_response_bytes, rate_limit, event_ids, jwt, hooks)) })
    }

    /// The descriptor of a call (sans IO: transport.js sends it), or its error (thrown).
    /// Lines: action index, result kind (`j` JSON, `e` JSON whose result is Iterable's whole
    /// envelope, `t` text, `l` JSON lines), paced (`1`/`0`),
    /// timeoutMs, maxRetries, maxResponseBytes, method, URL, the number of headers, then each
    /// header's name and value on a line of its own, then `b` and the body to the end, or `-`.
    /// `checked_items`: a bulk chunk's items param, whose items the plan already checked one by
    /// one (their rules are not applied again; everything else is).
    fn begin_with(&self, def: &'static ActionDef, input: Result<String, ApiError>, options: Option<Object>, checked_items: Option<&str>) -> Result<String, JsValue> {
        let inner = &self.inner;
        let fail = |e: ApiError| make_error(&inner.end(def, e, 0), &JsValue::UNDEFINED);
        let call = call_options(inner, options).map_err(fail)?;
        core::validate::set_now(js_sys::Date::now());
        let request = core::prepare_in(def, &input.map_err(fail)?, &inner.base, checked_items).map_err(fail)?;
        Ok(inner.describe(def, &request, &call))
    }

    /// The action for an id, or the error to throw.
    fn find(id: &JsValue) -> Result<&'static ActionDef, JsValue> {
        let found = match id.as_string() {
            Some(s) => core::action(&s),
            None => Err(invalid("id", "the action id must be a string")),
        };
        found.map_err(|e| js_error(&e))
    }

    /// A call's descriptor (see `begin_with`); the input is read now, so later mutation by the
    /// caller changes nothing. Used by transport.js.
    #[wasm_bindgen(skip_typescript, js_name = _begin)]
    pub fn begin(&self, id: JsValue, input: JsValue, options: Option<Object>) -> Result<String, JsValue> {
        let def = Self::find(&id)?;
        self.begin_with(def, input_json(def, &input), options, None)
    }

    /// The descriptor of request `i` of a bulk plan. Used by `bulk()`.
    #[wasm_bindgen(skip_typescript, js_name = _beginChunk)]
    pub fn begin_chunk(&self, plan: &BulkPlan, i: usize, options: Option<Object>) -> Result<String, JsValue> {
        let def = defs::get(plan.index);
        match plan.chunks.get(i) {
            Some(c) => self.begin_with(def, Ok(c.input.clone()), options, def.bulk.as_ref().map(|b| b.items.as_str())),
            None => Err(js_error(&invalid("chunk", "no such request in the plan"))),
        }
    }

    /// Reserves the rate-limit slot of action `index`: the ms to wait before sending.
    #[wasm_bindgen(skip_typescript, js_name = _pace)]
    pub fn pace(&self, index: usize) -> f64 {
        self.inner.pace(defs::get(index))
    }

    /// The cached JWT while fresh and not `stale`, else undefined (ask the provider).
    #[wasm_bindgen(skip_typescript, js_name = _token)]
    pub fn token(&self, stale: Option<String>) -> Option<String> {
        self.inner.cached_token(stale.as_deref())
    }

    /// Takes the provider's answer (`failed`: what it threw): the token to send, or throws the
    /// call's JwtError.
    #[wasm_bindgen(skip_typescript, js_name = _acceptToken)]
    pub fn accept_token(&self, index: usize, value: JsValue, failed: bool, attempts: u32) -> Result<String, JsValue> {
        self.inner.accept_token(&value, failed).map_err(|e| make_error(&self.inner.end(defs::get(index), e, attempts), &JsValue::UNDEFINED))
    }

    /// What an attempt's outcome means (see client::Verdict).
    #[wasm_bindgen(skip_typescript, js_name = _judge)]
    #[allow(clippy::too_many_arguments)]
    pub fn judge(&self, index: usize, text_mode: bool, timeout_ms: f64, max_retries: u32, max_bytes: f64, attempts: u32, retries: u32, status: u16, text: &str, extra: Option<String>, jwt_retry: bool) -> String {
        let call = Call { timeout_ms, max_retries, max_response_bytes: max_bytes };
        self.inner.judge(defs::get(index), text_mode, &call, attempts, retries, status, text, extra.as_deref(), jwt_retry).0
    }

    /// The error JSON of a call that ends without a verdict (aborted while waiting).
    #[wasm_bindgen(skip_typescript, js_name = _fail)]
    pub fn fail(&self, index: usize, kind: &str, attempts: u32) -> String {
        let call = Call { timeout_ms: self.inner.timeout_ms, max_retries: 0, max_response_bytes: self.inner.max_response_bytes };
        self.inner.end(defs::get(index), client::failure_error(kind, "", &call), attempts)
    }

    /// The functions given as options, for transport.js: [jwt, onRequest, onResponse, onRetry, fetch].
    #[wasm_bindgen(getter, skip_typescript, js_name = _fns)]
    pub fn fns(&self) -> js_sys::Array {
        let i = &self.inner;
        let f = |o: &Option<Function>| o.as_ref().map(JsValue::from).unwrap_or(JsValue::UNDEFINED);
        js_sys::Array::of5(&f(&i.jwt), &f(&i.hooks.on_request), &f(&i.hooks.on_response), &f(&i.hooks.on_retry), &f(&i.hooks.fetch))
    }

    /// The base URL requests go to.
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.inner.base.clone()
    }

    /// Whether the client was made with `eventIds: "auto"` (api.js reads it once, when it attaches
    /// the wasm client: cheaper at start-up than `toJSON()`).
    #[wasm_bindgen(getter, skip_typescript, js_name = _eventIds)]
    pub fn event_ids_auto(&self) -> bool {
        self.inner.event_ids
    }

    /// "us", "eu" or "custom" (baseUrl given).
    #[wasm_bindgen(getter)]
    pub fn region(&self) -> String {
        self.inner.region.to_string()
    }

    /// A safe description of the client (never the key or a token).
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "{ region: string; baseUrl: string; maxRetries: number; timeoutMs: number; rateLimit: boolean; eventIds: \"auto\" | \"off\"; jwt: boolean }")]
    pub fn to_json(&self) -> JsValue {
        let i = &self.inner;
        let mut text = String::from("{\"region\":");
        core::json::write_str(&mut text, i.region);
        text.push_str(",\"baseUrl\":");
        core::json::write_str(&mut text, &i.base);
        text.push_str(&format!(
            ",\"maxRetries\":{},\"timeoutMs\":{},\"rateLimit\":{},\"eventIds\":\"{}\",\"jwt\":{}}}",
            i.max_retries,
            i.timeout_ms as u64,
            i.rate_limit,
            if i.event_ids { "auto" } else { "off" },
            i.jwt.is_some()
        ));
        js_sys::JSON::parse(&text).unwrap_or(JsValue::NULL)
    }

    #[wasm_bindgen(js_name = toString)]
    pub fn to_string_js(&self) -> String {
        format!("IterableClient({}, {})", self.inner.region, self.inner.base)
    }
}

/// A bulk call cut into requests (see `bulk()` in api.js).
#[wasm_bindgen(skip_typescript)]
pub struct BulkPlan {
    index: usize,
    chunks: Vec<core::bulk::Chunk>,
    rejected: Vec<core::bulk::Failure>,
    total: usize,
}

#[wasm_bindgen]
impl BulkPlan {
    /// Plans the requests for `items` (JSON text) with the other params in `input` (JSON text).
    /// Throws an IterableError (ValidationError) when any request would be invalid.
    #[wasm_bindgen(constructor)]
    pub fn new(id: JsValue, input: String, items: String, client: &IterableClient) -> Result<BulkPlan, JsValue> {
        let def = IterableClient::find(&id)?;
        core::validate::set_now(js_sys::Date::now());
        let plan = core::bulk::plan(def, &input, &items, &client.inner.base).map_err(|e| js_error(&client.inner.redact(e)))?;
        Ok(BulkPlan { index: def.index, chunks: plan.chunks, rejected: plan.rejected, total: plan.total })
    }

    #[wasm_bindgen(getter)]
    pub fn requests(&self) -> usize {
        self.chunks.len()
    }

    #[wasm_bindgen(getter)]
    pub fn total(&self) -> usize {
        self.total
    }

    /// Item indexes of request `i`, as JSON text.
    pub fn indices(&self, i: usize) -> String {
        let list = self.chunks.get(i).map(|c| c.indices.as_slice()).unwrap_or(&[]);
        let mut out = String::from("[");
        for (k, n) in list.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            out.push_str(&n.to_string());
        }
        out.push(']');
        out
    }

    /// Items refused before sending, as JSON text.
    #[wasm_bindgen(js_name = rejectedJson)]
    pub fn rejected_json(&self) -> String {
        core::bulk::failures_json(&self.rejected)
    }

    /// The items request `i`'s response reports as failed, as JSON text.
    #[wasm_bindgen(js_name = failuresJson)]
    pub fn failures_json(&self, i: usize, response: &str) -> String {
        let def = defs::get(self.index);
        match (def.bulk.as_ref(), self.chunks.get(i)) {
            (Some(b), Some(c)) => core::bulk::failures_json(&core::bulk::failures(b, c, response)),
            _ => "[]".to_string(),
        }
    }
}

/// Incremental parser of a streamed body (see `stream()` in api.js).
#[wasm_bindgen(skip_typescript, js_name = StreamParser)]
pub struct JsStreamParser {
    inner: core::stream::StreamParser,
}

fn stream_error(e: core::stream::StreamError) -> JsValue {
    let mut err = ApiError::new(core::error::codes::INVALID_RESPONSE, format!("record {}: {}", e.record, e.message));
    err.retryable = false;
    js_error(&err)
}

#[wasm_bindgen(js_class = StreamParser)]
impl JsStreamParser {
    /// `format`: "jsonl", "csv" or "lines"; `delimiter`: the CSV field separator (one ASCII char).
    #[wasm_bindgen(constructor)]
    pub fn new(format: &str, delimiter: &str) -> JsStreamParser {
        let format = match format {
            "csv" => core::stream::Format::Csv,
            "jsonl" => core::stream::Format::Jsonl,
            _ => core::stream::Format::Lines,
        };
        let delimiter = match delimiter.as_bytes() {
            [b] if b.is_ascii() && *b != b'"' && *b != b'\n' && *b != b'\r' => *b,
            _ => b',',
        };
        JsStreamParser { inner: core::stream::StreamParser::new(format, delimiter) }
    }

    /// Feeds a chunk; returns the records it completed as JSON array text.
    pub fn push(&mut self, chunk: &[u8]) -> Result<String, JsValue> {
        self.inner.push(chunk).map_err(stream_error)
    }

    /// End of the body; returns the last records as JSON array text.
    pub fn finish(&mut self) -> Result<String, JsValue> {
        self.inner.finish().map_err(stream_error)
    }
}

/// The catalog as JSON text (parsed into `actions` on first use).
#[wasm_bindgen(js_name = catalogJson)]
pub fn catalog_json() -> String {
    CATALOG_JSON.to_string()
}

/// Every action id in catalog order, comma-separated (the JS methods are installed from it at
/// import; the catalog's entries carry no id of their own).
#[wasm_bindgen(js_name = actionIds)]
pub fn action_ids() -> String {
    core::validate::join(&defs::ids_in_order().collect::<Vec<_>>(), "", ",")
}
