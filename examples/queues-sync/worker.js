// A bulk sync into Iterable over Cloudflare Queues: a producer route plans and enqueues, a queue
// consumer sends each batch under the project's shared rate limit, a status route reads progress.
// Bindings (wrangler.toml): SYNC_QUEUE, SYNC_DLQ, LIMITER, SYNC_PROGRESS; secrets ITERABLE_API_KEY
// and SYNC_TOKEN (the bearer token the producer and status routes require); vars ITERABLE_REGION,
// ITERABLE_PROJECT, optionally ITERABLE_BASE_URL (e.g. a local sandbox). Exports: EXPORTS (the
// ExportSync object below) and EXPORT_BUCKET (R2); EXPORT_POLL_MS optionally.
//
//   POST   /syncs/<syncId>    {"action": "bulk_update_users", "items": [...], "input"?: {...}}  -> 202 plan
//   GET    /syncs/<syncId>                                                                   -> progress
//   POST   /exports/<syncId>  start_export's input, e.g. {"dataTypeName": "user", "outputFormat": "application/x-json-stream"} -> 202 status
//   GET    /exports/<syncId>                                                                 -> status (files in R2)
//   DELETE /exports/<syncId>                                                                 -> cancelled
import { IterableClient } from 'iterable-wasm';
import { cancelExportSync, createBulkConsumer, defineExportSync, enqueueBulk, getExportStatus, getSyncStatus, IterableRateLimiter, IterableSyncProgress, startExportSync } from 'iterable-wasm/queues';

export { IterableRateLimiter, IterableSyncProgress };

const ACTIONS = new Set(['bulk_update_users', 'track_events_in_bulk', 'bulk_update_user_subscriptions', 'subscribe_to_list', 'unsubscribe_from_list']);

let client;
let clientKey;
function clientFor(env) {
  if (!client || clientKey !== env.ITERABLE_API_KEY) {
    client = new IterableClient({
      apiKey: env.ITERABLE_API_KEY,
      region: env.ITERABLE_REGION === 'eu' ? 'eu' : 'us',
      ...(env.ITERABLE_BASE_URL ? { baseUrl: env.ITERABLE_BASE_URL } : {}),
    });
    clientKey = env.ITERABLE_API_KEY;
  }
  return client;
}

/** True when the request carries the SYNC_TOKEN secret (compared in constant time). */
async function authorized(request, env) {
  const given = request.headers.get('authorization') ?? '';
  if (!env.SYNC_TOKEN) return false;
  const enc = new TextEncoder();
  const [a, b] = await Promise.all([given, `Bearer ${env.SYNC_TOKEN}`].map((s) => crypto.subtle.digest('SHA-256', enc.encode(s))));
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

const consume = createBulkConsumer({
  client: (env) => clientFor(env),
  limiter: (env) => env.LIMITER,
  progress: (env) => env.SYNC_PROGRESS,
  deadLetter: (env) => env.SYNC_DLQ,
});

/** Export syncs: a Durable Object per sync polls the export job from its alarm and writes each file to R2. */
export const ExportSync = defineExportSync({
  client: (env) => clientFor(env),
  bucket: (env) => env.EXPORT_BUCKET,
  limiter: (env) => env.LIMITER,
  pollMs: 1000, // the first wait between polls, doubling to a minute while the job runs
});

const status = (e) => ({ SyncMismatch: 409, ValidationError: 400 }[e?.code] ?? 500);

async function exportRoute(request, env, syncId) {
  const project = env.ITERABLE_PROJECT ?? 'default';
  try {
    if (request.method === 'GET') {
      const s = await getExportStatus(env, syncId);
      return s ? Response.json(s) : Response.json({ error: `no export "${syncId}"` }, { status: 404 });
    }
    if (request.method === 'DELETE') return Response.json(await cancelExportSync(env, syncId));
    if (request.method !== 'POST') return Response.json({ error: 'use GET, POST or DELETE' }, { status: 405 });
    let input;
    try {
      input = await request.json();
    } catch {
      return Response.json({ error: "the body must be JSON: start_export's input" }, { status: 400 });
    }
    return Response.json(await startExportSync(env, syncId, input, { project }), { status: 202 });
  } catch (e) {
    return Response.json({ error: e?.message ?? String(e), code: e?.code }, { status: status(e) });
  }
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    const m = /^\/(syncs|exports)\/([\w.:-]{1,128})$/.exec(pathname);
    if (!m) return Response.json({ error: 'not found: /syncs/<syncId> or /exports/<syncId>' }, { status: 404 });
    if (!(await authorized(request, env))) return Response.json({ error: 'unauthorized' }, { status: 401 });
    const syncId = m[2];
    if (m[1] === 'exports') return exportRoute(request, env, syncId);
    if (request.method === 'GET') {
      const status = await getSyncStatus(env, syncId);
      return status ? Response.json(status) : Response.json({ error: `no sync "${syncId}"` }, { status: 404 });
    }
    if (request.method !== 'POST') return Response.json({ error: 'use GET or POST' }, { status: 405 });
    let body;
    try {
      body = await request.json();
    } catch {
      return Response.json({ error: 'the body must be JSON: {"action", "items", "input"?}' }, { status: 400 });
    }
    if (!ACTIONS.has(body?.action)) return Response.json({ error: `action must be one of ${[...ACTIONS].join(', ')}` }, { status: 400 });
    try {
      const result = await enqueueBulk(env.SYNC_QUEUE, body.action, body.items, {
        syncId,
        client: clientFor(env),
        input: body.input ?? {},
        progress: env.SYNC_PROGRESS,
        deadLetter: env.SYNC_DLQ,
        project: env.ITERABLE_PROJECT ?? 'default',
      });
      // The invalid items are in the dead-letter queue and the status's failures; the count is enough here.
      return Response.json({ ...result, invalid: result.invalid.length }, { status: 202 });
    } catch (e) {
      return Response.json({ error: e?.message ?? String(e), code: e?.code }, { status: status(e) });
    }
  },
  queue: consume,
};
