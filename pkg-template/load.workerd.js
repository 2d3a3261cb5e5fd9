// Cloudflare Workers (workerd): the bundler hands the .wasm over as a compiled WebAssembly.Module.
import wasmModule from './iterable_wasm_bg.wasm';
import { initSync } from './iterable_wasm.js';

initSync({ module: wasmModule });
