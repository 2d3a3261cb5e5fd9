// Browsers, web workers and bundlers: fetch and instantiate the wasm next to this file.
// Top-level await, so importers get a ready module without calling init themselves.
import init from './iterable_wasm.js';

await init({ module_or_path: new URL('./iterable_wasm_bg.wasm', import.meta.url) });
