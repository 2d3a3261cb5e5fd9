//! The demo project (`seed: "demo"`): a small but realistic Iterable project built the same way
//! every time, so demos, agents and UIs start against data. It is built through the sandbox's own
//! API (the same handlers and rules a client meets), then a few things the API cannot create (a
//! recurring campaign, more journeys) are put in place directly:
//!
//! - 2,400 users with profiles, 1–4 events each over the past 30 days, some unsubscribed from a
//!   channel or a message type;
//! - lists: Newsletter, VIP customers, Trial users (with members);
//! - templates of each channel (email, SMS, push, in-app), written in Handlebars;
//! - blast campaigns Draft, Ready, Scheduled, Starting, Finished, Aborted, Archived and a
//!   Recurring one with a child; triggered campaigns Ready, Running, Finished, Aborted (a Starting
//!   blast moves on, as in Iterable, with the first requests);
//! - a product catalog with 60 items; four journeys; a finished user export; an experiment.

use serde_json::{json, Value};

use crate::state::Campaign;
use crate::util::{iterable_date, splitmix};
use crate::Sandbox;

const FIRST: [&str; 24] = [
    "Ada", "Grace", "Alan", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Radia", "Tim", "Frances", "Edsger", "Hedy",
    "John", "Katherine", "Donald", "Shafi", "Leslie", "Anita", "Guido", "Sophie", "Bjarne", "Mary", "Niklaus",
];
const LAST: [&str; 20] = [
    "Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson", "Perlman", "Berners",
    "Allen", "Dijkstra", "Lamarr", "Backus", "Johnson", "Knuth", "Goldwasser", "Lamport", "Borg", "Rossum",
];
const CITIES: [&str; 10] = ["Berlin", "Lisbon", "Austin", "Toronto", "Osaka", "Nairobi", "Melbourne", "Oslo", "Chicago", "Bogotá"];
const PRODUCTS: [&str; 12] = ["Lamp", "Desk", "Chair", "Rug", "Shelf", "Sofa", "Mirror", "Clock", "Vase", "Stool", "Bench", "Table"];
const USERS: usize = 2_400;
const DAY: i64 = 86_400_000;

/// The demo project's data, drawn from a fixed seed.
struct Draw(u64);

impl Draw {
    fn n(&mut self, below: usize) -> usize {
        (splitmix(&mut self.0) % below as u64) as usize
    }
}

impl Sandbox {
    /// Builds the demo project into a fresh state. Keys, faults and rate limits configured for
    /// clients do not apply while it is built.
    pub(crate) fn build_demo(&mut self) -> Result<(), String> {
        let saved = (self.opts.api_keys.take(), std::mem::take(&mut self.opts.jwt_keys), self.opts.faults.take(), self.opts.rate_limits);
        self.opts.rate_limits = false;
        let built = self.demo_project();
        (self.opts.api_keys, self.opts.jwt_keys, self.opts.faults, self.opts.rate_limits) = saved;
        built
    }

    /// One request to the sandbox itself; its JSON answer (a text answer as a string).
    fn demo_call(&mut self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let body = body.map(|b| b.to_string());
        let r = self.handle(method, &format!("https://api.iterable.com{path}"), r#"{"Api-Key":"demo-builder"}"#, body.as_deref());
        if !(200..300).contains(&r.status) {
            return Err(format!("demo project: {method} {path} answered {}: {}", r.status, r.body));
        }
        Ok(serde_json::from_str(&r.body).unwrap_or(Value::String(r.body)))
    }

    fn demo_template(&mut self, channel: &str, fields: Value) -> Result<i64, String> {
        let r = self.demo_call("POST", &format!("/api/templates/{channel}/upsert"), Some(fields))?;
        r["params"]["templateIds"][0].as_i64().ok_or_else(|| "demo project: no template id".to_string())
    }

    fn demo_campaign(&mut self, name: &str, template: i64, lists: Option<&[i64]>) -> Result<i64, String> {
        let mut body = json!({"name": name, "templateId": template});
        if let Some(l) = lists {
            body["listIds"] = json!(l);
        }
        let r = self.demo_call("POST", "/api/campaigns/create", Some(body))?;
        r["campaignId"].as_i64().ok_or_else(|| "demo project: no campaign id".to_string())
    }

    fn demo_project(&mut self) -> Result<(), String> {
        let mut d = Draw(0xD3_40_5E_ED);
        let start = self.state.clock;
        // Users, in bulk.
        let plans = ["free", "free", "free", "pro", "pro", "enterprise"];
        let users: Vec<Value> = (0..USERS)
            .map(|i| {
                let (f, l) = (FIRST[d.n(FIRST.len())], LAST[d.n(LAST.len())]);
                json!({"email": format!("{}.{}{}@example.com", f.to_lowercase(), l.to_lowercase(), i + 1),
                       "userId": format!("user-{:05}", i + 1),
                       "dataFields": {"firstName": f, "lastName": l, "city": CITIES[d.n(CITIES.len())],
                                      "plan": plans[d.n(plans.len())], "points": d.n(500),
                                      "signupDate": iterable_date(start - (d.n(365) as i64 + 1) * DAY)}})
            })
            .collect();
        for chunk in users.chunks(500) {
            self.demo_call("POST", "/api/users/bulkUpdate", Some(json!({"users": chunk})))?;
        }
        // Events over the past 30 days.
        let kinds = ["signedUp", "viewedItem", "viewedItem", "addedToCart", "searched"];
        let mut events = Vec::new();
        for u in &users {
            for _ in 0..1 + d.n(4) {
                let at = (start - d.n(30 * 24) as i64 * 3_600_000) / 1000;
                events.push(json!({"email": u["email"], "eventName": kinds[d.n(kinds.len())], "createdAt": at,
                                   "dataFields": {"itemId": format!("sku-{}", d.n(60) + 1)}}));
            }
        }
        for chunk in events.chunks(1000) {
            self.demo_call("POST", "/api/events/trackBulk", Some(json!({"events": chunk})))?;
        }
        // Lists with members.
        let mut lists = Vec::new();
        for (name, keep) in [("Newsletter", 2usize), ("VIP customers", 7), ("Trial users", 5)] {
            let id = self.demo_call("POST", "/api/lists", Some(json!({"name": name})))?["listId"].as_i64().unwrap_or(0);
            let members: Vec<Value> = users.iter().enumerate().filter(|(i, _)| i % keep == 0).map(|(_, u)| json!({"email": u["email"]})).collect();
            for chunk in members.chunks(1000) {
                self.demo_call("POST", "/api/lists/subscribe", Some(json!({"listId": id, "subscribers": chunk})))?;
            }
            lists.push(id);
        }
        // Some users opted out of marketing email or the newsletter message type.
        for u in users.iter().step_by(97) {
            self.demo_call("POST", "/api/users/updateSubscriptions", Some(json!({"email": u["email"], "unsubscribedChannelIds": [401]})))?;
        }
        for u in users.iter().skip(13).step_by(89) {
            self.demo_call("POST", "/api/users/updateSubscriptions", Some(json!({"email": u["email"], "unsubscribedMessageTypeIds": [311]})))?;
        }
        // A finished export of the users (it completes while the rest is built).
        self.demo_call("POST", "/api/export/start", Some(json!({"dataTypeName": "user", "outputFormat": "text/csv"})))?;
        // Templates of each channel.
        let welcome = self.demo_template("email", json!({"clientTemplateId": "demo-welcome", "name": "Welcome", "fromName": "Demo Shop", "fromEmail": "hello@example.com",
            "subject": "Welcome, {{defaultIfEmpty firstName \"friend\"}}!",
            "html": "<h1>Welcome, {{defaultIfEmpty firstName \"friend\"}}</h1>{{#ifEq plan \"enterprise\"}}<p>Your account manager will be in touch.</p>{{else}}<p>Here is what you can do next.</p>{{/ifEq}}"}))?;
        let news = self.demo_template("email", json!({"clientTemplateId": "demo-newsletter", "name": "Monthly newsletter", "fromEmail": "news@example.com", "messageTypeId": 311,
            "subject": "News from {{city}}", "html": "<p>Hi {{firstName}},</p><ul>{{#each picks}}<li>{{this}}</li>{{/each}}</ul>"}))?;
        let sms = self.demo_template("sms", json!({"clientTemplateId": "demo-code", "name": "Sign-in code", "message": "{{firstName}}, your code is {{code}}"}))?;
        let push = self.demo_template("push", json!({"clientTemplateId": "demo-sale", "name": "Weekend sale", "title": "Sale", "message": "{{defaultIfEmpty firstName \"Hey\"}}, 20% off this weekend"}))?;
        let in_app = self.demo_template("inapp", json!({"clientTemplateId": "demo-promo", "name": "In-app promo", "html": "<div>{{#if points}}You have {{points}} points{{else}}Earn points today{{/if}}</div>"}))?;
        // Blast campaigns through their states.
        let (newsletter, vip, trial) = (lists[0], lists[1], lists[2]);
        self.demo_campaign("Spring collection (draft)", news, Some(&[newsletter]))?;
        let scheduled = self.demo_campaign("Summer sale", news, Some(&[newsletter]))?;
        // Within the week ahead that schedule_campaign accepts.
        let send_at = crate::util::iso(start + 6 * DAY);
        self.demo_call("POST", &format!("/api/campaigns/{scheduled}/schedule"), Some(json!({"sendAt": send_at})))?;
        let ready = self.demo_campaign("Autumn preview", news, Some(&[newsletter]))?;
        self.demo_call("POST", &format!("/api/campaigns/{ready}/schedule"), Some(json!({"sendAt": send_at})))?;
        self.demo_call("POST", "/api/campaigns/cancel", Some(json!({"campaignId": ready})))?;
        let finished = self.demo_campaign("VIP thank-you", welcome, Some(&[vip]))?;
        self.demo_call("POST", &format!("/api/campaigns/{finished}/send"), None)?;
        let archived = self.demo_campaign("Last year's holiday sale", news, Some(&[vip]))?;
        self.demo_call("POST", &format!("/api/campaigns/{archived}/send"), None)?;
        let aborted = self.demo_campaign("Mistaken announcement", news, Some(&[trial]))?;
        self.demo_call("POST", &format!("/api/campaigns/{aborted}/send"), None)?;
        self.demo_call("POST", "/api/campaigns/abort", Some(json!({"campaignId": aborted})))?;
        // Triggered campaigns.
        let onboarding = self.demo_campaign("Onboarding email", welcome, None)?;
        let codes = self.demo_campaign("Sign-in codes", sms, None)?;
        let sale = self.demo_campaign("Weekend sale push", push, None)?;
        let promo = self.demo_campaign("In-app promo", in_app, None)?;
        let retired = self.demo_campaign("Old onboarding", welcome, None)?;
        for id in [onboarding, codes, retired] {
            self.demo_call("POST", "/api/campaigns/activateTriggered", Some(json!({"campaignId": id})))?;
        }
        self.demo_call("POST", "/api/campaigns/deactivateTriggered", Some(json!({"campaignId": retired})))?;
        self.demo_call("POST", "/api/campaigns/abort", Some(json!({"campaignId": promo})))?;
        for u in users.iter().take(25) {
            self.demo_call("POST", "/api/email/target", Some(json!({"campaignId": onboarding, "recipientEmail": u["email"]})))?;
        }
        let _ = sale; // stays Ready: created, not yet activated
        // A product catalog.
        self.demo_call("POST", "/api/catalogs/products", None)?;
        let mut docs = serde_json::Map::new();
        for i in 0..60 {
            docs.insert(format!("sku-{}", i + 1), json!({"name": format!("{} {}", CITIES[i % CITIES.len()], PRODUCTS[i % PRODUCTS.len()]),
                "price": 10 + d.n(490), "inStock": d.n(4) != 0, "category": if i % 3 == 0 { "outdoor" } else { "home" }}));
        }
        self.demo_call("POST", "/api/catalogs/products/items", Some(json!({"documents": docs, "replaceUploadedFieldsOnly": false})))?;
        // An experiment on the draft-like Ready blast.
        self.demo_call("POST", "/api/experiments", Some(json!({"campaignId": ready, "experimentType": "SubjectLine", "name": "Autumn subject test"})))?;
        // Let the blasts finish, then archive one.
        for _ in 0..6 {
            self.demo_call("GET", "/api/channels", None)?;
        }
        self.demo_call("POST", "/api/campaigns/archive", Some(json!({"campaignIds": [archived]})))?;
        // What the API cannot create: a recurring campaign with a finished child, more journeys,
        // and a blast starting right now.
        let now = self.state.clock;
        let parent = self.next_id();
        let template = |c: &Campaign| Campaign { template_id: Some(news), list_ids: vec![newsletter], message_medium: "Email".into(), ..c.clone() };
        let base = Campaign {
            campaign_type: "Blast".into(),
            created_at: now - 60 * DAY,
            updated_at: now - DAY,
            created_by_user_id: "owner@example.com".into(),
            ..Default::default()
        };
        self.state.campaigns.push(Campaign { id: parent, name: "Weekly digest".into(), campaign_state: "Recurring".into(), ..template(&base) });
        let child = self.next_id();
        self.state.campaigns.push(Campaign {
            id: child,
            name: "Weekly digest (last week)".into(),
            campaign_state: "Finished".into(),
            recurring_campaign_id: Some(parent),
            start_at: Some(now - 7 * DAY),
            ended_at: Some(now - 7 * DAY + 60_000),
            ..template(&base)
        });
        let starting = self.demo_campaign("Flash sale (starting)", news, Some(&[trial]))?;
        self.demo_call("POST", &format!("/api/campaigns/{starting}/send"), None)?;
        let created = now - 90 * DAY;
        for (id, name, enabled, archived) in [(703, "Cart reminder", true, false), (704, "Old welcome", false, true)] {
            self.state.journeys.push(json!({"id": id, "name": name, "description": format!("{name} journey"), "enabled": enabled, "isArchived": archived,
                "journeyType": "Triggered", "triggerEventNames": ["addedToCart"], "createdAt": created, "updatedAt": created,
                "creatorUserId": "owner@example.com", "lifetimeLimit": 1, "simultaneousLimit": 1}));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::resources::lifecycle::{next, Act, Kind, St, To};
    use crate::Sandbox;
    use serde_json::{json, Value};

    /// Every campaign of the demo project (campaigns in every state, blast and triggered) meets
    /// every lifecycle action over HTTP and answers as the table says: the same next state, or
    /// Iterable's 400 BadParams.
    #[test]
    fn every_demo_campaign_follows_the_lifecycle_table() {
        let mut s = Sandbox::new(r#"{"seed": "demo", "clock": "2024-05-01T00:00:00Z"}"#).unwrap();
        // The starting blast goes out once here (not again in every cell). Each cell starts from
        // the demo's campaigns and clock (messages the cells send pile up
        // in the outbox; they do not touch any campaign state).
        let snapshot = (s.state.campaigns.clone(), s.state.clock);
        // Triggers go to a one-member list, so each cell stays quick.
        let made = s.handle("POST", "https://api.iterable.com/api/lists", r#"{"Api-Key":"k"}"#, Some(r#"{"name":"cells"}"#));
        let list = made.json_value().unwrap()["listId"].as_i64().unwrap();
        let add = format!(r#"{{"listId":{list},"subscribers":[{{"email":"cell@example.com"}}]}}"#);
        s.handle("POST", "https://api.iterable.com/api/lists/subscribe", r#"{"Api-Key":"k"}"#, Some(&add));
        let ids: Vec<i64> = s.state.campaigns.iter().map(|c| c.id).collect();
        let acts = [Act::Send, Act::Schedule, Act::Cancel, Act::Abort, Act::Activate, Act::Deactivate, Act::Archive, Act::Trigger];
        let mut cells = 0;
        for id in ids {
            for act in acts {
                (s.state.campaigns, s.state.clock) = snapshot.clone();
                let (method, path, body) = match act {
                    Act::Send => ("POST", format!("/api/campaigns/{id}/send"), None),
                    Act::Schedule => ("POST", format!("/api/campaigns/{id}/schedule"), Some(json!({"sendAt": "2024-05-05T00:00:00Z"}))),
                    Act::Cancel => ("POST", "/api/campaigns/cancel".into(), Some(json!({"campaignId": id}))),
                    Act::Abort => ("POST", "/api/campaigns/abort".into(), Some(json!({"campaignId": id}))),
                    Act::Activate => ("POST", "/api/campaigns/activateTriggered".into(), Some(json!({"campaignId": id}))),
                    Act::Deactivate => ("POST", "/api/campaigns/deactivateTriggered".into(), Some(json!({"campaignId": id}))),
                    Act::Archive => ("POST", "/api/campaigns/archive".into(), Some(json!({"campaignIds": [id]}))),
                    _ => ("POST", "/api/campaigns/trigger".into(), Some(json!({"campaignId": id, "listIds": [list]}))),
                };
                // The clock moves before the request is handled: the state the action meets is
                // the one after that step, so take it from a request that changes nothing first.
                s.handle("GET", "https://api.iterable.com/api/channels", r#"{"Api-Key":"k"}"#, None);
                let before = s.state.campaigns.iter().find(|c| c.id == id).unwrap().clone();
                let (kind, from) = (Kind::of(&before.campaign_type), St::parse(&before.campaign_state).unwrap());
                s.state.clock -= 1000; // the action's own step lands on the same instant
                let body = body.map(|b: Value| b.to_string());
                let r = s.handle(method, &format!("https://api.iterable.com{path}"), r#"{"Api-Key":"k"}"#, body.as_deref());
                let after = s.state.campaigns.iter().find(|c| c.id == id).unwrap().campaign_state.clone();
                let want = next(id, kind, from, act);
                let label = format!("campaign {id} ({kind:?} {from:?}) {act:?}");
                if act == Act::Archive {
                    let answer: Value = serde_json::from_str(&r.body).unwrap();
                    let archived = answer["success"].as_array().unwrap().contains(&json!(id));
                    assert_eq!(archived, want.is_ok(), "{label}: {}", r.body);
                } else {
                    match want {
                        Ok(_) => assert_eq!(r.status, 200, "{label}: {}", r.body),
                        Err(_) => assert_eq!((r.status, r.json_value().unwrap()["code"].clone()), (400, json!("BadParams")), "{label}: {}", r.body),
                    }
                }
                match want {
                    Ok(To::State(st)) => assert_eq!(after, st.name(), "{label}"),
                    _ => assert_eq!(after, from.name(), "{label}: unchanged"),
                }
                cells += 1;
            }
        }
        assert!(cells >= 14 * 8, "cells walked: {cells}");
    }
}
