//! Templates (`/api/templates/...`) of every medium: lookup and per-locale content, upsert by
//! clientTemplateId, update / get by id (404 for another medium), previews rendering
//! `{{field}}`, proofs into the outbox, lookup by clientTemplateId, the paged list and bulk
//! delete.

use serde_json::{json, Map, Value};

use super::Handler;
use crate::shared::clock::within;
use crate::shared::outbox::Outgoing;
use crate::shared::paging::sorted_page;
use crate::shared::render::{check, try_render, RENDERED_FIELDS};
use crate::shared::reply::{bad_params, not_found, Reply};
use crate::state::Template;
use crate::util::{iso, parse_date};
use crate::{Req, Response as R, Sandbox};

pub(super) const ROUTES: &[(&str, Handler)] = &[
    ("upsert_email_template", |s, req| {
        s.upsert_template(req, "Email", true)
    }),
    ("upsert_push_template", |s, req| {
        s.upsert_template(req, "Push", true)
    }),
    ("upsert_sms_template", |s, req| {
        s.upsert_template(req, "SMS", true)
    }),
    ("upsert_inapp_template", |s, req| {
        s.upsert_template(req, "InApp", true)
    }),
    ("upsert_embedded_template", |s, req| {
        s.upsert_template(req, "Embedded", true)
    }),
    ("update_email_template", |s, req| {
        s.upsert_template(req, "Email", false)
    }),
    ("update_push_template", |s, req| {
        s.upsert_template(req, "Push", false)
    }),
    ("update_sms_template", |s, req| {
        s.upsert_template(req, "SMS", false)
    }),
    ("update_inapp_template", |s, req| {
        s.upsert_template(req, "InApp", false)
    }),
    ("update_embedded_template", |s, req| {
        s.upsert_template(req, "Embedded", false)
    }),
    ("get_email_template_by_id", |s, req| {
        s.get_template(req, "Email")
    }),
    ("get_push_template_by_id", |s, req| {
        s.get_template(req, "Push")
    }),
    ("get_sms_template", |s, req| s.get_template(req, "SMS")),
    ("get_inapp_template_by_id", |s, req| {
        s.get_template(req, "InApp")
    }),
    ("get_embedded_template", |s, req| {
        s.get_template(req, "Embedded")
    }),
    ("preview_email_template", |s, req| s.preview(req, "Email")),
    ("preview_inapp_template", |s, req| s.preview(req, "InApp")),
    ("send_email_template_proof", |s, req| s.proof(req, "email")),
    ("send_push_template_proof", |s, req| s.proof(req, "push")),
    ("send_sms_template_proof", |s, req| s.proof(req, "sms")),
    ("send_inapp_template_proof", |s, req| s.proof(req, "inApp")),
    (
        "get_template_by_client_template_id",
        Sandbox::get_template_by_client_template_id,
    ),
    ("list_all_templates", Sandbox::list_all_templates),
    ("bulk_delete_templates", Sandbox::bulk_delete_templates),
];

fn default_message_type(medium: &str) -> i64 {
    match medium {
        "Push" | "InApp" | "Embedded" => 303,
        "SMS" => 304,
        _ => 301,
    }
}

impl Sandbox {
    pub(crate) fn template(&self, id: i64) -> Option<&Template> {
        self.state.templates.iter().find(|t| t.template_id == id)
    }

    /// The template's fields, with those of `locale` (when it has them) on top.
    pub(crate) fn template_content(t: &Template, locale: Option<&str>) -> Map<String, Value> {
        let mut f = t.fields.clone();
        if let Some(l) = locale.and_then(|l| t.locales.get(l)) {
            for (k, v) in l {
                f.insert(k.clone(), v.clone());
            }
        }
        f
    }

    /// The position of template `id` when it is of `medium`, else 404.
    fn template_idx(&self, id: i64, medium: &str) -> Result<usize, R> {
        self.state
            .templates
            .iter()
            .position(|t| t.template_id == id)
            .filter(|&i| self.state.templates[i].medium == medium)
            .ok_or_else(|| not_found(format!("{medium} template {id} not found")))
    }

    /// The request's template (`templateId`) when it is of `medium`, else 404.
    fn req_template(&self, req: &Req, medium: &str) -> Result<&Template, R> {
        let i = self.template_idx(req.i64("templateId").unwrap_or(0), medium)?;
        Ok(&self.state.templates[i])
    }

    /// upsert_* (`by_client_id`: every template of the medium with that clientTemplateId, or a
    /// new one) and update_* (by templateId).
    fn upsert_template(&mut self, req: &Req, medium: &str, by_client_id: bool) -> Reply {
        // A template Handlebars cannot parse is refused, naming the field and the problem.
        for k in RENDERED_FIELDS {
            if let Some(Value::String(text)) = req.p.get(k) {
                check(text).map_err(|e| bad_params(format!("Invalid template: {k} does not parse as Handlebars: {e}")))?;
            }
        }
        let now = self.now();
        let mut fields = req.p.clone();
        fields.remove("templateId");
        fields.remove("metadata");
        let locale = req.str("locale").map(str::to_string);
        let is_default = req
            .p
            .get("isDefaultLocale")
            .and_then(Value::as_bool)
            .unwrap_or(true)
            || locale.is_none();
        let targets: Vec<usize> = if by_client_id {
            let cid = req.str("clientTemplateId").unwrap_or("");
            self.state
                .templates
                .iter()
                .enumerate()
                .filter(|(_, t)| t.medium == medium && t.client_template_id.as_deref() == Some(cid))
                .map(|(i, _)| i)
                .collect()
        } else {
            vec![self.template_idx(req.i64("templateId").unwrap_or(0), medium)?]
        };
        if targets.is_empty() {
            let id = self.next_id();
            let mut t = Template {
                template_id: id,
                medium: medium.into(),
                client_template_id: req.str("clientTemplateId").map(str::to_string),
                template_type: "Base".into(),
                created_at: now,
                updated_at: now,
                ..Default::default()
            };
            t.fields = fields;
            t.fields
                .entry("name")
                .or_insert(json!(format!("{medium} template {id}")));
            self.state.templates.push(t);
            return Ok(R::success(
                format!("Upserted 1 templates with IDs: {id}"),
                json!({"templateIds": [id]}),
            ));
        }
        let mut ids = Vec::new();
        for i in targets {
            let t = &mut self.state.templates[i];
            if !is_default {
                let l = t
                    .locales
                    .entry(locale.clone().unwrap_or_default())
                    .or_default();
                for (k, v) in &fields {
                    l.insert(k.clone(), v.clone());
                }
            } else {
                for (k, v) in &fields {
                    t.fields.insert(k.clone(), v.clone());
                }
            }
            if let Some(c) = fields.get("clientTemplateId").and_then(Value::as_str) {
                t.client_template_id = Some(c.into());
            }
            t.updated_at = now;
            ids.push(t.template_id);
        }
        let list = ids
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        Ok(R::success(
            format!("Updated {} templates with IDs: {list}", ids.len()),
            json!({"templateIds": ids}),
        ))
    }

    fn template_summary(&self, t: &Template) -> Value {
        let mut v = json!({
            "templateId": t.template_id, "createdAt": t.created_at, "updatedAt": t.updated_at,
            "name": t.fields.get("name").cloned().unwrap_or(json!("")),
            "creatorUserId": t.fields.get("creatorUserId").cloned().unwrap_or(json!("owner@example.com")),
            "messageTypeId": t.fields.get("messageTypeId").and_then(Value::as_i64).unwrap_or(default_message_type(&t.medium)),
        });
        if let Some(c) = &t.client_template_id {
            v["clientTemplateId"] = json!(c);
        }
        if let Some(c) = t.fields.get("campaignId").and_then(Value::as_i64) {
            v["campaignId"] = json!(c);
        }
        v
    }

    fn get_template(&mut self, req: &Req, medium: &str) -> Reply {
        let t = self.req_template(req, medium)?;
        let mut v = Value::Object(Self::template_content(t, req.str("locale")));
        v["templateId"] = json!(t.template_id);
        if let Some(c) = &t.client_template_id {
            v["clientTemplateId"] = json!(c);
        }
        if let Some(l) = req.str("locale") {
            v["locale"] = json!(l);
        }
        if medium == "Email" {
            // The email template's metadata dates are date-time strings (the list's are epoch ms).
            let mut meta = self.template_summary(t);
            meta["createdAt"] = json!(iso(t.created_at));
            meta["updatedAt"] = json!(iso(t.updated_at));
            v["metadata"] = meta;
        }
        if matches!(medium, "Push" | "SMS") {
            v["createdAt"] = json!(t.created_at);
            v["updatedAt"] = json!(t.updated_at);
        }
        Ok(R::json(200, &v))
    }

    fn preview(&mut self, req: &Req, medium: &str) -> Reply {
        let t = self.req_template(req, medium)?;
        let f = Self::template_content(t, req.str("locale"));
        let mut data = req.obj("dataFeed");
        for (k, v) in req.obj("dataFields") {
            data.insert(k, v);
        }
        let html = f.get("html").and_then(Value::as_str).unwrap_or("");
        let page = try_render(html, &data).map_err(|e| bad_params(format!("Template {} cannot be rendered: {e}", t.template_id)))?;
        Ok(R::new(200, "text/html; charset=utf-8", page))
    }

    fn proof(&mut self, req: &Req, kind: &str) -> Reply {
        let tid = req.i64("templateId").unwrap_or(0);
        if self.template(tid).is_none() {
            return Err(not_found(format!("Template {tid} not found")));
        }
        let email = req.str("recipientEmail").map(str::to_string);
        let user_id = req.str("recipientUserId").map(str::to_string);
        let ui = self.find_user(email.as_deref(), user_id.as_deref());
        let data = req.obj("dataFields");
        let m = self.send_message(
            &Outgoing {
                template_id: Some(tid),
                locale: req.str("locale"),
                ..Outgoing::new(kind, "proof", &data)
            },
            ui,
            (email, user_id),
        );
        let to = req.str("recipientEmail").or(req.str("recipientUserId")).unwrap_or("");
        Ok(R::success(
            format!("Sent proof to {to}"),
            json!({"messageId": m["messageId"]}),
        ))
    }

    fn get_template_by_client_template_id(&mut self, req: &Req) -> Reply {
        let cid = req.str("clientTemplateId").unwrap_or("");
        let ts: Vec<Value> = self
            .state
            .templates
            .iter()
            .filter(|t| t.client_template_id.as_deref() == Some(cid))
            .map(|t| {
                let mut tags: Vec<String> = vec![t
                    .fields
                    .get("locale")
                    .and_then(Value::as_str)
                    .unwrap_or("en")
                    .to_string()];
                tags.extend(t.locales.keys().cloned());
                tags.dedup();
                // Locale tags as strings, as Iterable sends them (the spec's `string` definition,
                // a Java Locale object, is a generator artifact).
                let locales: Vec<Value> = tags.iter().map(|t| json!(t)).collect();
                let mut v = json!({"templateId": t.template_id, "locales": locales});
                if let Some(c) = t.fields.get("campaignId").and_then(Value::as_i64) {
                    v["campaignId"] = json!(c);
                }
                v
            })
            .collect();
        Ok(R::json(200, &json!({"templates": ts})))
    }

    fn list_all_templates(&mut self, req: &Req) -> Reply {
        let ty = req.str("templateType");
        let medium = req.str("messageMedium");
        let range = (
            req.str("startDateTime").and_then(parse_date),
            req.str("endDateTime").and_then(parse_date),
        );
        let ts: Vec<Value> = self
            .state
            .templates
            .iter()
            .filter(|t| {
                ty.is_none_or(|x| t.template_type == x)
                    && medium.is_none_or(|m| t.medium.eq_ignore_ascii_case(m))
                    && within(t.created_at, range)
            })
            .map(|t| self.template_summary(t))
            .collect();
        Ok(R::json(
            200,
            &sorted_page(req, ts, (20, 1000), "templates", "totalTemplatesCount"),
        ))
    }

    /// Deletes the templates of `ids` that exist; the others are reported as failed.
    fn bulk_delete_templates(&mut self, req: &Req) -> Reply {
        let ids = req.ids("ids");
        let (found, failed): (Vec<i64>, Vec<i64>) =
            ids.iter().partition(|id| self.template(**id).is_some());
        self.state
            .templates
            .retain(|t| !found.contains(&t.template_id));
        let mut v = json!({"success": found, "failed": failed});
        if !failed.is_empty() {
            v["failureReason"] = json!(format!("Templates not found: {failed:?}"));
        }
        Ok(R::json(200, &v))
    }
}
