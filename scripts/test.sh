#!/usr/bin/env bash
# Runs every test: native core tests (incl. property tests), the build, the size budget, the Prism
# conformance suite, the TypeScript compile tests, the rule agreement of validation, JSON Schema and
# .d.ts, the result types and the parameter rules against the official client (every difference
# explained), the real-engine tests (Node, Deno, workerd,
# Chromium), the bundler matrix, the security suite, the fault-injection suite and the fuzz loop.
# Installs what it needs first (idempotent). Everything runs on 127.0.0.1; no test reaches the internet.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser || { echo "setup failed" >&2; exit 1; }

failed=()
step() {
  local name=$1; shift
  printf '\n\033[1m== %s\033[0m\n' "$name"
  local t0=$SECONDS
  if "$@"; then
    printf '\033[32m== %s passed (%ss)\033[0m\n' "$name" $((SECONDS - t0))
  else
    printf '\033[31m== %s FAILED (%ss)\033[0m\n' "$name" $((SECONDS - t0))
    failed+=("$name")
  fi
}

step "core (cargo test: unit, JSON oracle, property tests)" cargo test --quiet
step "build errors without the set-up (a PATH that hides the tools)" node --test tests/build/
step "rust client (rustc is the declared rust-version; cargo test -p iterable-client: in-process sandbox, local HTTP fake with faults, requests byte for byte as the npm package's; cargo publish --dry-run of the three crates; clippy and rustdoc with warnings as errors)" bash scripts/rust-client.sh
step "build (npm run build)" node scripts/build.mjs
if [ ! -f pkg/iterable_wasm_bg.wasm ]; then
  echo "no package was built; stopping" >&2
  exit 1
fi
step "size budget" node scripts/size.mjs
parity() {
  local f; f=$(mktemp) && node client/tests/fixtures/requests.mjs pkg "$f" && PARITY_FIXTURE="$f" cargo test --quiet -p iterable-client --test parity; local rc=$?; rm -f "$f"; return $rc
}
step "rust client vs the package just built (every action's requests byte for byte)" parity
step "prism conformance" node tests/prism/suite.mjs
step "typescript" node tests/ts/run.mjs
step "docs (README and examples' code blocks type-check under --strict without esnext, or run; CLI lines; packed README links)" node tests/docs/run.mjs
step "result types vs @iterable/api's response schemas" node scripts/compare-results.mjs
step "schema agreement (validation vs JSON Schema via ajv vs .d.ts via tsc, per rule kind)" node tests/schema/agree.mjs
step "differential (validation vs @iterable/api's parameter schemas, every disagreement explained)" node tests/schema/differential.mjs
step "rust client on wasm32 (wasm-pack test in Chromium; the browser page and workers-rs Worker examples in Chromium and workerd)" bash tests/rust-wasm/run.sh
step "engines (node, deno, workerd, chromium) and examples" bash tests/engines/run.sh
step "bundlers (Vite 8/6, webpack, Parcel, esbuild, Rollup, bun build; Node 18/20/22, Deno) from the packed tarball" bash tests/bundlers/run.sh
step "sandbox (emulator: 145 actions vs the spec; scenarios in node, deno, workerd, chromium; HTTP with fetch and @iterable/api)" bash tests/sandbox/run.sh
step "cli and MCP server (node, deno, workerd; MCP SDK client)" bash tests/cli/run.sh
step "security: local servers, MCP bounds, state files under attack" bash tests/security/run.sh
step "fault injection (node, deno)" bash tests/faults/run.sh
step "queues: bulk and export syncs over Cloudflare Queues + Durable Objects in miniflare (shared rate limit, faults, resume, dead letters, R2), and the example under wrangler deploy --dry-run and wrangler dev" bash tests/queues/run.sh
step "fuzz (100,000 random inputs through the package)" node tests/fuzz/fuzz.mjs
step "large work: pagination, streams, exports, bulk (node, deno)" bash tests/large/run.sh
step "bench (smoke: every part still runs)" node bench/run.mjs --smoke

echo
total=$(grep -c '^step ' "$0")
if [ ${#failed[@]} -eq 0 ]; then
  echo "suites: $total passed, 0 failed"
  exit 0
fi
echo "FAILED: ${failed[*]}"
echo "suites: $((total - ${#failed[@]})) passed, ${#failed[@]} failed"
exit 1
