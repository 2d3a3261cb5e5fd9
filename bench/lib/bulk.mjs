// Part 4 worker: bulk-track events through client.bulk('track_events_in_bulk', events, {concurrency: 4})
// vs a hand-written fetch loop sending the same chunks (the item counts the client produced, read
// from the server in a calibration run) with the same concurrency. Rounds alternate ABAB… (order
// flipped every round) after a warm-up of each; each run is timed alone.
//   node bench/lib/bulk.mjs --url U --pkg DIR --events N --rounds R --out FILE
import { writeFileSync } from 'node:fs';
import { importPkg } from './pkgimport.mjs';

const argv = process.argv.slice(2);
const arg = (n, d) => { const i = argv.indexOf(`--${n}`); return i >= 0 ? argv[i + 1] : d; };
const base = arg('url');
const N = Number(arg('events', 100_000));
const rounds = Number(arg('rounds', 5));
const CONC = 4;
const KEY = 'bench-key-123';

const events = Array.from({ length: N }, (_, i) => ({
  email: `user${i % 5000}@example.com`,
  eventName: i % 10 === 0 ? 'purchase' : 'open',
  createdAt: 1700000000 + i,
  dataFields: { k: i, amount: i % 100, campaign: `spring-${i % 7}`, tags: ['a', 'b'] },
}));

const mod = await importPkg(arg('pkg'), 'index.node.js');
const client = new mod.IterableClient({ apiKey: KEY, baseUrl: base, rateLimit: false, maxRetries: 0 });
const ctl = async (path, body) => (await fetch(base + path, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) })).json();

async function ours() {
  const rep = await client.bulk('track_events_in_bulk', events, { concurrency: CONC });
  if (rep.succeeded !== N || rep.failed !== 0) throw new Error(`bulk report: ${rep.succeeded} succeeded, ${rep.failed} failed, ${JSON.stringify(rep.errors).slice(0, 300)}`);
  return rep.requests;
}

// Calibration: the chunk sizes the client produces.
await ctl('/_bench/count', { on: true });
await ours();
const { counts, bytes } = await ctl('/_bench/counts');
await ctl('/_bench/count', { on: false });
if (counts.reduce((a, b) => a + b, 0) !== N || counts.some((c) => c < 0)) throw new Error(`calibration: counts ${JSON.stringify(counts)}`);
const starts = counts.map((_, i) => counts.slice(0, i).reduce((a, b) => a + b, 0));

const headers = { accept: 'application/json', 'content-type': 'application/json', 'api-key': KEY };
const url = `${base}/api/events/trackBulk`;
async function raw() {
  let next = 0;
  let ok = 0;
  const worker = async () => {
    while (next < counts.length) {
      const i = next++;
      const body = JSON.stringify({ events: events.slice(starts[i], starts[i] + counts[i]) });
      const r = await fetch(url, { method: 'POST', headers, body });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      const j = await r.json();
      if (j.failCount === 0) ok += counts[i];
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONC, counts.length) }, worker));
  if (ok !== N) throw new Error(`raw loop: ${ok} of ${N} acknowledged`);
  return counts.length;
}

const runs = { ours: [], raw: [] };
const time = async (fn) => { const t0 = performance.now(); await fn(); return performance.now() - t0; };
await time(raw); // warm-up (ours warmed by the calibration)
await time(ours);
for (let r = 0; r < rounds; r++) {
  const order = r % 2 ? ['raw', 'ours'] : ['ours', 'raw'];
  for (const name of order) runs[name].push(await time(name === 'ours' ? ours : raw));
}
const result = { events: N, concurrency: CONC, requests: counts.length, counts, bytes, totalBytes: bytes.reduce((a, b) => a + b, 0), runsMs: runs };
const out = arg('out');
if (out) writeFileSync(out, JSON.stringify(result)); else console.log(JSON.stringify(result));
process.exit(0);
