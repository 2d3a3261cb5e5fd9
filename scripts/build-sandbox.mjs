#!/usr/bin/env node
// Builds the sandbox emulator (sandbox/ crate) to its own wasm and puts it, with the JS in
// pkg-template/sandbox/, into pkg/sandbox/ (and pkg-template/server/, which its HTTP server
// imports, next to it in pkg/server/). Same steps as scripts/build.mjs: cargo release for
// wasm32 -> wasm-bindgen --target web -> wasm-opt -Oz (npm binaryen). Run after build.mjs (which
// recreates pkg/), or on its own to refresh pkg/sandbox/.
// Env: CARGO_TARGET_DIR (default target/), SANDBOX_OUT (output dir instead of pkg/sandbox/),
// ITERABLE_WASM_PROFILE=debug, ITERABLE_WASM_NO_OPT=1, ITERABLE_WASM_NO_MINIFY=1.
import { localBin, requireTools, runTool } from './tools.mjs';
import { multiValueExports, withoutTargetFeature } from './wasm-abi.mjs';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = process.env.SANDBOX_OUT || join(root, 'pkg', 'sandbox');
const run = (cmd, args) => runTool(cmd, args, { stdio: 'inherit', cwd: root });
requireTools(root, { opt: process.env.ITERABLE_WASM_NO_OPT !== '1' });
const bin = (name) => localBin(root, name) ?? name;

const profile = process.env.ITERABLE_WASM_PROFILE || 'release';
const targetDir = process.env.CARGO_TARGET_DIR || join(root, 'target');
run('cargo', ['build', '-p', 'iterable-sandbox', '--lib', '--target', 'wasm32-unknown-unknown', ...(profile === 'release' ? ['--release'] : [])]);
const wasmIn = join(targetDir, 'wasm32-unknown-unknown', profile === 'release' ? 'release' : 'debug', 'iterable_sandbox.wasm');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
// Without the multivalue feature, so wasm-bindgen returns through a stack slot (scripts/wasm-abi.mjs).
const wasmSingle = wasmIn.replace(/\.wasm$/, '.single-value.wasm');
withoutTargetFeature(wasmIn, wasmSingle, 'multivalue');
run('wasm-bindgen', ['--target', 'web', '--out-dir', out, '--out-name', 'iterable_sandbox', wasmSingle]);
const wasm = join(out, 'iterable_sandbox_bg.wasm');
if (process.env.ITERABLE_WASM_NO_OPT !== '1') {
  run(bin('wasm-opt'), ['-Oz', '--strip-debug', '--strip-producers', wasm, '-o', wasm]);
}
const multiValue = multiValueExports(readFileSync(wasm), wasm);
if (multiValue.length) throw new Error(`${wasm}: exports that return several values (${multiValue.join(', ')}), which Node 20 compiles a wrapper for, each, at start-up: scripts/wasm-abi.mjs no longer keeps wasm-bindgen from using multi-value`);
rmSync(join(out, 'iterable_sandbox_bg.wasm.d.ts'), { force: true });
// wasm-bindgen's init types name DOM-only types; the loaders are the API.
const dts = join(out, 'iterable_sandbox.d.ts');
const decl = readFileSync(dts, 'utf8');
const cut = decl.indexOf('export type InitInput');
if (cut > 0) writeFileSync(dts, decl.slice(0, cut));

const tpl = join(root, 'pkg-template', 'sandbox');
for (const f of readdirSync(tpl)) cpSync(join(tpl, f), join(out, f));
// The HTTP server (server.js) imports the shared local-server modules from ../server/.
cpSync(join(root, 'pkg-template', 'server'), join(dirname(out), 'server'), { recursive: true });
if (process.env.ITERABLE_WASM_NO_MINIFY !== '1') {
  run(bin('esbuild'), [join(out, 'iterable_sandbox.js'), '--minify', '--keep-names', '--format=esm', '--target=es2022', '--log-level=warning', `--outdir=${out}`, '--allow-overwrite']);
}
const bytes = readFileSync(wasm);
console.log(`built ${out}; wasm ${statSync(wasm).size} bytes, ${gzipSync(bytes, { level: 9 }).length} gzip`);
