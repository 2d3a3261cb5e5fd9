//! One attempt: the request the core built, plus credentials, sent to the network (reqwest
//! natively) or answered in-process by the sandbox. No retries here (the client's loop does them).

#[cfg(not(target_arch = "wasm32"))]
use iterable_wasm::core::defs::Method;
use iterable_wasm::core::request::HttpRequest;
use std::time::Duration;

/// A request as the transport sends it: the core's request, plus what the native transport
/// would otherwise make again on every attempt (method, body bytes shared by the retries).
/// Natively the body moves into `body` (no copy); read it as text with [`Prepared::body`].
pub(crate) struct Prepared {
    pub req: HttpRequest,
    #[cfg(not(target_arch = "wasm32"))]
    method: reqwest::Method,
    #[cfg(not(target_arch = "wasm32"))]
    body: Option<bytes::Bytes>,
}

impl Prepared {
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn new(mut req: HttpRequest) -> Prepared {
        Prepared {
            method: match req.method {
                Method::Get => reqwest::Method::GET,
                Method::Post => reqwest::Method::POST,
                Method::Put => reqwest::Method::PUT,
                Method::Patch => reqwest::Method::PATCH,
                Method::Delete => reqwest::Method::DELETE,
            },
            body: req.body.take().map(bytes::Bytes::from),
            req,
        }
    }

    #[cfg(target_arch = "wasm32")]
    pub(crate) fn new(req: HttpRequest) -> Prepared {
        Prepared { req }
    }

    /// The body the core built (JSON text), for hooks and the in-process sandbox.
    pub(crate) fn body(&self) -> Option<&str> {
        #[cfg(not(target_arch = "wasm32"))]
        return self.body.as_deref().and_then(|b| std::str::from_utf8(b).ok());
        #[cfg(target_arch = "wasm32")]
        return self.req.body.as_deref();
    }
}

/// The header names the core uses, as reqwest's own (no parsing per request).
#[cfg(not(target_arch = "wasm32"))]
fn header_name(name: &'static str) -> Result<reqwest::header::HeaderName, Failure> {
    use reqwest::header::{HeaderName, ACCEPT, CONTENT_TYPE};
    match name {
        "Accept" => Ok(ACCEPT),
        "Content-Type" => Ok(CONTENT_TYPE),
        other => HeaderName::from_bytes(other.as_bytes()).map_err(|_| Failure::Network(format!("{other} is not a header name"))),
    }
}

/// A header value the core uses, checked when this crate was compiled for the usual ones (the
/// check of `from_static` otherwise runs on every request).
#[cfg(not(target_arch = "wasm32"))]
fn header_value(value: &'static str) -> reqwest::header::HeaderValue {
    use reqwest::header::HeaderValue;
    const JSON: HeaderValue = HeaderValue::from_static("application/json");
    match value {
        "application/json" => JSON,
        other => HeaderValue::from_static(other),
    }
}

/// The API key's header name, checked when this crate was compiled.
#[cfg(not(target_arch = "wasm32"))]
const API_KEY: reqwest::header::HeaderName = reqwest::header::HeaderName::from_static("api-key");

/// The API key, and natively its header value, made once per client and marked sensitive (so
/// reqwest and hyper never show it).
pub(crate) struct Auth {
    pub key: String,
    #[cfg(not(target_arch = "wasm32"))]
    header: Option<reqwest::header::HeaderValue>,
}

impl Auth {
    pub(crate) fn new(key: &str) -> Auth {
        Auth {
            key: key.to_string(),
            #[cfg(not(target_arch = "wasm32"))]
            header: reqwest::header::HeaderValue::from_str(key).ok().map(|mut v| {
                v.set_sensitive(true);
                v
            }),
        }
    }
}

/// A complete answer.
pub(crate) struct Reply {
    pub status: u16,
    pub body: String,
    /// The raw `Retry-After` header.
    pub retry_after: Option<String>,
}

/// No usable answer.
pub(crate) enum Failure {
    Timeout,
    Network(String),
    /// The body is longer than the bound (status of the answer).
    TooLarge(u16),
    /// A 3xx (status, `Location`): never followed, so the key goes nowhere else.
    Redirect(u16, String),
}

pub(crate) enum Backend {
    #[cfg(not(target_arch = "wasm32"))]
    Http(reqwest::Client, Option<Origin>),
    /// The engine's `fetch` (browsers, Workers).
    #[cfg(target_arch = "wasm32")]
    Fetch,
    #[cfg(feature = "sandbox")]
    Sandbox(std::sync::Arc<std::sync::Mutex<iterable_sandbox::Sandbox>>),
}

/// Sleeps without blocking the executor.
pub(crate) async fn sleep(d: Duration) {
    if d.is_zero() {
        return;
    }
    #[cfg(not(target_arch = "wasm32"))]
    tokio::time::sleep(d).await;
    #[cfg(target_arch = "wasm32")]
    gloo_timers::future::sleep(d).await;
}

/// One fetch: redirects not followed, aborted at `timeout`, body bounded by `max_bytes`.
#[cfg(target_arch = "wasm32")]
async fn fetch(req: &HttpRequest, api_key: &str, bearer: Option<&str>, timeout: Duration, max_bytes: usize) -> Result<Reply, Failure> {
    use gloo_net::http::{Method, RequestBuilder};
    use std::cell::Cell;
    use std::rc::Rc;
    let controller = web_sys::AbortController::new().map_err(|_| Failure::Network("AbortController is not available".into()))?;
    let fired = Rc::new(Cell::new(false));
    let timer = {
        let (controller, fired) = (controller.clone(), fired.clone());
        gloo_timers::callback::Timeout::new(timeout.as_millis().min(u32::MAX as u128) as u32, move || {
            fired.set(true);
            controller.abort();
        })
    };
    let method = match req.method.as_str() {
        "GET" => Method::GET,
        "POST" => Method::POST,
        "PUT" => Method::PUT,
        "PATCH" => Method::PATCH,
        "DELETE" => Method::DELETE,
        other => return Err(Failure::Network(format!("method {other} is not supported"))),
    };
    let mut rb = RequestBuilder::new(&req.url).method(method).redirect(web_sys::RequestRedirect::Manual).abort_signal(Some(&controller.signal()));
    for (k, v) in &req.headers {
        rb = rb.header(k, v);
    }
    rb = rb.header("Api-Key", api_key);
    if let Some(t) = bearer {
        rb = rb.header("Authorization", &format!("Bearer {t}"));
    }
    let request = match &req.body {
        Some(b) => rb.body(b.as_str()),
        None => rb.build(),
    }
    .map_err(|e| Failure::Network(e.to_string()))?;
    let fail = |e: gloo_net::Error| if fired.get() { Failure::Timeout } else { Failure::Network(e.to_string()) };
    let resp = request.send().await.map_err(fail)?;
    let status = resp.status();
    // A manual redirect is an opaque answer with status 0.
    if status == 0 || ((300..400).contains(&status) && status != 304) {
        return Err(Failure::Redirect(status, resp.headers().get("location").unwrap_or_default()));
    }
    if resp.headers().get("content-length").and_then(|n| n.parse::<u64>().ok()).is_some_and(|n| n > max_bytes as u64) {
        return Err(Failure::TooLarge(status));
    }
    let retry_after = resp.headers().get("retry-after");
    let body = resp.text().await.map_err(fail)?;
    drop(timer);
    if body.len() > max_bytes {
        return Err(Failure::TooLarge(status));
    }
    Ok(Reply { status, body, retry_after })
}

/// The base URL's origin (`scheme://host[:port]`), parsed once per client: a call's URL is the
/// rest of its text (`/api/...?...`) read against it, which is what reading the whole text
/// gives (the URL standard takes a path-absolute reference's scheme, host and port from its
/// base and reads its path and query as it would in an absolute URL), without reading and
/// checking the host (IDNA, IP forms) again on every attempt. A text that does not start with
/// the origin followed by one `/` is read whole, as before.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) struct Origin {
    /// The origin as the base URL spells it (the prefix of every call's URL).
    text: String,
    /// That origin with the path `/`.
    url: reqwest::Url,
}

#[cfg(not(target_arch = "wasm32"))]
impl Origin {
    pub(crate) fn new(base: &str) -> Option<Origin> {
        let authority = base.find("://")? + 3;
        let end = base[authority..].find('/').map_or(base.len(), |i| authority + i);
        let text = &base[..end];
        // A backslash ends a special URL's host: leave such a base to the whole-text reading.
        if text.contains('\\') {
            return None;
        }
        let url = reqwest::Url::parse(&format!("{text}/")).ok()?;
        Some(Origin { text: text.to_string(), url })
    }

    /// `full` read as a URL, when it is the origin followed by a path-absolute reference (one
    /// `/`, not `//` or `/\`, which would name another host; and no tab or line break, which the
    /// reading drops before it looks: `/` + line break + `/` is `//`).
    pub(crate) fn url(&self, full: &str) -> Option<reqwest::Url> {
        let rest = full.strip_prefix(self.text.as_str())?;
        let b = rest.as_bytes();
        if b.first() != Some(&b'/') || matches!(b.get(1), Some(b'/' | b'\\')) || b.iter().any(|c| matches!(c, b'\t' | b'\n' | b'\r')) {
            return None;
        }
        reqwest::Url::options().base_url(Some(&self.url)).parse(rest).ok()
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn http_client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().map_err(|e| e.to_string())
}

/// The text of a transport error with every cause, and no URL (a query may hold user data).
#[cfg(not(target_arch = "wasm32"))]
fn network_text(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// One attempt through reqwest. What only a rare answer needs (a redirect, a body without a
/// length, a failure's text) is in functions of its own, out of the common path's way.
#[cfg(not(target_arch = "wasm32"))]
async fn send_http(http: &reqwest::Client, origin: Option<&Origin>, prepared: &Prepared, auth: &Auth, bearer: Option<&str>, timeout: Duration, max_bytes: usize) -> Result<Reply, Failure> {
    let req = &prepared.req;
    let rb = match origin.and_then(|o| o.url(&req.url)) {
        Some(url) => http.request(prepared.method.clone(), url),
        None => http.request(prepared.method.clone(), req.url.as_str()),
    };
    let mut rb = rb.timeout(timeout);
    for (k, v) in &req.headers {
        rb = rb.header(header_name(k)?, header_value(v));
    }
    // The key was checked when the client was made (header-safe characters only).
    let Some(key) = auth.header.clone() else { return Err(network("the API key is not a valid header value")) };
    rb = rb.header(API_KEY, key);
    if let Some(t) = bearer {
        rb = rb.header(reqwest::header::AUTHORIZATION, bearer_value(t)?);
    }
    if let Some(b) = &prepared.body {
        rb = rb.body(b.clone());
    }
    let resp = rb.send().await.map_err(failure)?;
    let status = resp.status().as_u16();
    if (300..400).contains(&status) && status != 304 {
        return Err(redirect(status, &resp));
    }
    // The core reads Retry-After for a failure's status only.
    let retry_after = if (200..300).contains(&status) { None } else { header_text(&resp, reqwest::header::RETRY_AFTER) };
    let bytes = match resp.content_length() {
        Some(n) if n > max_bytes as u64 => return Err(Failure::TooLarge(status)),
        // A declared length within the bound: read whole (hyper stops at the length).
        Some(_) => Vec::from(resp.bytes().await.map_err(failure)?),
        None => chunks(resp, status, max_bytes).await?,
    };
    let body = String::from_utf8(bytes).unwrap_or_else(|e| lossy(e.as_bytes()));
    Ok(Reply { status, body, retry_after })
}

/// A body without a declared length, read chunk by chunk up to the bound.
#[cfg(not(target_arch = "wasm32"))]
#[inline(never)]
async fn chunks(mut resp: reqwest::Response, status: u16, max_bytes: usize) -> Result<Vec<u8>, Failure> {
    let mut bytes = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(failure)? {
        if bytes.len() + chunk.len() > max_bytes {
            return Err(Failure::TooLarge(status));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

#[cfg(not(target_arch = "wasm32"))]
fn header_text(resp: &reqwest::Response, name: reqwest::header::HeaderName) -> Option<String> {
    resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

#[cfg(not(target_arch = "wasm32"))]
#[cold]
#[inline(never)]
fn redirect(status: u16, resp: &reqwest::Response) -> Failure {
    Failure::Redirect(status, header_text(resp, reqwest::header::LOCATION).unwrap_or_default())
}

#[cfg(not(target_arch = "wasm32"))]
#[cold]
#[inline(never)]
fn failure(e: reqwest::Error) -> Failure {
    if e.is_timeout() {
        Failure::Timeout
    } else {
        Failure::Network(network_text(e))
    }
}

#[cfg(not(target_arch = "wasm32"))]
#[cold]
#[inline(never)]
fn network(why: &str) -> Failure {
    Failure::Network(why.to_string())
}

#[cfg(not(target_arch = "wasm32"))]
#[cold]
#[inline(never)]
fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `Authorization: Bearer <jwt>`, marked sensitive.
#[cfg(not(target_arch = "wasm32"))]
fn bearer_value(token: &str) -> Result<reqwest::header::HeaderValue, Failure> {
    let mut v = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| network("the JWT is not a valid header value"))?;
    v.set_sensitive(true);
    Ok(v)
}

impl Backend {
    /// One attempt; `bearer`: the JWT of a JWT-enabled key.
    pub(crate) async fn send(&self, prepared: &Prepared, auth: &Auth, bearer: Option<&str>, timeout: Duration, max_bytes: usize) -> Result<Reply, Failure> {
        let req = &prepared.req;
        match self {
            #[cfg(target_arch = "wasm32")]
            Backend::Fetch => fetch(req, &auth.key, bearer, timeout, max_bytes).await,
            #[cfg(not(target_arch = "wasm32"))]
            Backend::Http(http, origin) => send_http(http, origin.as_ref(), prepared, auth, bearer, timeout, max_bytes).await,
            #[cfg(feature = "sandbox")]
            Backend::Sandbox(sandbox) => {
                let mut headers = serde_json::Map::new();
                for (k, v) in &req.headers {
                    headers.insert((*k).into(), (*v).into());
                }
                headers.insert("Api-Key".into(), auth.key.as_str().into());
                if let Some(t) = bearer {
                    headers.insert("Authorization".into(), format!("Bearer {t}").into());
                }
                let headers = serde_json::Value::Object(headers).to_string();
                let r = {
                    let mut s = sandbox.lock().unwrap_or_else(|p| p.into_inner());
                    s.handle(req.method.as_str(), &req.url, &headers, prepared.body())
                };
                // The emulator's simulated latency counts against the timeout as the network's would.
                let delay = Duration::from_millis(r.delay_ms);
                if delay > timeout {
                    sleep(timeout).await;
                    return Err(Failure::Timeout);
                }
                sleep(delay).await;
                if r.body.len() > max_bytes {
                    return Err(Failure::TooLarge(r.status));
                }
                let retry_after = r.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("retry-after")).and_then(|(_, v)| match v {
                    serde_json::Value::String(s) => Some(s.clone()),
                    serde_json::Value::Number(n) => Some(n.to_string()),
                    _ => None,
                });
                Ok(Reply { status: r.status, body: r.body, retry_after })
            }
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::Origin;
    use reqwest::Url;

    /// A call's URL read against the origin parsed once is the URL reqwest reads from the whole
    /// text, for the bases a client accepts and for paths and queries of every kind (dot
    /// segments, percent escapes, fragments, spaces, tabs, backslashes, non-ASCII), written out
    /// and drawn at random (a fixed seed).
    #[test]
    fn origin_reading_is_the_whole_texts() {
        let bases = [
            "https://api.iterable.com",
            "https://api.eu.iterable.com",
            "https://API.Iterable.COM:443",
            "https://api.iterable.com:8443/prefix/v1",
            "http://127.0.0.1:8080",
            "http://localhost",
            "http://LOCALHOST:80",
            "http://[::1]:9",
            "http://[0:0::1]",
            "http://127.1:5",
            "https://bücher.example",
            "https://xn--bcher-kva.example",
            "https://user@host.example",
            "https://a%41.example",
            "https://256.1.1.1",
            "https://exa mple.com",
        ];
        let rests = [
            "/api/events/track",
            "/api/users/getByEmail?email=ada%40example.com",
            "/api/catalogs/a%2Fb/items/x?fields=a&fields=b",
            "/api/catalogs/../x",
            "/api/catalogs/./x/.",
            "/api/catalogs/%2e%2E/x",
            "/api/catalogs/%2E",
            "/api/x?y=1#z",
            "/api/x#frag?no",
            "/api/é?q=ü",
            "/api/a b?c d",
            "/api/\ta\nb\r?q=\t1",
            "/api\\x\\y",
            "/api/x?q=%zz&r=[]{}|^`'\"<>",
            "/",
            "/?",
            "/#",
            "/api/x ",
            "/api/x?",
            "//evil.example/x",
            "/\\evil.example/x",
            "api/x",
            "",
            "?q=1",
            ":99/api",
        ];
        let mut compared = 0;
        let mut check = |base: &str, rest: &str| {
            let full = format!("{base}{rest}");
            let Some(origin) = Origin::new(base) else {
                return;
            };
            if let Some(fast) = origin.url(&full) {
                assert_eq!(Ok(fast), Url::parse(&full), "{full:?}");
                compared += 1;
            }
        };
        for base in bases {
            for rest in rests {
                check(base, rest);
            }
        }
        let alphabet: Vec<char> = "/?#%.\\ \t\n:@[]2eE0aZ-_~é€\u{0}\u{7f}&=+;,'\"<>`{}|^".chars().collect();
        let mut rng = fastrand::Rng::with_seed(26);
        for i in 0..20_000 {
            let len = rng.usize(0..24);
            let rest: String = std::iter::once('/').chain((0..len).map(|_| alphabet[rng.usize(..alphabet.len())])).collect();
            check(bases[i % bases.len()], &rest);
        }
        assert!(compared > 8_000, "the origin's reading was taken for {compared} URLs");
        // The usual bases are taken so.
        for base in ["https://api.iterable.com", "http://127.0.0.1:8080", "http://[::1]:9", "https://api.iterable.com:8443/prefix/v1"] {
            assert!(Origin::new(base).and_then(|o| o.url(&format!("{base}/api/events/track"))).is_some(), "{base}");
        }
    }
}
