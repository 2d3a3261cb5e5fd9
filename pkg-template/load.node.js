// Node (and bundles for Node, ESM or CommonJS): the wasm is carried inside the JavaScript
// (iterable_wasm_bg.inline.js), so no file has to be found next to the module, whatever a bundler
// did with it; instantiated synchronously on first use.
import { initSync } from './iterable_wasm.js';
import { wasmBytes } from './iterable_wasm_bg.inline.js';

export function load() {
  initSync(wasmBytes());
}
