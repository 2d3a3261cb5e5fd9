// Bulk syncs over Cloudflare Queues in miniflare (workerd, Queues and Durable Objects offline)
// against the sandbox's HTTP server on 127.0.0.1, with its fault injection on.
//
//   node tests/queues/sync.mjs                 # CI size: 15,000 users and 3,000 events, 10 consumers, an export
//                                              # (--margin-ms: the limiter's margin, 400 as the library's)
//   node tests/queues/sync.mjs --users 1000000 --events 0 --message-bytes 120000 --max-seconds 3000 --only users --margin-ms 400
//                                              # the bench size, against the sandbox (not in CI;
//                                              # --fake: a recording stand-in instead, see startFake)
//
// Checks: every valid user exists once in the sandbox; no item reached Iterable twice in requests
// it processed (faults only) — or, with consumers killed between send and ack, every event exists
// once by its id; the sends the limiter let through never exceed the catalog's limit in any
// 1-second window, nor do the sandbox's observed request arrivals in any 10-second window (and,
// with --strict-arrivals, as the bench runs it, in any 1-second window; stamped on arrival by a
// thread that does nothing else; the sandbox serves from a worker thread); the dead-letter queue holds
// exactly the invalid items; a producer that dies part way and runs again completes the sync; a
// re-run of a finished sync sends nothing; an export sync writes each file to R2 once and resumes
// per file; the example Worker runs with the bindings of its wrangler.toml.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Miniflare } from 'miniflare';
import { json, modules, peak, ROOT, startSandbox, VROOT } from './lib.mjs';

const { values: args } = parseArgs({ options: { users: { type: 'string', default: '15000' }, events: { type: 'string', default: '3000' }, shards: { type: 'string', default: '10' }, 'fault-rate': { type: 'string', default: '0.1' }, 'message-bytes': { type: 'string', default: '8192' }, 'max-seconds': { type: 'string', default: '600' }, fake: { type: 'boolean', default: false }, only: { type: 'string' }, 'json-out': { type: 'string' }, 'margin-ms': { type: 'string', default: '400' }, 'strict-arrivals': { type: 'boolean', default: false } } });
const USERS = Number(args.users);
const EVENTS = Number(args.events);
const SHARDS = Number(args.shards);
const MAX_MS = Number(args['max-seconds']) * 1000;

/** With --fake: a stand-in for Iterable that only records (the sandbox's own cost left out).
 * Answers every `faultEvery`-th bulk request with 503,
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
  return { url: `http://127.0.0.1:${srv.address().port}`, log, dump: async () => ({ users: [...emails].map((email) => ({ email })) }), close: () => new Promise((r) => srv.close(r)) };
}

function worker(baseUrl, killRate) {
  const queues = Array.from({ length: SHARDS }, (_, i) => `sync-${i}`);
  return new Miniflare({
    modulesRoot: VROOT,
    modules: modules(),
    compatibilityDate: '2025-01-01',
    bindings: { BASE_URL: baseUrl, SHARDS: String(SHARDS), KILL_RATE: String(killRate), MARGIN_MS: args['margin-ms'] },
    queueProducers: { ...Object.fromEntries(queues.map((q, i) => [`SYNC_${i}`, q])), DLQ: 'sync-dlq' },
    queueConsumers: {
      ...Object.fromEntries(queues.map((q) => [q, { maxBatchSize: 4, maxBatchTimeout: 1, maxRetries: 25, deadLetterQueue: 'sync-dlq' }])),
      'sync-dlq': { maxBatchSize: 100, maxBatchTimeout: 1 },
    },
    durableObjects: { LIMITER: 'IterableRateLimiter', SYNC_PROGRESS: 'IterableSyncProgress', SINK: 'Sink', EXPORTS: 'ExportSync' },
    r2Buckets: ['BUCKET'],
  });
}

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

/** The limiter's and the sandbox's peaks, printed (with `context`) before they are checked. */
function rates(log, path, grants, limit, started, context = {}) {
  const arrivals = log.filter((r) => r.path === path && r.t >= started).map((r) => r.t).sort((a, b) => a - b);
  const g = [...grants].sort((a, b) => a - b);
  const out = { limit, requests: arrivals.length, grants: g.length, grantPeak1s: peak(g, 1000), serverPeak1s: peak(arrivals, 1000), serverPeak10s: peak(arrivals, 10_000) };
  if (process.env.QUEUES_DEBUG) writeFileSync(`/tmp/queues-${path.split('/').pop()}.json`, JSON.stringify({ arrivals, grants: g, origin: performance.timeOrigin }));
  partial = { ...context, ...out };
  console.log(`rates ${path}: ${JSON.stringify(partial)}`);
  assert(out.grantPeak1s <= limit, `limiter granted ${out.grantPeak1s} sends in one second (limit ${limit})`);
  // What the sandbox sees in one second also carries the delivery's jitter (a busy machine can
  // bunch two sends the limiter spaced): checked by the bench (--strict-arrivals); a test checks
  // the limiter's own grants above and the arrivals over the wide window below.
  if (args['strict-arrivals']) assert(out.serverPeak1s <= limit, `the sandbox saw ${out.serverPeak1s} requests in one second (limit ${limit})`);
  assert(out.serverPeak10s <= 10 * limit, `the sandbox saw ${out.serverPeak10s} requests in 10 seconds (limit ${10 * limit})`);
  return out;
}

const results = {};
let failed = false;
let partial = {}; // the last figures measured, kept with a scenario's failure
async function scenario(name, fn) {
  if (args.only && !name.includes(args.only)) return;
  const t0 = Date.now();
  partial = {};
  try {
    results[name] = { ...(await fn()), seconds: (Date.now() - t0) / 1000 };
    console.log(`ok - ${name}: ${JSON.stringify(results[name])}`);
  } catch (e) {
    failed = true;
    results[name] = { error: String(e?.message ?? e).split('\n')[0], ...partial, seconds: (Date.now() - t0) / 1000 };
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
    const users = (await sb.dump()).users.filter((u) => u.email?.endsWith('@sync.test'));
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
    const rate = rates(sb.log, '/api/users/bulkUpdate', grants, s.rate.limit, started, { wallSeconds: wall, batches: s.batches, retried: s.retried, duplicates });
    assert(rate.requests <= grants.length, 'every request had a turn of the limiter');
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
    const state = (await sb.dump());
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

// 3. Exports: an export job of 4 files (from a stand-in for Iterable's export API, which lists them
//    over several polls), polled from a Durable Object alarm, each file written to R2 once. Faults:
//    a start whose answer is lost (the job it made is adopted), a 429 on a poll, a 503 on a download (retried), an expired link (listed again for a new one),
//    and a file whose download keeps failing: the sync fails after 4 attempts and, started again,
//    goes on from that file without downloading the stored ones again.
await scenario('export sync: 4 files to R2 from an alarm, faults, failed and resumed per file', async () => {
  const fx = await startExportFake();
  const mf = worker(fx.url, 0);
  try {
    const input = { dataTypeName: 'user', outputFormat: 'application/x-json-stream' };
    const bad = await mf.dispatchFetch('http://worker.local/export?syncId=exp-bad', { method: 'POST', body: JSON.stringify({ dataTypeName: 'nope' }) });
    assert.equal(bad.status, 500);
    assert.match((await bad.json()).code, /ValidationError/, 'a bad input is refused before any job starts');
    assert.equal(fx.log.filter((r) => r.path === '/api/export/start').length, 0);
    const first = await json(mf, '/export?syncId=exp-1', input);
    assert.equal(first.existed, false);
    const untilSettled = async (want) => {
      for (let t0 = Date.now(); ; ) {
        const s = await json(mf, '/export?syncId=exp-1');
        if (want.includes(s.state)) return s;
        if (Date.now() - t0 > 60_000) throw new Error(`export not ${want}: ${JSON.stringify(s)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    const failed = await untilSettled(['failed', 'complete']);
    assert.equal(failed.state, 'failed', 'file 3 keeps failing: the sync stops');
    assert.match(failed.error, /file-3.*HTTP 500/);
    assert.equal(failed.filesStored, 2, 'files 1 and 2 are stored');
    fx.heal();
    const again = await json(mf, '/export?syncId=exp-1', input);
    assert.equal(again.existed, true);
    const done = await untilSettled(['complete', 'failed']);
    assert.equal(done.state, 'complete', JSON.stringify(done));
    assert.equal(fx.log.filter((r) => r.path === '/api/export/start').length, 1, 'one start: the job of the lost answer was adopted');
    assert.equal(fx.log.filter((r) => r.path === '/api/export/jobs').length, 1, 'found by listing the jobs once');
    // Each file in R2 once, byte for byte; each stored file downloaded successfully exactly once.
    const objects = await json(mf, '/r2?prefix=exports/exp-1/');
    assert.deepEqual(objects.map((o) => o.key).sort(), [...fx.files.keys()].map((f) => `exports/exp-1/${f}`).concat('exports/exp-1/manifest.json').sort());
    for (const [name, content] of fx.files) {
      const got = await (await mf.dispatchFetch(`http://worker.local/r2?key=exports/exp-1/${name}`)).text();
      assert.equal(got, content, `${name} in R2`);
      assert.equal(fx.log.filter((r) => r.path.startsWith(`/files/${name}`) && r.status === 200).length, 1, `${name} downloaded once`);
    }
    const manifest = JSON.parse(await (await mf.dispatchFetch('http://worker.local/r2?key=exports/exp-1/manifest.json')).text());
    assert.equal(manifest.records, fx.records);
    assert.equal(done.records, fx.records);
    // The polls went through the limiter: list_export_files is limited to 1 request/second.
    const { grants } = await json(mf, '/grants?action=list_export_files');
    const g = [...grants].sort((a, b) => a - b);
    assert(peak(g, 1000) <= 1, `list_export_files granted ${peak(g, 1000)} times in one second`);
    const polls = fx.log.filter((r) => r.path.endsWith('/files'));
    return { files: fx.files.size, records: done.records, bytes: done.bytes, polls: polls.length, listGrantPeak1s: peak(g, 1000), downloads: fx.log.filter((r) => r.path.startsWith('/files/')).length, retried: done.retried };
  } finally {
    await mf.dispose();
    await fx.close();
  }
});

/** A stand-in for Iterable's export API: job 77 of 4 JSON-lines files, listed over polls (2 at the
 * first, 1 at the third, the last when it completes). Faults: the start's answer is lost (the job is
 * made, the connection drops: the sync must find the job, not start a second); the first poll answers 429; file-2's
 * first download 503; file-3's first link is expired (403; listing again gives a working one) and
 * then its downloads answer 500 until heal(). Logs every request. */
async function startExportFake() {
  const { createServer } = await import('node:http');
  const files = new Map([1, 2, 3, 4].map((k) => [`file-${k}.json`, Array.from({ length: 50 * k }, (_, i) => JSON.stringify({ email: `x${k}-${i}@export.test`, n: i })).join('\n') + '\n']));
  const log = [];
  let polls = 0;
  let healed = false;
  let createdAt = null;
  const served = new Map();
  const srv = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let status = 200;
    let body = '';
    const base = `http://127.0.0.1:${srv.address().port}`;
    if (url.pathname === '/api/export/start' && req.method === 'POST') {
      // The first start makes the job but its answer is lost (the connection drops).
      const lost = !createdAt;
      createdAt ??= new Date().toISOString();
      log.push({ path: url.pathname, status: lost ? 'reset' : 200, t: performance.now() });
      if (lost) return req.socket.destroy();
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ jobId: 77 }));
    } else if (url.pathname === '/api/export/jobs') body = JSON.stringify({ jobs: createdAt ? [{ id: 77, dataTypeName: 'user', jobState: 'running', scheduledStartTime: createdAt }] : [] });
    else if (url.pathname === '/api/export/77/files') {
      polls++;
      if (polls === 1) {
        status = 429;
        body = JSON.stringify({ msg: 'slow down', code: 'RateLimitExceeded' });
      } else {
        const visible = [...files.keys()].slice(0, polls >= 6 ? 4 : polls >= 4 ? 3 : 2);
        const after = url.searchParams.get('startAfter');
        const list = visible.filter((f) => !after || f > after).map((f) => {
          const v = (served.get(f) ?? 0) + 1;
          served.set(f, v);
          return { file: f, url: `${base}/files/${f}?v=${v}` };
        });
        body = JSON.stringify({ jobId: 77, jobState: polls >= 6 ? 'completed' : 'running', exportTruncated: false, files: list });
      }
    } else if (url.pathname.startsWith('/files/')) {
      const name = url.pathname.slice(7);
      const tries = log.filter((r) => r.path.startsWith(`/files/${name}`)).length;
      if (name === 'file-2.json' && tries === 0) status = 503;
      else if (name === 'file-3.json' && url.searchParams.get('v') === '1') status = 403;
      else if (name === 'file-3.json' && !healed) status = 500;
      body = status === 200 ? files.get(name) ?? '' : '<Error/>';
    } else status = 404;
    log.push({ path: url.pathname, status, t: performance.now() });
    res.writeHead(status, { 'content-type': url.pathname.startsWith('/files/') ? 'application/x-json-stream' : 'application/json' });
    res.end(body);
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const records = [...files.values()].reduce((n, c) => n + c.split('\n').filter(Boolean).length, 0);
  return { url: `http://127.0.0.1:${srv.address().port}`, files, log, records, heal: () => { healed = true; }, close: () => new Promise((r) => srv.close(r)) };
}

// 4. The example Worker (examples/queues-sync), with the bindings its wrangler.toml declares.
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
  assert.deepEqual(objects, { LIMITER: 'IterableRateLimiter', SYNC_PROGRESS: 'IterableSyncProgress', EXPORTS: 'ExportSync' });
  const buckets = all(/\[\[r2_buckets\]\]\s*\nbinding = "(\w+)"/g);
  assert.deepEqual(buckets, ['EXPORT_BUCKET']);
  const mf = new Miniflare({
    modulesRoot: VROOT,
    modules: modules('examples/queues-sync/worker.js'),
    compatibilityDate: '2025-01-01',
    bindings: { ITERABLE_API_KEY: 'test-key-not-real', SYNC_TOKEN: 'test-token', ITERABLE_BASE_URL: sb.url, ITERABLE_REGION: 'us', ITERABLE_PROJECT: 'main' },
    queueProducers: producers,
    queueConsumers: { [queue]: { maxBatchSize: 4, maxBatchTimeout: 1, maxRetries: 10, deadLetterQueue: dlq } },
    durableObjects: objects,
    r2Buckets: buckets,
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
    const users = (await sb.dump()).users.filter((u) => u.email?.startsWith('ex'));
    assert.equal(new Set(users.map((u) => u.email)).size, 995);
    return { batches: status.batches, retried: status.retried, succeeded: status.succeeded, invalid: status.invalid };
  } finally {
    await mf.dispose();
    await sb.close();
  }
});

console.log(JSON.stringify(results, null, 2));
if (args['json-out']) writeFileSync(args['json-out'], JSON.stringify({ args, results }, null, 2));
process.exit(failed ? 1 : 0);
