#!/usr/bin/env node
// Raw conformance check: every action's generated input, sent with plain fetch, against
// Stoplight Prism 5.14.2 mocking Iterable's patched OpenAPI 2.0 spec (request validation on).
//
//   (Prism comes from the repo's devDependencies: bash scripts/setup.sh)
//   node tests/prism/check-raw.mjs [--port N] [--dynamic] [--only id1,id2] [--verbose] [--timeout S]
//
// Passes (exit 0) only if all 2 x 145 requests (minimal + full input) get a 2xx with no
// `sl-violations` header, and the validation sanity checks show Prism really rejects bad requests.
// Prism is always stopped at the end (success, failure, timeout, signal).

import { readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPrism } from './prism.mjs';
import { buildInput, buildRequest, selectParams, ACCEPT_BY_KIND, EXTRA_HEADERS } from './inputs.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const DATA = process.env.ITERABLE_DATA_DIR || fileURLToPath(new URL('../../../shared/iterable', import.meta.url));
const SPEC_PATH = join(DATA, 'openapi.prism.json');

// ---------------------------------------------------------------- args
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
};
const DYNAMIC = argv.includes('--dynamic');
const VERBOSE = argv.includes('--verbose');
const ONLY = opt('--only', '') ? new Set(opt('--only', '').split(',')) : null;
const WANT_PORT = Number(opt('--port', process.env.PRISM_PORT || 4010));
const TOTAL_TIMEOUT_MS = Number(opt('--timeout', 300)) * 1000;
const READY_TIMEOUT_MS = 90_000;
const REQUEST_TIMEOUT_MS = 15_000;

// ---------------------------------------------------------------- data
const spec = JSON.parse(readFileSync(SPEC_PATH, 'utf8'));
let actions = [
  ...JSON.parse(readFileSync(join(DATA, 'actions.json'), 'utf8')),
  ...JSON.parse(readFileSync(join(DATA, 'extra-actions.json'), 'utf8')),
];
if (ONLY) actions = actions.filter((a) => ONLY.has(a.id));

// ---------------------------------------------------------------- prism lifecycle
const prism = createPrism({ dynamic: DYNAMIC, verbose: VERBOSE, keepLines: 200 });
let stopping = false; // set by signal/timeout handlers so the main loop stops sending

function stopPrism() {
  stopping = true;
  return prism.stop();
}
// last-resort synchronous kill if the process is exiting anyway
process.on('exit', () => prism.killNow());
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, async () => {
    console.error(`\n${sig}: stopping Prism`);
    await stopPrism();
    process.exit(130);
  });
}
process.on('uncaughtException', async (err) => {
  console.error('uncaught exception:', err);
  await stopPrism();
  process.exit(2);
});
process.on('unhandledRejection', async (err) => {
  console.error('unhandled rejection:', err);
  await stopPrism();
  process.exit(2);
});

function portFree(port) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}
function ephemeralPort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function checkInput(action, input, full) {
  const problems = [];
  const byName = new Map(action.params.map((p) => [p.name, p]));
  for (const k of Object.keys(input)) if (!byName.has(k)) problems.push(`unknown key ${k}`);
  for (const p of action.params) if (p.required && input[p.name] === undefined) problems.push(`missing required ${p.name}`);
  for (const g of action.requireOneOf || []) {
    if (!g.some((m) => input[m] !== undefined)) problems.push(`requireOneOf [${g.join(', ')}] unsatisfied`);
  }
  if (full) for (const p of action.params) if (input[p.name] === undefined) problems.push(`full: missing ${p.name}`);
  const typeOk = (v, t) => t === 'integer' ? Number.isInteger(v)
    : t === 'number' ? typeof v === 'number'
    : t === 'array' ? Array.isArray(v)
    : t === 'object' ? v !== null && typeof v === 'object' && !Array.isArray(v)
    : typeof v === t;
  for (const [k, v] of Object.entries(input)) {
    const p = byName.get(k);
    if (p && !typeOk(v, p.type)) problems.push(`${k}: ${JSON.stringify(v).slice(0, 40)} is not ${p.type}`);
    if (p?.enum && !p.enum.includes(v)) problems.push(`${k}: not in enum`);
  }
  // determinism
  const again = buildInput(action, spec, { full });
  if (JSON.stringify(again) !== JSON.stringify(input)) problems.push('non-deterministic input');
  return problems;
}

async function send(req) {
  const t0 = Date.now();
  try {
    const res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    return {
      status: res.status,
      violations: res.headers.get('sl-violations'),
      contentType: res.headers.get('content-type'),
      body: text,
      ms: Date.now() - t0,
    };
  } catch (err) {
    return { status: 0, violations: null, error: String(err?.message || err), body: '', ms: Date.now() - t0 };
  }
}

const ok = (r) => r.status >= 200 && r.status < 300 && !r.violations;
const short = (s, n = 160) => (s && s.length > n ? `${s.slice(0, n)}…` : s || '');

async function main() {
  const started = Date.now();
  const hardTimer = setTimeout(async () => {
    console.error(`\nTIMEOUT: run exceeded ${TOTAL_TIMEOUT_MS / 1000}s, stopping Prism`);
    await stopPrism();
    process.exit(3);
  }, TOTAL_TIMEOUT_MS);
  hardTimer.unref();

  const port = (await portFree(WANT_PORT)) ? WANT_PORT : await ephemeralPort();
  const base = `http://127.0.0.1:${port}`;
  console.log(`Prism 5.14.2 ${DYNAMIC ? '(dynamic)' : '(static)'} on ${base}, spec ${SPEC_PATH}`);
  prism.start(SPEC_PATH, port);
  await prism.waitReady(base, READY_TIMEOUT_MS);
  console.log(`Prism ready after ${Date.now() - started} ms; ${actions.length} actions x 2 modes\n`);

  let failures = 0;
  const rows = [];

  // 1. the 2 x N conformance requests
  for (const action of actions) {
    if (stopping) break;
    for (const full of [false, true]) {
      const mode = full ? 'full' : 'min';
      const input = buildInput(action, spec, { full });
      const problems = checkInput(action, input, full);
      const req = buildRequest(action, input, base);
      const res = await send(req);
      const pass = ok(res) && problems.length === 0;
      if (!pass) failures++;
      rows.push({ action, mode, res, problems, pass });
      const line = `${pass ? 'PASS' : 'FAIL'} ${String(res.status).padStart(3)} ${mode.padEnd(4)} ${action.id}`;
      const extra = [];
      if (res.violations) extra.push(`sl-violations: ${res.violations}`);
      if (res.error) extra.push(`error: ${res.error}`);
      if (problems.length) extra.push(`input: ${problems.join('; ')}`);
      if (!pass && !res.violations && res.body) extra.push(`body: ${short(res.body)}`);
      console.log(extra.length ? `${line}  ${extra.join(' | ')}` : line);
      if (VERBOSE) console.log(`     ${req.method} ${req.url}\n     ${JSON.stringify(req.headers)}\n     ${short(req.body || '', 400)}`);
    }
  }
  const total = rows.length;
  const passed = rows.filter((r) => r.pass).length;

  // 2. Accept-header probe (informational): the plain per-kind Accept our client sends,
  //    without EXTRA_HEADERS overrides; on failure, find a value that works.
  console.log('\nAccept probe (minimal input, Accept = value for the response kind, no overrides):');
  const acceptFindings = [];
  for (const action of actions) {
    const input = buildInput(action, spec, { full: false });
    const kindAccept = ACCEPT_BY_KIND[action.response];
    const res = await send(buildRequest(action, input, base, { accept: kindAccept }));
    if (ok(res)) continue;
    const op = spec.paths[action.path][action.method.toLowerCase()];
    const produces = op.produces || spec.produces || [];
    const tried = [];
    for (const cand of [...produces, `${kindAccept}, ${produces[0]};q=0.9`, '*/*', null]) {
      const r = await send(buildRequest(action, input, base, { accept: cand === null ? false : cand }));
      tried.push(`${cand === null ? '(no Accept)' : cand} -> ${r.status}${r.violations ? ' +violations' : ''}`);
    }
    const acceptRelated = res.status === 406 || tried.some((t) => / -> 2\d\d$/.test(t));
    const note = acceptRelated ? '' : ' (fails with every Accept value: not an Accept problem)';
    if (acceptRelated) acceptFindings.push({ id: action.id, kind: action.response, kindAccept, status: res.status, produces, tried });
    console.log(`  ${action.id} (${action.response}): Accept ${kindAccept} -> ${res.status}${res.violations ? ` sl-violations: ${res.violations}` : ''}; produces ${JSON.stringify(produces)}${note}`);
    for (const t of tried) console.log(`      ${t}`);
  }
  if (!acceptFindings.length) console.log('  every action got a 2xx with its kind Accept value');
  console.log(`  EXTRA_HEADERS in use: ${JSON.stringify(EXTRA_HEADERS)}`);

  // 3. sanity: Prism must actually validate (otherwise the 2xx above prove nothing)
  console.log('\nValidation sanity checks (must be rejected):');
  const byId = Object.fromEntries(actions.map((a) => [a.id, a]));
  const sanity = [];
  const track = byId.track_event;
  if (track) {
    const good = buildInput(track, spec);
    const req = buildRequest(track, good, base);
    const noKey = { ...req, headers: { ...req.headers } };
    delete noKey.headers['Api-Key'];
    sanity.push(['track_event without Api-Key -> 401', noKey, (r) => r.status === 401]);
    sanity.push(['track_event eventName:123 -> 400', buildRequest(track, { ...good, eventName: 123 }, base), (r) => r.status === 400 && !!r.violations]);
    const { eventName, ...noName } = good;
    sanity.push(['track_event without eventName -> 400', buildRequest(track, noName, base), (r) => r.status === 400 && !!r.violations]);
  }
  const camp = byId.get_campaign_by_id;
  if (camp) sanity.push(['get_campaign_by_id id=abc -> 4xx', buildRequest(camp, { id: 'abc' }, base), (r) => r.status >= 400 && r.status < 500 && !!r.violations]);
  const lsub = byId.subscribe_to_list;
  if (lsub) {
    const good = buildInput(lsub, spec);
    sanity.push(['subscribe_to_list listId:"x" -> 400', buildRequest(lsub, { ...good, listId: 'x' }, base), (r) => r.status === 400 && !!r.violations]);
  }
  let sanityFailed = 0;
  for (const [label, req, expect] of sanity) {
    const r = await send(req);
    const good = expect(r);
    if (!good) sanityFailed++;
    console.log(`  ${good ? 'OK  ' : 'FAIL'} ${label}: got ${r.status}${r.violations ? ` (${short(r.violations, 100)})` : ''}`);
  }

  // summary
  const failedRows = rows.filter((r) => !r.pass);
  console.log(`\n${passed}/${total} requests passed (2xx, no sl-violations)` +
    ` — minimal ${rows.filter((r) => r.mode === 'min' && r.pass).length}/${rows.filter((r) => r.mode === 'min').length},` +
    ` full ${rows.filter((r) => r.mode === 'full' && r.pass).length}/${rows.filter((r) => r.mode === 'full').length}`);
  if (failedRows.length) {
    console.log('Failures:');
    for (const r of failedRows) console.log(`  ${r.action.id} [${r.mode}] status ${r.res.status} ${r.res.violations || r.res.error || ''} ${r.problems.join('; ')}`);
  }
  console.log(`sanity checks: ${sanity.length - sanityFailed}/${sanity.length} rejected as expected`);
  console.log(`Accept findings: ${acceptFindings.length ? acceptFindings.map((f) => `${f.id} (${f.kindAccept} -> ${f.status})`).join(', ') : 'none'}`);
  console.log(`elapsed ${((Date.now() - started) / 1000).toFixed(1)} s`);

  await stopPrism();
  clearTimeout(hardTimer);
  const expected = ONLY ? actions.length * 2 : 290;
  const success = failures === 0 && sanityFailed === 0 && total === expected;
  if (!ONLY && total !== 290) console.log(`expected 290 requests, ran ${total}`);
  process.exit(success ? 0 : 1);
}

main().catch(async (err) => {
  console.error('FATAL:', err?.stack || err);
  await stopPrism();
  process.exit(2);
});
