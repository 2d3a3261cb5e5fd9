#!/usr/bin/env bash
# Fault-injection suite: Node, then Deno (both always run). Exit 1 if either fails.
set -uo pipefail
cd "$(dirname "$0")/../.."
status=0
node tests/faults/node.mjs || status=1
npx --no-install deno run -A tests/faults/deno.mjs || status=1
exit $status
