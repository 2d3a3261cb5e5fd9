#!/usr/bin/env bash
# Installs what building and testing need, skipping what is already there (idempotent):
# the wasm32 Rust target, the wasm-bindgen CLI matching the pinned crate, wasm-pack, npm packages, zsh and
# fish (the CLI's completion tests run in them), and (with --browser) Debian's Chromium + ChromeDriver.
set -euo pipefail
cd "$(dirname "$0")/.."
want_browser=0
[ "${1:-}" = "--browser" ] && want_browser=1
say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding Rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown >&2
fi

WB_VERSION=$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' Cargo.toml)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WB_VERSION" ]; then
  say "installing wasm-bindgen-cli $WB_VERSION (a few minutes, once)"
  cargo install wasm-bindgen-cli --version "$WB_VERSION" >&2
fi

# wasm-pack: runs the Rust client's browser tests (tests/rust-wasm/run.sh: `wasm-pack test --chrome`
# with the system chromedriver and the wasm-bindgen CLI above; it downloads nothing there).
WASM_PACK_VERSION=0.15.1
if [ "$(wasm-pack --version 2>/dev/null | awk '{print $2}')" != "$WASM_PACK_VERSION" ]; then
  say "installing wasm-pack $WASM_PACK_VERSION (a few minutes, once)"
  cargo install wasm-pack --version "$WASM_PACK_VERSION" >&2
fi

stamp=node_modules/.setup-stamp
if [ ! -f "$stamp" ] || [ package.json -nt "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  say "installing npm packages"
  # npm ci can trip over platform-specific optional packages; npm install is reliable here.
  npm install --no-audit --no-fund >&2
  touch "$stamp"
fi

# wrangler (tests/queues runs the Queues example under `wrangler deploy --dry-run` and `wrangler dev`)
# and miniflare share one workerd package, and both start the platform package's binary through
# require("workerd") — its own postinstall (which only links that binary into workerd/bin) is not
# needed, so npm's "install scripts not yet covered by allowScripts" warning is harmless. Checked
# here: the workerd wrangler resolves runs, and its compatibility date is the example's or later.
node - <<'NODE' >&2 || { say "wrangler's workerd does not run: rm -rf node_modules/.setup-stamp and run this script again"; exit 1; }
const { createRequire } = require('node:module');
const { execFileSync } = require('node:child_process');
const fromWrangler = createRequire(require.resolve('wrangler/package.json', { paths: [process.cwd()] }));
const workerd = fromWrangler('workerd');
const version = execFileSync(workerd.default, ['--version'], { encoding: 'utf8' }).trim();
const example = /^compatibility_date = "([\d-]+)"/m.exec(require('node:fs').readFileSync('examples/queues-sync/wrangler.toml', 'utf8'))[1];
if (example > workerd.compatibilityDate) throw new Error(`examples/queues-sync/wrangler.toml: compatibility_date ${example} is later than workerd's ${workerd.compatibilityDate}`);
console.error(`\x1b[1m[setup]\x1b[0m wrangler ${fromWrangler('./package.json').version} with ${version} (${workerd.default})`);
NODE

# zsh and fish: tests/cli runs the generated completion scripts in each shell (bash is here already).
# Installed once, when missing; where apt-get is not available those tests are skipped and say so.
missing_shells=""
for shell in zsh fish; do command -v "$shell" >/dev/null 2>&1 || missing_shells="$missing_shells $shell"; done
if [ -n "$missing_shells" ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  if command -v apt-get >/dev/null 2>&1 && { [ -z "$SUDO" ] || command -v sudo >/dev/null 2>&1; }; then
    say "installing$missing_shells (the CLI's completion tests run in them)"
    { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing_shells; } >&2 \
      || say "could not install$missing_shells: their completion tests will be skipped"
  else
    say "no apt-get here:$missing_shells not installed, their completion tests will be skipped"
  fi
fi

if [ "$want_browser" = 1 ] && { [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; }; then
  say "installing Debian's chromium and chromium-driver"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >&2
fi
