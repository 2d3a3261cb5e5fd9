// Diagnostic (not part of run.mjs): what each piece of an attempt costs Deno's fetch on the
// network, interleaved (blocks of 25, order rotating), against raw fetch + text():
//   signal     a fresh AbortController's signal given to fetch
//   shared     one controller's signal for every call (is the cost the controller or the signal?)
//   timeout    AbortSignal.timeout(30 s)
//   headers    + the two header reads the size bound needs (content-length, content-encoding)
//   attempt    transport.js's attempt() as the client makes it (shared deadline timer, bound, status)
//   nodehttp   node:http with a keep-alive agent instead of fetch (is there a cheaper layer?)
//   node_modules/.bin/deno run -A bench/diag/deno-transport.mjs [CALLS]
import http from 'node:http';
import { benchServer, interleave, median, KEY } from './common.mjs';
import { trackInput } from '../lib/util.mjs';
import { attempt } from '../../pkg-template/core/transport.js';

const { base, stop } = await benchServer();
const body = JSON.stringify(trackInput(1024));
const getH = { Accept: 'application/json', 'Api-Key': KEY };
const postH = { Accept: 'application/json', 'Content-Type': 'application/json', 'Api-Key': KEY };
const one = new AbortController();
const agent = new http.Agent({ keepAlive: true });
const { hostname, port } = new URL(base);
const viaNodeHttp = (url, init) => new Promise((resolve, reject) => {
  const headers = init.body ? { ...init.headers, 'Content-Length': Buffer.byteLength(init.body) } : init.headers;
  const q = http.request({ host: hostname, port, method: init.method, path: new URL(url).pathname, headers, agent }, (r) => {
    const chunks = [];
    r.on('data', (c) => chunks.push(c));
    r.on('end', () => resolve(Buffer.concat(chunks).toString()));
  });
  q.on('error', reject);
  q.end(init.body);
});
const variants = {
  raw: async (u, i) => (await fetch(u, i)).text(),
  signal: async (u, i) => (await fetch(u, { ...i, signal: new AbortController().signal })).text(),
  shared: async (u, i) => (await fetch(u, { ...i, signal: one.signal })).text(),
  timeout: async (u, i) => (await fetch(u, { ...i, signal: AbortSignal.timeout(30000) })).text(),
  headers: async (u, i) => {
    const r = await fetch(u, { ...i, signal: new AbortController().signal });
    const length = r.headers.get('content-length');
    if (+length > 1e9) return null;
    return length && !r.headers.has('content-encoding') ? r.text() : null;
  },
  attempt: (u, i) => attempt(undefined, u, i.method, { ...i.headers }, i.body, 30000, undefined, false, 1 << 24),
  nodehttp: viaNodeHttp,
};
const contenders = Object.fromEntries(Object.entries(variants).map(([name, f]) => [name, {
  GET: async () => { const t = performance.now(); await f(base + '/api/channels', { method: 'GET', headers: getH, redirect: 'manual' }); return performance.now() - t; },
  POST: async () => { const t = performance.now(); await f(base + '/api/events/track', { method: 'POST', headers: postH, body, redirect: 'manual' }); return performance.now() - t; },
}]));
const times = {};
await interleave(contenders, Number(Deno.args[0] || 2000), (n, m, x) => ((times[`${n} ${m}`] ??= []).push(x)));
for (const k of Object.keys(times).sort()) console.log(k.padEnd(14), `${(median(times[k]) * 1000).toFixed(1)} µs`, (median(times[k]) / median(times[`raw ${k.split(' ')[1]}`])).toFixed(3));
stop();
Deno.exit(0);
