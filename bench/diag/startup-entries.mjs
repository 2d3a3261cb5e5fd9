// Diagnostic (not part of run.mjs): start-up of package entries in Node, in fresh processes run in
// interleaved rounds (so a busy machine slows every variant alike); medians.
//
//   node bench/diag/startup-entries.mjs [--n 25] label=[node:]how:path ...
//     how: import | require      path: an entry file (pkg/index.node.js, pkg/index.cjs, ...)
//     node: a node binary for this variant (default: this one)
//   e.g. node bench/diag/startup-entries.mjs before=import:/tmp/base/pkg/index.node.js after=import:pkg/index.node.js
//
// Per variant: "import" (the module graph loaded), "client" (import → first `new IterableClient`,
// the wasm instantiated by then) and "call" (→ a first call settled: a ValidationError, nothing sent).
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const n = args.includes('--n') ? Number(args[args.indexOf('--n') + 1]) : 25;
const variants = args.filter((a) => a.includes('=')).map((a) => {
  const [label, spec] = a.split(/=(.*)/s);
  const parts = spec.split(':');
  const path = resolve(parts.pop());
  const how = parts.pop();
  const node = parts.length ? parts.join(':') : process.execPath;
  return { label, how, path, node };
});
if (!variants.length) {
  console.error('usage: node bench/diag/startup-entries.mjs [--n 25] label=[node:]import|require:path ...');
  process.exit(2);
}

const script = (v) => `
const t0 = performance.now();
${v.how === 'require' ? `const m = require(${JSON.stringify(v.path)});` : `const m = await import(${JSON.stringify(pathToFileURL(v.path).href)});`}
const t1 = performance.now();
const c = new m.IterableClient({ apiKey: 'k' });
const t2 = performance.now();
c.trackEvent({}).catch(() => {
  const t3 = performance.now();
  console.log(JSON.stringify({ import: t1 - t0, client: t2 - t0, call: t3 - t0 }));
});`;
const one = (v) => new Promise((res, rej) => {
  const flags = v.how === 'require' ? ['-e', script(v)] : ['--input-type=module', '-e', script(v)];
  execFile(v.node, flags, { encoding: 'utf8' }, (e, out, err) => (e ? rej(new Error(`${v.label}: ${err || e.message}`)) : res(JSON.parse(out.trim().split('\n').pop()))));
});

const data = Object.fromEntries(variants.map((v) => [v.label, []]));
for (const v of variants) await one(v); // warm the file cache
for (let i = 0; i < n; i++) {
  const order = i % 2 ? [...variants].reverse() : variants;
  for (const v of order) data[v.label].push(await one(v));
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const w = Math.max(...variants.map((v) => v.label.length), 7);
const q1 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 4)];
console.log(`${'variant'.padEnd(w)}  import ms  client ms  first call ms   (median of ${n} fresh processes, interleaved; first quartile in brackets)`);
const cell = (d, k) => `${median(d.map((x) => x[k])).toFixed(2)} (${q1(d.map((x) => x[k])).toFixed(1)})`;
for (const v of variants) {
  const d = data[v.label];
  console.log(`${v.label.padEnd(w)}  ${cell(d, 'import').padStart(13)}  ${cell(d, 'client').padStart(13)}  ${cell(d, 'call').padStart(13)}`);
}
