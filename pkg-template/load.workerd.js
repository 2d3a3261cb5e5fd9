// Cloudflare Workers (workerd): the bundler hands the .wasm over as a compiled WebAssembly.Module;
// instantiated on first use.
import wasmModule from './iterable_wasm_bg.wasm';
import { initSync } from './iterable_wasm.js';

export function load() {
  initSync(wasmModule);
}
