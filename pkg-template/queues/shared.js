// Shared by iterable-wasm/queues' bulk syncs and export syncs: errors, option checks, the catalog
// lookup through the client given, and the small JSON protocol of its Durable Objects.

const ACTION = Symbol.for('iterable-wasm.action');

export class IterableQueuesError extends Error {
  constructor(message, code = 'ValidationError') {
    super(message);
    this.name = 'IterableQueuesError';
    this.code = code;
  }
}
export const fail = (message, code) => new IterableQueuesError(message, code);
export const bytes = (text) => new TextEncoder().encode(text).length;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const RETRYABLE_CODES = new Set(['Timeout', 'NetworkError', 'RateLimited']);
/** Worth another attempt later: a 429, a 5xx, a timeout or a network error. */
export const retryable = (e) => e?.status === 429 || e?.status >= 500 || RETRYABLE_CODES.has(e?.code);

/** A catalog rate limit ("5 requests/second, per project") as { limit, windowMs, scope }, or null. */
export function parseRateLimit(text) {
  const m = /(\d[\d,]*)\s*requests?\s*\/\s*(second|minute|hour)/i.exec(typeof text === 'string' ? text : '');
  if (!m) return null;
  const windowMs = { second: 1000, minute: 60_000, hour: 3_600_000 }[m[2].toLowerCase()];
  const scope = /per API key/i.test(text) ? 'apiKey' : /per organi[sz]ation/i.test(text) ? 'organization' : 'project';
  return { limit: Number(m[1].replace(/,/g, '')), windowMs, scope };
}

/** The catalog entry of an action, through the client given (a bulk action unless `bulk` is false). */
export function entryOf(client, actionId, { bulk = true } = {}) {
  const get = client?.[ACTION];
  if (typeof get !== 'function') throw fail('option "client" must be an IterableClient of iterable-wasm');
  const entry = get(actionId);
  if (!entry) throw fail(`unknown action id "${String(actionId).slice(0, 64)}"`);
  if (bulk && !entry.bulk) throw fail(`${actionId} is not a bulk action`);
  return entry;
}

export function checkSyncId(syncId) {
  if (typeof syncId !== 'string' || !/^[\w.:-]{1,128}$/.test(syncId)) throw fail('option "syncId" must be 1-128 characters of letters, digits, _ . : -');
}

export function checkProject(project) {
  if (typeof project !== 'string' || !/^[\w.-]{1,64}$/.test(project)) throw fail('option "project" must be 1-64 characters of letters, digits, _ . -');
}

/** One call to a Durable Object of this module (they answer POST /<op> with JSON). */
export async function call(stub, op, payload = {}) {
  const res = await stub.fetch(`https://iterable-wasm.queues/${op}`, { method: 'POST', body: JSON.stringify(payload) });
  const body = await res.json();
  if (!res.ok) throw fail(`${op}: ${body?.error ?? res.status}`, body?.code ?? 'DurableObjectError');
  return body;
}
/** The limiter object of one project and action: every consumer of it shares the one object. */
export const limiterStub = (ns, project, actionId) => ns.get(ns.idFromName(`limit:${project}:${actionId}`));

/** A Durable Object shell for this module's classes: POST /<op> with a JSON body, one op at a time. */
export class JsonObject {
  constructor(state, env) {
    this.state = state;
    this.storage = state.storage;
    this.env = env;
  }
  async fetch(request) {
    const op = new URL(request.url).pathname.slice(1);
    const fn = this.ops?.[op];
    if (request.method !== 'POST' || typeof fn !== 'function') return Response.json({ error: `unknown operation "${op.slice(0, 40)}"` }, { status: 404 });
    try {
      return Response.json(await fn.call(this, await request.json()));
    } catch (e) {
      return Response.json({ error: String(e?.message ?? e), ...(e?.code ? { code: e.code } : {}) }, { status: 400 });
    }
  }
}
