//! Commerce (`/api/commerce/...`): purchases (which clear the cart) and shopping carts, both
//! recorded as events on the user.

use serde_json::{json, Map, Value};

use super::Handler;
use crate::shared::clock::event_time;
use crate::shared::reply::{bad_params, ok, Reply};
use crate::shared::values::flag;
use crate::{Req, Sandbox};

pub(super) const ROUTES: &[(&str, Handler)] = &[
    ("track_purchase", |s, req| s.commerce(req, false)),
    ("update_shopping_cart", |s, req| s.commerce(req, true)),
];

impl Sandbox {
    /// track_purchase, or update_shopping_cart (`cart`), for the request's `user`.
    fn commerce(&mut self, req: &Req, cart: bool) -> Reply {
        let user = req.obj("user");
        let email = user.get("email").and_then(Value::as_str);
        let uid = user.get("userId").and_then(Value::as_str);
        if email.is_none() && uid.is_none() {
            return Err(bad_params("user.email or user.userId is required"));
        }
        let i = self.upsert_user(email, uid, flag(user.get("preferUserId")))?;
        if let Some(df) = user.get("dataFields").and_then(Value::as_object) {
            self.update_user_fields(i, df, flag(user.get("mergeNestedObjects")))?;
        }
        let items = req.arr("items");
        if cart {
            self.state.users[i].cart = items.clone();
            let mut data = Map::new();
            data.insert("eventType".into(), json!("updateCart"));
            data.insert("items".into(), json!(items));
            self.add_event(i, data, None);
        } else {
            self.state.users[i].cart.clear();
            let mut data = Map::new();
            data.insert("eventType".into(), json!("purchase"));
            data.insert(
                "id".into(),
                req.p
                    .get("id")
                    .cloned()
                    .unwrap_or_else(|| json!(format!("{}", self.state.seq + 1))),
            );
            data.insert("total".into(), req.p["total"].clone());
            data.insert("items".into(), json!(items));
            for k in ["campaignId", "templateId", "dataFields"] {
                if let Some(v) = req.p.get(k) {
                    data.insert(k.into(), v.clone());
                }
            }
            let at = event_time(req.p.get("createdAt"));
            self.add_event(i, data, at);
        }
        ok()
    }
}
