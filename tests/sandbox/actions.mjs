// Every action of the spec (all of defs/actions.json with inSpec: true) against the in-process sandbox
// with the Prism suite's inputs (tests/prism/inputs.mjs, minimal and full), each from the fixture
// state its precondition needs (fixture.mjs). Each answer must be 2xx, carry the content type of the
// action's response kind, and validate against our own result schema of the action
// (pkg/results.json: the spec's with the corrections defs/actions.json records); a JSON `code` must
// be Success. Error answers are checked against the spec's error schemas. Actions beyond the spec (inSpec: false) have no spec schema: they are
// routed and checked for 401/400 here; their answers are for the sandbox to give (issue 23.2).
// Every action's 401 and 400 answers are checked.
// Run: node tests/sandbox/actions.mjs
import { buildInput, buildRequest } from '../prism/inputs.mjs';
import { importSandbox } from './pkgdir.mjs';
import { fixtureFor, CLOCK } from './fixture.mjs';
import { actions, responseSpec, spec, validate } from './validate.mjs';
import { validateResult } from './results.mjs';
import { test, run } from './harness.mjs';

const CT = { json: 'application/json', csv: 'text/csv', jsonl: 'application/x-json-stream', text: 'text/plain', html: 'text/html' };
const { createSandbox, instantiate } = await importSandbox();
const sb = await createSandbox({ seed: 7, clock: CLOCK }, instantiate);

test('the sandbox routes every catalog action id', () => {
  const ids = new Set(sb.actionIds());
  const missing = actions.filter((a) => !ids.has(a.id)).map((a) => a.id);
  if (missing.length) throw new Error(`not routed: ${missing.join(', ')}`);
  const inSpec = actions.filter((a) => a.inSpec).length;
  if (inSpec !== 145) throw new Error(`expected the spec's 145 actions, catalog has ${inSpec}`);
});

for (const action of actions.filter((a) => a.inSpec)) {
  for (const full of [false, true]) {
    test(`${action.id} (${full ? 'full' : 'minimal'})`, async () => {
      sb.load(fixtureFor(action.id));
      const input = buildInput(action, spec, { full });
      const r = buildRequest(action, input, 'https://api.iterable.com');
      const res = await sb.fetch(r.url, { method: r.method, headers: r.headers, body: r.body });
      const text = await res.text();
      if (res.status < 200 || res.status > 299) throw new Error(`${r.method} ${r.url} -> ${res.status} ${text.slice(0, 300)}`);
      const ct = res.headers.get('content-type') ?? '';
      const want = action.id === 'trigger_double_opt_in' ? 'text/plain' : CT[action.response];
      if (!ct.startsWith(want)) throw new Error(`content-type ${ct}, expected ${want}`);
      const value = ct.startsWith('application/json') ? JSON.parse(text) : text;
      if (value && typeof value === 'object' && 'code' in value && value.code !== 'Success') throw new Error(`code ${value.code}: ${text}`);
      const v = validateResult(action.id, action.response === 'jsonl' ? text.split('\n').filter(Boolean).map((l) => JSON.parse(l)) : value);
      if (!v.ok) throw new Error(`result schema (${res.status}): ${v.errors}\n  body: ${text.slice(0, 400)}`);
    });
  }
}

// Errors as Iterable answers them, each validated against the spec's schema for its status.
for (const action of actions) {
  test(`${action.id}: 401 BadApiKey without a key`, async () => {
    sb.load(fixtureFor(action.id));
    const r = buildRequest(action, buildInput(action, spec, { full: false }), 'https://api.iterable.com');
    delete r.headers['Api-Key'];
    const res = await sb.fetch(r.url, { method: r.method, headers: r.headers, body: r.body });
    const body = await res.json();
    if (res.status !== 401 || body.code !== 'BadApiKey' || body.params !== null) throw new Error(`${res.status} ${JSON.stringify(body)}`);
    if (responseSpec(action, 401)) {
      const v = validate(action, 401, body);
      if (!v.ok) throw new Error(`schema (401): ${v.errors}`);
    }
  });
  const required = action.params.filter((p) => p.required && p.in !== 'path');
  if (!required.length) continue;
  test(`${action.id}: 400 BadParams without ${required.map((p) => p.name).join(', ')}`, async () => {
    sb.load(fixtureFor(action.id));
    const input = buildInput(action, spec, { full: false });
    for (const p of required) delete input[p.name];
    const r = buildRequest(action, input, 'https://api.iterable.com');
    const res = await sb.fetch(r.url, { method: r.method, headers: r.headers, body: r.body });
    const body = await res.json();
    // Double opt-in's own error shape (spec: ErrorHttpResponse {error, message, code, data}).
    const msg = action.id === 'trigger_double_opt_in' ? body.message : body.msg;
    if (res.status !== 400 || body.code !== 'BadParams' || typeof msg !== 'string') throw new Error(`${res.status} ${JSON.stringify(body)}`);
    if (!required.some((p) => msg.includes(p.name))) throw new Error(`message does not name the param: ${msg}`);
    if (responseSpec(action, 400)?.schema) {
      const v = validate(action, 400, body);
      if (!v.ok) throw new Error(`schema (400): ${v.errors}`);
    }
  });
}

await run('sandbox actions');
