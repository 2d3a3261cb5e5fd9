// Diagnostic (not part of run.mjs): the phases of index.node.js's start-up, replayed step by step
// with timestamps (ESM loading, wasm read/compile/instantiate, the catalog, defineSurface, the first
// client). The separate JSON.parse(catalog) row is extra work done only here, to size that step.
//   node bench/diag/startup-phases.mjs /work/main/pkg/ [--json]
const t = [performance.now()];
const P = 'file://' + process.argv[2].replace(/\/?$/, '/');
const mark = (l) => { t.push(performance.now()); labels.push(l); };
const labels = [];
const { readFileSync } = await import('node:fs'); mark('import node:fs');
const glue = await import(P + 'iterable_wasm.js'); mark('import iterable_wasm.js (ESM load)');
const bytes = readFileSync(new URL(P + 'iterable_wasm_bg.wasm')); mark('read wasm');
const mod = new WebAssembly.Module(bytes); mark('WebAssembly.Module (compile)');
glue.initSync({ module: mod }); mark('initSync (instantiate + start)');
const { defineSurface } = await import(P + 'api.js'); mark('import api.js + errors.js');
const cj = glue.catalogJson(); mark(`catalogJson() (${cj.length} chars)`);
const parsed = JSON.parse(cj); mark('JSON.parse(catalog)');
const actions = defineSurface(cj); mark('defineSurface (parse + freeze + methods)');
const c = new glue.IterableClient({ apiKey: 'k' }); mark('new IterableClient');
const c2 = new glue.IterableClient({ apiKey: 'k2' }); mark('second new IterableClient');
if (process.argv.includes('--json')) {
  console.log(JSON.stringify(labels.map((l, i) => ({ phase: l, ms: t[i + 1] - t[i] }))));
  process.exit(0);
}
console.log(labels.map((l, i) => `${(t[i + 1] - t[i]).toFixed(2).padStart(7)} ms  ${l}`).join('\n'));
console.log(`${(t.at(-2) - t[0]).toFixed(2).padStart(7)} ms  total to first client`);
