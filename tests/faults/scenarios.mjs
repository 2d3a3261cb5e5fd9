// Fault-injection scenarios for the built package, for any engine that has node:net (Node, Deno).
//
//   import { run } from './scenarios.mjs';
//   const { failed } = await run(() => import('<pkg>/index.node.js'), { label: 'node' });
//
// Each scenario scripts tests/faults/server.mjs, makes calls through the package and asserts the
// outcome (resolved, or the exact IterableError code), the number of requests the server saw, and,
// for track_event (idempotent: false), that the server processed each request body at most once
// (a 429 or a 401 JWT refusal is not processing: re-sending those is the documented rule).
// Every error any scenario gets is also checked for the API key (and, in the JWT scenarios, every
// token the provider handed out) in its message, String(), JSON.stringify() and stack.
//
// The rules asserted are the client's documented contract (README, the brief of the fault suite);
// a failing row is a client behaviour that contradicts them, not a flaky test: timings have wide
// tolerances and no scenario depends on the jitter of exponential backoff.
//
// FAULTS_ONLY=<regex> (environment) runs the matching scenarios only.
import { startFaultServer, B } from './server.mjs';

const KEY = 'fault-key-7d3e9a1c5b2f';
const CHANNELS = { channels: [{ id: 1, name: 'Email', channelType: 'Marketing', messageMedium: 'Email' }] };
const SUCCESS = { msg: 'ok', code: 'Success', params: null };
const RA0 = { 'retry-after': '0' };
const TRACK = '/api/events/track';
const CHAN = '/api/channels';
const BULK = '/api/events/trackBulk';
const BULK_OK = (n) => ({ successCount: n, failCount: 0, invalidEmails: [], invalidUserIds: [], disallowedEventNames: [], failedUpdates: {} });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let trackSeq = 0;
const trackInput = () => ({ email: 'ada@example.com', eventName: 'fault_test', dataFields: { n: ++trackSeq } });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const MB = 1024 * 1024;
const rss = () => globalThis.Deno?.memoryUsage().rss ?? globalThis.process.memoryUsage.rss();

const b64u = (s) => btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
/** A compact JWT (unsigned for our purposes) whose exp is `exp` (seconds). */
export function makeJwt(exp, n) {
  const rnd = Math.random().toString(36).slice(2, 10);
  return `${b64u('{"alg":"HS256","typ":"JWT"}')}.${b64u(JSON.stringify({ email: 'ada@example.com', exp, n }))}.${b64u(`sig-${n}-${rnd}`)}`;
}
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

/** A JWT provider handing out the given tokens in order (the last one repeats), counting calls. */
function provider(tokens, delayMs = 20) {
  const p = async () => {
    const t = tokens[Math.min(p.calls, tokens.length - 1)];
    p.calls++;
    p.issued.add(t);
    await sleep(delayMs);
    return t;
  };
  p.calls = 0;
  p.issued = new Set();
  return p;
}

/** Settles a promise into {ok, value | error, ms}. */
async function settle(promise) {
  const t0 = performance.now();
  try {
    const value = await promise;
    return { ok: true, value, ms: performance.now() - t0 };
  } catch (error) {
    return { ok: false, error, ms: performance.now() - t0 };
  }
}

/** JSON of anything (Headers, Maps, cycles, functions) for leak searches. */
function dump(v) {
  const seen = new WeakSet();
  try {
    return JSON.stringify(v, (_k, x) => {
      if (typeof x === 'function') return `[fn ${x.name}]`;
      if (typeof x === 'bigint') return String(x);
      if (x && typeof x === 'object') {
        if (seen.has(x)) return '[cycle]';
        seen.add(x);
        if (typeof Headers !== 'undefined' && x instanceof Headers) return Object.fromEntries(x.entries());
        if (x instanceof Map) return Object.fromEntries(x);
        if (x instanceof Error) return { name: x.name, message: x.message, stack: x.stack, ...x };
      }
      return x;
    });
  } catch (e) {
    return `[unserializable: ${e}]`;
  }
}

/** The headers of a hook payload as a lower-cased plain object, or null when there are none. */
function headersOf(payload) {
  const h = payload?.headers ?? payload?.request?.headers;
  if (!h) return null;
  if (typeof h.forEach === 'function' && typeof h.get === 'function' && !(h instanceof Map)) {
    const o = {};
    h.forEach((v, k) => { o[k.toLowerCase()] = v; });
    return o;
  }
  if (Array.isArray(h)) return Object.fromEntries(h.map(([k, v]) => [String(k).toLowerCase(), v]));
  if (h instanceof Map) return Object.fromEntries([...h].map(([k, v]) => [String(k).toLowerCase(), v]));
  if (typeof h === 'object') return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
  return null;
}

/** Per-scenario context: the server, the package, and the checks that failed. */
class T {
  constructor(mod, srv, label) {
    this.mod = mod;
    this.srv = srv;
    this.label = label;
    this.failures = [];
    this.outcome = '';
    this.errors = [];
    this.secrets = [KEY];
  }

  client(opts = {}) {
    return new this.mod.IterableClient({ apiKey: KEY, baseUrl: this.srv.url, ...opts });
  }

  check(cond, what) {
    if (!cond) this.failures.push(what);
    return cond;
  }

  /** Records the outcome of a settled call (the first one recorded names the row). */
  note(r) {
    const text = r.ok ? 'resolved' : `${r.error?.code ?? r.error?.name ?? 'throw'}${r.error?.attempts ? ` (attempts ${r.error.attempts})` : ''}`;
    this.outcome = this.outcome ? `${this.outcome}; ${text}` : text;
    if (!r.ok) this.errors.push(r.error);
  }

  /** Asserts a call resolved (optionally to `value`, compared as JSON). */
  resolved(r, value) {
    this.note(r);
    if (!this.check(r.ok, `expected to resolve, got ${r.ok ? '' : `${r.error?.code}: ${r.error?.message}`}`)) return false;
    if (value !== undefined) this.check(dump(r.value) === dump(value), `resolved to ${dump(r.value)?.slice(0, 120)}, expected ${dump(value).slice(0, 120)}`);
    return true;
  }

  /**
   * Asserts a call rejected with an IterableError of `code`, and its attempts, status and message
   * follow the rules: attempts = N, message ends with "(after N attempts)" when N > 1, short message
   * and body excerpts.
   */
  rejected(r, code, { status, attempts } = {}) {
    this.note(r);
    if (!this.check(!r.ok, `expected ${code}, but it resolved to ${dump(r.value)?.slice(0, 100)}`)) return false;
    const e = r.error;
    this.check(e instanceof this.mod.IterableError, `not an IterableError: ${e?.name}: ${e?.message}`);
    this.check(e?.code === code, `code ${e?.code}, expected ${code} (message: ${String(e?.message).slice(0, 160)})`);
    if (status !== null) this.check(e?.status === status, `status ${e?.status}, expected ${status}`);
    if (attempts !== undefined) {
      this.check(e?.attempts === attempts, `error.attempts ${e?.attempts}, expected ${attempts}`);
      if (attempts > 1) {
        this.check(String(e?.message).endsWith(`(after ${attempts} attempts)`), `message does not end with "(after ${attempts} attempts)": ${String(e?.message).slice(-80)}`);
      }
    }
    this.check(String(e?.message).length <= 300, `message is ${String(e?.message).length} chars`);
    if (e?.body !== undefined) this.check(String(e.body).length <= 210, `body excerpt is ${String(e.body).length} chars`);
    return true;
  }

  /** Asserts the number of requests the server saw (all paths, or one). */
  requests(n, path) {
    const seen = this.srv.count(path);
    this.check(seen === n, `server saw ${seen} request(s)${path ? ` on ${path}` : ''}, expected ${n}`);
    return seen;
  }

  /** Every track_event body was processed at most once by the server. */
  bodiesOnce(path = TRACK) {
    const raws = new Set(this.srv.requests.filter((r) => r.path === path).map((r) => r.raw));
    for (const raw of raws) {
      const n = this.srv.processedBodyCount(raw, path);
      this.check(n <= 1, `non-idempotent body processed ${n} times: ${raw.slice(0, 80)}`);
    }
  }

  /** No secret in any error the scenario got (message, String, JSON, stack, body, params). */
  noLeaks() {
    for (const e of this.errors) {
      const views = {
        message: e?.message, 'String()': String(e), 'JSON.stringify': JSON.stringify(e), stack: e?.stack,
        body: e?.body, params: dump(e?.params),
      };
      for (const s of this.secrets) {
        const where = Object.entries(views).filter(([, text]) => typeof text === 'string' && text.includes(s)).map(([w]) => w);
        if (where.length) {
          const what = s === KEY ? 'API key' : `JWT #${this.secrets.indexOf(s)}`;
          this.failures.push(`${what} in a ${e?.code} error's ${where.join(', ')}: "${String(e?.message).slice(0, 110)}…"`);
        }
      }
    }
  }
}

/** A 429 storm: three 429s (Retry-After: 0) then the channels. */
const storm = () => [
  B.json(429, { msg: 'Too many requests', code: 'RateLimitExceeded', params: null }, RA0),
  B.json(429, { msg: 'Too many requests', code: 'RateLimitExceeded', params: null }, RA0),
  B.json(429, { msg: 'Too many requests', code: 'RateLimitExceeded', params: null }, RA0),
  B.json(200, CHANNELS),
];
/** 503, 502, 500 (each Retry-After: 0, so a retry is immediate) then 200. */
const burst = (ok) => [
  B.text(503, 'Service Unavailable', RA0),
  B.html(502, '502 Bad Gateway', RA0),
  B.json(500, { msg: 'Internal error', code: 'GenericError', params: null }, RA0),
  B.json(200, ok),
];

/** Finds a catalog action limited to 1 request/second. */
function onePerSecond(actions) {
  return actions.find((a) => /^1 request\/second, per project$/.test(a.rateLimit ?? ''))
    ?? actions.find((a) => /^1 request\/second/.test(a.rateLimit ?? ''));
}
/** Input and server path for a catalog action with only simple path params. */
function callFor(action) {
  const input = {};
  let path = action.path;
  for (const p of action.inputSchema.required ?? []) {
    input[p] = action.inputSchema.properties?.[p]?.type === 'string' ? '7' : 7;
    path = path.replace(`{${p}}`, '7');
  }
  return { input, path };
}

export const scenarios = [
  // 429: retried for every action, Retry-After honoured.
  {
    name: '429 storm, maxRetries 3',
    async run(t) {
      t.srv.script(CHAN, storm());
      t.resolved(await settle(t.client({ maxRetries: 3 }).listChannels()), CHANNELS);
      t.requests(4);
    },
  },
  {
    name: '429 storm, maxRetries 1',
    async run(t) {
      t.srv.script(CHAN, storm());
      t.rejected(await settle(t.client({ maxRetries: 1 }).listChannels()), 'RateLimitExceeded', { status: 429, attempts: 2 });
      await sleep(50);
      t.requests(2);
    },
  },
  {
    name: '429 on track_event (non-idempotent)',
    async run(t) {
      t.srv.script(TRACK, B.json(429, { msg: 'slow down', code: 'RateLimitExceeded', params: null }, RA0), B.json(200, SUCCESS));
      t.resolved(await settle(t.client().trackEvent(trackInput())), SUCCESS);
      t.requests(2);
      t.bodiesOnce();
    },
  },
  // 5xx: retried only for idempotent actions.
  {
    name: '5xx burst, list_channels (idempotent)',
    async run(t) {
      t.srv.script(CHAN, burst(CHANNELS));
      t.resolved(await settle(t.client({ maxRetries: 3 }).listChannels()), CHANNELS);
      t.requests(4);
    },
  },
  {
    name: '5xx burst, track_event',
    async run(t) {
      t.srv.script(TRACK, burst(SUCCESS));
      t.rejected(await settle(t.client({ maxRetries: 3 }).trackEvent(trackInput())), 'HttpError', { status: 503, attempts: 1 });
      await sleep(100);
      t.requests(1);
      t.bodiesOnce();
    },
  },
  // Network faults.
  {
    name: 'connection reset x2, list_channels',
    async run(t) {
      t.srv.script(CHAN, B.reset(), B.reset(), B.json(200, CHANNELS));
      t.resolved(await settle(t.client({ maxRetries: 2 }).listChannels()), CHANNELS);
      t.requests(3);
    },
  },
  {
    name: 'connection reset, track_event',
    async run(t) {
      t.srv.script(TRACK, B.reset(), B.json(200, SUCCESS));
      t.rejected(await settle(t.client({ maxRetries: 2 }).trackEvent(trackInput())), 'NetworkError', { status: undefined, attempts: 1 });
      await sleep(100);
      t.requests(1);
      t.bodiesOnce();
    },
  },
  {
    name: 'hang, list_channels (timeout 300, 2 retries)',
    async run(t) {
      t.srv.script(CHAN, B.hang());
      const r = await settle(t.client({ timeoutMs: 300, maxRetries: 2 }).listChannels());
      t.rejected(r, 'Timeout', { status: undefined, attempts: 3 });
      t.check(r.ms >= 850, `gave up after ${Math.round(r.ms)} ms, before 3 x 300 ms`);
      await sleep(50);
      t.requests(3);
    },
  },
  {
    name: 'hang, track_event (timeout 300)',
    async run(t) {
      t.srv.script(TRACK, B.hang());
      const r = await settle(t.client({ timeoutMs: 300, maxRetries: 2 }).trackEvent(trackInput()));
      t.rejected(r, 'Timeout', { status: undefined, attempts: 1 });
      t.check(r.ms >= 280 && r.ms < 1500, `timed out after ${Math.round(r.ms)} ms`);
      await sleep(200);
      t.requests(1);
      t.bodiesOnce();
    },
  },
  {
    // The time limit ends the request itself, not only the wait for it: the hung connection is
    // closed by the client at about its deadline (whatever the runtime uses to cut it).
    name: 'hang: the client closes the hung connection at its time limit',
    async run(t) {
      // One answered call first: a process's first fetch may take another path (Node's
      // dispatcher is made by its first fetch).
      t.srv.script(CHAN, B.json(200, CHANNELS), B.hang());
      const client = t.client({ timeoutMs: 300, maxRetries: 0 });
      t.resolved(await settle(client.listChannels()), CHANNELS);
      const r = await settle(client.listChannels());
      t.rejected(r, 'Timeout', { status: undefined, attempts: 1 });
      const req = t.srv.requests[1];
      for (let i = 0; i < 40 && req && req.closed === undefined; i++) await sleep(50);
      t.check(req && req.closed !== undefined, 'the hung connection is still open 2 s after the Timeout');
      if (req?.closed !== undefined) t.check(req.closed - req.t < 2300, `closed ${Math.round(req.closed - req.t)} ms after the request arrived (limit 300 ms)`);
    },
  },
  {
    // A 2xx body is read in JS where it can be (no "code", or a lone top-level "code": "Success"
    // for an action whose result is the whole envelope), else by the wasm: the answers must be
    // the same either way.
    name: '2xx envelopes: Success, failure codes, duplicate and escaped keys',
    async run(t) {
      const ok = { msg: 'tracked', code: 'Success', params: { id: '1' } };
      t.srv.script(TRACK,
        B.json(200, ok),
        B.json(200, { msg: 'x', params: { code: 'Success' } }),
        B.json(200, { msg: 'nope', code: 'BadParams', params: null }),
        B.json(200, '{"code":"BadParams","msg":"first wins","code":"Success"}'),
        B.json(200, '{"co\\u0064e":"InvalidEmailAddressError","msg":"escaped key"}'),
        B.json(200, { params: { code: 'Success' }, code: 'InvalidEmailAddressError', msg: 'nested first' }),
        B.json(200, ok));
      const client = t.client({ maxRetries: 0 });
      t.resolved(await settle(client.trackEvent(trackInput())), ok);
      t.resolved(await settle(client.trackEvent(trackInput())), { msg: 'x', params: { code: 'Success' } });
      t.rejected(await settle(client.trackEvent(trackInput())), 'BadParams', { status: 200, attempts: 1 });
      t.rejected(await settle(client.trackEvent(trackInput())), 'BadParams', { status: 200, attempts: 1 });
      t.rejected(await settle(client.trackEvent(trackInput())), 'InvalidEmailAddressError', { status: 200, attempts: 1 });
      t.rejected(await settle(client.trackEvent(trackInput())), 'InvalidEmailAddressError', { status: 200, attempts: 1 });
      t.resolved(await settle(client.trackEvent(trackInput())), ok);
    },
  },
  {
    name: 'slow drip body (timeout 300, 1 retry)',
    async run(t) {
      t.srv.script(CHAN, B.drip({ intervalMs: 100, totalMs: 8000 }));
      const r = await settle(t.client({ timeoutMs: 300, maxRetries: 1 }).listChannels());
      t.rejected(r, 'Timeout', { status: undefined, attempts: 2 });
      t.check(r.ms < 2500, `took ${Math.round(r.ms)} ms: the timeout does not bound the body read`);
      t.requests(2);
    },
  },
  // Truncated body: fetch itself rejects the body read (undici "terminated" /
  // UND_ERR_RES_CONTENT_LENGTH_MISMATCH in Node, "error reading a body from connection" in Deno)
  // before the client sees any text, so the client can only call it a NetworkError: the connection
  // failed mid-response. Being a network failure, it is retried for idempotent actions only.
  {
    name: 'truncated body, list_channels',
    async run(t) {
      t.srv.script(CHAN, B.truncated());
      t.rejected(await settle(t.client({ maxRetries: 1 }).listChannels()), 'NetworkError', { status: undefined, attempts: 2 });
      t.requests(2);
    },
  },
  {
    name: 'truncated body, track_event',
    async run(t) {
      t.srv.script(TRACK, B.truncated());
      t.rejected(await settle(t.client({ maxRetries: 2 }).trackEvent(trackInput())), 'NetworkError', { status: undefined, attempts: 1 });
      await sleep(100);
      t.requests(1);
      t.bodiesOnce();
    },
  },
  // Bodies.
  {
    name: 'malformed JSON 200',
    async run(t) {
      t.srv.script(CHAN, B.malformed());
      t.rejected(await settle(t.client({ maxRetries: 2 }).listChannels()), 'InvalidResponse', { status: 200, attempts: 1 });
      await sleep(50);
      t.requests(1);
    },
  },
  {
    name: 'HTML 502 page (1 retry)',
    async run(t) {
      t.srv.script(CHAN, B.html(502, '502 Bad Gateway', RA0));
      const r = await settle(t.client({ maxRetries: 1 }).listChannels());
      if (t.rejected(r, 'HttpError', { status: 502, attempts: 2 })) {
        t.check(r.error.message.includes('502 Bad Gateway'), `page title not in message: ${r.error.message}`);
        t.check(!/<\/?(html|head|title|body)/i.test(r.error.message), `markup in message: ${r.error.message}`);
      }
      t.requests(2);
    },
  },
  {
    name: 'empty body 500, track_event',
    async run(t) {
      t.srv.script(TRACK, B.empty(500));
      t.rejected(await settle(t.client().trackEvent(trackInput())), 'HttpError', { status: 500, attempts: 1 });
      await sleep(100);
      t.requests(1);
      t.bodiesOnce();
    },
  },
  // Empty bodies: the answer only where the spec documents a success without one (the catalog's
  // emptySuccess); anywhere else InvalidResponse, status kept, not retried.
  {
    name: 'empty body 200, list_channels',
    async run(t) {
      t.srv.script(CHAN, B.empty(200));
      t.rejected(await settle(t.client({ maxRetries: 2 }).listChannels()), 'InvalidResponse', { status: 200, attempts: 1 });
      t.requests(1);
    },
  },
  {
    name: 'whitespace-only body 200, track_event',
    async run(t) {
      t.srv.script(TRACK, B.json(200, ' \r\n\t '));
      t.rejected(await settle(t.client({ maxRetries: 2 }).trackEvent(trackInput())), 'InvalidResponse', { status: 200, attempts: 1 });
      t.requests(1);
      t.bodiesOnce();
    },
  },
  {
    name: 'empty body where the spec documents one (emptySuccess)',
    async run(t) {
      const entry = t.mod.actions.find((a) => a.id === 'delete_catalog_item');
      t.check(JSON.stringify(entry?.emptySuccess) === '[202]', `delete_catalog_item emptySuccess ${JSON.stringify(entry?.emptySuccess)}, expected [202]`);
      t.check(JSON.stringify(t.mod.actions.find((a) => a.id === 'list_channels')?.emptySuccess) === '[]', 'list_channels has an emptySuccess');
      t.srv.script('/api/catalogs/shoes/items/7', B.empty(202), B.empty(200));
      const c = t.client({ maxRetries: 2 });
      t.resolved(await settle(c.deleteCatalogItem({ catalogName: 'shoes', itemId: '7' })), null);
      // The spec documents 200 for it with a body: empty there is no answer.
      t.rejected(await settle(c.deleteCatalogItem({ catalogName: 'shoes', itemId: '7' })), 'InvalidResponse', { status: 200, attempts: 1 });
      t.requests(2);
    },
  },
  // Pagination ends at the last page with items: an empty page after it is not yielded.
  {
    name: 'paginate startAfter: no empty trailing page',
    async run(t) {
      const path = '/api/export/900/files';
      const file = (k) => ({ file: `part-${k}.json`, url: `${t.srv.url}/files/part-${k}.json` });
      const listing = [
        B.json(200, { jobState: 'completed', exportTruncated: false, files: [file(0), file(1)] }),
        B.json(200, { jobState: 'completed', exportTruncated: false, files: [file(2)] }),
        B.json(200, { jobState: 'completed', exportTruncated: false, files: [] }),
      ];
      t.srv.script(path, ...listing, ...listing, B.json(200, { jobState: 'completed', files: [] }));
      const c = t.client();
      const pages = [];
      for await (const p of c.paginate('list_export_files', { jobId: 900 }).pages()) pages.push(p.files.map((f) => f.file));
      const files = [];
      for await (const f of c.paginate('list_export_files', { jobId: 900 })) files.push(f.file);
      const empty = [];
      for await (const p of c.paginate('list_export_files', { jobId: 900 }).pages()) empty.push(p);
      t.check(JSON.stringify(pages) === '[["part-0.json","part-1.json"],["part-2.json"]]', `pages ${JSON.stringify(pages)}`);
      t.check(files.join() === 'part-0.json,part-1.json,part-2.json', `items ${files.join()}`);
      t.check(empty.length === 1 && empty[0].files.length === 0, `a listing with no file gave ${empty.length} pages, expected its one (empty) page`);
      t.requests(7);
      const after = t.srv.requests.slice(0, 3).map((r) => r.query.startAfter ?? '-').join();
      t.check(after === '-,part-1.json,part-2.json', `startAfter sent: ${after}`);
      t.outcome = `${pages.length} pages, ${files.length} items`;
    },
  },
  {
    name: 'paginate nextMarker: no empty trailing page',
    async run(t) {
      const listing = [
        B.json(200, { results: [{ key: 'a' }, { key: 'b' }], nextMarker: 'm1' }),
        B.json(200, { results: [{ key: 'c' }], nextMarker: 'm2' }),
        B.json(200, { results: [] }),
      ];
      t.srv.script('/api/metadata/users', ...listing, ...listing);
      const c = t.client();
      const pages = [];
      for await (const p of c.paginate('list_metadata_keys', { table: 'users' }).pages()) pages.push(p.results.map((r) => r.key).join(''));
      const keys = [];
      for await (const r of c.paginate('list_metadata_keys', { table: 'users' })) keys.push(r.key);
      t.check(pages.join() === 'ab,c', `pages ${JSON.stringify(pages)}, expected ["ab","c"]`);
      t.check(keys.join('') === 'abc', `items ${keys.join('')}`);
      t.requests(6);
      const markers = t.srv.requests.slice(0, 3).map((r) => r.query.nextMarker ?? '-').join();
      t.check(markers === '-,m1,m2', `nextMarker sent: ${markers}`);
      t.outcome = `${pages.length} pages, ${keys.length} items`;
    },
  },
  {
    name: '10 MB JSON body',
    async run(t) {
      // list_channels' result is not the envelope (catalog resultIsEnvelope: false), so the client
      // documents resolving with the inner params object; an envelope action gets the whole body.
      const big = B.big();
      t.srv.script(CHAN, big);
      const entry = t.mod.actions.find((a) => a.id === 'list_channels');
      const r = await settle(t.client().listChannels());
      if (t.resolved(r)) {
        const blob = entry.resultIsEnvelope === false ? r.value?.blob : r.value?.params?.blob;
        t.check(typeof blob === 'string' && blob.length === big.blobLength && /^x+$/.test(blob.slice(0, 1000) + blob.slice(-1000)),
          `blob length ${blob?.length}, expected ${big.blobLength} (resolved keys: ${Object.keys(r.value ?? {}).join(',')})`);
      }
      t.requests(1);
    },
  },
  // maxResponseBytes: a body longer than the limit rejects with ResponseTooLarge (status kept) as
  // soon as the count passes it, or at once by its Content-Length; memory stays bounded.
  {
    name: '600 MB JSON body, chunked: ResponseTooLarge at 64 MiB, memory bounded',
    limitMs: 60_000,
    async run(t) {
      const huge = B.huge(600 * MB);
      t.srv.script(CHAN, huge);
      const base = rss();
      let peak = base;
      const sampler = setInterval(() => { peak = Math.max(peak, rss()); }, 25);
      const r = await settle(t.client({ maxRetries: 2 }).listChannels());
      clearInterval(sampler);
      peak = Math.max(peak, rss());
      t.rejected(r, 'ResponseTooLarge', { status: 200, attempts: 1 });
      t.check(r.ms < 20_000, `took ${Math.round(r.ms)} ms`);
      await sleep(100);
      t.check(huge.stats.sent < 200 * MB, `the server got to write ${Math.round(huge.stats.sent / MB)} MB of ${Math.round(huge.stats.total / MB)} MB`);
      t.check(peak - base < 200 * MB, `RSS grew ${Math.round((peak - base) / MB)} MB reading a 64 MiB-bounded body`);
      t.requests(1);
      t.outcome += ` in ${Math.round(r.ms)} ms, RSS +${Math.round((peak - base) / MB)} MB, server wrote ${Math.round(huge.stats.sent / MB)} MB`;
    },
  },
  {
    name: '600 MB JSON body, declared: ResponseTooLarge before reading',
    async run(t) {
      const huge = B.huge(600 * MB, { declare: true });
      t.srv.script(CHAN, huge);
      const r = await settle(t.client().listChannels());
      t.rejected(r, 'ResponseTooLarge', { status: 200, attempts: 1 });
      t.check(r.ms < 5000, `took ${Math.round(r.ms)} ms`);
      await sleep(100);
      t.check(huge.stats.sent < 32 * MB, `the server got to write ${Math.round(huge.stats.sent / MB)} MB`);
      t.outcome += ` in ${Math.round(r.ms)} ms, server wrote ${Math.round(huge.stats.sent / MB)} MB`;
    },
  },
  {
    name: 'maxResponseBytes: the limit is exact, on error bodies too',
    async run(t) {
      const body = JSON.stringify(CHANNELS);
      const n = new TextEncoder().encode(body).length;
      t.srv.script(CHAN, B.json(200, CHANNELS), B.json(200, CHANNELS), B.huge(2 * MB), B.json(400, { msg: 'x'.repeat(5000), code: 'BadParams', params: null }));
      t.resolved(await settle(t.client({ maxResponseBytes: n }).listChannels()), CHANNELS);
      t.rejected(await settle(t.client({ maxResponseBytes: n - 1 }).listChannels()), 'ResponseTooLarge', { status: 200, attempts: 1 });
      t.rejected(await settle(t.client({ maxResponseBytes: 1000 }).listChannels()), 'ResponseTooLarge', { status: 200, attempts: 1 });
      t.rejected(await settle(t.client({ maxResponseBytes: 1000 }).listChannels()), 'ResponseTooLarge', { status: 400, attempts: 1 });
      let bad;
      try { t.client({ maxResponseBytes: 0 }); } catch (e) { bad = e; }
      t.check(bad?.code === 'ValidationError', `maxResponseBytes: 0 gave ${bad?.code ?? 'no error'}`);
      t.requests(4);
    },
  },
  {
    name: '200 with error body (BadParams)',
    async run(t) {
      t.srv.script(CHAN, B.errorBody200());
      t.rejected(await settle(t.client({ maxRetries: 2 }).listChannels()), 'BadParams', { status: 200, attempts: 1 });
      await sleep(50);
      t.requests(1);
    },
  },
  // Cancellation.
  {
    name: 'abort mid-flight',
    async run(t) {
      t.srv.script(CHAN, B.hang());
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 150);
      const r = await settle(t.client({ maxRetries: 2, timeoutMs: 5000 }).listChannels({}, { signal: ac.signal }));
      t.rejected(r, 'Aborted', { status: undefined, attempts: 1 });
      t.check(r.ms < 1000, `settled ${Math.round(r.ms)} ms after the call, abort was at 150 ms`);
      await sleep(700);
      t.requests(1);
    },
  },
  {
    name: 'abort during backoff (Retry-After 5)',
    async run(t) {
      t.srv.script(CHAN, B.json(429, { msg: 'wait', code: 'RateLimitExceeded', params: null }, { 'retry-after': '5' }), B.json(200, CHANNELS));
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 300);
      const r = await settle(t.client({ maxRetries: 2 }).listChannels({}, { signal: ac.signal }));
      t.rejected(r, 'Aborted', { status: null, attempts: 1 });
      t.check(r.ms < 1500, `settled ${Math.round(r.ms)} ms after the call, abort was at 300 ms`);
      await sleep(300);
      t.requests(1);
    },
  },
  {
    name: 'signal aborted before the call',
    async run(t) {
      t.srv.script(CHAN, B.json(200, CHANNELS));
      const ac = new AbortController();
      ac.abort();
      t.rejected(await settle(t.client().listChannels({}, { signal: ac.signal })), 'Aborted', { status: undefined, attempts: 0 });
      await sleep(50);
      t.requests(0);
    },
  },
  {
    name: 'Retry-After: 1 honoured',
    async run(t) {
      t.srv.script(CHAN, B.json(429, { msg: 'wait', code: 'RateLimitExceeded', params: null }, { 'retry-after': '1' }), B.json(200, CHANNELS));
      t.resolved(await settle(t.client().listChannels()), CHANNELS);
      if (t.requests(2) === 2) {
        const [a, b] = t.srv.times(CHAN);
        const gap = b - a;
        t.outcome += ` (gap ${Math.round(gap)} ms)`;
        t.check(gap >= 950 && gap < 2500, `second attempt ${Math.round(gap)} ms after the first, Retry-After was 1 s`);
      }
    },
  },
  {
    name: '429 x2 without Retry-After: jittered backoff',
    async run(t) {
      // Full jitter: retry n waits random * min(8000, 500 * 2^n) ms, so <= 500 then <= 1000 ms.
      const tooMany = B.json(429, { msg: 'Too many requests', code: 'RateLimitExceeded', params: null });
      t.srv.script(CHAN, tooMany, tooMany, B.json(200, CHANNELS));
      t.resolved(await settle(t.client({ maxRetries: 2 }).listChannels()), CHANNELS);
      if (t.requests(3) === 3) {
        const ts = t.srv.times(CHAN);
        const gaps = [ts[1] - ts[0], ts[2] - ts[1]].map(Math.round);
        t.outcome += ` (gaps ${gaps.join(', ')} ms)`;
        t.check(gaps[0] <= 500 + 150 && gaps[1] <= 1000 + 150, `backoff gaps ${gaps.join(', ')} ms exceed 500 / 1000 ms`);
      }
    },
  },
  // Client-side rate limiting.
  {
    name: 'rate limiter on: 1 req/s action x3',
    async run(t) {
      const a = onePerSecond(t.mod.actions);
      if (!t.check(a, 'no catalog action with a "1 request/second" rateLimit')) return;
      const { input, path } = callFor(a);
      t.srv.script(path, B.json(200, SUCCESS));
      // Measured where the limiter acts: when each attempt leaves it (onRequest), not when the
      // server reads it (an arrival can lag its dispatch by however long the event loop is busy).
      // The k-th call leaves no earlier than k × 1000 ms after the first, which leaves at once.
      const sent = [];
      const c = t.client({ apiKey: 'fault-rl-on-key-1', rateLimit: true, onRequest: () => sent.push(performance.now()) });
      const rs = await Promise.all([1, 2, 3].map(() => settle(c.execute(a.id, input))));
      for (const r of rs) t.resolved(r);
      t.outcome = `${a.id}: ${t.outcome}`;
      if (t.requests(3, path) === 3 && t.check(sent.length === 3, `${sent.length} attempts dispatched`)) {
        const after = sent.map((x) => Math.round(x - sent[0]));
        t.outcome += ` (left at +${after.join(', +')} ms)`;
        t.check(after[1] >= 995 && after[2] >= 1995, `calls to ${a.id} (${a.rateLimit}) left ${after.join(', ')} ms after the first`);
        t.check(after[2] < 4000, `the limiter held the third call ${after[2]} ms (due at 2000 ms)`);
      }
    },
  },
  {
    name: 'rate limiter off (rateLimit: false)',
    async run(t) {
      const a = onePerSecond(t.mod.actions);
      if (!t.check(a, 'no catalog action with a "1 request/second" rateLimit')) return;
      const { input, path } = callFor(a);
      t.srv.script(path, B.json(200, SUCCESS));
      const c = t.client({ apiKey: 'fault-rl-off-key-1', rateLimit: false });
      const rs = await Promise.all([1, 2, 3].map(() => settle(c.execute(a.id, input))));
      for (const r of rs) t.resolved(r);
      t.outcome = `${a.id}: ${t.outcome}`;
      if (t.requests(3, path) === 3) {
        const ts = t.srv.times(path);
        const span = Math.round(ts[2] - ts[0]);
        t.outcome += ` (span ${span} ms)`;
        t.check(span < 500, `with rateLimit: false the 3 calls still took ${span} ms to arrive`);
      }
    },
  },
  // eventIds: "auto": each event gets an id once, before the first attempt; the tracking actions
  // are then retried after 5xx, resets and timeouts, every attempt with the same id.
  {
    name: 'eventIds auto: 503 then 200, track_event, same id twice',
    async run(t) {
      t.srv.script(TRACK, B.json(503, { msg: 'busy', code: 'GenericError', params: null }, RA0), B.json(200, SUCCESS));
      const input = trackInput();
      t.resolved(await settle(t.client({ eventIds: 'auto' }).trackEvent(input)), SUCCESS);
      t.requests(2);
      const ids = t.srv.requests.map((r) => r.body?.id);
      t.check(UUID.test(ids[0]) && ids[1] === ids[0], `ids sent: ${ids.join(', ')}`);
      t.check(!('id' in input), 'the caller\'s input object was given the id');
      t.outcome += ` (id ${String(ids[0]).slice(0, 8)}… twice)`;
    },
  },
  {
    name: 'eventIds auto: connection reset, track_purchase, same id twice',
    async run(t) {
      t.srv.script('/api/commerce/trackPurchase', B.reset(), B.json(200, SUCCESS));
      const purchase = { user: { email: 'ada@example.com' }, items: [{ id: 'sku-1', name: 'Socks', price: 5, quantity: 2 }], total: 10 };
      t.resolved(await settle(t.client({ eventIds: 'auto' }).trackPurchase(purchase)), SUCCESS);
      t.requests(2);
      const ids = t.srv.requests.map((r) => r.body?.id);
      t.check(UUID.test(ids[0]) && ids[1] === ids[0], `ids sent: ${ids.join(', ')}`);
    },
  },
  {
    name: 'eventIds auto: timeout, own id kept, new id per call, 400 not retried',
    async run(t) {
      t.srv.script(TRACK, B.hang(), B.json(200, SUCCESS), B.json(200, SUCCESS), B.json(400, { msg: 'bad', code: 'BadParams', params: null }));
      const c = t.client({ eventIds: 'auto', timeoutMs: 300 });
      t.resolved(await settle(c.trackEvent({ ...trackInput(), id: 'my-own-id' })), SUCCESS);
      t.resolved(await settle(c.trackEvent(trackInput())), SUCCESS);
      t.rejected(await settle(c.trackEvent(trackInput())), 'BadParams', { status: 400, attempts: 1 });
      t.requests(4);
      const ids = t.srv.requests.map((r) => r.body?.id);
      t.check(ids[0] === 'my-own-id' && ids[1] === 'my-own-id', `ids sent for a call that had one: ${ids.slice(0, 2).join(', ')}`);
      t.check(UUID.test(ids[2]) && UUID.test(ids[3]) && ids[2] !== ids[3], `ids of two calls: ${ids.slice(2).join(', ')}`);
    },
  },
  {
    name: 'eventIds off (default): no id added, 503 not retried',
    async run(t) {
      t.srv.script(TRACK, B.json(503, { msg: 'busy', code: 'GenericError', params: null }, RA0), B.json(200, SUCCESS));
      const input = trackInput();
      t.rejected(await settle(t.client().trackEvent(input)), 'GenericError', { status: 503, attempts: 1 });
      t.requests(1);
      const body = t.srv.requests[0]?.body ?? {};
      t.check(!('id' in body) && Object.keys(body).length === 3, `body sent ${t.srv.requests[0]?.raw}`);
      t.check(t.client().toJSON().eventIds === 'off' && t.client({ eventIds: 'auto' }).toJSON().eventIds === 'auto', 'toJSON().eventIds');
      let bad;
      try { t.client({ eventIds: 'always' }); } catch (e) { bad = e; }
      t.check(bad?.code === 'ValidationError' && /eventIds/.test(bad?.message), `eventIds: "always" gave ${bad?.code}: ${bad?.message}`);
      const retryable = t.mod.actions.filter((a) => a.eventId).map((a) => `${a.id}:${a.eventId}`).join();
      t.check(retryable === 'track_event:id,track_events_in_bulk:events[].id,track_purchase:id', `catalog eventId: ${retryable}`);
    },
  },
  {
    name: 'eventIds auto: bulk track_events_in_bulk, 503 then 200, same ids, report lists them',
    async run(t) {
      t.srv.script(BULK, B.json(503, { msg: 'busy', code: 'GenericError', params: null }, RA0), B.json(200, BULK_OK(3)));
      const events = [0, 1, 2].map((i) => ({ email: `e${i}@example.com`, eventName: 'signup', ...(i === 1 ? { id: 'own-1' } : {}) }));
      const r = await settle(t.client({ eventIds: 'auto' }).bulk('track_events_in_bulk', events));
      if (!t.resolved(r)) return;
      t.requests(2);
      const sent = t.srv.requests.map((q) => q.body?.events?.map((e) => e.id).join());
      t.check(sent[0] === sent[1], `ids of the two attempts: ${sent.join(' / ')}`);
      t.check(JSON.stringify(r.value.eventIds) === JSON.stringify(sent[0]?.split(',')), `report.eventIds ${JSON.stringify(r.value.eventIds)} vs sent ${sent[0]}`);
      t.check(r.value.eventIds?.[1] === 'own-1' && UUID.test(r.value.eventIds?.[0]) && UUID.test(r.value.eventIds?.[2]), `report.eventIds ${JSON.stringify(r.value.eventIds)}`);
      t.check(r.value.succeeded === 3 && r.value.failed === 0, `succeeded ${r.value.succeeded}, failed ${r.value.failed}`);
      t.check(events.every((e, i) => i === 1 || !('id' in e)), 'the caller\'s events were given ids');
    },
  },
  {
    name: 'bulk resume: only the items not succeeded, with the same ids',
    async run(t) {
      // Run 1: one event's name is refused (a failure list) and the second request fails whole (no
      // retry allowed), so 1 + 2 items are left; run 2 sends exactly those, with their ids.
      t.srv.script(BULK,
        B.json(200, { ...BULK_OK(1), failCount: 1, disallowedEventNames: ['blocked'] }),
        B.json(503, { msg: 'busy', code: 'GenericError', params: null }, RA0),
        B.json(200, BULK_OK(3)));
      const big = 'z'.repeat(1_500_000); // two events per 4 MB request
      const events = [0, 1, 2, 3].map((i) => ({ email: `e${i}@example.com`, eventName: i === 1 ? 'blocked' : 'signup', dataFields: { big } }));
      const c = t.client({ eventIds: 'auto', maxRetries: 0 });
      const first = await settle(c.bulk('track_events_in_bulk', events, { concurrency: 1 }));
      if (!t.resolved(first)) return;
      const r1 = first.value;
      t.check(JSON.stringify(r1.failures.map((f) => [f.index, f.reason, f.maybeProcessed ?? false])) === '[[1,"disallowedEventNames",false],[2,"GenericError",true],[3,"GenericError",true]]',
        `run 1 failures ${JSON.stringify(r1.failures)}`);
      const second = await settle(c.bulk('track_events_in_bulk', events, { resume: r1 }));
      if (!t.resolved(second)) return;
      const r2 = second.value;
      t.requests(4); // 2 + the 3 items left, 2 per request
      const last = t.srv.requests.slice(2).flatMap((q) => q.body?.events ?? []).sort((x, y) => x.email.localeCompare(y.email));
      t.check(last.map((e) => e.email).join() === 'e1@example.com,e2@example.com,e3@example.com', `resumed run sent ${last.map((e) => e.email).join()}`);
      t.check(last.map((e) => e.id).join() === [1, 2, 3].map((i) => r1.eventIds[i]).join(), 'resumed run sent other ids than the report lists');
      t.check(JSON.stringify([r2.items, r2.skipped, r2.sent, r2.succeeded, r2.failed]) === '[4,1,3,4,0]', `resumed report items/skipped/sent/succeeded/failed ${JSON.stringify([r2.items, r2.skipped, r2.sent, r2.succeeded, r2.failed])}`);
      t.check(JSON.stringify(r2.eventIds) === JSON.stringify(r1.eventIds), 'resumed report eventIds differ');
      let wrong;
      try { await c.bulk('track_events_in_bulk', events.slice(1), { resume: r1 }); } catch (e) { wrong = e; }
      t.check(wrong?.code === 'ValidationError', `resume with other items gave ${wrong?.code ?? 'no error'}`);
      t.outcome = `run 1: ${r1.failed} failed; resumed: ${r2.sent} sent, ${r2.skipped} skipped`;
    },
  },
  {
    name: 'eventIds auto, sandbox: events whose answers were lost exist once',
    async run(t) {
      // The emulator records each request, then answers 300 ms later: a 100 ms timeout loses the
      // answer after the event was recorded, and the retry sends it again with the same id.
      const c = new t.mod.IterableClient({ sandbox: { faults: { latencyMs: 300 } }, eventIds: 'auto' });
      const email = 'ada@example.com';
      t.rejected(await settle(c.trackEvent({ email, eventName: 'lost_answer' }, { timeoutMs: 100, maxRetries: 1 })), 'Timeout', { status: undefined, attempts: 2 });
      const events = [0, 1, 2].map((i) => ({ email, eventName: `bulk_${i}` }));
      const r1 = await c.bulk('track_events_in_bulk', events, { timeoutMs: 100, maxRetries: 0 });
      t.check(r1.failures.length === 3 && r1.failures.every((f) => f.maybeProcessed), `bulk with lost answers: ${JSON.stringify(r1.failures)}`);
      // The next run (a new process: the state carried over) resumes from the report.
      const c2 = new t.mod.IterableClient({ sandbox: { state: await c.sandbox.dump() }, eventIds: 'auto' });
      const r2 = await c2.bulk('track_events_in_bulk', events, { resume: r1 });
      t.check(r2.succeeded === 3 && r2.sent === 3, `resumed: sent ${r2.sent}, succeeded ${r2.succeeded}`);
      const { events: seen } = await c2.getUserEventsByEmail({ email });
      const names = seen.map((e) => e.eventName).sort().join();
      t.check(names === 'bulk_0,bulk_1,bulk_2,lost_answer', `events recorded: ${names}`);
      t.check(seen.every((e) => UUID.test(e.id)), `event ids ${seen.map((e) => e.id).join()}`);
      t.outcome = `${seen.length} events, each once`;
    },
  },
  // JWT.
  {
    name: 'JWT: one provider call for 10 concurrent calls',
    async run(t) {
      const tok = makeJwt(inAnHour(), 1);
      const jwt = provider([tok], 50);
      t.secrets.push(tok);
      t.srv.script(CHAN, B.json(200, CHANNELS));
      const c = t.client({ jwt });
      const rs = await Promise.all(Array.from({ length: 10 }, () => settle(c.listChannels())));
      rs.forEach((r, i) => (i === 0 ? t.resolved(r, CHANNELS) : r.ok || t.resolved(r)));
      t.check(jwt.calls === 1, `provider called ${jwt.calls} times for 10 concurrent calls`);
      t.requests(10);
      const bad = t.srv.requests.filter((r) => r.headers.authorization !== `Bearer ${tok}` || r.headers['api-key'] !== KEY);
      t.check(bad.length === 0, `${bad.length} request(s) without "Authorization: Bearer <jwt>" and the Api-Key`);
      t.outcome += ` (provider x${jwt.calls})`;
    },
  },
  {
    name: 'JWT: 401 InvalidJwtPayload -> 1 refresh, 1 retry',
    async run(t) {
      const expired = makeJwt(inAnHour(), 1);
      const fresh = makeJwt(inAnHour(), 2);
      t.secrets.push(expired, fresh);
      const jwt = provider([expired, fresh]);
      t.srv.script(CHAN, B.jwtGate(expired, B.json(200, CHANNELS)));
      t.resolved(await settle(t.client({ jwt }).listChannels()), CHANNELS);
      t.check(jwt.calls === 2, `provider called ${jwt.calls} times, expected 2 (initial + one refresh)`);
      t.requests(2);
      const auths = t.srv.requests.map((r) => (r.headers.authorization === `Bearer ${expired}` ? 'expired' : r.headers.authorization === `Bearer ${fresh}` ? 'fresh' : 'other'));
      t.check(auths.join() === 'expired,fresh', `tokens sent: ${auths.join(', ')}`);
      t.outcome += ` (provider x${jwt.calls})`;
    },
  },
  {
    name: 'JWT: 401 BadAuthorizationHeader -> refresh',
    async run(t) {
      const expired = makeJwt(inAnHour(), 1);
      const fresh = makeJwt(inAnHour(), 2);
      t.secrets.push(expired, fresh);
      const jwt = provider([expired, fresh]);
      t.srv.script(CHAN, (req) => (req.headers.authorization === `Bearer ${expired}`
        ? { ...B.json(401, { msg: 'bad header', code: 'BadAuthorizationHeader', params: null }), processed: false }
        : B.json(200, CHANNELS)));
      t.resolved(await settle(t.client({ jwt }).listChannels()), CHANNELS);
      t.check(jwt.calls === 2, `provider called ${jwt.calls} times, expected 2`);
      t.requests(2);
    },
  },
  {
    name: 'JWT: 401 on track_event -> refresh, resent once',
    async run(t) {
      const expired = makeJwt(inAnHour(), 1);
      const fresh = makeJwt(inAnHour(), 2);
      t.secrets.push(expired, fresh);
      const jwt = provider([expired, fresh]);
      t.srv.script(TRACK, B.jwtGate(expired, B.json(200, SUCCESS)));
      t.resolved(await settle(t.client({ jwt }).trackEvent(trackInput())), SUCCESS);
      t.check(jwt.calls === 2, `provider called ${jwt.calls} times, expected 2`);
      t.requests(2);
      t.bodiesOnce();
    },
  },
  {
    name: 'JWT: 5 concurrent 401s -> one refresh',
    async run(t) {
      const expired = makeJwt(inAnHour(), 1);
      const fresh = makeJwt(inAnHour(), 2);
      const third = makeJwt(inAnHour(), 3);
      t.secrets.push(expired, fresh, third);
      const jwt = provider([expired, fresh, third], 50);
      t.srv.script(CHAN, B.jwtGate(expired, B.json(200, CHANNELS)));
      const c = t.client({ jwt });
      const rs = await Promise.all(Array.from({ length: 5 }, () => settle(c.listChannels())));
      rs.forEach((r) => t.resolved(r));
      t.outcome = rs.every((r) => r.ok) ? '5 resolved' : t.outcome;
      t.check(jwt.calls === 2, `provider called ${jwt.calls} times for 5 concurrent 401s, expected 2 (one refresh)`);
      t.requests(10);
      t.outcome += ` (provider x${jwt.calls})`;
    },
  },
  {
    name: 'JWT: still 401 after refresh -> no loop',
    async run(t) {
      const tokens = [1, 2, 3, 4].map((n) => makeJwt(inAnHour(), n));
      t.secrets.push(...tokens);
      const jwt = provider(tokens);
      t.srv.script(CHAN, { ...B.json(401, { msg: 'JWT token is expired', code: 'InvalidJwtPayload', params: null }), processed: false });
      t.rejected(await settle(t.client({ jwt, maxRetries: 2 }).listChannels()), 'InvalidJwtPayload', { status: 401, attempts: 2 });
      await sleep(100);
      t.check(jwt.calls === 2, `provider called ${jwt.calls} times, expected 2`);
      t.requests(2);
      t.outcome += ` (provider x${jwt.calls})`;
    },
  },
  {
    name: 'JWT: exp within 60 s -> refreshed before send',
    async run(t) {
      // A's refresh point (exp - 60 s) is 0.3-1.3 s away: the first call sends A, the second must not.
      const exp = Math.ceil((Date.now() + 60_300) / 1000);
      const a = makeJwt(exp, 1);
      const b = makeJwt(inAnHour(), 2);
      t.secrets.push(a, b);
      const jwt = provider([a, b]);
      t.srv.script(CHAN, B.json(200, CHANNELS));
      const c = t.client({ jwt });
      t.resolved(await settle(c.listChannels()));
      await sleep(Math.max(0, exp * 1000 - 60_000 - Date.now()) + 150);
      t.resolved(await settle(c.listChannels()));
      t.check(jwt.calls === 2, `provider called ${jwt.calls} times, expected 2`);
      t.requests(2);
      const sent = t.srv.requests.map((r) => (r.headers.authorization === `Bearer ${a}` ? 'A' : r.headers.authorization === `Bearer ${b}` ? 'B' : 'other'));
      t.check(sent.join() === 'A,B', `tokens sent: ${sent.join(', ')}, expected A (exp in >60 s) then B (A within 60 s of exp)`);
      t.outcome += ` (sent ${sent.join(',')})`;
    },
  },
  {
    name: 'JWT: provider rejects -> JwtError, nothing sent',
    async run(t) {
      t.srv.script(CHAN, B.json(200, CHANNELS));
      const jwt = async () => { throw new Error('backend down'); };
      t.rejected(await settle(t.client({ jwt }).listChannels()), 'JwtError', { status: undefined, attempts: 0 });
      t.requests(0);
    },
  },
  // Secrets in errors and hooks.
  {
    name: 'refreshed-away JWT echoed in a late error',
    async run(t) {
      // Call 1 sends token A and its (slow) error echoes A; meanwhile call 2 gets a 401 for A and
      // the client refreshes to B. Call 1's error must not show A either.
      const a = makeJwt(inAnHour(), 1);
      const b = makeJwt(inAnHour(), 2);
      t.secrets.push(a, b);
      const jwt = provider([a, b]);
      t.srv.script('/api/lists', B.delay(500, B.echo(400, 'json')));
      t.srv.script(CHAN, B.jwtGate(a, B.json(200, CHANNELS)));
      const c = t.client({ jwt });
      const slow = settle(c.listLists({}, { maxRetries: 0 }));
      await sleep(150);
      t.resolved(await settle(c.listChannels()), CHANNELS);
      t.rejected(await slow, 'BadParams', { status: 400, attempts: 1 });
      t.check(jwt.calls === 2, `provider called ${jwt.calls} times`);
      t.requests(3);
    },
  },
  {
    name: 'long error msg is excerpted',
    async run(t) {
      t.srv.script(TRACK, B.json(400, { msg: `Invalid field: ${'y'.repeat(5000)}`, code: 'BadParams', params: null }));
      const r = await settle(t.client().trackEvent(trackInput()));
      t.rejected(r, 'BadParams', { status: 400, attempts: 1 });
      if (!r.ok) t.outcome += ` (message ${r.error.message.length} chars)`;
      t.requests(1);
    },
  },
  {
    name: 'no API key / JWT in errors or hook payloads',
    async run(t) {
      const tokens = [1, 2, 3].map((n) => makeJwt(inAnHour(), n));
      t.secrets.push(...tokens);
      const jwt = provider(tokens);
      const hooks = { onRequest: [], onResponse: [], onRetry: [] };
      const c = t.client({
        jwt,
        onRequest: (p) => { hooks.onRequest.push(p); },
        onResponse: (p) => { hooks.onResponse.push(p); },
        onRetry: (p) => { hooks.onRetry.push(p); },
      });
      // Every error body echoes the credentials the request carried.
      t.srv.script(CHAN, B.echo(429, 'json', RA0), B.echo(503, 'text', RA0), B.json(200, CHANNELS));
      t.srv.script(TRACK, B.echo(400, 'json'));
      t.srv.script('/api/users/update', B.echo(500, 'text'));
      t.srv.script('/api/lists', B.echo(502, 'html'));
      t.srv.script('/api/campaigns', (req) => ({ ...B.json(401, { msg: `expired token ${req.headers.authorization} for key ${req.headers['api-key']}`, code: 'InvalidJwtPayload', params: { token: req.headers.authorization } }), processed: false }));
      const rs = [
        await settle(c.listChannels()),
        await settle(c.trackEvent(trackInput())),
        await settle(c.updateUser({ email: 'ada@example.com', dataFields: { a: 1 } }, { maxRetries: 0 })),
        await settle(c.listLists({}, { maxRetries: 0 })),
        await settle(c.listAllCampaigns({}, { maxRetries: 0 })),
      ];
      rs.forEach((r) => t.note(r));
      t.check(rs[0].ok, `list_channels after 429 + 503: ${rs[0].error?.code}`);
      t.check(rs.slice(1).every((r) => !r.ok), 'every echoing error call rejects');
      const sent = t.srv.requests;
      t.check(sent.length > 0 && sent.every((r) => r.headers['api-key'] === KEY && /^Bearer /.test(r.headers.authorization ?? '')),
        'requests carry the real Api-Key and a bearer token');
      t.check(!tokens.some((s) => JSON.stringify(c).includes(s) || String(c).includes(s)), 'JWT in client toJSON/toString');
      // Hooks: fired, headers present but redacted, no secret anywhere in any payload.
      t.check(hooks.onRequest.length >= sent.length, `onRequest called ${hooks.onRequest.length} times for ${sent.length} requests`);
      t.check(hooks.onResponse.length >= 1, `onResponse called ${hooks.onResponse.length} times`);
      t.check(hooks.onRetry.length >= 2, `onRetry called ${hooks.onRetry.length} times (list_channels retried twice)`);
      for (const [name, calls] of Object.entries(hooks)) {
        calls.forEach((p, i) => {
          const text = dump(p);
          for (const s of t.secrets) {
            if (text.includes(s)) t.failures.push(`${s === KEY ? 'API key' : 'JWT'} in ${name} payload #${i + 1}: ${text.slice(0, 160)}`);
          }
        });
      }
      const h = headersOf(hooks.onRequest[0]);
      if (t.check(h, `onRequest payload has no headers: ${dump(hooks.onRequest[0])?.slice(0, 160)}`)) {
        t.check('api-key' in h && h['api-key'] !== KEY, `onRequest Api-Key header not shown redacted: ${dump(h['api-key'])}`);
        t.check('authorization' in h && !t.secrets.some((s) => String(h.authorization).includes(s)),
          `onRequest Authorization header not shown redacted: ${dump(h.authorization)}`);
      }
      t.outcome = `${rs.filter((r) => r.ok).length} resolved, ${rs.filter((r) => !r.ok).map((r) => r.error?.code).join('/')}; hooks ${hooks.onRequest.length}/${hooks.onResponse.length}/${hooks.onRetry.length}`;
    },
  },
];

/** Pads a table row. */
function row(cells, widths) {
  return cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ');
}

/**
 * Runs every scenario against the package `importPkg()` resolves to (its exports). Prints the
 * table and the failures; resolves to {passed, failed, rows}.
 */
export async function run(importPkg, { label = 'engine', log = console.log } = {}) {
  const mod = await importPkg();
  const srv = await startFaultServer();
  const only = globalThis.process?.env?.FAULTS_ONLY ? new RegExp(globalThis.process.env.FAULTS_ONLY, 'i') : null;
  const verbose = Boolean(globalThis.process?.env?.FAULTS_VERBOSE);
  const rows = [];
  const t0 = performance.now();
  // A panic inside the wasm (RuntimeError: unreachable) thrown from a callback (timer, fetch
  // continuation) is an uncaught exception that would kill the process: record it against the
  // running scenario instead, and stop that scenario 2 s later (its call will never settle).
  let current = null;
  let panicked = false;
  const onUncaught = (e) => {
    const err = e?.error ?? e;
    if (current) {
      current.failures.push(`uncaught ${err?.name ?? 'error'} outside any promise (wasm panic?): ${String(err?.message ?? err).slice(0, 160)}`);
      current.panicAt ??= performance.now();
    }
    e?.preventDefault?.();
  };
  const nodeProcess = typeof Deno === 'undefined' ? globalThis.process : undefined;
  nodeProcess?.on('uncaughtException', onUncaught);
  globalThis.addEventListener?.('error', onUncaught);
  globalThis.addEventListener?.('unhandledrejection', onUncaught);
  for (const s of scenarios) {
    if (only && !only.test(s.name)) continue;
    srv.reset();
    const t = new T(mod, srv, label);
    current = t;
    if (verbose) log(`-> ${s.name}`);
    const started = performance.now();
    try {
      const limit = s.limitMs ?? 15_000;
      let timer;
      const guard = new Promise((_, rej) => {
        timer = setInterval(() => {
          const now = performance.now();
          if (now - started > limit) rej(new Error(`scenario still running after ${limit} ms`));
          if (t.panicAt && now - t.panicAt > 2000) rej(new Error('abandoned after an uncaught error'));
        }, 100);
      });
      try {
        await Promise.race([s.run(t), guard]);
      } finally {
        clearInterval(timer);
      }
    } catch (e) {
      t.failures.push(`threw ${e?.code ? `${e.code}: ` : ''}${e?.message ?? e}`);
      if (!t.outcome) t.outcome = `threw ${e?.code ?? e?.name}`;
      if (e?.code) t.errors.push(e);
    }
    t.noLeaks();
    if (t.panicAt) t.outcome = 'uncaught wasm panic, call never settled';
    if (panicked && !t.panicAt) t.outcome = `${t.outcome || '-'} [after a wasm panic]`;
    if (t.panicAt) panicked = true;
    rows.push({
      name: s.name, outcome: t.outcome || '-', requests: srv.count(), ok: t.failures.length === 0,
      failures: t.failures, ms: Math.round(performance.now() - started),
    });
  }
  current = null;
  srv.reset();
  await srv.close();
  nodeProcess?.off('uncaughtException', onUncaught);
  globalThis.removeEventListener?.('error', onUncaught);
  globalThis.removeEventListener?.('unhandledrejection', onUncaught);

  const head = ['scenario', 'outcome', 'requests seen', 'ok'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String([r.name, r.outcome, r.requests, r.ok ? 'ok' : 'FAIL'][i]).length)));
  log(`\nfault injection [${label}]`);
  log(row(head, widths));
  log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) log(row([r.name, r.outcome, r.requests, r.ok ? 'ok' : 'FAIL'], widths));
  const failed = rows.filter((r) => !r.ok);
  if (failed.length) {
    log('\nfailures:');
    for (const r of failed) for (const f of r.failures) log(`  ${r.name}: ${f}`);
  }
  const passed = rows.length - failed.length;
  log(`\n[${label}] ${Math.round((performance.now() - t0) / 100) / 10} s`);
  log(`faults: ${passed} passed, ${failed.length} failed`);
  return { passed, failed: failed.length, rows };
}
