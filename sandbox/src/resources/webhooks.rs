//! Webhooks (`/api/webhooks`): the list, and updating one (secrets left out of the answer).

use serde_json::json;

use super::Handler;
use crate::shared::reply::{bad_params, Reply};
use crate::{Req, Response as R, Sandbox};

pub(super) const ROUTES: &[(&str, Handler)] = &[
    ("list_webhooks", Sandbox::list_webhooks),
    ("update_webhook", Sandbox::update_webhook),
];

impl Sandbox {
    fn list_webhooks(&mut self, _req: &Req) -> Reply {
        Ok(R::json(200, &json!({"webhooks": self.state.webhooks})))
    }

    fn update_webhook(&mut self, req: &Req) -> Reply {
        let id = req.i64("id").unwrap_or(0);
        let Some(w) = self
            .state
            .webhooks
            .iter_mut()
            .find(|w| w["id"].as_i64() == Some(id))
        else {
            return Err(bad_params(format!("Webhook {id} does not exist")));
        };
        for k in [
            "authToken",
            "authType",
            "blastSendEnabled",
            "enabled",
            "endpoint",
            "headers",
            "triggeredSendEnabled",
        ] {
            if let Some(v) = req.p.get(k) {
                w[k] = v.clone();
            }
        }
        let mut out = w.clone();
        if let Some(o) = out.as_object_mut() {
            o.remove("authToken");
            o.remove("headers");
        }
        Ok(R::json(200, &out))
    }
}
