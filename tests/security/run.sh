#!/usr/bin/env bash
# The security suite (issue 24): the local servers (sandbox, mcp --http) under hostile requests,
# the MCP servers bounded, state files under kill -9 and concurrent writers, the guard's rules.
# Everything runs on 127.0.0.1 against the built package (pkg/, or ITERABLE_WASM_PKG); RSS figures
# need Linux's /proc (elsewhere those checks are skipped). Exits 0 only if every test passed; the
# last line is "security: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
tap="$(mktemp)"
trap 'rm -f "$tap"' EXIT
# One file at a time: memory and timing figures must not be disturbed by another test's load.
node --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" \
  tests/security/guard.test.mjs tests/security/local-servers.test.mjs tests/security/mcp.test.mjs tests/security/state.test.mjs
rc=$?
pass=$(grep -E '^# pass ' "$tap" | awk '{print $3}')
fail=$(grep -E '^# fail ' "$tap" | awk '{print $3}')
pass=${pass:-0}
fail=${fail:-0}
if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then fail=1; fi
echo "security: ${pass} passed, ${fail} failed"
[ "$rc" -eq 0 ] && [ "$fail" -eq 0 ]
