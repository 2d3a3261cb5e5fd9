#!/usr/bin/env bash
# Builds the Rust wasm examples (examples/rust-browser, examples/rust-worker: one cargo workspace,
# examples/Cargo.toml) for wasm32 in release, then runs the installed wasm-bindgen CLI
# (--target web) into each one's pkg/. Incremental: target/rust-examples (or
# RUST_EXAMPLES_TARGET_DIR) is kept between runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR=${RUST_EXAMPLES_TARGET_DIR:-$PWD/target/rust-examples}
(cd examples && cargo build --quiet --release --target wasm32-unknown-unknown)
for ex in rust-browser rust-worker; do
  crate=$(sed -n 's/^name = "\(.*\)"/\1/p' "examples/$ex/Cargo.toml" | head -n1 | tr - _)
  wasm-bindgen --target web --out-dir "examples/$ex/pkg" "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/$crate.wasm"
done
