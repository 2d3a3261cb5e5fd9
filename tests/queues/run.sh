#!/usr/bin/env bash
# Bulk syncs over Cloudflare Queues (iterable-wasm/queues) in miniflare against the sandbox's HTTP
# server with faults injected: CI size (20,000 users, 3,000 events, 10 consumers). The bench size:
#   node tests/queues/sync.mjs --users 1000000 --message-bytes 120000
set -uo pipefail
cd "$(dirname "$0")/../.."
node tests/queues/sync.mjs "$@"
