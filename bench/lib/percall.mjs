// Part 3 worker: per-call latency of one GET (list_channels → GET /api/channels) and one POST with a
// 1 KB JSON body (track_event → POST /api/events/track), sequential, against bench/lib/server.mjs.
// Runs in Node or Deno; the contenders take turns in blocks whose order rotates every round, after
// a warm-up, so drift and load hit every contender alike.
//
//   node bench/lib/percall.mjs --url U --pkg DIR --calls N --warm W --block B --out FILE [--only raw,ours]
//   deno run -A --node-modules-dir=manual bench/lib/percall.mjs ... (the same contenders; the flag
//   lets Deno find @iterable/api's dependencies in node_modules)
//
// Contenders: raw  = fetch() with the same headers and body, JSON-parsing the answer
//             rawTimed = the same with a per-request time limit (AbortController + timer), as clients have
//             official = @iterable/api: getChannels() / trackEvent() (in Deno through its Node
//                        compatibility: axios over node:http)
//             ours = iterable-wasm: listChannels() / trackEvent(), rateLimit:false, maxRetries:0
import { writeFileSync } from 'node:fs';
import { roundOrder, trackInput } from './util.mjs';
import { importPkg } from './pkgimport.mjs';

const isDeno = typeof Deno !== 'undefined';
const argv = isDeno ? Deno.args : process.argv.slice(2);
const arg = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const base = arg('url');
const pkgDir = arg('pkg');
const calls = Number(arg('calls', 2000));
const warm = Number(arg('warm', 300));
const block = Number(arg('block', 25));
const out = arg('out');
const KEY = 'bench-key-123';
const input = trackInput(1024);

const want = (arg('only') ?? 'raw,rawTimed,official,ours').split(',');

const contenders = {};

if (want.includes('raw')) {
  const getHeaders = { accept: 'application/json', 'api-key': KEY };
  const postHeaders = { accept: 'application/json', 'content-type': 'application/json', 'api-key': KEY };
  const getUrl = `${base}/api/channels`;
  const postUrl = `${base}/api/events/track`;
  contenders.raw = {
    GET: async () => {
      const r = await fetch(getUrl, { headers: getHeaders });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      return r.json();
    },
    POST: async () => {
      const r = await fetch(postUrl, { method: 'POST', headers: postHeaders, body: JSON.stringify(input) });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      return r.json();
    },
  };
}
if (want.includes('rawTimed')) {
  // The same raw fetch with what any client with a time limit per request does: an
  // AbortController whose signal goes to fetch, and a timer that would abort it (cleared).
  const getHeaders = { accept: 'application/json', 'api-key': KEY };
  const postHeaders = { accept: 'application/json', 'content-type': 'application/json', 'api-key': KEY };
  const timed = async (url, init) => {
    const c = new AbortController();
    const t = setTimeout(() => c.abort(), 30_000);
    try {
      const r = await fetch(url, { ...init, signal: c.signal });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      return await r.json();
    } finally {
      clearTimeout(t);
    }
  };
  contenders.rawTimed = {
    GET: () => timed(`${base}/api/channels`, { headers: getHeaders }),
    POST: () => timed(`${base}/api/events/track`, { method: 'POST', headers: postHeaders, body: JSON.stringify(input) }),
  };
}
if (want.includes('official')) {
  const { IterableClient } = await import('@iterable/api');
  const off = new IterableClient({ apiKey: KEY, baseUrl: base, timeout: 30_000 });
  contenders.official = {
    GET: () => off.getChannels(),
    POST: () => off.trackEvent(input),
    close: () => off.destroy(),
  };
}
if (want.includes('ours')) {
  const mod = await importPkg(pkgDir, isDeno ? 'index.deno.js' : 'index.node.js');
  const client = new mod.IterableClient({ apiKey: KEY, baseUrl: base, rateLimit: false, maxRetries: 0 });
  contenders.ours = {
    GET: () => client.listChannels(),
    POST: () => client.trackEvent(input),
  };
}

// Sanity: every contender gets the expected answer.
for (const [name, c] of Object.entries(contenders)) {
  const g = await c.GET();
  const p = await c.POST();
  if (!Array.isArray(g?.channels) || g.channels.length !== 3) throw new Error(`${name}: GET answered ${JSON.stringify(g).slice(0, 200)}`);
  if (p?.code !== 'Success') throw new Error(`${name}: POST answered ${JSON.stringify(p).slice(0, 200)}`);
}

const names = Object.keys(contenders);
const methods = ['GET', 'POST'];
const lat = Object.fromEntries(names.map((n) => [n, { GET: new Float64Array(calls), POST: new Float64Array(calls) }]));
const filled = Object.fromEntries(names.map((n) => [n, { GET: 0, POST: 0 }]));

async function runBlock(name, method, n, record) {
  const fn = contenders[name][method];
  const arr = lat[name][method];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    const dt = performance.now() - t0;
    if (record) arr[filled[name][method]++] = dt;
  }
}

// Warm-up: the same rotation, nothing recorded.
const warmRounds = Math.ceil(warm / block);
for (let r = 0; r < warmRounds; r++) {
  for (const name of roundOrder(names, r)) for (const m of roundOrder(methods, r)) await runBlock(name, m, block, false);
}
const rounds = Math.ceil(calls / block);
const t0 = performance.now();
for (let r = 0; r < rounds; r++) {
  const n = Math.min(block, calls - r * block);
  for (const name of roundOrder(names, r)) for (const m of roundOrder(methods, r)) await runBlock(name, m, n, true);
}
const wallMs = performance.now() - t0;
for (const c of Object.values(contenders)) c.close?.();

const result = {
  runtime: isDeno ? 'deno' : 'node',
  version: isDeno ? Deno.version.deno : process.version,
  calls, warm, block, wallMs,
  bodyBytes: new TextEncoder().encode(JSON.stringify(input)).length,
  lat: Object.fromEntries(names.map((n) => [n, Object.fromEntries(methods.map((m) => [m, Array.from(lat[n][m])]))])),
};
if (out) writeFileSync(out, JSON.stringify(result));
else console.log(JSON.stringify(result));
// For bench/diag/deno-cpuprof.mjs: stay alive a moment so the profiler can be stopped.
const hold = Number((isDeno ? Deno.env.get('BENCH_HOLD_MS') : process.env.BENCH_HOLD_MS) ?? 0);
if (hold) await new Promise((r) => setTimeout(r, hold));
if (isDeno) Deno.exit(0);
else process.exit(0);
