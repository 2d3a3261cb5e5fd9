// Shared by every entry point. Runs nothing on import: each entry hands defineSurface() a
// function that instantiates the wasm, called on first use (a client, `actions`, `ready()`),
// synchronously where the runtime can (Node, Deno, Workers, the inline entry), else (a browser
// fetching the .wasm file) in the background while calls wait for it. No top-level await.
//
// Everything here is driven by the catalog: per-action methods by `methodName`, pagination by
// `pagination`, streaming by `response`, bulk splitting by `bulk` (planned in the wasm core).
import { IterableClient as WasmClient, BulkPlan, StreamParser, catalogJson } from './iterable_wasm.js';
import { IterableError } from '__ERRORS_MODULE__';
import { run, runChunk, MODE_VALUE, MODE_STREAM } from '__TRANSPORT_MODULE__';

const invalid = (action, message) => new IterableError(message, { code: 'ValidationError', action, attempts: 0, retryable: false });
const CALL_OPTIONS = ['signal', 'timeoutMs', 'maxRetries'];
const pick = (options, keys) => Object.fromEntries(keys.filter((k) => options[k] !== undefined).map((k) => [k, options[k]]));
const aborted = (action) => new IterableError('the call was aborted', { code: 'Aborted', action, attempts: 1 });
const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted());
    const t = setTimeout(() => { signal?.removeEventListener('abort', stop); resolve(); }, ms);
    const stop = () => { clearTimeout(t); reject(aborted()); };
    signal?.addEventListener('abort', stop, { once: true });
  });

/** The input of the page after `page`, or null at the end. */
function nextInput(p, cur, page) {
  switch (p.style) {
    case 'page':
      return page && typeof page.nextPageUrl === 'string' && page.nextPageUrl ? { ...cur, page: (cur.page ?? 1) + 1 } : null;
    case 'startAfter': {
      const files = page?.files;
      return Array.isArray(files) && files.length ? { ...cur, startAfter: files[files.length - 1].file } : null;
    }
    case 'nextMarker':
      return page?.nextMarker ? { ...cur, nextMarker: page.nextMarker } : null;
    default:
      return null; // "limit": one capped page
  }
}

/** Records of a streamed body, parsed incrementally in the wasm core. The caller's signal is
 * watched here too: an engine may drop the link between a request's signal and its body once the
 * request object is collected (Node's undici holds it weakly). */
async function* records(response, format, delimiter, action, signal) {
  const parser = new StreamParser(format, delimiter);
  const reader = response.body.getReader();
  const onAbort = () => reader.cancel().catch(() => {});
  signal?.addEventListener('abort', onAbort, { once: true });
  let finished = false;
  try {
    for (;;) {
      if (signal?.aborted) throw aborted(action);
      let chunk;
      try {
        chunk = await reader.read();
      } catch (e) {
        if (signal?.aborted) throw aborted(action);
        if (e instanceof IterableError) throw e;
        throw new IterableError(`the response body broke off: ${e?.message ?? e}`, { code: 'NetworkError', action, retryable: true, attempts: 1 });
      }
      if (chunk.done) break;
      if (signal?.aborted) throw aborted(action);
      for (const r of JSON.parse(parser.push(chunk.value))) {
        if (signal?.aborted) throw aborted(action);
        yield r;
      }
    }
    finished = true;
    yield* JSON.parse(parser.finish());
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!finished) await reader.cancel().catch(() => {});
    parser.free();
  }
}

/** The items of one page: the catalog's items field, else the page's one array field, else the
 * lines of a text page (a preview of list users). */
function itemsOf(entry, page) {
  const key = entry?.pagination?.items;
  if (key) return Array.isArray(page?.[key]) ? page[key] : [];
  if (typeof page === 'string') return page.split(/\r?\n/).filter((l) => l.length);
  if (Array.isArray(page)) return page;
  const arrays = page && typeof page === 'object' ? Object.values(page).filter(Array.isArray) : [];
  return arrays.length === 1 ? arrays[0] : [];
}

const STREAM_FORMATS = { csv: 'csv', jsonl: 'jsonl', text: 'lines' };
// Export job states (lower case, as Iterable sends them) after which no file will come.
const EXPORT_ENDED = new Set(['failed', 'cancelling', 'cancelled', 'canceled']);

const camel = (id) => id.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

// Every action id in catalog order, written in by the build (from the wasm's actionIds()): the
// methods exist before the wasm is loaded, and the catalog's entries (which carry no id) follow it.
const IDS = '__ACTION_IDS__';
const FETCH = Symbol('fetch');
const INNER = Symbol('wasm client');
const OPTIONS = Symbol('options');
const EVENT_IDS = Symbol('eventIds');

// Web Crypto where the runtime has no global one: the entry's (`runtime.crypto`, a function called
// on first need; Node 18 keeps it in node:crypto, which costs Node ~3 ms to load).
let entryCrypto;

/** A fresh RFC 4122 version 4 UUID, from getRandomValues (which, unlike randomUUID, also works on
 * pages outside secure contexts). */
function uuid() {
  const c = globalThis.crypto ?? entryCrypto?.();
  if (typeof c?.getRandomValues !== 'function') throw new Error('this runtime has no Web Crypto (crypto.getRandomValues)');
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; // version 4
  b[8] = (b[8] & 0x3f) | 0x80; // the RFC 4122 variant
  let h = '';
  for (const x of b) h += (x + 0x100).toString(16).slice(1);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** `event` with an id at `key` (`id`, else a fresh UUID) in a copy, unless it has one or is no
 * object. */
const withId = (event, key, id) =>
  event && typeof event === 'object' && !Array.isArray(event) && event[key] == null ? { ...event, [key]: id ?? uuid() } : event;

/** The input with an id on each event that has none, at the catalog's `eventId` spot ("id", or
 * "<list>[].id" for the events of a bulk body). The caller's objects are not changed. */
function withEventIds(spot, input) {
  const [list, key] = spot.split('[].');
  if (!key) return withId(input, list);
  return Array.isArray(input?.[list]) ? { ...input, [list]: input[list].map((e) => withId(e, key)) } : input;
}
const SANDBOX_KEYS = ['seed', 'clock', 'stepMs', 'faults', 'rateLimits', 'state', 'apiKeys', 'jwtKeys'];
// `import 'iterable-wasm/sandbox'` registers the emulator's loader here (a global, so every copy of
// the package in a process sees it: ESM and CommonJS, a bundled entry and the register module).
const SANDBOX = Symbol.for('iterable-wasm.sandbox');
let sandboxRuntime;
let sandboxHint = 'this build has no sandbox';

let instantiate; // the entry's: instantiates the wasm; returns a promise when it cannot do it now
let loading; // that promise, while it runs
let loaded = false;

/** Starts instantiating the wasm (once); true when it is ready now. A failure is kept for the
 * callers waiting on it (never thrown at import), and the next use tries again. */
function started() {
  if (loaded) return true;
  if (!loading) {
    let r;
    try {
      r = instantiate();
    } catch (e) {
      r = Promise.reject(e);
    }
    if (typeof r?.then !== 'function') return (loaded = true);
    loading = r.then(() => { loaded = true; }, (e) => { loading = undefined; throw e; });
    loading.catch(() => {});
  }
  return false;
}

const wasmReady = async () => {
  if (!started()) await loading;
};

// The published catalog's module (catalog.js): its `describe`, given by the entry (`actions`
// imports it statically), or a function importing it (the browser entry: on `ready()`, and only
// where `actions` is part of the program).
let describe;
let importCatalog;

/** Resolves once the wasm is instantiated, and where `actions` is used, its catalog module loaded
 * (rejects with the IterableError of a failed load). Optional: calls wait for the wasm themselves. */
export async function ready() {
  await wasmReady();
  if (!describe && importCatalog) {
    try {
      ({ describe } = await importCatalog());
    } catch (cause) {
      const e = new IterableError(`iterable-wasm could not load its catalog module (catalog.js, the descriptions behind \`actions\`): ${String(cause?.message ?? cause).slice(0, 200)}`, { code: 'WasmLoadError', attempts: 0, retryable: true });
      e.cause = cause;
      throw e;
    }
  }
}

const notReady = (what) => new IterableError(`${what} needs the wasm${what === 'actions' ? ' and the catalog' : ''}, which ${what === 'actions' ? 'are' : 'is'} still loading: \`await ready()\` (exported by iterable-wasm) first`, { code: 'NotReady', attempts: 0 });

/** An IterableError for a wasm file that could not be loaded: `url` where it was looked for. */
export function wasmError(url, why, cause) {
  const e = new IterableError(`iterable-wasm could not load iterable_wasm_bg.wasm from ${url} (${why}). The bundler dropped or moved it: import "iterable-wasm/inline" instead (the wasm inside the JavaScript; esbuild, Rollup, bun build), set optimizeDeps: { exclude: ["iterable-wasm"] } (Vite 6 dev server), or copy node_modules/iterable-wasm/iterable_wasm_bg.wasm next to the bundle`, { code: 'WasmLoadError', attempts: 0, retryable: !!cause });
  if (cause) e.cause = cause;
  return e;
}

/** The wasm client behind `c`: now, or a promise of it while the wasm loads. */
function wasmOf(c) {
  const w = c[INNER];
  if (w) return w;
  if (!started()) return loading.then(() => wasmOf(c));
  return attach(c, new WasmClient(c[OPTIONS]));
}

/** `w` as the wasm client of `c`; a client made with `eventIds: "auto"` is marked, as the wasm
 * read the option (its retry policy and the ids given in execute() must agree). */
function attach(c, w) {
  c[INNER] = w;
  if (w._eventIds) Object.defineProperty(c, EVENT_IDS, { value: true });
  return w;
}

/** The wasm client behind `c`, for the synchronous accessors. */
function now(c, what) {
  const w = c[INNER] ?? wasmOf(c);
  if (w instanceof WasmClient) return w;
  w.catch(() => {});
  throw notReady(what);
}

// A call made while the wasm loads reads its input now, as the wasm would.
const snapshot = (v) => {
  try {
    return JSON.parse(JSON.stringify(v));
  } catch {
    return v; // the wasm reports what is wrong with it
  }
};

/** Reads `options.sandbox` without letting a hostile options object throw here (the wasm
 * constructor then reports the options problem as a ValidationError). */
function sandboxOption(options) {
  try {
    return options !== null && typeof options === 'object' ? [options.sandbox, options.fetch] : [];
  } catch {
    return [];
  }
}

/** The emulator behind `sandbox`: loaded (its own wasm, a separate file) on first use only, so a
 * client that never uses it pays nothing for it. Returns the sandbox's fetch and its controls. */
function makeSandbox(option) {
  const fail = (message) => new IterableError(message, { code: 'ValidationError', attempts: 0, retryable: false });
  if (option !== true && (option === null || typeof option !== 'object' || Array.isArray(option))) throw fail('client option "sandbox" must be true or an object');
  const opts = option === true ? {} : { ...option };
  const unknown = Object.keys(opts).find((k) => !SANDBOX_KEYS.includes(k));
  if (unknown) throw fail(`unknown sandbox option "${unknown.slice(0, 40)}" (known: ${SANDBOX_KEYS.join(', ')})`);
  const loader = globalThis[SANDBOX] ?? sandboxRuntime;
  if (!loader) throw fail(`the sandbox is not loaded: ${sandboxHint}`);
  let ready;
  const load = () => (ready ??= loader().then(([{ createSandbox }, { instantiate }]) => createSandbox(opts, instantiate)));
  const controls = Object.freeze({
    /** The emulator's whole state as a plain object (fixtures, snapshots). */
    dump: async () => (await load()).dump(),
    /** The same state as JSON text (what a state file holds), without building the object. */
    dumpText: async () => (await load()).dumpText(),
    /** Replaces the state with one from dump() (object or JSON text). */
    load: async (state) => (await load()).load(state),
    /** Back to the seeded initial state. */
    reset: async () => (await load()).reset(),
    /** Every message the account would have sent, oldest first. */
    outbox: async () => (await load()).outbox(),
  });
  return { fetch: (url, init) => load().then((s) => s.fetch(url, init)), controls };
}

// The wasm's catalog, parsed once: one array per action (codegen/catalog.rs FIELDS), then the
// named shapes, then the param rows that several actions share.
let rows;
const wasmCatalog = () => (rows ??= JSON.parse(catalogJson()));
let positions;
// What the large-work helpers read of an action, by id (the wasm is loaded): its response form,
// pagination, rate limit (iterable-wasm/queues), bulk and eventId spot (FIELDS 3, 6, 7, 8 and 13).
const byId = {
  get(id) {
    const i = (positions ??= new Map(IDS.split(',').map((a, i) => [a, i]))).get(id);
    if (i === undefined) return undefined;
    const r = wasmCatalog()[i];
    return { id, response: r[3], pagination: r[6] ?? null, rateLimit: r[7] ?? null, bulk: r[8] ?? null, eventId: r[13] ?? null };
  },
};

const hidden = (o, k, value) => Object.defineProperty(o, k, { value, writable: true });

/**
 * The client. The wasm class does the work (created with the client when the wasm is loaded,
 * else on the first call once it is); this layer adds the `sandbox` option (the emulator's
 * fetch swapped in for the network's; nothing else changes) and remembers a custom `fetch` for
 * the export file downloads made here.
 */
export class IterableClient {
  // Kept through minification (build.mjs does not keep names in this file).
  static {
    Object.defineProperty(this, 'name', { value: 'IterableClient' });
  }

  constructor(options) {
    const [sandbox, fetchOption] = sandboxOption(options);
    let opts = options;
    if (sandbox === undefined || sandbox === false) {
      if (typeof fetchOption === 'function') hidden(this, FETCH, fetchOption);
    } else {
      if (fetchOption !== undefined) throw new IterableError('client options "sandbox" and "fetch" cannot be used together', { code: 'ValidationError', attempts: 0, retryable: false });
      const { fetch: sandboxFetch, controls } = makeSandbox(sandbox);
      let rest;
      try {
        const { sandbox: _ignored, ...others } = options;
        rest = others;
      } catch (e) {
        throw new IterableError(`the client options cannot be read (${String(e?.message ?? e).slice(0, 120)})`, { code: 'ValidationError', attempts: 0, retryable: false });
      }
      opts = { apiKey: 'sandbox-key', ...rest, fetch: sandboxFetch };
      hidden(this, FETCH, sandboxFetch);
      Object.defineProperty(this, 'sandbox', { value: controls, enumerable: true });
    }
    hidden(this, INNER, undefined);
    if (started()) {
      attach(this, new WasmClient(opts));
    } else {
      // The wasm is still loading: the options are read now, the wasm client made on the first call.
      let copy = opts;
      try {
        copy = opts !== null && typeof opts === 'object' ? { ...opts } : opts;
      } catch {}
      hidden(this, OPTIONS, copy);
    }
  }

  /** The base URL requests go to. */
  get baseUrl() {
    return now(this, 'client.baseUrl').baseUrl;
  }

  /** "us", "eu" or "custom". */
  get region() {
    return now(this, 'client.region').region;
  }

  /** A safe description of the client (never the key or a token). */
  toJSON() {
    return now(this, 'client.toJSON()').toJSON();
  }

  toString() {
    return this[INNER] || started() ? now(this).toString() : 'IterableClient(loading)';
  }

  /** Frees the wasm side now (it is freed with the client otherwise). */
  free() {
    this[INNER]?.free();
  }

  // execute through an async function: an error made inside the wasm's promise chain gets the
  // caller's stack (V8's async frames), so an uncaught rejection points at the user's code.
  // While a browser still fetches the .wasm, the input is read now and sent once it is there.
  // With eventIds: "auto" the events get their ids here, once, before the first attempt; the
  // wasm then sends the same text on every retry.
  async execute(id, input, options) {
    try {
      let w = this[INNER];
      if (!w) {
        input = snapshot(input);
        w = await wasmOf(this);
      }
      const spot = this[EVENT_IDS] && byId.get(id)?.eventId;
      if (spot) {
        try {
          input = withEventIds(spot, input);
        } catch (e) {
          throw invalid(id, `no event ids: ${e?.message ?? e}`);
        }
      }
      return await run(w, id, input, options, MODE_VALUE);
    } catch (e) {
      if (e instanceof IterableError) Error.captureStackTrace?.(e, execute);
      throw e;
    }
  }

  // The per-action methods (`trackEvent(input, options)` calls `execute('track_event', ...)`): the
  // build writes them here for the Node, Deno and Workers bundles, a prototype made at once, which
  // is ~1.5 ms sooner to the first client than defining 157 methods one by one (defineSurface does
  // that for the browser's api.js, where the written-out methods would weigh 1.6 KB gzip).
  /* __ACTION_METHODS__ */
}
const { execute } = IterableClient.prototype;
if (Symbol.dispose) IterableClient.prototype[Symbol.dispose] = IterableClient.prototype.free;

/**
 * Installs the per-action methods (from the id list: nothing is parsed at import) and the
 * large-work helpers. `load` instantiates the wasm (called on first use); `runtime.sandbox` imports the emulator
 * where the runtime can find it without a bundler's help, `runtime.sandboxHint` says what to do
 * where it cannot; `runtime.crypto` returns Web Crypto for a runtime without a global one.
 */
export function defineSurface(load, runtime = {}) {
  instantiate = load;
  sandboxRuntime = runtime.sandbox;
  if (runtime.sandboxHint) sandboxHint = runtime.sandboxHint;
  entryCrypto = runtime.crypto;
  const P = IterableClient.prototype;
  // The catalog entry of an action, for iterable-wasm/queues (a separate module that gets the
  // catalog from the client it is given, so it never loads a second copy of the wasm).
  Object.defineProperty(P, Symbol.for('iterable-wasm.action'), { value: (id) => byId.get(id) });
  const define = (name, value) => {
    if (value.name !== name) Object.defineProperty(value, 'name', { value: name });
    Object.defineProperty(P, name, { value, writable: true, configurable: true });
  };

  // The per-action methods, where the build has not written them into the class (it drops this
  // loop from the bundles it writes them into).
  /* __ACTION_METHODS_LOOP__ */
  for (const id of IDS.split(',')) {
    const methodName = camel(id);
    define(methodName, { [methodName](input, options) { return this.execute(id, input, options); } }[methodName]);
  }
  /* __ACTION_METHODS_LOOP_END__ */

  /**
   * All items of a paginated action as an async iterable; `.pages()` gives whole pages.
   * Options: signal, timeoutMs, maxRetries (per request), maxPages.
   */
  define('paginate', function paginate(id, input = {}, options = {}) {
    const client = this;
    let entry;
    const callOptions = pick(options ?? {}, CALL_OPTIONS);
    const maxPages = options?.maxPages ?? Infinity;
    async function* pages() {
      await wasmReady();
      entry = byId.get(id);
      if (!entry) throw invalid(id, `unknown action id "${String(id).slice(0, 64)}"`);
      const p = entry.pagination;
      if (!p) throw invalid(id, `${id} is not paginated; use execute()`);
      let cur = { ...(input ?? {}) };
      if (p.style === 'page' && cur.page == null) cur.page = 1;
      const seen = new Set();
      for (let n = 0; n < maxPages; n++) {
        const page = await client.execute(id, cur, callOptions);
        // An empty page after the first is the listing's end (a startAfter past the last file, a
        // marker with nothing behind it): it ends the listing and is not yielded.
        if (n > 0 && !itemsOf(entry, page).length) return;
        yield page;
        const next = nextInput(p, cur, page);
        if (!next) return;
        const key = JSON.stringify(next);
        if (seen.has(key)) throw new IterableError(`${id}: the server sent the same continuation twice`, { code: 'InvalidResponse', action: id, attempts: 1 });
        seen.add(key);
        cur = next;
      }
    }
    return {
      pages,
      async *[Symbol.asyncIterator]() {
        for await (const page of pages()) yield* itemsOf(entry, page);
      },
    };
  });

  /**
   * Records of a CSV, JSON-lines or text action as an async iterable, parsed as the body
   * arrives (memory stays flat). `.body()` resolves with the raw ReadableStream instead.
   */
  define('stream', function stream(id, input = {}, options = {}) {
    const client = this;
    let entry;
    let opened;
    const open = () => (opened ??= (async () => {
      const w = await wasmOf(client);
      entry = byId.get(id);
      if (!entry) throw invalid(id, `unknown action id "${String(id).slice(0, 64)}"`);
      if (!STREAM_FORMATS[entry.response]) throw invalid(id, `${id} answers ${entry.response}, not a record stream; use execute()`);
      return run(w, id, input, options, MODE_STREAM);
    })());
    return {
      async body() {
        return (await open()).body;
      },
      async *[Symbol.asyncIterator]() {
        const response = await open();
        yield* records(response, STREAM_FORMATS[entry.response], input?.delimiter ?? ',', id, options?.signal);
      },
    };
  });

  /**
   * The whole export workflow as one stream of records: start_export, poll list_export_files
   * (with backoff) until the job completes, and stream every file as it appears.
   * Options: onProgress({ jobId, state, files, records }), pollMs (first wait, default 1000),
   * maxPollMs (default 30000), signal, timeoutMs, maxRetries.
   */
  define('exportRecords', function exportRecords(input, options = {}) {
    const client = this;
    const callOptions = pick(options ?? {}, CALL_OPTIONS);
    const { onProgress, pollMs = 1000, maxPollMs = 30000, signal, timeoutMs = 30000 } = options ?? {};
    // A file link is a pre-signed storage URL: fetched without the API key; the timeout bounds
    // the wait for its response head, the signal the whole download.
    const download = async (f) => {
      const controller = new AbortController();
      const stop = () => controller.abort();
      signal?.addEventListener('abort', stop, { once: true });
      const timer = setTimeout(stop, timeoutMs);
      try {
        const res = await (client[FETCH] ?? fetch)(f.url, { signal: controller.signal });
        if (!res.ok) throw new IterableError(`export file ${f.file}: HTTP ${res.status}`, { code: 'HttpError', status: res.status, action: 'list_export_files', attempts: 1 });
        return res;
      } catch (e) {
        if (e instanceof IterableError) throw e;
        if (signal?.aborted) throw aborted('list_export_files');
        const timedOut = controller.signal.aborted;
        throw new IterableError(timedOut ? `export file ${f.file}: no response within ${timeoutMs} ms` : `export file ${f.file}: ${e?.message ?? e}`, { code: timedOut ? 'Timeout' : 'NetworkError', action: 'list_export_files', retryable: true, attempts: 1 });
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', stop);
      }
    };
    return {
      async *[Symbol.asyncIterator]() {
        const format = input?.outputFormat === 'application/x-json-stream' ? 'jsonl' : 'csv';
        const { jobId } = await client.startExport(input, callOptions);
        const progress = { jobId, state: 'enqueued', files: 0, records: 0 };
        let startAfter;
        let wait = pollMs;
        for (;;) {
          const page = await client.listExportFiles(startAfter ? { jobId, startAfter } : { jobId }, callOptions);
          // Iterable sends states in lower case (enqueued, running, completed, failed,
          // cancelling); the spec file capitalizes them. Compared without case, reported as sent.
          const state = typeof page?.jobState === 'string' ? page.jobState.toLowerCase() : '';
          if (state) progress.state = page.jobState;
          const files = Array.isArray(page.files) ? page.files : [];
          for (const f of files) {
            startAfter = f.file;
            const res = await download(f);
            for await (const r of records(res, format, input?.delimiter ?? ',', 'list_export_files', signal)) {
              progress.records++;
              yield r;
            }
            progress.files++;
            onProgress?.({ ...progress });
          }
          if (files.length) {
            wait = pollMs;
            continue;
          }
          if (state === 'completed') break;
          if (EXPORT_ENDED.has(state)) throw new IterableError(`export job ${jobId} ${state === 'failed' ? 'failed' : `was cancelled (${page.jobState})`}`, { code: 'ExportFailed', action: 'list_export_files', attempts: 1 });
          onProgress?.({ ...progress });
          await sleep(wait, signal);
          wait = Math.min(wait * 2, maxPollMs);
        }
        onProgress?.({ ...progress });
      },
    };
  });

  /**
   * Sends a list of items through a bulk action, split into requests within its documented
   * limits, with bounded concurrency, under the usual retry rules and rate limits. Resolves
   * with one report; no item is lost or sent twice by the client.
   * Options: input (the action's other params), concurrency (default 4), onProgress, resume (an
   * earlier report for the same items: only the items it did not mark succeeded are sent, with
   * the event ids it lists), signal, timeoutMs, maxRetries.
   */
  define('bulk', async function bulk(id, items, options = {}) {
    const client = await wasmOf(this);
    const entry = byId.get(id);
    if (!entry?.bulk) throw invalid(id, entry ? `${id} is not a bulk action` : `unknown action id "${String(id).slice(0, 64)}"`);
    if (!Array.isArray(items) && !(entry.bulk.items === 'documents' && items && typeof items === 'object')) {
      throw invalid(id, 'items must be an array' + (entry.bulk.items === 'documents' ? ' or an object map' : ''));
    }
    const { input = {}, concurrency = 4, onProgress, resume } = options ?? {};
    const callOptions = pick(options ?? {}, CALL_OPTIONS);
    const keys = Array.isArray(items) ? null : Object.keys(items);
    const total = keys ? keys.length : items.length;
    // resume: the items the earlier report did not mark succeeded (its failures), by index.
    let todo = null;
    if (resume != null) {
      if (resume.action !== id || resume.items !== total || !Array.isArray(resume.failures)) {
        throw invalid(id, 'resume: not a report of this action and these items');
      }
      todo = [...new Set(resume.failures.map((f) => f?.index))].filter((i) => Number.isInteger(i) && i >= 0 && i < total).sort((x, y) => x - y);
    }
    // eventIds: "auto": one id per event, made before anything is sent (or the one the resumed
    // report lists: an event sent again keeps its id), reported so that a later run can do so.
    const key = entry.eventId?.split('[].')[1];
    const eventIds = key && !keys && (this[EVENT_IDS] || resume?.eventIds)
      ? items.map((e, i) => (e && typeof e === 'object' ? e[key] ?? resume?.eventIds?.[i] ?? uuid() : null))
      : null;
    const at = (k) => (todo ? todo[k] : k); // index in `items` of the k-th item sent
    const one = (i) => (keys ? [keys[i], items[keys[i]]] : eventIds ? withId(items[i], key, eventIds[i]) : items[i]);
    let itemsText;
    try {
      const order = todo ?? Array.from({ length: total }, (_, i) => i);
      itemsText = JSON.stringify(!todo && !eventIds ? items : keys ? Object.fromEntries(order.map(one)) : order.map(one));
    } catch (e) {
      throw invalid(id, `items cannot be turned into JSON data (${e?.message ?? e})`);
    }
    const plan = new BulkPlan(id, JSON.stringify(input ?? {}), itemsText, client);
    const idOf = (index) => {
      if (keys) return keys[index];
      const item = items[index];
      if (item === null || typeof item !== 'object') return item ?? null;
      for (const f of entry.bulk.identify) if (item[f] != null) return String(item[f]);
      return null;
    };
    // Failures the wasm reports by position in what was sent, moved to their index in `items`.
    const located = (json) => JSON.parse(json).map((f) => ({ ...f, index: at(f.index), id: f.id ?? idOf(at(f.index)) }));
    const skipped = todo ? total - todo.length : 0;
    const report = {
      action: id,
      items: total,
      requests: plan.requests,
      sent: 0,
      succeeded: skipped,
      failed: 0,
      notSent: 0,
      skipped,
      failures: located(plan.rejectedJson()),
      errors: [],
      ...(eventIds ? { eventIds } : {}),
    };
    report.failed = report.failures.length;
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < plan.requests) {
        const i = next++;
        const indices = JSON.parse(plan.indices(i)).map(at);
        if (callOptions.signal?.aborted) {
          report.notSent += indices.length;
          report.failed += indices.length;
          for (const index of indices) report.failures.push({ index, id: idOf(index), reason: 'NotSent: aborted' });
          continue;
        }
        try {
          const text = await runChunk(client, id, plan, i, callOptions);
          const failures = located(plan.failuresJson(i, text));
          report.sent += indices.length;
          report.failed += failures.length;
          report.succeeded += indices.length - failures.length;
          report.failures.push(...failures);
        } catch (e) {
          // The request failed as a whole: each of its items is reported with the error's code,
          // maybeProcessed where Iterable may have taken it (no answer, a 5xx, or a 2xx whose
          // body could not be read).
          const sent = (e?.attempts ?? 0) > 0;
          const maybe = sent && (['NetworkError', 'Timeout'].includes(e?.code) || e?.status >= 500 || e?.status < 300);
          if (sent) report.sent += indices.length;
          else report.notSent += indices.length;
          report.failed += indices.length;
          report.errors.push({ request: i, code: e?.code, status: e?.status, message: e?.message });
          for (const index of indices) report.failures.push({ index, id: idOf(index), reason: e?.code ?? 'Error', ...(maybe ? { maybeProcessed: true } : {}) });
        }
        done++;
        onProgress?.({ requests: report.requests, done, sent: report.sent, succeeded: report.succeeded, failed: report.failed });
      }
    };
    try {
      const n = Math.max(1, Math.min(16, Number(concurrency) || 1, plan.requests));
      await Promise.all(Array.from({ length: n }, worker));
    } finally {
      plan.free();
    }
    report.failures.sort((a, b) => a.index - b.index);
    return report;
  });
}

/**
 * `actions`: the catalog, parsed and expanded on first use by the catalog module's `describe`
 * (`{ describe }`: imported by the entry; `{ load }`: a function importing it, called by
 * `ready()`, or giving a thenable that settles at once where the entry has it now). A real frozen array behind a Proxy that fills it on first access, so
 * `Array.isArray`, iteration, `Object.isFrozen` and JSON.stringify see the whole catalog. Creates
 * nothing else: a bundle that never reads `actions` drops this call and the catalog module.
 */
export function catalog(source) {
  describe ??= source.describe;
  importCatalog ??= source.load;
  const target = [];
  const fill = () => {
    if (Object.isExtensible(target)) {
      if (!describe) importCatalog?.().then((m) => { describe ??= m.describe; }, () => {});
      if (!started() || !describe) throw notReady('actions');
      Object.freeze(Object.assign(target, describe(IDS.split(','), wasmCatalog())));
    }
    return target;
  };
  const handler = {};
  for (const trap of Object.getOwnPropertyNames(Reflect)) handler[trap] = (_, ...args) => Reflect[trap](fill(), ...args);
  return new Proxy(target, handler);
}
