//! Exports (`/api/export/...`): the rows an export holds (users, `*Send` messages from the
//! outbox, events by type; shaped by `onlyFields` / `omitFields`), export jobs (start, list,
//! files, cancel) and the file downloads the sandbox serves itself, and the synchronous
//! data.csv / data.json and user-event exports.

use serde_json::{json, Map, Value};

use super::Handler;
use crate::shared::clock::within;
use crate::shared::outbox::created_at;
use crate::shared::reply::{bad_params, not_found, Reply};
use crate::shared::rows::{csv, jsonl};
use crate::state::{Event, ExportJob};
use crate::util::{iso, iterable_date};
use crate::{Req, Response as R, Sandbox};

pub(super) const ROUTES: &[(&str, Handler)] = &[
    ("start_export", Sandbox::start_export),
    ("list_export_jobs", Sandbox::list_export_jobs),
    ("list_export_files", Sandbox::list_export_files),
    ("cancel_export", Sandbox::cancel_export),
    ("export_data_to_csv", |s, req| s.export_now(req, true)),
    ("export_campaign_data_to_json", |s, req| {
        s.export_now(req, false)
    }),
    ("export_user_events", Sandbox::export_user_events),
];

const JSONL: &str = "application/x-json-stream";

fn no_job(id: i64) -> R {
    not_found(format!("Export job {id} not found"))
}

/// Keeps the fields of `onlyFields` (when given) and drops those of `omitFields`.
fn shape_rows(rows: &mut [Map<String, Value>], req: &Req) {
    let only: Vec<String> = req
        .arr("onlyFields")
        .iter()
        .filter_map(Value::as_str)
        .flat_map(|s| s.split(','))
        .map(|s| s.trim().to_string())
        .collect();
    let omit: Vec<String> = req
        .str("omitFields")
        .map(|s| s.split(',').map(|x| x.trim().to_string()).collect())
        .unwrap_or_default();
    for r in rows.iter_mut() {
        if !only.is_empty() {
            r.retain(|k, _| only.contains(k));
        }
        r.retain(|k, _| !omit.contains(k));
    }
}

impl Sandbox {
    /// The rows of data type `data_type` in `range` (of campaign `campaign`, when given).
    fn export_rows(
        &self,
        data_type: &str,
        range: (Option<i64>, Option<i64>),
        campaign: Option<i64>,
    ) -> Vec<Map<String, Value>> {
        let in_range = |t: i64| within(t, range);
        let mut rows = Vec::new();
        if data_type == "user" {
            for u in &self.state.users {
                if !in_range(u.updated_at.max(u.created_at)) {
                    continue;
                }
                let mut r = Map::new();
                r.insert("email".into(), json!(u.email));
                if let Some(id) = &u.user_id {
                    r.insert("userId".into(), json!(id));
                }
                r.insert("signupDate".into(), json!(iterable_date(u.created_at)));
                r.insert(
                    "profileUpdatedAt".into(),
                    json!(iterable_date(u.updated_at)),
                );
                for (k, v) in &u.data_fields {
                    r.insert(k.clone(), v.clone());
                }
                rows.push(r);
            }
            return rows;
        }
        if let Some(kind) = data_type.strip_suffix("Send") {
            for m in &self.state.outbox {
                let t = created_at(m).unwrap_or(0);
                if m["channel"]
                    .as_str()
                    .is_some_and(|c| c.eq_ignore_ascii_case(kind))
                    && m["status"] == "sent"
                    && m["source"] != "proof"
                    && in_range(t)
                    && campaign.is_none_or(|c| m["campaignId"].as_i64() == Some(c))
                {
                    let mut r = Map::new();
                    for k in ["messageId", "campaignId", "templateId", "email", "userId"] {
                        if !m[k].is_null() {
                            r.insert(k.into(), m[k].clone());
                        }
                    }
                    r.insert("createdAt".into(), json!(iterable_date(t)));
                    rows.push(r);
                }
            }
            return rows;
        }
        let mut evs: Vec<&Event> = self
            .state
            .users
            .iter()
            .flat_map(|u| u.events.iter())
            .collect();
        evs.sort_by_key(|e| e.at);
        for e in evs {
            let et = e
                .data
                .get("eventType")
                .and_then(Value::as_str)
                .unwrap_or("");
            if et == data_type
                && in_range(e.at)
                && campaign
                    .is_none_or(|c| e.data.get("campaignId").and_then(Value::as_i64) == Some(c))
            {
                let mut r = e.data.clone();
                if let Some(Value::Object(df)) = r.remove("dataFields") {
                    for (k, v) in df {
                        r.entry(k).or_insert(v);
                    }
                }
                rows.push(r);
            }
        }
        rows
    }

    /// The rows the request asks for: its data type, date range, campaign and field choice.
    fn requested_rows(&self, req: &Req, data_type: &str) -> Vec<Map<String, Value>> {
        let mut rows = self.export_rows(data_type, self.range_bounds(req), req.i64("campaignId"));
        shape_rows(&mut rows, req);
        rows
    }

    /// A job over the rows as they are now; at most 4 run at once.
    fn start_export(&mut self, req: &Req) -> Reply {
        let dt = req.str("dataTypeName").unwrap_or("").to_string();
        // The definition requires outputFormat, text/csv or JSONL.
        let fmt = req.str("outputFormat").unwrap_or_default().to_string();
        let running = self
            .state
            .exports
            .iter()
            .filter(|j| matches!(j.job_state.as_str(), "enqueued" | "running"))
            .count();
        if running >= 4 {
            return Err(bad_params("At most 4 exports may run at once"));
        }
        let rows = self.requested_rows(req, &dt);
        let is_csv = fmt == "text/csv";
        let content = if is_csv {
            csv(&rows, req.str("delimiter").unwrap_or(","))
        } else {
            jsonl(&rows)
        };
        let now = self.now();
        let id = self.next_id();
        self.state.exports.push(ExportJob {
            id,
            data_type_name: dt,
            output_format: fmt,
            job_state: "enqueued".into(),
            created_at: now,
            ended_at: None,
            file_name: format!("file-{}-{id}.{}", now, if is_csv { "csv" } else { "json" }),
            content,
            records: rows.len() as i64,
        });
        Ok(R::json(200, &json!({"jobId": id})))
    }

    fn list_export_jobs(&mut self, req: &Req) -> Reply {
        let want = req.str("jobState").map(str::to_lowercase);
        let jobs: Vec<Value> = self.state.exports.iter().filter(|j| want.as_deref().is_none_or(|w| j.job_state == w)).map(|j| {
            let mut v = json!({"id": j.id, "dataTypeName": j.data_type_name, "jobState": j.job_state, "scheduledStartTime": iso(j.created_at), "bytesExported": if j.job_state == "completed" { j.content.len() } else { 0 }});
            if let Some(t) = j.ended_at { v["endTime"] = json!(iso(t)); }
            v
        }).collect();
        Ok(R::json(200, &json!({"jobs": jobs})))
    }

    /// A completed job's file, as a URL the sandbox serves (`/_sandbox/exports/{job}/{file}`).
    fn list_export_files(&mut self, req: &Req) -> Reply {
        let id = req.i64("jobId").unwrap_or(0);
        let Some(j) = self.state.exports.iter().find(|j| j.id == id) else {
            return Err(no_job(id));
        };
        // Lower-case states, as Iterable serialises them (Play lowercase enums).
        let state = j.job_state.as_str();
        let files: Vec<Value> = if j.job_state == "completed"
            && req
                .str("startAfter")
                .is_none_or(|a| j.file_name.as_str() > a)
        {
            vec![
                json!({"file": j.file_name, "url": format!("{}/_sandbox/exports/{}/{}", req.origin, j.id, j.file_name)}),
            ]
        } else {
            vec![]
        };
        Ok(R::json(
            200,
            &json!({"jobId": id, "jobState": state, "exportTruncated": false, "files": files}),
        ))
    }

    fn cancel_export(&mut self, req: &Req) -> Reply {
        let id = req.i64("jobId").unwrap_or(0);
        let now = self.now();
        let Some(j) = self.state.exports.iter_mut().find(|j| j.id == id) else {
            return Err(no_job(id));
        };
        if !matches!(j.job_state.as_str(), "enqueued" | "running") {
            return Err(bad_params(format!(
                "Export job {id} is {} and cannot be cancelled",
                j.job_state
            )));
        }
        j.job_state = "cancelling".into();
        j.ended_at = Some(now);
        Ok(R::success(
            format!("Cancelled export job {id}"),
            Value::Null,
        ))
    }

    /// export_data_to_csv (`as_csv`) and export_campaign_data_to_json, answered at once.
    fn export_now(&mut self, req: &Req, as_csv: bool) -> Reply {
        let rows = self.requested_rows(req, req.str("dataTypeName").unwrap_or(""));
        Ok(if as_csv {
            R::new(
                200,
                "text/csv; charset=utf-8",
                csv(&rows, req.str("delimiter").unwrap_or(",")),
            )
        } else {
            R::new(200, JSONL, jsonl(&rows))
        })
    }

    /// A user's events, oldest first, as JSON lines (`includeCustomEvents`, default true).
    fn export_user_events(&mut self, req: &Req) -> Reply {
        let Some(i) = self.find_req_user(req) else {
            return Ok(R::new(200, JSONL, String::new()));
        };
        let custom = req
            .p
            .get("includeCustomEvents")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let mut evs: Vec<&Event> = self.state.users[i]
            .events
            .iter()
            .filter(|e| {
                custom || e.data.get("eventType").and_then(Value::as_str) != Some("customEvent")
            })
            .collect();
        evs.sort_by_key(|e| e.at);
        let rows: Vec<Map<String, Value>> = evs.into_iter().map(|e| e.data.clone()).collect();
        Ok(R::new(200, JSONL, jsonl(&rows)))
    }

    /// `GET /_sandbox/exports/{job}/{file}`: a completed job's file (pre-signed, no key).
    pub(crate) fn export_file(&self, rest: &str) -> R {
        let mut it = rest.splitn(2, '/');
        let id: i64 = it.next().and_then(|s| s.parse().ok()).unwrap_or(-1);
        let file = it.next().unwrap_or("");
        match self
            .state
            .exports
            .iter()
            .find(|j| j.id == id && j.file_name == file && j.job_state == "completed")
        {
            Some(j) => {
                let ct = if j.output_format.contains("csv") {
                    "text/csv"
                } else {
                    JSONL
                };
                R::new(200, ct, j.content.clone())
            }
            None => R::new(
                404,
                "application/xml",
                "<Error><Code>NoSuchKey</Code></Error>".into(),
            ),
        }
    }
}
