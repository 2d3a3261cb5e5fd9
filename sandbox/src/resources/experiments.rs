//! Experiments (`/api/experiments/...`): A/B tests on a campaign's template. An experiment is
//! created in `draft` with its campaign's template as the control variant; variants are added
//! (each a copy of a template) and settings changed while it is a draft; it then runs, and ends
//! `finished` (cancelled) or `winner_found` (a winner declared). Reads: the list, one experiment,
//! its variants with their content, and totals and daily trends counted from the outbox (the
//! metrics export is in `metrics.rs`).

use serde_json::{json, Value};

use super::Handler;
use crate::shared::clock::within;
use crate::shared::outbox::created_at;
use crate::shared::reply::{bad_params, not_found, Reply};
use crate::state::{Experiment, Template, Variant};
use crate::util::{iso, parse_date};
use crate::{Req, Response as R, Sandbox};

pub(super) const ROUTES: &[(&str, Handler)] = &[
    ("list_experiments", Sandbox::list_experiments),
    ("get_experiment", |s, req| s.read_experiment(req, experiment_json)),
    ("get_experiment_variants", Sandbox::get_experiment_variants),
    ("get_experiment_totals", Sandbox::get_experiment_totals),
    ("get_experiment_trends", Sandbox::get_experiment_trends),
    ("create_experiment", Sandbox::create_experiment),
    ("create_experiment_variant", Sandbox::create_experiment_variant),
    ("update_experiment_settings", Sandbox::update_experiment_settings),
    ("start_experiment", |s, req| s.move_experiment(req, Step::Start)),
    ("cancel_experiment", |s, req| s.move_experiment(req, Step::Cancel)),
    ("declare_experiment_winner", |s, req| s.move_experiment(req, Step::Winner)),
    ("delete_experiment", |s, req| s.move_experiment(req, Step::Delete)),
];

const DAY: i64 = 86_400_000;
/// The project and organisation every sandbox experiment belongs to.
const PROJECT_ID: i64 = 1;
const ORG_ID: i64 = 1;

/// The experiment channel of a campaign's message medium.
fn channel_of(medium: &str) -> &'static str {
    match medium {
        "Push" => "push",
        "SMS" => "sms",
        "InApp" => "in_app",
        "WebPush" => "web_push",
        _ => "email",
    }
}

/// The status the list reports (it knows draft, running and finished only).
fn listed_status(status: &str) -> &'static str {
    match status {
        "running" => "running",
        "finished" | "winner_found" => "finished",
        _ => "draft",
    }
}

fn variant_value(v: &Variant) -> Value {
    json!({"templateId": v.template_id, "sendTime": null, "stoGroup": null})
}

/// The experiment as Iterable answers it (get, and every write).
fn experiment_json(e: &Experiment) -> Value {
    let s = &e.settings;
    let num = |group: &str, k: &str| s.get(group).and_then(|g| g.get(k)).cloned().unwrap_or(Value::Null);
    let test_pct = num("explorationBlastSettings", "testSizePercentage");
    let winner_pct = test_pct.as_f64().map_or(Value::Null, |t| json!(100.0 - t));
    let per_variant = if e.variants.is_empty() { Value::Null } else { json!(100.0 / e.variants.len() as f64) };
    let metric = s
        .get("conversionEventSettings")
        .and_then(|c| c.get("systemConversionEventType"))
        .and_then(Value::as_str)
        .map_or("opens".to_string(), str::to_lowercase);
    let allocation = if e.evenly_split {
        "even_split"
    } else if s.contains_key("explorationBlastSettings") || s.contains_key("explorationTriggerSettings") {
        "winner_takes_all"
    } else {
        "multi_armed_bandit"
    };
    json!({
        "id": e.id, "status": e.status, "creationDate": e.created_at, "startDate": e.started_at,
        "finishDate": e.finished_at, "channelType": e.channel_type, "experimentType": e.experiment_type,
        "allocationMode": allocation,
        "sizing": {
            "holdoutPercentage": num("holdoutSettings", "holdOutGroupSize"),
            "perVariantPercentage": per_variant, "testGroupPercentage": test_pct,
            "winnerGroupPercentage": winner_pct,
            "testDurationMinutes": num("explorationBlastSettings", "testDurationMinutes"),
            "sendsPerVariant": num("explorationTriggerSettings", "testSendsPerVariation"),
            "attributionPeriodHours": num("holdoutSettings", "attributionPeriodHours"),
        },
        "meta": {"name": e.name, "conversionMetrics": [metric], "campaignId": e.campaign_id,
                 "projectId": PROJECT_ID, "orgId": ORG_ID, "customConversionId": null},
        "variants": e.variants.iter().map(|v| json!({
            "id": v.id, "name": v.name, "value": variant_value(v), "currentPercentage": v.percentage,
            "isWinner": v.is_winner, "isControl": v.is_control,
        })).collect::<Vec<_>>(),
        "constraints": {"targetSegment": null, "suppressionListIds": []},
    })
}

/// A lifecycle step of an experiment.
#[derive(Clone, Copy)]
enum Step {
    Start,
    Cancel,
    Winner,
    Delete,
}

impl Sandbox {
    fn experiment_idx(&self, req: &Req) -> Result<usize, R> {
        let id = req.i64("experimentId").unwrap_or(0);
        self.state
            .experiments
            .iter()
            .position(|e| e.id == id)
            .ok_or_else(|| not_found(format!("Experiment {id} not found")))
    }

    fn read_experiment(&mut self, req: &Req, show: fn(&Experiment) -> Value) -> Reply {
        let i = self.experiment_idx(req)?;
        Ok(R::json(200, &show(&self.state.experiments[i])))
    }

    /// The draft experiment of the request, or Iterable's error naming what it is instead.
    fn draft_experiment(&self, req: &Req, what: &str) -> Result<usize, R> {
        let i = self.experiment_idx(req)?;
        let e = &self.state.experiments[i];
        if e.status != "draft" {
            return Err(bad_params(format!(
                "Experiment {} is {}: {what} only while it is a draft",
                e.id, e.status
            )));
        }
        Ok(i)
    }

    /// Shares the traffic evenly among the variants (when the experiment splits evenly).
    fn resplit(e: &mut Experiment) {
        if e.evenly_split && !e.variants.is_empty() {
            let share = 100.0 / e.variants.len() as f64;
            for v in &mut e.variants {
                v.percentage = share;
            }
        }
    }

    fn list_experiments(&mut self, req: &Req) -> Reply {
        let campaign = req.i64("campaignId");
        let state = req.str("state");
        let range = (
            req.str("startDateTime").and_then(parse_date),
            req.str("endDateTime").and_then(parse_date),
        );
        let limit = req.i64("limit").unwrap_or(20).clamp(1, 1000) as usize;
        let offset = req.i64("offset").unwrap_or(0).max(0) as usize;
        let matching: Vec<&Experiment> = self
            .state
            .experiments
            .iter()
            .filter(|e| {
                campaign.is_none_or(|c| e.campaign_id == c)
                    && state.is_none_or(|s| listed_status(&e.status) == s)
                    && within(e.created_at, range)
            })
            .collect();
        let page: Vec<Value> = matching
            .iter()
            .skip(offset)
            .take(limit)
            .map(|e| {
                let mut v = json!({"id": e.id, "name": e.name, "status": listed_status(&e.status),
                                   "channelType": e.channel_type, "author": "api@example.com"});
                if let Some(t) = e.started_at {
                    v["startDate"] = json!(iso(t));
                }
                v
            })
            .collect();
        Ok(R::json(200, &json!({"experiments": page, "totalCount": matching.len()})))
    }

    fn get_experiment_variants(&mut self, req: &Req) -> Reply {
        let i = self.experiment_idx(req)?;
        let e = &self.state.experiments[i];
        let variants: Vec<Value> = e
            .variants
            .iter()
            .map(|v| {
                let f = self.template(v.template_id).map(|t| t.fields.clone()).unwrap_or_default();
                let text = |k: &str| f.get(k).cloned().unwrap_or(Value::Null);
                json!({"variantId": v.id, "name": v.name, "value": variant_value(v),
                       "currentPercentage": v.percentage,
                       "content": {"subject": text("subject"), "preheader": text("preheaderText"),
                                   "htmlSource": text("html"), "plainText": text("plainText")}})
            })
            .collect();
        Ok(R::json(200, &json!({"experimentId": e.id, "variants": variants})))
    }

    /// The campaign's messages each variant sent, with their times (from the outbox).
    fn variant_sends(&self, e: &Experiment) -> Vec<Vec<i64>> {
        e.variants
            .iter()
            .map(|v| {
                self.state
                    .outbox
                    .iter()
                    .filter(|m| {
                        m["campaignId"].as_i64() == Some(e.campaign_id)
                            && m["templateId"].as_i64() == Some(v.template_id)
                            && m["status"] == "sent"
                    })
                    .filter_map(created_at)
                    .collect()
            })
            .collect()
    }

    /// One entry per variant: its id, name and roles, with what `more` makes of its send times.
    fn per_variant(&self, e: &Experiment, more: impl Fn(&[i64]) -> Value) -> Vec<Value> {
        e.variants
            .iter()
            .zip(self.variant_sends(e))
            .map(|(v, sends)| {
                let mut out = json!({"id": v.id, "name": v.name, "isControl": v.is_control, "isWinner": v.is_winner});
                if let (Some(o), Value::Object(m)) = (out.as_object_mut(), more(&sends)) {
                    o.extend(m);
                }
                out
            })
            .collect()
    }

    fn get_experiment_totals(&mut self, req: &Req) -> Reply {
        let i = self.experiment_idx(req)?;
        let e = &self.state.experiments[i];
        let variants = self.per_variant(e, |s| json!({"metrics": {"totalSends": s.len(), "uniqueOpens": 0, "uniqueClicks": 0, "conversions": 0}}));
        Ok(R::json(200, &json!({"id": e.id, "status": e.status, "variants": variants})))
    }

    /// Daily sends per variant between startDateTime and endDateTime (default: from the
    /// experiment's creation to now), at most 92 days.
    fn get_experiment_trends(&mut self, req: &Req) -> Reply {
        let i = self.experiment_idx(req)?;
        let e = &self.state.experiments[i];
        let now = self.now();
        let start = req.str("startDateTime").and_then(parse_date).unwrap_or(e.created_at);
        let end = req.str("endDateTime").and_then(parse_date).unwrap_or(now).max(start);
        let first = start - start.rem_euclid(DAY);
        let days = ((end - first) / DAY + 1).clamp(1, 92);
        let variants = self.per_variant(e, |s| {
            let points: Vec<Value> = (0..days)
                .map(|d| {
                    let t = first + d * DAY;
                    json!({"time": iso(t), "value": s.iter().filter(|x| **x >= t && **x < t + DAY).count()})
                })
                .collect();
            json!({"series": {"totalSends": points}})
        });
        Ok(R::json(
            200,
            &json!({"id": e.id, "status": e.status, "interval": "day", "startDateTime": iso(start),
                    "endDateTime": iso(end), "variants": variants, "holdout": null}),
        ))
    }

    fn create_experiment(&mut self, req: &Req) -> Reply {
        let cid = req.i64("campaignId").unwrap_or(0);
        let Some(c) = self.state.campaigns.iter().find(|c| c.id == cid).cloned() else {
            return Err(bad_params(format!("Campaign {cid} does not exist")));
        };
        let Some(tid) = c.template_id else {
            return Err(bad_params(format!("Campaign {cid} has no template to test")));
        };
        if self.state.experiments.iter().any(|e| e.campaign_id == cid && e.status != "finished" && e.status != "winner_found") {
            return Err(bad_params(format!("Campaign {cid} already has an experiment")));
        }
        let id = self.next_id();
        let vid = self.next_id();
        let now = self.now();
        let e = Experiment {
            id,
            name: req.str("name").map_or_else(|| format!("{} experiment", c.name), str::to_string),
            campaign_id: cid,
            experiment_type: req.str("experimentType").unwrap_or("").into(),
            channel_type: channel_of(&c.message_medium).into(),
            status: "draft".into(),
            created_at: now,
            evenly_split: true,
            variants: vec![Variant { id: vid, name: "Control".into(), template_id: tid, percentage: 100.0, is_control: true, is_winner: false }],
            ..Default::default()
        };
        let v = experiment_json(&e);
        self.state.experiments.push(e);
        Ok(R::json(200, &v))
    }

    /// Adds a variant with its own copy of template `copyFromTemplateId`.
    fn create_experiment_variant(&mut self, req: &Req) -> Reply {
        let i = self.draft_experiment(req, "variants can be added")?;
        let from = req.i64("copyFromTemplateId").unwrap_or(0);
        let Some(t) = self.template(from).cloned() else {
            return Err(bad_params(format!("Template {from} does not exist")));
        };
        let n = self.state.experiments[i].variants.len();
        let name = req.str("name").map_or_else(|| format!("Variant {}", (b'A' + (n % 26) as u8) as char), str::to_string);
        let (tid, vid, now) = (self.next_id(), self.next_id(), self.now());
        let mut copy = Template { template_id: tid, client_template_id: None, created_at: now, updated_at: now, ..t };
        copy.fields.insert("name".into(), json!(name));
        copy.fields.remove("clientTemplateId");
        self.state.templates.push(copy);
        let e = &mut self.state.experiments[i];
        e.variants.push(Variant { id: vid, name, template_id: tid, percentage: 0.0, is_control: false, is_winner: false });
        Self::resplit(e);
        Ok(R::json(200, &experiment_json(e)))
    }

    fn update_experiment_settings(&mut self, req: &Req) -> Reply {
        let i = self.draft_experiment(req, "settings can be changed")?;
        let e = &mut self.state.experiments[i];
        for k in ["conversionEventSettings", "holdoutSettings", "explorationBlastSettings", "explorationTriggerSettings"] {
            match req.p.get(k) {
                Some(Value::Null) => {
                    e.settings.remove(k);
                }
                Some(v) => {
                    e.settings.insert(k.into(), v.clone());
                }
                None => {}
            }
        }
        if let Some(b) = req.p.get("evenlySplitVariations").and_then(Value::as_bool) {
            e.evenly_split = b;
        }
        Self::resplit(e);
        Ok(R::json(200, &experiment_json(e)))
    }

    /// start (a draft with a variant besides the control), cancel (a running one: finished),
    /// declare a winner (running or finished: winner_found) and delete (anything not running).
    fn move_experiment(&mut self, req: &Req, step: Step) -> Reply {
        let i = self.experiment_idx(req)?;
        let now = self.now();
        let e = &mut self.state.experiments[i];
        let refuse = |what: &str| bad_params(format!("Experiment {} cannot be {what}: it is {}", e.id, e.status));
        match (step, e.status.as_str()) {
            (Step::Start, "draft") if e.variants.len() < 2 => {
                return Err(bad_params(format!("Experiment {} needs a variant besides the control to start", e.id)));
            }
            (Step::Start, "draft") => {
                e.status = "running".into();
                e.started_at = Some(now);
            }
            (Step::Start, _) => return Err(refuse("started")),
            (Step::Cancel, "running") => {
                e.status = "finished".into();
                e.finished_at = Some(now);
            }
            (Step::Cancel, _) => return Err(refuse("cancelled")),
            (Step::Winner, "running" | "finished") => {
                let vid = req.i64("variantId").unwrap_or(0);
                if !e.variants.iter().any(|v| v.id == vid) {
                    return Err(bad_params(format!("Variant {vid} is not a variant of experiment {}", e.id)));
                }
                for v in &mut e.variants {
                    v.is_winner = v.id == vid;
                    v.percentage = if v.id == vid { 100.0 } else { 0.0 };
                }
                e.status = "winner_found".into();
                e.finished_at.get_or_insert(now);
            }
            (Step::Winner, _) => return Err(refuse("given a winner")),
            (Step::Delete, "running") => return Err(refuse("deleted")),
            (Step::Delete, _) => {
                let gone = self.state.experiments.remove(i);
                return Ok(R::json(200, &experiment_json(&gone)));
            }
        }
        Ok(R::json(200, &experiment_json(e)))
    }
}
