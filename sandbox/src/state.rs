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

/// Users in the order they were added, where taking one out costs the same whatever their
/// number: it leaves an empty slot, so the positions the indexes hold stay valid, until empty
/// slots outnumber the users and are squeezed out (then the indexes are rebuilt: amortized, a
/// removal costs O(1)). Written and read as the plain list of users, so a dump is unchanged.
#[derive(Clone, Default, Debug)]
pub struct Users {
    slots: Vec<Option<User>>,
    live: usize,
}

impl Users {
    /// How many users there are.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Adds a user at the end; its position.
    pub fn push(&mut self, u: User) -> usize {
        self.slots.push(Some(u));
        self.live += 1;
        self.slots.len() - 1
    }

    /// Takes the user at position `i` out, leaving its slot empty (no other position moves).
    pub fn take(&mut self, i: usize) -> User {
        let u = self.slots[i].take().expect("a user's position");
        self.live -= 1;
        u
    }

    /// Whether the empty slots now outnumber the users (and a thousand): time to `squeeze`.
    pub fn sparse(&self) -> bool {
        let empty = self.slots.len() - self.live;
        empty > 1024 && empty > self.live
    }

    /// Drops the empty slots (the users keep their order; positions change: rebuild indexes).
    pub fn squeeze(&mut self) {
        self.slots.retain(Option::is_some);
    }

    /// The users in order.
    pub fn iter(&self) -> impl Iterator<Item = &User> {
        self.slots.iter().flatten()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut User> {
        self.slots.iter_mut().flatten()
    }

    /// (position, user) in order.
    pub fn positions(&self) -> impl Iterator<Item = (usize, &User)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, u)| u.as_ref().map(|u| (i, u)))
    }
}

impl std::ops::Index<usize> for Users {
    type Output = User;
    fn index(&self, i: usize) -> &User {
        self.slots[i].as_ref().expect("a user's position")
    }
}

impl std::ops::IndexMut<usize> for Users {
    fn index_mut(&mut self, i: usize) -> &mut User {
        self.slots[i].as_mut().expect("a user's position")
    }
}

impl<'a> IntoIterator for &'a Users {
    type Item = &'a User;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Option<User>>>;
    fn into_iter(self) -> Self::IntoIter {
        self.slots.iter().flatten()
    }
}

impl From<Vec<User>> for Users {
    fn from(users: Vec<User>) -> Users {
        Users {
            live: users.len(),
            slots: users.into_iter().map(Some).collect(),
        }
    }
}

impl Serialize for Users {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Users {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Users, D::Error> {
        Vec::<User>::deserialize(d).map(Users::from)
    }
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
    pub users: Users,
    pub forgotten: Users,
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
