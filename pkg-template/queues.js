// iterable-wasm/queues: bulk syncs across many Worker invocations over Cloudflare Queues, with one
// shared rate limit per Iterable project and action (a Durable Object) and a progress record per
// sync (a Durable Object). Never imported by the client's entries: a Worker that does not import
// this subpath does not load it.
//
//   producer:  await enqueueBulk(env.SYNC_QUEUE, 'bulk_update_users', users, { syncId, client, progress: env.SYNC_PROGRESS, deadLetter: env.SYNC_DLQ })
//   consumer:  export default { queue: createBulkConsumer({ client, limiter: env.LIMITER, progress: env.SYNC_PROGRESS, deadLetter: env.SYNC_DLQ }) }
//   objects:   export { IterableRateLimiter, IterableSyncProgress } from 'iterable-wasm/queues';
//   status:    await getSyncStatus(env, syncId)
//   exports:   export const ExportSync = defineExportSync({ client, bucket }); await startExportSync(env, syncId, input)  (queues/export.js)
//
// The catalog (bulk item field, rate limit) comes from the client given, so this module never
// loads a second copy of the wasm. Planning uses the client's own bulk planner: a planning-only
// client of the same class whose fetch records each planned request instead of sending it.

import { bytes, call, checkProject, checkSyncId, entryOf, fail, JsonObject, limiterStub, parseRateLimit, retryable, sleep } from './queues/shared.js';
export { IterableQueuesError, parseRateLimit } from './queues/shared.js';
export { defineExportSync, cancelExportSync, getExportStatus, startExportSync } from './queues/export.js';

/** Cloudflare Queues' limit for one message (128 KB); messages are planned below it. */
export const QUEUE_MESSAGE_LIMIT = 128 * 1024;
const MESSAGE_BUDGET = 120_000; // JSON bytes of one message's body, leaving room for the queue's envelope
const SEND_BATCH_BYTES = 240_000; // sendBatch: at most 100 messages and 256 KB in all
const SEND_BATCH_COUNT = 100;
const IDS_PER_KEY = 2000; // event ids per storage value (a value holds at most 128 KiB)
const VERSION = 1;
const LOG_CHUNKS = 20; // grant log kept by the limiter: 20,000 grants
const progressStub = (ns, syncId) => ns.get(ns.idFromName(`sync:${syncId}`));

/**
 * Plans `items` with the client's bulk planner: validation (rejected items by index), event ids
 * (kept, else `eventIds`, else new), requests within the action's documented count and byte
 * limits. Returns { failures, eventIds, requests: [{ input, items, indices }] }.
 */
async function planRequests(client, actionId, items, input, eventIds) {
  const bodies = [];
  const Client = client.constructor;
  const planner = new Client({
    apiKey: 'planning-only',
    eventIds: 'auto',
    maxRetries: 0,
    fetch: async (_url, init) => {
      bodies.push(String(init?.body ?? ''));
      return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
    },
  });
  const all = Array.from({ length: items.length }, (_, i) => i);
  // resume with every index: the planner then gives each event the id listed for it.
  const resume = eventIds ? { action: actionId, items: items.length, failures: all.map((index) => ({ index })), eventIds } : undefined;
  let report;
  try {
    report = await planner.bulk(actionId, items, { input, concurrency: 1, ...(resume ? { resume } : {}) });
  } finally {
    planner.free?.();
  }
  const entry = entryOf(client, actionId);
  const key = entry.bulk.items;
  const rejected = new Set(report.failures.map((f) => f.index));
  const valid = all.filter((i) => !rejected.has(i));
  let next = 0;
  const requests = bodies.map((text) => {
    const { [key]: list, ...rest } = JSON.parse(text);
    const indices = valid.slice(next, (next += list.length));
    return { input: rest, items: list, indices };
  });
  if (next !== valid.length) throw fail(`planning ${actionId}: ${valid.length} valid items but ${next} planned`, 'PlanError');
  return { entry, failures: report.failures, eventIds: report.eventIds ?? null, requests };
}

/** Splits planned requests into queue messages of at most `budget` JSON bytes each. Items too large
 * for any message are returned as failures. */
function toMessages(requests, head, budget) {
  const messages = [];
  const tooLarge = [];
  for (const r of requests) {
    const base = bytes(JSON.stringify({ ...head, batch: 0, input: r.input, items: [], indices: [] })) + 16;
    let cur = null;
    r.items.forEach((item, k) => {
      const size = bytes(JSON.stringify(item)) + String(r.indices[k]).length + 2;
      if (base + size > budget) {
        tooLarge.push({ index: r.indices[k], reason: `MessageTooLarge: the item needs ${base + size} bytes, more than a queue message holds (${budget})` });
        return;
      }
      if (!cur || cur.size + size > budget) messages.push((cur = { input: r.input, items: [], indices: [], size: base }));
      cur.items.push(item);
      cur.indices.push(r.indices[k]);
      cur.size += size;
    });
  }
  return { messages: messages.map(({ size, ...m }, batch) => ({ ...head, batch, ...m })), tooLarge };
}

/** Sends message bodies with sendBatch, within its count and byte limits. */
async function sendAll(queue, bodies, delaySeconds) {
  let group = [];
  let size = 0;
  const flush = async () => {
    if (group.length) await queue.sendBatch(group.map((body) => ({ body, contentType: 'json', ...(delaySeconds ? { delaySeconds } : {}) })));
    group = [];
    size = 0;
  };
  for (const body of bodies) {
    const n = bytes(JSON.stringify(body));
    if (group.length >= SEND_BATCH_COUNT || size + n > SEND_BATCH_BYTES) await flush();
    group.push(body);
    size += n;
  }
  await flush();
}

/**
 * Plans and enqueues a bulk sync. Every item is validated first: a bad item is reported (and sent to
 * `deadLetter` with its reason) and never enqueued. Events get their ids now (an item's own id,
 * else a new one), kept in the sync's progress record, so a re-run of the same `syncId` plans the
 * same batches with the same ids and enqueues only the batches not yet done.
 * `queue` may be an array of queues: batches are spread over them (more consumers at once).
 */
export async function enqueueBulk(queue, actionId, items, options = {}) {
  const { syncId, client, input = {}, progress, deadLetter, project = 'default', messageBytes = MESSAGE_BUDGET, delaySeconds } = options ?? {};
  checkSyncId(syncId);
  const queues = Array.isArray(queue) ? queue : [queue];
  if (!queues.length || queues.some((q) => typeof q?.sendBatch !== 'function')) throw fail('queue must be a Queue binding (or an array of them)');
  if (!Array.isArray(items)) throw fail('items must be an array');
  if (!progress?.idFromName) throw fail('option "progress" must be the Durable Object namespace of IterableSyncProgress');
  checkProject(project);
  if (!Number.isInteger(messageBytes) || messageBytes < 1024 || messageBytes > MESSAGE_BUDGET) throw fail(`option "messageBytes" must be an integer from 1024 to ${MESSAGE_BUDGET}`);
  const store = progressStub(progress, syncId);
  const prior = await call(store, 'plan');
  if (prior.plan && (prior.plan.action !== actionId || prior.plan.items !== items.length)) {
    throw fail(`sync "${syncId}" was started for ${prior.plan.items} items of ${prior.plan.action}; a re-run needs the same action and items`, 'SyncMismatch');
  }
  const planned = await planRequests(client, actionId, items, input, prior.eventIds);
  const head = { v: VERSION, syncId, action: actionId, project };
  const { messages, tooLarge } = toMessages(planned.requests, head, messageBytes);
  const invalid = [...planned.failures, ...tooLarge].sort((a, b) => a.index - b.index);
  const idOf = (i) => {
    const item = items[i];
    for (const f of planned.entry.bulk.identify) if (item?.[f] != null) return String(item[f]);
    return null;
  };
  const rate = parseRateLimit(planned.entry.rateLimit);
  const plan = { action: actionId, project, items: items.length, batches: messages.length, invalid: invalid.length, rate, digest: digest(messages) };
  if (prior.plan && prior.plan.digest !== plan.digest) throw fail(`sync "${syncId}": these items plan differently from the sync's first run; use a new syncId`, 'SyncMismatch');
  let done = [];
  if (!prior.plan) {
    // The invalid items go to the dead-letter queue once, before the plan is recorded.
    if (deadLetter && invalid.length) await sendAll(deadLetter, invalid.map((f) => ({ ...head, stage: 'validation', index: f.index, id: idOf(f.index), reason: f.reason, item: items[f.index] })));
    const { eventIds } = planned;
    for (let k = 0; eventIds && k * IDS_PER_KEY < eventIds.length; k++) await call(store, 'ids', { k, ids: eventIds.slice(k * IDS_PER_KEY, (k + 1) * IDS_PER_KEY) });
    await call(store, 'begin', { plan, failures: invalid.map((f) => ({ ...f, id: idOf(f.index) })) });
  } else {
    done = (await call(store, 'finished')).batches;
  }
  const skip = new Set(done);
  const todo = messages.filter((m) => !skip.has(m.batch));
  await Promise.all(queues.map((q, s) => sendAll(q, todo.filter((_, k) => k % queues.length === s), delaySeconds)));
  return { syncId, action: actionId, items: items.length, batches: messages.length, enqueued: todo.length, alreadyDone: skip.size, invalid: invalid.map((f) => ({ ...f, id: idOf(f.index) })), rerun: !!prior.plan };
}

/** FNV-1a over the messages' JSON: a re-run must plan the same batches. */
function digest(messages) {
  let h = 0x811c9dc5;
  for (const m of messages) {
    const s = JSON.stringify(m);
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  }
  return `${messages.length}:${h.toString(16)}`;
}


/**
 * A queue handler that sends each message's batch through `client` (one request, no client-side
 * retries: every attempt takes a slot from the shared limiter), acks it once sent, retries it with
 * backoff (`retry({ delaySeconds })`) on 429/5xx/timeouts, reports what Iterable rejected item by
 * item, and dead-letters what can never succeed with the reason.
 * Options: client, limiter (IterableRateLimiter's namespace), progress (IterableSyncProgress's),
 * deadLetter (a queue), maxAttempts (10), baseDelaySeconds (2), maxDelaySeconds (300),
 * marginMs (added to each rate window, 400), lateMs (how late after its turn a send may still go,
 * 100), timeoutMs (30000), leaseMs (120000).
 */
export function createBulkConsumer(options = {}) {
  const { client, limiter, progress, deadLetter, maxAttempts = 10, baseDelaySeconds = 2, maxDelaySeconds = 300, marginMs = 400, lateMs = 100, timeoutMs = 30_000, leaseMs = 120_000 } = options ?? {};
  if (!client) throw fail('createBulkConsumer: option "client" is required (an IterableClient, or a function (env) => client)');
  if (!progress) throw fail('createBulkConsumer: option "progress" is required (IterableSyncProgress\'s namespace, or a function (env) => it)');
  // A binding or client, or a function (env, project) => it (a client per Iterable project).
  const resolve = (v, env, project) => (typeof v === 'function' && !v.idFromName && !v.send ? v(env, project) : v);
  const backoff = (attempts) => Math.min(maxDelaySeconds, baseDelaySeconds * 2 ** Math.max(0, attempts - 1)) + Math.floor(Math.random() * baseDelaySeconds);

  async function handle(msg, env) {
    const m = msg.body;
    const ns = resolve(progress, env);
    const dlq = resolve(deadLetter, env);
    if (m?.v !== VERSION || typeof m.syncId !== 'string' || !Number.isInteger(m.batch) || !Array.isArray(m.items)) {
      if (dlq) await dlq.send({ stage: 'consumer', reason: 'NotABulkMessage: not a message of enqueueBulk', body: m });
      return msg.ack();
    }
    const c = resolve(client, env, m.project);
    const lim = resolve(limiter, env, m.project);
    const store = progressStub(ns, m.syncId);
    const token = crypto.randomUUID();
    const claim = await call(store, 'claim', { batch: m.batch, token, leaseMs });
    if (claim.skip) return msg.ack(); // done already (a message delivered twice)
    if (claim.busy) return msg.retry({ delaySeconds: Math.max(1, Math.ceil(claim.waitMs / 1000)) });
    const dead = async (list, reason) => {
      if (dlq && list.length) await sendAll(dlq, list.map(({ item, index, why }) => ({ v: VERSION, syncId: m.syncId, action: m.action, project: m.project, stage: 'send', batch: m.batch, index, item, reason: why ?? reason })));
    };
    const entry = entryOf(c, m.action);
    const rate = parseRateLimit(entry.rateLimit);
    if (rate && lim) {
      await takeTurn(limiterStub(lim, m.project, m.action), rate.limit, rate.windowMs + marginMs, lateMs);
    }
    const report = await c.bulk(m.action, m.items, { input: m.input, concurrency: 1, maxRetries: 0, timeoutMs });
    const error = report.errors[0];
    if (error) {
      if (retryable(error) && msg.attempts < maxAttempts) {
        await call(store, 'release', { batch: m.batch, token, status: error.status ?? null, code: error.code ?? null });
        return msg.retry({ delaySeconds: backoff(msg.attempts) });
      }
      const reason = `${error.code ?? 'Error'}${error.status ? ` ${error.status}` : ''}: ${String(error.message ?? '').slice(0, 300)}`;
      await dead(m.items.map((item, k) => ({ item, index: m.indices[k] })), reason);
      await call(store, 'complete', { batch: m.batch, token, dead: true, sent: report.sent, succeeded: 0, failures: m.indices.map((index) => ({ index, reason })) });
      return msg.ack();
    }
    const failures = report.failures.map((f) => ({ ...f, index: m.indices[f.index], at: f.index }));
    await dead(failures.map((f) => ({ item: m.items[f.at], index: f.index, why: f.reason })));
    await call(store, 'complete', { batch: m.batch, token, sent: report.sent, succeeded: report.succeeded, failures: failures.map(({ at, ...f }) => f) });
    msg.ack();
  }

  return async function queue(batch, env) {
    // The messages of one delivery at once: the limiter orders their sends.
    await Promise.all(batch.messages.map((msg) => handle(msg, env).catch((e) => {
      console.error(`iterable-wasm/queues: message ${msg.id}: ${e?.message ?? e}`);
      msg.retry({ delaySeconds: backoff(msg.attempts) });
    })));
  };
}

/** The progress of a sync: { syncId, action, items, batches, done, dead, pending, succeeded, failed,
 * invalid, retried, complete }, or null for an unknown sync. `env.SYNC_PROGRESS` unless `binding`. */
export async function getSyncStatus(env, syncId, { binding = 'SYNC_PROGRESS', failures = false } = {}) {
  checkSyncId(syncId);
  const ns = env?.[binding];
  if (!ns?.idFromName) throw fail(`env.${binding} is not a Durable Object namespace (bind IterableSyncProgress there, or pass { binding })`);
  const s = await call(progressStub(ns, syncId), 'status', { failures });
  return s.plan ? { syncId, ...s.status } : null;
}

/**
 * The shared rate limit of one Iterable project and action, however many consumers ask: `acquire`
 * hands out send times spaced evenly (windowMs / limit apart) and at most `limit` in any
 * `windowMs`. The caller waits until its time by its own clock and sends then, or, when it woke up
 * too late (a busy isolate), gives the time back unused and asks again: a late send never bunches
 * with the next one on time. The recent times are kept in storage, so a restarted object still
 * counts them. `grants()` lists the last 20,000 times handed out (for status and tests).
 */
export class IterableRateLimiter extends JsonObject {
  ops = {
    async acquire({ limit, windowMs }) {
      if (!Number.isInteger(limit) || limit < 1 || !Number.isFinite(windowMs) || windowMs <= 0) throw new Error('acquire: limit and windowMs must be positive');
      const g = (this.recent ??= (await this.storage.get('recent')) ?? []);
      const now = Date.now();
      let at = Math.max(now, g.length ? g[g.length - 1] + windowMs / limit : 0);
      if (g.length >= limit) at = Math.max(at, g[g.length - limit] + windowMs);
      g.push(at);
      if (g.length > limit) g.splice(0, g.length - limit);
      // The log: chunks of 1,000 times, the last LOG_CHUNKS kept, in storage (it outlives eviction).
      const n = (this.count ??= (await this.storage.get('count')) ?? 0);
      const key = `log:${String(Math.floor(n / 1000)).padStart(8, '0')}`;
      const chunk = this.chunk?.key === key ? this.chunk : (this.chunk = { key, times: (await this.storage.get(key)) ?? [] });
      chunk.times.push(at);
      this.count = n + 1;
      await this.storage.put({ recent: g, count: this.count, [key]: chunk.times });
      if (n % 1000 === 0 && n >= LOG_CHUNKS * 1000) await this.storage.delete(`log:${String(Math.floor(n / 1000) - LOG_CHUNKS).padStart(8, '0')}`);
      return { at, waitMs: at - now };
    },
    async grants() {
      const chunks = await this.storage.list({ prefix: 'log:' });
      return { grants: [...chunks.values()].flat() };
    },
  };
}

/** One send's turn at the shared limit: a time from the limiter, the wait until it, and a new time
 * when this isolate woke more than `lateMs` after it (bounded). */
async function takeTurn(stub, limit, windowMs, lateMs) {
  for (let k = 0; k < 20; k++) {
    const { at } = await call(stub, 'acquire', { limit, windowMs });
    await sleep(Math.max(0, at - Date.now()));
    if (Date.now() - at <= lateMs) return k;
  }
  throw fail('woke too late for 20 turns of the rate limiter in a row', 'RateLimited');
}

/**
 * The progress record of one sync: the plan, the event ids given, each batch's state (claimed while
 * a consumer sends it, done, dead), counts and the items rejected or dead-lettered, by index.
 */
export class IterableSyncProgress extends JsonObject {
  ops = {
    async plan() {
      const plan = await this.storage.get('plan');
      if (!plan) return { plan: null, eventIds: null };
      const chunks = await this.storage.list({ prefix: 'ids:' });
      const ids = [...chunks.entries()].sort(([a], [b]) => Number(a.slice(4)) - Number(b.slice(4))).flatMap(([, v]) => v);
      return { plan, eventIds: ids.length ? ids : null };
    },
    async ids({ k, ids }) {
      if (await this.storage.get('plan')) throw new Error('the plan is recorded already');
      await this.storage.put(`ids:${String(k).padStart(6, '0')}`, ids);
      return {};
    },
    async begin({ plan, failures }) {
      if (await this.storage.get('plan')) return { existed: true };
      await this.storage.put({ plan, counts: { sent: 0, succeeded: 0, failed: 0, retried: 0, dead: 0, done: 0, duplicates: 0 } });
      for (let k = 0; k * 1000 < failures.length; k++) await this.storage.put(`f:v:${k}`, failures.slice(k * 1000, (k + 1) * 1000));
      return { existed: false };
    },
    async finished() {
      const states = await this.storage.list({ prefix: 'b:' });
      return { batches: [...states.entries()].filter(([, s]) => s.state === 'done' || s.state === 'dead').map(([k]) => Number(k.slice(2))) };
    },
    async claim({ batch, token, leaseMs }) {
      const s = await this.storage.get(`b:${batch}`);
      const now = Date.now();
      if (s?.state === 'done' || s?.state === 'dead') {
        const counts = await this.storage.get('counts');
        counts.duplicates++;
        await this.storage.put('counts', counts);
        return { skip: true };
      }
      if (s?.state === 'claimed' && s.token !== token && s.until > now) return { busy: true, waitMs: s.until - now };
      await this.storage.put(`b:${batch}`, { state: 'claimed', token, until: now + leaseMs });
      return { ok: true };
    },
    async release({ batch, token, status, code }) {
      const s = await this.storage.get(`b:${batch}`);
      const counts = await this.storage.get('counts');
      counts.retried++;
      (counts.retryReasons ??= {})[status ?? code ?? 'error'] = (counts.retryReasons[status ?? code ?? 'error'] ?? 0) + 1;
      if (s?.token === token) await this.storage.delete(`b:${batch}`);
      await this.storage.put('counts', counts);
      return {};
    },
    async complete({ batch, dead, sent, succeeded, failures }) {
      const s = await this.storage.get(`b:${batch}`);
      if (s?.state === 'done' || s?.state === 'dead') return { already: true };
      const counts = await this.storage.get('counts');
      counts.sent += sent;
      counts.succeeded += succeeded;
      counts.failed += failures.length;
      counts[dead ? 'dead' : 'done']++;
      await this.storage.put({ [`b:${batch}`]: { state: dead ? 'dead' : 'done', at: Date.now() }, counts, ...(failures.length ? { [`f:b:${batch}`]: failures } : {}) });
      return { already: false };
    },
    async status({ failures: withFailures }) {
      const plan = await this.storage.get('plan');
      if (!plan) return { plan: null };
      const counts = await this.storage.get('counts');
      const finished = counts.done + counts.dead;
      const status = {
        action: plan.action,
        project: plan.project,
        items: plan.items,
        batches: plan.batches,
        batchesDone: counts.done,
        batchesDead: counts.dead,
        batchesPending: plan.batches - finished,
        sent: counts.sent,
        succeeded: counts.succeeded,
        failed: counts.failed + plan.invalid,
        invalid: plan.invalid,
        retried: counts.retried,
        retryReasons: counts.retryReasons ?? {},
        duplicateDeliveries: counts.duplicates,
        rate: plan.rate,
        complete: finished === plan.batches,
      };
      if (withFailures) {
        const all = await this.storage.list({ prefix: 'f:' });
        status.failures = [...all.values()].flat().sort((a, b) => a.index - b.index);
      }
      return { plan: true, status };
    },
  };
}
