#!/usr/bin/env bash
# The sandbox tests in one command: native Rust scenarios, the sandbox wasm build, every
# action against our result schemas (pkg/results.json: run node scripts/build.mjs once), the stateful scenarios in Node, Deno, workerd and Chromium,
# over HTTP (plain fetch, @iterable/api, state file, every @iterable/api method against its own
# response schemas and our results.json), and through IterableClient({ sandbox }).
# Exit 0 only if everything passes; the last line is "sandbox: N passed, M failed".
# Env: CARGO_TARGET_DIR (default target/, shared with the build).
set -u
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
DENO=node_modules/.bin/deno
passed=0
failed=0
log=$(mktemp)

count() { # label, then the command; its output must end with "<label>: N passed, M failed"
  local label=$1
  shift
  "$@" >"$log" 2>&1
  local rc=$?
  local line
  line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
  local p f
  p=$(sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\1/' <<<"$line")
  f=$(sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\2/' <<<"$line")
  if [ -z "$line" ]; then p=0; f=1; fi
  if [ "$rc" -ne 0 ] && [ "$f" = 0 ]; then f=1; fi
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$f" != 0 ]; then
    grep -E -A12 '^(not ok|error|thread .* panicked)' "$log" | head -80
    [ -z "$line" ] && tail -30 "$log"
  fi
  echo "$label: $p passed, $f failed"
}

rust_tests() {
  local out rc
  out=$(cargo test -p iterable-sandbox --quiet 2>&1)
  rc=$?
  echo "$out"
  local p f
  p=$(grep -E '^test result' <<<"$out" | sed -E 's/.* ([0-9]+) passed; ([0-9]+) failed.*/\1/' | paste -sd+ | bc)
  f=$(grep -E '^test result' <<<"$out" | sed -E 's/.* ([0-9]+) passed; ([0-9]+) failed.*/\2/' | paste -sd+ | bc)
  echo "rust: ${p:-0} passed, ${f:-1} failed"
  return $rc
}

# The build goes into a private directory (SANDBOX_OUT) that the JS tests use (SANDBOX_DIR), so a
# concurrent rebuild of pkg/ by someone else cannot pull files away mid-test; pkg/sandbox/ gets a
# copy for the client test when a rebuild of pkg/ left it without the wasm.
snap=$(mktemp -d)
trap 'rm -f "$log"; rm -rf "$snap"' EXIT
export SANDBOX_DIR="$snap/sandbox"
build() {
  SANDBOX_OUT="$SANDBOX_DIR" node scripts/build-sandbox.mjs && echo "build: 1 passed, 0 failed"
}

types() {
  cp tests/sandbox/types.mts "$snap/types.mts" &&
    node_modules/.bin/tsc --noEmit --strict --module nodenext --target es2022 --lib es2022,dom --types node "$snap/types.mts" &&
    echo "types: 1 passed, 0 failed"
}

count "rust (native scenarios)" rust_tests
count "build (sandbox wasm, private dir)" build
count "typescript declarations" types
count "every action vs the spec (node)" node tests/sandbox/actions.mjs
count "fuzz (30,000 raw requests)" node tests/sandbox/fuzz.mjs
count "scenarios in-process (node)" node tests/sandbox/node.mjs
count "scenarios in-process and over HTTP (deno)" "$DENO" run --allow-read --allow-env=SANDBOX_DIR --allow-net=127.0.0.1 tests/sandbox/deno.mjs
count "scenarios in-process (workerd)" node tests/sandbox/workerd.mjs
if [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  count "scenarios in-process (chromium)" node tests/sandbox/browser.mjs
else
  echo "scenarios in-process (chromium): skipped, no Chromium at ${CHROMIUM_PATH:-/usr/bin/chromium}"
fi
count "http: fetch, @iterable/api, state file" node tests/sandbox/http.mjs
count "http: 200 clients writing in bulk at once, every item read back" node tests/sandbox/concurrency.mjs
count "every @iterable/api method over HTTP (its zod schemas and ours)" node tests/sandbox/official.mjs
# The client test needs the whole package (pkg/ with the lead's sandbox option and pkg/sandbox/).
if [ -d pkg ] && [ ! -f pkg/sandbox/iterable_sandbox_bg.wasm ]; then mkdir -p pkg/sandbox && cp -r "$SANDBOX_DIR"/. pkg/sandbox/; fi
count "IterableClient({ sandbox })" node tests/sandbox/client.mjs
count "API keys and JWTs (apiKeys, jwtKeys, the client's jwt refresh)" node tests/sandbox/keys.mjs
echo "sandbox: $passed passed, $failed failed"
[ "$failed" = 0 ]
