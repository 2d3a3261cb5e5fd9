//! Users (`/api/users/...`): how the state's users are found, created and written (lookup by
//! email or userId, upsert, field typing, the user JSON Iterable answers, forgotten users), and
//! the handlers, by topic: `profile` (update, get, fields, email change, merge, delete, sent
//! messages), `forget` (forget, unforget, hashed lists) and `devices` (device and browser tokens).

pub(super) mod devices;
pub(super) mod forget;
pub(super) mod profile;

use serde_json::{json, Map, Value};

use crate::shared::fields::{field_type, valid_email};
use crate::shared::index::{Ids, Members};
use crate::shared::values::deep_merge;
use crate::state::User;
use crate::util::{iterable_date, sha256_hex};
use crate::{Req, Response as R, Sandbox};

/// Whether user `u` is the one known by this email (any case) or userId.
fn same_user(u: &User, email: Option<&str>, user_id: Option<&str>) -> bool {
    email.is_some_and(|e| {
        u.email
            .as_deref()
            .is_some_and(|x| x.eq_ignore_ascii_case(e))
    }) || user_id.is_some_and(|id| u.user_id.as_deref() == Some(id))
}

/// A user's identifiers, as they were before an edit.
type Keys = (Option<String>, Option<String>);

impl Sandbox {
    /// The user by email (any case) when one is given, else by userId.
    pub(crate) fn find_user(&self, email: Option<&str>, user_id: Option<&str>) -> Option<usize> {
        let users = &self.state.users;
        let found = match (email, user_id) {
            (Some(e), _) => self.index.users.by_email(users, e),
            (None, Some(id)) => self.index.users.by_user_id(users, id),
            (None, None) => None,
        };
        #[cfg(debug_assertions)]
        {
            let scan = match (email, user_id) {
                (Some(_), _) => users.positions().find(|(_, u)| same_user(u, email, None)),
                _ => users.positions().find(|(_, u)| same_user(u, None, user_id)),
            }
            .map(|(i, _)| i);
            debug_assert_eq!(
                found, scan,
                "user index out of date for {email:?} / {user_id:?}"
            );
        }
        found
    }

    /// The position in `forgotten` of the user known by this email or userId.
    fn forgotten_position(&self, email: Option<&str>, user_id: Option<&str>) -> Option<usize> {
        let (ix, forgotten) = (&self.index.forgotten, &self.state.forgotten);
        let by_email = email.and_then(|e| ix.by_email(forgotten, e));
        let by_id = user_id.and_then(|id| ix.by_user_id(forgotten, id));
        let found = by_email.into_iter().chain(by_id).min();
        debug_assert_eq!(
            found,
            forgotten
                .positions()
                .find(|(_, u)| same_user(u, email, user_id))
                .map(|(i, _)| i)
        );
        found
    }

    /// Adds a user at the end of the state's users; returns its position.
    pub(crate) fn push_user(&mut self, u: User) -> usize {
        let lists = u.email_list_ids.clone();
        let i = self.state.users.push(u);
        self.index.members.join(i, &lists);
        self.index.users.add(&self.state.users, i);
        i
    }

    /// Takes user `i` out of the state (no other user's position changes, until the empty
    /// slots outnumber the users: then they are squeezed out and the indexes rebuilt).
    pub(crate) fn remove_user(&mut self, i: usize) -> User {
        let u = self.state.users.take(i);
        self.index.users.remove(&self.state.users, i, &u);
        self.index.members.leave(i, &u.email_list_ids);
        if self.state.users.sparse() {
            self.state.users.squeeze();
            self.index.users = Ids::build(&self.state.users);
            self.index.members = Members::build(&self.state.users);
        }
        u
    }

    /// Changes user `i` through `f`, keeping the indexes up to date with its email, userId and
    /// lists (the way to change any of those).
    pub(crate) fn edit_user<T>(&mut self, i: usize, f: impl FnOnce(&mut User) -> T) -> T {
        let u = &mut self.state.users[i];
        let keys: Keys = (u.email.clone(), u.user_id.clone());
        let lists = u.email_list_ids.clone();
        let out = f(u);
        self.index.users.rekey(&self.state.users, i, &keys);
        let now = &self.state.users[i].email_list_ids;
        self.index.members.moved(i, &lists, now);
        out
    }

    /// Adds a forgotten user.
    pub(crate) fn push_forgotten(&mut self, u: User) {
        let i = self.state.forgotten.push(u);
        self.index.forgotten.add(&self.state.forgotten, i);
    }

    /// Takes forgotten user `i` out (as `remove_user` does a user).
    pub(crate) fn remove_forgotten(&mut self, i: usize) -> User {
        let u = self.state.forgotten.take(i);
        self.index.forgotten.remove(&self.state.forgotten, i, &u);
        if self.state.forgotten.sparse() {
            self.state.forgotten.squeeze();
            self.index.forgotten = Ids::build(&self.state.forgotten);
        }
        u
    }

    /// 409 ForgottenUserError when the email or userId belongs to a forgotten user.
    pub(crate) fn forgotten_error(&self, email: Option<&str>, user_id: Option<&str>) -> Option<R> {
        let hit = self.forgotten_position(email, user_id).is_some();
        hit.then(|| {
            R::error(
                409,
                "ForgottenUserError",
                "The user has been forgotten and cannot be updated",
            )
        })
    }

    fn user_id_taken(&self, id: &str) -> Option<R> {
        self.find_user(None, Some(id)).is_some().then(|| {
            R::error(
                409,
                "UserIdAlreadyExists",
                format!("userId {id} already belongs to another user"),
            )
        })
    }

    /// Finds the user, or creates one (by email; by userId only when `create_by_id`).
    pub(crate) fn upsert_user(
        &mut self,
        email: Option<&str>,
        user_id: Option<&str>,
        create_by_id: bool,
    ) -> Result<usize, R> {
        if let Some(e) = self.forgotten_error(email, user_id) {
            return Err(e);
        }
        if let Some(e) = email {
            if !valid_email(e) {
                return Err(R::error(
                    400,
                    "InvalidEmailAddressError",
                    format!("Invalid email: {e}"),
                ));
            }
        }
        if let Some(i) = self.find_user(email, user_id) {
            if let (Some(_), Some(id)) = (email, user_id) {
                if self.state.users[i].user_id.as_deref() != Some(id) {
                    if let Some(e) = self.user_id_taken(id) {
                        return Err(e);
                    }
                    self.edit_user(i, |u| u.user_id = Some(id.to_string()));
                }
            }
            return Ok(i);
        }
        if email.is_none() {
            let id = user_id.unwrap_or("");
            if !create_by_id {
                return Err(R::error(
                    400,
                    "UnknownUserIdError",
                    format!("No user exists with userId {id}"),
                ));
            }
            if id.is_empty() {
                return Err(R::error(400, "InvalidUserIdError", "Invalid userId"));
            }
        }
        if let Some(e) = user_id.and_then(|id| self.user_id_taken(id)) {
            return Err(e);
        }
        let now = self.now();
        let email = email.map(str::to_string).or_else(|| {
            user_id.map(|id| format!("{}@placeholder.email", &sha256_hex(id.as_bytes())[..16]))
        });
        Ok(self.push_user(User {
            email,
            user_id: user_id.map(str::to_string),
            created_at: now,
            updated_at: now,
            ..Default::default()
        }))
    }

    /// Records field types; a type change is Iterable's RequestFieldsTypesMismatched.
    fn check_fields(
        &mut self,
        fields: &Map<String, Value>,
        prefix: &str,
    ) -> Result<Vec<String>, R> {
        let mut created = Vec::new();
        for (k, v) in fields {
            if v.is_null() {
                continue;
            }
            let name = format!("{prefix}{k}");
            let t = field_type(v);
            match self.state.user_fields.get(&name).and_then(Value::as_str) {
                Some(old)
                    if old != t
                        && !(old == "long" && t == "double")
                        && !(old == "string" && t == "date")
                        && !(old == "date" && t == "string") =>
                {
                    return Err(R::error(
                        400,
                        "RequestFieldsTypesMismatched",
                        format!("Field {name} has type {old}; got {t}"),
                    ));
                }
                Some(_) => {}
                None => {
                    self.state
                        .user_fields
                        .insert(name.clone(), Value::String(t.into()));
                    created.push(name.clone());
                }
            }
            if let Value::Object(o) = v {
                created.extend(self.check_fields(o, &format!("{name}."))?);
            }
        }
        Ok(created)
    }

    /// Merges `data` into user `i`'s dataFields; returns the names of fields seen first here.
    pub(crate) fn update_user_fields(
        &mut self,
        i: usize,
        data: &Map<String, Value>,
        nested: bool,
    ) -> Result<Vec<String>, R> {
        let created = self.check_fields(data, "")?;
        let now = self.now();
        let u = &mut self.state.users[i];
        deep_merge(&mut u.data_fields, data, nested);
        u.updated_at = now;
        Ok(created)
    }

    fn user_json(&self, u: &User) -> Value {
        let mut df = u.data_fields.clone();
        df.insert("signupDate".into(), json!(iterable_date(u.created_at)));
        df.insert(
            "profileUpdatedAt".into(),
            json!(iterable_date(u.updated_at)),
        );
        df.insert("emailListIds".into(), json!(u.email_list_ids));
        df.insert(
            "unsubscribedChannelIds".into(),
            json!(u.unsubscribed_channel_ids),
        );
        df.insert(
            "unsubscribedMessageTypeIds".into(),
            json!(u.unsubscribed_message_type_ids),
        );
        df.insert(
            "subscribedMessageTypeIds".into(),
            json!(u.subscribed_message_type_ids),
        );
        if !u.devices.is_empty() {
            df.insert("devices".into(), json!(u.devices));
        }
        if !u.browser_tokens.is_empty() {
            df.insert("browserTokens".into(), json!(u.browser_tokens));
        }
        if let Some(id) = &u.user_id {
            df.insert("userId".into(), json!(id));
        }
        let mut o = json!({"email": u.email, "dataFields": df});
        if let Some(id) = &u.user_id {
            o["userId"] = json!(id);
        }
        o
    }

    /// User `i`'s email and userId.
    pub(crate) fn user_ref_of(&self, i: usize) -> (Option<String>, Option<String>) {
        let u = &self.state.users[i];
        (u.email.clone(), u.user_id.clone())
    }

    /// The user named by the request's `email` / `userId` params.
    pub(crate) fn find_req_user(&self, req: &Req) -> Option<usize> {
        self.find_user(req.str("email"), req.str("userId"))
    }
}

/// SHA-256 hex of a user's email and of its userId.
type Hashes = (Option<String>, Option<String>);

/// SHA-256 of the lower-cased email and of the userId.
fn hashed(u: &User) -> Hashes {
    (
        u.email
            .as_ref()
            .map(|e| sha256_hex(e.to_lowercase().as_bytes())),
        u.user_id.as_ref().map(|id| sha256_hex(id.as_bytes())),
    )
}
