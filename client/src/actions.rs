//! One input struct per action and one async method per action on [`Client`], generated from
//! `defs/actions.json` (codegen/rust_client.rs). Fields are the API's parameters in snake_case
//! (serialized under the API's names); every field is an `Option`, and a missing required one is
//! refused by validation with a `ValidationError` naming it, before anything is sent.
//!
//! Parameters that take one of a list of values are enums here (`Platform::Ios` is sent as
//! `"iOS"`). Each method returns its action's type from [`crate::results`].

use crate::{Client, IterableError};

include!("generated/actions.rs");

impl Client {
    /// Sends a typed input, and reads the result into its typed form.
    async fn execute_typed<I: serde::Serialize, R: serde::de::DeserializeOwned>(&self, id: &'static str, input: &I) -> Result<R, IterableError> {
        let def = iterable_wasm::core::action(id)?;
        self.call(def, input).await
    }
}
