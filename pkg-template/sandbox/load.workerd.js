// Cloudflare Workers (workerd): the bundler hands the .wasm over as a compiled WebAssembly.Module
// (workerd cannot compile bytes at run time).
import wasmModule from './iterable_sandbox_bg.wasm';
import * as mod from './iterable_sandbox.js';

export async function instantiate() {
  mod.initSync({ module: wasmModule });
  return mod;
}
