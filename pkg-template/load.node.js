// Node: reads the wasm next to the entry, synchronously on first use: index.cjs (the CommonJS
// build of the Node entry) by __dirname, index.node.js by import.meta.url. Where the file is not
// there (the entry was bundled into another folder), the wasm comes from iterable_wasm_bg.inline.js
// instead, imported on first use (calls wait for it). Bundlers targeting Node pick
// index.inline.js in the first place (the "module" condition), so this is a fallback.
import { readFileSync } from 'node:fs';
import { initSync } from './iterable_wasm.js';

export function load() {
  let bytes;
  try {
    bytes = readFileSync(typeof __dirname === 'string' ? `${__dirname}/iterable_wasm_bg.wasm` : new URL('./iterable_wasm_bg.wasm', import.meta.url));
  } catch {
    return import('./iterable_wasm_bg.inline.js').then(({ wasmBytes }) => {
      initSync(wasmBytes());
    });
  }
  initSync(bytes);
}
