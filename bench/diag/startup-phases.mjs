// Diagnostic: where the start-up of the shipped Node entry (index.node.js, one bundled file) goes,
// in one fresh process: the import (read, parse, link and run the module: the client class and its
// methods, nothing else), then the first `new IterableClient`, which instantiates the wasm: its
// compile (`new WebAssembly.Module`) and instantiation (`new WebAssembly.Instance`) timed by
// wrapping the two constructors, the rest (reading the .wasm, the wasm client's constructor, the
// first run of that code) by difference; then a second client and the first access to `actions`
// (the catalog parsed and expanded then, not at import). run.mjs --profile takes the median of 15.
//   node bench/diag/startup-phases.mjs PKGDIR [--json]
const t0 = performance.now();
const spent = { compile: 0, instantiate: 0 };
const timed = (Original, key) => {
  const wrapper = function (...args) {
    const s = performance.now();
    try {
      return new Original(...args);
    } finally {
      spent[key] += performance.now() - s;
    }
  };
  wrapper.prototype = Original.prototype; // `instanceof WebAssembly.Module` still holds
  Object.setPrototypeOf(wrapper, Original); // and the statics (Module.exports, ...)
  return wrapper;
};
WebAssembly.Module = timed(WebAssembly.Module, 'compile');
WebAssembly.Instance = timed(WebAssembly.Instance, 'instantiate');
// (No node:url or node:path here: an ES module import of a built-in would warm up what the entry pays.)
const entry = new URL('index.node.js', new URL(process.argv[2].replace(/\/?$/, '/'), `file://${process.cwd()}/`)).href;
const { IterableClient, actions } = await import(entry);
const t1 = performance.now();
new IterableClient({ apiKey: 'k' });
const t2 = performance.now();
new IterableClient({ apiKey: 'k2' });
const t3 = performance.now();
void actions.length;
const t4 = performance.now();
const phases = [
  { phase: 'import index.node.js (read, parse, run the module)', ms: t1 - t0 },
  { phase: 'first client: WebAssembly.Module (compile)', ms: spent.compile },
  { phase: 'first client: WebAssembly.Instance (instantiate)', ms: spent.instantiate },
  { phase: 'first client: the rest (read the .wasm, the wasm client, first runs)', ms: t2 - t1 - spent.compile - spent.instantiate },
  { phase: 'second new IterableClient', ms: t3 - t2 },
  { phase: 'first access to actions (catalog parsed + expanded)', ms: t4 - t3 },
];
if (process.argv.includes('--json')) {
  console.log(JSON.stringify(phases));
  process.exit(0);
}
console.log(phases.map((p) => `${p.ms.toFixed(2).padStart(7)} ms  ${p.phase}`).join('\n'));
console.log(`${(t2 - t0).toFixed(2).padStart(7)} ms  import + first client`);
