// The tools `npm run build` (scripts/build.mjs, scripts/build-sandbox.mjs) runs, checked before it
// starts: each one missing (or at the wrong version) is named with what it is for and the command
// that installs it, and the build stops there (exit 1) instead of dying in the middle with a
// spawnSync ENOENT.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const SETUP = 'bash scripts/setup.sh';

/** The output of `cmd args`, or null when it cannot be run. */
const output = (cmd, args, cwd) => {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
};

/** node_modules/.bin/<name> of the repo (the versions package.json pins), or null. */
export const localBin = (root, name) => {
  const p = join(root, 'node_modules', '.bin', name);
  return existsSync(p) ? p : null;
};

/**
 * What is missing for the build: one `{ tool, problem, fix }` per tool. `opt`: wasm-opt is
 * needed; `minify`: esbuild is (it also bundles the Node, Deno and Workers entries, so always).
 */
export function missingTools(root, { opt = true } = {}) {
  const missing = [];
  const need = (tool, problem, fix = SETUP) => missing.push({ tool, problem, fix });
  const rustc = output('rustc', ['--print', 'sysroot'], root);
  if (output('cargo', ['--version'], root) === null || rustc === null) {
    need('cargo (Rust)', 'cargo or rustc is not on PATH', `install Rust from https://rustup.rs, then ${SETUP}`);
  } else if (!existsSync(join(rustc, 'lib', 'rustlib', 'wasm32-unknown-unknown'))) {
    need('Rust target wasm32-unknown-unknown', 'the Rust standard library for wasm32-unknown-unknown is not installed');
  }
  const pinned = /^wasm-bindgen\s*=\s*"=([^"]+)"/m.exec(readFileSync(join(root, 'Cargo.toml'), 'utf8'))?.[1];
  const wb = output('wasm-bindgen', ['--version'], root);
  if (wb === null) need(`wasm-bindgen-cli ${pinned}`, 'wasm-bindgen is not on PATH');
  else if (pinned && wb.split(/\s+/)[1] !== pinned) need(`wasm-bindgen-cli ${pinned}`, `wasm-bindgen on PATH is ${wb.split(/\s+/)[1] || 'of an unknown version'}; the wasm-bindgen crate is pinned to ${pinned} and the two must match`);
  // binaryen's wasm-opt from npm: an older one (Debian's 108) corrupts modern wasm-bindgen output,
  // so the one on PATH is not used.
  if (opt && !localBin(root, 'wasm-opt')) need("wasm-opt (npm package binaryen)", 'node_modules/.bin/wasm-opt is missing (npm packages not installed)');
  if (!localBin(root, 'esbuild')) need('esbuild (npm package)', 'node_modules/.bin/esbuild is missing (npm packages not installed)');
  return missing;
}

/** Stops the build with one line per missing tool and the command that installs it. */
export function requireTools(root, options) {
  const missing = missingTools(root, options);
  if (!missing.length) return;
  const lines = missing.map((m) => `  - ${m.tool}: ${m.problem}.\n    Fix: ${m.fix}`);
  const fixes = [...new Set(missing.map((m) => m.fix))];
  process.stderr.write(`npm run build cannot start: ${missing.length} tool${missing.length > 1 ? 's are' : ' is'} missing.\n${lines.join('\n')}\n` +
    (fixes.length === 1 && fixes[0] === SETUP ? `Run \`${SETUP}\` once (it installs only what is missing), then build again.\n` : `Install Rust (https://rustup.rs) if cargo is missing, then run \`${SETUP}\` once (it installs only what is missing) and build again.\n`));
  process.exit(1);
}

/** execFileSync, failing readably: a tool that is not there names the fix, a tool that fails
 * says so (its own output is above) instead of a stack trace of this script. */
export function runTool(cmd, args, opts) {
  try {
    return execFileSync(cmd, args, opts);
  } catch (e) {
    const name = cmd.split(/[\\/]/).pop();
    if (e?.code === 'ENOENT') process.stderr.write(`npm run build: ${name} is not installed or not on PATH. Fix: ${SETUP}\n`);
    else if (typeof e?.status === 'number') process.stderr.write(`npm run build: \`${name} ${args.slice(0, 2).join(' ')}\` failed (exit ${e.status}); its output is above.\n`);
    else throw e;
    process.exit(1);
  }
}
