//! Input validation, driven entirely by the action definitions: each param's type and the rules
//! of its compact keywords (codegen/catalog.rs `compact`), nested fields and items included, and
//! the groups between members (at least one, at most one, all or none).

use super::defs::{self, groups, ActionDef, Format, Loc, Ty};
use super::error::{excerpt, ApiError, Issue};
use super::formats;
use super::json::{self, Node, Value};
use std::cell::Cell;

thread_local! {
    static NOW: Cell<f64> = const { Cell::new(f64::NAN) };
}

/// Sets the clock (epoch ms) that date bounds (`x-iterable-max-future-days`) are checked
/// against; until it is set they are not checked.
pub fn set_now(ms: f64) {
    NOW.with(|n| n.set(ms));
}

/// Dates up to this much past a bound still pass: the local clock and Iterable's may differ.
const CLOCK_SLACK_MS: f64 = 3_600_000.0;

fn check_type(v: &Node, ty: Ty, format: Format) -> Option<String> {
    let ok = match (ty, &v.value) {
        (Ty::String, Value::String(_)) | (Ty::Boolean, Value::Bool(_)) | (Ty::Object, Value::Object(_)) => true,
        (Ty::Array, Value::Array(_)) | (Ty::Number, Value::Number(_)) => true,
        (Ty::Integer, Value::Number(text)) => {
            let integral = !text.contains(['.', 'e', 'E']);
            return match v.as_i64() {
                Some(i) if format == Format::Int32 && (i < i32::MIN as i64 || i > i32::MAX as i64) => {
                    Some(format!("{text} is outside the 32-bit integer range"))
                }
                Some(_) => None,
                None if integral => Some(format!("{text} is outside the 64-bit integer range")),
                None => Some(format!("expected an integer, got {}", excerpt(text, 40))),
            };
        }
        _ => false,
    };
    if ok {
        None
    } else {
        Some(format!("expected {}, got {}", article(ty), v.type_name()))
    }
}

fn article(ty: Ty) -> &'static str {
    match ty {
        Ty::String => "a string",
        Ty::Integer => "an integer",
        Ty::Number => "a number",
        Ty::Boolean => "a boolean",
        Ty::Object => "an object",
        Ty::Array => "an array",
    }
}

/// At most this many problems are reported for one input.
const MAX_ISSUES: usize = 50;

fn push(issues: &mut Vec<Issue>, param: &str, message: String) {
    if issues.len() < MAX_ISSUES {
        issues.push(Issue { param: param.to_string(), message });
    }
}

/// The concatenation of `parts`.
fn cat(parts: &[&str]) -> String {
    let mut out = String::new();
    for p in parts {
        out.push_str(p);
    }
    out
}

/// Reports a problem whose message is the concatenation of `parts` (no formatting machinery).
fn say(issues: &mut Vec<Issue>, param: &str, parts: &[&str]) {
    push(issues, param, cat(parts));
}

fn ty_of(kw: &Node) -> Ty {
    Ty::parse(kw.get("type").and_then(Node::as_str).unwrap_or(""))
}

fn list<'n>(kw: &'n Node, key: &str) -> &'n [Node<'n>] {
    kw.get(key).and_then(Node::as_array).unwrap_or(&[])
}

/// `a, b, c` (or `a|b|c`), each name after `prefix` (the one joiner of the wasm: std's `join`
/// brings its own copy of this code).
pub fn join<S: AsRef<str>>(names: &[S], prefix: &str, sep: &str) -> String {
    let mut out = String::new();
    for (i, n) in names.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(prefix);
        out.push_str(n.as_ref());
    }
    out
}

/// An integer as text.
fn int(n: i64) -> String {
    let mut s = String::from(if n < 0 { "-" } else { "" });
    json::write_u64(&mut s, n.unsigned_abs());
    s
}

/// The rules of a string value besides its bounds.
fn check_string(s: &str, kw: &Node, path: &str, issues: &mut Vec<Issue>) {
    let exact = list(kw, "enum");
    let any_case = exact.is_empty();
    let values = if any_case { list(kw, "enumCi") } else { exact };
    if !values.is_empty() && !values.iter().any(|e| e.as_str().is_some_and(|e| e == s || (any_case && e.eq_ignore_ascii_case(s)))) {
        let shown: Vec<&str> = values.iter().take(8).filter_map(Node::as_str).collect();
        let more = if values.len() > 8 { ", ..." } else if any_case { " (any letter case)" } else { "" };
        say(issues, path, &["\"", &excerpt(s, 64), "\" is not one of ", &join(&shown, "", ", "), more]);
    }
    if let Some(class) = kw.get("chars").and_then(Node::as_str) {
        if let Some(c) = s.chars().find(|c| !formats::in_class(class, *c)) {
            let (allowed, class) = match class.strip_prefix('^') {
                Some(refused) => ("'; none of the characters [", refused),
                None => ("'; only the characters [", class),
            };
            say(issues, path, &["holds '", c.encode_utf8(&mut [0; 4]), allowed, class, "] are allowed"]);
        }
    }
    let format = kw.get("format").and_then(Node::as_str).unwrap_or("");
    if format == formats::EMAIL && !formats::email(s) {
        say(issues, path, &["\"", &excerpt(s, 64), "\" is not an email address"]);
    }
    if let Some(f) = Some(format).filter(|f| [formats::DATE_UTC, formats::DATE_ZONED, formats::ISO].contains(f)) {
        match formats::instant(f, s) {
            None => say(issues, path, &["\"", &excerpt(s, 40), "\" is not a date in the form ", f]),
            Some(t) => {
                if let Some(d) = kw.get("x-iterable-max-future-days").and_then(Node::as_i64) {
                    if t as f64 > NOW.with(Cell::get) + d as f64 * 86_400_000.0 + CLOCK_SLACK_MS {
                        say(issues, path, &["is more than ", &int(d), " days in the future"]);
                    }
                }
            }
        }
    }
}

/// Checks a value against its type and compact keywords; problems are reported under `path`
/// (a buffer the nested checks extend and restore: nothing is allocated for a value that is
/// fine, which is most of a bulk call's time otherwise).
fn check(v: &Node, ty: Ty, kw: Option<&Node>, path: &mut String, issues: &mut Vec<Issue>) {
    check_in(v, ty, kw, path, true, issues)
}

/// `[i]` after `path`.
fn push_index(path: &mut String, i: usize) {
    path.push('[');
    json::write_u64(path, i as u64);
    path.push(']');
}

/// `check`, with the rules of an array's items applied to each item only when `each_item` (a bulk
/// chunk's items were each checked by `check_item` when the plan was made).
fn check_in(v: &Node, ty: Ty, kw: Option<&Node>, path: &mut String, each_item: bool, issues: &mut Vec<Issue>) {
    if let Some(m) = check_type(v, ty, Format::parse(kw.and_then(|k| k.get("format")))) {
        return push(issues, path, m);
    }
    let Some(mut kw) = kw else { return };
    if let Some(shape) = kw.get("shape").and_then(Node::as_str).and_then(defs::shape) {
        kw = shape;
    }
    // Bounds: (lower keyword, upper keyword, the measure, its unit).
    let bounds: [(&str, &str, i64, &str); 2] = match &v.value {
        Value::String(s) => {
            check_string(s, kw, path, issues);
            [("minLength", "maxLength", s.chars().count() as i64, " characters"), ("", "x-iterable-max-bytes", s.len() as i64, " bytes of UTF-8")]
        }
        Value::Number(_) => [("minimum", "maximum", v.as_i64().unwrap_or(0), ""), ("", "", 0, "")],
        Value::Array(items) => {
            if let Some(ikw) = kw.get("items").filter(|_| each_item) {
                let ity = ty_of(ikw);
                for (i, item) in items.iter().enumerate() {
                    let n = path.len();
                    push_index(path, i);
                    check(item, ity, Some(ikw), path, issues);
                    path.truncate(n);
                }
            }
            [("minItems", "maxItems", items.len() as i64, if items.len() == 1 { " item" } else { " items" }), ("", "", 0, "")]
        }
        _ => {
            if let Some(props) = kw.get("properties").and_then(Node::as_object) {
                let required = list(kw, "required");
                for (name, fkw) in props {
                    match given(v, name) {
                        None if required.iter().any(|r| r.as_str() == Some(name)) => say(issues, &cat(&[path, ".", name]), &["required (", article(ty_of(fkw)), ")"]),
                        None => {}
                        Some(x) => {
                            let n = path.len();
                            path.push('.');
                            path.push_str(name);
                            check(x, ty_of(fkw), Some(fkw), path, issues);
                            path.truncate(n);
                        }
                    }
                }
                check_groups(v, &groups(kw.get("requireOneOf")), &groups(kw.get("exclusive")), &groups(kw.get("together")), path, issues);
            }
            if let Some(members) = v.as_object() {
                for (key, x) in members {
                    check_member(kw, key, x, path, issues);
                }
            }
            return;
        }
    };
    for (lo, hi, has, unit) in bounds {
        for (key, word) in [(lo, "least "), (hi, "most ")] {
            if let Some(n) = kw.get(key).and_then(Node::as_i64) {
                if (word == "least " && has < n) || (word == "most " && has > n) {
                    say(issues, path, &["must be at ", word, &int(n), unit, " (is ", &int(has), ")"]);
                }
            }
        }
    }
}

/// The rules of one member of an object map (`propertyNames` for its key, `additionalProperties`
/// for its value), reported under `path.key`.
fn check_member(kw: &Node, key: &str, value: &Node, path: &mut String, issues: &mut Vec<Issue>) {
    let n = path.len();
    path.push('.');
    path.push_str(key);
    if let Some(kkw) = kw.get("propertyNames") {
        let mut found = vec![];
        check(&Node { raw: "", value: Value::String(key.into()) }, Ty::String, Some(kkw), path, &mut found);
        for i in found {
            push(issues, &i.param, cat(&["the key ", &i.message]));
        }
    }
    if let Some(vkw) = kw.get("additionalProperties").filter(|x| x.as_object().is_some()) {
        check(value, ty_of(vkw), Some(vkw), path, issues);
    }
    path.truncate(n);
}

/// The groups between an object's members; members are named under `path` ("" at the top).
fn check_groups(obj: &Node, require_one_of: &[Vec<String>], exclusive: &[Vec<String>], together: &[Vec<String>], path: &str, issues: &mut Vec<Issue>) {
    if require_one_of.is_empty() && exclusive.is_empty() && together.is_empty() {
        return;
    }
    let prefix = &if path.is_empty() { String::new() } else { cat(&[path, "."]) };
    let given_in = |g: &[String]| -> Vec<String> { g.iter().filter(|m| given(obj, m).is_some()).cloned().collect() };
    for g in require_one_of {
        if given_in(g).is_empty() {
            let kind = if exclusive.contains(g) { "give exactly one of " } else { "give at least one of " };
            let message = if g.len() == 1 { "required".to_string() } else { cat(&[kind, &join(g, prefix, ", ")]) };
            push(issues, &join(g, prefix, "|"), message);
        }
    }
    for g in exclusive {
        let some = given_in(g);
        if some.len() > 1 {
            say(issues, &join(&some, prefix, "|"), &["give only one of ", &join(&some, prefix, ", "), ", not both"]);
        }
    }
    for g in together {
        let some = given_in(g);
        for m in g.iter().filter(|m| !some.is_empty() && !some.contains(m)) {
            say(issues, &cat(&[prefix, m]), &["required together with ", &join(&some, prefix, ", ")]);
        }
    }
}

/// The problems of item `index` of the list param `name` (bulk items are checked one by one, so
/// that a bad one is left out and the others still go).
pub fn check_item(def: &ActionDef, name: &str, index: usize, item: &Node) -> Vec<Issue> {
    let mut issues = vec![];
    if let Some(kw) = def.param(name).and_then(|p| p.rules.as_ref()).and_then(|r| r.get("items")) {
        let mut path = String::with_capacity(name.len() + 64);
        path.push_str(name);
        push_index(&mut path, index);
        check(item, ty_of(kw), Some(kw), &mut path, &mut issues);
    }
    issues
}

/// The problems of the entry `key` of the map param `name` (a catalog's documents: each entry
/// is a bulk item of its own, named by its key).
pub fn check_entry(def: &ActionDef, name: &str, key: &str, value: &Node) -> Vec<Issue> {
    let mut issues = vec![];
    if let Some(kw) = def.param(name).and_then(|p| p.rules.as_ref()) {
        check_member(kw, key, value, &mut String::from(name), &mut issues);
    }
    issues
}

/// A given (non-null) value for `name`.
pub fn given<'n, 'a>(input: &'n Node<'a>, name: &str) -> Option<&'n Node<'a>> {
    input.get(name).filter(|v| !v.is_null())
}

/// Validates a parsed input object against an action. Unknown or repeated keys, missing
/// required params, wrong types, values breaking their rules (nested ones named by path, e.g.
/// `users[3].email`) and unmet groups are all reported at once (up to 50).
/// `null` for an optional param means "not given".
pub fn validate(def: &ActionDef, input: &Node) -> Result<(), ApiError> {
    validate_in(def, input, None)
}

/// `validate` for a bulk request when `checked_items` names its items param, whose items were each
/// checked by `check_item` already: everything else, that array's type and bounds included, is
/// checked as usual; the items' own rules are not applied a second time.
pub fn validate_in(def: &ActionDef, input: &Node, checked_items: Option<&str>) -> Result<(), ApiError> {
    #[cfg(not(target_arch = "wasm32"))]
    if plan::accepts(def, input, checked_items) {
        return Ok(());
    }
    let Some(members) = input.as_object() else {
        return Err(ApiError::validation(vec![Issue {
            param: String::new(),
            message: format!("input must be an object, got {}", input.type_name()),
        }])
        .with_action(def.id));
    };
    let mut issues = Vec::new();
    let mut path = String::new();
    for (key, _) in members {
        if def.param(key).is_none() {
            let hint = def
                .params
                .iter()
                .find(|p| p.name.eq_ignore_ascii_case(key))
                .map(|p| format!(" (did you mean {}?)", p.name))
                .unwrap_or_default();
            let known: Vec<&str> = def.params.iter().map(|p| p.name.as_str()).collect();
            let known = if known.is_empty() { "none".to_string() } else { join(&known, "", ", ") };
            push(&mut issues, &excerpt(key, 64), format!("unknown parameter{hint}; known: {known}"));
        }
    }
    for p in &def.params {
        if members.iter().filter(|(k, _)| *k == p.name).nth(1).is_some() {
            push(&mut issues, &p.name, "given more than once".into());
        }
        match given(input, &p.name) {
            None if p.required => push(&mut issues, &p.name, format!("required ({})", article(p.ty))),
            None => {}
            Some(v) => match (p.loc, &v.value) {
                (Loc::Path, Value::String(s)) if s.is_empty() => push(&mut issues, &p.name, "must not be empty (it is a path segment)".into()),
                (Loc::Path, Value::String(s)) if s == "." || s == ".." => {
                    push(&mut issues, &p.name, "cannot be \".\" or \"..\" (URL parsers would resolve it as a path step)".into())
                }
                _ => {
                    path.clear();
                    path.push_str(&p.name);
                    check_in(v, p.ty, p.rules.as_ref(), &mut path, checked_items != Some(p.name.as_str()), &mut issues)
                }
            },
        }
    }
    check_groups(input, &def.require_one_of, &def.exclusive, &def.together, "", &mut issues);
    if issues.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(issues).with_action(def.id))
    }
}

/// For the tests that compare the plans with the general path (native only).
#[cfg(not(target_arch = "wasm32"))]
#[doc(hidden)]
pub use plan::{accepts as plan_accepts, use_plans};

/// Natively, the bookkeeping of `validate_in` from a form of each definition made once per
/// thread: the params' names side by side, and the required params and the groups as bit sets
/// over them, and each param's check in short where it is short (its type alone, or an email
/// address). An input it can show is valid (every key a param given once, the required ones
/// given, each given value passing `check_in` as in `validate_in`, every group met) is accepted
/// without the name searches and lists of the general path; anything else, or a definition it
/// has no form for (over 64 params, a group naming something that is not a param or a name
/// twice), goes through `validate_in`'s general path, which makes the errors. Not in the wasm
/// (its size rules there, and it would change the package's bytes).
#[cfg(not(target_arch = "wasm32"))]
mod plan {
    use super::{check_in, check_type, formats, ActionDef, Cell, Format, Loc, Node, Ty, Value};
    use std::cell::OnceCell;

    /// What `check_in` does with a param's value, where that is short: the type alone (no
    /// rules, or only a `format` on a type whose other rules `check_in` would not find), or a
    /// string that must be an email address (only `format: email`). Anything else is `check_in`.
    #[derive(Clone, Copy)]
    enum Check {
        Type(Format),
        Email,
        General,
    }

    fn check_of(ty: Ty, rules: Option<&Node>) -> Check {
        let Some(rules) = rules else { return Check::Type(Format::parse(None)) };
        match rules.as_object() {
            Some([(key, format)]) if key == "format" => match ty {
                Ty::String if format.as_str() == Some(formats::EMAIL) => Check::Email,
                Ty::String => Check::General,
                _ => Check::Type(Format::parse(Some(format))),
            },
            _ => Check::General,
        }
    }

    pub(super) struct Plan {
        /// The definition the plan was made from (a plan serves that one only).
        def: *const ActionDef,
        /// The params' names one after the other; param i's name ends at `ends[i]`.
        names: String,
        ends: Vec<usize>,
        checks: Vec<Check>,
        required: u64,
        require_one_of: Vec<u64>,
        exclusive: Vec<u64>,
        together: Vec<u64>,
    }

    thread_local! {
        static PLANS: [OnceCell<Option<Plan>>; crate::core::defs::ACTION_COUNT] = const { [const { OnceCell::new() }; crate::core::defs::ACTION_COUNT] };
        static OFF: Cell<bool> = const { Cell::new(false) };
    }

    /// Whether `validate_in` uses the plans on this thread (on unless turned off; tests compare
    /// the two paths).
    pub fn use_plans(on: bool) {
        OFF.with(|off| off.set(!on));
    }

    impl Plan {
        fn new(def: &ActionDef) -> Option<Plan> {
            if def.params.len() > 64 {
                return None;
            }
            let mut names = String::new();
            let mut ends = Vec::with_capacity(def.params.len());
            let mut required = 0;
            let checks = def.params.iter().map(|p| check_of(p.ty, p.rules.as_ref())).collect();
            for (i, p) in def.params.iter().enumerate() {
                names.push_str(&p.name);
                ends.push(names.len());
                if p.required {
                    required |= 1 << i;
                }
            }
            let mut plan = Plan { def, names, ends, checks, required, require_one_of: vec![], exclusive: vec![], together: vec![] };
            let sets = |groups: &[Vec<String>]| -> Option<Vec<u64>> {
                groups
                    .iter()
                    .map(|g| {
                        g.iter().try_fold(0u64, |set, name| {
                            let bit = 1u64 << plan.index(name)?;
                            (set & bit == 0).then_some(set | bit)
                        })
                    })
                    .collect()
            };
            let (require_one_of, exclusive, together) = (sets(&def.require_one_of)?, sets(&def.exclusive)?, sets(&def.together)?);
            plan.require_one_of = require_one_of;
            plan.exclusive = exclusive;
            plan.together = together;
            Some(plan)
        }

        fn index(&self, key: &str) -> Option<usize> {
            let mut start = 0;
            for (i, &end) in self.ends.iter().enumerate() {
                if end - start == key.len() && self.names.get(start..end) == Some(key) {
                    return Some(i);
                }
                start = end;
            }
            None
        }
    }

    /// Whether `input` is valid for `def`, shown the short way (false: not shown so).
    pub fn accepts(def: &ActionDef, input: &Node, checked_items: Option<&str>) -> bool {
        let Some(members) = input.as_object() else { return false };
        if OFF.with(Cell::get) {
            return false;
        }
        PLANS.with(|plans| {
            let Some(cell) = plans.get(def.index) else { return false };
            // Made from the catalog's own definition only (it lives as long as the thread, so
            // its address names it); a definition made elsewhere takes the general path.
            if cell.get().is_none() && !crate::core::defs::find(def.id).is_some_and(|d| std::ptr::eq(d, def)) {
                return false;
            }
            let Some(plan) = cell.get_or_init(|| Plan::new(def)).as_ref() else { return false };
            if !std::ptr::eq(plan.def, def) {
                return false;
            }
            let (mut seen, mut given) = (0u64, 0u64);
            for (key, value) in members {
                let Some(i) = plan.index(key) else { return false };
                let bit = 1u64 << i;
                if seen & bit != 0 {
                    return false;
                }
                seen |= bit;
                if !value.is_null() {
                    given |= bit;
                }
            }
            if plan.required & !given != 0
                || plan.require_one_of.iter().any(|g| g & given == 0)
                || plan.exclusive.iter().any(|g| (g & given).count_ones() > 1)
                || plan.together.iter().any(|g| g & given != 0 && g & given != *g)
            {
                return false;
            }
            let mut issues = Vec::new();
            let mut path = String::new();
            for (key, value) in members {
                let Some(i) = plan.index(key).filter(|_| !value.is_null()) else { continue };
                let (Some(p), Some(check)) = (def.params.get(i), plan.checks.get(i)) else { return false };
                if let (Loc::Path, Value::String(s)) = (p.loc, &value.value) {
                    if s.is_empty() || s == "." || s == ".." {
                        return false;
                    }
                }
                let fine = match *check {
                    Check::Type(format) => check_type(value, p.ty, format).is_none(),
                    Check::Email => matches!(&value.value, Value::String(s) if formats::email(s)),
                    Check::General => {
                        path.clear();
                        path.push_str(&p.name);
                        check_in(value, p.ty, p.rules.as_ref(), &mut path, checked_items != Some(p.name.as_str()), &mut issues);
                        issues.is_empty()
                    }
                };
                if !fine {
                    return false;
                }
            }
            true
        })
    }
}
