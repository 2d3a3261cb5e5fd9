//! Campaigns (`/api/campaigns/...`): lookup, the campaign JSON, delivery to the lists'
//! members (also when the clock starts a scheduled blast), and the handlers: create, get, list
//! (and a recurring campaign's children), the state machine (send, schedule, cancel, abort,
//! activate / deactivate), trigger and archive.

use serde_json::{json, Map, Value};

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
    ("abort_campaign", Sandbox::abort_campaign),
    ("cancel_campaign", Sandbox::cancel_campaign),
    ("activate_triggered_campaign", |s, req| {
        s.activate_campaign(req, true)
    }),
    ("deactivate_triggered_campaign", |s, req| {
        s.activate_campaign(req, false)
    }),
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

fn not_triggered(id: i64) -> R {
    bad_params(format!("Campaign {id} is not a triggered campaign"))
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

    /// A copy of campaign `id` when it is a triggered campaign that is active (what
    /// trigger_campaign and the `*_to_target` sends need), else Iterable's BadParams.
    pub(crate) fn active_triggered(&self, id: i64) -> Result<Campaign, R> {
        let c = &self.state.campaigns[self.campaign_idx(id)?];
        if c.campaign_type != "Triggered" {
            return Err(not_triggered(id));
        }
        if c.campaign_state != "Running" {
            return Err(bad_params(format!(
                "Campaign {id} is not active ({})",
                c.campaign_state
            )));
        }
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
        let lists = req.ids("listIds");
        // Without listIds Iterable creates a triggered campaign (inactive until activated).
        let triggered = !req.p.contains_key("listIds");
        if lists.is_empty() && !triggered {
            return Err(bad_params("listIds must not be empty"));
        }
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

    /// Moves campaign `ci` to state `next` (with its time stamps) and answers `msg`.
    fn transition(&mut self, ci: usize, next: &str, msg: String) -> Reply {
        let now = self.now();
        let c = &mut self.state.campaigns[ci];
        c.campaign_state = next.into();
        c.updated_at = now;
        if next == "Aborted" || next == "Finished" {
            c.ended_at = Some(now);
        }
        if next == "Starting" {
            c.start_at = Some(now);
            c.send_at = None;
        }
        Ok(R::success(msg, Value::Null))
    }

    fn abort_campaign(&mut self, req: &Req) -> Reply {
        let (id, ci, c) = self.req_campaign(req)?;
        match c.campaign_state.as_str() {
            "Running" | "Starting" => self.transition(ci, "Aborted", format!("Aborted campaign {id}")),
            st => Err(bad_params(format!("Campaign {id} cannot be aborted: it is {st}; only a running campaign can be aborted"))),
        }
    }

    fn cancel_campaign(&mut self, req: &Req) -> Reply {
        let (id, ci, c) = self.req_campaign(req)?;
        match c.campaign_state.as_str() {
            "Scheduled" => self.transition(ci, "Draft", format!("Cancelled scheduled campaign {id}")),
            "Recurring" => self.transition(ci, "Finished", format!("Cancelled recurring campaign {id}")),
            st => Err(bad_params(format!("Campaign {id} cannot be cancelled: it is {st}; only a scheduled or recurring campaign can be cancelled"))),
        }
    }

    /// activate_triggered_campaign (`activate`: Running) and deactivate (Ready).
    fn activate_campaign(&mut self, req: &Req, activate: bool) -> Reply {
        let (id, ci, c) = self.req_campaign(req)?;
        if c.campaign_type != "Triggered" {
            return Err(not_triggered(id));
        }
        if activate {
            self.transition(ci, "Running", format!("Activated campaign {id}"))
        } else {
            self.transition(ci, "Ready", format!("Deactivated campaign {id}"))
        }
    }

    /// Starts a blast; a Recurring campaign spawns a child that starts.
    fn send_campaign(&mut self, req: &Req) -> Reply {
        let (id, ci, c) = self.req_campaign(req)?;
        match (c.campaign_type.as_str(), c.campaign_state.as_str()) {
            ("Blast", "Draft" | "Ready" | "Scheduled") => {
                self.transition(ci, "Starting", format!("Sending campaign {id}"))
            }
            ("Blast", "Recurring") => {
                let now = self.now();
                let child = self.next_id();
                let mut cc = c.clone();
                cc.id = child;
                cc.recurring_campaign_id = Some(id);
                cc.campaign_state = "Starting".into();
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
            (_, st) => Err(bad_params(format!(
                "Campaign {id} cannot be sent: it is {st}"
            ))),
        }
    }

    fn schedule_campaign(&mut self, req: &Req) -> Reply {
        let (id, ci, c) = self.req_campaign(req)?;
        let Some(at) = req.str("sendAt").and_then(parse_date) else {
            return Err(bad_params("Invalid sendAt"));
        };
        match (c.campaign_type.as_str(), c.campaign_state.as_str()) {
            ("Blast", "Draft" | "Ready" | "Scheduled") => {
                self.state.campaigns[ci].send_at = Some(at);
                self.transition(
                    ci,
                    "Scheduled",
                    format!("Scheduled campaign {id} for {}", iso(at)),
                )
            }
            (_, st) => Err(bad_params(format!(
                "Campaign {id} cannot be scheduled: it is {st}"
            ))),
        }
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

    /// Archives every campaign of `campaignIds` that is not running, starting or scheduled.
    fn archive_campaigns(&mut self, req: &Req) -> Reply {
        let now = self.now();
        let (mut done, mut failed) = (vec![], vec![]);
        for id in req.ids("campaignIds") {
            match self.state.campaigns.iter_mut().find(|c| c.id == id) {
                Some(c)
                    if !matches!(
                        c.campaign_state.as_str(),
                        "Running" | "Starting" | "Scheduled"
                    ) =>
                {
                    c.campaign_state = "Archived".into();
                    c.updated_at = now;
                    done.push(id);
                }
                _ => failed.push(id),
            }
        }
        Ok(R::json(200, &json!({"success": done, "failed": failed})))
    }
}
