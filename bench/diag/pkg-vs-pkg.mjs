// Diagnostic (not part of run.mjs): two builds of the package side by side in one interleaved run,
// with raw fetch as the floor, Node or Deno: the per-call GET (list_channels) and 1 KB POST
// (track_event) of bench/lib/percall.mjs against bench/lib/server.mjs. For keeping a change only
// where it wins (issue 16): build before and after, copy each pkg/ aside, run this.
//   node bench/diag/pkg-vs-pkg.mjs --a DIR --b DIR [--calls N]
//   deno run -A bench/diag/pkg-vs-pkg.mjs --a DIR --b DIR [--calls N]
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { trackInput } from '../lib/util.mjs';
import { arg, isDeno, KEY, BLOCK, runtime, median, benchServer, interleave, exit } from './common.mjs';

const CALLS = Number(arg('calls', 3000));
const input = trackInput(1024);
const { base, stop } = await benchServer();
const entry = isDeno ? 'index.deno.js' : 'index.node.js';
const client = async (dir) => new (await import(pathToFileURL(join(dir, entry)).href)).IterableClient({ apiKey: KEY, baseUrl: base, rateLimit: false, maxRetries: 0 });
const a = await client(arg('a'));
const b = await client(arg('b'));
const getH = { accept: 'application/json', 'api-key': KEY };
const postH = { accept: 'application/json', 'content-type': 'application/json', 'api-key': KEY };
const contenders = {
  raw: {
    GET: async () => (await fetch(`${base}/api/channels`, { headers: getH })).json(),
    POST: async () => (await fetch(`${base}/api/events/track`, { method: 'POST', headers: postH, body: JSON.stringify(input) })).json(),
  },
  a: { GET: () => a.listChannels(), POST: () => a.trackEvent(input) },
  b: { GET: () => b.listChannels(), POST: () => b.trackEvent(input) },
};
const names = Object.keys(contenders);
const lat = Object.fromEntries(names.map((n) => [n, { GET: [], POST: [] }]));
const timed = Object.fromEntries(names.map((n) => [n, { GET: async () => { const t0 = performance.now(); await contenders[n].GET(); return performance.now() - t0; }, POST: async () => { const t0 = performance.now(); await contenders[n].POST(); return performance.now() - t0; } }]));
await interleave(timed, CALLS, (n, m, ms) => lat[n][m].push(ms));
console.log(`${runtime()}, ${CALLS} calls each, blocks of ${BLOCK}; a = ${arg('a')}, b = ${arg('b')}`);
console.log('| contender | GET µs | ÷ raw | POST µs | ÷ raw |\n|---|---:|---:|---:|---:|');
for (const n of names) console.log(`| ${n} | ${(median(lat[n].GET) * 1000).toFixed(1)} | ${(median(lat[n].GET) / median(lat.raw.GET)).toFixed(3)} | ${(median(lat[n].POST) * 1000).toFixed(1)} | ${(median(lat[n].POST) / median(lat.raw.POST)).toFixed(3)} |`);
stop();
exit();
