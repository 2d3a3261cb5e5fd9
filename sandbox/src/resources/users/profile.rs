//! User profiles: update (one and bulk), get by email or userId, the project's user fields,
//! email change, merge, delete, and the messages a user was sent.

use serde_json::{json, Map, Value};

use crate::resources::Handler;
use crate::shared::clock::within;
use crate::shared::fields::valid_email;
use crate::shared::outbox::{addressed_to, created_at, kind_of, listed_medium};
use crate::shared::reply::{bad_params, error_code, ok, push_failure, Reply};
use crate::shared::values::flag;
use crate::{Req, Response as R, Sandbox};

pub(in crate::resources) const ROUTES: &[(&str, Handler)] = &[
    ("update_user", Sandbox::update_user),
    ("bulk_update_users", Sandbox::bulk_update_users),
    ("update_user_email", Sandbox::update_user_email),
    ("merge_users", Sandbox::merge_users),
    ("delete_user_by_email", Sandbox::delete_user),
    ("delete_user_by_id", Sandbox::delete_user),
    ("get_user_by_email", Sandbox::get_user_by_email),
    ("get_user_by_email_path", Sandbox::get_user_by_email),
    ("get_user_by_id", Sandbox::get_user_by_id),
    ("get_user_by_id_path", Sandbox::get_user_by_id),
    ("list_user_fields", Sandbox::list_user_fields),
    ("get_user_sent_messages", Sandbox::get_user_sent_messages),
];

/// 400 UnknownEmailError
fn unknown_email(e: &str) -> R {
    R::error(
        400,
        "UnknownEmailError",
        format!("No user exists with email {e}"),
    )
}

impl Sandbox {
    fn update_user(&mut self, req: &Req) -> Reply {
        let email = req.str("email");
        let user_id = req.str("userId");
        let by_id = req.bool("preferUserId") || email.is_none();
        let i = self.upsert_user(email, user_id, by_id)?;
        self.update_user_fields(i, &req.obj("dataFields"), req.bool("mergeNestedObjects"))?;
        ok()
    }

    fn bulk_update_users(&mut self, req: &Req) -> Reply {
        let users = req.arr("users");
        let mut done: i64 = 0;
        let mut created = Vec::new();
        let mut fail: Map<String, Value> = Map::new();
        for u in &users {
            let email = u.get("email").and_then(Value::as_str);
            let user_id = u.get("userId").and_then(Value::as_str);
            let id = email.or(user_id).unwrap_or("").to_string();
            let key = if email.is_some() { "Emails" } else { "UserIds" };
            if email.is_none() && user_id.is_none() {
                push_failure(&mut fail, "invalidEmails", &id);
                continue;
            }
            let by_id = flag(u.get("preferUserId")) || email.is_none();
            match self.upsert_user(email, user_id, by_id) {
                Ok(i) => {
                    let df = u
                        .get("dataFields")
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default();
                    match self.update_user_fields(i, &df, flag(u.get("mergeNestedObjects"))) {
                        Ok(c) => {
                            done += 1;
                            created.extend(c);
                        }
                        Err(_) => push_failure(&mut fail, &format!("invalidData{key}"), &id),
                    }
                }
                Err(e) => {
                    let k = match error_code(&e).as_str() {
                        "ForgottenUserError" => format!("forgotten{key}"),
                        "InvalidEmailAddressError" => "invalidEmails".into(),
                        "UserIdAlreadyExists" | "EmailAlreadyExists" => format!("conflict{key}"),
                        "UnknownUserIdError" => "notFoundUserIds".into(),
                        _ => "invalidUserIds".into(),
                    };
                    push_failure(&mut fail, &k, &id);
                }
            }
        }
        let failed = users.len() as i64 - done;
        let mut out = json!({"successCount": done, "failCount": failed, "createdFields": created, "filteredOutFields": []});
        out["invalidEmails"] = fail.get("invalidEmails").cloned().unwrap_or(json!([]));
        out["invalidUserIds"] = fail.get("invalidUserIds").cloned().unwrap_or(json!([]));
        out["failedUpdates"] = Value::Object(fail);
        Ok(R::json(200, &out))
    }

    fn update_user_email(&mut self, req: &Req) -> Reply {
        let new = req.str("newEmail").unwrap_or("");
        if !valid_email(new) {
            return Err(R::error(
                400,
                "InvalidEmailAddressError",
                format!("Invalid email: {new}"),
            ));
        }
        let Some(i) = self.find_user(req.str("currentEmail"), req.str("currentUserId")) else {
            return Err(match req.str("currentEmail") {
                Some(e) => unknown_email(e),
                None => R::error(400, "UnknownUserIdError", "No user exists with that userId"),
            });
        };
        if let Some(j) = self.find_user(Some(new), None) {
            if j != i {
                return Err(R::error(
                    409,
                    "EmailAlreadyExists",
                    format!("A user with email {new} already exists"),
                ));
            }
        }
        let now = self.now();
        self.edit_user(i, |u| {
            u.email = Some(new.to_string());
            u.updated_at = now;
            for e in u.events.iter_mut() {
                e.data.insert("email".into(), json!(new));
            }
        });
        ok()
    }

    fn merge_users(&mut self, req: &Req) -> Reply {
        let src = self.find_user(req.str("sourceEmail"), req.str("sourceUserId"));
        let dst = self.find_user(req.str("destinationEmail"), req.str("destinationUserId"));
        let (Some(s), Some(d)) = (src, dst) else {
            return Err(bad_params("Source or destination user does not exist"));
        };
        if s == d {
            return Err(bad_params("Source and destination are the same user"));
        }
        let now = self.now();
        // Through edit_user, as the destination's lists change; the source goes last (taking a
        // user out may move the others).
        let su = self.state.users[s].clone();
        self.edit_user(d, |du| {
            for (k, v) in su.data_fields {
                du.data_fields.entry(k).or_insert(v);
            }
            for l in su.email_list_ids {
                if !du.email_list_ids.contains(&l) {
                    du.email_list_ids.push(l);
                }
            }
            let (de, di) = (du.email.clone(), du.user_id.clone());
            for mut e in su.events {
                e.data.insert("email".into(), json!(de));
                if let Some(id) = &di {
                    e.data.insert("userId".into(), json!(id));
                }
                du.events.push(e);
            }
            du.events.sort_by_key(|e| e.at);
            du.devices.extend(su.devices);
            du.updated_at = now;
        });
        self.remove_user(s);
        Ok(R::success("Merged users", Value::Null))
    }

    /// delete_user_by_email and delete_user_by_id.
    fn delete_user(&mut self, req: &Req) -> Reply {
        let (email, uid) = (req.str("email"), req.str("userId"));
        let Some(i) = self.find_user(email, uid) else {
            return Err(match email {
                Some(e) => unknown_email(e),
                None => R::error(
                    400,
                    "UnknownUserIdError",
                    format!("No user exists with userId {}", uid.unwrap_or("")),
                ),
            });
        };
        self.remove_user(i);
        Ok(R::success("User deleted", Value::Null))
    }

    fn get_user(&self, email: Option<&str>, user_id: Option<&str>) -> Reply {
        Ok(match self.find_user(email, user_id) {
            Some(i) => R::json(200, &json!({"user": self.user_json(&self.state.users[i])})),
            // Iterable answers an unknown user with an empty object (no `user` key).
            None => R::json(200, &json!({})),
        })
    }

    fn get_user_by_email(&mut self, req: &Req) -> Reply {
        self.get_user(req.str("email"), None)
    }

    fn get_user_by_id(&mut self, req: &Req) -> Reply {
        self.get_user(None, req.str("userId"))
    }

    fn list_user_fields(&mut self, _req: &Req) -> Reply {
        let mut f = Map::new();
        for (k, t) in [
            ("email", "string"),
            ("userId", "string"),
            ("signupDate", "date"),
            ("profileUpdatedAt", "date"),
            ("emailListIds", "long"),
            ("unsubscribedChannelIds", "long"),
            ("unsubscribedMessageTypeIds", "long"),
            ("subscribedMessageTypeIds", "long"),
        ] {
            f.insert(k.into(), json!(t));
        }
        for (k, v) in &self.state.user_fields {
            f.insert(k.clone(), v.clone());
        }
        Ok(R::json(200, &json!({"fields": f})))
    }

    fn get_user_sent_messages(&mut self, req: &Req) -> Reply {
        let Some(i) = self.find_req_user(req) else {
            return Ok(R::json(200, &json!({"messages": []})));
        };
        let user = self.user_ref_of(i);
        let limit = req.i64("limit").unwrap_or(10).clamp(1, 1000) as usize;
        let cids = req.ids("campaignIds");
        let range = self.range_bounds(req);
        let medium = req.str("messageMedium").map(kind_of);
        let exclude_blast = req.bool("excludeBlastCampaigns");
        let mut out: Vec<Value> = self.state.outbox.iter().rev().filter(|m| {
            m["status"] == "sent" && m["source"] != "proof" && !m["campaignId"].is_null()
                && addressed_to(m, &user)
                && (cids.is_empty() || m["campaignId"].as_i64().is_some_and(|c| cids.contains(&c)))
                && medium.is_none_or(|k| m["channel"] == k)
                && within(created_at(m).unwrap_or(0), range)
                && !(exclude_blast && m["source"] == "campaign")
                && listed_medium(m["channel"].as_str().unwrap_or("")).is_some()
        }).take(limit).map(|m| {
            let at = created_at(m).unwrap_or(0);
            json!({"messageId": m["messageId"], "campaignId": m["campaignId"], "templateId": m["templateId"].as_i64().unwrap_or(0),
                   "messageMedium": listed_medium(m["channel"].as_str().unwrap_or("")), "status": "Sent",
                   "sentAt": at, "createdAt": at, "dataFields": m["dataFields"]})
        }).collect();
        out.truncate(limit);
        Ok(R::json(200, &json!({"messages": out})))
    }
}
