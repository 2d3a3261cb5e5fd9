// Robustness: 30,000 seeded random requests straight into the emulator (no client validation in
// front): real routes with junk path segments, query values and JSON bodies, malformed JSON, wrong
// methods, missing keys. Every request must get an HTTP answer below 500 with an error body of the
// spec's shape on 4xx, the emulator must never throw (a panic in the wasm would), and it must still
// answer a normal request afterwards. Run: node tests/sandbox/fuzz.mjs
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, run } from './harness.mjs';
import { importSandbox, ROOT } from './pkgdir.mjs';

const actions = JSON.parse(readFileSync(join(ROOT, 'defs/actions.json'), 'utf8'));
const { createSandbox, instantiate } = await importSandbox();
let seed = 777;
const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const pick = (a) => a[Math.floor(rnd() * a.length)];
const junk = () => pick([0, -1, 2 ** 63, 1.5, '', 'x', 'a@b.co', '😀', null, true, [], [null], {}, { a: [{}] }, 'x'.repeat(3000), '-0', '{{x}}']);
const segment = () => pick(['1', '10001', 'a@b.co', '%', '..', '', 'x'.repeat(300), '-5', '9999999999999999999', 'ü']);
const sb = await createSandbox({ seed: 3, clock: 0 }, instantiate);

const BLOCKS = 30;
for (let b = 0; b < BLOCKS; b++) {
  test(`requests ${b * 1000 + 1}-${(b + 1) * 1000}: an answer below 500 every time, errors as {msg, code, params}`, async () => {
    for (let i = 0; i < 1000; i++) {
      const a = pick(actions);
      let path = a.path.replace(/\{(\w+)\}/g, () => encodeURIComponent(segment()));
      if (rnd() < 0.5) path += '?' + a.params.filter(() => rnd() < 0.5).map((p) => `${p.name}=${encodeURIComponent(String(junk()))}`).join('&');
      const body = Object.fromEntries(a.params.filter(() => rnd() < 0.6).map((p) => [p.name, junk()]));
      const text = rnd() < 0.1 ? pick(['{', 'null', '[]', '"x"', '{"a":', '']) : JSON.stringify(body);
      const method = rnd() < 0.9 ? a.method : pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD']);
      const headers = rnd() < 0.95 ? { 'Api-Key': 'fuzz-key', 'content-type': 'application/json' } : {};
      const r = await sb.fetch(`https://api.iterable.com${path}`, { method, headers, body: method === 'GET' || method === 'HEAD' ? undefined : text });
      const t = await r.text();
      if (r.status >= 500) throw new Error(`${method} ${path.slice(0, 120)} -> ${r.status} ${t.slice(0, 200)}`);
      if (r.status >= 400 && method !== 'HEAD' && r.headers.get('content-type')?.includes('json')) {
        const e = JSON.parse(t);
        // Iterable's {msg, code, params}; the double opt-in routes answer the spec's
        // ErrorHttpResponse {error, message, code, data} instead.
        const iterableShape = typeof e.msg === 'string' && 'params' in e;
        const optInShape = a.path.includes('DoubleOptIn') && typeof e.message === 'string' && 'data' in e;
        if (typeof e.code !== 'string' || !(iterableShape || optInShape)) throw new Error(`${method} ${path.slice(0, 120)} -> ${r.status} without Iterable's error shape: ${t.slice(0, 200)}`);
      }
    }
  });
}
test('still answers a normal request afterwards', async () => {
  const r = await sb.fetch('https://api.iterable.com/api/lists', { headers: { 'Api-Key': 'k' } });
  if (r.status !== 200 || !Array.isArray((await r.json()).lists)) throw new Error(`GET /api/lists -> ${r.status}`);
});
await run('fuzz (30,000 raw requests)');
