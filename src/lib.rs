//! iterable-wasm: every Iterable API action as a typed async function.
//!
//! Layers: [`core`] (pure Rust, native tests) → `transport` (fetch through gloo-net) →
//! `bindings` (wasm-bindgen exports). The last two exist on wasm32 only.

pub mod core;

#[cfg(target_arch = "wasm32")]
mod transport;

#[cfg(target_arch = "wasm32")]
mod bindings;

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
