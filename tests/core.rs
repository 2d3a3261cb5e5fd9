//! Native tests of the pure core: definitions, validation, request building, catalog and
//! JSON Schema, response interpretation and retry policy — for every action.

// The core's error type is large by design (src/lib.rs allows the lint for the same reason).
#![allow(clippy::result_large_err)]

use iterable_wasm::core::{
    self,
    defs::{self, ActionDef, Loc, Method, ResponseKind, Ty, CATALOG_JSON},
    error::codes,
    formats,
    request::{self, HttpRequest},
    response::{self, Payload},
    retry,
};
use serde_json::{json, Map, Value};
use std::path::Path;

const BASE: &str = "https://api.iterable.com";

/// Every action's full input schema, in catalog order (what api.js publishes).
fn schemas() -> &'static [Value] {
    static S: std::sync::OnceLock<Vec<Value>> = std::sync::OnceLock::new();
    S.get_or_init(|| serde_json::from_str(include_str!(concat!(env!("OUT_DIR"), "/schemas.json"))).unwrap())
}

fn schema_of(def: &ActionDef) -> &'static Value {
    &schemas()[def.index]
}

/// A plausible value for a JSON Schema (one of ours): the first enum value or example, a string
/// in the pattern's form, an integer within bounds, objects with their required fields (all
/// fields when `full`), arrays of two items (within bounds).
fn sample_schema(s: &Value, name: &str, full: bool) -> Value {
    if let Some(e) = s.get("enum").or_else(|| s.get("examples")) {
        return e[0].clone();
    }
    match s["type"].as_str().unwrap() {
        "string" => {
            if let Some(p) = s["pattern"].as_str() {
                for (form, text) in [(formats::DATE_UTC, "2024-01-01 00:00:00"), (formats::ISO, "2024-01-01T00:00:00Z"), (formats::DATE_ZONED, "2024-01-01 00:00:00 +01:00"), (formats::EMAIL, "user+tag@example.com")] {
                    if formats::pattern(form).as_deref() == Some(p) {
                        return json!(text);
                    }
                }
                let class = p.strip_prefix("^[").and_then(|c| c.strip_suffix("]*$")).expect("a class pattern");
                let text = ["abc", "ABC", "123", "a-1"].into_iter().find(|t| t.chars().all(|c| formats::in_class(class, c))).unwrap();
                return json!(text);
            }
            if name.to_lowercase().contains("email") {
                return json!("user+tag@example.com");
            }
            if s["format"] == "date-time" {
                return json!("2024-01-01T00:00:00Z");
            }
            let max = s["maxLength"].as_u64().unwrap_or(64) as usize;
            json!(format!("{name}-value").chars().take(max).collect::<String>())
        }
        "integer" => {
            let lo = s["minimum"].as_i64().unwrap_or(i64::MIN);
            let hi = s["maximum"].as_i64().unwrap_or(i64::MAX);
            json!(42.clamp(lo, hi))
        }
        "number" => json!(1.5),
        "boolean" => json!(true),
        "object" => match s.get("properties").and_then(Value::as_object) {
            // a map whose values have rules (catalog documents): one entry, keyed like an item ID
            None if s.get("additionalProperties").is_some_and(Value::is_object) => json!({ "item-1": sample_schema(&s["additionalProperties"], "item", full) }),
            None => json!({ "k": "v", "n": 1 }),
            Some(props) => {
                let required: Vec<&str> = s["required"].as_array().map(|r| r.iter().map(|x| x.as_str().unwrap()).collect()).unwrap_or_default();
                let mut m: Map<String, Value> =
                    props.iter().filter(|(k, _)| full || required.contains(&k.as_str())).map(|(k, v)| (k.clone(), sample_schema(v, k, full))).collect();
                // the first member of each nested group, when none is there
                for g in s.get("anyOf").or_else(|| s.get("oneOf")).and_then(Value::as_array).into_iter().flatten() {
                    let m0 = g["required"][0].as_str().unwrap();
                    m.entry(m0).or_insert_with(|| sample_schema(&props[m0], m0, full));
                }
                Value::Object(m)
            }
        },
        "array" => {
            let n = 2.min(s["maxItems"].as_u64().unwrap_or(2)) as usize;
            Value::Array((0..n).map(|_| sample_schema(&s["items"], name, full)).collect())
        }
        t => panic!("type {t}"),
    }
}

fn param_sample(def: &ActionDef, name: &str) -> Value {
    sample_schema(&schema_of(def)["properties"][name], name, false)
}

/// Required params plus the first member of each requireOneOf group.
fn minimal_input(def: &ActionDef) -> Map<String, Value> {
    let mut m = Map::new();
    for p in def.params.iter().filter(|p| p.required) {
        m.insert(p.name.clone(), param_sample(def, &p.name));
    }
    for g in &def.require_one_of {
        if !g.iter().any(|x| m.contains_key(x)) {
            m.insert(g[0].clone(), param_sample(def, &g[0]));
        }
    }
    m
}

/// Every param given, nested fields too, except what the groups forbid: the second and later
/// members of each exclusive group, then any together group left incomplete.
fn full_input(def: &ActionDef) -> Map<String, Value> {
    let mut m: Map<String, Value> = def.params.iter().map(|p| (p.name.clone(), sample_schema(&schema_of(def)["properties"][&p.name], &p.name, true))).collect();
    for g in &def.exclusive {
        for x in &g[1..] {
            m.remove(x);
        }
    }
    for g in &def.together {
        if !g.iter().all(|x| m.contains_key(x)) {
            for x in g {
                m.remove(x);
            }
        }
    }
    m
}

fn prepare(def: &ActionDef, input: &Map<String, Value>) -> Result<HttpRequest, core::error::ApiError> {
    core::prepare(def, &Value::Object(input.clone()).to_string(), BASE)
}

fn query_pairs(url: &str) -> Vec<(String, String)> {
    match url.split_once('?') {
        None => vec![],
        Some((_, q)) => q
            .split('&')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                (k.to_string(), v.to_string())
            })
            .collect(),
    }
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = vec![];
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Checks a built request against the definition and the input it came from.
fn assert_request(def: &ActionDef, input: &Map<String, Value>, req: &HttpRequest) {
    assert_eq!(req.method, def.method, "{}", def.id);
    let (path, _) = req.url.split_once('?').unwrap_or((&req.url, ""));
    assert!(path.starts_with(BASE), "{}", def.id);
    assert!(!path.contains('{') && !path.contains('}'), "{}: unreplaced placeholder in {path}", def.id);
    // Path: each segment is a literal or the encoded value of its param.
    let tpl: Vec<&str> = def.path.split('/').collect();
    let got: Vec<&str> = path[BASE.len()..].split('/').collect();
    assert_eq!(tpl.len(), got.len(), "{}: {path}", def.id);
    for (t, g) in tpl.iter().zip(&got) {
        if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            let v = &input[name];
            let text = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
            assert_eq!(decode(g), text, "{}: path param {name}", def.id);
            assert!(!g.contains('/'), "{}", def.id);
        } else {
            assert_eq!(t, g, "{}", def.id);
        }
    }
    // Query: exactly the query params given, arrays repeated, in definition order.
    let mut expected = vec![];
    for p in def.params.iter().filter(|p| p.loc == Loc::Query) {
        match input.get(&p.name) {
            None | Some(Value::Null) => {}
            Some(Value::Array(a)) => {
                for v in a {
                    expected.push((p.name.to_string(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())));
                }
            }
            Some(v) => expected.push((p.name.to_string(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))),
        }
    }
    let got: Vec<(String, String)> = query_pairs(&req.url).into_iter().map(|(k, v)| (decode(&k), decode(&v))).collect();
    assert_eq!(got, expected, "{}: query of {}", def.id, req.url);
    // Body: body params only, as a JSON object; none for GET or when there are no body params.
    let body_params: Vec<_> = def.params.iter().filter(|p| p.loc == Loc::Body).collect();
    if def.method == Method::Get || body_params.is_empty() {
        assert_eq!(req.body, None, "{}", def.id);
        assert!(!req.headers.iter().any(|(k, _)| *k == "Content-Type"), "{}", def.id);
    } else {
        let body: Value = serde_json::from_str(req.body.as_ref().expect("body")).unwrap();
        let mut expected = Map::new();
        for p in &body_params {
            if let Some(v) = input.get(&p.name).filter(|v| !v.is_null()) {
                expected.insert(p.name.clone(), v.clone());
            }
        }
        assert_eq!(body, Value::Object(expected), "{}", def.id);
        assert!(req.headers.contains(&("Content-Type", "application/json")), "{}", def.id);
    }
    assert!(req.headers.iter().any(|(k, _)| *k == "Accept"), "{}", def.id);
    assert!(!req.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("api-key")), "credentials are the transport's");
}

fn shared_dir() -> Option<std::path::PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/iterable");
    p.exists().then_some(p)
}

/// The shared contract with the audit's decisions applied (defs/audit-decisions.json): every
/// fixed finding's patch, in order. Each decision names its finding by index, action and field,
/// and every finding of the audit has one.
fn contract_with_audit(dir: &Path, contract: &mut [Value]) {
    let audit: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(dir.join("contract-audit.json")).unwrap()).unwrap();
    let decisions_doc: Value = serde_json::from_str(include_str!("../defs/audit-decisions.json")).unwrap();
    let decisions = decisions_doc["findings"].as_array().unwrap();
    assert_eq!(decisions.len(), audit.len(), "one decision per finding of the audit");
    for (i, (d, f)) in decisions.iter().zip(&audit).enumerate() {
        assert_eq!((d["finding"].as_u64(), &d["actionId"], &d["field"]), (Some(i as u64), &f["actionId"], &f["field"]), "decision {i}");
        match d["decision"].as_str().unwrap() {
            "rejected" => assert!(d["reason"].as_str().is_some_and(|r| r.len() > 20), "decision {i}: a rejection gives its reason"),
            "fixed" => {}
            other => panic!("decision {i}: {other}"),
        }
        apply(contract, &f["actionId"], &d["patch"], &format!("decision {i}"));
    }
    // Rules beyond the audit (issue 22), each with the documentation it follows.
    for (i, d) in decisions_doc["additions"].as_array().into_iter().flatten().enumerate() {
        assert!(d["reason"].as_str().is_some_and(|r| r.len() > 20), "addition {i}: a reason");
        apply(contract, &d["actionId"], &d["patch"], &format!("addition {i}"));
    }
}

/// Applies one patch (steps `{param, set}`, `{set}`, `{append}`) to an action of the contract.
fn apply(contract: &mut [Value], id: &Value, patch: &Value, what: &str) {
    let Some(a) = contract.iter_mut().find(|a| &a["id"] == id) else { panic!("{what}: no action {id}") };
    for step in patch.as_array().into_iter().flatten() {
        if let Some(name) = step.get("param") {
            let p = a["params"].as_array_mut().unwrap().iter_mut().find(|p| &p["name"] == name).unwrap_or_else(|| panic!("{what}: no param {name}"));
            p.as_object_mut().unwrap().extend(step["set"].as_object().unwrap().clone());
        } else if let Some(set) = step.get("set") {
            a.as_object_mut().unwrap().extend(set.as_object().unwrap().clone());
        } else {
            for (k, groups) in step["append"].as_object().unwrap() {
                let list = a.as_object_mut().unwrap().entry(k.clone()).or_insert_with(|| json!([])).as_array_mut().unwrap();
                for g in groups.as_array().unwrap() {
                    if !list.contains(g) {
                        list.push(g.clone());
                    }
                }
            }
        }
    }
}

#[test]
fn definitions_follow_the_shared_contract_with_the_audit_applied() {
    let ours: Vec<Value> = serde_json::from_str(include_str!("../defs/actions.json")).unwrap();
    let Some(dir) = shared_dir() else {
        eprintln!("shared/iterable not found beside the repo; contract comparison skipped");
        return;
    };
    let mut contract: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(dir.join("actions.json")).unwrap()).unwrap();
    if let Ok(extra) = std::fs::read_to_string(dir.join("extra-actions.json")) {
        let extra: Vec<Value> = serde_json::from_str(&extra).unwrap();
        // Extra actions count once they are in our definitions.
        for e in extra {
            if ours.iter().any(|o| o["id"] == e["id"]) {
                contract.push(e);
            }
        }
    }
    contract_with_audit(&dir, &mut contract);
    // Actions beyond the contract (not in Iterable's OpenAPI file) name their source instead;
    // every other one is a contract action, in the contract's order.
    let (beyond, ours): (Vec<Value>, Vec<Value>) = ours.into_iter().partition(|o| o.get("source").is_some());
    for b in &beyond {
        assert_eq!(b["inSpec"], false, "{}", b["id"]);
        assert!(!contract.iter().any(|c| c["id"] == b["id"] || (c["method"] == b["method"] && c["path"] == b["path"])), "{} is in the contract", b["id"]);
        let (source, notes) = (b["source"].as_str().unwrap(), b["notes"].as_str().unwrap_or(""));
        assert!(notes.contains(source), "{}: notes name the source {source}", b["id"]);
    }
    assert_eq!(ours.len(), contract.len());
    for (o, c) in ours.iter().zip(&contract) {
        let mut o = o.clone();
        let d = o.as_object_mut().unwrap().remove("description").expect("description");
        // `bulk` is ours too: how client.bulk splits the items of the 8 bulk actions; so is
        // `result`: decisions about the result where the spec is wrong or silent; and `sends`:
        // whether the action makes Iterable deliver messages to people.
        o.as_object_mut().unwrap().remove("bulk");
        o.as_object_mut().unwrap().remove("result");
        o.as_object_mut().unwrap().remove("sends");
        assert!(d.as_str().unwrap().len() >= 40);
        assert_eq!(&o, c, "definition {} differs from the shared contract with the audit applied", c["id"]);
    }
}

#[test]
fn table_matches_definitions() {
    let defs: Vec<Value> = serde_json::from_str(include_str!("../defs/actions.json")).unwrap();
    assert_eq!(defs::count(), defs.len());
    assert!(defs::count() >= 116);
    for (a, d) in defs::all().zip(&defs) {
        assert_eq!(a.id, d["id"]);
        assert_eq!(a.method.as_str(), d["method"]);
        assert_eq!(a.path, d["path"]);
        let names: Vec<&str> = d["params"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(a.params.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), names, "{}: param order", a.id);
        for (p, dp) in a.params.iter().zip(d["params"].as_array().unwrap()) {
            assert_eq!(p.ty.as_str(), dp["type"], "{} {}", a.id, p.name);
            assert_eq!(p.required, dp["required"], "{} {}", a.id, p.name);
            assert_eq!(p.loc == Loc::Path, dp["in"] == "path");
            assert_eq!(p.loc == Loc::Query, dp["in"] == "query");
            let kw = |k: &str| p.rules.as_ref().and_then(|r| r.get(k)).is_some();
            assert_eq!(kw("enum") || kw("enumCi"), dp.get("enum").is_some(), "{} {}", a.id, p.name);
            assert_eq!(kw("items"), dp.get("items").is_some());
        }
        let groups: Vec<Vec<String>> = serde_json::from_value(d["requireOneOf"].clone()).unwrap();
        assert_eq!(a.require_one_of, groups);
        assert_eq!(a.pagination.is_some(), !d["pagination"].is_null());
        assert_eq!(a.response.as_str(), d["response"]);
        assert_eq!(a.idempotent, d["idempotent"]);
        assert_eq!(a.irreversible, d["irreversible"]);
        assert_eq!(a.is_async, d["async"]);
        assert_eq!(a.rate_limit.is_some(), !d["rateLimit"].is_null());
        assert_eq!(defs::find(a.id).unwrap().id, a.id);
        assert_eq!(defs::get(a.index).id, a.id);
    }
    let ids: std::collections::BTreeSet<_> = defs::all().map(|a| a.id).collect();
    assert_eq!(ids.len(), defs::count(), "ids are unique");
}

#[test]
fn every_action_builds_minimal_and_full_requests() {
    for def in defs::all() {
        for input in [minimal_input(def), full_input(def)] {
            let req = prepare(def, &input).unwrap_or_else(|e| panic!("{}: {:?}", def.id, e));
            assert_request(def, &input, &req);
        }
    }
}

#[test]
fn every_required_param_is_enforced() {
    for def in defs::all() {
        for p in def.params.iter().filter(|p| p.required) {
            let mut input = minimal_input(def);
            input.remove(&p.name);
            let e = prepare(def, &input).unwrap_err();
            assert_eq!(e.code, codes::VALIDATION);
            assert!(e.issues.iter().any(|i| i.param == p.name), "{} {}: {:?}", def.id, p.name, e.issues);
            assert_eq!(e.action.as_deref(), Some(def.id));
            // null counts as missing
            input.insert(p.name.clone(), Value::Null);
            assert_eq!(prepare(def, &input).unwrap_err().code, codes::VALIDATION);
        }
    }
}

#[test]
fn every_param_rejects_a_wrong_type() {
    for def in defs::all() {
        for p in &def.params {
            let wrong = match p.ty {
                Ty::String => json!(12),
                Ty::Integer => json!("12"),
                Ty::Number => json!("1.5"),
                Ty::Boolean => json!("true"),
                Ty::Object => json!([1]),
                Ty::Array => json!({ "0": 1 }),
            };
            let mut input = minimal_input(def);
            input.insert(p.name.clone(), wrong);
            let e = prepare(def, &input).unwrap_err();
            assert!(e.issues.iter().any(|i| i.param == p.name), "{} {}: {:?}", def.id, p.name, e.issues);
            let schema = &schema_of(def)["properties"][&p.name];
            if p.ty == Ty::Array {
                let bad_item = if schema["items"]["type"] == "string" { json!(1) } else { json!("x") };
                input.insert(p.name.clone(), json!([param_sample(def, &p.name)[0].clone(), bad_item]));
                let e = prepare(def, &input).unwrap_err();
                assert!(e.issues.iter().any(|i| i.param == format!("{}[1]", p.name)), "{} {}: {:?}", def.id, p.name, e.issues);
            }
            if schema.get("enum").or_else(|| schema.get("examples")).is_some() {
                input.insert(p.name.clone(), json!("NotAValue"));
                assert!(prepare(def, &input).is_err(), "{} {}", def.id, p.name);
            }
        }
    }
}

#[test]
fn every_require_one_of_group_is_enforced() {
    let mut groups = 0;
    for def in defs::all() {
        for g in &def.require_one_of {
            groups += 1;
            let mut input = minimal_input(def);
            for m in g {
                input.remove(m);
            }
            // other groups may share members; give them back if they are not in this group
            for other in &def.require_one_of {
                if !other.iter().any(|m| input.contains_key(m)) && !other.iter().any(|m| g.contains(m)) {
                    input.insert(other[0].clone(), param_sample(def, &other[0]));
                }
            }
            let e = prepare(def, &input).unwrap_err();
            assert!(e.issues.iter().any(|i| i.param == g.join("|")), "{}: {:?}", def.id, e.issues);
            // each member alone satisfies the group; all members together too
            for m in g {
                let mut one = input.clone();
                one.insert(m.clone(), param_sample(def, m));
                let r = prepare(def, &one);
                let left = r.as_ref().err().map(|e| e.issues.iter().any(|i| i.param == g.join("|"))).unwrap_or(false);
                assert!(!left, "{} {m}", def.id);
            }
            let mut all = input.clone();
            for m in g {
                all.insert(m.clone(), param_sample(def, m));
            }
            let partners: Vec<&String> = def.together.iter().filter(|t| t.iter().any(|m| all.contains_key(m))).flatten().collect();
            {
                for m in partners {
                    all.insert(m.clone(), param_sample(def, m));
                }
            }
            // all members together: fine, unless the group is also exclusive (exactly one)
            if def.exclusive.contains(g) {
                let e = prepare(def, &all).unwrap_err();
                assert!(e.issues.iter().any(|i| i.message.contains("not both")), "{}: {:?}", def.id, e.issues);
            } else {
                assert!(prepare(def, &all).is_ok(), "{}", def.id);
            }
        }
    }
    assert!(groups >= 30, "{groups}");
}

#[test]
fn unknown_params_and_ids_are_rejected() {
    let def = core::action("track_event").unwrap();
    let mut input = minimal_input(def);
    input.insert("eventname".into(), json!("x"));
    let e = prepare(def, &input).unwrap_err();
    assert!(e.message.contains("did you mean eventName"), "{}", e.message);
    let e = core::action("track_events").unwrap_err();
    assert_eq!(e.code, codes::VALIDATION);
    assert!(e.message.contains("unknown action id"));
    assert!(core::action("").is_err());
    for bad in ["[]", "1", "\"x\"", "null", "true"] {
        assert_eq!(core::prepare(def, bad, BASE).unwrap_err().code, codes::VALIDATION, "{bad}");
    }
    assert_eq!(core::prepare(def, "{", BASE).unwrap_err().code, codes::VALIDATION);
    let deep = "[".repeat(10_000) + &"]".repeat(10_000);
    assert_eq!(core::prepare(def, &format!("{{\"dataFields\":{deep}}}"), BASE).unwrap_err().code, codes::VALIDATION);
}

#[test]
fn integers_are_checked_for_range_and_exactness() {
    let def = core::action("abort_campaign").unwrap();
    for (v, ok) in [("1", true), ("-3", true), ("9007199254740993", true), ("1.5", false), ("1e21", false), ("18446744073709551615", false)] {
        let r = core::prepare(def, &format!("{{\"campaignId\":{v}}}"), BASE);
        assert_eq!(r.is_ok(), ok, "{v}: {r:?}");
    }
    let int32 = defs::all().find_map(|a| a.params.iter().find(|p| schema_of(a)["properties"][&p.name]["format"] == "int32" && p.loc == Loc::Query).map(|p| (a, p))).unwrap();
    let mut input = minimal_input(int32.0);
    input.insert(int32.1.name.clone(), json!(3_000_000_000u64));
    assert!(prepare(int32.0, &input).is_err());
}

#[test]
fn path_values_are_encoded_and_unsafe_segments_refused() {
    let def = core::action("delete_user_by_id").unwrap();
    let req = core::prepare(def, r#"{"userId":"a b/c?d#e%f-ü-1"}"#, BASE).unwrap();
    assert_eq!(req.url, "https://api.iterable.com/api/users/byUserId/a%20b%2Fc%3Fd%23e%25f-%C3%BC-1");
    assert_eq!(req.method, Method::Delete);
    assert_eq!(req.body, None);
    for bad in ["", ".", ".."] {
        let e = core::prepare(def, &format!(r#"{{"userId":"{bad}"}}"#), BASE).unwrap_err();
        assert_eq!(e.issues[0].param, "userId");
    }
    // two path params, each encoded in its place
    let def = core::action("get_catalog_item_by_id").unwrap();
    let req = core::prepare(def, r#"{"catalogName":"my-catalog","itemId":"sku-1"}"#, BASE).unwrap();
    assert_eq!(req.url, "https://api.iterable.com/api/catalogs/my-catalog/items/sku-1");
}

#[test]
fn delete_with_body_params_sends_a_json_body() {
    let def = core::action("delete_catalog_items").unwrap();
    let req = core::prepare(def, r#"{"catalogName":"c","itemIds":["a","b"]}"#, BASE).unwrap();
    assert_eq!(req.method, Method::Delete);
    assert_eq!(req.body.as_deref(), Some(r#"{"itemIds":["a","b"]}"#));
}

#[test]
fn query_arrays_repeat_and_dates_pass_through() {
    let def = core::action("get_campaign_metrics").unwrap();
    let req = core::prepare(def, r#"{"campaignId":[1,2,3],"startDateTime":"2024-01-01 00:00:00","endDateTime":"2024-02-01T00:00:00+01:00"}"#, BASE).unwrap();
    assert_eq!(
        req.url,
        "https://api.iterable.com/api/campaigns/metrics?campaignId=1&campaignId=2&campaignId=3&startDateTime=2024-01-01%2000%3A00%3A00&endDateTime=2024-02-01T00%3A00%3A00%2B01%3A00"
    );
    assert_eq!(req.headers[0], ("Accept", "text/csv, text/plain;q=0.9"));
}

#[test]
fn body_keeps_nested_values_byte_for_byte() {
    let def = core::action("update_user").unwrap();
    let input = r#"{"email":"a@b.co","dataFields":{"z":1,"a":{"y":[1,2.5,"x"],"b":null},"ü":"\u2028"}}"#;
    let req = core::prepare(def, input, BASE).unwrap();
    // Values are copied from the input text as written: key order, number text and escapes.
    assert_eq!(req.body.unwrap(), r#"{"dataFields":{"z":1,"a":{"y":[1,2.5,"x"],"b":null},"ü":"\u2028"},"email":"a@b.co"}"#);
    let req = core::prepare(def, r#"{"email":"a@b.co","dataFields":{"big":12345678901234567890123,"f":1.50}}"#, BASE).unwrap();
    assert_eq!(req.body.unwrap(), r#"{"dataFields":{"big":12345678901234567890123,"f":1.50},"email":"a@b.co"}"#);
}

#[test]
fn base_urls() {
    assert_eq!(request::base_url(None, None).unwrap(), "https://api.iterable.com");
    assert_eq!(request::base_url(Some("eu"), None).unwrap(), "https://api.eu.iterable.com");
    assert!(request::base_url(Some("mars"), None).is_err());
    assert_eq!(request::base_url(Some("eu"), Some("https://proxy.example.com/")).unwrap(), "https://proxy.example.com");
    for ok in ["http://127.0.0.1:4010", "http://localhost:1", "http://[::1]:8080", "https://x.io/prefix"] {
        assert!(request::base_url(None, Some(ok)).is_ok(), "{ok}");
    }
    for bad in ["http://example.com", "http://127.0.0.1.evil.com", "ftp://x", "api.iterable.com", "https://", "https://a@b.c", "https://x.io?q=1", "http://localhost.evil.com:80"] {
        assert!(request::base_url(None, Some(bad)).is_err(), "{bad}");
    }
}

#[test]
fn api_keys_are_checked_and_redacted() {
    assert!(core::check_api_key("").is_err());
    assert!(core::check_api_key("a b").is_err());
    assert!(core::check_api_key("k\n").is_err());
    assert!(core::check_api_key("0123456789abcdef").is_ok());
    let def = core::action("list_channels").unwrap();
    let e = response::interpret(def, 401, r#"{"msg":"Invalid API key secret-key-1234","code":"BadApiKey","params":{"k":"secret-key-1234"}}"#, None).unwrap_err();
    let e = e.redact(&["secret-key-1234"]);
    let text = e.to_json();
    assert!(!text.contains("secret-key-1234"), "{text}");
    assert!(text.contains("[REDACTED]"));
    assert_eq!(e.code, "BadApiKey");
    assert_eq!(e.status, Some(401));
}

#[test]
fn catalog_has_every_action_with_a_working_schema() {
    let catalog: Vec<Value> = serde_json::from_str(CATALOG_JSON).unwrap();
    // The full schemas, as api.js expands them from the compact params (the build checks that).
    let schemas: Vec<Value> = serde_json::from_str(include_str!(concat!(env!("OUT_DIR"), "/schemas.json"))).unwrap();
    // One array per action (fields by position), then the named shapes, then the param rows that
    // several actions share (each used more than once, each written once).
    assert_eq!(catalog.len(), defs::count() + 2);
    assert!(catalog[defs::count()].as_object().is_some_and(|s| !s.is_empty()));
    let shared = catalog[defs::count() + 1].as_array().unwrap();
    let uses = |i: usize| catalog[..defs::count()].iter().flat_map(|e| e[2].as_array().unwrap()).filter(|p| p.as_u64() == Some(i as u64)).count();
    assert!(!shared.is_empty() && (0..shared.len()).all(|i| uses(i) > 1));
    assert!(shared.iter().enumerate().all(|(i, r)| !shared[..i].contains(r)));
    assert_eq!(schemas.len(), defs::count());
    for ((entry, def), schema) in catalog.iter().zip(defs::all()).zip(&schemas) {
        // Entries carry no id: defs::ids_in_order() lists them in catalog order.
        assert_eq!(defs::ids_in_order().nth(def.index), Some(def.id));
        // Trailing null and empty fields are left out of the shipped catalog (api.js restores them).
        for k in 0..5 {
            assert!(entry.get(k).is_some(), "{}: field {k}", def.id);
        }
        let names: Vec<&str> = schema["properties"].as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(names, def.params.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), "{}", def.id);
        let validator = jsonschema::validator_for(schema).unwrap_or_else(|e| panic!("{}: {e}", def.id));
        // The schema and the core validator agree on valid and invalid inputs.
        for input in [minimal_input(def), full_input(def)] {
            let v = Value::Object(input.clone());
            assert!(validator.is_valid(&v), "{}: schema rejects {v}", def.id);
            assert!(prepare(def, &input).is_ok());
        }
        for p in def.params.iter().filter(|p| p.required) {
            let mut input = minimal_input(def);
            input.remove(&p.name);
            assert!(!validator.is_valid(&Value::Object(input)), "{}: schema accepts a missing {}", def.id, p.name);
        }
        for g in &def.require_one_of {
            let mut input = minimal_input(def);
            for m in g {
                input.remove(m);
            }
            assert!(!validator.is_valid(&Value::Object(input.clone())), "{}: schema accepts a missing group", def.id);
            assert!(prepare(def, &input).is_err());
        }
        let mut extra = minimal_input(def);
        extra.insert("notAParam".into(), json!(1));
        assert!(!validator.is_valid(&Value::Object(extra)));
    }
}

fn act(id: &str) -> &'static ActionDef {
    core::action(id).unwrap()
}

#[test]
fn responses_by_kind() {
    assert_eq!(response::interpret(act("list_channels"), 200, r#"{"channels":[]}"#, None), Ok(Payload::Json(r#"{"channels":[]}"#.into())));
    // An empty body is the answer only where the spec documents a success without one.
    for (id, status, body) in [("list_channels", 200, ""), ("list_channels", 202, " \r\n\t"), ("track_event", 200, ""), ("create_catalog", 200, "")] {
        let e = response::interpret(act(id), status, body, None).unwrap_err();
        assert_eq!((e.code.as_str(), e.status, e.retryable), (codes::INVALID_RESPONSE, Some(status), false), "{id} {status}");
    }
    assert_eq!(response::interpret(act("create_catalog"), 201, "", None), Ok(Payload::Json("null".into())));
    assert_eq!(response::interpret(act("archive_campaigns"), 200, " \n", None), Ok(Payload::Json("null".into())));
    let jsonl = act("export_campaign_data_to_json");
    assert_eq!(jsonl.response, ResponseKind::Jsonl);
    assert_eq!(response::interpret(jsonl, 200, "{\"a\":1}\n{\"b\":2}\r\n\n", None), Ok(Payload::Json("[{\"a\":1},{\"b\":2}]".into())));
    assert_eq!(response::interpret(jsonl, 200, "", None), Ok(Payload::Json("[]".into())));
    let e = response::interpret(jsonl, 200, "{\"a\":1}\n{\"b\":", None).unwrap_err();
    assert_eq!(e.code, codes::INVALID_RESPONSE);
    let csv = defs::all().find(|a| a.response == ResponseKind::Csv).unwrap();
    assert_eq!(response::interpret(csv, 200, "a,b\n1,2\n", None), Ok(Payload::Text("a,b\n1,2\n".into())));
}

#[test]
fn error_responses() {
    let def = act("list_channels");
    let e = response::interpret(def, 400, r#"{"msg":"bad","code":"BadParams","params":{"field":"x"}}"#, None).unwrap_err();
    assert_eq!((e.code.as_str(), e.status, e.message.as_str(), e.retryable), ("BadParams", Some(400), "bad", false));
    assert_eq!(e.params.as_deref().map(|p| serde_json::from_str::<Value>(p).unwrap()), Some(json!({"field":"x"})));
    let e = response::interpret(def, 429, "Too many requests", None).unwrap_err();
    assert_eq!((e.code.as_str(), e.retryable), ("RateLimitExceeded", true));
    let e = response::interpret(def, 502, "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", None).unwrap_err();
    assert_eq!(e.code, codes::HTTP);
    assert!(e.message.contains("502 Bad Gateway"), "{}", e.message);
    assert!(e.retryable);
    let e = response::interpret(def, 500, "", None).unwrap_err();
    assert!(e.message.contains("empty body"));
    let e = response::interpret(def, 503, "x".repeat(10_000).as_str(), Some("3")).unwrap_err();
    assert!(e.body.as_ref().unwrap().chars().count() <= 201);
    assert_eq!(e.retry_after_ms, Some(3000.0));
    // 200 that carries a failure code is a failure
    let e = response::interpret(def, 200, r#"{"msg":"no such user","code":"UnknownEmailError","params":null}"#, None).unwrap_err();
    assert_eq!((e.code.as_str(), e.status), ("UnknownEmailError", Some(200)));
    assert_eq!(e.params, None);
    // malformed / truncated / HTML 200 bodies
    for body in [r#"{"msg":"ok","#, "<html><body>proxy</body></html>", "not json"] {
        let e = response::interpret(def, 200, body, None).unwrap_err();
        assert_eq!(e.code, codes::INVALID_RESPONSE, "{body}");
        assert!(e.body.is_some());
    }
    // Iterable's "Success" code on an error status is still an error
    let e = response::interpret(def, 500, r#"{"msg":"oops","code":"Success"}"#, None).unwrap_err();
    assert_eq!(e.code, codes::HTTP);
}

#[test]
fn retry_policy() {
    let send = act("track_event");
    let read = act("list_channels");
    assert!(!send.idempotent && read.idempotent);
    let r429 = response::interpret(send, 429, "slow down", None).unwrap_err();
    let r503 = response::interpret(send, 503, "", None).unwrap_err();
    let net = core::error::ApiError::new(codes::NETWORK, "reset");
    let timeout = core::error::ApiError::new(codes::TIMEOUT, "t");
    let bad = response::interpret(send, 400, r#"{"code":"BadParams","msg":"x"}"#, None).unwrap_err();
    assert!(retry::may_retry(send, &r429, false) && retry::may_retry(read, &r429, false));
    for e in [&r503, &net, &timeout] {
        assert!(!retry::may_retry(send, e, false), "{} must not repeat a send", e.code);
        assert!(retry::may_retry(read, e, false));
        // With eventIds: "auto" every event carries an id Iterable deduplicates on.
        assert!(retry::may_retry(send, e, true), "{} with event ids", e.code);
        assert!(!retry::may_retry(act("send_email_to_target"), e, true), "{} is no event", e.code);
    }
    assert!(!retry::may_retry(read, &bad, false) && !retry::may_retry(send, &bad, true));
    // Where the ids go: derived from the spec (an `id` that updates the event sent with it).
    let takes: Vec<&str> = defs::all().filter(|a| a.event_id).map(|a| a.id).collect();
    assert_eq!(takes, ["track_event", "track_events_in_bulk", "track_purchase"]);
    for n in 0..20 {
        let d = retry::delay_ms(n, 0.999, None);
        assert!((0.0..=retry::MAX_DELAY_MS).contains(&d));
    }
    assert_eq!(retry::delay_ms(0, 0.5, None), 250.0);
    assert_eq!(retry::delay_ms(3, 0.0, Some(1500.0)), 1500.0);
}

#[test]
fn counts_match_the_readme_of_the_contract() {
    // The counts the contract's README gives for the seed list (the first 116), then all 145 of
    // the spec; actions beyond the spec come after them.
    let json: Vec<Value> = serde_json::from_str(include_str!("../defs/actions.json")).unwrap();
    assert_eq!(json.iter().filter(|a| a["inSpec"] == true).count(), 145);
    assert!(json.iter().skip(145).all(|a| a["inSpec"] == false));
    let n = |f: &dyn Fn(&ActionDef) -> bool| defs::all().take(116).filter(|a| f(a)).count();
    assert_eq!(n(&|a| a.irreversible), 29);
    assert_eq!(n(&|a| a.idempotent), 91);
    // 18 in the contract's README; audit finding 109 (no document calls bulk_update_user_subscriptions asynchronous) makes it 17.
    assert_eq!(n(&|a| a.is_async), 17);
    assert_eq!(n(&|a| a.method == Method::Get), 42);
    assert_eq!(n(&|a| a.response == ResponseKind::Json), 106);
    assert_eq!(n(&|a| a.pagination.is_some()), 13);
}

#[test]
fn rate_limiter_allows_the_burst_then_spaces_calls() {
    use iterable_wasm::core::limiter::Gcra;
    use iterable_wasm::core::rate::{self, Scope};
    let one_per_sec = rate::parse("1 request/second, per organization").unwrap();
    assert_eq!((one_per_sec.count, one_per_sec.per_ms, one_per_sec.scope), (1, 1000, Scope::Organization));
    let mut g = Gcra::default();
    // Three calls at once: 0, 1000, 2000 ms waits (slots reserved in order).
    assert_eq!([g.reserve(10_000.0, &one_per_sec), g.reserve(10_000.0, &one_per_sec), g.reserve(10_000.0, &one_per_sec)], [0.0, 1000.0, 2000.0]);
    // A burst of 4 per minute, then one every 15 s.
    let four_per_min = rate::parse("4 requests/minute, per project").unwrap();
    let mut g = Gcra::default();
    let waits: Vec<f64> = (0..6).map(|_| g.reserve(0.0, &four_per_min)).collect();
    assert_eq!(waits, vec![0.0, 0.0, 0.0, 0.0, 15_000.0, 30_000.0]);
    // After a quiet period the bucket is full again.
    assert_eq!(g.reserve(1_000_000.0, &four_per_min), 0.0);
    // Every documented limit parses.
    for def in defs::all() {
        let catalog: Vec<Value> = serde_json::from_str(CATALOG_JSON).unwrap();
        let text = catalog[def.index][7].as_str();
        assert_eq!(text.is_some(), def.rate_limit.is_some(), "{}", def.id);
    }
    assert!(rate::parse("5 requests/fortnight, per project").is_none());
    assert!(rate::parse("0 requests/second, per project").is_none());
}

/// The limiter's own schedule (when each call may leave: the time it asked plus the wait it got),
/// for calls arriving in any pattern (bursts, gaps, many callers at one instant): the k-th call
/// after any call i leaves no earlier than (k - i - (N - 1)) intervals after it — a burst of N,
/// then one per interval — and never before it asked. That is the whole guarantee the end-to-end
/// rate checks rely on.
#[test]
fn rate_limiter_schedule_holds_for_any_arrival_pattern() {
    use iterable_wasm::core::limiter::Gcra;
    use iterable_wasm::core::rate;
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for text in ["1 request/second, per project", "5 requests/second, per project", "10 requests/second, per API key", "4 requests/minute, per project"] {
        let limit = rate::parse(text).unwrap();
        let n = limit.count as f64;
        let interval = limit.per_ms as f64 / n;
        for _ in 0..200 {
            let mut g = Gcra::default();
            let mut now = 1_000.0 + (next() % 10_000) as f64;
            let mut sends = Vec::new();
            for _ in 0..40 {
                // Same instant (concurrent callers), a short gap, or a long quiet period.
                now += match next() % 4 {
                    0 | 1 => 0.0,
                    2 => (next() % (interval as u64 + 1)) as f64,
                    _ => (next() % (3 * limit.per_ms as u64)) as f64,
                };
                let wait = g.reserve(now, &limit);
                assert!(wait >= 0.0, "{text}: negative wait");
                sends.push(now + wait);
            }
            for i in 0..sends.len() {
                for j in i + 1..sends.len() {
                    let due = (j - i) as f64 - (n - 1.0);
                    assert!(sends[j] >= sends[i], "{text}: call {j} scheduled before call {i}");
                    assert!(sends[j] - sends[i] >= due * interval - 1e-6, "{text}: calls {i}..{j} scheduled {} ms apart, need {}", sends[j] - sends[i], due * interval);
                }
            }
        }
    }
}

#[test]
fn jwt_expiry_and_checks() {
    use iterable_wasm::core::jwt;
    fn b64(s: &str) -> String {
        const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let b = s.as_bytes();
        let mut out = String::new();
        for chunk in b.chunks(3) {
            let n = chunk.iter().fold(0u32, |a, &x| (a << 8) | x as u32) << (8 * (3 - chunk.len()));
            for i in 0..=chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }
    let tok = |claims: &str| format!("{}.{}.sig", b64(r#"{"alg":"HS256","typ":"JWT"}"#), b64(claims));
    assert_eq!(jwt::b64url_decode(&b64("hello world!?")).unwrap(), b"hello world!?");
    assert_eq!(jwt::expiry_ms(&tok(r#"{"email":"a@b.co","iat":1,"exp":1700000000}"#)), Some(1_700_000_000_000.0));
    assert_eq!(jwt::expiry_ms(&tok(r#"{"exp":1700000000.9}"#)), Some(1_700_000_000_000.0));
    assert_eq!(jwt::expiry_ms(&tok(r#"{"email":"a@b.co"}"#)), None);
    assert_eq!(jwt::expiry_ms(&tok(r#"{"exp":"soon"}"#)), None);
    assert_eq!(jwt::expiry_ms("not-a-jwt"), None);
    assert!(jwt::check(&tok("{}")).is_ok());
    for bad in ["", "a.b", "a.b.c.d", "a b.c.d", "x.y.z\r\nX-Evil: 1", ".a.b"] {
        assert_eq!(jwt::check(bad).unwrap_err().code, "JwtError", "{bad:?}");
    }
    assert!(!jwt::needs_refresh(Some(200_000.0), 100_000.0));
    assert!(jwt::needs_refresh(Some(160_000.0), 100_000.0));
    assert!(!jwt::needs_refresh(None, 1e15));
    let refused = response::interpret(act("list_channels"), 401, r#"{"msg":"expired","code":"InvalidJwtPayload","params":null}"#, None).unwrap_err();
    assert!(jwt::is_jwt_rejection(&refused));
    let bad_key = response::interpret(act("list_channels"), 401, r#"{"msg":"no","code":"BadApiKey","params":null}"#, None).unwrap_err();
    assert!(!jwt::is_jwt_rejection(&bad_key));
}

#[test]
fn success_envelopes_are_unwrapped_only_where_the_result_is_not_an_envelope() {
    let list = act("list_catalogs");
    assert!(!list.result_is_envelope);
    let wrapped = r#"{"msg":"","code":"Success","params":{"catalogNames":[{"name":"a"}],"totalCatalogsCount":1}}"#;
    assert_eq!(response::interpret(list, 200, wrapped, None), Ok(Payload::Json(r#"{"catalogNames":[{"name":"a"}],"totalCatalogsCount":1}"#.into())));
    let flat = r#"{"catalogNames":[],"totalCatalogsCount":0}"#;
    assert_eq!(response::interpret(list, 200, flat, None), Ok(Payload::Json(flat.into())));
    let track = act("track_event");
    assert!(track.result_is_envelope);
    let ok = r#"{"msg":"ok","code":"Success","params":{"id":"x"}}"#;
    assert_eq!(response::interpret(track, 200, ok, None), Ok(Payload::Json(ok.into())));
    let n = defs::all().filter(|a| !a.result_is_envelope).count();
    assert!(n > 30 && n < defs::count(), "{n}");
}

#[test]
fn bulk_plans_split_by_bytes_and_count_and_keep_every_item_once() {
    use iterable_wasm::core::bulk;
    let users = act("bulk_update_users");
    let b = users.bulk.as_ref().unwrap();
    assert_eq!((b.items.as_str(), b.max_bytes, b.max_items), ("users", 4_000_000, None));
    // 30,000 users of ~150 bytes: > 4 MB in all, so several requests, none over the limit.
    let items: Vec<Value> = (0..30_000).map(|i| json!({"email": format!("user{i}@example.com"), "dataFields": {"plan": "x".repeat(100), "n": i}})).collect();
    let text = Value::Array(items.clone()).to_string();
    let plan = bulk::plan(users, r#"{"createNewFields":true}"#, &text, BASE).unwrap();
    assert!(plan.chunks.len() >= 2, "{}", plan.chunks.len());
    assert!(plan.rejected.is_empty());
    let mut seen = vec![];
    for c in &plan.chunks {
        let req = bulk::request(users, c, BASE).unwrap();
        let body = req.body.unwrap();
        assert!(body.len() <= 4_000_000, "{}", body.len());
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["createNewFields"], json!(true));
        let got = v["users"].as_array().unwrap();
        assert_eq!(got.len(), c.indices.len());
        for (item, &i) in got.iter().zip(&c.indices) {
            assert_eq!(item, &items[i]);
            seen.push(i);
        }
    }
    assert_eq!(seen, (0..30_000).collect::<Vec<_>>(), "every item once, in order");

    // A documented count limit: catalog documents (an object map), 1000 per request.
    let cat = act("create_catalog_items");
    let docs: Map<String, Value> = (0..2500).map(|i| (format!("item-{i}"), json!({"n": i}))).collect();
    let plan = bulk::plan(cat, r#"{"catalogName":"c","replaceUploadedFieldsOnly":false}"#, &Value::Object(docs).to_string(), BASE).unwrap();
    assert_eq!(plan.chunks.iter().map(|c| c.indices.len()).collect::<Vec<_>>(), vec![1000, 1000, 500]);
    let req = bulk::request(cat, &plan.chunks[2], BASE).unwrap();
    assert!(req.url.ends_with("/api/catalogs/c/items"));
    let v: Value = serde_json::from_str(req.body.as_ref().unwrap()).unwrap();
    assert_eq!(v["documents"]["item-2000"], json!({"n": 2000}));
    // A document that breaks the map's rules (its key is an item ID; its field names have no
    // period) is refused by itself, by index and key; the others still go.
    let plan = bulk::plan(cat, r#"{"catalogName":"c"}"#, r#"{"a-1":{"n":1},"b 2":{"n":2},"c-3":{"x.y":3},"d-4":5,"e-5":{"n":5}}"#, BASE).unwrap();
    let refused: Vec<(usize, Option<&str>, &str)> = plan.rejected.iter().map(|f| (f.index, f.id.as_deref(), f.reason.as_str())).collect();
    assert_eq!(
        refused,
        vec![
            (1, Some("b 2"), "documents.b 2: the key holds ' '; only the characters [a-zA-Z0-9-] are allowed"),
            (2, Some("c-3"), "documents.c-3.x.y: the key holds '.'; none of the characters [.] are allowed"),
            (3, Some("d-4"), "documents.d-4: expected an object, got integer"),
        ]
    );
    assert_eq!(plan.chunks.iter().flat_map(|c| c.indices.clone()).collect::<Vec<_>>(), vec![0, 4]);

    // An item larger than a whole request is refused by itself, never sent, never lost.
    let huge = json!([{"email": "a@b.co"}, {"email": "big@b.co", "dataFields": {"blob": "x".repeat(4_100_000)}}, {"email": "c@b.co"}]);
    let plan = bulk::plan(users, "{}", &huge.to_string(), BASE).unwrap();
    assert_eq!(plan.rejected.len(), 1);
    assert_eq!((plan.rejected[0].index, plan.rejected[0].id.as_deref()), (1, None));
    assert_eq!(plan.chunks.len(), 1);
    assert_eq!(plan.chunks[0].indices, vec![0, 2]);

    // A bad item is refused by itself, by index with its issues; the others still go.
    let plan = bulk::plan(users, "{}", r#"[{"email":"a@b.co"},5,{"email":"not-an-email","dataFields":{}},{"dataFields":{}},{"userId":"u4"}]"#, BASE).unwrap();
    let refused: Vec<(usize, &str)> = plan.rejected.iter().map(|f| (f.index, f.reason.as_str())).collect();
    assert_eq!(
        refused,
        vec![
            (1, "users[1]: expected an object, got integer"),
            (2, "users[2].email: \"not-an-email\" is not an email address"),
            (3, "users[3].email|users[3].userId: give at least one of users[3].email, users[3].userId"),
        ]
    );
    assert_eq!(plan.chunks.iter().flat_map(|c| c.indices.clone()).collect::<Vec<_>>(), vec![0, 4]);
    // A single call with the same bad value names its path, nothing sent.
    let e = core::prepare(users, r#"{"users":[{"email":"a@b.co"},{"email":"a@b.co"},{"email":"a@b.co"},{"email":12345}]}"#, BASE).unwrap_err();
    assert_eq!(e.issues[0].param, "users[3].email");
    // Bad common input fails the plan before anything is sent.
    assert_eq!(bulk::plan(users, r#"{"createNewFields":"yes"}"#, r#"[{"email":"a@b.co"}]"#, BASE).unwrap_err().code, codes::VALIDATION);
    assert!(bulk::plan(users, r#"{"users":[]}"#, "[]", BASE).is_err());
    assert!(bulk::plan(act("track_event"), "{}", "[]", BASE).is_err());
    assert_eq!(bulk::plan(users, "{}", "[]", BASE).unwrap().chunks.len(), 0);
}

#[test]
fn bulk_failures_map_back_to_items() {
    use iterable_wasm::core::bulk;
    let events = act("track_events_in_bulk");
    let items = json!([
        {"email": "ok@b.co", "eventName": "a"},
        {"email": "bad@invalid", "eventName": "a"},
        {"userId": "ghost", "eventName": "a"},
        {"email": "x@b.co", "eventName": "forbidden"},
        {"email": "bad@invalid", "eventName": "b"}
    ]);
    let plan = bulk::plan(events, "{}", &items.to_string(), BASE).unwrap();
    let response = r#"{"successCount":1,"failCount":4,"invalidEmails":["bad@invalid"],"disallowedEventNames":["forbidden"],
        "failedUpdates":{"invalidEmails":["bad@invalid"],"notFoundUserIds":["ghost"]},"createdFields":["bad@invalid"]}"#;
    let f = bulk::failures(events.bulk.as_ref().unwrap(), &plan.chunks[0], response);
    let got: Vec<(usize, &str, &str)> = f.iter().map(|f| (f.index, f.id.as_deref().unwrap(), f.reason.as_str())).collect();
    assert_eq!(
        got,
        vec![
            (1, "bad@invalid", "failedUpdates.invalidEmails"),
            (2, "ghost", "failedUpdates.notFoundUserIds"),
            (3, "forbidden", "disallowedEventNames"),
            (4, "bad@invalid", "failedUpdates.invalidEmails"),
        ]
    );
    let text = bulk::failures_json(&f);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v[0], json!({"index": 1, "id": "bad@invalid", "reason": "failedUpdates.invalidEmails"}));
}

#[test]
fn retry_after_is_read_in_seconds() {
    use iterable_wasm::core::response::retry_after_ms;
    assert_eq!(retry_after_ms(Some("3")), Some(3000.0));
    assert_eq!(retry_after_ms(Some(" 1.5 ")), Some(1500.0));
    assert_eq!(retry_after_ms(Some("0")), Some(0.0));
    assert_eq!(retry_after_ms(Some("2.0005")), Some(2000.0));
    for bad in ["", "-1", "1e3", "NaN", "inf", "+3", "0x10", "Wed, 21 Oct 2015 07:28:00 GMT", "1.", ".5", "9999999999"] {
        let got = retry_after_ms(Some(bad));
        assert!(got.is_none() || bad == "1.", "{bad}: {got:?}");
    }
    assert_eq!(retry_after_ms(None), None);
}

/// One input per rule kind (most from the contract audit's examples): what validation says, and
/// that the published JSON Schema agrees (bytes and dates ahead of now are ours alone: the
/// schema carries them as x-iterable-* keywords, which tests/schema checks with ajv).
#[test]
fn every_rule_kind_is_enforced_and_the_schema_agrees() {
    let long = "n".repeat(101);
    let bytes = "é".repeat(257);
    // (action, input, Some((issue param, message part)) or None when accepted, schema can say it)
    type Case<'a> = (&'a str, Value, Option<(&'a str, &'a str)>, bool);
    let cases: Vec<Case> = vec![
        ("export_data_to_csv", json!({"dataTypeName": "user", "range": "All", "startDateTime": "2024-01-01 00:00:00", "endDateTime": "2024-01-02 00:00:00"}), Some(("range|startDateTime", "not both")), true),
        ("export_data_to_csv", json!({"dataTypeName": "user", "startDateTime": "2024-01-01 00:00:00"}), Some(("endDateTime", "together with startDateTime")), true),
        ("export_data_to_csv", json!({"dataTypeName": "user", "startDateTime": "2024-01-01 00:00:00", "endDateTime": "2024-01-02 00:00:00"}), None, true),
        ("export_data_to_csv", json!({"dataTypeName": "user", "range": "All"}), None, true),
        ("export_data_to_csv", json!({"dataTypeName": "user"}), Some(("range|startDateTime", "exactly one of")), true),
        ("merge_users", json!({"sourceEmail": "a@b.co", "sourceUserId": "u1", "destinationEmail": "c@d.co"}), Some(("sourceEmail|sourceUserId", "not both")), true),
        ("merge_users", json!({"sourceUserId": "u1", "destinationEmail": "c@d.co"}), None, true),
        ("track_event", json!({"eventName": "e", "email": "a@b.co", "userId": "u1"}), None, true),
        ("create_snippet", json!({"name": long, "content": "x"}), Some(("name", "at most 100")), true),
        ("create_snippet", json!({"name": "Footer v2!", "content": "x"}), Some(("name", "'!'")), true),
        ("create_snippet", json!({"name": "Footer_v2 - b", "content": "x"}), None, true),
        ("track_event", json!({"eventName": "e", "email": "a@b.co", "id": bytes}), Some(("id", "at most 512 bytes of UTF-8 (is 514)")), false),
        ("track_event", json!({"eventName": "e", "email": "a@b.co", "id": "é".repeat(256)}), None, true),
        ("upsert_push_template", json!({"clientTemplateId": "t", "buttons": [{"identifier": "a", "title": "A", "openApp": true}, {"identifier": "b", "title": "B", "openApp": true}, {"identifier": "c", "title": "C", "openApp": true}, {"identifier": "d", "title": "D", "openApp": true}]}), Some(("buttons", "at most 3")), true),
        ("upsert_push_template", json!({"clientTemplateId": "t", "buttons": [{"identifier": "a", "title": "A"}]}), Some(("buttons[0].openApp", "required")), true),
        ("upsert_push_template", json!({"clientTemplateId": "t", "buttons": [{"identifier": "a", "title": "A", "openApp": false, "buttonType": "textInput"}]}), None, true),
        ("list_all_campaigns", json!({"campaignState": ["Running", "Bogus"]}), Some(("campaignState[1]", "not one of")), true),
        ("subscribe_user_by_id", json!({"subscriptionGroup": "EMAILLIST", "subscriptionGroupId": 1, "userId": "u"}), None, true),
        ("subscribe_user_by_id", json!({"subscriptionGroup": "emailLists", "subscriptionGroupId": 1, "userId": "u"}), Some(("subscriptionGroup", "any letter case")), true),
        ("bulk_subscription_action", json!({"subscriptionGroup": "messageType", "subscriptionGroupId": 1, "action": "Subscribe", "users": ["a@b.co"]}), Some(("action", "not one of")), true),
        ("bulk_subscription_action", json!({"subscriptionGroup": "messageType", "subscriptionGroupId": 1, "action": "subscribe"}), Some(("users|usersByUserId", "at least one of")), true),
        ("bulk_subscription_action", json!({"subscriptionGroup": "messageType", "subscriptionGroupId": 1, "action": "subscribe", "users": []}), Some(("users", "at least 1 item")), true),
        ("create_new_campaign", json!({"name": "n", "templateId": 1}), None, true),
        ("create_new_campaign", json!({"name": "n", "templateId": 1, "listIds": []}), Some(("listIds", "at least 1 item")), true),
        ("create_new_campaign", json!({"name": "n", "templateId": 1, "listIds": [1], "sendAt": "2024-01-01T00:00:00Z"}), Some(("sendAt", "form yyyy-MM-dd HH:mm:ss")), true),
        ("create_new_campaign", json!({"name": "n", "templateId": 1, "listIds": [1], "sendAt": "2024-02-29 23:59:59"}), None, true),
        ("trigger_campaign", json!({"campaignId": 1, "listIds": []}), Some(("listIds", "at least 1 item")), true),
        ("create_catalog_items", json!({"catalogName": "c", "documents": {"a": {}}}), None, true),
        ("track_embedded_click", json!({"messageId": "m", "email": "a@b.co", "deviceInfo": {"deviceId": "d", "platform": "ios"}}), Some(("deviceInfo.platform", "not one of")), true),
        ("track_embedded_click", json!({"messageId": "m", "email": "a@b.co", "deviceInfo": {"deviceId": "d", "platform": "iOS"}}), Some(("deviceInfo.appPackageName", "required")), true),
        ("update_email_template", json!({"templateId": 1, "linkParams": [{"key": "utm"}]}), Some(("linkParams[0].value", "required")), true),
        ("update_webhook", json!({"id": 1, "headers": [{"key": "X", "value": 1}]}), Some(("headers[0].value", "expected a string")), true),
        ("schedule_campaign", json!({"campaignId": 1, "sendAt": "2024-01-01T00:00:00Z", "recipientTimeZone": {"defaultTimeZone": "UTC"}}), Some(("recipientTimeZone.startTimeZone", "required")), true),
        ("schedule_campaign", json!({"campaignId": 1, "sendAt": "2024-01-01 00:00:00"}), Some(("sendAt", "ISO 8601")), true),
        ("schedule_campaign", json!({"campaignId": 1, "sendAt": "2024-01-01T00:00:00.00+0100"}), None, true),
        ("track_events_in_bulk", json!({"events": [{"eventName": "e", "email": "a@b.co"}, {"eventName": "e"}]}), Some(("events[1].email|events[1].userId", "at least one of")), true),
        ("update_catalog_field_mappings", json!({"catalogName": "c", "mappingsUpdates": [{"fieldName": "f", "fieldType": "text"}]}), Some(("mappingsUpdates[0].fieldType", "not one of")), true),
        ("get_user_events", json!({"userId": "u", "limit": 0}), Some(("limit", "at least 1")), true),
        ("get_user_events", json!({"userId": "u", "limit": 201}), Some(("limit", "at most 200")), true),
        ("get_user_events", json!({"userId": "u", "limit": 200}), None, true),
        ("get_metadata_item", json!({"table": "product_info", "key": "k1"}), Some(("table", "'_'")), true),
        ("list_all_templates", json!({"sort": "-updatedAt"}), None, true),
        ("list_all_templates", json!({"sort": "startAt"}), Some(("sort", "not one of")), true),
        ("get_inapp_messages", json!({"email": "a@b.co", "count": 1, "platform": "iOS"}), Some(("packageName", "together with platform")), true),
        ("get_embedded_messages", json!({"email": "a@b.co", "platform": "OTT"}), Some(("platform", "not one of")), true),
    ];
    for (id, input, want, in_schema) in &cases {
        let def = act(id);
        let r = core::prepare(def, &input.to_string(), BASE);
        match (want, &r) {
            (None, Ok(_)) => {}
            (Some((param, part)), Err(e)) => {
                assert_eq!(e.attempts, 0);
                assert!(e.issues.iter().any(|i| &i.param == param && i.message.contains(part)), "{id} {input}: {:?}", e.issues);
            }
            _ => panic!("{id} {input}: {r:?}"),
        }
        if *in_schema {
            let v = jsonschema::validator_for(schema_of(def)).unwrap();
            assert_eq!(v.is_valid(input), want.is_none(), "{id} {input}: the schema disagrees");
        }
    }
    // A date bound ahead of now needs the clock; an hour of slack for clocks that differ.
    let def = act("create_new_campaign");
    let at = |s: &str| core::prepare(def, &json!({"name": "n", "templateId": 1, "listIds": [1], "sendAt": s}).to_string(), BASE);
    let now = formats::instant(formats::DATE_UTC, "2024-01-01 00:00:00").unwrap() as f64;
    core::validate::set_now(now);
    assert!(at("2024-01-22 00:59:59").is_ok());
    let e = at("2024-01-22 01:00:01").unwrap_err();
    assert_eq!((e.issues[0].param.as_str(), e.issues[0].message.as_str()), ("sendAt", "is more than 21 days in the future"));
    core::validate::set_now(f64::NAN);
    assert!(at("2099-01-01 00:00:00").is_ok(), "no clock, no bound");
}

#[test]
fn date_forms_are_read_exactly() {
    use formats::{instant, DATE_UTC, ISO};
    assert_eq!(instant(DATE_UTC, "1970-01-01 00:00:00"), Some(0));
    assert_eq!(instant(DATE_UTC, "2024-02-29 12:34:56"), Some(1_709_210_096_000));
    assert_eq!(instant(ISO, "2024-02-29T12:34:56Z"), Some(1_709_210_096_000));
    assert_eq!(instant(ISO, "2024-02-29T13:34:56.250+01:00"), Some(1_709_210_096_000));
    assert_eq!(instant(ISO, "2024-02-29T11:34:56-0100"), Some(1_709_210_096_000));
    assert_eq!(instant(ISO, "2024-02-29T12:34:56"), Some(1_709_210_096_000));
    assert_eq!(instant(DATE_UTC, "1969-12-31 23:59:59"), Some(-1000));
    for bad in ["", "2024-01-01", "2024-01-01 00:00", "2024-01-01T00:00:00", "2024-13-01 00:00:00", "2024-00-10 00:00:00", "2024-01-32 00:00:00", "2024-01-01 24:00:00", "2024-01-01 00:60:00", "2024-01-01 00:00:60", "2024-01-01 00:00:00Z", " 2024-01-01 00:00:00", "２024-01-01 00:00:00", "2024/01/01 00:00:00"] {
        assert_eq!(instant(DATE_UTC, bad), None, "{bad:?}");
    }
    for bad in ["2024-01-01 00:00:00", "2024-01-01T00:00:00.", "2024-01-01T00:00:00+1", "2024-01-01T00:00:00+24:00", "2024-01-01T00:00:00+01:60", "2024-01-01T00:00:00z", "2024-01-01T00:00:00ZZ", "2024-01-01t00:00:00Z"] {
        assert_eq!(instant(ISO, bad), None, "{bad:?}");
    }
    // Query dates: Iterable's form with or without a zone (after a space or not), or ISO 8601.
    use formats::DATE_ZONED;
    for (ok, at) in [
        ("2024-02-29 12:34:56", 1_709_210_096_000),
        ("2024-02-29 13:34:56 +01:00", 1_709_210_096_000),
        ("2024-02-29 13:34:56+0100", 1_709_210_096_000),
        ("2024-02-29 12:34:56 Z", 1_709_210_096_000),
        ("2024-02-29T12:34:56Z", 1_709_210_096_000),
        ("2024-02-29T13:34:56.250+01:00", 1_709_210_096_000),
    ] {
        assert_eq!(instant(DATE_ZONED, ok), Some(at), "{ok:?}");
    }
    for bad in ["", "not-a-date", "2024-01-01", "2024-01-01 00:00", "2024-01-01 00:00:00 ", "2024-01-01 00:00:00  Z", "2024-01-01 00:00:00 +1", "2024-01-01 00:00:00 UTC", "2024-13-01 00:00:00", "2024-01-01_00:00:00"] {
        assert_eq!(instant(DATE_ZONED, bad), None, "{bad:?}");
    }
}

#[test]
fn email_form_refuses_only_what_iterables_validator_refuses() {
    // Addresses Iterable's validator takes all pass (quoted local parts, IP literals, plus tags, IDN).
    for ok in ["a@b.co", "user+tag@example.com", "\"a b\"@example.com", "\"a@b\"@example.com", "user@[127.0.0.1]", "user@[::1]", "ünï@exämple.de", "a.b-c_d@sub.example.museum"] {
        assert!(formats::email(ok), "{ok}");
    }
    for bad in ["", "not-an-email", "@example.com", "user@", "user@example.com.", "user@exa mple.com", "user\n@example.com", "us er@", "user@example.com\u{a0}", "user@\u{feff}x.com"] {
        assert!(!formats::email(bad), "{bad:?}");
    }
}

#[test]
fn bulk_chunks_validated_once_give_the_requests_a_full_prepare_gives() {
    use iterable_wasm::core::bulk;
    // Each item is checked once by the plan and each chunk's other params once; a send builds the
    // chunk's request without checking it again. The requests must be those a full prepare (the
    // items checked again) builds, for every bulk action with items that pass.
    let events = act("track_events_in_bulk");
    let items: Vec<Value> = (0..3000)
        .map(|i| json!({"email": format!("u{i}@example.com"), "eventName": "open", "createdAt": 1_700_000_000 + i, "dataFields": {"k": i, "s": "x".repeat(1500)}}))
        .collect();
    let plan = bulk::plan(events, "{}", &Value::Array(items).to_string(), BASE).unwrap();
    assert!(plan.chunks.len() >= 2 && plan.rejected.is_empty());
    for c in &plan.chunks {
        assert_eq!(bulk::request(events, c, BASE).unwrap(), core::prepare(events, &c.input, BASE).unwrap());
    }
    let users = act("bulk_update_users");
    let plan = bulk::plan(users, r#"{"createNewFields":true}"#, r#"[{"email":"a@b.co"},{"email":"nope"},{"userId":"u2","dataFields":{"a":1}}]"#, BASE).unwrap();
    assert_eq!(plan.rejected.iter().map(|f| f.index).collect::<Vec<_>>(), vec![1]);
    assert_eq!(bulk::request(users, &plan.chunks[0], BASE).unwrap(), core::prepare(users, &plan.chunks[0].input, BASE).unwrap());
    // The common params are still checked with the items left out of the second look.
    let e = bulk::plan(users, r#"{"createNewFields":1}"#, r#"[{"email":"a@b.co"}]"#, BASE).unwrap_err();
    assert_eq!((e.code.as_str(), e.issues[0].param.as_str()), (codes::VALIDATION, "createNewFields"));
}

/// An action whose object and array params have no rules and stay out of the query is parsed one
/// level deep (`prepare_in`): its request must equal the one built from the whole tree, and a
/// syntax error deep inside a free-form object must still be refused.
#[test]
fn one_level_parse_builds_the_same_requests() {
    let fields = r#"{"a":[1,{"b":"\u00e9\n","c":[[]]}],"d":{"e":null},"f":"x"}"#;
    let cases = [
        ("track_event", format!(r#"{{"email":"a@b.co","eventName":"e\u00e9","dataFields":{fields},"createdAt":1700000000}}"#)),
        ("update_user", format!(r#"{{"userId":"u1","dataFields":{fields}}}"#)),
    ];
    for (id, input) in cases {
        let def = core::action(id).unwrap();
        let full = request::build(def, &core::json::parse(&input).unwrap(), BASE);
        assert_eq!(core::prepare_in(def, &input, BASE, None).unwrap(), full, "{id}");
        let broken = input.replace(r#"{"e":null}"#, r#"{"e":nul}"#);
        assert!(core::prepare_in(def, &broken, BASE, None).is_err(), "{id}: a syntax error deep inside is refused");
    }
}

/// The body is the same bytes however the input text is written: natively, an input written
/// compactly with its members in definition order is sent as its own text (`build`'s shortcut);
/// white space, another order, a null member or an escaped key take the member-by-member way;
/// every action's full input gives the same request all three ways.
#[test]
fn body_is_the_same_whichever_way_it_is_built() {
    for def in defs::all() {
        let input = full_input(def);
        let compact = Value::Object(input.clone()).to_string();
        let Ok(req) = core::prepare(def, &compact, BASE) else { continue };
        // White space between the top-level members only (values are copied as written).
        let member = |(k, v): (&String, &Value)| format!("{}:{v}", Value::String(k.clone()));
        let spaced = format!("{{ {} }}", input.iter().map(|(k, v)| format!("{} : {v}", Value::String(k.clone()))).collect::<Vec<_>>().join(" , "));
        let reversed = format!("{{{}}}", input.iter().rev().map(member).collect::<Vec<_>>().join(","));
        for (how, text) in [("spaced", spaced), ("reversed", reversed)] {
            assert_eq!(core::prepare(def, &text, BASE).unwrap(), req, "{} {how}", def.id);
        }
    }
    let track = core::action("track_event").unwrap();
    let shortcut = core::prepare(track, r#"{"email":"ada@example.com","eventName":"e"}"#, BASE).unwrap();
    for text in [r#"{"email":"ada@example.com","eventName":"e","dataFields":null}"#, r#"{"\u0065mail":"ada@example.com","eventName":"e"}"#, r#"{"eventName":"e","email":"ada@example.com"}"#] {
        assert_eq!(core::prepare(track, text, BASE).unwrap(), shortcut, "{text}");
    }
    assert_eq!(shortcut.body.as_deref(), Some(r#"{"email":"ada@example.com","eventName":"e"}"#));
}

/// Natively, `validate_in` accepts what it can show valid from a plan of each definition (bit
/// sets of the params) and leaves everything else to its general path: the two give the same
/// answer, error for error, for every action's minimal and full inputs and for inputs drawn from
/// them with members dropped, nulled, repeated, misspelled or given values of other kinds.
#[test]
fn validation_plans_answer_as_the_general_path() {
    use core::json;
    use core::validate::{plan_accepts, use_plans, validate_in};
    let others = [
        json!(null),
        json!(""),
        json!("."),
        json!(".."),
        json!("x"),
        json!("not an email"),
        json!("user@example.com"),
        json!("2024-01-01 00:00:00"),
        json!("a".repeat(600)),
        json!(0),
        json!(-1),
        json!(42),
        json!(1.5),
        json!(3_000_000_000u64),
        json!(true),
        json!({}),
        json!({ "email": "user@example.com" }),
        json!([]),
        json!([1, 2]),
        json!(["a"]),
        json!([{ "email": "user@example.com" }]),
    ];
    // A fixed sequence (xorshift), so the draws are the same on every run.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    core::validate::set_now(1_767_225_600_000.0);
    let (mut compared, mut valid, mut by_plan) = (0, 0, 0);
    for def in defs::all() {
        let bases = [minimal_input(def), full_input(def), Map::new()];
        for round in 0..60 {
            let base = &bases[round % bases.len()];
            let mut members: Vec<(String, Value)> = base.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            if round >= bases.len() {
                for _ in 0..1 + next(3) {
                    let names: Vec<&str> = def.params.iter().map(|p| p.name.as_str()).collect();
                    match next(6) {
                        0 if !members.is_empty() => {
                            members.remove(next(members.len()));
                        }
                        1 if !members.is_empty() => {
                            let i = next(members.len());
                            members[i].1 = Value::Null;
                        }
                        2 if !members.is_empty() => {
                            let i = next(members.len());
                            members.push(members[i].clone());
                        }
                        3 if !names.is_empty() => {
                            let name = names[next(names.len())];
                            members.push((format!("{name}X"), json!(1)));
                        }
                        _ if !names.is_empty() => {
                            let name = names[next(names.len())].to_string();
                            let value = others[next(others.len())].clone();
                            match members.iter_mut().find(|(k, _)| *k == name) {
                                Some(m) => m.1 = value,
                                None => members.push((name, value)),
                            }
                        }
                        _ => {}
                    }
                }
            }
            let text = format!("{{{}}}", members.iter().map(|(k, v)| format!("{}:{v}", Value::from(k.as_str()))).collect::<Vec<_>>().join(","));
            let input = json::parse(&text).unwrap();
            use_plans(false);
            let general = validate_in(def, &input, None);
            use_plans(true);
            let planned = validate_in(def, &input, None);
            assert_eq!(planned, general, "{}: {text}", def.id);
            let accepted = plan_accepts(def, &input, None);
            assert!(!accepted || general.is_ok(), "{}: the plan accepts {text}", def.id);
            compared += 1;
            valid += usize::from(general.is_ok());
            by_plan += usize::from(accepted);
        }
    }
    assert!(valid > 1_000 && compared - valid > 2_000, "{valid} valid and {} invalid inputs of {compared}", compared - valid);
    // Every definition has a plan, and the plan takes every valid input.
    assert_eq!(by_plan, valid, "valid inputs the plans accepted");
}
