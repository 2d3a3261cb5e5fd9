//! Lists (`/api/lists/...`): which lists exist and who is on them (also the audience of a
//! campaign send), and the handlers: create, list, delete, size, users and a seeded-random
//! preview, subscribe and unsubscribe.

use serde_json::{json, Map, Value};

use super::Handler;
use crate::shared::fields::valid_email;
use crate::shared::reply::{bad_params, error_code, push_failure, Reply};
use crate::shared::values::flag;
use crate::state::List;
use crate::util::splitmix;
use crate::{Req, Response as R, Sandbox};

pub(super) const ROUTES: &[(&str, Handler)] = &[
    ("create_new_list", Sandbox::create_new_list),
    ("list_lists", Sandbox::list_lists),
    ("delete_list", Sandbox::delete_list),
    ("get_list_size", Sandbox::get_list_size),
    ("list_list_users", |s, req| s.list_users(req, false)),
    ("preview_list_users", |s, req| s.list_users(req, true)),
    ("subscribe_to_list", |s, req| s.list_subscription(req, true)),
    ("unsubscribe_from_list", |s, req| {
        s.list_subscription(req, false)
    }),
];

impl Sandbox {
    pub(crate) fn list_exists(&self, id: i64) -> bool {
        self.state.lists.iter().any(|l| l.id == id)
    }

    /// 400 BadParams naming the first of `ids` that is not a list.
    pub(crate) fn require_lists<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a i64>,
    ) -> Result<(), R> {
        match ids.into_iter().find(|l| !self.list_exists(**l)) {
            Some(bad) => Err(bad_params(format!("List {bad} does not exist"))),
            None => Ok(()),
        }
    }

    /// The users on list `id`, in the state's order.
    pub(crate) fn list_members(&self, id: i64) -> Vec<usize> {
        let members: Vec<usize> = self.index.members.of(id).collect();
        #[cfg(debug_assertions)]
        {
            let users = &self.state.users;
            let scan = users
                .positions()
                .filter(|(_, u)| u.email_list_ids.contains(&id))
                .map(|(i, _)| i);
            debug_assert_eq!(members, scan.collect::<Vec<_>>(), "members of list {id}");
        }
        members
    }

    /// The members of `lists` (each once, in order of the lists) but those on a suppression list.
    pub(crate) fn audience(&self, lists: &[i64], suppression: &[i64]) -> Vec<usize> {
        let mut recipients: Vec<usize> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for l in lists {
            for i in self.list_members(*l) {
                if seen.insert(i) {
                    recipients.push(i);
                }
            }
        }
        recipients.retain(|&i| {
            !suppression
                .iter()
                .any(|s| self.state.users[i].email_list_ids.contains(s))
        });
        recipients
    }

    fn create_new_list(&mut self, req: &Req) -> Reply {
        let name = req.str("name").unwrap_or("").to_string();
        let id = self.next_id();
        let now = self.now();
        self.state.lists.push(List {
            id,
            name,
            description: req.str("description").map(str::to_string),
            created_at: now,
            list_type: "Standard".into(),
        });
        Ok(R::json(200, &json!({"listId": id})))
    }

    fn list_lists(&mut self, _req: &Req) -> Reply {
        let lists: Vec<Value> = self.state.lists.iter().map(|l| {
            let mut v = json!({"id": l.id, "name": l.name, "createdAt": l.created_at, "listType": l.list_type});
            if let Some(d) = &l.description { v["description"] = json!(d); }
            v
        }).collect();
        Ok(R::json(200, &json!({"lists": lists})))
    }

    fn delete_list(&mut self, req: &Req) -> Reply {
        let id = req.i64("listId").unwrap_or(0);
        self.require_lists(&[id])?;
        if self.state.campaigns.iter().any(|c| {
            matches!(
                c.campaign_state.as_str(),
                "Scheduled" | "Starting" | "Running" | "Recurring"
            ) && (c.list_ids.contains(&id) || c.suppression_list_ids.contains(&id))
        }) {
            return Err(R::error(
                409,
                "BadParams",
                format!("List {id} is used by an active campaign"),
            ));
        }
        self.state.lists.retain(|l| l.id != id);
        for i in self.list_members(id) {
            self.edit_user(i, |u| u.email_list_ids.retain(|l| *l != id));
        }
        Ok(R::success(format!("Deleted list {id}"), Value::Null))
    }

    fn get_list_size(&mut self, req: &Req) -> Reply {
        let id = req.i64("listId").unwrap_or(0);
        self.require_lists(&[id])?;
        Ok(R::new(
            200,
            "text/plain; charset=utf-8",
            self.index.members.count(id).to_string(),
        ))
    }

    /// list_list_users, or preview_list_users (`sample`: a seeded random sample of `size`).
    fn list_users(&mut self, req: &Req, sample: bool) -> Reply {
        let id = req.i64("listId").unwrap_or(0);
        self.require_lists(&[id])?;
        let prefer = req.bool("preferUserId");
        let mut members = self.list_members(id);
        if sample {
            let size = req.i64("size").unwrap_or(1000).clamp(1, 5000) as usize;
            // a seeded random sample
            for k in (1..members.len()).rev() {
                let j = (splitmix(&mut self.state.rng) % (k as u64 + 1)) as usize;
                members.swap(k, j);
            }
            members.truncate(size);
        }
        let lines: String = members
            .iter()
            .map(|&i| {
                let u = &self.state.users[i];
                let s = if prefer {
                    u.user_id.clone().or(u.email.clone())
                } else {
                    u.email.clone().or(u.user_id.clone())
                };
                s.unwrap_or_default() + "\n"
            })
            .collect();
        Ok(R::new(200, "text/plain; charset=utf-8", lines))
    }

    /// subscribe_to_list (`subscribe`) and unsubscribe_from_list, with failure reports.
    fn list_subscription(&mut self, req: &Req, subscribe: bool) -> Reply {
        let id = req.i64("listId").unwrap_or(0);
        self.require_lists(&[id])?;
        let now = self.now();
        let only_existing = req.bool("updateExistingUsersOnly") || !subscribe;
        let subs = req.arr("subscribers");
        let (mut done, mut inv_e, mut inv_u) = (0i64, vec![], vec![]);
        let mut fail: Map<String, Value> = Map::new();
        for s in &subs {
            let email = s.get("email").and_then(Value::as_str);
            let uid = s.get("userId").and_then(Value::as_str);
            if let Some(e) = email.filter(|e| !valid_email(e)) {
                inv_e.push(e.to_string());
                continue;
            }
            if email.is_none() && uid.is_none() {
                continue;
            }
            let found = self.find_user(email, uid);
            let i = match found {
                Some(i) => i,
                None if only_existing => {
                    match email {
                        Some(e) => push_failure(&mut fail, "notFoundEmails", e),
                        None => push_failure(&mut fail, "notFoundUserIds", uid.unwrap()),
                    };
                    continue;
                }
                None => match self.upsert_user(email, uid, flag(s.get("preferUserId"))) {
                    Ok(i) => i,
                    Err(e) => {
                        match (error_code(&e).as_str(), email) {
                            ("ForgottenUserError", Some(e)) => {
                                push_failure(&mut fail, "forgottenEmails", e)
                            }
                            ("ForgottenUserError", None) => {
                                push_failure(&mut fail, "forgottenUserIds", uid.unwrap())
                            }
                            (_, Some(e)) => inv_e.push(e.to_string()),
                            (_, None) => inv_u.push(uid.unwrap().to_string()),
                        }
                        continue;
                    }
                },
            };
            if let Some(df) = s.get("dataFields").and_then(Value::as_object) {
                if self.update_user_fields(i, df, false).is_err() {
                    push_failure(&mut fail, "invalidDataEmails", email.unwrap_or(""));
                    continue;
                }
            }
            let channel_too = req.bool("channelUnsubscribe");
            self.edit_user(i, |u| {
                if subscribe {
                    if !u.email_list_ids.contains(&id) {
                        u.email_list_ids.push(id);
                    }
                } else {
                    u.email_list_ids.retain(|l| *l != id);
                    if channel_too && !u.unsubscribed_channel_ids.contains(&401) {
                        u.unsubscribed_channel_ids.push(401);
                    }
                }
                u.updated_at = now;
            });
            done += 1;
        }
        if !inv_e.is_empty() {
            fail.insert("invalidEmails".into(), json!(inv_e));
        }
        if !inv_u.is_empty() {
            fail.insert("invalidUserIds".into(), json!(inv_u));
        }
        Ok(R::json(
            200,
            &json!({"successCount": done, "failCount": subs.len() as i64 - done, "invalidEmails": inv_e, "invalidUserIds": inv_u, "failedUpdates": fail}),
        ))
    }
}
