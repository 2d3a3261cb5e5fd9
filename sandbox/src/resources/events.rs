//! Events (`/api/events/...`): recording events on a user (custom events, and the in-app,
//! push and web-push tracking calls that record an event of a fixed type), bulk tracking,
//! consuming an in-app message, and reading a user's events newest first.

use serde_json::{json, Map, Value};

use super::Handler;
use crate::shared::clock::event_time;
use crate::shared::reply::{bad_params, error_code, ok, push_failure, Reply};
use crate::state::Event;
use crate::util::iterable_date;
use crate::{Req, Response as R, Sandbox};

pub(super) const ROUTES: &[(&str, Handler)] = &[
    ("track_event", Sandbox::track_event),
    ("track_events_in_bulk", Sandbox::track_events_in_bulk),
    ("get_user_events", Sandbox::get_user_events),
    ("get_user_events_by_email", Sandbox::get_user_events),
    ("track_inapp_click", |s, req| {
        s.track_typed(req, "inAppClick")
    }),
    ("track_inapp_close", |s, req| {
        s.track_typed(req, "inAppClose")
    }),
    ("track_inapp_delivery", |s, req| {
        s.track_typed(req, "inAppDelivery")
    }),
    ("track_inapp_open", |s, req| s.track_typed(req, "inAppOpen")),
    ("track_push_open", |s, req| s.track_typed(req, "pushOpen")),
    ("track_web_push_click", |s, req| {
        s.track_typed(req, "webPushClick")
    }),
    ("consume_inapp_message", Sandbox::consume_inapp_message),
];

impl Sandbox {
    /// Appends an event to user `i` (stamped with `at`, default now, and the user's ids).
    pub(crate) fn add_event(&mut self, i: usize, mut data: Map<String, Value>, at: Option<i64>) {
        let at = at.unwrap_or_else(|| self.now());
        let u = &self.state.users[i];
        data.insert("createdAt".into(), json!(iterable_date(at)));
        if let Some(e) = &u.email {
            data.insert("email".into(), json!(e));
        }
        if let Some(id) = &u.user_id {
            data.insert("userId".into(), json!(id));
        }
        data.retain(|_, v| !v.is_null());
        // An event (or purchase) sent again with its `id` updates the one recorded, as Iterable does.
        let events = &mut self.state.users[i].events;
        let id = data.get("id").filter(|v| v.is_string());
        match id.and_then(|id| events.iter().position(|e| e.data.get("id") == Some(id) && e.data.get("eventType") == data.get("eventType"))) {
            Some(k) => events[k] = Event { at, data },
            None => events.push(Event { at, data }),
        }
    }

    fn track_one(&mut self, ev: &Map<String, Value>, event_type: &str) -> Result<(), R> {
        let email = ev.get("email").and_then(Value::as_str);
        let user_id = ev.get("userId").and_then(Value::as_str);
        if email.is_none() && user_id.is_none() {
            return Err(bad_params("email or userId is required"));
        }
        let i = self.upsert_user(email, user_id, false)?;
        let mut data = Map::new();
        data.insert("eventType".into(), json!(event_type));
        for k in [
            "eventName",
            "id",
            "campaignId",
            "templateId",
            "messageId",
            "dataFields",
        ] {
            if let Some(v) = ev.get(k) {
                data.insert(k.into(), v.clone());
            }
        }
        let at = event_time(ev.get("createdAt"));
        self.add_event(i, data, at);
        Ok(())
    }

    /// Tracking endpoints that just record an event of a fixed type for the named user.
    pub(crate) fn track_typed(&mut self, req: &Req, event_type: &str) -> Reply {
        let mut ev = req.p.clone();
        ev.remove("createdAt");
        if let Some(t) = req.p.get("createdAt") {
            ev.insert("createdAt".into(), t.clone());
        }
        for k in [
            "deviceInfo",
            "messageContext",
            "clickedUrl",
            "closeAction",
            "deleteAction",
            "buttonIdentifier",
            "targetUrl",
            "session",
            "impressions",
            "inboxSessionId",
        ] {
            if let Some(v) = req.p.get(k) {
                let mut df = ev
                    .get("dataFields")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                df.insert(k.into(), v.clone());
                ev.insert("dataFields".into(), Value::Object(df));
            }
        }
        self.track_one(&ev, event_type)?;
        ok()
    }

    fn track_event(&mut self, req: &Req) -> Reply {
        let mut ev = req.p.clone();
        ev.remove("createNewFields");
        self.track_one(&ev, "customEvent")?;
        ok()
    }

    fn track_events_in_bulk(&mut self, req: &Req) -> Reply {
        let evs = req.arr("events");
        let mut done = 0i64;
        let mut fail: Map<String, Value> = Map::new();
        let (mut inv_e, mut inv_u) = (vec![], vec![]);
        for e in &evs {
            let Some(o) = e.as_object() else { continue };
            if o.get("eventName")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                continue;
            }
            if let Err(err) = self.track_one(o, "customEvent") {
                let email = o.get("email").and_then(Value::as_str);
                let uid = o.get("userId").and_then(Value::as_str).unwrap_or("");
                let key = match (error_code(&err).as_str(), email) {
                    ("ForgottenUserError", Some(_)) => "forgottenEmails",
                    ("ForgottenUserError", None) => "forgottenUserIds",
                    ("UnknownUserIdError", _) => "notFoundUserIds",
                    (_, Some(x)) => {
                        inv_e.push(x.to_string());
                        "invalidEmails"
                    }
                    (_, None) => {
                        inv_u.push(uid.to_string());
                        "invalidUserIds"
                    }
                };
                push_failure(&mut fail, key, email.unwrap_or(uid));
            } else {
                done += 1;
            }
        }
        Ok(R::json(
            200,
            &json!({"successCount": done, "failCount": evs.len() as i64 - done, "invalidEmails": inv_e, "invalidUserIds": inv_u, "disallowedEventNames": [], "createdFields": [], "filteredOutFields": [], "failedUpdates": fail}),
        ))
    }

    /// get_user_events (by userId) and get_user_events_by_email: newest first, `limit`.
    fn get_user_events(&mut self, req: &Req) -> Reply {
        let Some(i) = self.find_req_user(req) else {
            return Ok(R::json(200, &json!({"events": []})));
        };
        let limit = req.i64("limit").unwrap_or(30).clamp(1, 200) as usize;
        let mut evs: Vec<&Event> = self.state.users[i].events.iter().collect();
        evs.sort_by_key(|e| std::cmp::Reverse(e.at));
        let out: Vec<Value> = evs
            .into_iter()
            .take(limit)
            .map(|e| Value::Object(e.data.clone()))
            .collect();
        Ok(R::json(200, &json!({"events": out})))
    }

    /// Records an inAppDelete event and marks the in-app message consumed.
    fn consume_inapp_message(&mut self, req: &Req) -> Reply {
        let mid = req.str("messageId").unwrap_or("").to_string();
        let r = self.track_typed(req, "inAppDelete");
        if r.as_ref().is_ok_and(|r| r.status == 200) {
            for m in self.state.outbox.iter_mut() {
                if m["messageId"] == mid.as_str() && m["channel"] == "inApp" {
                    m["consumed"] = json!(true);
                }
            }
        }
        r
    }
}
