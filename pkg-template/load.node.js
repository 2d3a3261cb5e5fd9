// Node: reads the wasm next to the entry, synchronously on first use: index.cjs (the CommonJS build
// of the Node entry) by __dirname, index.node.js by import.meta.url. Where the file is not there
// (the entry was bundled into another folder), the wasm comes from iterable_wasm_bg.inline.js
// instead, imported on first use (calls wait for it). Bundlers targeting Node pick index.inline.js
// in the first place (the "module" condition), so this is a fallback.
//
// The compiled WebAssembly.Module is kept per process, by the file it came from: a process that
// loads both builds of the entry (an ES module importing the package and a CommonJS dependency
// requiring it) compiles the wasm once and instantiates it once per build. Another copy or version
// of the package is another file, so it never gets this one's module.
import { createRequire } from 'node:module';
import { initSync } from './iterable_wasm.js';
import { describeFrom } from './catalog.js';

const MODULES = Symbol.for('iterable-wasm.modules');

/** A Node built-in module, taken when first needed: by process.getBuiltinModule (Node 20.16+,
 * 22.3+), else by a require. Never an ES module import: for that Node builds the module's whole
 * namespace at start-up (node:fs 1.5-2 ms, as its `promises` are loaded; node:crypto ~3 ms, as its
 * `webcrypto` is), where node:module's is ~0.2 ms. */
export const builtin = (name) => process.getBuiltinModule?.(name) ?? createRequire(import.meta.url ?? __filename)(name);

/** The path of a file beside the entry ('' where the entry cannot tell): by import.meta.url in
 * the ES module build (first: under `node -e` a global __dirname of '.' exists there too), by
 * __dirname in the CommonJS one (where import.meta is empty). */
function beside(name) {
  try {
    const url = import.meta.url;
    return url ? decodeURIComponent(new URL(`./${name}`, url).pathname) : `${__dirname}/${name}`;
  } catch {
    return '';
  }
}

export function load() {
  const file = beside('iterable_wasm_bg.wasm');
  const modules = (globalThis[MODULES] ??= new Map());
  let module = modules.get(file);
  if (!module) {
    let bytes;
    try {
      bytes = builtin('node:fs').readFileSync(file);
    } catch {
      return import('./iterable_wasm_bg.inline.js').then(({ wasmBytes }) => {
        initSync(wasmBytes());
      });
    }
    module = new WebAssembly.Module(bytes);
    modules.set(file, module);
  }
  initSync(module);
}

/** The catalog behind `actions` (`{ describe }`): its text (56 KB) read from catalog-text.js beside
 * the entry when `actions` is first read, rather than parsed with the entry by every process that
 * imports it (~0.8 ms of start-up). Given as a thenable that settles at once (api.js's `actions`
 * calls then() and reads `describe` right after; `ready()` awaits it). Where the file is not there
 * (the entry was bundled into another folder), the module is imported instead, and `await ready()`
 * waits for it, as for the wasm. */
export function loadCatalog() {
  const fs = builtin('node:fs');
  const file = beside('catalog-text.js');
  if (!file || !fs.existsSync(file)) return import('./catalog-text.js').then(({ default: text }) => ({ describe: (ids, rows) => describeFrom(text, ids, rows) }));
  const module = {
    describe(ids, rows) {
      // The module is `export default "<the JSON text>";`: its one string literal, read as JSON.
      const source = fs.readFileSync(file, 'utf8');
      return describeFrom(JSON.parse(source.slice(source.indexOf('"'), source.lastIndexOf('"') + 1)), ids, rows);
    },
  };
  return { then: (settle) => settle(module) };
}
