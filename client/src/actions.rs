//! One input struct per action and one async method per action on [`Client`], generated from
//! `defs/actions.json` (codegen/rust_client.rs). Fields are the API's parameters in snake_case
//! (serialized under the API's names); every field is an `Option`, and a missing required one is
//! refused by validation with a `ValidationError` naming it, before anything is sent.
//!
//! Parameters that take one of a list of values are enums here (`Platform::Ios` is sent as
//! `"iOS"`). Each method returns its action's type from [`crate::results`].

use crate::{Client, IterableError};
use iterable_wasm::core::defs::ActionDef;
use std::sync::OnceLock;

include!("generated/actions.rs");

impl Client {
    /// Sends a typed input, and reads the result into its typed form. `def` keeps the action's
    /// definition after the first call (a lookup by id costs more than the rest of the
    /// bookkeeping of a call).
    async fn execute_typed<I: serde::Serialize, R: serde::de::DeserializeOwned>(
        &self,
        def: &'static OnceLock<&'static ActionDef>,
        id: &'static str,
        input: &I,
    ) -> Result<R, IterableError> {
        let def = match def.get() {
            Some(d) => *d,
            None => {
                let found = iterable_wasm::core::action(id)?;
                *def.get_or_init(|| found)
            }
        };
        self.call(def, input).await
    }
}
