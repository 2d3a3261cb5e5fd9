// Diagnostic (not part of run.mjs): per-operation cost of what one iterable-wasm attempt does in
// JS besides fetch itself (gloo-net's Request/URL/Headers building, the two Error objects, the
// timeout timer), in a tight loop. Node: node bench/diag/request-costs.mjs; Deno: deno run -A ...
// Tight-loop figures overstate in-situ costs (GC churn); read them as relative weights.
const N = 20000;
const url = 'http://127.0.0.1:9/api/events/track';
const body = 'x'.repeat(1024);
const bench = (label, fn) => { for (let i = 0; i < 2000; i++) fn(); const t0 = performance.now(); for (let i = 0; i < N; i++) fn(); console.log(`${((performance.now() - t0) / N * 1000).toFixed(1).padStart(7)} µs  ${label}`); };
bench('2 × new Error(msg)', () => { new Error('iterable-wasm: attempt timed out'); new Error('iterable-wasm: call aborted'); });
bench('new AbortController', () => new AbortController());
bench('new Request(url)', () => new Request(url));
bench('new URL(url) + search get/set + toString', () => { const u = new URL(url); const s = u.search; u.search = ''; return u.toString(); });
bench('new Headers + 4 set', () => { const h = new Headers(); h.set('accept', 'application/json'); h.set('content-type', 'application/json'); h.set('api-key', 'k'); return h; });
bench('new Request(url, {method, headers, body, signal})', () => { const h = new Headers(); h.set('accept', 'application/json'); return new Request(url, { method: 'POST', headers: h, body, signal: new AbortController().signal }); });
bench('new Request(new Request(url, init)) (as fetch(Request) does)', () => { const r = new Request(url, { method: 'POST', headers: { accept: 'application/json' }, body, signal: new AbortController().signal }); return new Request(r); });
bench('new Request(url, {method, headers, body}) no signal', () => new Request(url, { method: 'POST', headers: { accept: 'application/json' }, body }));
bench('setTimeout + clearTimeout', () => clearTimeout(setTimeout(() => {}, 30000)));
