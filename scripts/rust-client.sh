#!/usr/bin/env bash
# The Rust crates natively: what `scripts/test.sh` runs as its "rust client" step.
#   1. msrv     the rustc in use is the workspace's `rust-version` (Cargo.toml, [workspace.package]):
#               the crates declare the toolchain they are built and tested with here, no older one;
#   2. tests    the committed generated code is current (tests/client_codegen.rs), and
#               `cargo test -p iterable-client` (in-process sandbox, local HTTP fake, parity fixture);
#   3. publish  `cargo publish --dry-run` of the three crates together (iterable-wasm, the core;
#               iterable-sandbox; iterable-client): each is packaged from its own files only, the
#               path dependencies between them resolve from the packages just made, and each
#               package is built from its unpacked sources in target/publish (about 2 min at
#               -j 1 the first time, 10-20 s once its dependencies are built there).
#               --no-verify skips those builds.
#   4. lint     clippy with warnings as errors over the whole workspace (every crate, its tests,
#               examples and build scripts) natively, and the core's and the client's libraries
#               for wasm32 (the code behind cfg(target_arch = "wasm32")); rustdoc of the three
#               crates with warnings as errors (broken links, bad code blocks).
#
#   bash scripts/rust-client.sh                 # all four
#   bash scripts/rust-client.sh publish --no-verify
#
# Needs the crates.io index (the only network the suite uses); nothing is uploaded.
set -uo pipefail
cd "$(dirname "$0")/.."
parts=()
verify=1
for a in "$@"; do
  case $a in
    msrv|tests|publish|lint) parts+=("$a") ;;
    --no-verify) verify=0 ;;
    *) echo "unknown argument: $a (msrv tests publish lint --no-verify)" >&2; exit 2 ;;
  esac
done
[ ${#parts[@]} -eq 0 ] && parts=(msrv tests publish lint)

msrv() {
  local want have
  want=$(sed -n '/^\[workspace.package\]/,/^\[/s/^rust-version = "\(.*\)"/\1/p' Cargo.toml)
  have=$(rustc --version | awk '{print $2}')
  if [ -z "$want" ]; then
    echo "Cargo.toml: no rust-version in [workspace.package]" >&2
    return 1
  fi
  # rust-version "1.95" is met by 1.95.x: compare major.minor (and the patch when one is declared).
  case $have in
    "$want" | "$want".*) echo "rustc $have is the declared rust-version $want" ;;
    *) echo "rustc $have is not the declared rust-version $want: the crates are tested only with it (client/README.md, MSRV)" >&2; return 1 ;;
  esac
}

tests() {
  cargo test --quiet -p iterable-wasm --test client_codegen && cargo test --quiet -p iterable-client
}

publish() {
  # Its own target directory: the verification builds the crates from the overlay registry,
  # whose artifacts must not mix with the workspace's (a later workspace build linked two
  # serde_json builds when they shared one).
  local flags=(--dry-run --allow-dirty --target-dir target/publish -p iterable-wasm -p iterable-sandbox -p iterable-client)
  # The packages just made reach the verification builds through a local overlay registry, which
  # cargo unpacks under $CARGO_HOME/registry/src/-<hash>/ and, like any registry's sources, never
  # unpacks again for the same name and version: a second dry run would build the first one's
  # iterable-wasm 0.1.0. Only those copies of these crates are removed (the overlay's directory
  # holds nothing else).
  local d
  for d in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/iterable-{wasm,sandbox,client}-[0-9]*; do
    [ -d "$d" ] && rm -rf -- "$d"
  done
  # Nor does cargo rebuild a registry crate it has built before (a registry's sources never
  # change): the previous run's iterable-wasm would be linked into this run's client, which fails
  # as soon as the core's public API changes. Their artifacts in target/publish go too (their
  # dependencies' stay).
  [ -d target/publish ] && cargo clean --quiet --target-dir target/publish -p iterable-wasm -p iterable-sandbox -p iterable-client
  [ "$verify" = 1 ] || flags+=(--no-verify)
  cargo publish "${flags[@]}"
}

lint() {
  cargo clippy --quiet --workspace --all-targets -- -D warnings || return 1
  # One crate at a time: the sandbox and the core each bring their own allocator to a wasm
  # module, so they cannot be linted (linked) together for wasm32. The sandbox's wasm-only code
  # is its thin export shim; its dependencies for wasm32 would double this part's cold time.
  local p
  for p in iterable-wasm iterable-client; do
    cargo clippy --quiet --target wasm32-unknown-unknown -p "$p" --lib -- -D warnings || return 1
  done
  RUSTDOCFLAGS="-D warnings" cargo doc --quiet --no-deps -p iterable-wasm -p iterable-sandbox -p iterable-client
}

source scripts/lib/run-parts.sh
run_parts rust-client "${parts[@]}"
