// Deno (2.6+): the wasm imported as a compiled WebAssembly.Module (source phase import), like the
// main entry, so no read permission is needed.
import source wasmModule from './iterable_sandbox_bg.wasm';
import * as mod from './iterable_sandbox.js';

export async function instantiate() {
  mod.initSync({ module: wasmModule });
  return mod;
}
