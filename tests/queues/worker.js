// The Worker of the queues test (run in miniflare by tests/queues/sync.mjs): a producer route, the
// bulk consumer on SHARDS queues (one consumer each, so they run at once), the dead-letter queue's
// consumer (into the Sink object), and status, grant and dead-letter routes for the test to read.
// MARGIN_MS: the limiter's margin (sync.mjs --margin-ms). Test-only faults: KILL_RATE makes a consumer invocation die after its send and before its ack
// (the send happened; the batch is not recorded), once per batch. Export syncs: ExportSync (polls
// fast, 2 files an alarm, 4 attempts a step) into the BUCKET, with /export and /r2 routes.
import { IterableClient } from 'iterable-wasm';
import { createBulkConsumer, defineExportSync, enqueueBulk, getExportStatus, getSyncStatus, IterableRateLimiter, IterableSyncProgress, startExportSync } from 'iterable-wasm/queues';

export { IterableRateLimiter, IterableSyncProgress };

/** Collects what reaches the dead-letter queue. */
export class Sink {
  constructor(state) {
    this.storage = state.storage;
  }
  async fetch(request) {
    if (request.method === 'POST') {
      const list = await request.json();
      const n = (await this.storage.get('n')) ?? 0;
      await this.storage.put({ [`m:${String(n).padStart(8, '0')}`]: list, n: n + 1 });
      return new Response('ok');
    }
    return Response.json([...(await this.storage.list({ prefix: 'm:' })).values()].flat());
  }
}

let client;
const clientOf = (env) => (client ??= new IterableClient({ apiKey: 'test-key-not-real', baseUrl: env.BASE_URL, maxRetries: 0 }));
export const ExportSync = defineExportSync({ client: (env) => clientOf(env), bucket: (env) => env.BUCKET, limiter: (env) => env.LIMITER, pollMs: 200, maxPollMs: 1000, filesPerAlarm: 2, maxAttempts: 4 });
const shards = (env) => Array.from({ length: Number(env.SHARDS) }, (_, i) => env[`SYNC_${i}`]);
const sink = (env) => env.SINK.get(env.SINK.idFromName('dlq'));

/** The test's items: users (or events) numbered from 0; every `invalidEvery`-th has no email nor userId. */
function makeItems(kind, n, invalidEvery) {
  return Array.from({ length: n }, (_, i) => {
    const bad = invalidEvery && i % invalidEvery === invalidEvery - 1;
    if (kind === 'events') return bad ? { eventName: 'sync', dataFields: { i } } : { email: `u${i % 500}@sync.test`, eventName: 'sync', dataFields: { i } };
    return bad ? { dataFields: { i, plan: 'pro' } } : { email: `user${i}@sync.test`, dataFields: { i, plan: i % 3 ? 'free' : 'pro' } };
  });
}

// Consumers: one per kill setting (a dying invocation is simulated around the client's bulk).
const killed = new Set();
function consumer(env) {
  const rate = Number(env.KILL_RATE ?? 0);
  const base = clientOf(env);
  const c = !rate ? base : new Proxy(base, {
    get(t, k) {
      if (k !== 'bulk') return Reflect.get(t, k);
      return async (id, items, opts) => {
        const report = await t.bulk(id, items, opts);
        const key = JSON.stringify(items[0]);
        if (!report.errors.length && !killed.has(key) && Math.random() < rate) {
          killed.add(key);
          throw new Error('test: the invocation died after its send');
        }
        return report;
      };
    },
  });
  return createBulkConsumer({ client: c, limiter: env.LIMITER, progress: env.SYNC_PROGRESS, deadLetter: env.DLQ, baseDelaySeconds: 1, maxDelaySeconds: 4, maxAttempts: 20, leaseMs: 2000, marginMs: Number(env.MARGIN_MS) });
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    try {
      if (url.pathname === '/sync') {
        const { syncId, kind = 'users', n, invalidEvery = 0, messageBytes, failAfter } = await request.json();
        const action = kind === 'events' ? 'track_events_in_bulk' : 'bulk_update_users';
        let queues = shards(env);
        if (failAfter != null) {
          // A producer that dies part way: its queues fail after `failAfter` sendBatch calls.
          let calls = 0;
          queues = queues.map((q) => ({ sendBatch: async (m) => { if (calls++ >= failAfter) throw new Error('test: the producer died'); return q.sendBatch(m); } }));
        }
        const result = await enqueueBulk(queues, action, makeItems(kind, n, invalidEvery), { syncId, client: clientOf(env), progress: env.SYNC_PROGRESS, deadLetter: env.DLQ, project: 'test', messageBytes });
        return Response.json(result);
      }
      if (url.pathname === '/status') return Response.json(await getSyncStatus(env, url.searchParams.get('syncId'), { failures: url.searchParams.has('failures') }));
      if (url.pathname === '/grants') {
        const stub = env.LIMITER.get(env.LIMITER.idFromName(`limit:test:${url.searchParams.get('action')}`));
        return stub.fetch('https://iterable-wasm.queues/grants', { method: 'POST', body: '{}' });
      }
      if (url.pathname === '/export') {
        const syncId = url.searchParams.get('syncId');
        if (request.method === 'POST') return Response.json(await startExportSync(env, syncId, await request.json(), { project: 'test' }));
        return Response.json(await getExportStatus(env, syncId));
      }
      if (url.pathname === '/r2') {
        const key = url.searchParams.get('key');
        if (key) return new Response((await env.BUCKET.get(key))?.body ?? null);
        return Response.json((await env.BUCKET.list({ prefix: url.searchParams.get('prefix') ?? '' })).objects.map((o) => ({ key: o.key, size: o.size, customMetadata: o.customMetadata })));
      }
      if (url.pathname === '/dlq') return sink(env).fetch('https://sink/');
      return new Response('not found', { status: 404 });
    } catch (e) {
      return Response.json({ error: String(e?.message ?? e), code: e?.code }, { status: 500 });
    }
  },
  async queue(batch, env) {
    if (batch.queue === 'sync-dlq') {
      await sink(env).fetch('https://sink/', { method: 'POST', body: JSON.stringify(batch.messages.map((m) => m.body)) });
      return batch.ackAll();
    }
    return consumer(env)(batch, env);
  },
};
