//! Campaign and experiment metrics (`/api/campaigns/metrics`, `/api/experiments/metrics`):
//! CSV counts of sends (from the outbox) and of opens, clicks and purchases (from events).

use serde_json::Value;

use super::Handler;
use crate::shared::clock::within;
use crate::shared::outbox::created_at;
use crate::shared::reply::Reply;
use crate::state::Event;
use crate::{Req, Response as R, Sandbox};

pub(super) const ROUTES: &[(&str, Handler)] = &[
    ("get_campaign_metrics", |s, req| s.metrics(req, false)),
    ("get_experiment_metrics", |s, req| s.metrics(req, true)),
];

impl Sandbox {
    /// One CSV row per campaign (`experiment`: per experiment and campaign).
    fn metrics(&mut self, req: &Req, experiment: bool) -> Reply {
        let ids = req.ids("campaignId");
        let range = self.range_bounds(req);
        let mut rows = String::new();
        rows.push_str(if experiment {
            "experimentId,campaignId,Total Sends,Total Opens,Total Clicks,Purchases,Revenue\n"
        } else {
            "id,Total Sends,Total Opens,Total Clicks,Purchases,Revenue\n"
        });
        let ids: Vec<(i64, i64)> = if experiment {
            // The experiments asked for (by id or by campaign; all of them without either),
            // each with its campaign.
            let exps = req.ids("experimentId");
            self.state
                .experiments
                .iter()
                .filter(|e| (exps.is_empty() && ids.is_empty()) || exps.contains(&e.id) || ids.contains(&e.campaign_id))
                .map(|e| (e.id, e.campaign_id))
                .collect()
        } else {
            ids.iter().map(|c| (0, *c)).collect()
        };
        for (x, id) in ids {
            let in_r = |t: i64| within(t, range);
            let sends = self
                .state
                .outbox
                .iter()
                .filter(|m| {
                    m["campaignId"].as_i64() == Some(id)
                        && m["status"] == "sent"
                        && created_at(m).is_some_and(in_r)
                })
                .count();
            let evs: Vec<&Event> = self
                .state
                .users
                .iter()
                .flat_map(|u| u.events.iter())
                .filter(|ev| {
                    ev.data.get("campaignId").and_then(Value::as_i64) == Some(id) && in_r(ev.at)
                })
                .collect();
            let kind = |k: &str| {
                evs.iter()
                    .filter(|ev| {
                        ev.data
                            .get("eventType")
                            .and_then(Value::as_str)
                            .is_some_and(|t| t.to_lowercase().contains(k))
                    })
                    .count()
            };
            let revenue: f64 = evs
                .iter()
                .filter(|ev| ev.data.get("eventType").and_then(Value::as_str) == Some("purchase"))
                .filter_map(|ev| ev.data.get("total").and_then(Value::as_f64))
                .sum();
            let prefix = if experiment {
                format!("{x},")
            } else {
                String::new()
            };
            rows.push_str(&format!(
                "{prefix}{id},{sends},{},{},{},{revenue}\n",
                kind("open"),
                kind("click"),
                kind("purchase")
            ));
        }
        Ok(R::new(200, "text/csv; charset=utf-8", rows))
    }
}
