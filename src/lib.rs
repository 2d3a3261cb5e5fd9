//! iterable-wasm: every Iterable API action as a typed async function.
//!
//! Layers: [`core`] (pure Rust, native tests) → `transport` (fetch through gloo-net) →
//! `bindings` (wasm-bindgen exports). The last two exist on wasm32 only.

pub mod core;

#[cfg(target_arch = "wasm32")]
mod transport;

#[cfg(target_arch = "wasm32")]
mod bindings;
