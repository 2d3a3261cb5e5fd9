// Deno (2.6+): the wasm imported as a compiled WebAssembly.Module (source phase import), so no
// read permission is needed, whether the package came from npm: or node_modules; instantiated on
// first use.
import source wasmModule from './iterable_wasm_bg.wasm';
import { initSync } from './iterable_wasm.js';

export function load() {
  initSync(wasmModule);
}
