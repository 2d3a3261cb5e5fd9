//! Forgetting users (GDPR): forget (the profile is hidden and its identifiers blocked),
//! unforget, and the SHA-256 lists of forgotten emails and userIds.

use serde_json::{json, Map, Value};

use super::{hashed, Hashes};
use crate::resources::Handler;
use crate::shared::reply::{bad_params, Reply};
use crate::state::User;
use crate::{Req, Response as R, Sandbox};

pub(in crate::resources) const ROUTES: &[(&str, Handler)] = &[
    ("forget_user", Sandbox::forget_user),
    ("unforget_user", Sandbox::unforget_user),
    ("list_forgotten_users", |s, _| {
        s.list_forgotten("hashedEmails", |h| h.0)
    }),
    ("list_forgotten_user_ids", |s, _| {
        s.list_forgotten("hashedUserIds", |h| h.1)
    }),
];

impl Sandbox {
    fn forget_user(&mut self, req: &Req) -> Reply {
        let (email, uid) = (req.str("email"), req.str("userId"));
        if self.forgotten_error(email, uid).is_some() {
            return Ok(R::success("User is already forgotten", Value::Null));
        }
        match self.find_user(email, uid) {
            Some(i) => {
                let u = self.remove_user(i);
                self.push_forgotten(u);
            }
            None => {
                // Iterable forgets identifiers even without a profile (blocks future data).
                let now = self.now();
                self.push_forgotten(User {
                    email: email.map(str::to_string),
                    user_id: uid.map(str::to_string),
                    created_at: now,
                    updated_at: now,
                    ..Default::default()
                });
            }
        }
        Ok(R::success("User forgotten", Value::Null))
    }

    fn unforget_user(&mut self, req: &Req) -> Reply {
        let Some(i) = self.forgotten_position(req.str("email"), req.str("userId")) else {
            return Err(bad_params("The user is not forgotten"));
        };
        let u = self.remove_forgotten(i);
        if (u.created_at != u.updated_at
            || !u.data_fields.is_empty()
            || !u.events.is_empty()
            || u.email.is_some())
            && self.find_user(u.email.as_deref(), None).is_none()
        {
            self.push_user(u);
        }
        Ok(R::success("User unforgotten", Value::Null))
    }

    /// `{key: [...]}`: the hash `pick` takes (email's or userId's) of each forgotten user.
    fn list_forgotten(&self, key: &str, pick: fn(Hashes) -> Option<String>) -> Reply {
        let v: Vec<String> = self
            .state
            .forgotten
            .iter()
            .filter_map(|u| pick(hashed(u)))
            .collect();
        let mut out = Map::new();
        out.insert(key.into(), json!(v));
        Ok(R::json(200, &Value::Object(out)))
    }
}
