//! The pure core: definitions, validation, request building, response interpretation and
//! retry policy. No wasm dependencies; tested natively with `cargo test`.

pub mod bulk;
pub mod defs;
pub mod error;
pub mod formats;
pub mod json;
pub mod jwt;
pub mod limiter;
pub mod rate;
pub mod request;
pub mod response;
pub mod retry;
pub mod search;
pub mod stream;
pub mod validate;

use defs::ActionDef;
use error::{ApiError, Issue};
use request::HttpRequest;

/// Finds the action for an id, or a `ValidationError` naming the closest ids.
pub fn action(id: &str) -> Result<&'static ActionDef, ApiError> {
    defs::find(id).ok_or_else(|| {
        let shown = error::excerpt(id, 64);
        // Ids are short; a long string gets no suggestions (and costs nothing).
        let id = if id.len() > 80 { "" } else { id };
        let lower = id.to_ascii_lowercase();
        let close: Vec<&str> = defs::ids()
            .filter(|a| !id.is_empty() && (search::contains(a, id) || search::contains(id, a) || a.replace('_', "") == lower))
            .take(3)
            .collect();
        let hint = if close.is_empty() { String::new() } else { format!(" (did you mean {}?)", validate::join(&close, "", ", ")) };
        ApiError::validation(vec![Issue { param: String::new(), message: format!("unknown action id \"{shown}\"{hint}") }])
    })
}

/// Parses input JSON text (as produced by JSON.stringify), validates it and builds the request.
pub fn prepare(def: &ActionDef, input_json: &str, base: &str) -> Result<HttpRequest, ApiError> {
    prepare_in(def, input_json, base, None)
}

/// `prepare`, for a bulk chunk when `checked_items` names its items param: the items' own rules
/// are not applied again (the plan checked each item once); everything else is.
pub fn prepare_in(def: &ActionDef, input_json: &str, base: &str, checked_items: Option<&str>) -> Result<HttpRequest, ApiError> {
    let input = if reads_top_level_only(def) { json::parse_shallow(input_json) } else { json::parse(input_json) };
    let input = input.map_err(|e| input_error(def, e))?;
    validate::validate_in(def, &input, checked_items)?;
    Ok(request::build(def, &input, base))
}

/// [`prepare`] for input text a JSON writer made in this process (the Rust client's typed inputs,
/// written by serde_json): the same validation, request and errors, with the nested contents of
/// free-form top-level values passed over by their brackets instead of checked token by token
/// (`json::parse_shallow_valid`). Text that is not valid JSON must go through [`prepare`].
pub fn prepare_valid(def: &ActionDef, input_json: &str, base: &str) -> Result<HttpRequest, ApiError> {
    let input = if reads_top_level_only(def) { json::parse_shallow_valid(input_json) } else { json::parse(input_json) };
    let input = input.map_err(|e| input_error(def, e))?;
    validate::validate_in(def, &input, None)?;
    Ok(request::build(def, &input, base))
}

/// Whether validating and building a request of `def` reads nothing below the input's top-level
/// members: no object or array param has rules (nested fields, items, bounds) or goes in the
/// query. Such an input is parsed whole but built one level deep (`json::parse_shallow`: same
/// errors), so a free-form object such as an event's `dataFields` costs a scan, not a tree.
pub fn reads_top_level_only(def: &ActionDef) -> bool {
    def.params.iter().all(|p| !matches!(p.ty, defs::Ty::Object | defs::Ty::Array) || (p.rules.is_none() && p.loc != defs::Loc::Query))
}

/// The input's JSON text parsed, or the ValidationError a call reports for text that is not JSON.
pub fn parse_input<'a>(def: &ActionDef, input_json: &'a str) -> Result<json::Node<'a>, ApiError> {
    json::parse(input_json).map_err(|e| input_error(def, e))
}

/// The ValidationError of an input that is not JSON text.
fn input_error(def: &ActionDef, e: json::Error) -> ApiError {
    let message = if search::contains(&e.message, "surrogate") {
        "a string in the input is not valid Unicode (it holds a lone UTF-16 surrogate)".to_string()
    } else {
        format!("input is not valid JSON data: {e}")
    };
    ApiError::validation(vec![Issue { param: String::new(), message }]).with_action(def.id)
}

/// Checks an API key before it is ever put in a header.
pub fn check_api_key(key: &str) -> Result<(), ApiError> {
    let problem = if key.trim().is_empty() {
        Some("required (a non-empty string)")
    } else if key.len() > 1024 {
        Some("too long")
    } else if !key.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~+/=".contains(&b)) {
        Some("may hold only letters, digits and - . _ ~ + / =")
    } else {
        None
    };
    match problem {
        Some(m) => Err(ApiError::validation(vec![Issue { param: "apiKey".into(), message: m.into() }])),
        None => Ok(()),
    }
}
