#!/usr/bin/env bash
# Real-engine tests of the built package (pkg/) and the examples: Node, Deno, workerd (miniflare),
# Chromium (page + module worker). Everything is local: servers bind 127.0.0.1, npm and Deno install
# from local tarballs / a local one-package registry. Exits non-zero if any suite fails.
#
#   bash tests/engines/run.sh            # all suites
#   bash tests/engines/run.sh node deno  # some of: node deno workerd browser examples
#
# ITERABLE_WASM_PKG=/path/to/pkg tests another build of the package instead of pkg/.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
DENO="$ROOT/node_modules/.bin/deno"
export NO_COLOR=1 npm_config_update_notifier=false
# One scratch folder for everything the suites and the tools under them leave in the temp dir
# (temp projects, DENO_DIRs, Chromium profiles, miniflare's workerd folders), removed at exit.
scratch=$(mktemp -d "${TMPDIR:-/tmp}/iterable-engines-XXXXXX")
trap 'rm -rf "$scratch"' EXIT
export TMPDIR=$scratch

if [ ! -f "${ITERABLE_WASM_PKG:-pkg}/iterable_wasm_bg.wasm" ]; then
  echo "no built package in ${ITERABLE_WASM_PKG:-pkg}/: run npm run build first" >&2
  exit 1
fi

suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(node deno workerd browser examples)

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

failed=()
for s in "${suites[@]}"; do
  case $s in
    node)     cmd=(node --test --test-reporter=spec tests/engines/node.test.mjs); limit=120 ;;
    deno)     cmd=("$DENO" test -A --no-lock --node-modules-dir=manual tests/engines/deno.test.mjs tests/engines/deno-http.test.mjs); limit=180 ;;
    workerd)  cmd=(node --test --test-reporter=spec tests/engines/workerd.test.mjs); limit=120 ;;
    browser)  cmd=(node --test --test-reporter=spec tests/engines/browser.test.mjs); limit=120 ;;
    examples) cmd=(node --test --test-reporter=spec tests/engines/examples.test.mjs); limit=240 ;;
    *) echo "unknown suite: $s (node deno workerd browser examples)" >&2; exit 2 ;;
  esac
  echo "== engines: $s"
  t0=$(now_ms)
  timeout --kill-after=10 "$limit" "${cmd[@]}"
  rc=$?
  dt=$(( $(now_ms) - t0 )); t="$((dt / 1000)).$(( (dt % 1000) / 100 ))"
  if [ $rc -eq 0 ]; then
    echo "== engines: $s passed (${t}s)"
  else
    [ $rc -eq 124 ] && echo "== engines: $s timed out after ${limit}s"
    echo "== engines: $s FAILED (exit $rc, ${t}s)"
    failed+=("$s")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "engines FAILED: ${failed[*]}"
  exit 1
fi
echo "engines: all passed (${suites[*]})"
