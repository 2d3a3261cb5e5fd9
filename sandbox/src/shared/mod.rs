//! Helpers the resource handlers share: reply shorthands, the clock and ids, paging and
//! sorting, template rendering, CSV / JSON-lines rows, value and field rules, API keys and JWTs,
//! and the outbox every sent message lands in.

pub(crate) mod clock;
pub(crate) mod fields;
pub(crate) mod index;
pub(crate) mod keys;
pub(crate) mod outbox;
pub(crate) mod paging;
pub(crate) mod render;
pub(crate) mod reply;
pub(crate) mod rows;
pub(crate) mod values;
