// Bulk syncs over Cloudflare Queues in miniflare (workerd, Queues and Durable Objects offline)
// against the sandbox's HTTP server on 127.0.0.1, with its fault injection on.
//
//   node tests/queues/sync.mjs                 # CI size: 20,000 users and 3,000 events, 10 consumers
//   node tests/queues/sync.mjs --users 1000000 --events 0 --message-bytes 120000 --fake --max-seconds 1800
//                                              # the bench size (not in CI; --fake: see startFake)
//
// Checks: every valid user exists once in the sandbox; no item reached Iterable twice in requests
// it processed (faults only) — or, with consumers killed between send and ack, every event exists
// once by its id; the limiter's grants never exceed the catalog's limit in any 1-second window, and
// the sandbox's observed request arrivals never exceed it over 10-second windows (the limiter spaces
// windows by 1.1 s, so this holds while grant-to-arrival jitter stays under 1 s; measured here on a
// loaded 2-core machine: 4-416 ms, which is why a 1-second server-side window cannot be asserted —
// its peak is printed); the dead-letter queue
// holds exactly the invalid items; a producer that dies part way and runs again completes the sync;
// a re-run of a finished sync sends nothing.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { Miniflare } from 'miniflare';

const ROOT = new URL('../..', import.meta.url).pathname;
const PKG = join(ROOT, 'pkg');
const { values: args } = parseArgs({ options: { users: { type: 'string', default: '20000' }, events: { type: 'string', default: '3000' }, shards: { type: 'string', default: '10' }, 'fault-rate': { type: 'string', default: '0.1' }, 'message-bytes': { type: 'string', default: '8192' }, 'max-seconds': { type: 'string', default: '600' }, fake: { type: 'boolean', default: false } } });
const USERS = Number(args.users);
const EVENTS = Number(args.events);
const SHARDS = Number(args.shards);
const MAX_MS = Number(args['max-seconds']) * 1000;

const { createSandbox } = await import(join(PKG, 'sandbox/index.js'));
const { instantiate } = await import(join(PKG, 'sandbox/load.node.js'));
const { serveLocal } = await import(join(PKG, 'server/node.js'));

/** The sandbox over HTTP, recording each bulk request's arrival time, status and items. */
async function startSandbox(faults) {
  const sandbox = await createSandbox({ seed: 1, faults }, instantiate);
  const log = [];
  const app = async (request) => {
    const t = performance.now();
    const path = new URL(request.url).pathname;
    const bulk = path === '/api/users/bulkUpdate' || path === '/api/events/trackBulk';
    const text = bulk ? await request.clone().text() : null;
    const res = await sandbox.fetch(request);
    if (bulk) log.push({ t, path, status: res.status, body: text });
    return res;
  };
  const srv = await serveLocal(app, { maxBody: 8 << 20, refusal: (s, msg) => ({ type: 'application/json', body: JSON.stringify({ msg, code: 'GenericError' }) }), maxConnections: 256 });
  return { url: srv.url, sandbox, log, close: () => srv.close() };
}

/** For the bench size (--fake): a stand-in for Iterable that only records (the sandbox finds a user by
 * a scan, which a million users make quadratic). Answers every `faultEvery`-th bulk request with 503,
 * before any work, and the others with Iterable's bulk success shape. */
async function startFake(faultEvery = 10) {
  const { createServer } = await import('node:http');
  const log = [];
  const emails = new Set();
  let n = 0;
  const srv = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const t = performance.now();
      const body = Buffer.concat(chunks).toString('utf8');
      const fault = ++n % faultEvery === 0;
      if (!fault) for (const u of JSON.parse(body).users ?? []) emails.add(u.email);
      log.push({ t, path: req.url, status: fault ? 503 : 200, body });
      res.writeHead(fault ? 503 : 200, { 'content-type': 'application/json' });
      res.end(fault ? '{"msg":"unavailable","code":"GenericError"}' : '{"successCount":1,"failCount":0}');
    });
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${srv.address().port}`, log, sandbox: { dump: () => ({ users: [...emails].map((email) => ({ email })) }) }, close: () => new Promise((r) => srv.close(r)) };
}

const VROOT = '/worker';
function modules() {
  const manifest = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8'));
  const walk = (dir) => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
  const files = walk(PKG).filter((p) => /\.(js|wasm)$/.test(p) && !p.includes('/cli/')).map((p) => ({
    type: p.endsWith('.wasm') ? 'CompiledWasm' : 'ESModule',
    path: join(VROOT, 'node_modules/iterable-wasm', relative(PKG, p)),
    contents: readFileSync(p),
  }));
  // A module named "a/b" resolves relative imports from "a/": its target is one level up.
  const forward = (name, target) => ({ type: 'ESModule', path: join(VROOT, name), contents: `export * from ${JSON.stringify(`${name.includes('/') ? '../' : './'}node_modules/iterable-wasm/${target.replace(/^\.\//, '')}`)};` });
  return [
    { type: 'ESModule', path: join(VROOT, 'worker.js'), contents: readFileSync(join(ROOT, 'tests/queues/worker.js'), 'utf8') },
    forward('iterable-wasm', manifest.exports['.'].workerd),
    forward('iterable-wasm/queues', manifest.exports['./queues'].default),
    ...files,
  ];
}

function worker(baseUrl, killRate) {
  const queues = Array.from({ length: SHARDS }, (_, i) => `sync-${i}`);
  return new Miniflare({
    modulesRoot: VROOT,
    modules: modules(),
    compatibilityDate: '2025-01-01',
    bindings: { BASE_URL: baseUrl, SHARDS: String(SHARDS), KILL_RATE: String(killRate) },
    queueProducers: { ...Object.fromEntries(queues.map((q, i) => [`SYNC_${i}`, q])), DLQ: 'sync-dlq' },
    queueConsumers: {
      ...Object.fromEntries(queues.map((q) => [q, { maxBatchSize: 4, maxBatchTimeout: 1, maxRetries: 25, deadLetterQueue: 'sync-dlq' }])),
      'sync-dlq': { maxBatchSize: 100, maxBatchTimeout: 1 },
    },
    durableObjects: { LIMITER: 'IterableRateLimiter', SYNC_PROGRESS: 'IterableSyncProgress', SINK: 'Sink' },
  });
}

const json = async (mf, path, body) => {
  const res = await mf.dispatchFetch(`http://worker.local${path}`, body ? { method: 'POST', body: JSON.stringify(body) } : {});
  const out = await res.json();
  if (res.status !== 200) throw new Error(`${path}: ${JSON.stringify(out)}`);
  return out;
};

/** Waits (bounded) until the sync is complete and the dead-letter queue holds `dlq` items. */
async function settle(mf, syncId, dlq) {
  const t0 = Date.now();
  for (;;) {
    const s = await json(mf, `/status?syncId=${syncId}`);
    const dead = await json(mf, '/dlq');
    if (s.complete && dead.filter((d) => d.syncId === syncId).length >= dlq) return s;
    if (Date.now() - t0 > MAX_MS) throw new Error(`sync ${syncId} not complete after ${MAX_MS / 1000}s: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The most times in any window of `ms` (times sorted ascending). */
function peak(times, ms) {
  let best = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[j] - times[i] >= ms) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

function rates(log, path, grants, limit, started) {
  const arrivals = log.filter((r) => r.path === path && r.t >= started).map((r) => r.t).sort((a, b) => a - b);
  const g = [...grants].sort((a, b) => a - b);
  const out = { limit, requests: arrivals.length, grants: g.length, grantPeak1s: peak(g, 1000), serverPeak1s: peak(arrivals, 1000), serverPeak10s: peak(arrivals, 10_000) };
  if (process.env.QUEUES_DEBUG) writeFileSync(`/tmp/queues-${path.split('/').pop()}.json`, JSON.stringify({ arrivals, grants: g, origin: performance.timeOrigin }));
  assert(out.grantPeak1s <= limit, `limiter granted ${out.grantPeak1s} sends in one second (limit ${limit})`);
  assert(out.serverPeak10s <= 10 * limit, `the sandbox saw ${out.serverPeak10s} requests in 10 seconds (limit ${10 * limit})`);
  return out;
}

const results = {};
let failed = false;
async function scenario(name, fn) {
  const t0 = Date.now();
  try {
    results[name] = { ...(await fn()), seconds: (Date.now() - t0) / 1000 };
    console.log(`ok - ${name}: ${JSON.stringify(results[name])}`);
  } catch (e) {
    failed = true;
    console.log(`not ok - ${name}: ${e?.stack ?? e}`);
  }
}

// 1. Users through SHARDS consumers, with 429/500/503 injected into a share of requests.
await scenario(`${USERS} users, ${SHARDS} consumers, ${args['fault-rate']} of requests faulted (429/500/503)`, async () => {
  const sb = args.fake ? await startFake() : await startSandbox({ rate: Number(args['fault-rate']), statuses: [429, 500, 503] });
  const mf = worker(sb.url, 0);
  try {
    const started = performance.now();
    const invalidEvery = 101;
    const r = await json(mf, '/sync', { syncId: 'users-1', kind: 'users', n: USERS, invalidEvery, messageBytes: Number(args['message-bytes']) });
    const invalid = Array.from({ length: USERS }, (_, i) => i).filter((i) => i % invalidEvery === invalidEvery - 1);
    assert.deepEqual(r.invalid.map((f) => f.index), invalid, 'the invalid items are reported by index');
    const s = await settle(mf, 'users-1', invalid.length);
    const wall = (performance.now() - started) / 1000;
    assert.equal(s.succeeded, USERS - invalid.length);
    assert.equal(s.batchesDead, 0);
    // Every valid user exists once.
    const users = sb.sandbox.dump().users.filter((u) => u.email?.endsWith('@sync.test'));
    const emails = new Set(users.map((u) => u.email));
    assert.equal(users.length, USERS - invalid.length, 'users in the sandbox');
    assert.equal(emails.size, users.length, 'no user twice');
    // No item in two processed requests (a faulted request is refused before any work).
    const seen = new Map();
    let duplicates = 0;
    for (const req of sb.log.filter((x) => x.status === 200)) for (const u of JSON.parse(req.body).users) seen.set(u.email, (seen.get(u.email) ?? 0) + 1);
    for (const n of seen.values()) if (n > 1) duplicates++;
    assert.equal(duplicates, 0, 'items processed twice');
    // The dead-letter queue holds exactly the invalid items.
    const dead = (await json(mf, '/dlq')).filter((d) => d.syncId === 'users-1');
    assert.deepEqual(dead.map((d) => d.index).sort((a, b) => a - b), invalid);
    assert(dead.every((d) => d.stage === 'validation' && /email|userId/i.test(d.reason)), 'each with its reason');
    const { grants } = await json(mf, '/grants?action=bulk_update_users');
    const rate = rates(sb.log, '/api/users/bulkUpdate', grants, s.rate.limit, started);
    assert.equal(rate.requests, grants.length, 'every request had a grant');
    // A re-run of the finished sync enqueues nothing.
    const again = await json(mf, '/sync', { syncId: 'users-1', kind: 'users', n: USERS, invalidEvery, messageBytes: Number(args['message-bytes']) });
    assert.equal(again.enqueued, 0);
    assert.equal(again.alreadyDone, s.batches);
    const faulted = sb.log.filter((x) => x.status !== 200).length;
    return { wallSeconds: wall, usersPerSecond: Math.round((USERS - invalid.length) / wall), batches: s.batches, ...rate, faulted, retried: s.retried, retryReasons: s.retryReasons, duplicates, deadLettered: dead.length };
  } finally {
    await mf.dispose();
    await sb.close();
  }
});

if (EVENTS > 0)
// 2. Events: the producer dies part way, consumers die between send and ack; the re-run completes
//    the sync and every event exists once, with the id it was first given.
await scenario(`${EVENTS} events, producer dies part way and re-runs, consumers killed after send`, async () => {
  const sb = await startSandbox({ rate: Number(args['fault-rate']), statuses: [429, 503] });
  const mf = worker(sb.url, 0.2);
  try {
    const started = performance.now();
    const invalidEvery = 97;
    const body = { syncId: 'events-1', kind: 'events', n: EVENTS, invalidEvery, messageBytes: 4096 };
    const first = await mf.dispatchFetch('http://worker.local/sync', { method: 'POST', body: JSON.stringify({ ...body, failAfter: 3 }) });
    assert.match((await first.json()).error, /producer died/);
    const r = await json(mf, '/sync', body);
    assert.equal(r.rerun, true);
    const invalid = Array.from({ length: EVENTS }, (_, i) => i).filter((i) => i % invalidEvery === invalidEvery - 1);
    const s = await settle(mf, 'events-1', invalid.length);
    assert.equal(s.succeeded, EVENTS - invalid.length);
    const state = sb.sandbox.dump();
    const events = state.users.filter((u) => u.email?.endsWith('@sync.test')).flatMap((u) => u.events ?? []).filter((e) => (e.eventName ?? e.data?.eventName) === 'sync');
    const ids = events.map((e) => e.id ?? e.data?.id);
    assert.equal(events.length, EVENTS - invalid.length, 'events in the sandbox');
    assert.equal(new Set(ids).size, ids.length, 'no event twice');
    const processed = sb.log.filter((x) => x.status === 200).flatMap((x) => JSON.parse(x.body).events);
    const resent = processed.length - new Set(processed.map((e) => e.id)).size;
    const dead = (await json(mf, '/dlq')).filter((d) => d.syncId === 'events-1');
    assert.deepEqual(dead.map((d) => d.index).sort((a, b) => a - b), invalid);
    const { grants } = await json(mf, '/grants?action=track_events_in_bulk');
    const rate = rates(sb.log, '/api/events/trackBulk', grants, s.rate.limit, started);
    return { batches: s.batches, ...rate, retried: s.retried, retryReasons: s.retryReasons, duplicateDeliveries: s.duplicateDeliveries, eventsResentWithSameId: resent, duplicatesInSandbox: ids.length - new Set(ids).size };
  } finally {
    await mf.dispose();
    await sb.close();
  }
});

// 3. The example Worker (examples/queues-sync), with the bindings its wrangler.toml declares.
await scenario('examples/queues-sync: producer route, consumer, status route', async () => {
  const sb = await startSandbox({ rate: 0.05, statuses: [429, 503] });
  const toml = readFileSync(join(ROOT, 'examples/queues-sync/wrangler.toml'), 'utf8');
  const all = (re) => [...toml.matchAll(re)].map((m) => m[1]);
  const [queue, dlq] = all(/^queue = "([^"]+)"/gm);
  const [consumerQueue] = all(/\[\[queues\.consumers\]\]\s*\nqueue = "([^"]+)"/g);
  const producers = Object.fromEntries([...toml.matchAll(/binding = "(\w+)"\s*\nqueue = "([^"]+)"/g)].map((m) => [m[1], m[2]]));
  const objects = Object.fromEntries([...toml.matchAll(/name = "(\w+)"\s*\nclass_name = "(\w+)"/g)].map((m) => [m[1], m[2]]));
  assert.deepEqual(producers, { SYNC_QUEUE: queue, SYNC_DLQ: dlq });
  assert.equal(consumerQueue, queue);
  assert.deepEqual(objects, { LIMITER: 'IterableRateLimiter', SYNC_PROGRESS: 'IterableSyncProgress' });
  const mods = modules().filter((m) => !m.path.endsWith('/worker.js') || m.path.includes('node_modules'));
  const mf = new Miniflare({
    modulesRoot: VROOT,
    modules: [{ type: 'ESModule', path: join(VROOT, 'worker.js'), contents: readFileSync(join(ROOT, 'examples/queues-sync/worker.js'), 'utf8') }, ...mods],
    compatibilityDate: '2025-01-01',
    bindings: { ITERABLE_API_KEY: 'test-key-not-real', SYNC_TOKEN: 'test-token', ITERABLE_BASE_URL: sb.url, ITERABLE_REGION: 'us', ITERABLE_PROJECT: 'main' },
    queueProducers: producers,
    queueConsumers: { [queue]: { maxBatchSize: 4, maxBatchTimeout: 1, maxRetries: 10, deadLetterQueue: dlq } },
    durableObjects: objects,
  });
  try {
    const auth = { authorization: 'Bearer test-token' };
    assert.equal((await mf.dispatchFetch('http://worker.local/syncs/ex-1')).status, 401);
    const items = Array.from({ length: 1000 }, (_, i) => (i % 200 === 0 ? { dataFields: { i } } : { email: `ex${i}@sync.test`, dataFields: { i } }));
    const res = await mf.dispatchFetch('http://worker.local/syncs/ex-1', { method: 'POST', headers: auth, body: JSON.stringify({ action: 'bulk_update_users', items }) });
    const plan = await res.json();
    assert.equal(res.status, 202, JSON.stringify(plan));
    assert.equal(plan.invalid, 5);
    let status;
    for (let t0 = Date.now(); !(status = await (await mf.dispatchFetch('http://worker.local/syncs/ex-1', { headers: auth })).json()).complete; ) {
      if (Date.now() - t0 > 120_000) throw new Error(`not complete: ${JSON.stringify(status)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(status.succeeded, 995);
    assert.equal(status.failed, 5);
    const users = sb.sandbox.dump().users.filter((u) => u.email?.startsWith('ex'));
    assert.equal(new Set(users.map((u) => u.email)).size, 995);
    return { batches: status.batches, retried: status.retried, succeeded: status.succeeded, invalid: status.invalid };
  } finally {
    await mf.dispose();
    await sb.close();
  }
});

console.log(JSON.stringify(results, null, 2));
process.exit(failed ? 1 : 0);
