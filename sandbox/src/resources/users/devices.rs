//! A user's devices: push device tokens, web-push browser tokens, and disabling a token.

use serde_json::{json, Value};

use crate::resources::Handler;
use crate::shared::reply::{bad_params, ok, Reply};
use crate::{Req, Sandbox};

pub(in crate::resources) const ROUTES: &[(&str, Handler)] = &[
    ("register_device_token", Sandbox::register_device_token),
    ("register_browser_token", Sandbox::register_browser_token),
    ("disable_device", Sandbox::disable_device),
];

impl Sandbox {
    fn register_device_token(&mut self, req: &Req) -> Reply {
        let i = self.upsert_user(
            req.str("email"),
            req.str("userId"),
            req.bool("preferUserId"),
        )?;
        let now = self.now();
        let mut d = req.obj("device");
        d.entry("endpointEnabled").or_insert(json!(true));
        let token = d.get("token").cloned();
        let u = &mut self.state.users[i];
        u.devices.retain(|x| x.get("token") != token.as_ref());
        u.devices.push(Value::Object(d));
        u.updated_at = now;
        ok()
    }

    fn register_browser_token(&mut self, req: &Req) -> Reply {
        let i = self.upsert_user(req.str("email"), req.str("userId"), false)?;
        let t = req.str("browserToken").unwrap_or("").to_string();
        let u = &mut self.state.users[i];
        if !u.browser_tokens.contains(&t) {
            u.browser_tokens.push(t);
        }
        ok()
    }

    fn disable_device(&mut self, req: &Req) -> Reply {
        let token = req.str("token").unwrap_or("");
        let mut hit = false;
        for u in self.state.users.iter_mut() {
            if req
                .str("email")
                .is_some_and(|e| u.email.as_deref() != Some(e))
                || req
                    .str("userId")
                    .is_some_and(|id| u.user_id.as_deref() != Some(id))
            {
                continue;
            }
            for d in u.devices.iter_mut() {
                if d.get("token").and_then(Value::as_str) == Some(token) {
                    d["endpointEnabled"] = json!(false);
                    hit = true;
                }
            }
            u.browser_tokens.retain(|t| t != token);
        }
        if hit {
            ok()
        } else {
            Err(bad_params("No device with that token"))
        }
    }
}
