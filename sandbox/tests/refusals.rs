//! The sandbox refuses what the client's validation refuses, for a raw HTTP client that skips it
//! (curl, another SDK): one row per rule kind of the definition vocabulary. Each row's bad input
//! goes out as the request the core would build for it (`core::request::build`, no validation)
//! and must meet Iterable's 400 `{msg, code: "BadParams", params}` naming the param; its valid
//! form must be answered 2xx. `cargo test -p iterable-sandbox --test refusals`

use iterable_sandbox::{Response, Sandbox};
use iterable_wasm::core::{defs, json, request};
use serde_json::Value;

const KEY: &str = r#"{"Api-Key": "test-key", "Content-Type": "application/json"}"#;
const BASE: &str = "https://api.iterable.com";

/// Sends `input` (the client's form, `$NAME` placeholders filled from `ids`) to action `id` as
/// the raw request the core builds for it.
fn send(s: &mut Sandbox, id: &str, input: &str, ids: &[(&str, i64)]) -> Response {
    let mut text = input.to_string();
    for (name, v) in ids {
        text = text.replace(name, &v.to_string());
    }
    let def = defs::find(id).unwrap_or_else(|| panic!("no action {id}"));
    let node = json::parse(&text).unwrap_or_else(|e| panic!("{id}: {e}: {text}"));
    let req = request::build(def, &node, BASE);
    s.handle(req.method.as_str(), &req.url, KEY, req.body.as_deref())
}

fn body(r: &Response) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.body))
}

fn made(r: Response, field: &str) -> i64 {
    assert!((200..300).contains(&r.status), "{} {}", r.status, r.body);
    body(&r)[field].as_i64().unwrap_or_else(|| panic!("no {field} in {}", r.body))
}

/// A project with a list, a user, a push and an in-app template and a blast campaign.
fn project() -> (Sandbox, Vec<(&'static str, i64)>) {
    let mut s = Sandbox::new(r#"{"seed": 3, "clock": "2024-02-01T00:00:00Z"}"#).unwrap();
    let list = made(send(&mut s, "create_new_list", r#"{"name": "Base"}"#, &[]), "listId");
    send(&mut s, "update_user", r#"{"userId": "u1", "email": "u1@example.com"}"#, &[]);
    let template = |s: &mut Sandbox, upsert: &str, input: &str, client_id: &str| {
        let r = send(s, upsert, input, &[]);
        assert!((200..300).contains(&r.status), "{upsert}: {}", r.body);
        let r = send(s, "get_template_by_client_template_id", &format!(r#"{{"clientTemplateId": "{client_id}"}}"#), &[]);
        body(&r)["templates"][0]["templateId"].as_i64().unwrap_or_else(|| panic!("{}", r.body))
    };
    let push = template(&mut s, "upsert_push_template", r#"{"clientTemplateId": "p", "name": "P", "title": "T", "message": "M"}"#, "p");
    let in_app = template(&mut s, "upsert_inapp_template", r#"{"clientTemplateId": "i", "name": "I", "html": "<p>x</p>"}"#, "i");
    let blast = made(
        send(&mut s, "create_new_campaign", r#"{"name": "Blast", "templateId": $PUSH, "listIds": [$LIST]}"#, &[("$PUSH", push), ("$LIST", list)]),
        "campaignId",
    );
    (s, vec![("$LIST", list), ("$PUSH", push), ("$INAPP", in_app), ("$BLAST", blast)])
}

/// (rule kind, action, input the client refuses, the param the answer names, the valid form)
const ROWS: &[(&str, &str, &str, &str, &str)] = &[
    ("required", "create_new_list", r#"{"description": "no name"}"#, "name", r#"{"name": "L2"}"#),
    ("requireOneOf", "track_event", r#"{"eventName": "e"}"#, "email|userId", r#"{"eventName": "e", "email": "a@example.com"}"#),
    (
        "exclusive",
        "export_data_to_csv",
        r#"{"dataTypeName": "user", "range": "All", "startDateTime": "2024-01-01 00:00:00", "endDateTime": "2024-01-20 00:00:00"}"#,
        "range|startDateTime",
        r#"{"dataTypeName": "user", "range": "All"}"#,
    ),
    (
        "together",
        "export_data_to_csv",
        r#"{"dataTypeName": "user", "startDateTime": "2024-01-01 00:00:00"}"#,
        "endDateTime",
        r#"{"dataTypeName": "user", "startDateTime": "2024-01-01 00:00:00", "endDateTime": "2024-01-20 00:00:00"}"#,
    ),
    ("maxLength", "create_snippet", const_str::NAME_101, "name", r#"{"name": "Footer", "content": "x"}"#),
    ("chars", "create_snippet", r#"{"name": "Footer!", "content": "x"}"#, "name", r#"{"name": "Footer 2", "content": "x"}"#),
    ("maxBytes", "track_event", const_str::ID_513_BYTES, "id", const_str::ID_512_BYTES),
    ("enum", "list_all_templates", r#"{"sort": "-startAt"}"#, "sort", r#"{"sort": "-createdAt"}"#),
    ("items enum", "list_all_campaigns", r#"{"campaignState": ["Running", "Bogus"]}"#, "campaignState[1]", r#"{"campaignState": ["Running"]}"#),
    (
        "enumIgnoreCase",
        "subscribe_user_by_id",
        r#"{"subscriptionGroup": "emailLists", "subscriptionGroupId": $LIST, "userId": "u1"}"#,
        "subscriptionGroup",
        r#"{"subscriptionGroup": "EMAILLIST", "subscriptionGroupId": $LIST, "userId": "u1"}"#,
    ),
    ("minItems", "create_new_campaign", r#"{"name": "B", "templateId": $PUSH, "listIds": []}"#, "listIds", r#"{"name": "B", "templateId": $PUSH, "listIds": [$LIST]}"#),
    (
        "maxItems",
        "update_push_template",
        r#"{"templateId": $PUSH, "buttons": [{"identifier": "a", "title": "A", "openApp": true}, {"identifier": "b", "title": "B", "openApp": true}, {"identifier": "c", "title": "C", "openApp": true}, {"identifier": "d", "title": "D", "openApp": true}]}"#,
        "buttons",
        r#"{"templateId": $PUSH, "buttons": [{"identifier": "a", "title": "A", "openApp": true}]}"#,
    ),
    ("minimum", "get_user_events", r#"{"userId": "u1", "limit": 0}"#, "limit", r#"{"userId": "u1", "limit": 1}"#),
    ("maximum", "get_user_events", r#"{"userId": "u1", "limit": 201}"#, "limit", r#"{"userId": "u1", "limit": 200}"#),
    (
        "date form",
        "update_inapp_template",
        r#"{"templateId": $INAPP, "expirationDateTime": "2030-01-01 00:00:00 +01:00"}"#,
        "expirationDateTime",
        r#"{"templateId": $INAPP, "expirationDateTime": "2030-01-01 00:00:00"}"#,
    ),
    (
        "date form",
        "create_new_campaign",
        r#"{"name": "B", "templateId": $PUSH, "listIds": [$LIST], "sendAt": "2024-02-03T00:00:00Z"}"#,
        "sendAt",
        r#"{"name": "B", "templateId": $PUSH, "listIds": [$LIST], "sendAt": "2024-02-03 00:00:00"}"#,
    ),
    ("email", "get_user_by_email", r#"{"email": "user@"}"#, "email", r#"{"email": "u1@example.com"}"#),
    ("maxFutureDays", "schedule_campaign", r#"{"campaignId": $BLAST, "sendAt": "2024-03-15T00:00:00Z"}"#, "sendAt", r#"{"campaignId": $BLAST, "sendAt": "2024-02-04T00:00:00Z"}"#),
    (
        "nested item required",
        "track_purchase",
        r#"{"user": {"email": "a@example.com"}, "items": [{"id": "p", "name": "P", "quantity": 1}], "total": 1}"#,
        "items[0].price",
        r#"{"user": {"email": "a@example.com"}, "items": [{"id": "p", "name": "P", "price": 1, "quantity": 1}], "total": 1}"#,
    ),
    (
        "nested item enum",
        "update_push_template",
        r#"{"templateId": $PUSH, "buttons": [{"identifier": "a", "title": "A", "openApp": true, "buttonType": "bogus"}]}"#,
        "buttons[0].buttonType",
        r#"{"templateId": $PUSH, "buttons": [{"identifier": "a", "title": "A", "openApp": true, "buttonType": "default"}]}"#,
    ),
    (
        "nested required",
        "register_device_token",
        r#"{"email": "u1@example.com", "device": {"platform": "GCM", "applicationName": "app"}}"#,
        "device.token",
        r#"{"email": "u1@example.com", "device": {"platform": "GCM", "applicationName": "app", "token": "t1"}}"#,
    ),
];

/// Long inputs, spelled out once.
mod const_str {
    macro_rules! repeat {
        ($s:literal x10) => { concat!($s, $s, $s, $s, $s, $s, $s, $s, $s, $s) };
    }
    macro_rules! x100 {
        ($s:literal) => { concat!(repeat!($s x10), repeat!($s x10), repeat!($s x10), repeat!($s x10), repeat!($s x10), repeat!($s x10), repeat!($s x10), repeat!($s x10), repeat!($s x10), repeat!($s x10)) };
    }
    /// A snippet name of 101 characters (the limit is 100).
    pub const NAME_101: &str = concat!(r#"{"name": ""#, x100!("n"), r#"n", "content": "x"}"#);
    /// An event id of 256 two-byte characters plus one byte: 513 bytes (the limit is 512).
    pub const ID_513_BYTES: &str = concat!(r#"{"eventName": "e", "email": "a@example.com", "id": ""#, x100!("é"), x100!("é"), repeat!("é" x10), repeat!("é" x10), repeat!("é" x10), repeat!("é" x10), repeat!("é" x10), "éééééé", r#"x"}"#);
    /// 256 two-byte characters: 512 bytes.
    pub const ID_512_BYTES: &str = concat!(r#"{"eventName": "e", "email": "a@example.com", "id": ""#, x100!("é"), x100!("é"), repeat!("é" x10), repeat!("é" x10), repeat!("é" x10), repeat!("é" x10), repeat!("é" x10), "éééééé", r#""}"#);
}

#[test]
fn every_rule_kind_is_refused_with_bad_params_naming_the_param_and_its_valid_form_accepted() {
    let (mut s, ids) = project();
    let mut failures = vec![];
    for (kind, id, bad, param, good) in ROWS {
        let r = send(&mut s, id, bad, &ids);
        let v: Value = serde_json::from_str(&r.body).unwrap_or_default();
        let named = v["params"].as_object().is_some_and(|p| p.contains_key(*param));
        // A malformed email address gets Iterable's own code.
        let code = if *kind == "email" { "InvalidEmailAddressError" } else { "BadParams" };
        if r.status != 400 || v["code"] != code || !named || !v["msg"].as_str().is_some_and(|m| m.contains(param)) {
            failures.push(format!("{kind} {id}: expected 400 {code} naming {param}, got {} {}", r.status, r.body));
        }
        let r = send(&mut s, id, good, &ids);
        if !(200..300).contains(&r.status) {
            failures.push(format!("{kind} {id}: the valid form got {} {}", r.status, r.body));
        }
    }
    assert!(failures.is_empty(), "{} of {} rows:\n{}", failures.len(), ROWS.len(), failures.join("\n"));
}

/// Where Iterable answers with its own code, or takes the request, the sandbox does too.
#[test]
fn iterable_own_answers_stay() {
    let (mut s, ids) = project();
    // A malformed email: Iterable's own code.
    let r = send(&mut s, "update_user", r#"{"email": "not-an-email"}"#, &ids);
    let v = body(&r);
    assert_eq!((r.status, v["code"].as_str()), (400, Some("InvalidEmailAddressError")), "{}", r.body);
    assert!(v["params"]["email"].is_array(), "{}", r.body);
    // A wrong JSON type: Iterable's JSON reader refuses the body.
    let r = send(&mut s, "track_event", r#"{"eventName": 5, "email": "a@example.com"}"#, &ids);
    assert_eq!((r.status, body(&r)["code"].as_str()), (400, Some("BadJsonBody")), "{}", r.body);
    // preferOne: several identifiers are accepted (Iterable resolves them).
    let r = send(&mut s, "track_event", r#"{"eventName": "e", "email": "u1@example.com", "userId": "u1"}"#, &ids);
    assert_eq!(r.status, 200, "{}", r.body);
    // The items of a bulk list are judged one by one: the good ones go, the bad one is reported.
    let r = send(&mut s, "subscribe_to_list", r#"{"listId": $LIST, "subscribers": [{"email": "ok@example.com"}, {"email": "bad"}]}"#, &ids);
    let v = body(&r);
    assert_eq!((r.status, v["successCount"].as_i64()), (200, Some(1)), "{}", r.body);
    // A triggered campaign: no listIds.
    let r = send(&mut s, "create_new_campaign", r#"{"name": "Welcome", "templateId": $PUSH}"#, &ids);
    assert_eq!(r.status, 200, "{}", r.body);
    // The double opt-in answers in its own error shape.
    let r = send(&mut s, "trigger_double_opt_in", r#"{}"#, &ids);
    let v = body(&r);
    assert_eq!((r.status, v["code"].as_str()), (400, Some("BadParams")), "{}", r.body);
    assert!(v["message"].is_string(), "{}", r.body);
}

/// The handlers hold no checks of their own for what the definitions already rule: an empty
/// listIds, an unknown subscription group or bulk action, an export format or a catalog field
/// type outside the definition's enum reach the core's 400 BadParams naming the param, before
/// any handler runs.
#[test]
fn what_the_definitions_rule_is_refused_before_the_handlers() {
    let (mut s, ids) = project();
    let r = send(&mut s, "create_catalog", r#"{"catalogName": "Shoes"}"#, &ids);
    assert!((200..300).contains(&r.status), "create_catalog: {}", r.body);
    let rows: &[(&str, &str, &str)] = &[
        ("create_new_campaign", r#"{"name": "B", "templateId": $PUSH, "listIds": []}"#, "listIds"),
        ("subscribe_user_by_id", r#"{"subscriptionGroup": "nope", "subscriptionGroupId": $LIST, "userId": "u1"}"#, "subscriptionGroup"),
        ("bulk_subscription_action", r#"{"subscriptionGroup": "nope", "subscriptionGroupId": $LIST, "action": "subscribe", "users": ["u1@example.com"]}"#, "subscriptionGroup"),
        ("bulk_subscription_action", r#"{"subscriptionGroup": "emailList", "subscriptionGroupId": $LIST, "action": "toggle", "users": ["u1@example.com"]}"#, "action"),
        ("bulk_subscription_action", r#"{"subscriptionGroup": "emailList", "subscriptionGroupId": $LIST, "users": ["u1@example.com"]}"#, "action"),
        ("start_export", r#"{"dataTypeName": "user", "outputFormat": "text/xml"}"#, "outputFormat"),
        ("start_export", r#"{"dataTypeName": "user"}"#, "outputFormat"),
        ("update_catalog_field_mappings", r#"{"catalogName": "Shoes", "mappingsUpdates": [{"fieldName": "size", "fieldType": "integer"}]}"#, "mappingsUpdates[0].fieldType"),
        ("update_catalog_field_mappings", r#"{"catalogName": "Shoes", "mappingsUpdates": [{"fieldName": "sizes", "fieldType": "array"}]}"#, "mappingsUpdates[0].fieldType"),
    ];
    let mut failures = vec![];
    for (id, bad, param) in rows {
        let r = send(&mut s, id, bad, &ids);
        let v: Value = serde_json::from_str(&r.body).unwrap_or_default();
        let named = v["params"].as_object().is_some_and(|p| p.contains_key(*param));
        if r.status != 400 || v["code"] != "BadParams" || !named {
            failures.push(format!("{id} {bad}: expected 400 BadParams naming {param}, got {} {}", r.status, r.body));
        }
    }
    assert!(failures.is_empty(), "{} of {} rows:\n{}", failures.len(), rows.len(), failures.join("\n"));
}
