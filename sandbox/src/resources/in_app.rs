//! In-app messages (`/api/inApp/get...`): a user's unconsumed in-app messages from the
//! outbox, newest first (mobile, web, and the single priority message).

use serde_json::{json, Value};

use super::Handler;
use crate::shared::outbox::{addressed_to, created_at};
use crate::shared::reply::Reply;
use crate::{Req, Response as R, Sandbox};

pub(super) const ROUTES: &[(&str, Handler)] = &[
    ("get_inapp_messages", |s, req| {
        s.get_inapp_messages(req, false)
    }),
    ("get_web_inapp_messages", |s, req| {
        s.get_inapp_messages(req, false)
    }),
    ("get_priority_inapp_message", |s, req| {
        s.get_inapp_messages(req, true)
    }),
];

/// How long an in-app message stays available when its template sets no expiration (90 days).
const IN_APP_LIFETIME_MS: i64 = 90 * 86_400_000;

impl Sandbox {
    /// Up to `count` messages (one when `priority`).
    fn get_inapp_messages(&mut self, req: &Req, priority: bool) -> Reply {
        let Some(i) = self.find_req_user(req) else {
            return Ok(R::json(200, &json!({"inAppMessages": []})));
        };
        let user = self.user_ref_of(i);
        let count = if priority {
            1
        } else {
            req.i64("count").unwrap_or(10).max(0) as usize
        };
        let msgs: Vec<Value> = self.state.outbox.iter().rev().filter(|m| {
            m["channel"] == "inApp" && m["status"] == "sent" && m["consumed"] != true
                && addressed_to(m, &user)
        }).take(count).map(|m| json!({
            "messageId": m["messageId"], "campaignId": m["campaignId"].as_i64().unwrap_or(0),
            "createdAt": created_at(m).unwrap_or(0), "expiresAt": created_at(m).unwrap_or(0) + IN_APP_LIFETIME_MS,
            "content": {"html": m["content"]["html"].as_str().unwrap_or(""), "inAppDisplaySettings": {"shouldAnimate": false}, "webInAppDisplaySettings": {"position": "Center"}},
            "customPayload": m["content"]["payload"].as_object().cloned().unwrap_or_default(),
            "trigger": {"type": "immediate"}, "saveToInbox": false, "jsonOnly": false,
            "messageType": "Mobile", "typeOfContent": "Static", "priorityLevel": 300.5, "read": false,
        })).collect();
        Ok(R::json(200, &json!({"inAppMessages": msgs})))
    }
}
