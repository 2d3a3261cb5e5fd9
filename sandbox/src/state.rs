//! The emulator's state: everything `dump()` writes and `load()` reads. Every field has a
//! default, so a partial state (a test fixture) loads too.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

#[derive(Serialize, Deserialize, Clone, Default, Debug)]
#[serde(default, rename_all = "camelCase")]
pub struct User {
    pub email: Option<String>,
    pub user_id: Option<String>,
    pub data_fields: Map<String, Value>,
    pub created_at: i64,
    pub updated_at: i64,
    pub email_list_ids: Vec<i64>,
    pub unsubscribed_channel_ids: Vec<i64>,
    pub unsubscribed_message_type_ids: Vec<i64>,
    pub subscribed_message_type_ids: Vec<i64>,
    pub devices: Vec<Value>,
    pub browser_tokens: Vec<String>,
    pub events: Vec<Event>,
    pub cart: Vec<Value>,
}

#[derive(Serialize, Deserialize, Clone, Default, Debug)]
#[serde(default, rename_all = "camelCase")]
pub struct Event {
    pub at: i64,
    pub data: Map<String, Value>,
}

#[derive(Serialize, Deserialize, Clone, Default, Debug)]
#[serde(default, rename_all = "camelCase")]
pub struct List {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub created_at: i64,
    pub list_type: String,
}

#[derive(Serialize, Deserialize, Clone, Default, Debug)]
#[serde(default, rename_all = "camelCase")]
pub struct Campaign {
    pub id: i64,
    pub name: String,
    #[serde(rename = "type")]
    pub campaign_type: String,
    pub campaign_state: String,
    pub template_id: Option<i64>,
    pub list_ids: Vec<i64>,
    pub suppression_list_ids: Vec<i64>,
    pub message_medium: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub start_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub send_at: Option<i64>,
    pub recurring_campaign_id: Option<i64>,
    pub workflow_id: Option<i64>,
    pub labels: Vec<String>,
    pub created_by_user_id: String,
    pub send_size: Option<i64>,
    pub data_fields: Map<String, Value>,
}

#[derive(Serialize, Deserialize, Clone, Default, Debug)]
#[serde(default, rename_all = "camelCase")]
pub struct Template {
    pub template_id: i64,
    /// Email, Push, SMS, InApp, Embedded
    pub medium: String,
    pub client_template_id: Option<String>,
    /// Base, Blast, Triggered, Workflow
    pub template_type: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub fields: Map<String, Value>,
    pub locales: BTreeMap<String, Map<String, Value>>,
}

#[derive(Serialize, Deserialize, Clone, Default, Debug)]
#[serde(default, rename_all = "camelCase")]
pub struct CatalogItem {
    pub value: Map<String, Value>,
    pub last_modified: i64,
}

#[derive(Serialize, Deserialize, Clone, Default, Debug)]
#[serde(default, rename_all = "camelCase")]
pub struct Catalog {
    pub created_at: i64,
    pub items: BTreeMap<String, CatalogItem>,
    /// field name -> type
    pub field_mappings: Map<String, Value>,
}

#[derive(Serialize, Deserialize, Clone, Default, Debug)]
#[serde(default, rename_all = "camelCase")]
pub struct MetadataItem {
    pub value: Map<String, Value>,
    pub last_modified: i64,
}

#[derive(Serialize, Deserialize, Clone, Default, Debug)]
#[serde(default, rename_all = "camelCase")]
pub struct ExportJob {
    pub id: i64,
    pub data_type_name: String,
    pub output_format: String,
    /// enqueued, running, completed, cancelling (after a cancel)
    pub job_state: String,
    pub created_at: i64,
    pub ended_at: Option<i64>,
    pub file_name: String,
    /// Generated from the state when the job started.
    pub content: String,
    pub records: i64,
}

/// One variant of an experiment: the template it sends and its share of the traffic.
#[derive(Serialize, Deserialize, Clone, Default, Debug)]
#[serde(default, rename_all = "camelCase")]
pub struct Variant {
    pub id: i64,
    pub name: String,
    pub template_id: i64,
    pub percentage: f64,
    pub is_control: bool,
    pub is_winner: bool,
}

/// An A/B experiment on a campaign. `status`: draft, running, finished or winner_found.
#[derive(Serialize, Deserialize, Clone, Default, Debug)]
#[serde(default, rename_all = "camelCase")]
pub struct Experiment {
    pub id: i64,
    pub name: String,
    pub campaign_id: i64,
    pub experiment_type: String,
    pub channel_type: String,
    pub status: String,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub evenly_split: bool,
    /// Settings as last given: conversion event, holdout, exploration.
    pub settings: Map<String, Value>,
    pub variants: Vec<Variant>,
}

#[derive(Serialize, Deserialize, Clone, Default, Debug)]
#[serde(default, rename_all = "camelCase")]
pub struct State {
    /// Simulated time (epoch ms); advances by one step per request.
    pub clock: i64,
    /// Last id handed out.
    pub seq: i64,
    /// PRNG state (message ids, codes, samples, fault draws); a decimal string in JSON, since
    /// a u64 does not survive a JavaScript number.
    #[serde(with = "u64_string")]
    pub rng: u64,
    pub users: Vec<User>,
    pub forgotten: Vec<User>,
    pub user_fields: Map<String, Value>,
    pub lists: Vec<List>,
    pub campaigns: Vec<Campaign>,
    pub templates: Vec<Template>,
    pub catalogs: BTreeMap<String, Catalog>,
    pub snippets: Vec<Value>,
    pub metadata: BTreeMap<String, BTreeMap<String, MetadataItem>>,
    pub channels: Vec<Value>,
    pub message_types: Vec<Value>,
    pub journeys: Vec<Value>,
    pub webhooks: Vec<Value>,
    pub exports: Vec<ExportJob>,
    pub experiments: Vec<Experiment>,
    pub outbox: Vec<Value>,
    /// phone number -> {code, verificationProfileId}
    pub verifications: Map<String, Value>,
    pub jwt_invalidations: Vec<Value>,
}

impl State {
    /// A fresh project: channels, message types, a journey and a webhook, as a new Iterable
    /// project has them (ids fixed so that runs are reproducible).
    pub fn seeded(clock: i64, rng: u64) -> State {
        let day = 86_400_000;
        let created = clock - 30 * day;
        let ch = |id: i64, name: &str, ty: &str, medium: &str| json!({"id": id, "name": name, "channelType": ty, "messageMedium": medium});
        let mt = |id: i64, name: &str, channel: i64, policy: &str| {
            json!({"id": id, "name": name, "channelId": channel, "subscriptionPolicy": policy,
                   "createdAt": created, "updatedAt": created})
        };
        State {
            clock,
            seq: 10_000,
            rng,
            channels: vec![
                ch(401, "Marketing Emails", "Marketing", "Email"),
                ch(402, "Transactional Emails", "Transactional", "Email"),
                ch(403, "Marketing Push", "Marketing", "Push"),
                ch(404, "Marketing SMS", "Marketing", "SMS"),
                ch(405, "Transactional SMS", "Transactional", "SMS"),
            ],
            message_types: vec![
                mt(301, "Marketing Emails", 401, "OptOut"),
                mt(302, "Transactional Emails", 402, "OptOut"),
                mt(303, "Marketing Push", 403, "OptOut"),
                mt(304, "Marketing SMS", 404, "OptIn"),
                mt(305, "Transactional SMS", 405, "OptOut"),
                mt(311, "Weekly Newsletter", 401, "OptIn"),
            ],
            journeys: vec![
                json!({"id": 701, "name": "Welcome Journey", "description": "Greets new sign-ups",
                       "enabled": true, "isArchived": false, "journeyType": "Triggered",
                       "triggerEventNames": ["signedUp"], "createdAt": created, "updatedAt": created,
                       "creatorUserId": "owner@example.com", "lifetimeLimit": 1, "simultaneousLimit": 1}),
                json!({"id": 702, "name": "Win-back", "description": "Re-engages lapsed users",
                       "enabled": false, "isArchived": false, "journeyType": "Triggered",
                       "triggerEventNames": [], "createdAt": created, "updatedAt": created,
                       "creatorUserId": "owner@example.com", "lifetimeLimit": 1, "simultaneousLimit": 1}),
            ],
            webhooks: vec![
                json!({"id": 1, "endpoint": "https://hooks.example.com/iterable", "authType": "NoAuth",
                                  "enabled": false, "blastSendEnabled": false, "triggeredSendEnabled": false,
                                  "channelIds": [], "messageTypeIds": []}),
            ],
            ..Default::default()
        }
    }
}

mod u64_string {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            S(String),
            N(u64),
            F(f64),
        }
        match Either::deserialize(d)? {
            Either::S(s) => s.parse().map_err(serde::de::Error::custom),
            Either::N(n) => Ok(n),
            Either::F(f) => Ok(f as u64),
        }
    }
}
