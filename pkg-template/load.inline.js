// Any bundler, any output format (esbuild, Rollup, bun build, iife, CommonJS): the wasm is carried
// inside the JavaScript as a string of one char per byte (iterable_wasm_bg.inline.js), decoded and
// instantiated synchronously on first use. No file to copy, no plugin.
import { initSync } from './iterable_wasm.js';
import { wasmBytes } from './iterable_wasm_bg.inline.js';

export function load() {
  initSync(wasmBytes());
}
