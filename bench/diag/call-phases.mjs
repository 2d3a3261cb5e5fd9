// Diagnostic (not part of run.mjs): where the microseconds of one call go, phase by phase, in Node
// or Deno. Runs the GET (list_channels) and the 1 KB POST (track_event) of bench/lib/percall.mjs,
// interleaved in blocks, and reports medians of:
//
//   network   raw fetch against bench/lib/server.mjs (node:http on 127.0.0.1) + r.json(): the floor
//   ours      iterable-wasm against the same server (rateLimit false, maxRetries 0)
//   fake-raw  fetch replaced by a function answering a ready Response, + r.json(): what a raw
//             client does besides the network (Response made, body read, JSON.parse)
//   fake-ours iterable-wasm with that function as its `fetch` option, split by timestamps:
//             entry → fetch invoked   (JS method, execute(), input to JSON text, crossing in,
//                                      validation, request building, crossing out, the
//                                      transport's AbortController, timer, headers object)
//             fetch invoked → result  (Response made, body read, crossing back, the result parsed,
//                                      the promise chain back to the caller)
//   pieces    what the pre-fetch phase is made of, each timed alone in a loop: JSON.stringify of
//             the input, AbortController + setTimeout/clearTimeout, AbortSignal.timeout, the
//             headers object, a resolved-promise hop
//
//   node bench/diag/call-phases.mjs [--pkg DIR] [--before DIR] [--calls N]
//   deno run -A bench/diag/call-phases.mjs [--pkg DIR] [--before DIR] [--calls N]
// --before DIR: another build of the package (e.g. main's pkg/) run in the same interleaved blocks,
// on the network and with the fake fetch, for a before/after of one change.
// (starts bench/lib/server.mjs itself in Node; in Deno it starts it through `node`).
import { join } from 'node:path';
import { importPkg } from '../lib/pkgimport.mjs';
import { trackInput } from '../lib/util.mjs';
import { CHANNELS_BODY, TRACK_BODY } from '../lib/server.mjs';
import { arg, isDeno, KEY, BLOCK, ROOT, runtime, median, benchServer, interleave, exit } from './common.mjs';

const PKG = arg('pkg', join(ROOT, 'pkg'));
const BEFORE = arg('before', '');
const CALLS = Number(arg('calls', 2000));
const input = trackInput(1024);
const { base, stop } = await benchServer();

const mod = await importPkg(PKG, isDeno ? 'index.deno.js' : 'index.node.js');
const answer = (path) => {
  const body = path.endsWith('/channels') ? CHANNELS_BODY : TRACK_BODY;
  return new Response(body, { status: 200, headers: { 'content-type': 'application/json', 'content-length': String(new TextEncoder().encode(body).length) } });
};
let tFetch = 0;
let tAnswered = 0;
const fakeFetch = async (url) => {
  tFetch = performance.now();
  const r = answer(String(url));
  tAnswered = performance.now();
  return r;
};

const real = new mod.IterableClient({ apiKey: KEY, baseUrl: base, rateLimit: false, maxRetries: 0 });
const fake = new mod.IterableClient({ apiKey: KEY, baseUrl: base, rateLimit: false, maxRetries: 0, fetch: fakeFetch });
const getH = { accept: 'application/json', 'api-key': KEY };
const postH = { accept: 'application/json', 'content-type': 'application/json', 'api-key': KEY };

const timed = async (url, init) => {
  const t0 = performance.now();
  const c = new AbortController();
  const t = setTimeout(() => c.abort(), 30_000);
  try {
    await (await fetch(url, { ...init, signal: c.signal })).json();
  } finally {
    clearTimeout(t);
  }
  return { total: performance.now() - t0 };
};
// Each contender returns its phase times for one call (ms); `total` always.
const contenders = {
  network: {
    GET: async () => { const t0 = performance.now(); await (await fetch(`${base}/api/channels`, { headers: getH })).json(); return { total: performance.now() - t0 }; },
    POST: async () => { const t0 = performance.now(); await (await fetch(`${base}/api/events/track`, { method: 'POST', headers: postH, body: JSON.stringify(input) })).json(); return { total: performance.now() - t0 }; },
  },
  // What the transport adds to the raw fetch, one thing at a time.
  'network+timer': {
    GET: () => timed(`${base}/api/channels`, { headers: getH }),
    POST: () => timed(`${base}/api/events/track`, { method: 'POST', headers: postH, body: JSON.stringify(input) }),
  },
  'network+manual': {
    GET: async () => { const t0 = performance.now(); await (await fetch(`${base}/api/channels`, { headers: getH, redirect: 'manual' })).json(); return { total: performance.now() - t0 }; },
    POST: async () => { const t0 = performance.now(); await (await fetch(`${base}/api/events/track`, { method: 'POST', headers: postH, body: JSON.stringify(input), redirect: 'manual' })).json(); return { total: performance.now() - t0 }; },
  },
  ours: {
    GET: async () => { const t0 = performance.now(); await real.listChannels(); return { total: performance.now() - t0 }; },
    POST: async () => { const t0 = performance.now(); await real.trackEvent(input); return { total: performance.now() - t0 }; },
  },
  'fake-raw': {
    GET: async () => { const t0 = performance.now(); await (await fakeFetch(`${base}/api/channels`, { headers: getH })).json(); return { total: performance.now() - t0 }; },
    POST: async () => { const t0 = performance.now(); await (await fakeFetch(`${base}/api/events/track`, { method: 'POST', headers: postH, body: JSON.stringify(input) })).json(); return { total: performance.now() - t0 }; },
  },
  'fake-ours': {
    GET: async () => { const t0 = performance.now(); await fake.listChannels(); const t3 = performance.now(); return { total: t3 - t0, toFetch: tFetch - t0, response: tAnswered - tFetch, afterFetch: t3 - tAnswered }; },
    POST: async () => { const t0 = performance.now(); await fake.trackEvent(input); const t3 = performance.now(); return { total: t3 - t0, toFetch: tFetch - t0, response: tAnswered - tFetch, afterFetch: t3 - tAnswered }; },
  },
};

const phases = (client, m) => async () => {
  const t0 = performance.now();
  await (m === 'GET' ? client.listChannels() : client.trackEvent(input));
  const t3 = performance.now();
  return { total: t3 - t0, toFetch: tFetch - t0, response: tAnswered - tFetch, afterFetch: t3 - tAnswered };
};
if (BEFORE) {
  const old = await importPkg(BEFORE, isDeno ? 'index.deno.js' : 'index.node.js');
  const oldReal = new old.IterableClient({ apiKey: KEY, baseUrl: base, rateLimit: false, maxRetries: 0 });
  const oldFake = new old.IterableClient({ apiKey: KEY, baseUrl: base, rateLimit: false, maxRetries: 0, fetch: fakeFetch });
  contenders.before = { GET: phases(oldReal, 'GET'), POST: phases(oldReal, 'POST') };
  contenders['fake-before'] = { GET: phases(oldFake, 'GET'), POST: phases(oldFake, 'POST') };
}

const names = Object.keys(contenders);
const data = {};
for (const n of names) data[n] = { GET: {}, POST: {} };
const record = (n, m, r) => { for (const [k, v] of Object.entries(r)) (data[n][m][k] ??= []).push(v); };
await interleave(contenders, CALLS, record);

// The pieces of the pre-fetch phase, alone in a loop (µs each; tight loops flatter, read as weights).
const piece = (fn, n = 20000) => { for (let i = 0; i < 2000; i++) fn(); const t0 = performance.now(); for (let i = 0; i < n; i++) fn(); return ((performance.now() - t0) / n) * 1000; };
const pieces = {
  'JSON.stringify(1 KB input)': piece(() => JSON.stringify(input)),
  'AbortController + setTimeout + clearTimeout': piece(() => { const c = new AbortController(); clearTimeout(setTimeout(() => c.abort(), 30000)); return c.signal; }),
  'AbortSignal.timeout(30000)': piece(() => AbortSignal.timeout(30000), 5000),
  'headers object from lines': piece(() => { const h = {}; const l = 'Accept\napplication/json\nContent-Type\napplication/json\nApi-Key\nk\n'.split('\n'); for (let i = 0; i + 1 < l.length; i += 2) h[l[i]] = l[i + 1]; return h; }),
};
let hop = 0;
const t0 = performance.now();
for (let i = 0; i < 20000; i++) await Promise.resolve(i).then(() => hop++);
pieces['one extra promise hop (await of a then)'] = ((performance.now() - t0) / 20000) * 1000;

const us = (ms) => (ms * 1000).toFixed(1);
const out = [];
out.push(`${runtime()}, ${CALLS} calls per contender and method, blocks of ${BLOCK} interleaved; medians in µs`);
out.push('', '| phase | GET µs | POST µs |', '|---|---:|---:|');
const row = (label, n, k) => out.push(`| ${label} | ${us(median(data[n].GET[k]))} | ${us(median(data[n].POST[k]))} |`);
row('network: raw fetch + r.json() (the floor)', 'network', 'total');
row('network + AbortController/timer signal', 'network+timer', 'total');
row('network + redirect: "manual"', 'network+manual', 'total');
row('ours: whole call on the network', 'ours', 'total');
row('fake fetch, raw: Response + r.json()', 'fake-raw', 'total');
row('fake fetch, ours: whole call', 'fake-ours', 'total');
row('… entry → fetch invoked (input JSON, crossing in, validation, building, crossing out, transport set-up)', 'fake-ours', 'toFetch');
row('… the fake fetch making its Response', 'fake-ours', 'response');
row('… fetch answered → result (body read, crossing back, parse, promise chain)', 'fake-ours', 'afterFetch');
const extra = (m) => median(data.ours[m].total) - median(data.network[m].total);
const fakeExtra = (m) => median(data['fake-ours'][m].total) - median(data['fake-raw'][m].total);
out.push(`| ours − raw on the network (the client's own cost) | ${us(extra('GET'))} | ${us(extra('POST'))} |`);
out.push(`| ours − raw with the fake fetch | ${us(fakeExtra('GET'))} | ${us(fakeExtra('POST'))} |`);
out.push(`| ratio ours ÷ raw on the network | ${(median(data.ours.GET.total) / median(data.network.GET.total)).toFixed(2)}× | ${(median(data.ours.POST.total) / median(data.network.POST.total)).toFixed(2)}× |`);
if (BEFORE) {
  row('before: whole call on the network', 'before', 'total');
  row('fake fetch, before: whole call', 'fake-before', 'total');
  row('… before: entry → fetch invoked', 'fake-before', 'toFetch');
  row('… before: fetch answered → result', 'fake-before', 'afterFetch');
  out.push(`| ratio before ÷ raw on the network | ${(median(data.before.GET.total) / median(data.network.GET.total)).toFixed(2)}× | ${(median(data.before.POST.total) / median(data.network.POST.total)).toFixed(2)}× |`);
}
out.push('', '| piece, alone in a loop | µs |', '|---|---:|');
for (const [k, v] of Object.entries(pieces)) out.push(`| ${k} | ${v.toFixed(2)} |`);
console.log(out.join('\n'));
stop();
exit();
