//! The outbox: every message the project would have sent, rendered from its template with the
//! recipient's fields, the campaign's data fields and the request's data; and the channel names
//! of message mediums.

use serde_json::{json, Map, Value};

use super::render::{render, RENDERED_FIELDS};
use crate::util::{iso, parse_date};
use crate::Sandbox;

const MEDIUM_KIND: [(&str, &str); 7] = [
    ("Email", "email"),
    ("Push", "push"),
    ("SMS", "sms"),
    ("InApp", "inApp"),
    ("Embedded", "embedded"),
    ("WebPush", "webPush"),
    ("WhatsApp", "whatsApp"),
];

/// The outbox channel of a message medium (`Email` -> `email`, unknown -> `email`).
pub(crate) fn kind_of(medium: &str) -> &'static str {
    MEDIUM_KIND
        .iter()
        .find(|(m, _)| m.eq_ignore_ascii_case(medium))
        .map_or("email", |(_, k)| k)
}

/// The message medium a user's sent-messages list names for an outbox channel (web push counts
/// as Push); `None` for channels that list does not cover (embedded, WhatsApp, journeys).
pub(crate) fn listed_medium(kind: &str) -> Option<&'static str> {
    match kind {
        "email" => Some("Email"),
        "push" | "webPush" => Some("Push"),
        "sms" => Some("SMS"),
        "inApp" => Some("InApp"),
        _ => None,
    }
}

/// A message to send, all but its recipient.
pub(crate) struct Outgoing<'a> {
    /// The channel: email, push, sms, inApp, embedded, webPush, whatsApp, journey.
    pub kind: &'a str,
    /// What sent it: campaign, trigger, target, proof, journey, doubleOptIn, verification.
    pub source: &'a str,
    pub campaign_id: Option<i64>,
    pub template_id: Option<i64>,
    /// The request's data fields (they win over the user's and the campaign's).
    pub data: &'a Map<String, Value>,
    /// A time in the future makes the message `scheduled` (cancellable).
    pub send_at: Option<i64>,
    pub locale: Option<&'a str>,
}

impl<'a> Outgoing<'a> {
    /// Without campaign, template, schedule or locale.
    pub(crate) fn new(kind: &'a str, source: &'a str, data: &'a Map<String, Value>) -> Self {
        Outgoing {
            kind,
            source,
            campaign_id: None,
            template_id: None,
            data,
            send_at: None,
            locale: None,
        }
    }
}

/// Whether outbox message `m` went to the user known by this email / userId.
pub(crate) fn addressed_to(m: &Value, (email, uid): &(Option<String>, Option<String>)) -> bool {
    email.is_some() && m["email"].as_str() == email.as_deref()
        || uid.is_some() && m["userId"].as_str() == uid.as_deref()
}

/// When outbox message `m` was created.
pub(crate) fn created_at(m: &Value) -> Option<i64> {
    m["createdAt"].as_str().and_then(parse_date)
}

impl Sandbox {
    /// Renders message `out` (its template, if any, for user `user`) and puts it in the outbox.
    pub(crate) fn send_message(
        &mut self,
        out: &Outgoing,
        user: Option<usize>,
        recipient: (Option<String>, Option<String>),
    ) -> Value {
        let mut merged = user
            .map(|i| self.state.users[i].data_fields.clone())
            .unwrap_or_default();
        if let Some(c) = out
            .campaign_id
            .and_then(|id| self.state.campaigns.iter().find(|c| c.id == id))
        {
            for (k, v) in &c.data_fields {
                merged.insert(k.clone(), v.clone());
            }
        }
        for (k, v) in out.data {
            merged.insert(k.clone(), v.clone());
        }
        if let Some(e) = &recipient.0 {
            merged.entry("email").or_insert(json!(e));
        }
        let mut content = Map::new();
        if let Some(t) = out.template_id.and_then(|id| self.template(id)) {
            let f = Self::template_content(t, out.locale);
            for k in RENDERED_FIELDS {
                if let Some(Value::String(s)) = f.get(k) {
                    content.insert(k.into(), json!(render(s, &merged)));
                }
            }
            if let Some(p) = f.get("payload") {
                content.insert("payload".into(), p.clone());
            }
        }
        let now = self.now();
        let scheduled = out.send_at.is_some_and(|t| t > now);
        let id = self.next_id();
        let mid = self.message_id();
        let mut m = json!({
            "messageId": mid,
            "scheduledMessageId": id,
            "channel": out.kind,
            "source": out.source,
            "status": if scheduled { "scheduled" } else { "sent" },
            "createdAt": iso(now),
            "dataFields": out.data,
            "content": content,
        });
        if let Some(c) = out.campaign_id {
            m["campaignId"] = json!(c);
        }
        if let Some(t) = out.template_id {
            m["templateId"] = json!(t);
        }
        if let Some(e) = recipient.0 {
            m["email"] = json!(e);
        }
        if let Some(u) = recipient.1 {
            m["userId"] = json!(u);
        }
        if let Some(t) = out.send_at {
            m["sendAt"] = json!(iso(t));
        }
        self.state.outbox.push(m.clone());
        m
    }

    /// `send_message` to user `i`, addressed by the user's email and userId.
    pub(crate) fn send_to_user(&mut self, out: &Outgoing, i: usize) -> Value {
        let r = self.user_ref_of(i);
        self.send_message(out, Some(i), r)
    }
}
