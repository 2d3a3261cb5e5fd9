// The scenarios in-process in Node (createSandbox + load.node.js), plus sandbox-level checks:
// determinism, dump/load, reset, outbox, abort signals, latency and faults, rate limits.
// Run: node tests/sandbox/node.mjs
import { importSandbox } from './pkgdir.mjs';
import { caller, runScenarios } from './scenarios.mjs';
import { test, run } from './harness.mjs';

const { createSandbox, instantiate } = await importSandbox();
const BASE = 'https://api.iterable.com';
const fresh = (opts = {}) => createSandbox({ seed: 42, clock: '2024-03-01T00:00:00Z', ...opts }, instantiate);
const sb = await fresh();
runScenarios(caller(sb.fetch, BASE), test, 'node: ');

function assert(c, m) { if (!c) throw new Error(m); }
const H = { 'Api-Key': 'k', 'Content-Type': 'application/json' };

test('node: raw fetch contract: 401 without a key, Request objects, Headers', async () => {
  const r = await sb.fetch(`${BASE}/api/lists`);
  assert(r.status === 401, `status ${r.status}`);
  const body = await r.json();
  assert(body.code === 'BadApiKey' && body.params === null, JSON.stringify(body));
  const req = new Request(`${BASE}/api/lists`, { method: 'POST', headers: new Headers(H), body: JSON.stringify({ name: 'R' }) });
  const r2 = await sb.fetch(req);
  assert(r2.status === 200 && typeof (await r2.json()).listId === 'number', 'Request input');
  const r3 = await sb.fetch(new URL(`${BASE}/api/lists`), { headers: { Authorization: 'Bearer x.y.z' } });
  assert(r3.status === 200, 'Bearer auth accepted');
  const r4 = await sb.fetch(`${BASE}/api/events/track`, { method: 'POST', headers: H, body: '{"email": ' });
  assert(r4.status === 400 && (await r4.json()).code === 'BadJsonBody', 'bad JSON');
});

test('node: deterministic: same seed + clock -> same ids, timestamps, outbox', async () => {
  const script = async (s) => {
    const call = caller(s.fetch, BASE);
    await call('POST', '/api/users/update', { email: 'd@example.com' });
    await call('POST', '/api/verify/sms/begin', { phoneNumber: '+15555550100', verificationProfileId: 1 });
    const l = await call('POST', '/api/lists', { name: 'D' });
    return JSON.stringify([l.json, s.dump(), s.outbox()]);
  };
  const a = await script(await fresh());
  const b = await script(await fresh());
  assert(a === b, 'two runs differ');
  // dump() -> JSON -> load() (what the state file does) keeps the run deterministic.
  const s1 = await fresh();
  const s2 = await fresh();
  await caller(s1.fetch, BASE)('POST', '/api/users/update', { email: 'z@example.com' });
  s2.load(JSON.parse(JSON.stringify(s1.dump())));
  const next = async (s) => { await caller(s.fetch, BASE)('POST', '/api/verify/sms/begin', { phoneNumber: '+15555550101', verificationProfileId: 1 }); return s.outbox().at(-1).dataFields.code; };
  assert((await next(s1)) === (await next(s2)), 'same code after a JSON round trip of the state');
  const c = await script(await fresh({ seed: 43 }));
  assert(c !== a, 'another seed gives other message ids / codes');
});

test('node: dump/load round trip, reset, outbox with proofs and sends', async () => {
  const s = await fresh();
  const call = caller(s.fetch, BASE);
  await call('POST', '/api/users/update', { email: 'p@example.com', dataFields: { firstName: 'Pat' } });
  await call('POST', '/api/templates/email/upsert', { clientTemplateId: 'p1', name: 'P', subject: 'Hey {{firstName}}', html: '<b>{{firstName}}</b>' });
  const tid = (await call('GET', '/api/templates/getByClientTemplateId?clientTemplateId=p1')).json.templates[0].templateId;
  const prev = await call('POST', `/api/templates/email/preview?templateId=${tid}`, { dataFields: { firstName: 'Lee' } });
  assert(prev.text === '<b>Lee</b>' && prev.contentType.startsWith('text/html'), `preview ${prev.text}`);
  await call('POST', '/api/templates/email/proof', { templateId: tid, recipientEmail: 'p@example.com' });
  const out = s.outbox();
  assert(out.length === 1 && out[0].source === 'proof' && out[0].content.subject === 'Hey Pat', JSON.stringify(out));
  const state = s.dump();
  const s2 = await fresh();
  s2.load(state);
  assert((await caller(s2.fetch, BASE)('GET', '/api/users/getByEmail?email=p%40example.com')).json.user.dataFields.firstName === 'Pat', 'loaded state');
  s2.load(JSON.stringify(state));
  s2.reset();
  assert((await caller(s2.fetch, BASE)('GET', '/api/users/getByEmail?email=p%40example.com')).json.user === undefined, 'reset');
  assert(s2.outbox().length === 0, 'outbox after reset');
});

test('node: an aborted signal rejects, also during simulated latency', async () => {
  const s = await fresh({ faults: { latencyMs: 200 } });
  const c1 = new AbortController();
  c1.abort(new Error('stop'));
  let err = await s.fetch(`${BASE}/api/lists`, { headers: H, signal: c1.signal }).catch((e) => e);
  assert(err?.message === 'stop', `pre-aborted: ${err}`);
  const c2 = new AbortController();
  const t0 = Date.now();
  setTimeout(() => c2.abort(new Error('late')), 30);
  err = await s.fetch(`${BASE}/api/lists`, { headers: H, signal: c2.signal }).catch((e) => e);
  assert(err?.message === 'late' && Date.now() - t0 < 190, `during latency: ${err}`);
  const t1 = Date.now();
  const r = await s.fetch(`${BASE}/api/lists`, { headers: H });
  assert(r.status === 200 && Date.now() - t1 >= 190, 'latency applied');
});

test('node: faults: rate 1 always fails with a configured status, deterministic draws', async () => {
  const s = await fresh({ faults: { rate: 1, statuses: [503] } });
  const r = await s.fetch(`${BASE}/api/lists`, { headers: H });
  assert(r.status === 503, `status ${r.status}`);
  const draws = async () => {
    const x = await fresh({ faults: { rate: 0.5, statuses: [500, 429] } });
    const out = [];
    for (let i = 0; i < 20; i++) out.push((await x.fetch(`${BASE}/api/channels`, { headers: H })).status);
    return out;
  };
  const a = await draws();
  const b = await draws();
  assert(JSON.stringify(a) === JSON.stringify(b), 'same draws');
  assert(a.includes(200) && (a.includes(500) || a.includes(429)), `mix: ${a}`);
});

test('node: rate limits: get_list_size (5/minute) answers 429 on the 6th call in a minute', async () => {
  const s = await fresh({ rateLimits: true, stepMs: 100 });
  const call = caller(s.fetch, BASE);
  const id = (await call('POST', '/api/lists', { name: 'RL' })).json.listId;
  const st = [];
  for (let i = 0; i < 6; i++) st.push((await call('GET', `/api/lists/${id}/size`)).status);
  assert(JSON.stringify(st) === '[200,200,200,200,200,429]', `statuses ${st}`);
  const r = await call('GET', `/api/lists/${id}/size`);
  assert(r.json.code === 'RateLimitExceeded', 'code');
});

await run('sandbox node');
