//! Embedded messaging (`/api/embedded-messaging/...`): a user's embedded messages grouped by
//! placement, and the embedded click / received / session tracking events.

use serde_json::{json, Value};

use super::Handler;
use crate::shared::outbox::addressed_to;
use crate::shared::reply::Reply;
use crate::{Req, Response as R, Sandbox};

pub(super) const ROUTES: &[(&str, Handler)] = &[
    ("get_embedded_messages", Sandbox::get_embedded_messages),
    ("track_embedded_click", |s, req| {
        s.track_typed(req, "embeddedClick")
    }),
    ("track_embedded_received", |s, req| {
        s.track_typed(req, "embeddedReceived")
    }),
    ("track_embedded_session", |s, req| {
        s.track_typed(req, "embeddedSession")
    }),
];

impl Sandbox {
    fn get_embedded_messages(&mut self, req: &Req) -> Reply {
        let Some(i) = self.find_req_user(req) else {
            return Ok(R::json(200, &json!({"placements": []})));
        };
        let user = self.user_ref_of(i);
        let want = req.ids("placementIds");
        let mut placements: Vec<(i64, Vec<Value>)> = Vec::new();
        for m in self.state.outbox.iter().filter(|m| {
            m["channel"] == "embedded" && m["status"] == "sent" && addressed_to(m, &user)
        }) {
            let pid = m["templateId"]
                .as_i64()
                .and_then(|t| self.template(t))
                .and_then(|t| t.fields.get("placementId").and_then(Value::as_i64))
                .unwrap_or(0);
            if !want.is_empty() && !want.contains(&pid) {
                continue;
            }
            let em = json!({"metadata": {"messageId": m["messageId"], "campaignId": m["campaignId"], "placementId": pid},
                            "elements": {"title": m["content"]["title"], "body": m["content"]["body"]},
                            "payload": m["content"]["payload"].as_object().cloned().unwrap_or_default()});
            match placements.iter_mut().find(|(p, _)| *p == pid) {
                Some((_, v)) => v.push(em),
                None => placements.push((pid, vec![em])),
            }
        }
        let out: Vec<Value> = placements
            .into_iter()
            .map(|(p, v)| json!({"placementId": p, "embeddedMessages": v}))
            .collect();
        Ok(R::json(200, &json!({"placements": out})))
    }
}
