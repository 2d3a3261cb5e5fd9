// `npm run build` on a machine without the set-up: every missing tool is named with the command
// that installs it, before anything is built; never a raw spawnSync ENOENT or a stack trace.
// Runs scripts/build.mjs from a copy of the repo's build files (no node_modules) with a PATH that
// holds only node and, per case, fake tools.
//   node --test tests/build/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missingTools } from '../../scripts/tools.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const PINNED = /^wasm-bindgen\s*=\s*"=([^"]+)"/m.exec(readFileSync(join(root, 'Cargo.toml'), 'utf8'))[1];

/** A copy of what the build script reads before its first tool, and a bin folder with node. */
function sandboxRepo(t) {
  const dir = mkdtempSync(join(tmpdir(), 'iterable-build-tools-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const repo = join(dir, 'repo');
  mkdirSync(join(repo, 'scripts'), { recursive: true });
  for (const f of ['build.mjs', 'build-sandbox.mjs', 'tools.mjs', 'wasm-abi.mjs', 'setup.sh']) cpSync(join(root, 'scripts', f), join(repo, 'scripts', f));
  cpSync(join(root, 'Cargo.toml'), join(repo, 'Cargo.toml'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  return { repo, bin };
}

const fake = (bin, name, script) => {
  writeFileSync(join(bin, name), `#!/bin/sh\n${script}\n`);
  chmodSync(join(bin, name), 0o755);
};

function build(repo, bin, script = 'build.mjs') {
  const r = spawnSync(join(bin, 'node'), [join(repo, 'scripts', script)], { cwd: repo, env: { PATH: bin, HOME: process.env.HOME }, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

const noRawFailure = (stderr) => {
  assert.doesNotMatch(stderr, /ENOENT|spawnSync|^\s+at /m, stderr);
  assert.ok(Buffer.byteLength(stderr) < 2048, `stderr is ${Buffer.byteLength(stderr)} bytes`);
};

test('no tool at all: each is named with its fix, nothing is built', (t) => {
  const { repo, bin } = sandboxRepo(t);
  const { status, stderr, stdout } = build(repo, bin);
  assert.equal(status, 1);
  assert.equal(stdout, '');
  noRawFailure(stderr);
  assert.match(stderr, /cannot start: 4 tools are missing/);
  assert.match(stderr, /cargo \(Rust\): cargo or rustc is not on PATH\.\n\s+Fix: install Rust from https:\/\/rustup\.rs, then bash scripts\/setup\.sh/);
  assert.match(stderr, new RegExp(`wasm-bindgen-cli ${PINNED.replace(/\./g, '\\.')}: wasm-bindgen is not on PATH\\.\\n\\s+Fix: bash scripts/setup\\.sh`));
  assert.match(stderr, /wasm-opt \(npm package binaryen\): node_modules\/\.bin\/wasm-opt is missing[^\n]*\n\s+Fix: bash scripts\/setup\.sh/);
  assert.match(stderr, /esbuild \(npm package\): [^\n]*\n\s+Fix: bash scripts\/setup\.sh/);
  assert.match(stderr, /then run `bash scripts\/setup\.sh` once/);
});

test('Rust without the wasm32 target, and a wasm-bindgen of another version', (t) => {
  const { repo, bin } = sandboxRepo(t);
  const sysroot = join(repo, 'sysroot');
  mkdirSync(join(sysroot, 'lib', 'rustlib', 'x86_64-unknown-linux-gnu'), { recursive: true });
  fake(bin, 'cargo', 'echo "cargo 1.95.0"');
  fake(bin, 'rustc', `echo "${sysroot}"`);
  fake(bin, 'wasm-bindgen', 'echo "wasm-bindgen 0.2.99"');
  const { status, stderr } = build(repo, bin);
  assert.equal(status, 1);
  noRawFailure(stderr);
  assert.doesNotMatch(stderr, /cargo \(Rust\)/);
  assert.match(stderr, /Rust target wasm32-unknown-unknown: [^\n]*not installed\.\n\s+Fix: bash scripts\/setup\.sh/);
  assert.match(stderr, new RegExp(`wasm-bindgen-cli ${PINNED.replace(/\./g, '\\.')}: wasm-bindgen on PATH is 0\\.2\\.99; [^\\n]*must match`));
  assert.match(stderr, /Run `bash scripts\/setup\.sh` once \(it installs only what is missing\), then build again\./);
});

test('the sandbox build checks the same tools', (t) => {
  const { repo, bin } = sandboxRepo(t);
  const { status, stderr } = build(repo, bin, 'build-sandbox.mjs');
  assert.equal(status, 1);
  noRawFailure(stderr);
  assert.match(stderr, /cargo \(Rust\)[\s\S]*wasm-bindgen-cli[\s\S]*wasm-opt[\s\S]*esbuild/);
});

test('with the set-up done (this machine), nothing is reported missing', () => {
  assert.deepEqual(missingTools(root), []);
});
