#!/usr/bin/env bash
# The demo: the Node example against the package's in-process Iterable sandbox (a stateful
# emulator: no key, no network), or against real Iterable when ITERABLE_API_KEY is set
# (read-only calls unless ITERABLE_DEMO_WRITE=1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ ! -f pkg/iterable_wasm_bg.wasm ] || [ ! -f pkg/sandbox/iterable_sandbox_bg.wasm ] ||
  [ -n "$(find src codegen defs pkg-template sandbox/src build.rs Cargo.toml Cargo.lock scripts/build.mjs scripts/build-sandbox.mjs scripts/wasm-abi.mjs scripts/tools.mjs -newer pkg/iterable_wasm_bg.wasm -print -quit)" ]; then
  node scripts/build.mjs
fi
if [ -n "${ITERABLE_API_KEY:-}" ]; then
  echo "[demo] using real Iterable (${ITERABLE_REGION:-us})"
  exec node examples/node/index.mjs
fi
echo "[demo] no ITERABLE_API_KEY: the in-process sandbox (nothing leaves this process)"
ITERABLE_SANDBOX=1 ITERABLE_DEMO_WRITE=1 exec node examples/node/index.mjs
