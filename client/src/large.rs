//! Large work, as the npm package does it: every page of a paginated action as a
//! [`Stream`](futures_util::Stream), and a list of items sent through a bulk action in requests
//! within its documented limits, with bounded concurrency and one report.

use crate::{Client, IterableError};
use futures_util::stream::{self, Stream, StreamExt, TryStreamExt};
use iterable_wasm::core::{
    self as core,
    defs::{ActionDef, PageStyle},
    error::{codes, ApiError, Issue},
};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::collections::HashSet;

fn invalid(id: &str, message: String) -> IterableError {
    ApiError::validation(vec![Issue { param: String::new(), message }]).with_action(id).into()
}

/// The items of a page: the action's items field, else the lines of a text page, the page itself
/// when it is a list, or the only list in it.
fn items_of(def: &ActionDef, page: Value) -> Vec<Value> {
    if let Some(key) = def.pagination.as_ref().and_then(|p| p.items.as_deref()) {
        return match page {
            Value::Object(mut m) => match m.remove(key) {
                Some(Value::Array(a)) => a,
                _ => vec![],
            },
            _ => vec![],
        };
    }
    match page {
        Value::String(s) => s.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).filter(|l| !l.is_empty()).map(|l| Value::String(l.into())).collect(),
        Value::Array(a) => a,
        Value::Object(m) => {
            let mut arrays = m.into_iter().filter_map(|(_, v)| match v {
                Value::Array(a) => Some(a),
                _ => None,
            });
            match (arrays.next(), arrays.next()) {
                (Some(a), None) => a,
                _ => vec![],
            }
        }
        _ => vec![],
    }
}

fn has_items(def: &ActionDef, page: &Value) -> bool {
    !items_of(def, page.clone()).is_empty()
}

/// The input of the page after `page`, or `None` at the end.
fn next_input(def: &ActionDef, cur: &Map<String, Value>, page: &Value) -> Option<Map<String, Value>> {
    let p = def.pagination.as_ref()?;
    let mut next = cur.clone();
    match p.style {
        PageStyle::Page => {
            page.get("nextPageUrl").and_then(Value::as_str).filter(|u| !u.is_empty())?;
            let n = cur.get("page").and_then(Value::as_i64).unwrap_or(1);
            next.insert("page".into(), (n + 1).into());
        }
        PageStyle::StartAfter => {
            let last = page.get("files").and_then(Value::as_array).and_then(|f| f.last())?;
            next.insert("startAfter".into(), last.get("file").cloned().unwrap_or(Value::Null));
        }
        PageStyle::NextMarker => {
            let marker = page.get("nextMarker").filter(|m| !m.is_null() && *m != "" && *m != false)?;
            next.insert("nextMarker".into(), marker.clone());
        }
        PageStyle::Limit => return None,
    }
    Some(next)
}

/// Every page (or item) of a paginated action, from [`Client::paginate`]: the pages are fetched
/// one after another as the stream is polled, each under the client's retries and rate limits.
///
/// An empty page after the first ends the listing and is not yielded. A server that sends the
/// same continuation twice ends the stream with an `InvalidResponse` error, as does any failed
/// call (after its retries); nothing is yielded after an error.
#[derive(Debug, Clone)]
pub struct Paginated {
    client: Client,
    id: String,
    input: Value,
    max_pages: u64,
}

struct PageState {
    client: Client,
    def: &'static ActionDef,
    cur: Option<Map<String, Value>>,
    pages: u64,
    max_pages: u64,
    seen: HashSet<String>,
    error: Option<IterableError>,
}

impl Paginated {
    /// At most `n` pages (default: all).
    pub fn max_pages(mut self, n: u64) -> Self {
        self.max_pages = n;
        self
    }

    /// The whole pages, as JSON.
    pub fn pages(self) -> impl Stream<Item = Result<Value, IterableError>> {
        let start = core::action(&self.id).map_err(IterableError::from).and_then(|def| {
            if def.pagination.is_none() {
                return Err(invalid(def.id, format!("{} is not paginated; use execute()", def.id)));
            }
            let mut cur = match self.input {
                Value::Object(m) => m,
                Value::Null => Map::new(),
                other => return Err(invalid(def.id, format!("input must be an object, got {}", json_type(&other)))),
            };
            if def.pagination.as_ref().is_some_and(|p| p.style == PageStyle::Page) && cur.get("page").is_none_or(Value::is_null) {
                cur.insert("page".into(), 1.into());
            }
            Ok((def, cur))
        });
        let (def, cur) = match start {
            Ok(x) => x,
            Err(e) => return stream::once(async move { Err(e) }).left_stream(),
        };
        let state = PageState { client: self.client, def, cur: Some(cur), pages: 0, max_pages: self.max_pages, seen: HashSet::new(), error: None };
        stream::unfold(state, |mut st| async move {
            if let Some(e) = st.error.take() {
                return Some((Err(e), st));
            }
            if st.pages >= st.max_pages {
                return None;
            }
            let cur = st.cur.take()?;
            let page: Value = match st.client.call(st.def, &cur).await {
                Ok(p) => p,
                Err(e) => return Some((Err(e), st)),
            };
            if st.pages > 0 && !has_items(st.def, &page) {
                return None;
            }
            st.pages += 1;
            if let Some(next) = next_input(st.def, &cur, &page) {
                if st.seen.insert(Value::Object(next.clone()).to_string()) {
                    st.cur = Some(next);
                } else {
                    let mut e = ApiError::new(codes::INVALID_RESPONSE, format!("{}: the server sent the same continuation twice", st.def.id)).with_action(st.def.id);
                    e.retryable = false;
                    e.attempts = 1;
                    st.error = Some(e.into());
                }
            }
            Some((Ok(page), st))
        })
        .right_stream()
    }

    /// The whole pages, each read into `R` (the action's result type, such as
    /// [`ListAllCampaignsResult`](crate::results::ListAllCampaignsResult)).
    pub fn typed_pages<R: DeserializeOwned>(self) -> impl Stream<Item = Result<R, IterableError>> {
        let id = self.id.clone();
        self.pages().and_then(move |page| {
            let read = serde_json::from_value(page).map_err(|e| {
                let mut err = ApiError::new(codes::INVALID_RESPONSE, format!("the JSON body could not be parsed: {e}")).with_action(&id);
                err.retryable = false;
                IterableError::from(err)
            });
            async move { read }
        })
    }

    /// Every item of every page (the action's list field), as JSON: what iterating the npm
    /// package's `paginate()` gives.
    pub fn items(self) -> impl Stream<Item = Result<Value, IterableError>> {
        let def = core::action(&self.id).ok();
        self.pages().map_ok(move |page| stream::iter(def.map(|d| items_of(d, page)).unwrap_or_default().into_iter().map(Ok))).try_flatten()
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Options of [`Client::bulk`].
#[derive(Debug, Clone)]
pub struct BulkOptions {
    /// The action's other params (everything but the items), as JSON (default `{}`).
    pub input: Value,
    /// Requests in flight at once (default 4, from 1 to 16).
    pub concurrency: usize,
}

impl Default for BulkOptions {
    fn default() -> Self {
        BulkOptions { input: Value::Object(Map::new()), concurrency: 4 }
    }
}

/// An item that was not taken, by its index in the list given.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkFailure {
    /// Index in the list given (for a documents map, in its key order).
    pub index: usize,
    /// The item's identifier (email, userId, item id, ...), when it has one.
    pub id: Option<String>,
    /// Iterable's failure list that names it (`invalidEmails`, `failedUpdates.notFoundUserIds`,
    /// ...), the error code of its whole request, or why it was refused before sending.
    pub reason: String,
    /// Iterable may have taken it after all: its request got no answer, a 5xx, or a 2xx whose
    /// body could not be read. Check before sending it again.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub maybe_processed: bool,
}

/// A request of the bulk call that failed as a whole.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BulkError {
    /// The request's position in the plan (0-based).
    pub request: usize,
    /// Its error's code.
    pub code: String,
    /// Its HTTP status, when an answer came.
    pub status: Option<u16>,
    /// Its error's one-line message.
    pub message: String,
}

/// What [`Client::bulk`] did with every item: the same report as the npm package's `bulk()`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkReport {
    /// The action id.
    pub action: String,
    /// Items given.
    pub items: usize,
    /// Requests the items were split into.
    pub requests: usize,
    /// Items in requests that were sent (whatever came back).
    pub sent: usize,
    /// Items Iterable took.
    pub succeeded: usize,
    /// Items not taken (each in `failures`).
    pub failed: usize,
    /// Items whose request was never sent.
    pub not_sent: usize,
    /// Items skipped (always 0 here: the crate has no `resume`).
    pub skipped: usize,
    /// Every item not taken, by index.
    pub failures: Vec<BulkFailure>,
    /// The requests that failed as a whole.
    pub errors: Vec<BulkError>,
}

impl Client {
    /// Every page or item of a paginated action (page/pageSize, startAfter, nextMarker, or one
    /// capped page), as a [`Stream`]: `.items()` for the items (the npm package's `paginate()`),
    /// `.pages()` for whole pages, `.typed_pages::<R>()` for pages read into a result type.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// use futures_util::TryStreamExt;
    /// let client = iterable_client::Client::sandbox_with(r#"{"seed": "demo"}"#).unwrap();
    /// let campaigns: Vec<_> = client.paginate("list_all_campaigns", serde_json::json!({"pageSize": 2})).items().try_collect().await.unwrap();
    /// assert!(campaigns.len() > 2, "more than one page");
    /// # });
    /// ```
    pub fn paginate(&self, id: &str, input: Value) -> Paginated {
        Paginated { client: self.clone(), id: id.to_string(), input, max_pages: u64::MAX }
    }

    /// Sends a list of items through a bulk action (`track_events_in_bulk`, `bulk_update_users`,
    /// ...): split into requests within the action's documented limits (items per request, body
    /// bytes), sent `concurrency` at a time under the usual retries and rate limits. Each item is
    /// sent at most once; an item the action's rules refuse is reported and the others still go.
    ///
    /// `items` is a JSON array (or, for catalog documents, an object map). Errors only when
    /// nothing can be planned (an unknown or non-bulk action, items that are not a list, a bad
    /// common param); every other outcome is in the report.
    pub async fn bulk(&self, id: &str, items: Value, options: BulkOptions) -> Result<BulkReport, IterableError> {
        let def = core::action(id)?;
        let Some(b) = def.bulk.as_ref() else { return Err(invalid(def.id, format!("{} is not a bulk action", def.id))) };
        let is_map = matches!(items, Value::Object(_));
        if !(items.is_array() || (is_map && b.items == "documents")) {
            let what = if b.items == "documents" { " or an object map" } else { "" };
            return Err(invalid(def.id, format!("items must be an array{what}")));
        }
        let identify = |index: usize| -> Option<String> {
            match &items {
                Value::Object(m) => m.keys().nth(index).cloned(),
                Value::Array(a) => match a.get(index)? {
                    Value::Object(o) => b.identify.iter().find_map(|f| match o.get(f)? {
                        Value::String(s) => Some(s.clone()),
                        Value::Null => None,
                        v => Some(v.to_string()),
                    }),
                    Value::String(s) => Some(s.clone()),
                    Value::Null => None,
                    v => Some(v.to_string()),
                },
                _ => None,
            }
        };
        core::validate::set_now(crate::epoch_ms());
        let plan = core::bulk::plan(def, &options.input.to_string(), &items.to_string(), self.base_url()).map_err(|e| IterableError::from(e.with_action(def.id)))?;
        let mut report = BulkReport {
            action: def.id.to_string(),
            items: plan.total,
            requests: plan.chunks.len(),
            sent: 0,
            succeeded: 0,
            failed: plan.rejected.len(),
            not_sent: 0,
            skipped: 0,
            failures: plan.rejected.iter().map(|f| BulkFailure { index: f.index, id: f.id.clone().or_else(|| identify(f.index)), reason: f.reason.clone(), maybe_processed: false }).collect(),
            errors: vec![],
        };
        let concurrency = options.concurrency.clamp(1, 16);
        let base = self.base_url().to_string();
        let outcomes: Vec<(usize, Result<Vec<core::bulk::Failure>, IterableError>)> = stream::iter(plan.chunks.iter().enumerate())
            .map(|(i, chunk)| {
                let base = &base;
                async move {
                    let sent = async {
                        let request = core::bulk::request(def, chunk, base).map_err(|e| IterableError::from(e.with_action(def.id)))?;
                        let answer: Value = self.send(def, request).await?;
                        Ok(core::bulk::failures(b, chunk, &answer.to_string()))
                    };
                    (i, sent.await)
                }
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        for (i, outcome) in outcomes {
            let indices = &plan.chunks[i].indices;
            match outcome {
                Ok(failures) => {
                    report.sent += indices.len();
                    report.failed += failures.len();
                    report.succeeded += indices.len() - failures.len();
                    report.failures.extend(failures.into_iter().map(|f| BulkFailure { index: f.index, id: f.id.or_else(|| identify(f.index)), reason: f.reason, maybe_processed: false }));
                }
                Err(e) => {
                    // The request failed as a whole: each of its items gets the error's code,
                    // maybeProcessed where Iterable may have taken it.
                    let sent = e.attempts > 0;
                    let maybe = sent && (e.code == codes::NETWORK || e.code == codes::TIMEOUT || e.status.is_some_and(|s| !(300..500).contains(&s)));
                    if sent {
                        report.sent += indices.len();
                    } else {
                        report.not_sent += indices.len();
                    }
                    report.failed += indices.len();
                    report.errors.push(BulkError { request: i, code: e.code.clone(), status: e.status, message: e.to_string() });
                    report.failures.extend(indices.iter().map(|&index| BulkFailure { index, id: identify(index), reason: e.code.clone(), maybe_processed: maybe }));
                }
            }
        }
        report.failures.sort_by_key(|f| f.index);
        report.errors.sort_by_key(|e| e.request);
        Ok(report)
    }
}
