//! Documented rate limits such as "5 requests/second, per project". Shared by build.rs (which
//! rejects a definition whose limit it cannot read) and the runtime.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Project,
    ApiKey,
    Organization,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub count: u32,
    pub per_ms: u32,
    pub scope: Scope,
}

pub fn parse(text: &str) -> Option<RateLimit> {
    // Split at the first comma, then ", per ": the same as at the first ", per " (a rate part with
    // a comma in it never parses), with a char pattern (std's `&str` search costs the wasm ~9 KB,
    // see search.rs; this file is also compiled alone, into build.rs).
    let (rate, scope) = text.split_once(',')?;
    let scope = scope.strip_prefix(" per ")?;
    let (count, unit) = rate.split_once(' ')?;
    let count: u32 = count.parse().ok().filter(|c| *c > 0)?;
    let per_ms = match unit {
        "request/second" | "requests/second" => 1_000,
        "request/minute" | "requests/minute" => 60_000,
        "request/hour" | "requests/hour" => 3_600_000,
        _ => return None,
    };
    let scope = match scope {
        "project" => Scope::Project,
        "API key" => Scope::ApiKey,
        "organization" => Scope::Organization,
        _ => return None,
    };
    Some(RateLimit { count, per_ms, scope })
}
