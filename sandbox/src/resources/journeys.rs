//! Journeys (`/api/journeys`, `/api/workflows/triggerWorkflow`): the paged list by state, and
//! triggering a published journey for a user or a list (a `journey` message per user).

use serde_json::{json, Value};

use super::Handler;
use crate::shared::outbox::Outgoing;
use crate::shared::paging::sorted_page;
use crate::shared::reply::{bad_params, ok, Reply};
use crate::{Req, Response as R, Sandbox};

pub(super) const ROUTES: &[(&str, Handler)] = &[
    ("list_journeys", Sandbox::list_journeys),
    ("trigger_journey", Sandbox::trigger_journey),
];

/// Archived, Published (enabled) or Draft.
fn journey_state(j: &Value) -> &'static str {
    if j["isArchived"] == true {
        "Archived"
    } else if j["enabled"] == true {
        "Published"
    } else {
        "Draft"
    }
}

impl Sandbox {
    /// The journeys in the `state`s asked for (default: all but archived).
    fn list_journeys(&mut self, req: &Req) -> Reply {
        let states = req.strs("state");
        let js: Vec<Value> = self
            .state
            .journeys
            .iter()
            .filter(|j| {
                let st = journey_state(j);
                if states.is_empty() {
                    st != "Archived"
                } else {
                    states.iter().any(|s| s == st)
                }
            })
            .cloned()
            .collect();
        Ok(R::json(
            200,
            &sorted_page(req, js, (10, 50), "journeys", "totalJourneysCount"),
        ))
    }

    fn trigger_journey(&mut self, req: &Req) -> Reply {
        let wid = req.i64("workflowId").unwrap_or(0);
        let Some(j) = self
            .state
            .journeys
            .iter()
            .find(|j| j["id"].as_i64() == Some(wid))
            .cloned()
        else {
            return Err(bad_params(format!("Journey {wid} does not exist")));
        };
        if j["enabled"] != true {
            return Err(bad_params(format!("Journey {wid} is not published")));
        }
        let users: Vec<usize> = if let Some(l) = req.i64("listId") {
            self.require_lists(&[l])?;
            self.list_members(l)
        } else {
            vec![self.upsert_user(req.str("email"), req.str("userId"), false)?]
        };
        let mut data = req.obj("dataFields");
        data.insert("workflowId".into(), json!(wid));
        let out = Outgoing::new("journey", "journey", &data);
        for i in users {
            self.send_to_user(&out, i);
        }
        ok()
    }
}
