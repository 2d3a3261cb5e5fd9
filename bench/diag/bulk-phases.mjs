// Where a 100k-event `client.bulk('track_events_in_bulk', ...)` spends its time, for two builds
// of the package side by side (e.g. main's pkg/ copied aside, and this tree's pkg/), runs
// interleaved ABAB… in one process each against the bench server (bench/lib/server.mjs):
//   stringify  JSON.stringify of the items (what bulk() hands the wasm planner)
//   plan       from the call to the first request leaving (the wasm plan: parse, per-item rules,
//              sizing, chunk text, validation of every request)
//   total      the whole call (plan, then 4 requests, concurrency 4, each built in the wasm)
//   node bench/diag/bulk-phases.mjs --a DIR --b DIR [--events 100000] [--rounds 5]
import { importPkg } from '../lib/pkgimport.mjs';
import { arg, benchServer, KEY, median } from './common.mjs';

const N = Number(arg('events', 100_000));
const rounds = Number(arg('rounds', 5));
const dirs = { a: arg('a'), b: arg('b') };
const events = Array.from({ length: N }, (_, i) => ({
  email: `user${i % 5000}@example.com`,
  eventName: i % 10 === 0 ? 'purchase' : 'open',
  createdAt: 1700000000 + i,
  dataFields: { k: i, amount: i % 100, campaign: `spring-${i % 7}`, tags: ['a', 'b'] },
}));
const server = await benchServer();
const clients = {};
const marks = {};
for (const [name, dir] of Object.entries(dirs)) {
  const mod = await importPkg(dir, 'index.node.js');
  // The first request leaving marks the end of planning.
  const timedFetch = (url, init) => { marks[name] ??= performance.now(); return fetch(url, init); };
  clients[name] = new mod.IterableClient({ apiKey: KEY, baseUrl: server.base, rateLimit: false, maxRetries: 0, fetch: timedFetch });
}
const rows = { a: { stringify: [], plan: [], total: [] }, b: { stringify: [], plan: [], total: [] } };
async function once(name, record) {
  let t = performance.now();
  JSON.stringify(events);
  const stringify = performance.now() - t;
  marks[name] = undefined;
  t = performance.now();
  const rep = await clients[name].bulk('track_events_in_bulk', events, { concurrency: 4 });
  const total = performance.now() - t;
  if (rep.succeeded !== N) throw new Error(`${name}: ${rep.succeeded} of ${N} succeeded`);
  if (record) {
    rows[name].stringify.push(stringify);
    rows[name].plan.push(marks[name] - t);
    rows[name].total.push(total);
  }
}
await once('a', false);
await once('b', false);
for (let r = 0; r < rounds; r++) for (const n of r % 2 ? ['b', 'a'] : ['a', 'b']) await once(n, true);
server.stop();
const f = (x) => x.toFixed(0).padStart(6);
console.log(`${N} events, median of ${rounds} interleaved runs (ms): stringify / plan (to first request) / total -> events/s`);
for (const [n, r] of Object.entries(rows)) {
  const tot = median(r.total);
  console.log(`${n} ${dirs[n]}: ${f(median(r.stringify))} ${f(median(r.plan))} ${f(tot)} -> ${Math.round(N / (tot / 1000)).toLocaleString('en-US')}/s   runs ${r.total.map((x) => x.toFixed(0)).join(', ')}`);
}
process.exit(0);
