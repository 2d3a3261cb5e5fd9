# Sourced by suites made of parts (scripts/rust-client.sh, tests/rust-wasm/run.sh):
#   run_parts <suite> <part>...
# runs each part (a shell function of the caller) in order, prints its time and whether it
# passed, and exits 1 naming the parts that failed.
run_parts() {
  local suite=$1 p t0
  shift
  local failed=()
  for p in "$@"; do
    echo "== $suite: $p"
    t0=$SECONDS
    if "$p"; then echo "== $suite: $p passed ($((SECONDS - t0))s)"; else echo "== $suite: $p FAILED ($((SECONDS - t0))s)"; failed+=("$p"); fi
  done
  [ ${#failed[@]} -eq 0 ] || { echo "$suite FAILED: ${failed[*]}"; exit 1; }
  echo "$suite: all passed ($*)"
}
