//! Campaigns (`/api/campaigns/...`): lookup, the campaign JSON, delivery to the lists'
//! members (also when the clock starts a scheduled blast), and the handlers: create, get, list
//! (and a recurring campaign's children), the lifecycle actions (send, schedule, cancel, abort,
//! activate / deactivate, archive: each through the table in `lifecycle.rs`) and trigger.

use serde_json::{json, Map, Value};

use super::lifecycle::{self, Act, Kind, St, To};
use super::Handler;
use crate::shared::outbox::{kind_of, Outgoing};
use crate::shared::paging::sorted_page;
use crate::shared::reply::{bad_params, not_found, ok, Reply};
use crate::state::Campaign;
use crate::util::{iso, parse_date};
use crate::{Req, Response as R, Sandbox};

pub(super) const ROUTES: &[(&str, Handler)] = &[
    ("create_new_campaign", Sandbox::create_new_campaign),
    ("get_campaign_by_id", Sandbox::get_campaign_by_id),
    ("list_all_campaigns", |s, req| s.list_campaigns(req, false)),
    ("list_recurring_campaign_child_campaigns", |s, req| {
        s.list_campaigns(req, true)
    }),
    ("abort_campaign", |s, req| s.campaign_act(req, Act::Abort, "Aborted")),
    ("cancel_campaign", |s, req| s.campaign_act(req, Act::Cancel, "Cancelled")),
    ("activate_triggered_campaign", |s, req| s.campaign_act(req, Act::Activate, "Activated")),
    ("deactivate_triggered_campaign", |s, req| s.campaign_act(req, Act::Deactivate, "Deactivated")),
    ("send_campaign", Sandbox::send_campaign),
    ("schedule_campaign", Sandbox::schedule_campaign),
    ("trigger_campaign", Sandbox::trigger_campaign),
    ("archive_campaigns", Sandbox::archive_campaigns),
];

fn campaign_json(c: &Campaign) -> Value {
    let mut v = json!({
        "id": c.id, "name": c.name, "type": c.campaign_type, "campaignState": c.campaign_state,
        "messageMedium": c.message_medium, "createdAt": c.created_at, "updatedAt": c.updated_at,
        "createdByUserId": c.created_by_user_id, "updatedByUserId": c.created_by_user_id,
        "listIds": c.list_ids, "suppressionListIds": c.suppression_list_ids, "labels": c.labels,
    });
    for (k, o) in [
        ("templateId", c.template_id),
        ("startAt", c.start_at),
        ("endedAt", c.ended_at),
        ("recurringCampaignId", c.recurring_campaign_id),
        ("workflowId", c.workflow_id),
        ("sendSize", c.send_size),
    ] {
        if let Some(x) = o {
            v[k] = json!(x);
        }
    }
    v
}

impl Sandbox {
    fn campaign_idx(&self, id: i64) -> Result<usize, R> {
        self.state
            .campaigns
            .iter()
            .position(|c| c.id == id)
            .ok_or_else(|| bad_params(format!("Campaign {id} does not exist")))
    }

    /// The request's campaign (`campaignId`): its id, position and a copy.
    fn req_campaign(&self, req: &Req) -> Result<(i64, usize, Campaign), R> {
        let id = req.i64("campaignId").unwrap_or(0);
        let ci = self.campaign_idx(id)?;
        Ok((id, ci, self.state.campaigns[ci].clone()))
    }

    /// A copy of campaign `id` when the lifecycle lets it be triggered (an active triggered
    /// campaign: what trigger_campaign and the `*_to_target` sends need), else Iterable's error.
    pub(crate) fn active_triggered(&self, id: i64) -> Result<Campaign, R> {
        let c = &self.state.campaigns[self.campaign_idx(id)?];
        let from = St::parse(&c.campaign_state).unwrap_or(St::Draft);
        lifecycle::next(id, Kind::of(&c.campaign_type), from, Act::Trigger)?;
        Ok(c.clone())
    }

    /// Sends campaign `id` to its lists' members (minus suppression lists); records sendSize.
    pub(crate) fn deliver_campaign(&mut self, id: i64) {
        let Some(c) = self.state.campaigns.iter().find(|c| c.id == id).cloned() else {
            return;
        };
        let recipients = self.audience(&c.list_ids, &c.suppression_list_ids);
        let n = recipients.len() as i64;
        let data = Map::new();
        let out = Outgoing {
            campaign_id: Some(c.id),
            template_id: c.template_id,
            ..Outgoing::new(kind_of(&c.message_medium), "campaign", &data)
        };
        for i in recipients {
            self.send_to_user(&out, i);
        }
        if let Some(c) = self.state.campaigns.iter_mut().find(|c| c.id == id) {
            c.send_size = Some(n);
        }
    }

    fn create_new_campaign(&mut self, req: &Req) -> Reply {
        let tid = req.i64("templateId").unwrap_or(0);
        let Some(t) = self.template(tid).cloned() else {
            return Err(bad_params(format!("Template {tid} does not exist")));
        };
        // Without listIds Iterable creates a triggered campaign (inactive until activated); an
        // empty listIds never gets here (the definition's minItems).
        let lists = req.ids("listIds");
        let triggered = !req.p.contains_key("listIds");
        self.require_lists(lists.iter().chain(req.ids("suppressionListIds").iter()))?;
        let send_at = req.str("sendAt").and_then(parse_date);
        if req.str("sendAt").is_some() && send_at.is_none() {
            return Err(bad_params("Invalid sendAt"));
        }
        let scheduled = !triggered
            && send_at.is_some()
            && req
                .p
                .get("scheduleSend")
                .and_then(Value::as_bool)
                .unwrap_or(true);
        let id = self.next_id();
        let now = self.now();
        let mut df = req.obj("campaignDataFields");
        for (k, v) in req.obj("dataFields") {
            df.insert(k, v);
        }
        self.state.campaigns.push(Campaign {
            id,
            name: req.str("name").unwrap_or("").into(),
            campaign_type: if triggered { "Triggered" } else { "Blast" }.into(),
            campaign_state: if triggered {
                "Ready"
            } else if scheduled {
                "Scheduled"
            } else {
                "Draft"
            }
            .into(),
            template_id: Some(tid),
            list_ids: lists,
            suppression_list_ids: req.ids("suppressionListIds"),
            message_medium: t.medium.clone(),
            created_at: now,
            updated_at: now,
            send_at: if scheduled { send_at } else { None },
            created_by_user_id: "api@example.com".into(),
            data_fields: df,
            ..Default::default()
        });
        Ok(R::json(200, &json!({"campaignId": id})))
    }

    fn get_campaign_by_id(&mut self, req: &Req) -> Reply {
        let id = req.i64("id").unwrap_or(0);
        match self.state.campaigns.iter().find(|c| c.id == id) {
            Some(c) => Ok(R::json(200, &campaign_json(c))),
            None => Err(not_found(format!("Campaign {id} not found"))),
        }
    }

    /// list_all_campaigns, or (`children`) the campaigns a recurring campaign spawned.
    fn list_campaigns(&mut self, req: &Req, children: bool) -> Reply {
        let parent = if children {
            let id = req.i64("id").unwrap_or(0);
            if !self.state.campaigns.iter().any(|c| {
                c.id == id && c.campaign_state == "Recurring" || c.recurring_campaign_id == Some(id)
            }) {
                return Err(bad_params(format!(
                    "Campaign {id} is not a recurring campaign"
                )));
            }
            Some(id)
        } else {
            None
        };
        let states = req.strs("campaignState");
        let cs: Vec<Value> = self
            .state
            .campaigns
            .iter()
            .filter(|c| {
                parent.is_none_or(|p| c.recurring_campaign_id == Some(p))
                    && (states.is_empty() || states.contains(&c.campaign_state))
            })
            .map(campaign_json)
            .collect();
        Ok(R::json(
            200,
            &sorted_page(req, cs, (20, 1000), "campaigns", "totalCampaignsCount"),
        ))
    }

    /// Applies `act` to the request's campaign through the lifecycle table; answers `msg`.
    fn campaign_act(&mut self, req: &Req, act: Act, msg: &str) -> Reply {
        let (id, ci, _) = self.req_campaign(req)?;
        let now = self.now();
        lifecycle::apply(&mut self.state.campaigns[ci], act, now)?;
        Ok(R::success(format!("{msg} campaign {id}"), Value::Null))
    }

    /// Starts a blast; a Recurring campaign spawns a child that starts.
    fn send_campaign(&mut self, req: &Req) -> Reply {
        let (id, ci, c) = self.req_campaign(req)?;
        let now = self.now();
        if lifecycle::apply(&mut self.state.campaigns[ci], Act::Send, now)? != To::Child {
            return Ok(R::success(format!("Sending campaign {id}"), Value::Null));
        }
        let child = self.next_id();
        let mut cc = c.clone();
        cc.id = child;
        cc.recurring_campaign_id = Some(id);
        cc.campaign_state = St::Starting.name().into();
        cc.name = format!("{} ({})", c.name, iso(now));
        cc.created_at = now;
        cc.updated_at = now;
        cc.start_at = Some(now);
        cc.send_at = None;
        self.state.campaigns.push(cc);
        Ok(R::success(
            format!("Started child campaign {child}"),
            json!({"campaignId": child}),
        ))
    }

    fn schedule_campaign(&mut self, req: &Req) -> Reply {
        let (id, ci, _) = self.req_campaign(req)?;
        let Some(at) = req.str("sendAt").and_then(parse_date) else {
            return Err(bad_params("Invalid sendAt"));
        };
        let now = self.now();
        let c = &mut self.state.campaigns[ci];
        lifecycle::apply(c, Act::Schedule, now)?;
        c.send_at = Some(at);
        Ok(R::success(
            format!("Scheduled campaign {id} for {}", iso(at)),
            Value::Null,
        ))
    }

    /// Sends an active triggered campaign to the members of `listIds` (minus suppression lists).
    fn trigger_campaign(&mut self, req: &Req) -> Reply {
        let id = req.i64("campaignId").unwrap_or(0);
        let c = self.active_triggered(id)?;
        let lists = req.ids("listIds");
        self.require_lists(&lists)?;
        let recipients = self.audience(&lists, &req.ids("suppressionListIds"));
        let data = req.obj("dataFields");
        let out = Outgoing {
            campaign_id: Some(id),
            template_id: c.template_id,
            ..Outgoing::new(kind_of(&c.message_medium), "trigger", &data)
        };
        for i in recipients {
            self.send_to_user(&out, i);
        }
        ok()
    }

    /// Archives every campaign of `campaignIds` the lifecycle lets be archived; the others
    /// (unknown, or running, scheduled, ...) are reported as failed.
    fn archive_campaigns(&mut self, req: &Req) -> Reply {
        let now = self.now();
        let (mut done, mut failed) = (vec![], vec![]);
        for id in req.ids("campaignIds") {
            let archived = self
                .state
                .campaigns
                .iter_mut()
                .find(|c| c.id == id)
                .is_some_and(|c| lifecycle::apply(c, Act::Archive, now).is_ok());
            if archived { done.push(id) } else { failed.push(id) }
        }
        Ok(R::json(200, &json!({"success": done, "failed": failed})))
    }
}
