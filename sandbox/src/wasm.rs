//! wasm-bindgen surface: `new Sandbox(optionsJson)`, `handle(...)` -> JSON string.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(js_name = Sandbox)]
pub struct JsSandbox(crate::Sandbox);

#[wasm_bindgen(js_class = Sandbox)]
impl JsSandbox {
    #[wasm_bindgen(constructor)]
    pub fn new(options_json: &str) -> Result<JsSandbox, JsError> {
        crate::Sandbox::new(options_json)
            .map(JsSandbox)
            .map_err(|e| JsError::new(&e))
    }

    /// Returns `{"status", "headers": {name: value}, "body", "delayMs"}` as JSON.
    pub fn handle(
        &mut self,
        method: &str,
        url: &str,
        headers_json: &str,
        body: Option<String>,
    ) -> String {
        let r = self.0.handle(method, url, headers_json, body.as_deref());
        serde_json::to_string(&r).unwrap_or_default()
    }

    pub fn dump(&self) -> String {
        self.0.dump()
    }

    pub fn load(&mut self, json: &str) -> Result<(), JsError> {
        self.0.load(json).map_err(|e| JsError::new(&e))
    }

    pub fn reset(&mut self) {
        self.0.reset()
    }

    pub fn outbox(&self) -> String {
        self.0.outbox()
    }

    /// Ids of every action the sandbox routes.
    #[wasm_bindgen(js_name = actionIds)]
    pub fn action_ids() -> String {
        serde_json::to_string(
            &crate::actions()
                .iter()
                .map(|a| a.id.as_str())
                .collect::<Vec<_>>(),
        )
        .unwrap_or_default()
    }
}
