// Node: compiled into index.cjs (CommonJS; index.node.js re-exports it for `import`). Reads the
// wasm next to index.cjs; a bundle that left the file behind (esbuild, bun build, webpack for Node:
// `__dirname` is then the bundle's folder, or missing in ES module output) gets the wasm from
// iterable_wasm_bg.inline.cjs instead, required only then. Synchronous, on first use.
import { initSync } from './iterable_wasm.js';

export function load() {
  let bytes;
  try {
    bytes = require('node:fs').readFileSync(require('node:path').join(__dirname, 'iterable_wasm_bg.wasm'));
  } catch {
    bytes = require('./iterable_wasm_bg.inline.cjs')();
  }
  initSync(bytes);
}
