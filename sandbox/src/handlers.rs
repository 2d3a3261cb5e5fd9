//! One handler per action id; state rules follow the spec and shared/iterable/README.md.

use serde_json::{json, Map, Value};

use crate::state::*;
use crate::util::{iso, iterable_date, parse_date, percent_encode, sha256_hex, splitmix};
use crate::{Req, Response, Sandbox};

type R = Response;

fn valid_email(e: &str) -> bool {
    let mut parts = e.split('@');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(l), Some(d), None) => {
            !l.is_empty()
                && d.contains('.')
                && !d.starts_with('.')
                && !d.ends_with('.')
                && !e.contains(char::is_whitespace)
        }
        _ => false,
    }
}

fn field_type(v: &Value) -> &'static str {
    match v {
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "double",
        Value::Number(_) => "long",
        Value::String(s) if parse_date(s).is_some() && s.len() >= 10 => "date",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Null => "null",
    }
}

fn deep_merge(dst: &mut Map<String, Value>, src: &Map<String, Value>, nested: bool) {
    for (k, v) in src {
        match (dst.get_mut(k), v) {
            (Some(Value::Object(d)), Value::Object(s)) if nested => deep_merge(d, s, true),
            _ => {
                dst.insert(k.clone(), v.clone());
            }
        }
    }
}

/// `{{field}}` (and `{{{field}}}`, `{{a.b}}`) from data; missing fields render empty.
pub fn render(text: &str, data: &Map<String, Value>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let triple = after.starts_with("{{{");
        let (open, close) = if triple { (3, "}}}") } else { (2, "}}") };
        match after[open..].find(close) {
            Some(j) => {
                let name = after[open..open + j].trim();
                let mut cur: Option<&Value> = None;
                for (n, part) in name.split('.').enumerate() {
                    cur = if n == 0 {
                        data.get(part)
                    } else {
                        cur.and_then(|c| c.get(part))
                    };
                }
                match cur {
                    Some(Value::String(s)) => out.push_str(s),
                    Some(Value::Null) | None => {}
                    Some(v) => out.push_str(&v.to_string()),
                }
                rest = &after[open + j + close.len()..];
            }
            None => {
                out.push_str(after);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

fn csv_field(s: &str, delim: &str) -> String {
    if s.contains(delim) || s.contains('"') || s.contains('\n') || s.contains('\r') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        v => v.to_string(),
    }
}

/// page/pageSize paging with nextPageUrl/previousPageUrl.
fn paginate<T: Clone>(
    req: &Req,
    items: &[T],
    default_size: i64,
    max_size: i64,
) -> (Vec<T>, Map<String, Value>) {
    let page = req.i64("page").unwrap_or(1).max(1);
    let size = req
        .i64("pageSize")
        .unwrap_or(default_size)
        .clamp(1, max_size);
    let start = ((page - 1) * size) as usize;
    let slice: Vec<T> = items
        .iter()
        .skip(start)
        .take(size as usize)
        .cloned()
        .collect();
    let mut links = Map::new();
    let link = |pg: i64| {
        let mut q: Vec<String> = req
            .query
            .iter()
            .filter(|(k, _)| k != "page" && k != "pageSize")
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect();
        q.push(format!("page={pg}"));
        q.push(format!("pageSize={size}"));
        Value::String(format!("{}{}?{}", req.origin, req.path, q.join("&")))
    };
    if start + (size as usize) < items.len() {
        links.insert("nextPageUrl".into(), link(page + 1));
    }
    if page > 1 {
        links.insert("previousPageUrl".into(), link(page - 1));
    }
    (slice, links)
}

fn sort_by_field(items: &mut [Value], sort: Option<&str>) {
    if let Some(s) = sort {
        let (desc, field) = match s.strip_prefix('-') {
            Some(f) => (true, f),
            None => (false, s.trim_start_matches('+')),
        };
        items.sort_by(|a, b| {
            let (x, y) = (&a[field], &b[field]);
            let o = match (x.as_f64(), y.as_f64()) {
                (Some(p), Some(q)) => p.partial_cmp(&q).unwrap_or(std::cmp::Ordering::Equal),
                _ => plain(x).cmp(&plain(y)),
            };
            if desc {
                o.reverse()
            } else {
                o
            }
        });
    }
}

const MEDIUM_KIND: [(&str, &str); 7] = [
    ("Email", "email"),
    ("Push", "push"),
    ("SMS", "sms"),
    ("InApp", "inApp"),
    ("Embedded", "embedded"),
    ("WebPush", "webPush"),
    ("WhatsApp", "whatsApp"),
];

fn kind_of(medium: &str) -> &'static str {
    MEDIUM_KIND
        .iter()
        .find(|(m, _)| m.eq_ignore_ascii_case(medium))
        .map_or("email", |(_, k)| k)
}

impl Sandbox {
    fn next_id(&mut self) -> i64 {
        self.state.seq += 1;
        self.state.seq
    }

    fn message_id(&mut self) -> String {
        let a = splitmix(&mut self.state.rng);
        let b = splitmix(&mut self.state.rng);
        format!("{a:016x}{b:016x}")
    }

    fn now(&self) -> i64 {
        self.state.clock
    }

    // ---------------------------------------------------------------- users

    fn find_user(&self, email: Option<&str>, user_id: Option<&str>) -> Option<usize> {
        if let Some(e) = email {
            return self.state.users.iter().position(|u| {
                u.email
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case(e))
            });
        }
        if let Some(id) = user_id {
            return self
                .state
                .users
                .iter()
                .position(|u| u.user_id.as_deref() == Some(id));
        }
        None
    }

    fn forgotten_error(&self, email: Option<&str>, user_id: Option<&str>) -> Option<R> {
        let hit = self.state.forgotten.iter().any(|u| {
            email.is_some_and(|e| {
                u.email
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case(e))
            }) || user_id.is_some_and(|id| u.user_id.as_deref() == Some(id))
        });
        hit.then(|| {
            R::error(
                409,
                "ForgottenUserError",
                "The user has been forgotten and cannot be updated",
            )
        })
    }

    /// Finds the user, or creates one (by email; by userId only when `create_by_id`).
    fn upsert_user(
        &mut self,
        email: Option<&str>,
        user_id: Option<&str>,
        create_by_id: bool,
    ) -> Result<usize, R> {
        if let Some(e) = self.forgotten_error(email, user_id) {
            return Err(e);
        }
        if let Some(e) = email {
            if !valid_email(e) {
                return Err(R::error(
                    400,
                    "InvalidEmailAddressError",
                    format!("Invalid email: {e}"),
                ));
            }
        }
        if let Some(i) = self.find_user(email, user_id) {
            if let (Some(_), Some(id)) = (email, user_id) {
                if self.state.users[i].user_id.as_deref() != Some(id) {
                    if self
                        .state
                        .users
                        .iter()
                        .any(|u| u.user_id.as_deref() == Some(id))
                    {
                        return Err(R::error(
                            409,
                            "UserIdAlreadyExists",
                            format!("userId {id} already belongs to another user"),
                        ));
                    }
                    self.state.users[i].user_id = Some(id.to_string());
                }
            }
            return Ok(i);
        }
        if email.is_none() {
            let id = user_id.unwrap_or("");
            if !create_by_id {
                return Err(R::error(
                    400,
                    "UnknownUserIdError",
                    format!("No user exists with userId {id}"),
                ));
            }
            if id.is_empty() {
                return Err(R::error(400, "InvalidUserIdError", "Invalid userId"));
            }
        }
        if let Some(id) = user_id {
            if self
                .state
                .users
                .iter()
                .any(|u| u.user_id.as_deref() == Some(id))
            {
                return Err(R::error(
                    409,
                    "UserIdAlreadyExists",
                    format!("userId {id} already belongs to another user"),
                ));
            }
        }
        let now = self.now();
        let email = email.map(str::to_string).or_else(|| {
            user_id.map(|id| format!("{}@placeholder.email", &sha256_hex(id.as_bytes())[..16]))
        });
        self.state.users.push(User {
            email,
            user_id: user_id.map(str::to_string),
            created_at: now,
            updated_at: now,
            ..Default::default()
        });
        Ok(self.state.users.len() - 1)
    }

    /// Records field types; a type change is Iterable's RequestFieldsTypesMismatched.
    fn check_fields(
        &mut self,
        fields: &Map<String, Value>,
        prefix: &str,
    ) -> Result<Vec<String>, R> {
        let mut created = Vec::new();
        for (k, v) in fields {
            if v.is_null() {
                continue;
            }
            let name = format!("{prefix}{k}");
            let t = field_type(v);
            match self.state.user_fields.get(&name).and_then(Value::as_str) {
                Some(old)
                    if old != t
                        && !(old == "long" && t == "double")
                        && !(old == "string" && t == "date")
                        && !(old == "date" && t == "string") =>
                {
                    return Err(R::error(
                        400,
                        "RequestFieldsTypesMismatched",
                        format!("Field {name} has type {old}; got {t}"),
                    ));
                }
                Some(_) => {}
                None => {
                    self.state
                        .user_fields
                        .insert(name.clone(), Value::String(t.into()));
                    created.push(name.clone());
                }
            }
            if let Value::Object(o) = v {
                created.extend(self.check_fields(o, &format!("{name}."))?);
            }
        }
        Ok(created)
    }

    fn update_user_fields(
        &mut self,
        i: usize,
        data: &Map<String, Value>,
        nested: bool,
    ) -> Result<Vec<String>, R> {
        let created = self.check_fields(data, "")?;
        let now = self.now();
        let u = &mut self.state.users[i];
        deep_merge(&mut u.data_fields, data, nested);
        u.updated_at = now;
        Ok(created)
    }

    fn user_json(&self, u: &User) -> Value {
        let mut df = u.data_fields.clone();
        df.insert("signupDate".into(), json!(iterable_date(u.created_at)));
        df.insert(
            "profileUpdatedAt".into(),
            json!(iterable_date(u.updated_at)),
        );
        df.insert("emailListIds".into(), json!(u.email_list_ids));
        df.insert(
            "unsubscribedChannelIds".into(),
            json!(u.unsubscribed_channel_ids),
        );
        df.insert(
            "unsubscribedMessageTypeIds".into(),
            json!(u.unsubscribed_message_type_ids),
        );
        df.insert(
            "subscribedMessageTypeIds".into(),
            json!(u.subscribed_message_type_ids),
        );
        if !u.devices.is_empty() {
            df.insert("devices".into(), json!(u.devices));
        }
        if !u.browser_tokens.is_empty() {
            df.insert("browserTokens".into(), json!(u.browser_tokens));
        }
        if let Some(id) = &u.user_id {
            df.insert("userId".into(), json!(id));
        }
        let mut o = json!({"email": u.email, "dataFields": df});
        if let Some(id) = &u.user_id {
            o["userId"] = json!(id);
        }
        o
    }

    fn get_user(&self, email: Option<&str>, user_id: Option<&str>) -> R {
        match self.find_user(email, user_id) {
            Some(i) => R::json(200, &json!({"user": self.user_json(&self.state.users[i])})),
            // Iterable answers an unknown user with an empty object (no `user` key).
            None => R::json(200, &json!({})),
        }
    }

    fn add_event(&mut self, i: usize, mut data: Map<String, Value>, at: Option<i64>) {
        let at = at.unwrap_or_else(|| self.now());
        let u = &self.state.users[i];
        data.insert("createdAt".into(), json!(iterable_date(at)));
        if let Some(e) = &u.email {
            data.insert("email".into(), json!(e));
        }
        if let Some(id) = &u.user_id {
            data.insert("userId".into(), json!(id));
        }
        data.retain(|_, v| !v.is_null());
        // An event (or purchase) sent again with its `id` updates the one recorded, as Iterable does.
        let events = &mut self.state.users[i].events;
        let id = data.get("id").filter(|v| v.is_string());
        match id.and_then(|id| events.iter().position(|e| e.data.get("id") == Some(id) && e.data.get("eventType") == data.get("eventType"))) {
            Some(k) => events[k] = Event { at, data },
            None => events.push(Event { at, data }),
        }
    }

    /// createdAt in request bodies is epoch seconds.
    fn event_time(v: Option<&Value>) -> Option<i64> {
        v.and_then(Value::as_f64).map(|s| {
            if s > 1e11 {
                s as i64
            } else {
                (s * 1000.0) as i64
            }
        })
    }

    fn track_one(&mut self, ev: &Map<String, Value>, event_type: &str) -> Result<(), R> {
        let email = ev.get("email").and_then(Value::as_str);
        let user_id = ev.get("userId").and_then(Value::as_str);
        if email.is_none() && user_id.is_none() {
            return Err(R::error(400, "BadParams", "email or userId is required"));
        }
        let i = self.upsert_user(email, user_id, false)?;
        let mut data = Map::new();
        data.insert("eventType".into(), json!(event_type));
        for k in [
            "eventName",
            "id",
            "campaignId",
            "templateId",
            "messageId",
            "dataFields",
        ] {
            if let Some(v) = ev.get(k) {
                data.insert(k.into(), v.clone());
            }
        }
        let at = Self::event_time(ev.get("createdAt"));
        self.add_event(i, data, at);
        Ok(())
    }

    /// Tracking endpoints that just record an event of a fixed type for the named user.
    fn track_typed(&mut self, req: &Req, event_type: &str) -> R {
        let mut ev = req.p.clone();
        ev.remove("createdAt");
        if let Some(t) = req.p.get("createdAt") {
            ev.insert("createdAt".into(), t.clone());
        }
        for k in [
            "deviceInfo",
            "messageContext",
            "clickedUrl",
            "closeAction",
            "deleteAction",
            "buttonIdentifier",
            "targetUrl",
            "session",
            "impressions",
            "inboxSessionId",
        ] {
            if let Some(v) = req.p.get(k) {
                let mut df = ev
                    .get("dataFields")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                df.insert(k.into(), v.clone());
                ev.insert("dataFields".into(), Value::Object(df));
            }
        }
        match self.track_one(&ev, event_type) {
            Ok(()) => R::success("", Value::Null),
            Err(e) => e,
        }
    }

    fn user_ref_of(&self, i: usize) -> (Option<String>, Option<String>) {
        let u = &self.state.users[i];
        (u.email.clone(), u.user_id.clone())
    }

    fn hashed(u: &User) -> (Option<String>, Option<String>) {
        (
            u.email
                .as_ref()
                .map(|e| sha256_hex(e.to_lowercase().as_bytes())),
            u.user_id.as_ref().map(|id| sha256_hex(id.as_bytes())),
        )
    }

    // ---------------------------------------------------------------- lists

    fn list_exists(&self, id: i64) -> bool {
        self.state.lists.iter().any(|l| l.id == id)
    }

    fn list_members(&self, id: i64) -> Vec<usize> {
        (0..self.state.users.len())
            .filter(|&i| self.state.users[i].email_list_ids.contains(&id))
            .collect()
    }

    // ---------------------------------------------------------------- messages

    fn template(&self, id: i64) -> Option<&Template> {
        self.state.templates.iter().find(|t| t.template_id == id)
    }

    fn template_content(t: &Template, locale: Option<&str>) -> Map<String, Value> {
        let mut f = t.fields.clone();
        if let Some(l) = locale.and_then(|l| t.locales.get(l)) {
            for (k, v) in l {
                f.insert(k.clone(), v.clone());
            }
        }
        f
    }

    /// Renders a message of template `tid` for user `i` and puts it in the outbox.
    #[allow(clippy::too_many_arguments)]
    fn send_message(
        &mut self,
        kind: &str,
        source: &str,
        campaign_id: Option<i64>,
        template_id: Option<i64>,
        user: Option<usize>,
        recipient: (Option<String>, Option<String>),
        data: &Map<String, Value>,
        send_at: Option<i64>,
        locale: Option<&str>,
    ) -> Value {
        let mut merged = user
            .map(|i| self.state.users[i].data_fields.clone())
            .unwrap_or_default();
        if let Some(c) = campaign_id.and_then(|id| self.state.campaigns.iter().find(|c| c.id == id))
        {
            for (k, v) in &c.data_fields {
                merged.insert(k.clone(), v.clone());
            }
        }
        for (k, v) in data {
            merged.insert(k.clone(), v.clone());
        }
        if let Some(e) = &recipient.0 {
            merged.entry("email").or_insert(json!(e));
        }
        let mut content = Map::new();
        if let Some(t) = template_id.and_then(|id| self.template(id)) {
            let f = Self::template_content(t, locale);
            for k in [
                "subject",
                "html",
                "plainText",
                "title",
                "message",
                "body",
                "preheaderText",
                "fromEmail",
                "fromName",
            ] {
                if let Some(Value::String(s)) = f.get(k) {
                    content.insert(k.into(), json!(render(s, &merged)));
                }
            }
            if let Some(p) = f.get("payload") {
                content.insert("payload".into(), p.clone());
            }
        }
        let now = self.now();
        let scheduled = send_at.is_some_and(|t| t > now);
        let id = self.next_id();
        let mid = self.message_id();
        let mut m = json!({
            "messageId": mid,
            "scheduledMessageId": id,
            "channel": kind,
            "source": source,
            "status": if scheduled { "scheduled" } else { "sent" },
            "createdAt": iso(now),
            "dataFields": data,
            "content": content,
        });
        if let Some(c) = campaign_id {
            m["campaignId"] = json!(c);
        }
        if let Some(t) = template_id {
            m["templateId"] = json!(t);
        }
        if let Some(e) = recipient.0 {
            m["email"] = json!(e);
        }
        if let Some(u) = recipient.1 {
            m["userId"] = json!(u);
        }
        if let Some(t) = send_at {
            m["sendAt"] = json!(iso(t));
        }
        self.state.outbox.push(m.clone());
        m
    }

    pub(crate) fn deliver_campaign(&mut self, id: i64) {
        let Some(c) = self.state.campaigns.iter().find(|c| c.id == id).cloned() else {
            return;
        };
        let mut recipients: Vec<usize> = Vec::new();
        for l in &c.list_ids {
            for i in self.list_members(*l) {
                if !recipients.contains(&i) {
                    recipients.push(i);
                }
            }
        }
        recipients.retain(|&i| {
            !c.suppression_list_ids
                .iter()
                .any(|s| self.state.users[i].email_list_ids.contains(s))
        });
        let kind = kind_of(&c.message_medium);
        let n = recipients.len() as i64;
        for i in recipients {
            let r = self.user_ref_of(i);
            self.send_message(
                kind,
                "campaign",
                Some(c.id),
                c.template_id,
                Some(i),
                r,
                &Map::new(),
                None,
                None,
            );
        }
        if let Some(c) = self.state.campaigns.iter_mut().find(|c| c.id == id) {
            c.send_size = Some(n);
        }
    }

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

    /// A copy of campaign `id` when it is a triggered campaign that is active (what
    /// trigger_campaign and the `*_to_target` sends need), else Iterable's BadParams.
    fn active_triggered(&self, id: i64) -> Result<Campaign, R> {
        let c = &self.state.campaigns[self.campaign_idx(id)?];
        if c.campaign_type != "Triggered" {
            return Err(R::error(400, "BadParams", format!("Campaign {id} is not a triggered campaign")));
        }
        if c.campaign_state != "Running" {
            return Err(R::error(400, "BadParams", format!("Campaign {id} is not active ({})", c.campaign_state)));
        }
        Ok(c.clone())
    }

    fn campaign_idx(&self, id: i64) -> Result<usize, R> {
        self.state
            .campaigns
            .iter()
            .position(|c| c.id == id)
            .ok_or_else(|| R::error(400, "BadParams", format!("Campaign {id} does not exist")))
    }

    /// Sends of the `*_to_target` actions.
    fn send_to_target(&mut self, req: &Req, kind: &str) -> R {
        let cid = req.i64("campaignId").unwrap_or(0);
        let c = match self.active_triggered(cid) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let email = req.str("recipientEmail");
        let user_id = req.str("recipientUserId");
        let ui = match self.upsert_user(email, user_id, false) {
            Ok(i) => i,
            Err(e) => return e,
        };
        let send_at = req.str("sendAt").and_then(parse_date);
        let r = self.user_ref_of(ui);
        let m = self.send_message(
            kind,
            "target",
            Some(cid),
            c.template_id,
            Some(ui),
            r,
            &req.obj("dataFields"),
            send_at,
            None,
        );
        R::success(
            "",
            json!({"messageId": m["messageId"], "scheduledMessageId": m["scheduledMessageId"]}),
        )
    }

    fn cancel_scheduled(&mut self, req: &Req, kind: &str) -> R {
        let sid = req.i64("scheduledMessageId");
        let cid = req.i64("campaignId");
        let email = req.str("email");
        let user_id = req.str("userId");
        let mut n = 0;
        for m in self.state.outbox.iter_mut() {
            if m["channel"] != kind || m["status"] != "scheduled" {
                continue;
            }
            let hit = match sid {
                Some(s) => m["scheduledMessageId"].as_i64() == Some(s),
                None => {
                    m["campaignId"].as_i64() == cid
                        && (email.is_some_and(|e| m["email"].as_str() == Some(e))
                            || user_id.is_some_and(|u| m["userId"].as_str() == Some(u)))
                }
            };
            if hit {
                m["status"] = json!("cancelled");
                n += 1;
            }
        }
        if n == 0 {
            return R::error(400, "BadParams", "No scheduled message matches the request");
        }
        R::success(format!("Cancelled {n} scheduled message(s)"), Value::Null)
    }

    fn proof(&mut self, req: &Req, kind: &str) -> R {
        let tid = req.i64("templateId").unwrap_or(0);
        if self.template(tid).is_none() {
            return R::error(404, "NotFound", format!("Template {tid} not found"));
        }
        let email = req.str("recipientEmail").map(str::to_string);
        let user_id = req.str("recipientUserId").map(str::to_string);
        let ui = self.find_user(email.as_deref(), user_id.as_deref());
        let m = self.send_message(
            kind,
            "proof",
            None,
            Some(tid),
            ui,
            (email, user_id),
            &req.obj("dataFields"),
            None,
            req.str("locale"),
        );
        R::success("Proof sent", json!({"messageId": m["messageId"]}))
    }

    // ---------------------------------------------------------------- templates

    fn upsert_template(&mut self, req: &Req, medium: &str, by_client_id: bool) -> R {
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
            let id = req.i64("templateId").unwrap_or(0);
            match self
                .state
                .templates
                .iter()
                .position(|t| t.template_id == id)
            {
                Some(i) if self.state.templates[i].medium == medium => vec![i],
                _ => return R::error(404, "NotFound", format!("{medium} template {id} not found")),
            }
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
            return R::success(
                format!("Upserted 1 templates with IDs: {id}"),
                json!({"templateIds": [id]}),
            );
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
        R::success(
            format!("Updated {} templates with IDs: {list}", ids.len()),
            json!({"templateIds": ids}),
        )
    }

    fn template_summary(&self, t: &Template) -> Value {
        let mut v = json!({
            "templateId": t.template_id, "createdAt": iso(t.created_at), "updatedAt": iso(t.updated_at),
            "name": t.fields.get("name").cloned().unwrap_or(json!("")),
            "creatorUserId": t.fields.get("creatorUserId").cloned().unwrap_or(json!("owner@example.com")),
            "messageTypeId": t.fields.get("messageTypeId").and_then(Value::as_i64).unwrap_or(self.default_message_type(&t.medium)),
        });
        if let Some(c) = &t.client_template_id {
            v["clientTemplateId"] = json!(c);
        }
        if let Some(c) = t.fields.get("campaignId").and_then(Value::as_i64) {
            v["campaignId"] = json!(c);
        }
        v
    }

    fn default_message_type(&self, medium: &str) -> i64 {
        match medium {
            "Push" | "InApp" | "Embedded" => 303,
            "SMS" => 304,
            _ => 301,
        }
    }

    fn get_template(&self, req: &Req, medium: &str) -> R {
        let id = req.i64("templateId").unwrap_or(0);
        let Some(t) = self.template(id).filter(|t| t.medium == medium) else {
            return R::error(404, "NotFound", format!("{medium} template {id} not found"));
        };
        let mut v = Value::Object(Self::template_content(t, req.str("locale")));
        v["templateId"] = json!(t.template_id);
        if let Some(c) = &t.client_template_id {
            v["clientTemplateId"] = json!(c);
        }
        if let Some(l) = req.str("locale") {
            v["locale"] = json!(l);
        }
        if medium == "Email" {
            v["metadata"] = self.template_summary(t);
        }
        if matches!(medium, "Push" | "SMS") {
            v["createdAt"] = json!(iso(t.created_at));
            v["updatedAt"] = json!(iso(t.updated_at));
        }
        R::json(200, &v)
    }

    fn preview(&self, req: &Req, medium: &str) -> R {
        let id = req.i64("templateId").unwrap_or(0);
        let Some(t) = self.template(id).filter(|t| t.medium == medium) else {
            return R::error(404, "NotFound", format!("{medium} template {id} not found"));
        };
        let f = Self::template_content(t, req.str("locale"));
        let mut data = req.obj("dataFeed");
        for (k, v) in req.obj("dataFields") {
            data.insert(k, v);
        }
        let html = f.get("html").and_then(Value::as_str).unwrap_or("");
        R::new(200, "text/html; charset=utf-8", render(html, &data))
    }

    // ---------------------------------------------------------------- exports

    fn export_rows(
        &self,
        data_type: &str,
        start: Option<i64>,
        end: Option<i64>,
        campaign: Option<i64>,
    ) -> Vec<Map<String, Value>> {
        let in_range = |t: i64| start.is_none_or(|s| t >= s) && end.is_none_or(|e| t < e);
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
                let t = m["createdAt"].as_str().and_then(parse_date).unwrap_or(0);
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

    fn csv(rows: &[Map<String, Value>], delim: &str) -> String {
        let mut cols: Vec<String> = Vec::new();
        for r in rows {
            for k in r.keys() {
                if !cols.contains(k) {
                    cols.push(k.clone());
                }
            }
        }
        let mut out = cols
            .iter()
            .map(|c| csv_field(c, delim))
            .collect::<Vec<_>>()
            .join(delim);
        out.push('\n');
        for r in rows {
            let line = cols
                .iter()
                .map(|c| csv_field(&r.get(c).map(plain).unwrap_or_default(), delim))
                .collect::<Vec<_>>()
                .join(delim);
            out.push_str(&line);
            out.push('\n');
        }
        out
    }

    fn jsonl(rows: &[Map<String, Value>]) -> String {
        rows.iter()
            .map(|r| Value::Object(r.clone()).to_string() + "\n")
            .collect()
    }

    fn range_bounds(&self, req: &Req) -> (Option<i64>, Option<i64>) {
        let day = 86_400_000;
        let today = self.now() - self.now().rem_euclid(day);
        let (mut s, mut e) = match req.str("range") {
            Some("Today") => (Some(today), None),
            Some("Yesterday") => (Some(today - day), Some(today)),
            Some("BeforeToday") => (None, Some(today)),
            _ => (None, None),
        };
        if let Some(x) = req.str("startDateTime").and_then(parse_date) {
            s = Some(x);
        }
        if let Some(x) = req.str("endDateTime").and_then(parse_date) {
            e = Some(x);
        }
        (s, e)
    }

    // ---------------------------------------------------------------- dispatch

    pub(crate) fn dispatch(&mut self, req: &Req) -> R {
        let now = self.now();
        match req.action.id.as_str() {
            // ------------------------------------------------------------ users
            "update_user" => {
                let email = req.str("email");
                let user_id = req.str("userId");
                let by_id = req.bool("preferUserId") || email.is_none();
                let i = match self.upsert_user(email, user_id, by_id) {
                    Ok(i) => i,
                    Err(e) => return e,
                };
                match self.update_user_fields(
                    i,
                    &req.obj("dataFields"),
                    req.bool("mergeNestedObjects"),
                ) {
                    Ok(_) => R::success("", Value::Null),
                    Err(e) => e,
                }
            }
            "bulk_update_users" => {
                let users = req.arr("users");
                let mut ok = 0;
                let mut created = Vec::new();
                let mut fail: Map<String, Value> = Map::new();
                let mut push = |k: &str, v: String| {
                    fail.entry(k)
                        .or_insert(json!([]))
                        .as_array_mut()
                        .unwrap()
                        .push(json!(v));
                };
                for u in &users {
                    let email = u.get("email").and_then(Value::as_str);
                    let user_id = u.get("userId").and_then(Value::as_str);
                    let id = email.or(user_id).unwrap_or("").to_string();
                    let key = if email.is_some() { "Emails" } else { "UserIds" };
                    if email.is_none() && user_id.is_none() {
                        push("invalidEmails", id);
                        continue;
                    }
                    let by_id = u
                        .get("preferUserId")
                        .and_then(Value::as_bool)
                        .unwrap_or(false)
                        || email.is_none();
                    match self.upsert_user(email, user_id, by_id) {
                        Ok(i) => {
                            let df = u
                                .get("dataFields")
                                .and_then(Value::as_object)
                                .cloned()
                                .unwrap_or_default();
                            let nested = u
                                .get("mergeNestedObjects")
                                .and_then(Value::as_bool)
                                .unwrap_or(false);
                            match self.update_user_fields(i, &df, nested) {
                                Ok(c) => {
                                    ok += 1;
                                    created.extend(c);
                                }
                                Err(_) => push(&format!("invalidData{key}"), id),
                            }
                        }
                        Err(e) => {
                            let code = e
                                .json_value()
                                .map(|v| v["code"].as_str().unwrap_or("").to_string())
                                .unwrap_or_default();
                            let k = match code.as_str() {
                                "ForgottenUserError" => format!("forgotten{key}"),
                                "InvalidEmailAddressError" => "invalidEmails".into(),
                                "UserIdAlreadyExists" | "EmailAlreadyExists" => {
                                    format!("conflict{key}")
                                }
                                "UnknownUserIdError" => "notFoundUserIds".into(),
                                _ => "invalidUserIds".into(),
                            };
                            push(&k, id);
                        }
                    }
                }
                let failed = users.len() as i64 - ok;
                let mut out = json!({"successCount": ok, "failCount": failed, "createdFields": created, "filteredOutFields": []});
                out["invalidEmails"] = fail.get("invalidEmails").cloned().unwrap_or(json!([]));
                out["invalidUserIds"] = fail.get("invalidUserIds").cloned().unwrap_or(json!([]));
                out["failedUpdates"] = Value::Object(fail);
                R::json(200, &out)
            }
            "update_user_email" => {
                let new = req.str("newEmail").unwrap_or("");
                if !valid_email(new) {
                    return R::error(
                        400,
                        "InvalidEmailAddressError",
                        format!("Invalid email: {new}"),
                    );
                }
                let Some(i) = self.find_user(req.str("currentEmail"), req.str("currentUserId"))
                else {
                    return match req.str("currentEmail") {
                        Some(e) => R::error(
                            400,
                            "UnknownEmailError",
                            format!("No user exists with email {e}"),
                        ),
                        None => {
                            R::error(400, "UnknownUserIdError", "No user exists with that userId")
                        }
                    };
                };
                if let Some(j) = self.find_user(Some(new), None) {
                    if j != i {
                        return R::error(
                            409,
                            "EmailAlreadyExists",
                            format!("A user with email {new} already exists"),
                        );
                    }
                }
                let u = &mut self.state.users[i];
                u.email = Some(new.to_string());
                u.updated_at = now;
                for e in u.events.iter_mut() {
                    e.data.insert("email".into(), json!(new));
                }
                R::success("", Value::Null)
            }
            "merge_users" => {
                let src = self.find_user(req.str("sourceEmail"), req.str("sourceUserId"));
                let dst = self.find_user(req.str("destinationEmail"), req.str("destinationUserId"));
                let (Some(s), Some(d)) = (src, dst) else {
                    return R::error(
                        400,
                        "BadParams",
                        "Source or destination user does not exist",
                    );
                };
                if s == d {
                    return R::error(400, "BadParams", "Source and destination are the same user");
                }
                let su = self.state.users[s].clone();
                let du = &mut self.state.users[d];
                for (k, v) in su.data_fields {
                    du.data_fields.entry(k).or_insert(v);
                }
                for l in su.email_list_ids {
                    if !du.email_list_ids.contains(&l) {
                        du.email_list_ids.push(l);
                    }
                }
                let (de, di) = (du.email.clone(), du.user_id.clone());
                for mut e in su.events {
                    e.data.insert("email".into(), json!(de));
                    if let Some(id) = &di {
                        e.data.insert("userId".into(), json!(id));
                    }
                    du.events.push(e);
                }
                du.events.sort_by_key(|e| e.at);
                du.devices.extend(su.devices);
                du.updated_at = now;
                self.state.users.remove(s);
                R::success("Merged users", Value::Null)
            }
            "delete_user_by_email" | "delete_user_by_id" => {
                let (email, uid) = (req.str("email"), req.str("userId"));
                match self.find_user(email, uid) {
                    Some(i) => {
                        self.state.users.remove(i);
                        R::success("User deleted", Value::Null)
                    }
                    None => match email {
                        Some(e) => R::error(
                            400,
                            "UnknownEmailError",
                            format!("No user exists with email {e}"),
                        ),
                        None => R::error(
                            400,
                            "UnknownUserIdError",
                            format!("No user exists with userId {}", uid.unwrap_or("")),
                        ),
                    },
                }
            }
            "forget_user" => {
                let (email, uid) = (req.str("email"), req.str("userId"));
                if self.forgotten_error(email, uid).is_some() {
                    return R::success("User is already forgotten", Value::Null);
                }
                match self.find_user(email, uid) {
                    Some(i) => {
                        let u = self.state.users.remove(i);
                        self.state.forgotten.push(u);
                    }
                    None => {
                        // Iterable forgets identifiers even without a profile (blocks future data).
                        self.state.forgotten.push(User {
                            email: email.map(str::to_string),
                            user_id: uid.map(str::to_string),
                            created_at: now,
                            updated_at: now,
                            ..Default::default()
                        });
                    }
                }
                R::success("User forgotten", Value::Null)
            }
            "unforget_user" => {
                let (email, uid) = (req.str("email"), req.str("userId"));
                let pos = self.state.forgotten.iter().position(|u| {
                    email.is_some_and(|e| {
                        u.email
                            .as_deref()
                            .is_some_and(|x| x.eq_ignore_ascii_case(e))
                    }) || uid.is_some_and(|id| u.user_id.as_deref() == Some(id))
                });
                match pos {
                    Some(i) => {
                        let u = self.state.forgotten.remove(i);
                        if (u.created_at != u.updated_at
                            || !u.data_fields.is_empty()
                            || !u.events.is_empty()
                            || u.email.is_some())
                            && self.find_user(u.email.as_deref(), None).is_none()
                        {
                            self.state.users.push(u);
                        }
                        R::success("User unforgotten", Value::Null)
                    }
                    None => R::error(400, "BadParams", "The user is not forgotten"),
                }
            }
            "list_forgotten_users" => {
                let v: Vec<String> = self
                    .state
                    .forgotten
                    .iter()
                    .filter_map(|u| Self::hashed(u).0)
                    .collect();
                R::json(200, &json!({"hashedEmails": v}))
            }
            "list_forgotten_user_ids" => {
                let v: Vec<String> = self
                    .state
                    .forgotten
                    .iter()
                    .filter_map(|u| Self::hashed(u).1)
                    .collect();
                R::json(200, &json!({"hashedUserIds": v}))
            }
            "get_user_by_email" | "get_user_by_email_path" => self.get_user(req.str("email"), None),
            "get_user_by_id" | "get_user_by_id_path" => self.get_user(None, req.str("userId")),
            "list_user_fields" => {
                let mut f = Map::new();
                for (k, t) in [
                    ("email", "string"),
                    ("userId", "string"),
                    ("signupDate", "date"),
                    ("profileUpdatedAt", "date"),
                    ("emailListIds", "long"),
                    ("unsubscribedChannelIds", "long"),
                    ("unsubscribedMessageTypeIds", "long"),
                    ("subscribedMessageTypeIds", "long"),
                ] {
                    f.insert(k.into(), json!(t));
                }
                for (k, v) in &self.state.user_fields {
                    f.insert(k.clone(), v.clone());
                }
                R::json(200, &json!({"fields": f}))
            }
            "update_user_subscriptions" => {
                let i = match self.upsert_user(req.str("email"), req.str("userId"), false) {
                    Ok(i) => i,
                    Err(e) => return e,
                };
                if let Some(bad) = req
                    .ids("emailListIds")
                    .into_iter()
                    .find(|l| !self.list_exists(*l))
                {
                    return R::error(400, "BadParams", format!("List {bad} does not exist"));
                }
                let u = &mut self.state.users[i];
                if req.p.contains_key("emailListIds") {
                    u.email_list_ids = req.ids("emailListIds");
                }
                if req.p.contains_key("unsubscribedChannelIds") {
                    u.unsubscribed_channel_ids = req.ids("unsubscribedChannelIds");
                }
                if req.p.contains_key("unsubscribedMessageTypeIds") {
                    u.unsubscribed_message_type_ids = req.ids("unsubscribedMessageTypeIds");
                }
                if req.p.contains_key("subscribedMessageTypeIds") {
                    u.subscribed_message_type_ids = req.ids("subscribedMessageTypeIds");
                }
                u.updated_at = now;
                R::success("", Value::Null)
            }
            "bulk_update_user_subscriptions" => {
                let reqs = req.arr("updateSubscriptionsRequests");
                let (mut ok, mut inv_e, mut inv_u, mut fail_e, mut fail_u) =
                    (0, vec![], vec![], vec![], vec![]);
                for r in &reqs {
                    let email = r.get("email").and_then(Value::as_str);
                    let uid = r.get("userId").and_then(Value::as_str);
                    if let Some(e) = email {
                        if !valid_email(e) {
                            inv_e.push(e.to_string());
                            continue;
                        }
                    }
                    match self.upsert_user(email, uid, false) {
                        Ok(i) => {
                            let u = &mut self.state.users[i];
                            let ids = |k: &str| {
                                r.get(k)
                                    .and_then(Value::as_array)
                                    .map(|a| a.iter().filter_map(Value::as_i64).collect::<Vec<_>>())
                            };
                            if let Some(v) = ids("emailListIds") {
                                u.email_list_ids = v;
                            }
                            if let Some(v) = ids("unsubscribedChannelIds") {
                                u.unsubscribed_channel_ids = v;
                            }
                            if let Some(v) = ids("unsubscribedMessageTypeIds") {
                                u.unsubscribed_message_type_ids = v;
                            }
                            if let Some(v) = ids("subscribedMessageTypeIds") {
                                u.subscribed_message_type_ids = v;
                            }
                            u.updated_at = now;
                            ok += 1;
                        }
                        Err(_) => match email {
                            Some(e) => fail_e.push(e.to_string()),
                            None => match uid {
                                Some(u) if self.find_user(None, Some(u)).is_none() => {
                                    inv_u.push(u.to_string())
                                }
                                Some(u) => fail_u.push(u.to_string()),
                                None => {}
                            },
                        },
                    }
                }
                R::json(
                    200,
                    &json!({"successCount": ok, "failCount": reqs.len() as i64 - ok, "invalidEmails": inv_e, "invalidUserIds": inv_u, "validEmailFailures": fail_e, "validUserIdFailures": fail_u}),
                )
            }
            "subscribe_user_by_email"
            | "subscribe_user_by_id"
            | "unsubscribe_user_by_email"
            | "unsubscribe_user_by_id" => {
                let subscribe = req.action.method == "PATCH";
                let (email, uid) = (req.str("userEmail"), req.str("userId"));
                match self.subscription_change(req, email, uid, subscribe) {
                    Ok(()) => R::json(
                        202,
                        &json!({"msg": "", "code": "Success", "params": Value::Null}),
                    ),
                    Err(e) => e,
                }
            }
            "bulk_subscription_action" => {
                let subscribe = match req.str("action") {
                    Some("subscribe") => true,
                    Some("unsubscribe") => false,
                    _ => {
                        return R::error(
                            400,
                            "BadParams",
                            "action must be subscribe or unsubscribe",
                        )
                    }
                };
                let mut failed = Vec::new();
                for e in req.arr("users").iter().filter_map(Value::as_str) {
                    if self
                        .subscription_change(req, Some(e), None, subscribe)
                        .is_err()
                    {
                        failed.push(json!(e));
                    }
                }
                for u in req.arr("usersByUserId").iter().filter_map(Value::as_str) {
                    if self
                        .subscription_change(req, None, Some(u), subscribe)
                        .is_err()
                    {
                        failed.push(json!(u));
                    }
                }
                R::json(
                    202,
                    &json!({"msg": "", "code": "Success", "params": {"failed": failed}}),
                )
            }
            "trigger_double_opt_in" => {
                let (email, uid) = (req.str("email"), req.str("userId"));
                let Some(i) = self.find_user(email, uid) else {
                    return R::new(
                        400,
                        "text/plain; charset=utf-8",
                        format!(
                            "User not found for userId: {} or email: {}",
                            uid.unwrap_or(""),
                            email.unwrap_or("")
                        ),
                    );
                };
                let r = self.user_ref_of(i);
                let mut data = Map::new();
                data.insert("messageTypeIds".into(), json!(req.ids("messageTypeIds")));
                if let Some(b) = req.str("brandName") {
                    data.insert("brandName".into(), json!(b));
                }
                let kind = if req.str("phoneNumber").is_some() {
                    "sms"
                } else {
                    "email"
                };
                self.send_message(
                    kind,
                    "doubleOptIn",
                    None,
                    None,
                    Some(i),
                    r,
                    &data,
                    None,
                    None,
                );
                let text = "Request for double opt-in subscription accepted";
                if req.accept.contains("application/json") && !req.accept.contains("text/plain") {
                    R::new(202, "application/json", json!(text).to_string())
                } else {
                    R::new(202, "text/plain; charset=utf-8", text.into())
                }
            }
            "register_device_token" => {
                let i = match self.upsert_user(
                    req.str("email"),
                    req.str("userId"),
                    req.bool("preferUserId"),
                ) {
                    Ok(i) => i,
                    Err(e) => return e,
                };
                let mut d = req.obj("device");
                d.entry("endpointEnabled").or_insert(json!(true));
                let token = d.get("token").cloned();
                let u = &mut self.state.users[i];
                u.devices.retain(|x| x.get("token") != token.as_ref());
                u.devices.push(Value::Object(d));
                u.updated_at = now;
                R::success("", Value::Null)
            }
            "register_browser_token" => {
                let i = match self.upsert_user(req.str("email"), req.str("userId"), false) {
                    Ok(i) => i,
                    Err(e) => return e,
                };
                let t = req.str("browserToken").unwrap_or("").to_string();
                let u = &mut self.state.users[i];
                if !u.browser_tokens.contains(&t) {
                    u.browser_tokens.push(t);
                }
                R::success("", Value::Null)
            }
            "disable_device" => {
                let token = req.str("token").unwrap_or("");
                let mut hit = false;
                for u in self.state.users.iter_mut() {
                    if req
                        .str("email")
                        .is_some_and(|e| u.email.as_deref() != Some(e))
                        || req
                            .str("userId")
                            .is_some_and(|id| u.user_id.as_deref() != Some(id))
                    {
                        continue;
                    }
                    for d in u.devices.iter_mut() {
                        if d.get("token").and_then(Value::as_str) == Some(token) {
                            d["endpointEnabled"] = json!(false);
                            hit = true;
                        }
                    }
                    u.browser_tokens.retain(|t| t != token);
                }
                if hit {
                    R::success("", Value::Null)
                } else {
                    R::error(400, "BadParams", "No device with that token")
                }
            }
            "invalidate_jwts" => {
                let before = req.i64("issuedBefore").unwrap_or(now);
                self.state.jwt_invalidations.push(json!({"email": req.str("email"), "userId": req.str("userId"), "issuedBefore": before}));
                R::success("", Value::Null)
            }
            "get_user_sent_messages" => {
                let Some(i) = self.find_user(req.str("email"), req.str("userId")) else {
                    return R::json(200, &json!({"messages": []}));
                };
                let (email, uid) = self.user_ref_of(i);
                let limit = req.i64("limit").unwrap_or(10).clamp(1, 1000) as usize;
                let cids = req.ids("campaignIds");
                let (s, e) = self.range_bounds(req);
                let medium = req.str("messageMedium").map(kind_of);
                let exclude_blast = req.bool("excludeBlastCampaigns");
                let mut out: Vec<Value> = self.state.outbox.iter().rev().filter(|m| {
                    let t = m["createdAt"].as_str().and_then(parse_date).unwrap_or(0);
                    m["status"] == "sent" && m["source"] != "proof" && !m["campaignId"].is_null()
                        && (email.is_some() && m["email"].as_str() == email.as_deref() || uid.is_some() && m["userId"].as_str() == uid.as_deref())
                        && (cids.is_empty() || m["campaignId"].as_i64().is_some_and(|c| cids.contains(&c)))
                        && medium.is_none_or(|k| m["channel"] == k)
                        && s.is_none_or(|s| t >= s) && e.is_none_or(|e| t < e)
                        && !(exclude_blast && m["source"] == "campaign")
                }).take(limit).map(|m| json!({"messageId": m["messageId"], "campaignId": m["campaignId"], "templateId": m["templateId"].as_i64().unwrap_or(0), "createdAt": m["createdAt"]})).collect();
                out.truncate(limit);
                R::json(200, &json!({"messages": out}))
            }
            // ------------------------------------------------------------ lists
            "create_new_list" => {
                let name = req.str("name").unwrap_or("").to_string();
                let id = self.next_id();
                self.state.lists.push(List {
                    id,
                    name,
                    description: req.str("description").map(str::to_string),
                    created_at: now,
                    list_type: "Standard".into(),
                });
                R::json(200, &json!({"listId": id}))
            }
            "list_lists" => {
                let lists: Vec<Value> = self.state.lists.iter().map(|l| {
                    let mut v = json!({"id": l.id, "name": l.name, "createdAt": l.created_at, "listType": l.list_type});
                    if let Some(d) = &l.description { v["description"] = json!(d); }
                    v
                }).collect();
                R::json(200, &json!({"lists": lists}))
            }
            "delete_list" => {
                let id = req.i64("listId").unwrap_or(0);
                if !self.list_exists(id) {
                    return R::error(400, "BadParams", format!("List {id} does not exist"));
                }
                if self.state.campaigns.iter().any(|c| {
                    matches!(
                        c.campaign_state.as_str(),
                        "Scheduled" | "Starting" | "Running" | "Recurring"
                    ) && (c.list_ids.contains(&id) || c.suppression_list_ids.contains(&id))
                }) {
                    return R::error(
                        409,
                        "BadParams",
                        format!("List {id} is used by an active campaign"),
                    );
                }
                self.state.lists.retain(|l| l.id != id);
                for u in self.state.users.iter_mut() {
                    u.email_list_ids.retain(|l| *l != id);
                }
                R::success(format!("Deleted list {id}"), Value::Null)
            }
            "get_list_size" => {
                let id = req.i64("listId").unwrap_or(0);
                if !self.list_exists(id) {
                    return R::error(400, "BadParams", format!("List {id} does not exist"));
                }
                R::new(
                    200,
                    "text/plain; charset=utf-8",
                    self.list_members(id).len().to_string(),
                )
            }
            "list_list_users" | "preview_list_users" => {
                let id = req.i64("listId").unwrap_or(0);
                if !self.list_exists(id) {
                    return R::error(400, "BadParams", format!("List {id} does not exist"));
                }
                let prefer = req.bool("preferUserId");
                let mut members = self.list_members(id);
                if req.action.id == "preview_list_users" {
                    let size = req.i64("size").unwrap_or(1000).clamp(1, 5000) as usize;
                    // a seeded random sample
                    for k in (1..members.len()).rev() {
                        let j = (splitmix(&mut self.state.rng) % (k as u64 + 1)) as usize;
                        members.swap(k, j);
                    }
                    members.truncate(size);
                }
                let lines: String = members
                    .iter()
                    .map(|&i| {
                        let u = &self.state.users[i];
                        let s = if prefer {
                            u.user_id.clone().or(u.email.clone())
                        } else {
                            u.email.clone().or(u.user_id.clone())
                        };
                        s.unwrap_or_default() + "\n"
                    })
                    .collect();
                R::new(200, "text/plain; charset=utf-8", lines)
            }
            "subscribe_to_list" | "unsubscribe_from_list" => {
                let id = req.i64("listId").unwrap_or(0);
                if !self.list_exists(id) {
                    return R::error(400, "BadParams", format!("List {id} does not exist"));
                }
                let subscribe = req.action.id == "subscribe_to_list";
                let only_existing = req.bool("updateExistingUsersOnly") || !subscribe;
                let subs = req.arr("subscribers");
                let (mut ok, mut inv_e, mut inv_u) = (0i64, vec![], vec![]);
                let mut fail: Map<String, Value> = Map::new();
                let mut push = |k: &str, v: &str| {
                    fail.entry(k)
                        .or_insert(json!([]))
                        .as_array_mut()
                        .unwrap()
                        .push(json!(v));
                };
                for s in &subs {
                    let email = s.get("email").and_then(Value::as_str);
                    let uid = s.get("userId").and_then(Value::as_str);
                    if let Some(e) = email {
                        if !valid_email(e) {
                            inv_e.push(e.to_string());
                            continue;
                        }
                    }
                    if email.is_none() && uid.is_none() {
                        continue;
                    }
                    let found = self.find_user(email, uid);
                    let i = match found {
                        Some(i) => i,
                        None if only_existing => {
                            match email {
                                Some(e) => push("notFoundEmails", e),
                                None => push("notFoundUserIds", uid.unwrap()),
                            };
                            continue;
                        }
                        None => match self.upsert_user(
                            email,
                            uid,
                            s.get("preferUserId")
                                .and_then(Value::as_bool)
                                .unwrap_or(false),
                        ) {
                            Ok(i) => i,
                            Err(e) => {
                                let code = e
                                    .json_value()
                                    .map(|v| v["code"].as_str().unwrap_or("").to_string())
                                    .unwrap_or_default();
                                match (code.as_str(), email) {
                                    ("ForgottenUserError", Some(e)) => push("forgottenEmails", e),
                                    ("ForgottenUserError", None) => {
                                        push("forgottenUserIds", uid.unwrap())
                                    }
                                    (_, Some(e)) => inv_e.push(e.to_string()),
                                    (_, None) => inv_u.push(uid.unwrap().to_string()),
                                }
                                continue;
                            }
                        },
                    };
                    if let Some(df) = s.get("dataFields").and_then(Value::as_object) {
                        if self.update_user_fields(i, df, false).is_err() {
                            push("invalidDataEmails", email.unwrap_or(""));
                            continue;
                        }
                    }
                    let u = &mut self.state.users[i];
                    if subscribe {
                        if !u.email_list_ids.contains(&id) {
                            u.email_list_ids.push(id);
                        }
                    } else {
                        u.email_list_ids.retain(|l| *l != id);
                        if req.bool("channelUnsubscribe")
                            && !u.unsubscribed_channel_ids.contains(&401)
                        {
                            u.unsubscribed_channel_ids.push(401);
                        }
                    }
                    u.updated_at = now;
                    ok += 1;
                }
                if !inv_e.is_empty() {
                    fail.insert("invalidEmails".into(), json!(inv_e));
                }
                if !inv_u.is_empty() {
                    fail.insert("invalidUserIds".into(), json!(inv_u));
                }
                R::json(
                    200,
                    &json!({"successCount": ok, "failCount": subs.len() as i64 - ok, "invalidEmails": inv_e, "invalidUserIds": inv_u, "failedUpdates": fail}),
                )
            }
            // ------------------------------------------------------------ events
            "track_event" => {
                let mut ev = req.p.clone();
                ev.remove("createNewFields");
                match self.track_one(&ev, "customEvent") {
                    Ok(()) => R::success("", Value::Null),
                    Err(e) => e,
                }
            }
            "track_events_in_bulk" => {
                let evs = req.arr("events");
                let mut ok = 0i64;
                let mut fail: Map<String, Value> = Map::new();
                let (mut inv_e, mut inv_u) = (vec![], vec![]);
                for e in &evs {
                    let Some(o) = e.as_object() else { continue };
                    if o.get("eventName")
                        .and_then(Value::as_str)
                        .is_none_or(str::is_empty)
                    {
                        continue;
                    }
                    match self.track_one(o, "customEvent") {
                        Ok(()) => ok += 1,
                        Err(err) => {
                            let code = err
                                .json_value()
                                .map(|v| v["code"].as_str().unwrap_or("").to_string())
                                .unwrap_or_default();
                            let email = o.get("email").and_then(Value::as_str);
                            let uid = o.get("userId").and_then(Value::as_str).unwrap_or("");
                            let key = match (code.as_str(), email) {
                                ("ForgottenUserError", Some(_)) => "forgottenEmails",
                                ("ForgottenUserError", None) => "forgottenUserIds",
                                ("UnknownUserIdError", _) => "notFoundUserIds",
                                (_, Some(x)) => {
                                    inv_e.push(x.to_string());
                                    "invalidEmails"
                                }
                                (_, None) => {
                                    inv_u.push(uid.to_string());
                                    "invalidUserIds"
                                }
                            };
                            fail.entry(key)
                                .or_insert(json!([]))
                                .as_array_mut()
                                .unwrap()
                                .push(json!(email.unwrap_or(uid)));
                        }
                    }
                }
                R::json(
                    200,
                    &json!({"successCount": ok, "failCount": evs.len() as i64 - ok, "invalidEmails": inv_e, "invalidUserIds": inv_u, "disallowedEventNames": [], "createdFields": [], "filteredOutFields": [], "failedUpdates": fail}),
                )
            }
            "track_purchase" | "update_shopping_cart" => {
                let user = req.obj("user");
                let email = user.get("email").and_then(Value::as_str);
                let uid = user.get("userId").and_then(Value::as_str);
                if email.is_none() && uid.is_none() {
                    return R::error(400, "BadParams", "user.email or user.userId is required");
                }
                let prefer = user
                    .get("preferUserId")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let i = match self.upsert_user(email, uid, prefer) {
                    Ok(i) => i,
                    Err(e) => return e,
                };
                if let Some(df) = user.get("dataFields").and_then(Value::as_object) {
                    let nested = user
                        .get("mergeNestedObjects")
                        .and_then(Value::as_bool)
                        .unwrap_or(false);
                    if let Err(e) = self.update_user_fields(i, df, nested) {
                        return e;
                    }
                }
                let items = req.arr("items");
                if req.action.id == "update_shopping_cart" {
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
                    let at = Self::event_time(req.p.get("createdAt"));
                    self.add_event(i, data, at);
                }
                R::success("", Value::Null)
            }
            "get_user_events" | "get_user_events_by_email" => {
                let Some(i) = self.find_user(req.str("email"), req.str("userId")) else {
                    return R::json(200, &json!({"events": []}));
                };
                let limit = req.i64("limit").unwrap_or(30).clamp(1, 200) as usize;
                let mut evs: Vec<&Event> = self.state.users[i].events.iter().collect();
                evs.sort_by_key(|e| std::cmp::Reverse(e.at));
                let out: Vec<Value> = evs
                    .into_iter()
                    .take(limit)
                    .map(|e| Value::Object(e.data.clone()))
                    .collect();
                R::json(200, &json!({"events": out}))
            }
            "track_embedded_click" => self.track_typed(req, "embeddedClick"),
            "track_embedded_received" => self.track_typed(req, "embeddedReceived"),
            "track_embedded_session" => self.track_typed(req, "embeddedSession"),
            "track_inapp_click" => self.track_typed(req, "inAppClick"),
            "track_inapp_close" => self.track_typed(req, "inAppClose"),
            "track_inapp_delivery" => self.track_typed(req, "inAppDelivery"),
            "track_inapp_open" => self.track_typed(req, "inAppOpen"),
            "track_push_open" => self.track_typed(req, "pushOpen"),
            "track_web_push_click" => self.track_typed(req, "webPushClick"),
            "consume_inapp_message" => {
                let mid = req.str("messageId").unwrap_or("").to_string();
                let r = self.track_typed(req, "inAppDelete");
                if r.status == 200 {
                    for m in self.state.outbox.iter_mut() {
                        if m["messageId"] == mid.as_str() && m["channel"] == "inApp" {
                            m["consumed"] = json!(true);
                        }
                    }
                }
                r
            }
            // ------------------------------------------------------------ in-app / embedded
            "get_inapp_messages" | "get_web_inapp_messages" | "get_priority_inapp_message" => {
                let Some(i) = self.find_user(req.str("email"), req.str("userId")) else {
                    return R::json(200, &json!({"inAppMessages": []}));
                };
                let (email, uid) = self.user_ref_of(i);
                let count = if req.action.id == "get_priority_inapp_message" {
                    1
                } else {
                    req.i64("count").unwrap_or(10).max(0) as usize
                };
                let msgs: Vec<Value> = self.state.outbox.iter().rev().filter(|m| {
                    m["channel"] == "inApp" && m["status"] == "sent" && m["consumed"] != true
                        && (email.is_some() && m["email"].as_str() == email.as_deref() || uid.is_some() && m["userId"].as_str() == uid.as_deref())
                }).take(count).map(|m| json!({
                    "messageId": m["messageId"], "campaignId": m["campaignId"].as_i64().unwrap_or(0), "createdAt": m["createdAt"],
                    "content": {"html": m["content"]["html"].as_str().unwrap_or(""), "inAppDisplaySettings": {"shouldAnimate": false}, "webInAppDisplaySettings": {"position": "Center"}},
                    "customPayload": m["content"]["payload"].as_object().cloned().unwrap_or_default(),
                    "trigger": {"type": "immediate"}, "saveToInbox": false, "jsonOnly": false,
                    "messageType": "Mobile", "typeOfContent": "Static", "priorityLevel": 300.5, "read": false,
                })).collect();
                R::json(200, &json!({"inAppMessages": msgs}))
            }
            "get_embedded_messages" => {
                let Some(i) = self.find_user(req.str("email"), req.str("userId")) else {
                    return R::json(200, &json!({"placements": []}));
                };
                let (email, uid) = self.user_ref_of(i);
                let want = req.ids("placementIds");
                let mut placements: Vec<(i64, Vec<Value>)> = Vec::new();
                for m in self.state.outbox.iter().filter(|m| {
                    m["channel"] == "embedded"
                        && m["status"] == "sent"
                        && (email.is_some() && m["email"].as_str() == email.as_deref()
                            || uid.is_some() && m["userId"].as_str() == uid.as_deref())
                }) {
                    let pid = m["templateId"]
                        .as_i64()
                        .and_then(|t| self.template(t))
                        .and_then(|t| t.fields.get("placementId").and_then(Value::as_i64))
                        .unwrap_or(0);
                    if !want.is_empty() && !want.contains(&pid) {
                        continue;
                    }
                    let em = json!({"metadata": {"messageId": m["messageId"], "campaignId": m["campaignId"], "placementId": pid},
                                    "elements": {"title": m["content"]["title"], "body": m["content"]["body"]},
                                    "payload": m["content"]["payload"].as_object().cloned().unwrap_or_default()});
                    match placements.iter_mut().find(|(p, _)| *p == pid) {
                        Some((_, v)) => v.push(em),
                        None => placements.push((pid, vec![em])),
                    }
                }
                let out: Vec<Value> = placements
                    .into_iter()
                    .map(|(p, v)| json!({"placementId": p, "embeddedMessages": v}))
                    .collect();
                R::json(200, &json!({"placements": out}))
            }
            // ------------------------------------------------------------ messages
            "send_email_to_target" => self.send_to_target(req, "email"),
            "send_push_to_target" => self.send_to_target(req, "push"),
            "send_sms_to_target" => self.send_to_target(req, "sms"),
            "send_inapp_notification_to_target" => self.send_to_target(req, "inApp"),
            "send_web_push_to_target" => self.send_to_target(req, "webPush"),
            "send_whatsapp_to_target" => self.send_to_target(req, "whatsApp"),
            "cancel_email" => self.cancel_scheduled(req, "email"),
            "cancel_push" => self.cancel_scheduled(req, "push"),
            "cancel_sms" => self.cancel_scheduled(req, "sms"),
            "cancel_inapp_message" => self.cancel_scheduled(req, "inApp"),
            "cancel_web_push" => self.cancel_scheduled(req, "webPush"),
            "cancel_whatsapp" => self.cancel_scheduled(req, "whatsApp"),
            "view_email_in_browser" => {
                let mid = req.str("messageId").unwrap_or("");
                let hit = self.state.outbox.iter().find(|m| {
                    m["messageId"] == mid
                        && m["channel"] == "email"
                        && (req.str("email").is_none_or(|e| m["email"] == e)
                            && req
                                .str("userId")
                                .is_none_or(|u| m["userId"].is_null() || m["userId"] == u))
                });
                match hit {
                    Some(m) => R::new(
                        200,
                        "text/html; charset=utf-8",
                        m["content"]["html"].as_str().unwrap_or("").to_string(),
                    ),
                    None => R::error(404, "NotFound", "Message not found"),
                }
            }
            // ------------------------------------------------------------ templates
            "upsert_email_template" => self.upsert_template(req, "Email", true),
            "upsert_push_template" => self.upsert_template(req, "Push", true),
            "upsert_sms_template" => self.upsert_template(req, "SMS", true),
            "upsert_inapp_template" => self.upsert_template(req, "InApp", true),
            "upsert_embedded_template" => self.upsert_template(req, "Embedded", true),
            "update_email_template" => self.upsert_template(req, "Email", false),
            "update_push_template" => self.upsert_template(req, "Push", false),
            "update_sms_template" => self.upsert_template(req, "SMS", false),
            "update_inapp_template" => self.upsert_template(req, "InApp", false),
            "update_embedded_template" => self.upsert_template(req, "Embedded", false),
            "get_email_template_by_id" => self.get_template(req, "Email"),
            "get_push_template_by_id" => self.get_template(req, "Push"),
            "get_sms_template" => self.get_template(req, "SMS"),
            "get_inapp_template_by_id" => self.get_template(req, "InApp"),
            "get_embedded_template" => self.get_template(req, "Embedded"),
            "preview_email_template" => self.preview(req, "Email"),
            "preview_inapp_template" => self.preview(req, "InApp"),
            "send_email_template_proof" => self.proof(req, "email"),
            "send_push_template_proof" => self.proof(req, "push"),
            "send_sms_template_proof" => self.proof(req, "sms"),
            "send_inapp_template_proof" => self.proof(req, "inApp"),
            "get_template_by_client_template_id" => {
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
                R::json(200, &json!({"templates": ts}))
            }
            "list_all_templates" => {
                let ty = req.str("templateType");
                let medium = req.str("messageMedium");
                let (s, e) = (
                    req.str("startDateTime").and_then(parse_date),
                    req.str("endDateTime").and_then(parse_date),
                );
                let mut ts: Vec<Value> = self
                    .state
                    .templates
                    .iter()
                    .filter(|t| {
                        ty.is_none_or(|x| t.template_type == x)
                            && medium.is_none_or(|m| t.medium.eq_ignore_ascii_case(m))
                            && s.is_none_or(|s| t.created_at >= s)
                            && e.is_none_or(|e| t.created_at < e)
                    })
                    .map(|t| self.template_summary(t))
                    .collect();
                sort_by_field(&mut ts, req.str("sort"));
                let total = ts.len();
                let (page, links) = paginate(req, &ts, 20, 1000);
                let mut out = json!({"templates": page, "totalTemplatesCount": total});
                for (k, v) in links {
                    out[k] = v;
                }
                R::json(200, &out)
            }
            "bulk_delete_templates" => {
                let ids = req.ids("ids");
                let missing: Vec<i64> = ids
                    .iter()
                    .copied()
                    .filter(|id| self.template(*id).is_none())
                    .collect();
                if !missing.is_empty() {
                    return R::error(
                        400,
                        "BadParams",
                        format!("Templates not found: {missing:?}"),
                    );
                }
                self.state
                    .templates
                    .retain(|t| !ids.contains(&t.template_id));
                R::success(
                    format!("Deleted {} templates", ids.len()),
                    json!({"deletedIds": ids}),
                )
            }
            // ------------------------------------------------------------ campaigns
            "create_new_campaign" => {
                let tid = req.i64("templateId").unwrap_or(0);
                let Some(t) = self.template(tid).cloned() else {
                    return R::error(400, "BadParams", format!("Template {tid} does not exist"));
                };
                let lists = req.ids("listIds");
                // Without listIds Iterable creates a triggered campaign (inactive until activated).
                let triggered = !req.p.contains_key("listIds");
                if lists.is_empty() && !triggered {
                    return R::error(400, "BadParams", "listIds must not be empty");
                }
                if let Some(bad) = lists
                    .iter()
                    .chain(req.ids("suppressionListIds").iter())
                    .find(|l| !self.list_exists(**l))
                {
                    return R::error(400, "BadParams", format!("List {bad} does not exist"));
                }
                let send_at = req.str("sendAt").and_then(parse_date);
                if req.str("sendAt").is_some() && send_at.is_none() {
                    return R::error(400, "BadParams", "Invalid sendAt");
                }
                let scheduled = !triggered
                    && send_at.is_some()
                    && req
                        .p
                        .get("scheduleSend")
                        .and_then(Value::as_bool)
                        .unwrap_or(true);
                let id = self.next_id();
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
                R::json(200, &json!({"campaignId": id}))
            }
            "get_campaign_by_id" => {
                let id = req.i64("id").unwrap_or(0);
                match self.state.campaigns.iter().find(|c| c.id == id) {
                    Some(c) => R::json(200, &Self::campaign_json(c)),
                    None => R::error(404, "NotFound", format!("Campaign {id} not found")),
                }
            }
            "list_all_campaigns" | "list_recurring_campaign_child_campaigns" => {
                let parent = if req.action.id == "list_recurring_campaign_child_campaigns" {
                    let id = req.i64("id").unwrap_or(0);
                    if !self.state.campaigns.iter().any(|c| {
                        c.id == id && c.campaign_state == "Recurring"
                            || c.recurring_campaign_id == Some(id)
                    }) {
                        return R::error(
                            400,
                            "BadParams",
                            format!("Campaign {id} is not a recurring campaign"),
                        );
                    }
                    Some(id)
                } else {
                    None
                };
                let states: Vec<String> = req
                    .arr("campaignState")
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect();
                let mut cs: Vec<Value> = self
                    .state
                    .campaigns
                    .iter()
                    .filter(|c| {
                        parent.is_none_or(|p| c.recurring_campaign_id == Some(p))
                            && (states.is_empty() || states.contains(&c.campaign_state))
                    })
                    .map(Self::campaign_json)
                    .collect();
                sort_by_field(&mut cs, req.str("sort"));
                let total = cs.len();
                let (page, links) = paginate(req, &cs, 20, 1000);
                let mut out = json!({"campaigns": page, "totalCampaignsCount": total});
                for (k, v) in links {
                    out[k] = v;
                }
                R::json(200, &out)
            }
            "abort_campaign"
            | "cancel_campaign"
            | "activate_triggered_campaign"
            | "deactivate_triggered_campaign"
            | "send_campaign"
            | "schedule_campaign" => {
                let id = req.i64("campaignId").unwrap_or(0);
                let ci = match self.campaign_idx(id) {
                    Ok(i) => i,
                    Err(e) => return e,
                };
                let c = self.state.campaigns[ci].clone();
                let st = c.campaign_state.as_str();
                let (next, msg): (&str, String) = match req.action.id.as_str() {
                    "abort_campaign" => match st {
                        "Running" | "Starting" => ("Aborted", format!("Aborted campaign {id}")),
                        _ => return R::error(400, "BadParams", format!("Campaign {id} cannot be aborted: it is {st}; only a running campaign can be aborted")),
                    },
                    "cancel_campaign" => match st {
                        "Scheduled" => ("Draft", format!("Cancelled scheduled campaign {id}")),
                        "Recurring" => ("Finished", format!("Cancelled recurring campaign {id}")),
                        _ => return R::error(400, "BadParams", format!("Campaign {id} cannot be cancelled: it is {st}; only a scheduled or recurring campaign can be cancelled")),
                    },
                    "activate_triggered_campaign" | "deactivate_triggered_campaign" => {
                        if c.campaign_type != "Triggered" {
                            return R::error(400, "BadParams", format!("Campaign {id} is not a triggered campaign"));
                        }
                        if req.action.id == "activate_triggered_campaign" { ("Running", format!("Activated campaign {id}")) } else { ("Ready", format!("Deactivated campaign {id}")) }
                    }
                    "send_campaign" => match (c.campaign_type.as_str(), st) {
                        ("Blast", "Draft" | "Ready" | "Scheduled") => ("Starting", format!("Sending campaign {id}")),
                        ("Blast", "Recurring") => {
                            let child = self.next_id();
                            let mut cc = c.clone();
                            cc.id = child; cc.recurring_campaign_id = Some(id); cc.campaign_state = "Starting".into();
                            cc.name = format!("{} ({})", c.name, iso(now)); cc.created_at = now; cc.updated_at = now; cc.start_at = Some(now); cc.send_at = None;
                            self.state.campaigns.push(cc);
                            return R::success(format!("Started child campaign {child}"), json!({"campaignId": child}));
                        }
                        _ => return R::error(400, "BadParams", format!("Campaign {id} cannot be sent: it is {st}")),
                    },
                    _ => {
                        let Some(at) = req.str("sendAt").and_then(parse_date) else { return R::error(400, "BadParams", "Invalid sendAt") };
                        match (c.campaign_type.as_str(), st) {
                            ("Blast", "Draft" | "Ready" | "Scheduled") => {
                                self.state.campaigns[ci].send_at = Some(at);
                                ("Scheduled", format!("Scheduled campaign {id} for {}", iso(at)))
                            }
                            _ => return R::error(400, "BadParams", format!("Campaign {id} cannot be scheduled: it is {st}")),
                        }
                    }
                };
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
                R::success(msg, Value::Null)
            }
            "trigger_campaign" => {
                let id = req.i64("campaignId").unwrap_or(0);
                let c = match self.active_triggered(id) {
                    Ok(c) => c,
                    Err(e) => return e,
                };
                let lists = req.ids("listIds");
                if let Some(bad) = lists.iter().find(|l| !self.list_exists(**l)) {
                    return R::error(400, "BadParams", format!("List {bad} does not exist"));
                }
                let supp = req.ids("suppressionListIds");
                let mut rec: Vec<usize> = Vec::new();
                for l in &lists {
                    for i in self.list_members(*l) {
                        if !rec.contains(&i) {
                            rec.push(i);
                        }
                    }
                }
                rec.retain(|&i| {
                    !supp
                        .iter()
                        .any(|s| self.state.users[i].email_list_ids.contains(s))
                });
                let data = req.obj("dataFields");
                for i in rec {
                    let r = self.user_ref_of(i);
                    self.send_message(
                        kind_of(&c.message_medium),
                        "trigger",
                        Some(id),
                        c.template_id,
                        Some(i),
                        r,
                        &data,
                        None,
                        None,
                    );
                }
                R::success("", Value::Null)
            }
            "archive_campaigns" => {
                let ids = req.ids("campaignIds");
                let (mut done, mut failed) = (vec![], vec![]);
                for id in ids {
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
                R::success(
                    format!("Archived {} campaigns", done.len()),
                    json!({"archivedCampaignIds": done, "failedCampaignIds": failed}),
                )
            }
            "get_campaign_metrics" | "get_experiment_metrics" => {
                let ids = req.ids("campaignId");
                let (s, e) = self.range_bounds(req);
                let mut rows = String::new();
                let exp = req.action.id == "get_experiment_metrics";
                rows.push_str(if exp { "experimentId,campaignId,Total Sends,Total Opens,Total Clicks,Purchases,Revenue\n" } else { "id,Total Sends,Total Opens,Total Clicks,Purchases,Revenue\n" });
                let ids: Vec<(i64, i64)> = if exp {
                    let exps = req.ids("experimentId");
                    let cids = if ids.is_empty() { vec![0] } else { ids.clone() };
                    exps.iter()
                        .flat_map(|x| cids.iter().map(move |c| (*x, *c)))
                        .collect()
                } else {
                    ids.iter().map(|c| (0, *c)).collect()
                };
                for (x, id) in ids {
                    let in_r = |t: i64| s.is_none_or(|s| t >= s) && e.is_none_or(|e| t < e);
                    let sends = self
                        .state
                        .outbox
                        .iter()
                        .filter(|m| {
                            m["campaignId"].as_i64() == Some(id)
                                && m["status"] == "sent"
                                && m["createdAt"]
                                    .as_str()
                                    .and_then(parse_date)
                                    .is_some_and(in_r)
                        })
                        .count();
                    let evs: Vec<&Event> = self
                        .state
                        .users
                        .iter()
                        .flat_map(|u| u.events.iter())
                        .filter(|ev| {
                            ev.data.get("campaignId").and_then(Value::as_i64) == Some(id)
                                && in_r(ev.at)
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
                        .filter(|ev| {
                            ev.data.get("eventType").and_then(Value::as_str) == Some("purchase")
                        })
                        .filter_map(|ev| ev.data.get("total").and_then(Value::as_f64))
                        .sum();
                    let prefix = if exp { format!("{x},") } else { String::new() };
                    rows.push_str(&format!(
                        "{prefix}{id},{sends},{},{},{},{revenue}\n",
                        kind("open"),
                        kind("click"),
                        kind("purchase")
                    ));
                }
                R::new(200, "text/csv; charset=utf-8", rows)
            }
            // ------------------------------------------------------------ journeys, webhooks, channels
            "list_journeys" => {
                let states: Vec<String> = req
                    .arr("state")
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect();
                let mut js: Vec<Value> = self
                    .state
                    .journeys
                    .iter()
                    .filter(|j| {
                        let st = if j["isArchived"] == true {
                            "Archived"
                        } else if j["enabled"] == true {
                            "Published"
                        } else {
                            "Draft"
                        };
                        if states.is_empty() {
                            st != "Archived"
                        } else {
                            states.iter().any(|s| s == st)
                        }
                    })
                    .cloned()
                    .collect();
                sort_by_field(&mut js, req.str("sort"));
                let total = js.len();
                let (page, links) = paginate(req, &js, 10, 50);
                let mut out = json!({"journeys": page, "totalJourneysCount": total});
                for (k, v) in links {
                    out[k] = v;
                }
                R::json(200, &out)
            }
            "trigger_journey" => {
                let wid = req.i64("workflowId").unwrap_or(0);
                let Some(j) = self
                    .state
                    .journeys
                    .iter()
                    .find(|j| j["id"].as_i64() == Some(wid))
                    .cloned()
                else {
                    return R::error(400, "BadParams", format!("Journey {wid} does not exist"));
                };
                if j["enabled"] != true {
                    return R::error(400, "BadParams", format!("Journey {wid} is not published"));
                }
                let users: Vec<usize> = if let Some(l) = req.i64("listId") {
                    if !self.list_exists(l) {
                        return R::error(400, "BadParams", format!("List {l} does not exist"));
                    }
                    self.list_members(l)
                } else {
                    match self.upsert_user(req.str("email"), req.str("userId"), false) {
                        Ok(i) => vec![i],
                        Err(e) => return e,
                    }
                };
                let mut data = req.obj("dataFields");
                data.insert("workflowId".into(), json!(wid));
                for i in users {
                    let r = self.user_ref_of(i);
                    self.send_message(
                        "journey",
                        "journey",
                        None,
                        None,
                        Some(i),
                        r,
                        &data,
                        None,
                        None,
                    );
                }
                R::success("", Value::Null)
            }
            "list_webhooks" => R::json(200, &json!({"webhooks": self.state.webhooks})),
            "update_webhook" => {
                let id = req.i64("id").unwrap_or(0);
                let Some(w) = self
                    .state
                    .webhooks
                    .iter_mut()
                    .find(|w| w["id"].as_i64() == Some(id))
                else {
                    return R::error(400, "BadParams", format!("Webhook {id} does not exist"));
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
                R::json(200, &out)
            }
            "list_channels" => R::json(200, &json!({"channels": self.state.channels})),
            "list_message_types" => {
                R::json(200, &json!({"messageTypes": self.state.message_types}))
            }
            // ------------------------------------------------------------ catalogs
            "create_catalog" => {
                let name = req.str("catalogName").unwrap_or("").to_string();
                if name.is_empty()
                    || name.len() > 255
                    || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                {
                    return R::error(
                        400,
                        "BadParams",
                        "Catalog names may only contain letters, digits and dashes (at most 255)",
                    );
                }
                if self.state.catalogs.contains_key(&name) {
                    return R::error(400, "BadParams", format!("Catalog {name} already exists"));
                }
                self.state.catalogs.insert(
                    name.clone(),
                    Catalog {
                        created_at: now,
                        ..Default::default()
                    },
                );
                let id = self.next_id();
                R::json(
                    201,
                    &json!({"msg": "", "code": "Success", "params": {"id": id, "name": name, "url": format!("/api/catalogs/{name}")}}),
                )
            }
            "delete_catalog" => {
                let name = req.str("catalogName").unwrap_or("");
                if self.state.catalogs.remove(name).is_none() {
                    return R::error(404, "NotFound", format!("Catalog {name} not found"));
                }
                R::success(format!("Deleted catalog {name}"), Value::Null)
            }
            "list_catalogs" => {
                let names: Vec<Value> = self
                    .state
                    .catalogs
                    .keys()
                    .map(|n| json!({"name": n}))
                    .collect();
                let total = names.len();
                let (page, links) = paginate(req, &names, 10, 1000);
                let mut inner = json!({"catalogNames": page, "totalCatalogsCount": total});
                for (k, v) in links {
                    inner[k] = v;
                }
                R::json(200, &enveloped(inner))
            }
            "create_catalog_items"
            | "replace_catalog_item"
            | "update_catalog_item"
            | "delete_catalog_item"
            | "delete_catalog_items"
            | "list_catalog_items"
            | "get_catalog_item_by_id"
            | "get_catalog_field_mappings"
            | "update_catalog_field_mappings" => self.catalog_op(req),
            // ------------------------------------------------------------ snippets
            "create_snippet" => {
                let name = req.str("name").unwrap_or("").to_string();
                if self
                    .state
                    .snippets
                    .iter()
                    .any(|s| s["name"] == name.as_str())
                {
                    return R::error(
                        400,
                        "BadParams",
                        format!("A snippet named {name} already exists"),
                    );
                }
                let id = self.next_id();
                let by = req.str("createdByUserId").unwrap_or("api@example.com");
                self.state.snippets.push(json!({"id": id, "name": name, "content": req.str("content"), "description": req.str("description").unwrap_or(""),
                    "variables": req.arr("variables"), "createdAt": iso(now), "updatedAt": iso(now), "createdBy": by, "updatedBy": by, "projectId": 1}));
                R::json(201, &json!({"snippetId": id}))
            }
            "get_snippet_by_id_or_name" | "update_snippet_by_id_or_name" | "delete_snippet" => {
                let ident = req.str("identifier").unwrap_or("").to_string();
                let pos = self.state.snippets.iter().position(|s| {
                    s["name"] == ident.as_str()
                        || ident
                            .parse::<i64>()
                            .ok()
                            .is_some_and(|n| s["id"].as_i64() == Some(n))
                });
                let Some(i) = pos else {
                    return R::error(404, "NotFound", format!("Snippet {ident} not found"));
                };
                match req.action.id.as_str() {
                    "get_snippet_by_id_or_name" => {
                        R::json(200, &json!({"snippet": self.state.snippets[i]}))
                    }
                    "delete_snippet" => {
                        let s = self.state.snippets.remove(i);
                        R::json(200, &json!({"snippetId": s["id"]}))
                    }
                    _ => {
                        let s = &mut self.state.snippets[i];
                        for k in ["content", "description", "variables"] {
                            if let Some(v) = req.p.get(k) {
                                s[k] = v.clone();
                            }
                        }
                        if let Some(b) = req.str("createdByUserId") {
                            s["updatedBy"] = json!(b);
                        }
                        s["updatedAt"] = json!(iso(now));
                        R::json(200, &json!({"snippetId": s["id"]}))
                    }
                }
            }
            "list_snippets" => R::json(200, &json!({"snippets": self.state.snippets})),
            // ------------------------------------------------------------ metadata
            "list_metadata_tables" => {
                let t: Vec<Value> = self
                    .state
                    .metadata
                    .keys()
                    .map(|n| json!({"name": n}))
                    .collect();
                R::json(200, &json!({"results": t}))
            }
            "list_metadata_keys" => {
                let table = req.str("table").unwrap_or("");
                let Some(t) = self.state.metadata.get(table) else {
                    return R::error(404, "NotFound", format!("Table {table} not found"));
                };
                let after = req.str("nextMarker");
                const PAGE: usize = 100;
                let keys: Vec<(&String, &MetadataItem)> = t
                    .iter()
                    .filter(|(k, _)| after.is_none_or(|a| k.as_str() > a))
                    .collect();
                let page: Vec<Value> = keys.iter().take(PAGE).map(|(k, m)| json!({"key": k, "table": table, "lastModified": m.last_modified, "size": Value::Object(m.value.clone()).to_string().len()})).collect();
                let mut out = json!({"results": page});
                if keys.len() > PAGE {
                    out["nextMarker"] = json!(keys[PAGE - 1].0);
                }
                R::json(200, &out)
            }
            "replace_metadata_item" => {
                let (table, key) = (
                    req.str("table").unwrap_or("").to_string(),
                    req.str("key").unwrap_or("").to_string(),
                );
                let value = req.obj("value");
                if Value::Object(value.clone()).to_string().len() > 30 * 1024 {
                    return R::error(400, "BadParams", "Metadata values are limited to 30 KB");
                }
                self.state.metadata.entry(table).or_default().insert(
                    key,
                    MetadataItem {
                        value,
                        last_modified: now,
                    },
                );
                R::success("", Value::Null)
            }
            "get_metadata_item" => {
                let (table, key) = (req.str("table").unwrap_or(""), req.str("key").unwrap_or(""));
                match self.state.metadata.get(table).and_then(|t| t.get(key)) {
                    Some(m) => R::json(
                        200,
                        &json!({"table": table, "key": key, "value": m.value, "lastModified": m.last_modified, "size": Value::Object(m.value.clone()).to_string().len()}),
                    ),
                    None => R::error(
                        404,
                        "NotFound",
                        format!("Key {key} not found in table {table}"),
                    ),
                }
            }
            "delete_metadata_item" => {
                let (table, key) = (req.str("table").unwrap_or(""), req.str("key").unwrap_or(""));
                match self
                    .state
                    .metadata
                    .get_mut(table)
                    .and_then(|t| t.remove(key))
                {
                    Some(_) => R::success("", Value::Null),
                    None => R::error(
                        404,
                        "NotFound",
                        format!("Key {key} not found in table {table}"),
                    ),
                }
            }
            "delete_metadata_table" => {
                let table = req.str("table").unwrap_or("");
                match self.state.metadata.remove(table) {
                    Some(_) => R::success("", Value::Null),
                    None => R::error(404, "NotFound", format!("Table {table} not found")),
                }
            }
            // ------------------------------------------------------------ exports
            "start_export" => {
                let dt = req.str("dataTypeName").unwrap_or("").to_string();
                let fmt = req.str("outputFormat").unwrap_or("text/csv").to_string();
                if !matches!(fmt.as_str(), "text/csv" | "application/x-json-stream") {
                    return R::error(400, "BadParams", format!("Unsupported outputFormat {fmt}"));
                }
                let running = self
                    .state
                    .exports
                    .iter()
                    .filter(|j| matches!(j.job_state.as_str(), "enqueued" | "running"))
                    .count();
                if running >= 4 {
                    return R::error(400, "BadParams", "At most 4 exports may run at once");
                }
                let (s, e) = self.range_bounds(req);
                let mut rows = self.export_rows(&dt, s, e, req.i64("campaignId"));
                Self::shape_rows(&mut rows, req);
                let csv = fmt == "text/csv";
                let content = if csv {
                    Self::csv(&rows, req.str("delimiter").unwrap_or(","))
                } else {
                    Self::jsonl(&rows)
                };
                let id = self.next_id();
                self.state.exports.push(ExportJob {
                    id,
                    data_type_name: dt,
                    output_format: fmt,
                    job_state: "enqueued".into(),
                    created_at: now,
                    ended_at: None,
                    file_name: format!("file-{}-{id}.{}", now, if csv { "csv" } else { "json" }),
                    content,
                    records: rows.len() as i64,
                });
                R::json(200, &json!({"jobId": id}))
            }
            "list_export_jobs" => {
                let want = req.str("jobState").map(str::to_lowercase);
                let jobs: Vec<Value> = self.state.exports.iter().filter(|j| want.as_deref().is_none_or(|w| j.job_state == w)).map(|j| {
                    let mut v = json!({"id": j.id, "dataTypeName": j.data_type_name, "jobState": j.job_state, "scheduledStartTime": iso(j.created_at), "bytesExported": if j.job_state == "completed" { j.content.len() } else { 0 }});
                    if let Some(t) = j.ended_at { v["endTime"] = json!(iso(t)); }
                    v
                }).collect();
                R::json(200, &json!({"jobs": jobs}))
            }
            "list_export_files" => {
                let id = req.i64("jobId").unwrap_or(0);
                let Some(j) = self.state.exports.iter().find(|j| j.id == id) else {
                    return R::error(404, "NotFound", format!("Export job {id} not found"));
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
                R::json(
                    200,
                    &json!({"jobId": id, "jobState": state, "exportTruncated": false, "files": files}),
                )
            }
            "cancel_export" => {
                let id = req.i64("jobId").unwrap_or(0);
                let Some(j) = self.state.exports.iter_mut().find(|j| j.id == id) else {
                    return R::error(404, "NotFound", format!("Export job {id} not found"));
                };
                if !matches!(j.job_state.as_str(), "enqueued" | "running") {
                    return R::error(
                        400,
                        "BadParams",
                        format!("Export job {id} is {} and cannot be cancelled", j.job_state),
                    );
                }
                j.job_state = "cancelling".into();
                j.ended_at = Some(now);
                R::success(format!("Cancelled export job {id}"), Value::Null)
            }
            "export_data_to_csv" | "export_campaign_data_to_json" => {
                let dt = req.str("dataTypeName").unwrap_or("");
                let (s, e) = self.range_bounds(req);
                let mut rows = self.export_rows(dt, s, e, req.i64("campaignId"));
                Self::shape_rows(&mut rows, req);
                if req.action.id == "export_data_to_csv" {
                    R::new(
                        200,
                        "text/csv; charset=utf-8",
                        Self::csv(&rows, req.str("delimiter").unwrap_or(",")),
                    )
                } else {
                    R::new(200, "application/x-json-stream", Self::jsonl(&rows))
                }
            }
            "export_user_events" => {
                let Some(i) = self.find_user(req.str("email"), req.str("userId")) else {
                    return R::new(200, "application/x-json-stream", String::new());
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
                        custom
                            || e.data.get("eventType").and_then(Value::as_str)
                                != Some("customEvent")
                    })
                    .collect();
                evs.sort_by_key(|e| e.at);
                let rows: Vec<Map<String, Value>> =
                    evs.into_iter().map(|e| e.data.clone()).collect();
                R::new(200, "application/x-json-stream", Self::jsonl(&rows))
            }
            // ------------------------------------------------------------ verify
            "begin_sms_verification" => {
                let phone = req.str("phoneNumber").unwrap_or("").to_string();
                if !phone.starts_with('+') || phone.len() < 8 {
                    return R::error(400, "BadParams", "phoneNumber must be in E.164 format");
                }
                let code = format!("{:06}", splitmix(&mut self.state.rng) % 1_000_000);
                let profile = req.i64("verificationProfileId").unwrap_or(0);
                self.state.verifications.insert(
                    phone.clone(),
                    json!({"code": code, "verificationProfileId": profile}),
                );
                let mut data = Map::new();
                data.insert("phoneNumber".into(), json!(phone));
                data.insert("code".into(), json!(code));
                self.send_message(
                    "sms",
                    "verification",
                    None,
                    None,
                    None,
                    (None, None),
                    &data,
                    None,
                    None,
                );
                R::success("Verification started", Value::Null)
            }
            "verify_sms_code" => {
                let phone = req.str("phoneNumber").unwrap_or("");
                let code = req.str("code").unwrap_or("");
                let profile = req.i64("verificationProfileId").unwrap_or(0);
                let ok = self.state.verifications.get(phone).is_some_and(|v| {
                    v["code"] == code && v["verificationProfileId"].as_i64() == Some(profile)
                });
                if ok {
                    self.state.verifications.remove(phone);
                }
                R::success(
                    "",
                    json!({"status": if ok { "verified" } else { "rejected" }}),
                )
            }
            other => R::error(404, "NotFound", format!("Action {other} is not emulated")),
        }
    }

    fn subscription_change(
        &mut self,
        req: &Req,
        email: Option<&str>,
        uid: Option<&str>,
        subscribe: bool,
    ) -> Result<(), R> {
        let group = req.str("subscriptionGroup").unwrap_or("");
        let gid = req.i64("subscriptionGroupId").unwrap_or(0);
        let valid_group = match group {
            "emailList" => self.list_exists(gid),
            "messageType" => self
                .state
                .message_types
                .iter()
                .any(|m| m["id"].as_i64() == Some(gid)),
            "messageChannel" => self
                .state
                .channels
                .iter()
                .any(|c| c["id"].as_i64() == Some(gid)),
            _ => {
                return Err(R::error(
                    400,
                    "BadParams",
                    "subscriptionGroup must be emailList, messageType or messageChannel",
                ))
            }
        };
        if !valid_group {
            return Err(R::error(
                404,
                "NotFound",
                format!("{group} {gid} not found"),
            ));
        }
        let i = match self.find_user(email, uid) {
            Some(i) => i,
            None if uid.is_some() && email.is_none() => {
                return Err(R::error(404, "NotFound", "User not found"))
            }
            None => self.upsert_user(email, uid, false)?,
        };
        if let Some(e) = self.forgotten_error(email, uid) {
            return Err(e);
        }
        let opt_in = self
            .state
            .message_types
            .iter()
            .any(|m| m["id"].as_i64() == Some(gid) && m["subscriptionPolicy"] == "OptIn");
        let u = &mut self.state.users[i];
        let set = |v: &mut Vec<i64>, add: bool| {
            v.retain(|x| *x != gid);
            if add {
                v.push(gid);
            }
        };
        match group {
            "emailList" => set(&mut u.email_list_ids, subscribe),
            "messageChannel" => set(&mut u.unsubscribed_channel_ids, !subscribe),
            _ => {
                if opt_in {
                    set(&mut u.subscribed_message_type_ids, subscribe);
                }
                set(&mut u.unsubscribed_message_type_ids, !subscribe);
            }
        }
        u.updated_at = self.state.clock;
        Ok(())
    }

    fn catalog_op(&mut self, req: &Req) -> R {
        let now = self.now();
        let name = req.str("catalogName").unwrap_or("").to_string();
        let Some(cat) = self.state.catalogs.get_mut(&name) else {
            return R::error(404, "NotFound", format!("Catalog {name} not found"));
        };
        let accepted = |msg: String| {
            R::json(
                202,
                &json!({"msg": msg, "code": "Success", "params": Value::Null}),
            )
        };
        let check_value = |v: &Map<String, Value>| -> Result<(), R> {
            fn dotted(m: &Map<String, Value>) -> bool {
                m.iter()
                    .any(|(k, v)| k.contains('.') || v.as_object().is_some_and(dotted))
            }
            if dotted(v) {
                return Err(R::error(
                    400,
                    "BadParams",
                    "Field names may not contain '.'",
                ));
            }
            if Value::Object(v.clone()).to_string().len() > 30 * 1024 {
                return Err(R::error(
                    400,
                    "BadParams",
                    "A catalog item is limited to 30 KB",
                ));
            }
            Ok(())
        };
        let valid_id = |id: &str| {
            !id.is_empty()
                && id.len() <= 255
                && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        let item_json = |name: &str, id: &str, it: &CatalogItem| json!({"catalogName": name, "itemId": id, "value": it.value, "lastModified": it.last_modified, "size": Value::Object(it.value.clone()).to_string().len()});
        match req.action.id.as_str() {
            "create_catalog_items" => {
                let docs = req.obj("documents");
                if docs.len() > 1000 {
                    return R::error(400, "BatchTooLarge", "At most 1000 items per request");
                }
                for (id, v) in &docs {
                    if !valid_id(id) {
                        return R::error(400, "BadParams", format!("Invalid item id {id}"));
                    }
                    let Some(o) = v.as_object() else {
                        return R::error(
                            400,
                            "BadJsonBody",
                            format!("Item {id} must be an object"),
                        );
                    };
                    if let Err(e) = check_value(o) {
                        return e;
                    }
                }
                let only = req.bool("replaceUploadedFieldsOnly");
                for (id, v) in docs {
                    let o = v.as_object().cloned().unwrap_or_default();
                    let it = cat.items.entry(id).or_default();
                    if only {
                        for (k, x) in o {
                            it.value.insert(k, x);
                        }
                    } else {
                        it.value = o;
                    }
                    it.last_modified = now;
                }
                accepted("Request to create catalog items accepted".into())
            }
            "replace_catalog_item" | "update_catalog_item" => {
                let id = req.str("itemId").unwrap_or("").to_string();
                if !valid_id(&id) {
                    return R::error(400, "BadParams", format!("Invalid item id {id}"));
                }
                let replace = req.action.id == "replace_catalog_item";
                let v = req.obj(if replace { "value" } else { "update" });
                if let Err(e) = check_value(&v) {
                    return e;
                }
                let it = cat.items.entry(id.clone()).or_default();
                if replace {
                    it.value = v;
                } else {
                    deep_merge(&mut it.value, &v, false);
                }
                it.last_modified = now;
                accepted(format!(
                    "Request to {} catalog item {id} accepted",
                    if replace { "replace" } else { "update" }
                ))
            }
            "delete_catalog_item" => {
                let id = req.str("itemId").unwrap_or("");
                if cat.items.remove(id).is_none() {
                    return R::error(
                        404,
                        "NotFound",
                        format!("Item {id} not found in catalog {name}"),
                    );
                }
                accepted(format!("Request to delete catalog item {id} accepted"))
            }
            "delete_catalog_items" => {
                let ids: Vec<String> = req
                    .arr("itemIds")
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect();
                for id in &ids {
                    cat.items.remove(id);
                }
                accepted(format!(
                    "Request to delete {} catalog items accepted",
                    ids.len()
                ))
            }
            "get_catalog_item_by_id" => {
                let id = req.str("itemId").unwrap_or("");
                match cat.items.get(id) {
                    Some(it) => R::json(200, &enveloped(item_json(&name, id, it))),
                    None => R::error(
                        404,
                        "NotFound",
                        format!("Item {id} not found in catalog {name}"),
                    ),
                }
            }
            "list_catalog_items" => {
                let mut items: Vec<Value> = cat
                    .items
                    .iter()
                    .map(|(id, it)| item_json(&name, id, it))
                    .collect();
                if let Some(field) = req.str("orderBy") {
                    let asc = req
                        .p
                        .get("sortAscending")
                        .and_then(Value::as_bool)
                        .unwrap_or(true);
                    items.sort_by(|a, b| {
                        let (x, y) = (&a["value"][field], &b["value"][field]);
                        let o = match (x.as_f64(), y.as_f64()) {
                            (Some(p), Some(q)) => {
                                p.partial_cmp(&q).unwrap_or(std::cmp::Ordering::Equal)
                            }
                            _ => plain(x).cmp(&plain(y)),
                        }
                        .then_with(|| plain(&a["itemId"]).cmp(&plain(&b["itemId"])));
                        if asc {
                            o
                        } else {
                            o.reverse()
                        }
                    });
                }
                let total = items.len();
                let (page, links) = paginate(req, &items, 10, 1000);
                let mut inner =
                    json!({"catalogItemsWithProperties": page, "totalItemsCount": total});
                for (k, v) in links {
                    inner[k] = v;
                }
                R::json(200, &enveloped(inner))
            }
            "get_catalog_field_mappings" => {
                let mut undefined: Vec<String> = Vec::new();
                for it in cat.items.values() {
                    for k in it.value.keys() {
                        if !cat.field_mappings.contains_key(k) && !undefined.contains(k) {
                            undefined.push(k.clone());
                        }
                    }
                }
                undefined.sort();
                let defined: Vec<Value> = cat
                    .field_mappings
                    .iter()
                    .map(|(k, t)| json!({"fieldName": k, "fieldType": t}))
                    .collect();
                R::json(
                    200,
                    &enveloped(
                        json!({"definedMappings": cat.field_mappings, "definedMappingsList": defined, "undefinedFields": undefined}),
                    ),
                )
            }
            _ => {
                let ups = req.arr("mappingsUpdates");
                const TYPES: [&str; 8] = [
                    "boolean",
                    "date",
                    "geo_location",
                    "long",
                    "double",
                    "object",
                    "string",
                    "array",
                ];
                for u in &ups {
                    let (Some(f), Some(t)) = (
                        u.get("fieldName").and_then(Value::as_str),
                        u.get("fieldType").and_then(Value::as_str),
                    ) else {
                        return R::error(
                            400,
                            "BadJsonBody",
                            "Each mapping needs fieldName and fieldType",
                        );
                    };
                    if !TYPES.contains(&t) {
                        return R::error(400, "BadParams", format!("Unknown field type {t}"));
                    }
                    if let Some(old) = cat.field_mappings.get(f).and_then(Value::as_str) {
                        if old != t {
                            return R::error(400, "BadParams", format!("Field {f} already has type {old}; catalog field types cannot change"));
                        }
                    }
                }
                for u in ups {
                    cat.field_mappings.insert(
                        u["fieldName"].as_str().unwrap().to_string(),
                        u["fieldType"].clone(),
                    );
                }
                R::success("Field mappings updated", Value::Null)
            }
        }
    }
}

/// Catalog reads: Iterable wraps them in `{msg, code, params}` (what @iterable/api reads), the
/// spec types them flat; the sandbox answers both shapes in one object.
fn enveloped(inner: Value) -> Value {
    let mut out = inner.clone();
    out["msg"] = json!("");
    out["code"] = json!("Success");
    out["params"] = inner;
    out
}
