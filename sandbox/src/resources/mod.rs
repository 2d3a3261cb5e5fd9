//! The handlers of the catalog's actions, one module per API resource, and the one table that
//! maps every action id to its handler; `dispatch` answers a routed request through it.
//!
//! State rules follow the spec and shared/iterable/README.md. Each module lists its handlers
//! as `(action id, handler)` rows (`ROUTES`); the state access helpers a resource needs live
//! in its module, helpers shared by several in `crate::shared`.

mod auth;
mod campaigns;
mod catalogs;
mod channels;
mod commerce;
mod embedded;
mod events;
mod experiments;
mod exports;
mod in_app;
mod journeys;
pub(crate) mod lifecycle;
mod lists;
mod messages;
mod metadata;
mod metrics;
mod snippets;
mod subscriptions;
mod templates;
mod users;
mod verify;
mod webhooks;

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::shared::reply::{not_found, Reply};
use crate::{Req, Response, Sandbox};

/// A handler: the routed request in, the answer out (`Err`: an error answered early).
pub(crate) type Handler = fn(&mut Sandbox, &Req) -> Reply;

/// Every resource's rows: the registration table.
const TABLE: &[&[(&str, Handler)]] = &[
    users::profile::ROUTES,
    users::forget::ROUTES,
    users::devices::ROUTES,
    subscriptions::ROUTES,
    lists::ROUTES,
    events::ROUTES,
    commerce::ROUTES,
    messages::ROUTES,
    in_app::ROUTES,
    embedded::ROUTES,
    templates::ROUTES,
    campaigns::ROUTES,
    metrics::ROUTES,
    journeys::ROUTES,
    webhooks::ROUTES,
    channels::ROUTES,
    catalogs::ROUTES,
    snippets::ROUTES,
    metadata::ROUTES,
    experiments::ROUTES,
    exports::ROUTES,
    verify::ROUTES,
    auth::ROUTES,
];

/// The table by action id.
fn handlers() -> &'static HashMap<&'static str, Handler> {
    static CELL: OnceLock<HashMap<&'static str, Handler>> = OnceLock::new();
    CELL.get_or_init(|| TABLE.iter().flat_map(|rows| rows.iter().copied()).collect())
}

impl Sandbox {
    /// Answers a routed request with its action's handler (404 for an action without one).
    pub(crate) fn dispatch(&mut self, req: &Req) -> Response {
        let id = req.action.id.as_str();
        match handlers().get(id) {
            Some(handler) => handler(self, req).unwrap_or_else(|e| e),
            None => not_found(format!("Action {id} is not emulated")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TABLE;
    use std::collections::BTreeSet;

    #[test]
    fn every_catalog_action_has_exactly_one_handler() {
        let mut registered = BTreeSet::new();
        for (id, _) in TABLE.iter().flat_map(|rows| rows.iter()) {
            assert!(registered.insert(*id), "{id} is registered twice");
        }
        let catalog: BTreeSet<&str> = crate::actions().iter().map(|a| a.id.as_str()).collect();
        assert!(registered.is_subset(&catalog), "handlers for ids outside the catalog: {:?}", registered.difference(&catalog).collect::<Vec<_>>());
        let missing: Vec<&str> = catalog.difference(&registered).copied().collect();
        assert!(missing.is_empty(), "actions without a handler: {missing:?}");
    }
}
