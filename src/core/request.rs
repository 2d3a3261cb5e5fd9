//! Request building: path, query string and JSON body from a validated input.
//! Credentials are not part of the request: the transport adds them, so a request can be
//! shown (dry runs, hooks) without ever holding the key.

use super::defs::{ActionDef, Loc, Method};
use super::error::{ApiError, Issue};
use super::json::{self, Node};
use super::validate::given;

#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    /// Headers other than credentials.
    pub headers: Vec<(&'static str, &'static str)>,
    pub body: Option<String>,
}

pub const US_BASE: &str = "https://api.iterable.com";
pub const EU_BASE: &str = "https://api.eu.iterable.com";

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn encode_component(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
}

/// The text a scalar takes in a path or query string: strings unescaped, others as written.
fn scalar_text<'n>(v: &'n Node) -> &'n str {
    v.as_str().unwrap_or(v.raw)
}

fn is_loopback_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    let octet = |p: &str| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u8>().is_ok();
    let parts: Vec<&str> = host.split('.').collect();
    host == "localhost" || host == "[::1]" || (parts.len() == 4 && parts[0] == "127" && parts.iter().all(|p| octet(p)))
}

/// Resolves the base URL from region and override. https is required except on loopback.
pub fn base_url(region: Option<&str>, base_url: Option<&str>) -> Result<String, ApiError> {
    let bad = |param: &str, message: String| ApiError::validation(vec![Issue { param: param.into(), message }]);
    if let Some(u) = base_url {
        let rest = if let Some(r) = u.strip_prefix("https://") {
            r
        } else if let Some(r) = u.strip_prefix("http://") {
            let host = r.split(['/', '?', '#']).next().unwrap_or("");
            let host_only = if host.starts_with('[') {
                host.split_inclusive(']').next().unwrap_or(host)
            } else {
                host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host)
            };
            if !is_loopback_host(host_only) {
                return Err(bad("baseUrl", "must use https:// (plain http is allowed only for 127.0.0.1, localhost or [::1])".into()));
            }
            r
        } else {
            return Err(bad("baseUrl", "must be an absolute https:// URL".into()));
        };
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        if host.is_empty() || rest.contains(['?', '#']) || rest.contains(char::is_whitespace) || host.contains('@') {
            return Err(bad("baseUrl", "must be a plain URL with a host and no query, fragment or credentials".into()));
        }
        return Ok(u.trim_end_matches('/').to_string());
    }
    match region.unwrap_or("us") {
        "us" | "US" => Ok(US_BASE.to_string()),
        "eu" | "EU" => Ok(EU_BASE.to_string()),
        other => Err(bad("region", format!("\"{}\" is not a region; use \"us\" or \"eu\"", crate::core::error::excerpt(other, 32)))),
    }
}

/// Whether the body `build` writes is the input's own text (natively, `build` then copies it):
/// every member a body param, none null, in definition order, and the text as long as the body
/// would be, so written without white space or escapes; since each member's key is its param's
/// name and its value its raw text, equal lengths mean equal bytes.
fn is_body_as_given(def: &ActionDef, input: &Node) -> bool {
    let Some(members) = input.as_object().filter(|m| !m.is_empty()) else { return false };
    let mut params = def.params.iter();
    let mut len = 1; // '{', then per member `"key":value` and a ',' or the closing '}'
    for (key, value) in members {
        match params.by_ref().find(|p| p.name == *key) {
            Some(p) if p.loc == Loc::Body && !value.is_null() => len += key.len() + 3 + value.raw.len() + 1,
            _ => return false,
        }
    }
    len == input.raw.len()
}

/// Builds the HTTP request for a validated input (see `validate`). Body values are copied
/// from the input text byte for byte, in definition order.
pub fn build(def: &ActionDef, input: &Node, base: &str) -> HttpRequest {
    // Path: substitute each {name} with its encoded value.
    let mut url = String::with_capacity(base.len() + def.path.len() + 64);
    url.push_str(base);
    let mut rest = def.path.as_str();
    while let Some((head, tail)) = rest.split_once('{') {
        url.push_str(head);
        let Some((name, after)) = tail.split_once('}') else { break };
        if let Some(v) = given(input, name) {
            encode_component(scalar_text(v), &mut url);
        }
        rest = after;
    }
    url.push_str(rest);
    if json::FAST && def.method != Method::Get && is_body_as_given(def, input) {
        let headers = vec![("Accept", def.response.accept()), ("Content-Type", "application/json")];
        return HttpRequest { method: def.method, url, headers, body: Some(input.raw.to_string()) };
    }
    // Query: definition order; arrays as repeated keys.
    let mut sep = '?';
    // The body is at most the input's text plus its braces (values are copied as given).
    let mut body = String::with_capacity(if def.method == Method::Get { 0 } else { input.raw.len() + 2 });
    let mut root: Option<&str> = None;
    for p in &def.params {
        let Some(v) = given(input, &p.name) else { continue };
        match p.loc {
            Loc::Path => {}
            Loc::Query => {
                let items = v.as_array().unwrap_or(std::slice::from_ref(v));
                for item in items {
                    url.push(sep);
                    sep = '&';
                    encode_component(&p.name, &mut url);
                    url.push('=');
                    encode_component(scalar_text(item), &mut url);
                }
            }
            Loc::Body => {
                body.push(if body.is_empty() { '{' } else { ',' });
                json::write_str(&mut body, &p.name);
                body.push(':');
                body.push_str(v.raw);
            }
            Loc::BodyRoot => root = Some(v.raw),
        }
    }
    let has_body_params = def.params.iter().any(|p| matches!(p.loc, Loc::Body | Loc::BodyRoot));

    // GET carries no body, nor does an action without body params; DELETE does when its
    // definition has body params (delete_catalog_items).
    let body = if def.method == Method::Get || !has_body_params {
        None
    } else if let Some(r) = root {
        Some(r.to_string())
    } else if body.is_empty() {
        Some("{}".to_string())
    } else {
        body.push('}');
        Some(body)
    };
    let mut headers = vec![("Accept", def.response.accept())];
    if body.is_some() {
        headers.push(("Content-Type", "application/json"));
    }
    HttpRequest { method: def.method, url, headers, body }
}
