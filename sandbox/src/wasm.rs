//! wasm-bindgen surface: `new Sandbox(optionsJson)`, `handle(...)` -> JSON string.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// Any object with a `write(text)` method.
    pub type DumpSink;
    #[wasm_bindgen(method, catch)]
    fn write(this: &DumpSink, text: &str) -> Result<(), JsValue>;

    /// Any object with `rewind()` (back to the start) and `read(max)` (the next bytes, at most
    /// `max` of them; an empty array at the end).
    pub type LoadSource;
    #[wasm_bindgen(method, catch)]
    fn rewind(this: &LoadSource) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch)]
    fn read(this: &LoadSource, max: u32) -> Result<Vec<u8>, JsValue>;
}

/// The source's failure (the package's wrapper throws it as a string: its message).
fn js_io_error(e: JsValue) -> std::io::Error {
    std::io::Error::other(e.as_string().unwrap_or_else(|| format!("{e:?}")))
}

/// A source's bytes from its start, a piece of up to 1 MiB at a time.
struct SourceReader<'a> {
    source: &'a LoadSource,
    piece: Vec<u8>,
    at: usize,
}

impl std::io::Read for SourceReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.piece.len() {
            self.piece = self.source.read(1 << 20).map_err(js_io_error)?;
            self.at = 0;
        }
        let n = buf.len().min(self.piece.len() - self.at);
        buf[..n].copy_from_slice(&self.piece[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

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

    /// The same text as `dump()`, handed to `sink.write(text)` in pieces of about 1 MiB as it is
    /// made, so a large state never exists as one string.
    #[wasm_bindgen(js_name = dumpTo)]
    pub fn dump_to(&self, sink: &DumpSink) -> Result<(), JsError> {
        let out = crate::persist::Chunks::new(1 << 20, |piece: &str| {
            sink.write(piece).map_err(|e| {
                std::io::Error::other(e.as_string().unwrap_or_else(|| format!("{e:?}")))
            })
        });
        self.0
            .dump_to(out)
            .map_err(|e| JsError::new(&e.to_string()))
    }

    pub fn load(&mut self, json: &str) -> Result<(), JsError> {
        self.0.load(json).map_err(|e| JsError::new(&e))
    }

    /// Loads a state read from `source` (see `LoadSource`) a piece at a time, twice from its
    /// start: the text is never in memory whole, in JavaScript or here.
    #[wasm_bindgen(js_name = loadFrom)]
    pub fn load_from(&mut self, source: &LoadSource) -> Result<(), JsError> {
        self.0
            .load_from(|| {
                source.rewind().map_err(js_io_error)?;
                Ok(Box::new(SourceReader {
                    source,
                    piece: Vec::new(),
                    at: 0,
                }))
            })
            .map_err(|e| JsError::new(&e))
    }

    /// The state as UTF-8 bytes: also a state past a JavaScript string's limit (~512 MB).
    #[wasm_bindgen(js_name = dumpBytes)]
    pub fn dump_bytes(&self) -> Vec<u8> {
        self.0.dump().into_bytes()
    }

    /// Loads a state from UTF-8 bytes (what `dumpBytes` gives).
    #[wasm_bindgen(js_name = loadBytes)]
    pub fn load_bytes(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        let text = std::str::from_utf8(bytes)
            .map_err(|e| JsError::new(&format!("invalid sandbox state: not UTF-8 ({e})")))?;
        self.0.load(text).map_err(|e| JsError::new(&e))
    }

    /// `{"clock": epoch ms, "rng": "decimal"}`: the simulated clock and PRNG, without a dump.
    pub fn clock(&self) -> String {
        serde_json::json!({"clock": self.0.state.clock, "rng": self.0.state.rng.to_string()})
            .to_string()
    }

    /// Applies one journal record (`Sandbox::replay`); the handler's status.
    pub fn replay(&mut self, record_json: &str) -> Result<u16, JsError> {
        self.0.replay(record_json).map_err(|e| JsError::new(&e))
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
