#!/usr/bin/env bash
# Runs `node --test` on some test files: the spec report on stdout, and as the last line
# "<label>: N passed, M failed". Exits 0 only if every test passed.
# Usage: bash tests/support/node-tests.sh <label> <concurrency> <file>...
set -uo pipefail
label=$1
concurrency=$2
shift 2
tap="$(mktemp)"
trap 'rm -f "$tap"' EXIT
node --test --test-concurrency="$concurrency" \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" \
  "$@"
rc=$?
pass=$(grep -E '^# pass ' "$tap" | awk '{print $3}')
fail=$(grep -E '^# fail ' "$tap" | awk '{print $3}')
pass=${pass:-0}
fail=${fail:-0}
if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then fail=1; fi
echo "${label}: ${pass} passed, ${fail} failed"
[ "$rc" -eq 0 ] && [ "$fail" -eq 0 ]
