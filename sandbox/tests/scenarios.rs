//! Native scenario tests of the emulator (no wasm, no JS): `cargo test -p iterable-sandbox`.

use iterable_sandbox::{actions, Response, Sandbox};
use serde_json::{json, Value};

const KEY: &str = r#"{"Api-Key": "test-key", "Content-Type": "application/json"}"#;

fn sb() -> Sandbox {
    Sandbox::new(r#"{"seed": 5, "clock": "2024-02-01T00:00:00Z"}"#).unwrap()
}

fn call(s: &mut Sandbox, method: &str, path: &str, body: Option<Value>) -> Response {
    let b = body.map(|v| v.to_string());
    s.handle(
        method,
        &format!("https://api.iterable.com{path}"),
        KEY,
        b.as_deref(),
    )
}

fn ok(s: &mut Sandbox, method: &str, path: &str, body: Option<Value>) -> Response {
    let r = call(s, method, path, body);
    assert!(
        (200..300).contains(&r.status),
        "{method} {path} -> {} {}",
        r.status,
        r.body
    );
    r
}

fn j(r: &Response) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.body))
}

/// Upserts a template of `kind` (email, push, ...) and returns its id.
fn template(s: &mut Sandbox, kind: &str, body: Value) -> Value {
    j(&ok(s, "POST", &format!("/api/templates/{kind}/upsert"), Some(body)))["params"]["templateIds"][0].clone()
}

fn ctype(r: &Response) -> &str {
    r.headers["content-type"].as_str().unwrap()
}

#[test]
fn routes_every_catalog_action_and_prefers_literal_segments() {
    let defs: Vec<Value> = serde_json::from_str(include_str!("../../defs/actions.json")).unwrap();
    assert_eq!(actions().len(), defs.len());
    let mut s = sb();
    // /api/users/byUserId (literal) must not be taken for /api/users/{email}
    ok(
        &mut s,
        "POST",
        "/api/users/update",
        Some(json!({"userId": "u1", "preferUserId": true})),
    );
    let r = ok(&mut s, "GET", "/api/users/byUserId?userId=u1", None);
    assert_eq!(j(&r)["user"]["userId"], "u1");
    let r = ok(&mut s, "GET", "/api/export/jobs", None);
    assert!(j(&r)["jobs"].is_array());
}

#[test]
fn iterable_errors() {
    let mut s = sb();
    let r = s.handle("GET", "https://api.iterable.com/api/lists", "{}", None);
    assert_eq!(
        (r.status, j(&r)),
        (
            401,
            json!({"msg": "Invalid API key", "code": "BadApiKey", "params": null})
        )
    );
    let r = s.handle(
        "GET",
        "https://api.iterable.com/api/lists",
        r#"{"authorization": "Bearer a.b.c"}"#,
        None,
    );
    assert_eq!(r.status, 200);
    let r = call(&mut s, "GET", "/api/unknown", None);
    assert_eq!((r.status, j(&r)["code"].clone()), (404, json!("NotFound")));
    let r = s.handle(
        "POST",
        "https://api.iterable.com/api/events/track",
        KEY,
        Some("{nope"),
    );
    assert_eq!(
        (r.status, j(&r)["code"].clone()),
        (400, json!("BadJsonBody"))
    );
    let r = call(
        &mut s,
        "POST",
        "/api/events/track",
        Some(json!({"email": "a@b.co"})),
    );
    assert_eq!(
        (r.status, j(&r)["code"].clone()),
        (400, json!("BadParams")),
        "missing eventName"
    );
    let r = call(
        &mut s,
        "POST",
        "/api/events/track",
        Some(json!({"eventName": "x"})),
    );
    assert_eq!(
        (r.status, j(&r)["code"].clone()),
        (400, json!("BadParams")),
        "email or userId"
    );
    let r = call(
        &mut s,
        "POST",
        "/api/events/track",
        Some(json!({"email": "a@b.co", "eventName": 5})),
    );
    assert_eq!(
        (r.status, j(&r)["code"].clone()),
        (400, json!("BadJsonBody")),
        "wrong type"
    );
    let r = call(&mut s, "GET", "/api/campaigns/abc", None);
    assert_eq!(
        (r.status, j(&r)["code"].clone()),
        (400, json!("BadParams")),
        "non-integer path id"
    );
    let r = call(
        &mut s,
        "POST",
        "/api/users/update",
        Some(json!({"email": "not-an-email"})),
    );
    assert_eq!(j(&r)["code"], "InvalidEmailAddressError");
    ok(
        &mut s,
        "POST",
        "/api/users/update",
        Some(json!({"email": "t@b.co", "dataFields": {"n": 1}})),
    );
    let r = call(
        &mut s,
        "POST",
        "/api/users/update",
        Some(json!({"email": "t@b.co", "dataFields": {"n": "one"}})),
    );
    assert_eq!(
        (r.status, j(&r)["code"].clone()),
        (400, json!("RequestFieldsTypesMismatched"))
    );
}

#[test]
fn three_subscribers_make_a_list_of_three() {
    let mut s = sb();
    let id = j(&ok(
        &mut s,
        "POST",
        "/api/lists",
        Some(json!({"name": "L"})),
    ))["listId"]
        .as_i64()
        .unwrap();
    let r = ok(
        &mut s,
        "POST",
        "/api/lists/subscribe",
        Some(
            json!({"listId": id, "subscribers": [{"email": "a@x.co"}, {"email": "b@x.co"}, {"email": "c@x.co"}, {"email": "bad"}]}),
        ),
    );
    let v = j(&r);
    assert_eq!(
        (
            v["successCount"].clone(),
            v["failCount"].clone(),
            v["invalidEmails"].clone()
        ),
        (json!(3), json!(1), json!(["bad"]))
    );
    let r = ok(&mut s, "GET", &format!("/api/lists/{id}/size"), None);
    assert_eq!(
        (r.body.as_str(), ctype(&r)),
        ("3", "text/plain; charset=utf-8")
    );
    let r = ok(
        &mut s,
        "GET",
        &format!("/api/lists/previewUsers?listId={id}&size=2"),
        None,
    );
    assert_eq!(r.body.lines().count(), 2);
    let r = call(&mut s, "GET", "/api/lists/999/size", None);
    assert_eq!(r.status, 400);
}

#[test]
fn user_updates_merge_and_nested_merge() {
    let mut s = sb();
    ok(
        &mut s,
        "POST",
        "/api/users/update",
        Some(json!({"email": "m@x.co", "dataFields": {"a": 1, "o": {"x": 1, "y": 1}}})),
    );
    ok(
        &mut s,
        "POST",
        "/api/users/update",
        Some(
            json!({"email": "m@x.co", "dataFields": {"b": 2, "o": {"x": 2}}, "mergeNestedObjects": true}),
        ),
    );
    let df = j(&ok(
        &mut s,
        "GET",
        "/api/users/getByEmail?email=m%40x.co",
        None,
    ))["user"]["dataFields"]
        .clone();
    assert_eq!(
        (df["a"].clone(), df["b"].clone(), df["o"].clone()),
        (json!(1), json!(2), json!({"x": 2, "y": 1}))
    );
    ok(
        &mut s,
        "POST",
        "/api/users/update",
        Some(json!({"email": "m@x.co", "dataFields": {"o": {"z": 3}}})),
    );
    let df = j(&ok(&mut s, "GET", "/api/users/m%40x.co", None))["user"]["dataFields"].clone();
    assert_eq!(
        df["o"],
        json!({"z": 3}),
        "without mergeNestedObjects the object is replaced"
    );
    ok(
        &mut s,
        "POST",
        "/api/users/updateEmail",
        Some(json!({"currentEmail": "m@x.co", "newEmail": "n@x.co"})),
    );
    ok(
        &mut s,
        "POST",
        "/api/users/update",
        Some(json!({"email": "o@x.co"})),
    );
    let r = call(
        &mut s,
        "POST",
        "/api/users/updateEmail",
        Some(json!({"currentEmail": "o@x.co", "newEmail": "n@x.co"})),
    );
    assert_eq!(
        (r.status, j(&r)["code"].clone()),
        (409, json!("EmailAlreadyExists"))
    );
    let fields = j(&ok(&mut s, "GET", "/api/users/getFields", None))["fields"].clone();
    assert_eq!(
        (fields["a"].clone(), fields["o.x"].clone()),
        (json!("long"), json!("long"))
    );
}

#[test]
fn tracked_events_newest_first_with_limit() {
    let mut s = sb();
    for name in ["one", "two", "three"] {
        ok(
            &mut s,
            "POST",
            "/api/events/track",
            Some(json!({"email": "e@x.co", "eventName": name})),
        );
    }
    let v = j(&ok(&mut s, "GET", "/api/events/e%40x.co?limit=2", None));
    let names: Vec<&str> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["eventName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["three", "two"]);
    let r = ok(
        &mut s,
        "POST",
        "/api/events/trackBulk",
        Some(
            json!({"events": [{"email": "e@x.co", "eventName": "b"}, {"email": "nope", "eventName": "b"}]}),
        ),
    );
    assert_eq!(
        (j(&r)["successCount"].clone(), j(&r)["failCount"].clone()),
        (json!(1), json!(1))
    );
}

#[test]
fn campaign_life_cycle() {
    let mut s = sb();
    let list = j(&ok(
        &mut s,
        "POST",
        "/api/lists",
        Some(json!({"name": "L"})),
    ))["listId"]
        .clone();
    ok(
        &mut s,
        "POST",
        "/api/lists/subscribe",
        Some(
            json!({"listId": list, "subscribers": [{"email": "r@x.co", "dataFields": {"firstName": "Rae"}}]}),
        ),
    );
    let tid = template(&mut s, "email", json!({"clientTemplateId": "c", "subject": "Hi {{firstName}}", "html": "<p>{{firstName}}</p>"}));
    let id = j(&ok(
        &mut s,
        "POST",
        "/api/campaigns/create",
        Some(json!({"name": "C", "listIds": [list], "templateId": tid})),
    ))["campaignId"]
        .as_i64()
        .unwrap();
    let state = |s: &mut Sandbox| {
        j(&ok(s, "GET", &format!("/api/campaigns/{id}"), None))["campaignState"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(state(&mut s), "Draft");
    let r = call(
        &mut s,
        "POST",
        "/api/campaigns/cancel",
        Some(json!({"campaignId": id})),
    );
    assert_eq!(
        (r.status, j(&r)["code"].clone()),
        (400, json!("BadParams")),
        "cancel only when scheduled"
    );
    ok(
        &mut s,
        "POST",
        &format!("/api/campaigns/{id}/schedule"),
        Some(json!({"sendAt": "2024-02-01T00:00:30Z"})),
    );
    assert_eq!(state(&mut s), "Scheduled");
    ok(
        &mut s,
        "POST",
        "/api/campaigns/cancel",
        Some(json!({"campaignId": id})),
    );
    assert_eq!(state(&mut s), "Ready", "a cancelled scheduled blast is Ready again");
    ok(
        &mut s,
        "POST",
        &format!("/api/campaigns/{id}/schedule"),
        Some(json!({"sendAt": "2024-02-01T00:00:20Z"})),
    );
    let mut seen = vec![];
    for _ in 0..15 {
        let st = state(&mut s);
        if seen.last() != Some(&st) {
            seen.push(st);
        }
    }
    assert_eq!(seen, ["Scheduled", "Starting", "Running", "Finished"]);
    let r = call(
        &mut s,
        "POST",
        "/api/campaigns/abort",
        Some(json!({"campaignId": id})),
    );
    assert_eq!(
        (r.status, j(&r)["code"].clone(), j(&r)["params"].clone()),
        (400, json!("BadParams"), Value::Null)
    );
    let out: Value = serde_json::from_str(&s.outbox()).unwrap();
    assert_eq!(out[0]["content"]["subject"], "Hi Rae");
    assert_eq!(out[0]["campaignId"], json!(id));
    let r = ok(
        &mut s,
        "GET",
        &format!("/api/campaigns/metrics?campaignId={id}"),
        None,
    );
    assert!(ctype(&r).starts_with("text/csv"));
    assert_eq!(
        r.body
            .lines()
            .nth(1)
            .unwrap()
            .split(',')
            .take(2)
            .collect::<Vec<_>>(),
        [id.to_string(), "1".into()]
    );
    ok(
        &mut s,
        "POST",
        "/api/campaigns/archive",
        Some(json!({"campaignIds": [id]})),
    );
    assert_eq!(state(&mut s), "Archived");
}

#[test]
fn triggered_campaigns_activate_trigger_and_target() {
    let mut s = sb();
    let tid = template(&mut s, "push", json!({"clientTemplateId": "p", "title": "Hi", "message": "Yo {{firstName}}"}));
    let id = j(&ok(
        &mut s,
        "POST",
        "/api/campaigns/create",
        Some(json!({"name": "T", "templateId": tid})),
    ))["campaignId"]
        .clone();
    let c = j(&ok(&mut s, "GET", &format!("/api/campaigns/{id}"), None));
    assert_eq!(
        (
            c["type"].clone(),
            c["campaignState"].clone(),
            c["messageMedium"].clone()
        ),
        (json!("Triggered"), json!("Ready"), json!("Push"))
    );
    let r = call(
        &mut s,
        "POST",
        "/api/push/target",
        Some(json!({"campaignId": id, "recipientEmail": "p@x.co"})),
    );
    assert_eq!(r.status, 400, "inactive campaign");
    ok(
        &mut s,
        "POST",
        "/api/campaigns/activateTriggered",
        Some(json!({"campaignId": id})),
    );
    ok(
        &mut s,
        "POST",
        "/api/users/update",
        Some(json!({"email": "p@x.co", "dataFields": {"firstName": "Pia"}})),
    );
    ok(
        &mut s,
        "POST",
        "/api/push/target",
        Some(
            json!({"campaignId": id, "recipientEmail": "p@x.co", "sendAt": "2024-06-01 00:00:00"}),
        ),
    );
    ok(
        &mut s,
        "POST",
        "/api/push/cancel",
        Some(json!({"campaignId": id, "email": "p@x.co"})),
    );
    let l = j(&ok(
        &mut s,
        "POST",
        "/api/lists",
        Some(json!({"name": "L"})),
    ))["listId"]
        .clone();
    ok(
        &mut s,
        "POST",
        "/api/lists/subscribe",
        Some(json!({"listId": l, "subscribers": [{"email": "p@x.co"}, {"email": "q@x.co"}]})),
    );
    ok(
        &mut s,
        "POST",
        "/api/campaigns/trigger",
        Some(json!({"campaignId": id, "listIds": [l]})),
    );
    let out: Value = serde_json::from_str(&s.outbox()).unwrap();
    let statuses: Vec<(&str, &str)> = out
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["source"].as_str().unwrap(), m["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("target", "cancelled"),
            ("trigger", "sent"),
            ("trigger", "sent")
        ]
    );
    assert_eq!(out[1]["content"]["message"], "Yo Pia");
    ok(
        &mut s,
        "POST",
        "/api/campaigns/deactivateTriggered",
        Some(json!({"campaignId": id})),
    );
    let c = j(&ok(&mut s, "GET", &format!("/api/campaigns/{id}"), None));
    assert_eq!(c["campaignState"], "Finished", "a deactivated running triggered campaign");
    let r = call(
        &mut s,
        "POST",
        "/api/campaigns/abort",
        Some(json!({"campaignId": id})),
    );
    assert_eq!(r.status, 400);
}

#[test]
fn triggered_campaign_ready_aborts_and_proofs_name_the_recipient() {
    let mut s = sb();
    let tid = template(&mut s, "email", json!({"clientTemplateId": "e", "subject": "Hi", "html": "<p>Hi</p>"}));
    let r = call(
        &mut s,
        "POST",
        "/api/campaigns/create",
        Some(json!({"name": "E", "templateId": tid, "listIds": []})),
    );
    assert_eq!((r.status, j(&r)["code"].clone()), (400, json!("BadParams")), "empty listIds");
    let id = j(&ok(
        &mut s,
        "POST",
        "/api/campaigns/create",
        Some(json!({"name": "T", "templateId": tid})),
    ))["campaignId"]
        .clone();
    ok(&mut s, "POST", "/api/campaigns/abort", Some(json!({"campaignId": id})));
    let c = j(&ok(&mut s, "GET", &format!("/api/campaigns/{id}"), None));
    assert_eq!(c["campaignState"], "Aborted");
    let r = j(&ok(
        &mut s,
        "POST",
        "/api/templates/email/proof",
        Some(json!({"templateId": tid, "recipientEmail": "proof@x.co"})),
    ));
    assert_eq!(r["msg"], "Sent proof to proof@x.co");
}

#[test]
fn export_contains_users_created_before_it() {
    let mut s = sb();
    ok(
        &mut s,
        "POST",
        "/api/users/update",
        Some(json!({"email": "early@x.co"})),
    );
    let job = j(&ok(
        &mut s,
        "POST",
        "/api/export/start",
        Some(json!({"dataTypeName": "user", "outputFormat": "text/csv"})),
    ))["jobId"]
        .clone();
    ok(
        &mut s,
        "POST",
        "/api/users/update",
        Some(json!({"email": "late@x.co"})),
    );
    let mut files = json!(null);
    for _ in 0..5 {
        files = j(&ok(
            &mut s,
            "GET",
            &format!("/api/export/{job}/files"),
            None,
        ));
        if files["jobState"] == "completed" {
            break;
        }
    }
    assert_eq!(files["jobState"], "completed");
    let url = files["files"][0]["url"].as_str().unwrap().to_string();
    let r = s.handle("GET", &url, "{}", None);
    assert_eq!(r.status, 200);
    assert!(
        r.body.contains("early@x.co") && !r.body.contains("late@x.co"),
        "{}",
        r.body
    );
}

#[test]
fn forget_hides_a_user() {
    let mut s = sb();
    ok(
        &mut s,
        "POST",
        "/api/users/update",
        Some(json!({"email": "f@x.co", "userId": "f1"})),
    );
    ok(
        &mut s,
        "POST",
        "/api/users/forget",
        Some(json!({"email": "f@x.co"})),
    );
    assert_eq!(
        j(&ok(
            &mut s,
            "GET",
            "/api/users/getByEmail?email=f%40x.co",
            None
        )),
        json!({})
    );
    let v = j(&ok(&mut s, "GET", "/api/users/forgotten", None));
    assert_eq!(v["hashedEmails"][0].as_str().unwrap().len(), 64);
    let v = j(&ok(&mut s, "GET", "/api/users/forgottenUserIds", None));
    assert_eq!(v["hashedUserIds"].as_array().unwrap().len(), 1);
    let r = call(
        &mut s,
        "POST",
        "/api/events/track",
        Some(json!({"email": "f@x.co", "eventName": "x"})),
    );
    assert_eq!(
        (r.status, j(&r)["code"].clone()),
        (409, json!("ForgottenUserError"))
    );
    ok(
        &mut s,
        "POST",
        "/api/users/unforget",
        Some(json!({"email": "f@x.co"})),
    );
    assert_eq!(
        j(&ok(&mut s, "GET", "/api/users/byUserId/f1", None))["user"]["email"],
        "f@x.co"
    );
}

#[test]
fn catalog_pages_cover_every_item_once() {
    let mut s = sb();
    assert_eq!(ok(&mut s, "POST", "/api/catalogs/things", None).status, 201);
    let docs: serde_json::Map<String, Value> = (0..17)
        .map(|i| (format!("t{i:02}"), json!({"i": i})))
        .collect();
    assert_eq!(
        ok(
            &mut s,
            "POST",
            "/api/catalogs/things/items",
            Some(json!({"documents": docs, "replaceUploadedFieldsOnly": false}))
        )
        .status,
        202
    );
    let mut seen = vec![];
    let mut next =
        Some("https://api.iterable.com/api/catalogs/things/items?page=1&pageSize=4".to_string());
    while let Some(u) = next {
        let r = s.handle("GET", &u, KEY, None);
        let v = j(&r);
        seen.extend(
            v["catalogItemsWithProperties"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["itemId"].as_str().unwrap().to_string()),
        );
        next = v["nextPageUrl"].as_str().map(str::to_string);
    }
    let want: Vec<String> = (0..17).map(|i| format!("t{i:02}")).collect();
    assert_eq!(seen, want);
    let r = call(
        &mut s,
        "PUT",
        "/api/catalogs/things/fieldMappings",
        Some(json!({"mappingsUpdates": [{"fieldName": "i", "fieldType": "long"}]})),
    );
    assert_eq!(r.status, 200);
    let r = call(
        &mut s,
        "PUT",
        "/api/catalogs/things/fieldMappings",
        Some(json!({"mappingsUpdates": [{"fieldName": "i", "fieldType": "string"}]})),
    );
    assert_eq!(r.status, 400, "field types cannot change");
    ok(
        &mut s,
        "DELETE",
        "/api/catalogs/things/items",
        Some(json!({"itemIds": ["t00", "t01"]})),
    );
    let v = j(&ok(&mut s, "GET", "/api/catalogs/things/items", None));
    assert_eq!(v["totalItemsCount"], 15);
}

#[test]
fn metadata_keys_page_with_next_marker() {
    let mut s = sb();
    for i in 0..130 {
        ok(
            &mut s,
            "PUT",
            &format!("/api/metadata/t/k{i:03}"),
            Some(json!({"value": {"i": i}})),
        );
    }
    let v = j(&ok(&mut s, "GET", "/api/metadata/t", None));
    assert_eq!(v["results"].as_array().unwrap().len(), 100);
    let m = v["nextMarker"].as_str().unwrap().to_string();
    let v = j(&ok(
        &mut s,
        "GET",
        &format!("/api/metadata/t?nextMarker={m}"),
        None,
    ));
    assert_eq!(v["results"].as_array().unwrap().len(), 30);
    assert!(v.get("nextMarker").is_none());
}

#[test]
fn double_opt_in_answers_in_its_own_shapes() {
    let mut s = sb();
    let r = call(
        &mut s,
        "POST",
        "/api/subscriptions/subscribeToDoubleOptIn",
        Some(json!({"email": "d@x.co"})),
    );
    let v = j(&r);
    assert_eq!(
        (r.status, v["code"].clone(), v["data"].clone()),
        (400, json!("BadParams"), json!({}))
    );
    let r = call(
        &mut s,
        "POST",
        "/api/subscriptions/subscribeToDoubleOptIn",
        Some(json!({"email": "d@x.co", "messageTypeIds": [311]})),
    );
    assert_eq!((r.status, ctype(&r)), (400, "text/plain; charset=utf-8"));
    assert!(r.body.starts_with("User not found"), "{}", r.body);
    ok(
        &mut s,
        "POST",
        "/api/users/update",
        Some(json!({"email": "d@x.co"})),
    );
    let r = ok(
        &mut s,
        "POST",
        "/api/subscriptions/subscribeToDoubleOptIn",
        Some(json!({"email": "d@x.co", "messageTypeIds": [311]})),
    );
    assert_eq!(
        (r.status, r.body.as_str()),
        (202, "Request for double opt-in subscription accepted")
    );
    let out: Value = serde_json::from_str(&s.outbox()).unwrap();
    assert_eq!(
        (
            out[0]["source"].clone(),
            out[0]["dataFields"]["messageTypeIds"].clone()
        ),
        (json!("doubleOptIn"), json!([311]))
    );
}

#[test]
fn sms_verification_and_snippets() {
    let mut s = sb();
    ok(
        &mut s,
        "POST",
        "/api/verify/sms/begin",
        Some(json!({"phoneNumber": "+15550001111", "verificationProfileId": 7})),
    );
    let out: Value = serde_json::from_str(&s.outbox()).unwrap();
    let code = out[0]["dataFields"]["code"].as_str().unwrap().to_string();
    let bad = j(&ok(
        &mut s,
        "POST",
        "/api/verify/sms/check",
        Some(json!({"phoneNumber": "+15550001111", "verificationProfileId": 7, "code": "000000x"})),
    ));
    assert_eq!(bad["params"]["status"], "rejected");
    let good = j(&ok(
        &mut s,
        "POST",
        "/api/verify/sms/check",
        Some(json!({"phoneNumber": "+15550001111", "verificationProfileId": 7, "code": code})),
    ));
    assert_eq!(good["params"]["status"], "verified");
    let id = j(&ok(
        &mut s,
        "POST",
        "/api/snippets",
        Some(json!({"name": "Foot", "content": "x"})),
    ))["snippetId"]
        .clone();
    ok(
        &mut s,
        "PUT",
        "/api/snippets/Foot",
        Some(json!({"content": "y"})),
    );
    assert_eq!(
        j(&ok(&mut s, "GET", &format!("/api/snippets/{id}"), None))["snippet"]["content"],
        "y"
    );
}

#[test]
fn deterministic_and_dump_load() {
    let run = || {
        let mut s = sb();
        ok(
            &mut s,
            "POST",
            "/api/users/update",
            Some(json!({"email": "d@x.co"})),
        );
        ok(
            &mut s,
            "POST",
            "/api/verify/sms/begin",
            Some(json!({"phoneNumber": "+15550001111", "verificationProfileId": 7})),
        );
        s.dump()
    };
    assert_eq!(run(), run());
    let mut a = sb();
    ok(&mut a, "POST", "/api/lists", Some(json!({"name": "keep"})));
    let dump = a.dump();
    let mut b = sb();
    b.load(&dump).unwrap();
    assert_eq!(
        j(&ok(&mut b, "GET", "/api/lists", None))["lists"][0]["name"],
        "keep"
    );
    b.reset();
    assert_eq!(
        j(&ok(&mut b, "GET", "/api/lists", None))["lists"],
        json!([])
    );
    assert!(b.load("[1]").is_err());
    // The PRNG state travels as a string: a JS round trip (JSON.parse/stringify) keeps it exact.
    let v: Value = serde_json::from_str(&a.dump()).unwrap();
    assert!(v["rng"].is_string());
}

#[test]
fn rate_limits_and_faults() {
    let mut s = Sandbox::new(r#"{"rateLimits": true, "stepMs": 10}"#).unwrap();
    let statuses: Vec<u16> = (0..3)
        .map(|_| {
            call(
                &mut s,
                "POST",
                "/api/export/start",
                Some(json!({"dataTypeName": "user", "outputFormat": "text/csv"})),
            )
            .status
        })
        .collect();
    assert_eq!(statuses, [200, 429, 429], "1 request/second");
    // "100 requests/second, per API key": another key has its own bucket.
    let mut k = Sandbox::new(r#"{"rateLimits": true, "stepMs": 0}"#).unwrap();
    ok(&mut k, "POST", "/api/catalogs/c", None);
    let hit = |k: &mut Sandbox, key: &str| {
        k.handle(
            "GET",
            "https://api.iterable.com/api/catalogs",
            &json!({"Api-Key": key}).to_string(),
            None,
        )
        .status
    };
    let first: Vec<u16> = (0..101).map(|_| hit(&mut k, "a")).collect();
    assert_eq!((first[99], first[100]), (200, 429));
    assert_eq!(hit(&mut k, "b"), 200);
    let big =
        json!({"users": [{"email": "a@b.co", "dataFields": {"x": "y".repeat(4 * 1024 * 1024)}}]});
    let r = call(&mut s, "POST", "/api/users/bulkUpdate", Some(big));
    assert_eq!(
        (r.status, j(&r)["code"].clone()),
        (400, json!("BatchTooLarge"))
    );
    let mut f = Sandbox::new(r#"{"faults": {"rate": 1, "statuses": [502]}}"#).unwrap();
    let r = call(&mut f, "GET", "/api/lists", None);
    assert_eq!((r.status, ctype(&r)), (502, "text/html"));
    assert_eq!(
        j(&ok(&mut s, "GET", "/api/lists", None))["lists"],
        json!([])
    );
}

#[test]
fn templates_render_as_handlebars_and_unbalanced_ones_are_refused() {
    let mut s = sb();
    let r = call(
        &mut s,
        "POST",
        "/api/templates/email/upsert",
        Some(json!({"clientTemplateId": "bad", "subject": "Hi", "html": "<p>{{#if vip}}VIP</p>"})),
    );
    let body = j(&r);
    assert_eq!((r.status, body["code"].clone()), (400, json!("BadParams")));
    assert!(body["msg"].as_str().unwrap().contains("html does not parse as Handlebars"), "{body}");
    let html = "<p>Hi {{defaultIfEmpty firstName \"friend\"}}</p>{{#if vip}}<b>VIP</b>{{else}}<i>std</i>{{/if}}\
                <ul>{{#each items}}<li>{{name}}</li>{{/each}}</ul>{{#ifGt points 100}}gold{{/ifGt}}{{{banner}}}";
    let tid = template(&mut s, "email", json!({"clientTemplateId": "good", "subject": "Hi {{firstName}}", "html": html})).as_i64().unwrap();
    let data = json!({"dataFields": {"vip": true, "items": [{"name": "Lamp"}, {"name": "Desk"}], "points": 150, "banner": "<hr>"}});
    let r = ok(&mut s, "POST", &format!("/api/templates/email/preview?templateId={tid}"), Some(data));
    assert_eq!(
        r.body,
        "<p>Hi friend</p><b>VIP</b><ul><li>Lamp</li><li>Desk</li></ul>gold<hr>"
    );
    ok(
        &mut s,
        "POST",
        "/api/users/update",
        Some(json!({"email": "h@x.co", "dataFields": {"firstName": "Hal", "vip": false}})),
    );
    ok(
        &mut s,
        "POST",
        "/api/templates/email/proof",
        Some(json!({"templateId": tid, "recipientEmail": "h@x.co"})),
    );
    let out: Value = serde_json::from_str(&s.outbox()).unwrap();
    let last = out.as_array().unwrap().last().unwrap();
    assert_eq!(last["content"]["subject"], "Hi Hal");
    assert!(last["content"]["html"].as_str().unwrap().starts_with("<p>Hi Hal</p><i>std</i>"), "{last}");
}

#[test]
fn the_demo_project_is_deterministic_and_has_data_of_every_kind() {
    let opts = r#"{"seed": "demo", "clock": "2024-05-01T00:00:00Z"}"#;
    let mut s = Sandbox::new(opts).unwrap();
    assert_eq!(s.dump(), Sandbox::new(opts).unwrap().dump(), "built the same way every time");
    let st = &s.state;
    assert!(st.users.len() >= 2_000, "users: {}", st.users.len());
    assert!(st.users.iter().map(|u| u.events.len()).sum::<usize>() >= st.users.len());
    assert!(st.users.iter().any(|u| !u.unsubscribed_channel_ids.is_empty()));
    assert!(st.users.iter().any(|u| !u.unsubscribed_message_type_ids.is_empty()));
    let mediums: std::collections::BTreeSet<&str> = st.templates.iter().map(|t| t.medium.as_str()).collect();
    for m in ["Email", "SMS", "Push", "InApp"] {
        assert!(mediums.contains(m), "a {m} template");
    }
    let states = |ty: &str| -> std::collections::BTreeSet<String> {
        st.campaigns.iter().filter(|c| c.campaign_type == ty).map(|c| c.campaign_state.clone()).collect()
    };
    for want in ["Draft", "Ready", "Scheduled", "Starting", "Finished", "Aborted", "Archived", "Recurring"] {
        assert!(states("Blast").contains(want), "a {want} blast: {:?}", states("Blast"));
    }
    for want in ["Ready", "Running", "Finished", "Aborted"] {
        assert!(states("Triggered").contains(want), "a {want} triggered campaign: {:?}", states("Triggered"));
    }
    assert!(st.catalogs.get("products").is_some_and(|c| c.items.len() == 60));
    assert!(st.journeys.len() >= 4);
    assert!(st.exports.iter().any(|e| e.job_state == "completed"));
    assert!(!st.experiments.is_empty());
    assert_eq!(st.lists.len(), 3);
    // Served like any project: the list sizes answer, the keys rule still applies.
    let lists = j(&ok(&mut s, "GET", "/api/lists", None));
    let id = lists["lists"][0]["id"].as_i64().unwrap();
    assert_eq!(ok(&mut s, "GET", &format!("/api/lists/{id}/size"), None).body, "1200");
    // reset() rebuilds it.
    ok(&mut s, "POST", "/api/lists", Some(json!({"name": "extra"})));
    s.reset();
    assert_eq!(s.state.lists.len(), 3);
}

/// The journal's premise: a snapshot plus the records of what changed (Response::change) replays
/// through Sandbox::replay to the writer's exact state, whatever reads, refusals and faults came
/// between, and under other options.
#[test]
fn replaying_changes_gives_the_writers_state() {
    let mut w =
        Sandbox::new(r#"{"seed": 5, "clock": "2024-02-01T00:00:00Z", "faults": {"rate": 0.3}}"#)
            .unwrap();
    let snapshot = w.dump();
    let mut records: Vec<Value> = Vec::new();
    let mut send = |w: &mut Sandbox, method: &str, path: &str, body: Option<Value>, key: &str| {
        let b = body.map(|v| v.to_string());
        let url = format!("https://api.iterable.com{path}");
        let r = w.handle(method, &url, key, b.as_deref());
        if let Some(c) = &r.change {
            if let Some(t) = c.get("tick") {
                records.push(json!({"k": "tick", "clock": t["clock"], "rng": t["rng"]}));
            }
            if let Some(q) = c.get("req") {
                records.push(json!({"k": "req", "clock": q["clock"], "rng": q["rng"], "method": method, "url": url, "body": b}));
            }
        }
        r.status
    };
    let mut accepted = 0;
    for i in 0..60 {
        let key = if i % 7 == 3 { "{}" } else { KEY };
        let s = send(
            &mut w,
            "POST",
            "/api/lists",
            Some(json!({"name": format!("l{i}")})),
            key,
        );
        send(&mut w, "GET", "/api/lists", None, KEY);
        send(
            &mut w,
            "POST",
            "/api/events/track",
            Some(json!({"email": format!("u{}@example.com", i % 5), "eventName": "e"})),
            KEY,
        );
        send(&mut w, "POST", "/api/lists", Some(json!({})), KEY);
        accepted += usize::from(s == 200);
    }
    // Ends on an accepted write, so the clock and PRNG are the last record's.
    while send(
        &mut w,
        "POST",
        "/api/lists",
        Some(json!({"name": "last"})),
        KEY,
    ) != 200
    {}
    assert!(
        accepted > 10 && accepted < 60,
        "faults and refusals happened: {accepted} of 60"
    );
    let mut r = Sandbox::new(r#"{"seed": 9}"#).unwrap();
    r.load(&snapshot).unwrap();
    for rec in &records {
        assert!(r.replay(&rec.to_string()).unwrap() < 400, "{rec}");
    }
    assert_eq!(r.dump(), w.dump());
}

/// Taking users out (delete by email and by userId, merge, forget) many times over: lookups,
/// list members and the order of the rest stay right across the squeezes of the empty slots
/// (debug builds also check every lookup and every list against a full scan).
#[test]
fn many_removals_keep_lookups_lists_and_order() {
    let mut s = sb();
    let n = 3000;
    let list = j(&ok(&mut s, "POST", "/api/lists", Some(json!({"name": "All"}))))["listId"].as_i64().unwrap();
    let users: Vec<Value> = (0..n)
        .map(|i| json!({"email": format!("u{i}@example.com"), "userId": format!("id{i}"), "dataFields": {"n": i}}))
        .collect();
    ok(&mut s, "POST", "/api/users/bulkUpdate", Some(json!({"users": users})));
    let subs: Vec<Value> = (0..n).map(|i| json!({"email": format!("u{i}@example.com")})).collect();
    ok(&mut s, "POST", "/api/lists/subscribe", Some(json!({"listId": list, "subscribers": subs})));
    // Two thirds go, four ways; the empty slots outnumber the users (and 1024) along the way.
    let mut kept = Vec::new();
    for i in 0..n {
        match i % 6 {
            0 => drop(ok(&mut s, "DELETE", &format!("/api/users/u{i}@example.com"), None)),
            1 => drop(ok(&mut s, "DELETE", &format!("/api/users/byUserId/id{i}"), None)),
            2 => drop(ok(&mut s, "POST", "/api/users/forget", Some(json!({"email": format!("u{i}@example.com")})))),
            3 => drop(ok(&mut s, "POST", "/api/users/merge", Some(json!({"sourceEmail": format!("u{i}@example.com"), "destinationEmail": format!("u{}@example.com", i + 1)})))),
            _ => kept.push(i),
        }
    }
    for i in 0..n {
        let got = j(&ok(&mut s, "GET", &format!("/api/users/byUserId/id{i}"), None));
        assert_eq!(got["user"]["dataFields"]["n"].as_i64(), kept.contains(&i).then_some(i as i64), "user {i}");
    }
    // A removed identifier is free again; a new user goes to the end.
    ok(&mut s, "POST", "/api/users/update", Some(json!({"email": "u0@example.com", "dataFields": {"n": -1}})));
    let dump: Value = serde_json::from_str(&s.dump()).unwrap();
    let order: Vec<String> = dump["users"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap().to_string()).collect();
    let mut want: Vec<String> = kept.iter().map(|i| format!("u{i}@example.com")).collect();
    want.push("u0@example.com".into());
    assert_eq!(order, want);
    let size = j(&ok(&mut s, "GET", &format!("/api/lists/{list}/size"), None));
    assert_eq!(size.as_i64().or(size["size"].as_i64()), Some(kept.len() as i64), "{size}");
    // The dump loads back to the same state.
    let text = s.dump();
    let mut again = sb();
    again.load(&text).unwrap();
    assert_eq!(again.dump(), text);
}
