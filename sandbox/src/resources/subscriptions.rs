//! Subscriptions: a user's lists, channels and message types (`/api/subscriptions/...`, and
//! `/api/users/updateSubscriptions` / `bulkUpdateSubscriptions`, which set them wholesale),
//! subscribe / unsubscribe one user or many to one group, and double opt-in.

use serde_json::{json, Map, Value};

use super::Handler;
use crate::shared::fields::valid_email;
use crate::shared::outbox::Outgoing;
use crate::shared::reply::{accepted, not_found, ok, Reply};
use crate::state::User;
use crate::{Req, Response as R, Sandbox};

pub(super) const ROUTES: &[(&str, Handler)] = &[
    (
        "update_user_subscriptions",
        Sandbox::update_user_subscriptions,
    ),
    (
        "bulk_update_user_subscriptions",
        Sandbox::bulk_update_user_subscriptions,
    ),
    ("subscribe_user_by_email", |s, req| {
        s.subscribe_user(req, true)
    }),
    ("subscribe_user_by_id", |s, req| s.subscribe_user(req, true)),
    ("unsubscribe_user_by_email", |s, req| {
        s.subscribe_user(req, false)
    }),
    ("unsubscribe_user_by_id", |s, req| {
        s.subscribe_user(req, false)
    }),
    (
        "bulk_subscription_action",
        Sandbox::bulk_subscription_action,
    ),
    ("trigger_double_opt_in", Sandbox::trigger_double_opt_in),
];

/// Replaces each of the user's subscription arrays that `ids` gives.
fn set_subscriptions(u: &mut User, ids: impl Fn(&str) -> Option<Vec<i64>>) {
    if let Some(v) = ids("emailListIds") {
        u.email_list_ids = v;
    }
    if let Some(v) = ids("unsubscribedChannelIds") {
        u.unsubscribed_channel_ids = v;
    }
    if let Some(v) = ids("unsubscribedMessageTypeIds") {
        u.unsubscribed_message_type_ids = v;
    }
    if let Some(v) = ids("subscribedMessageTypeIds") {
        u.subscribed_message_type_ids = v;
    }
}

impl Sandbox {
    fn update_user_subscriptions(&mut self, req: &Req) -> Reply {
        let i = self.upsert_user(req.str("email"), req.str("userId"), false)?;
        self.require_lists(&req.ids("emailListIds"))?;
        let now = self.now();
        self.edit_user(i, |u| {
            set_subscriptions(u, |k| req.p.contains_key(k).then(|| req.ids(k)));
            u.updated_at = now;
        });
        ok()
    }

    fn bulk_update_user_subscriptions(&mut self, req: &Req) -> Reply {
        let reqs = req.arr("updateSubscriptionsRequests");
        let now = self.now();
        let (mut done, mut inv_e, mut inv_u, mut fail_e, mut fail_u) =
            (0, vec![], vec![], vec![], vec![]);
        for r in &reqs {
            let email = r.get("email").and_then(Value::as_str);
            let uid = r.get("userId").and_then(Value::as_str);
            if let Some(e) = email.filter(|e| !valid_email(e)) {
                inv_e.push(e.to_string());
                continue;
            }
            match self.upsert_user(email, uid, false) {
                Ok(i) => {
                    self.edit_user(i, |u| {
                        set_subscriptions(u, |k| {
                            r.get(k)
                                .and_then(Value::as_array)
                                .map(|a| a.iter().filter_map(Value::as_i64).collect::<Vec<_>>())
                        });
                        u.updated_at = now;
                    });
                    done += 1;
                }
                Err(_) => match email {
                    Some(e) => fail_e.push(e.to_string()),
                    None => match uid {
                        Some(u) if self.find_user(None, Some(u)).is_none() => {
                            inv_u.push(u.to_string())
                        }
                        Some(u) => fail_u.push(u.to_string()),
                        None => {}
                    },
                },
            }
        }
        Ok(R::json(
            200,
            &json!({"successCount": done, "failCount": reqs.len() as i64 - done, "invalidEmails": inv_e, "invalidUserIds": inv_u, "validEmailFailures": fail_e, "validUserIdFailures": fail_u}),
        ))
    }

    /// Subscribes (or unsubscribes) one user to the request's subscription group.
    fn subscription_change(
        &mut self,
        req: &Req,
        email: Option<&str>,
        uid: Option<&str>,
        subscribe: bool,
    ) -> Result<(), R> {
        // Any letter case names the group (the definition's enumIgnoreCase): canonical from here.
        // Only the definition's three groups get here, so the last arm is messageChannel.
        let given = req.str("subscriptionGroup").unwrap_or("");
        let group = ["emailList", "messageType", "messageChannel"].into_iter().find(|g| g.eq_ignore_ascii_case(given)).unwrap_or(given);
        let gid = req.i64("subscriptionGroupId").unwrap_or(0);
        let valid_group = match group {
            "emailList" => self.list_exists(gid),
            "messageType" => self
                .state
                .message_types
                .iter()
                .any(|m| m["id"].as_i64() == Some(gid)),
            _ => self
                .state
                .channels
                .iter()
                .any(|c| c["id"].as_i64() == Some(gid)),
        };
        if !valid_group {
            return Err(not_found(format!("{group} {gid} not found")));
        }
        let i = match self.find_user(email, uid) {
            Some(i) => i,
            None if uid.is_some() && email.is_none() => return Err(not_found("User not found")),
            None => self.upsert_user(email, uid, false)?,
        };
        if let Some(e) = self.forgotten_error(email, uid) {
            return Err(e);
        }
        let opt_in = self
            .state
            .message_types
            .iter()
            .any(|m| m["id"].as_i64() == Some(gid) && m["subscriptionPolicy"] == "OptIn");
        let set = |v: &mut Vec<i64>, add: bool| {
            v.retain(|x| *x != gid);
            if add {
                v.push(gid);
            }
        };
        let now = self.state.clock;
        self.edit_user(i, |u| {
            match group {
                "emailList" => set(&mut u.email_list_ids, subscribe),
                "messageChannel" => set(&mut u.unsubscribed_channel_ids, !subscribe),
                _ => {
                    if opt_in {
                        set(&mut u.subscribed_message_type_ids, subscribe);
                    }
                    set(&mut u.unsubscribed_message_type_ids, !subscribe);
                }
            }
            u.updated_at = now;
        });
        Ok(())
    }

    /// subscribe_user_by_* (`subscribe`) and unsubscribe_user_by_*.
    fn subscribe_user(&mut self, req: &Req, subscribe: bool) -> Reply {
        let (email, uid) = (req.str("userEmail"), req.str("userId"));
        self.subscription_change(req, email, uid, subscribe)?;
        Ok(accepted("", Value::Null))
    }

    fn bulk_subscription_action(&mut self, req: &Req) -> Reply {
        // The definition requires action, subscribe or unsubscribe.
        let subscribe = req.str("action") == Some("subscribe");
        let (emails, user_ids) = (req.strs("users"), req.strs("usersByUserId"));
        let users = emails.iter().map(|e| (Some(e.as_str()), None));
        let users = users.chain(user_ids.iter().map(|u| (None, Some(u.as_str()))));
        let mut failed = Vec::new();
        for (email, uid) in users {
            if self
                .subscription_change(req, email, uid, subscribe)
                .is_err()
            {
                failed.push(json!(email.or(uid)));
            }
        }
        Ok(accepted("", json!({"failed": failed})))
    }

    fn trigger_double_opt_in(&mut self, req: &Req) -> Reply {
        let (email, uid) = (req.str("email"), req.str("userId"));
        let Some(i) = self.find_user(email, uid) else {
            return Err(R::new(
                400,
                "text/plain; charset=utf-8",
                format!(
                    "User not found for userId: {} or email: {}",
                    uid.unwrap_or(""),
                    email.unwrap_or("")
                ),
            ));
        };
        let mut data = Map::new();
        data.insert("messageTypeIds".into(), json!(req.ids("messageTypeIds")));
        if let Some(b) = req.str("brandName") {
            data.insert("brandName".into(), json!(b));
        }
        let kind = if req.str("phoneNumber").is_some() {
            "sms"
        } else {
            "email"
        };
        self.send_to_user(&Outgoing::new(kind, "doubleOptIn", &data), i);
        let text = "Request for double opt-in subscription accepted";
        Ok(
            if req.accept.contains("application/json") && !req.accept.contains("text/plain") {
                R::new(202, "application/json", json!(text).to_string())
            } else {
                R::new(202, "text/plain; charset=utf-8", text.into())
            },
        )
    }
}
