//! One input struct per action and one async method per action on [`Client`], generated from
//! `defs/actions.json` (codegen/rust_client.rs). Fields are the API's parameters in snake_case
//! (serialized under the API's names); every field is an `Option`, and a missing required one is
//! refused by validation with a `ValidationError` naming it, before anything is sent.
//!
//! Results are `serde_json::Value` (JSON as Iterable answers it; CSV, text and HTML results as a
//! JSON string).

use crate::{Client, IterableError};

include!(concat!(env!("OUT_DIR"), "/actions.rs"));

impl Client {
    /// Sends a typed input through [`Client::execute`].
    async fn execute_typed<T: serde::Serialize>(&self, id: &str, input: &T) -> Result<serde_json::Value, IterableError> {
        let value = serde_json::to_value(input).map_err(|e| {
            let issue = iterable_wasm::core::error::Issue { param: String::new(), message: format!("the input could not be written as JSON: {e}") };
            IterableError::from(iterable_wasm::core::error::ApiError::validation(vec![issue]).with_action(id))
        })?;
        self.execute(id, value).await
    }
}
