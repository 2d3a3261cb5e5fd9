// Export syncs: one Durable Object per sync starts an Iterable export job, polls it from its alarm
// (no invocation sleeps while the job runs), and writes each file of the job into R2 as it appears,
// one object per file. The object's storage records each file's state, so an interrupted sync
// (an evicted object, a failed download, an expired link, a redeploy) goes on from the first file
// not yet stored, and a file is never stored under two names.
//
//   export const ExportSync = defineExportSync({ client: (env) => new IterableClient({...}), bucket: (env) => env.EXPORT_BUCKET, limiter: (env) => env.LIMITER });
//   await startExportSync(env, 'users-2026-12-06', { dataTypeName: 'user', outputFormat: 'application/x-json-stream' });
//   await getExportStatus(env, 'users-2026-12-06');   // { state, jobState, files, filesStored, records, bytes, keys, ... }
import { call, checkProject, checkSyncId, entryOf, fail, JsonObject, limiterStub, parseRateLimit, retryable } from './shared.js';

const START = 'start_export';
const LIST = 'list_export_files';
const ENDED = new Set(['failed', 'cancelled', 'cancelling']);
const LATE_MS = 250; // an alarm later than this after its turn asks for a new one
const exportStub = (ns, syncId) => ns.get(ns.idFromName(`export:${syncId}`));
const reasonOf = (e) => `${e?.code ?? 'Error'}${e?.status ? ` ${e.status}` : ''}: ${String(e?.message ?? e).slice(0, 300)}`;

/** Validates `input` for `actionId` without sending it: a client of the same class whose fetch
 * answers locally. Throws the client's ValidationError. */
async function validate(client, actionId, input) {
  const Client = client.constructor;
  const probe = new Client({ apiKey: 'validation-only', maxRetries: 0, fetch: async () => Response.json({ jobId: 0 }) });
  try {
    await probe.execute(actionId, input);
  } finally {
    probe.free?.();
  }
}

/**
 * The Durable Object class of export syncs, configured. Options:
 *   client(env)   the IterableClient of the project (required);
 *   bucket(env)   the R2 bucket the files go to (required);
 *   limiter(env)  IterableRateLimiter's namespace: start_export and list_export_files take a slot
 *                 there (both are limited per organization), so several syncs stay within the limit;
 *   prefix        R2 key prefix ("exports/"): a file goes to <prefix><syncId>/<file name>, and a
 *                 manifest of all the files to <prefix><syncId>/manifest.json once the job is done;
 *   pollMs (5000) first wait between polls of a running job, doubling up to maxPollMs (60000);
 *   filesPerAlarm (4) files stored per alarm run (each up to 10 MB), so one run stays short;
 *   maxAttempts (10) failed attempts of one step (start, poll, a file) before the sync fails;
 *   fetch         the function that downloads a file link (the global fetch).
 */
export function defineExportSync(options = {}) {
  const { client, bucket, limiter, prefix = 'exports/', pollMs = 5000, maxPollMs = 60_000, filesPerAlarm = 4, maxAttempts = 10, marginMs = 400, fetch: download } = options ?? {};
  if (typeof client !== 'function') throw fail('defineExportSync: option "client" must be a function (env) => IterableClient');
  if (typeof bucket !== 'function') throw fail('defineExportSync: option "bucket" must be a function (env) => R2 bucket');
  if (limiter !== undefined && typeof limiter !== 'function') throw fail('defineExportSync: option "limiter" must be a function (env) => IterableRateLimiter namespace');
  if (typeof prefix !== 'string' || prefix.length > 256) throw fail('defineExportSync: option "prefix" must be a string of at most 256 characters');
  for (const [k, v, min] of [['pollMs', pollMs, 100], ['maxPollMs', maxPollMs, 100], ['filesPerAlarm', filesPerAlarm, 1], ['maxAttempts', maxAttempts, 1]]) {
    if (!Number.isInteger(v) || v < min) throw fail(`defineExportSync: option "${k}" must be an integer of at least ${min}`);
  }

  return class IterableExportSync extends JsonObject {
    ops = {
      /** Records the sync and arms the alarm; the same call again returns the sync as it is. */
      async start({ syncId, input, project }) {
        const prior = await this.storage.get('sync');
        if (prior) {
          if (JSON.stringify(prior.input) !== JSON.stringify(input)) throw fail(`export sync "${syncId}" was started with another input; use a new syncId`, 'SyncMismatch');
          // A sync that failed (e.g. a link that kept failing) goes on from its first file not stored.
          if (prior.state === 'failed' && prior.resumable) await this.update({ state: prior.jobId ? 'running' : 'starting', error: null, resumable: false, attempts: 0 }, 0);
          return { status: await this.status(), existed: true };
        }
        await validate(client(this.env), START, input);
        const sync = { syncId, input, project, state: 'starting', jobId: null, jobState: null, cursor: null, listedAll: false, attempts: 0, retried: 0, wait: pollMs, startedAt: Date.now(), error: null };
        await this.storage.put('sync', sync);
        await this.storage.setAlarm(Date.now());
        return { status: await this.status(), existed: false };
      },
      async status() {
        return { status: await this.status() };
      },
      /** Stops the sync: cancels the job (when it still runs) and the alarm. Stored files stay. */
      async cancel() {
        const sync = await this.storage.get('sync');
        if (!sync) return { status: null };
        if (sync.jobId && !ENDED.has(sync.jobState ?? '') && sync.jobState !== 'completed') {
          await client(this.env).cancelExport({ jobId: sync.jobId }).catch(() => {});
        }
        await this.storage.deleteAlarm();
        await this.update({ state: 'cancelled' });
        return { status: await this.status() };
      },
    };

    async update(changes, alarmInMs) {
      const sync = { ...(await this.storage.get('sync')), ...changes };
      await this.storage.put('sync', sync);
      if (alarmInMs !== undefined) await this.storage.setAlarm(Date.now() + Math.max(0, alarmInMs));
      return sync;
    }

    async status() {
      const sync = await this.storage.get('sync');
      if (!sync) return null;
      const files = [...(await this.storage.list({ prefix: 'file:' })).values()];
      const stored = files.filter((f) => f.state === 'stored');
      return {
        syncId: sync.syncId,
        project: sync.project,
        state: sync.state,
        jobId: sync.jobId,
        jobState: sync.jobState,
        files: files.length,
        filesStored: stored.length,
        filesPending: files.length - stored.length,
        records: stored.reduce((n, f) => n + f.records, 0),
        bytes: stored.reduce((n, f) => n + f.bytes, 0),
        retried: sync.retried,
        keys: stored.map((f) => f.key),
        manifest: sync.state === 'complete' ? `${prefix}${sync.syncId}/manifest.json` : null,
        error: sync.error,
        startedAt: new Date(sync.startedAt).toISOString(),
        complete: sync.state === 'complete',
      };
    }

    /** The limiter's turn for `actionId` (see IterableRateLimiter): true when the request may go
     * now, else the alarm is set for the time handed out (asked again if the alarm runs late). */
    async slot(sync, actionId) {
      const ns = limiter?.(this.env);
      const rate = parseRateLimit(entryOf(client(this.env), actionId, { bulk: false }).rateLimit);
      if (!ns || !rate) return true;
      const now = Date.now();
      if (sync.grantFor === actionId && sync.grantAt > now) {
        await this.storage.setAlarm(sync.grantAt);
        return false;
      }
      if (sync.grantFor === actionId && now - sync.grantAt <= LATE_MS) {
        await this.update({ grantFor: null, grantAt: null });
        return true;
      }
      const { at } = await call(limiterStub(ns, sync.project, actionId), 'acquire', { limit: rate.limit, windowMs: rate.windowMs + marginMs });
      if (at <= Date.now()) {
        if (sync.grantFor) await this.update({ grantFor: null, grantAt: null });
        return true;
      }
      await this.update({ grantFor: actionId, grantAt: at });
      await this.storage.setAlarm(at);
      return false;
    }

    /** One step of the sync per alarm run: start the job, or store pending files, or poll. */
    async alarm() {
      const sync = await this.storage.get('sync');
      if (!sync || !['starting', 'running'].includes(sync.state)) return;
      try {
        if (!sync.jobId) return await this.startJob(sync);
        const pending = [...(await this.storage.list({ prefix: 'file:' })).values()].filter((f) => f.state !== 'stored');
        if (pending.some((f) => f.url && !f.expired)) return await this.storeFiles(sync, pending);
        return await this.poll(sync, pending);
      } catch (e) {
        await this.failed(await this.storage.get('sync'), e);
      }
    }

    /** A failed step: retried later with backoff while it may succeed, else the sync fails (resumable). */
    async failed(sync, e) {
      const attempts = sync.attempts + 1;
      if ((retryable(e) || e?.code === 'DurableObjectError') && attempts < maxAttempts) {
        const delay = Math.min(maxPollMs, pollMs * 2 ** (attempts - 1));
        await this.update({ attempts, retried: sync.retried + 1, error: reasonOf(e) }, delay);
        return;
      }
      await this.update({ state: 'failed', attempts, error: reasonOf(e), resumable: retryable(e) || !!sync.jobId });
    }

    async startJob(sync) {
      if (!(await this.slot(sync, START))) return;
      const c = client(this.env);
      // A start that may have reached Iterable before the object lost its reply: adopt the job it
      // made (same data type, scheduled since; the newest) rather than start a second one.
      let jobId = null;
      if (sync.startSentAt) {
        const { jobs = [] } = await c.listExportJobs({}, { maxRetries: 0 });
        const since = sync.startSentAt - 5000;
        const mine = jobs.filter((j) => j.dataTypeName === sync.input.dataTypeName && Date.parse(j.scheduledStartTime) >= since);
        jobId = mine.length ? mine[mine.length - 1].id : null;
      }
      if (jobId == null) {
        await this.update({ startSentAt: Date.now() });
        try {
          ({ jobId } = await c.startExport(sync.input, { maxRetries: 0 }));
        } catch (e) {
          // An answer (429, 5xx, 4xx) says no job was made: nothing to adopt on the next try. Only
          // an unknown outcome (a timeout, a lost connection, the object evicted) leaves the mark.
          if (e?.status) await this.update({ startSentAt: null });
          throw e;
        }
      }
      await this.update({ jobId, state: 'running', attempts: 0, error: null, wait: pollMs }, 0);
    }

    /** Lists the job's files after the last one listed (or from the start again, for new links). */
    async poll(sync, pending) {
      if (!(await this.slot(sync, LIST))) return;
      const relist = pending.some((f) => f.expired);
      const cursor = relist ? null : sync.cursor;
      const page = await client(this.env).listExportFiles(cursor ? { jobId: sync.jobId, startAfter: cursor } : { jobId: sync.jobId }, { maxRetries: 0 });
      const jobState = typeof page?.jobState === 'string' ? page.jobState.toLowerCase() : sync.jobState;
      const files = Array.isArray(page?.files) ? page.files : [];
      let fresh = 0;
      for (const f of files) {
        if (typeof f?.file !== 'string' || typeof f?.url !== 'string') continue;
        const key = `file:${f.file}`;
        const known = await this.storage.get(key);
        if (known?.state === 'stored') continue;
        await this.storage.put(key, { file: f.file, url: f.url, state: 'listed', attempts: known?.attempts ?? 0, expired: false });
        fresh++;
      }
      const last = files.length ? files[files.length - 1].file : cursor;
      if (ENDED.has(jobState)) {
        await this.update({ jobState, state: 'failed', resumable: false, error: `export job ${sync.jobId} ${jobState}` });
        return;
      }
      const left = [...(await this.storage.list({ prefix: 'file:' })).values()].filter((f) => f.state !== 'stored');
      if (jobState === 'completed' && !files.length && !left.length) return this.finish({ ...sync, jobState });
      // New files: store them now; else wait, longer each empty poll.
      const wait = fresh ? 0 : sync.wait;
      await this.update({ jobState, cursor: last ?? null, attempts: 0, error: null, wait: fresh ? pollMs : Math.min(maxPollMs, sync.wait * 2) }, wait);
    }

    /** Stores up to `filesPerAlarm` listed files in R2, in name order, one object each. */
    async storeFiles(sync, pending) {
      const r2 = bucket(this.env);
      const get = download ?? fetch;
      const todo = pending.filter((f) => f.url && !f.expired).sort((a, b) => (a.file < b.file ? -1 : 1)).slice(0, filesPerAlarm);
      for (const f of todo) {
        let res;
        try {
          res = await get(f.url); // a pre-signed link: no API key goes with it
        } catch (e) {
          throw Object.assign(new Error(`export file ${f.file}: ${e?.message ?? e}`), { code: 'NetworkError' });
        }
        if (res.status === 403 || res.status === 404 || res.status === 410) {
          // An expired or unknown link: list the job's files again for a new one.
          await res.body?.cancel();
          const attempts = f.attempts + 1;
          if (attempts >= maxAttempts) throw Object.assign(new Error(`export file ${f.file}: HTTP ${res.status} ${attempts} times`), { code: 'HttpError', status: res.status });
          await this.storage.put(`file:${f.file}`, { ...f, attempts, expired: true });
          await this.update({ retried: sync.retried + 1 }, 0);
          return;
        }
        if (!res.ok) {
          await res.body?.cancel();
          throw Object.assign(new Error(`export file ${f.file}: HTTP ${res.status}`), { code: 'HttpError', status: res.status });
        }
        // A file is at most 10 MB: read whole, counted, then written (R2 needs the length first).
        const body = new Uint8Array(await res.arrayBuffer());
        let records = 0;
        for (let i = 0; i < body.length; i++) if (body[i] === 10) records++;
        if (body.length && body[body.length - 1] !== 10) records++;
        if (sync.input.outputFormat === 'text/csv' && records) records--; // the header line
        const key = `${prefix}${sync.syncId}/${f.file}`;
        await r2.put(key, body, { httpMetadata: { contentType: res.headers.get('content-type') ?? 'application/octet-stream' }, customMetadata: { syncId: sync.syncId, jobId: String(sync.jobId), file: f.file, records: String(records) } });
        await this.storage.put(`file:${f.file}`, { file: f.file, state: 'stored', key, bytes: body.length, records, storedAt: Date.now() });
      }
      await this.update({ attempts: 0, error: null }, 0);
    }

    async finish(sync) {
      const files = [...(await this.storage.list({ prefix: 'file:' })).values()].sort((a, b) => (a.file < b.file ? -1 : 1));
      const manifest = { syncId: sync.syncId, jobId: sync.jobId, input: sync.input, files: files.map(({ file, key, bytes, records }) => ({ file, key, bytes, records })), records: files.reduce((n, f) => n + f.records, 0), completedAt: new Date().toISOString() };
      await bucket(this.env).put(`${prefix}${sync.syncId}/manifest.json`, JSON.stringify(manifest, null, 2), { httpMetadata: { contentType: 'application/json' } });
      await this.update({ state: 'complete', jobState: sync.jobState, error: null });
    }
  };
}

function namespace(env, binding) {
  const ns = env?.[binding];
  if (!ns?.idFromName) throw fail(`env.${binding} is not a Durable Object namespace (bind the class of defineExportSync there, or pass { binding })`);
  return ns;
}

/**
 * Starts an export sync (or returns the one of this `syncId`, resuming it if it failed part way):
 * the object validates `input` (start_export's), then starts the job from its alarm. Returns the
 * sync's status. Options: binding ("EXPORTS"), project ("default": the rate limiter's key).
 */
export async function startExportSync(env, syncId, input, { binding = 'EXPORTS', project = 'default' } = {}) {
  checkSyncId(syncId);
  checkProject(project);
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw fail('input must be an object: start_export\'s input ({ dataTypeName, outputFormat, ... })');
  const { status, existed } = await call(exportStub(namespace(env, binding), syncId), 'start', { syncId, input, project });
  return { ...status, existed };
}

/** The status of an export sync, or null for an unknown `syncId`. */
export async function getExportStatus(env, syncId, { binding = 'EXPORTS' } = {}) {
  checkSyncId(syncId);
  return (await call(exportStub(namespace(env, binding), syncId), 'status')).status;
}

/** Cancels an export sync: the job (if still running) and the polling. Files stored stay in R2. */
export async function cancelExportSync(env, syncId, { binding = 'EXPORTS' } = {}) {
  checkSyncId(syncId);
  return (await call(exportStub(namespace(env, binding), syncId), 'cancel')).status;
}
