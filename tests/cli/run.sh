#!/usr/bin/env bash
# The CLI and MCP tests (issue 9): the real binary in subprocesses (Node and Deno), the MCP server
# over stdio and over streamable HTTP in workerd, each driven by the official MCP SDK client.
# Needs a built pkg/ (npm run build). Exits 0 only if every test passed; the last line is
# "cli: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
tap="$(mktemp)"
trap 'rm -f "$tap"' EXIT
node --test --test-concurrency=2 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" \
  tests/cli/cli.test.mjs tests/mcp/mcp.test.mjs tests/mcp/worker.test.mjs
rc=$?
pass=$(grep -E '^# pass ' "$tap" | awk '{print $3}')
fail=$(grep -E '^# fail ' "$tap" | awk '{print $3}')
pass=${pass:-0}
fail=${fail:-0}
if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then fail=1; fi
echo "cli: ${pass} passed, ${fail} failed"
[ "$rc" -eq 0 ] && [ "$fail" -eq 0 ]
