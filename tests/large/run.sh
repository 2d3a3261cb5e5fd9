#!/usr/bin/env bash
# Large-work suite: Node, then Deno (both always run). Exit 1 if either fails.
#   bash tests/large/run.sh [--quick]
set -uo pipefail
cd "$(dirname "$0")/../.."
export NO_COLOR=1 npm_config_update_notifier=false
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
status=0
for engine in node deno; do
  t0=$(now_ms)
  if [ $engine = node ]; then
    timeout --kill-after=10 300 node tests/large/node.mjs "$@" || status=1
  else
    timeout --kill-after=10 300 npx --no-install deno run -A --v8-flags=--expose-gc tests/large/deno.mjs "$@" || status=1
  fi
  dt=$(( $(now_ms) - t0 ))
  echo "== large: $engine took $((dt / 1000)).$(( (dt % 1000) / 100 )) s"
done
exit $status
