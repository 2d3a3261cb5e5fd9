//! Messages by channel (`/api/{email,push,sms,inApp,webPush,whatsApp}/...`): sends of a
//! triggered campaign to one user (`*_to_target`, scheduled when `sendAt` is in the future),
//! cancelling scheduled ones, and viewing a sent email in the browser.

use serde_json::{json, Value};

use super::Handler;
use crate::shared::outbox::Outgoing;
use crate::shared::reply::{bad_params, not_found, Reply};
use crate::util::parse_date;
use crate::{Req, Response as R, Sandbox};

pub(super) const ROUTES: &[(&str, Handler)] = &[
    ("send_email_to_target", |s, req| {
        s.send_to_target(req, "email")
    }),
    ("send_push_to_target", |s, req| {
        s.send_to_target(req, "push")
    }),
    ("send_sms_to_target", |s, req| s.send_to_target(req, "sms")),
    ("send_inapp_notification_to_target", |s, req| {
        s.send_to_target(req, "inApp")
    }),
    ("send_web_push_to_target", |s, req| {
        s.send_to_target(req, "webPush")
    }),
    ("send_whatsapp_to_target", |s, req| {
        s.send_to_target(req, "whatsApp")
    }),
    ("cancel_email", |s, req| s.cancel_scheduled(req, "email")),
    ("cancel_push", |s, req| s.cancel_scheduled(req, "push")),
    ("cancel_sms", |s, req| s.cancel_scheduled(req, "sms")),
    ("cancel_inapp_message", |s, req| {
        s.cancel_scheduled(req, "inApp")
    }),
    ("cancel_web_push", |s, req| {
        s.cancel_scheduled(req, "webPush")
    }),
    ("cancel_whatsapp", |s, req| {
        s.cancel_scheduled(req, "whatsApp")
    }),
    ("view_email_in_browser", Sandbox::view_email_in_browser),
];

impl Sandbox {
    /// Sends of the `*_to_target` actions.
    fn send_to_target(&mut self, req: &Req, kind: &str) -> Reply {
        let cid = req.i64("campaignId").unwrap_or(0);
        let c = self.active_triggered(cid)?;
        let ui = self.upsert_user(req.str("recipientEmail"), req.str("recipientUserId"), false)?;
        let data = req.obj("dataFields");
        let m = self.send_to_user(
            &Outgoing {
                campaign_id: Some(cid),
                template_id: c.template_id,
                send_at: req.str("sendAt").and_then(parse_date),
                ..Outgoing::new(kind, "target", &data)
            },
            ui,
        );
        Ok(R::success(
            "",
            json!({"messageId": m["messageId"], "scheduledMessageId": m["scheduledMessageId"]}),
        ))
    }

    /// cancel_*: by scheduledMessageId, or by campaignId and the recipient's email / userId.
    fn cancel_scheduled(&mut self, req: &Req, kind: &str) -> Reply {
        let sid = req.i64("scheduledMessageId");
        let cid = req.i64("campaignId");
        let email = req.str("email");
        let user_id = req.str("userId");
        let mut n = 0;
        for m in self.state.outbox.iter_mut() {
            if m["channel"] != kind || m["status"] != "scheduled" {
                continue;
            }
            let hit = match sid {
                Some(s) => m["scheduledMessageId"].as_i64() == Some(s),
                None => {
                    m["campaignId"].as_i64() == cid
                        && (email.is_some_and(|e| m["email"].as_str() == Some(e))
                            || user_id.is_some_and(|u| m["userId"].as_str() == Some(u)))
                }
            };
            if hit {
                m["status"] = json!("cancelled");
                n += 1;
            }
        }
        if n == 0 {
            return Err(bad_params("No scheduled message matches the request"));
        }
        Ok(R::success(
            format!("Cancelled {n} scheduled message(s)"),
            Value::Null,
        ))
    }

    fn view_email_in_browser(&mut self, req: &Req) -> Reply {
        let mid = req.str("messageId").unwrap_or("");
        let hit = self.state.outbox.iter().find(|m| {
            m["messageId"] == mid
                && m["channel"] == "email"
                && (req.str("email").is_none_or(|e| m["email"] == e)
                    && req
                        .str("userId")
                        .is_none_or(|u| m["userId"].is_null() || m["userId"] == u))
        });
        match hit {
            Some(m) => Ok(R::new(
                200,
                "text/html; charset=utf-8",
                m["content"]["html"].as_str().unwrap_or("").to_string(),
            )),
            None => Err(not_found("Message not found")),
        }
    }
}
