//! Channels and message types (`/api/channels`, `/api/messageTypes`): the project's seeded
//! subscription groups, read-only.

use serde_json::json;

use super::Handler;
use crate::shared::reply::Reply;
use crate::{Req, Response as R, Sandbox};

pub(super) const ROUTES: &[(&str, Handler)] = &[
    ("list_channels", Sandbox::list_channels),
    ("list_message_types", Sandbox::list_message_types),
];

impl Sandbox {
    fn list_channels(&mut self, _req: &Req) -> Reply {
        Ok(R::json(200, &json!({"channels": self.state.channels})))
    }

    fn list_message_types(&mut self, _req: &Req) -> Reply {
        Ok(R::json(
            200,
            &json!({"messageTypes": self.state.message_types}),
        ))
    }
}
