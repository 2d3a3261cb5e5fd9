//! iterable-wasm: every Iterable API action as a typed async function.
//!
//! Layers: [`core`] (pure Rust, native tests) → `bindings` (wasm-bindgen exports, sans IO: the
//! request descriptor of a call and the verdict on each attempt's outcome; the fetch, the time
//! limit and the waits are pkg-template/core/transport.js). Bindings exist on wasm32 only.

// One error type, `ApiError`, travels through every layer; it is large but rare (only failures
// carry it), so it is not boxed.
#![allow(clippy::result_large_err)]

pub mod core;

#[cfg(all(target_arch = "wasm32", feature = "bindings"))]
mod bindings;

#[cfg(all(target_arch = "wasm32", feature = "bindings", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
