#!/usr/bin/env bash
# Bulk and export syncs over Cloudflare Queues (iterable-wasm/queues) in miniflare against the
# sandbox's HTTP server with faults injected: CI size (15,000 users, 3,000 events, 10 consumers, an
# export of 4 files), then the example Worker through wrangler (deploy --dry-run, and wrangler dev
# against the CLI's sandbox server). The bench size (not in CI):
#   node tests/queues/sync.mjs --users 1000000 --events 0 --message-bytes 120000 --max-seconds 3000 --only users --margin-ms 400
set -uo pipefail
cd "$(dirname "$0")/../.."
status=0
node tests/queues/sync.mjs "$@" || status=1
node tests/queues/wrangler.mjs || status=1
exit $status
