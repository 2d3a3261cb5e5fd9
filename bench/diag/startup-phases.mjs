// Diagnostic (not part of run.mjs): the phases of index.node.js's start-up, replayed step by step
// with timestamps (ESM loading, the wasm read, compiled and instantiated, defineSurface, the first
// client), then the first access to `actions` (the catalog is parsed and expanded then, not at
// import). Since the wasm is instantiated on first use, an import alone stops after
// "defineSurface"; the first client pays the wasm steps.
//   node bench/diag/startup-phases.mjs /work/main/pkg/ [--json]
const t = [performance.now()];
const P = 'file://' + process.argv[2].replace(/\/?$/, '/');
const mark = (l) => { t.push(performance.now()); labels.push(l); };
const labels = [];
const { readFileSync } = await import('node:fs'); mark('import node:fs');
const glue = await import(P + 'iterable_wasm.js'); mark('import iterable_wasm.js (ESM load)');
const bytes = readFileSync(new URL(P + 'iterable_wasm_bg.wasm')); mark('read wasm');
const mod = new WebAssembly.Module(bytes); mark('WebAssembly.Module (compile)');
const { defineSurface, IterableClient } = await import(P + 'api.js'); mark('import api.js + errors.js');
const actions = defineSurface(() => { glue.initSync(mod); }); mark('defineSurface (methods from the id list)');
const c = new IterableClient({ apiKey: 'k' }); mark('new IterableClient (instantiate + first client)');
const c2 = new IterableClient({ apiKey: 'k2' }); mark('second new IterableClient');
void actions.length; mark('first access to actions (catalog parsed + expanded)');
if (process.argv.includes('--json')) {
  console.log(JSON.stringify(labels.map((l, i) => ({ phase: l, ms: t[i + 1] - t[i] }))));
  process.exit(0);
}
console.log(labels.map((l, i) => `${(t[i + 1] - t[i]).toFixed(2).padStart(7)} ms  ${l}`).join('\n'));
console.log(`${(t.at(-3) - t[0]).toFixed(2).padStart(7)} ms  total to first client`);
