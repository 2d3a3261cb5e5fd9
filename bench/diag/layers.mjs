// Diagnostic (not part of run.mjs): one call built up layer by layer on the network, interleaved
// (Node or Deno): raw fetch; our transport's attempt() alone (pkg-template/core/transport.js, in
// Node with core/undici.js installed as the Node entry does; the same URL and headers); + the wasm's _begin for the call (its result unused); + _judge for the
// POST; the whole client. Shows which layer costs what next to real I/O.
//   node bench/diag/layers.mjs [CALLS]      node_modules/.bin/deno run -A bench/diag/layers.mjs [CALLS]
import { benchServer, interleave, median, KEY, isDeno } from './common.mjs';
import { trackInput } from '../lib/util.mjs';
import { attempt } from '../../pkg-template/core/transport.js';
// Node: the attempt the Node entry installs (core/undici.js), as the client uses it.
if (!isDeno) (await import('../../pkg-template/core/undici.js')).install();
const mod = await import(new URL(isDeno ? '../../pkg/index.deno.js' : '../../pkg/index.node.js', import.meta.url).href);
const { base, stop } = await benchServer();
const input = trackInput(1024);
const body = JSON.stringify(input);
const getH = { Accept: 'application/json', 'Api-Key': KEY };
const postH = { Accept: 'application/json', 'Content-Type': 'application/json', 'Api-Key': KEY };
const client = new mod.IterableClient({ apiKey: KEY, baseUrl: base, rateLimit: false, maxRetries: 0 });
await client.listChannels();
const w = Object.getOwnPropertySymbols(client).map(s => client[s]).find(v => v && typeof v._begin === 'function');
const raw = async (url, init) => (await fetch(url, init)).json();
const tr = async (url, init) => { const o = await attempt(undefined, url, init.method, { ...init.headers }, init.body, 30000, undefined, false, 1 << 24); return JSON.parse(o[1]); };
const trb = async (url, init, id, inp) => { w._begin(id, inp, undefined); const o = await attempt(undefined, url, init.method, { ...init.headers }, init.body, 30000, undefined, false, 1 << 24); return JSON.parse(o[1]); };
const trj = async (url, init, id, inp) => { w._begin(id, inp, undefined); const o = await attempt(undefined, url, init.method, { ...init.headers }, init.body, 30000, undefined, false, 1 << 24); if (init.method === 'POST') return JSON.parse(w._judge(0, false, 30000, 0, 1e7, 1, 0, 200, o[1], undefined, false).slice(1)); return JSON.parse(o[1]); };
const mk = (f) => ({ GET: () => f(base + '/api/channels', { method: 'GET', headers: getH, redirect: 'manual' }, 'list_channels', undefined), POST: () => f(base + '/api/events/track', { method: 'POST', headers: postH, body, redirect: 'manual' }, 'track_event', input) });
const contenders = { raw: mk(raw), transport: mk(tr), tr_begin: mk(trb), tr_begin_judge: mk(trj), ours: { GET: () => client.listChannels(), POST: () => client.trackEvent(input) } };
const times = {}; const wrapped = {};
for (const [n, c] of Object.entries(contenders)) wrapped[n] = { GET: async () => { const t = performance.now(); await c.GET(); return performance.now() - t; }, POST: async () => { const t = performance.now(); await c.POST(); return performance.now() - t; } };
await interleave(wrapped, Number((isDeno ? Deno.args : process.argv.slice(2))[0] || 3000), (n, m, v) => ((times[n + ' ' + m] ??= []).push(v)));
for (const k of Object.keys(times).sort()) console.log(k.padEnd(22), (median(times[k]) * 1000).toFixed(1), 'µs', (median(times[k]) / median(times['raw ' + k.split(' ')[1]])).toFixed(3));
stop(); isDeno ? Deno.exit(0) : process.exit(0);
