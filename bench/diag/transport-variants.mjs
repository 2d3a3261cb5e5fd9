// Diagnostic (not part of run.mjs): candidate shapes of the transport's attempt (pkg-template/core/
// transport.js) measured side by side on the network, in one interleaved run, Node or Deno:
//   raw          fetch + r.text() + JSON.parse, no time limit (the floor)
//   current      transport.js's attempt() as the wasm calls it (AbortController, 30 s timer,
//                the caller's-signal listeners, headers from lines, redirect: "manual")
//   sigTimeout   the same with AbortSignal.timeout(ms) as fetch's signal when no caller signal
//                is given (no controller, no timer to clear)
//   noTimeout    the same with no time limit at all (what the rest of attempt() costs)
//   before       (--before FILE) another transport.js's attempt(), e.g. the last commit's
//   node bench/diag/transport-variants.mjs [--calls N] [--before FILE]; deno run -A bench/diag/transport-variants.mjs
import { join } from 'node:path';
import { trackInput } from '../lib/util.mjs';
import { arg, KEY, BLOCK, ROOT, runtime, median, benchServer, interleave, exit } from './common.mjs';

const CALLS = Number(arg('calls', 2000));
const file = arg('transport', join(ROOT, 'pkg-template', 'core', 'transport.js'));
const { attempt } = await import(new URL(`file://${file}`).href);
// --before FILE: another transport.js (e.g. `git show HEAD~1:pkg-template/core/transport.js`), run alongside.
const beforeFile = arg('before');
const before = beforeFile ? (await import(new URL(`file://${beforeFile}`).href)).attempt : null;
const { base, stop } = await benchServer();
const body = JSON.stringify(trackInput(1024));
const lines = (post) => `Accept\napplication/json\n${post ? 'Content-Type\napplication/json\n' : ''}Api-Key\n${KEY}\n`;
const TO = new Error('timeout');
const AB = new Error('aborted');

// The variants: attempt()'s shape with the time limit done differently (a response is read whole).
async function variant(url, method, headerLines, reqBody, timeoutMs, mode) {
  const headers = {};
  const h = headerLines.split('\n');
  for (let i = 0; i + 1 < h.length; i += 2) headers[h[i]] = h[i + 1];
  const init = { method, headers, redirect: 'manual' };
  if (mode === 'sigTimeout') init.signal = AbortSignal.timeout(timeoutMs);
  if (reqBody !== undefined) init.body = reqBody;
  const res = await fetch(url, init);
  const text = await res.text();
  return [res.status, text, res.headers.get('retry-after') ?? undefined];
}

const call = (post, fn) => async () => {
  const out = await fn(post ? `${base}/api/events/track` : `${base}/api/channels`, post ? 'POST' : 'GET', lines(post), post ? body : undefined);
  if (out[0] !== 200) throw new Error(`status ${out[0]} ${out[1]}`);
  JSON.parse(out[1]);
};
const contenders = {
  raw: (u, m, l, b) => fetch(u, { method: m, headers: { accept: 'application/json', 'api-key': KEY, ...(b ? { 'content-type': 'application/json' } : {}) }, body: b }).then(async (r) => [r.status, await r.text()]),
  current: (u, m, l, b) => attempt(undefined, u, m, l, b, 30000, undefined, false, 64 * 1024 * 1024, TO, AB),
  ...(before ? { before: (u, m, l, b) => before(undefined, u, m, l, b, 30000, undefined, false, 64 * 1024 * 1024, TO, AB) } : {}),
  sigTimeout: (u, m, l, b) => variant(u, m, l, b, 30000, 'sigTimeout'),
  noTimeout: (u, m, l, b) => variant(u, m, l, b, 30000, 'none'),
};
const names = Object.keys(contenders);
const lat = {};
for (const n of names) lat[n] = { GET: [], POST: [] };
const timed = Object.fromEntries(names.map((n) => [n, Object.fromEntries(['GET', 'POST'].map((m) => {
  const f = call(m === 'POST', contenders[n]);
  return [m, async () => { const t0 = performance.now(); await f(); return performance.now() - t0; }];
}))]));
await interleave(timed, CALLS, (n, m, ms) => lat[n][m].push(ms));
console.log(`${runtime()}, ${CALLS} calls each, blocks of ${BLOCK}, medians`);
console.log('| variant | GET µs | ÷ raw | POST µs | ÷ raw |\n|---|---:|---:|---:|---:|');
for (const n of names) console.log(`| ${n} | ${(median(lat[n].GET) * 1000).toFixed(1)} | ${(median(lat[n].GET) / median(lat.raw.GET)).toFixed(3)} | ${(median(lat[n].POST) * 1000).toFixed(1)} | ${(median(lat[n].POST) / median(lat.raw.POST)).toFixed(3)} |`);
stop();
exit();
