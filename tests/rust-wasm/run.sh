#!/usr/bin/env bash
# The Rust client (client/) on wasm32, in real engines, offline:
#   1. client/tests/browser.rs in Debian's Chromium: `wasm-pack test --headless --chrome` (only that
#      test target: the crate's examples and other tests are native programs) with the system
#      chromedriver (client/webdriver.json points it at /usr/bin/chromium), against the fake
#      Iterable of tests/rust-wasm/fake.mjs on 127.0.0.1 (nothing is downloaded: --mode no-install);
#   2. the examples built for wasm32: examples/rust-browser (a page, in Chromium) and
#      examples/rust-worker (workers-rs, in workerd through miniflare), against the same fake.
#
#   bash tests/rust-wasm/run.sh            # both
#   bash tests/rust-wasm/run.sh browser    # or: examples
#
# CHROMIUM_PATH and CHROMEDRIVER override /usr/bin/chromium and the chromedriver on PATH.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
parts=("$@")
[ ${#parts[@]} -eq 0 ] && parts=(browser examples)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/iterable-rust-wasm-XXXXXX")
fake_pid=""
cleanup() {
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
  rm -rf "$scratch"
}
trap cleanup EXIT
export TMPDIR=$scratch NO_COLOR=1

chromedriver=${CHROMEDRIVER:-$(command -v chromedriver || true)}
if [ -z "$chromedriver" ]; then
  echo "no chromedriver on PATH (bash scripts/setup.sh --browser installs Debian's)" >&2
  exit 1
fi
if ! command -v wasm-pack >/dev/null; then
  echo "no wasm-pack on PATH (bash scripts/setup.sh installs it)" >&2
  exit 1
fi

# Starts the fake and sets ITERABLE_FAKE_URL (compiled into the test wasm).
start_fake() {
  node tests/rust-wasm/fake.mjs >"$scratch/fake.url" &
  fake_pid=$!
  for _ in $(seq 1 100); do
    [ -s "$scratch/fake.url" ] && break
    sleep 0.1
  done
  ITERABLE_FAKE_URL=$(head -n1 "$scratch/fake.url")
  case $ITERABLE_FAKE_URL in http://127.0.0.1:*) ;; *) echo "the fake did not start" >&2; return 1 ;; esac
  export ITERABLE_FAKE_URL
}

browser() {
  # wasm-pack builds every test target of the crate for wasm32: the native ones must say so.
  local f
  for f in client/tests/*.rs; do
    if ! grep -q 'cfg(\(not(\)\?target_arch = "wasm32")' "$f"; then
      echo "$f: a native test must start with #![cfg(not(target_arch = \"wasm32\"))] (wasm-pack test builds every test target for wasm32)" >&2
      return 1
    fi
  done
  start_fake || return 1
  local webdriver=$scratch/webdriver.json
  # The repository's capabilities, with another Chromium if CHROMIUM_PATH says so.
  node -e 'const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    if (process.env.CHROMIUM_PATH) c["goog:chromeOptions"].binary = process.env.CHROMIUM_PATH;
    require("fs").writeFileSync(process.argv[2], JSON.stringify(c));' client/webdriver.json "$webdriver"
  WASM_BINDGEN_TEST_WEBDRIVER_JSON=$webdriver WASM_BINDGEN_TEST_TIMEOUT=60 \
    timeout --kill-after=10 1200 wasm-pack --log-level warn test --mode no-install --headless --chrome --chromedriver "$chromedriver" client --test browser
}

examples() {
  bash tests/rust-wasm/build-examples.sh && timeout --kill-after=10 180 node --test --test-reporter=spec tests/rust-wasm/examples.test.mjs
}

for p in "${parts[@]}"; do
  case $p in
    browser|examples) ;;
    *) echo "unknown part: $p (browser examples)" >&2; exit 2 ;;
  esac
done
source scripts/lib/run-parts.sh
run_parts rust-wasm "${parts[@]}"
