#!/usr/bin/env bash
# The demo: the Node example against a local Prism mock of Iterable (no key, no network),
# or against real Iterable when ITERABLE_API_KEY is set (read-only calls unless ITERABLE_DEMO_WRITE=1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ ! -f pkg/iterable_wasm_bg.wasm ] || [ -n "$(find src codegen defs pkg-template js Cargo.toml -newer pkg/iterable_wasm_bg.wasm -print -quit)" ]; then
  node scripts/build.mjs
fi
if [ -n "${ITERABLE_API_KEY:-}" ]; then
  echo "[demo] using real Iterable (${ITERABLE_REGION:-us})"
  exec node examples/node/index.mjs
fi
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
log=$(mktemp)
node_modules/.bin/prism mock -h 127.0.0.1 -p "$port" defs/openapi.json >"$log" 2>&1 &
prism=$!
trap 'kill $prism 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 120); do
  grep -q "Prism is listening" "$log" && break
  kill -0 $prism 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.5
done
echo "[demo] Prism mock of Iterable on http://127.0.0.1:$port"
ITERABLE_BASE_URL="http://127.0.0.1:$port" ITERABLE_API_KEY="demo-key-not-real" ITERABLE_DEMO_WRITE=1 node examples/node/index.mjs
