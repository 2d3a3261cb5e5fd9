// The call loop, sans IO on the wasm side: the wasm turns a call into one request descriptor
// (`_begin`: method, URL, headers, body, limits) and each attempt's outcome into a verdict
// (`_judge`: a result, a retry after some ms, or the typed error), both synchronous. Here: the
// rate-limit wait (the slot is reserved in the wasm), the JWT provider (one refresh in flight per
// client; the token cache and its checks are in the wasm), the hooks, the attempt itself
// (AbortController or AbortSignal.timeout, the caller's signal, fetch, the body read) and the
// retry sleep. One crossing each way per attempt, and no promise bridged through the wasm.
//
// attempt() resolves, never rejects, with an array:
//   [status, bodyText, retryAfter]    a response, its body read
//   [status, response]                streaming: a 2xx response with its body unread
//   [0, kind, detail, error]          no response: kind "aborted" | "timeout" | "permission" |
//                                     "network" (error: what fetch threw, kept as the cause),
//                                     "redirect" with detail "<status>\n<absolute Location or ''>",
//                                     or "large" with detail the status: a body over maxBytes
// Redirects are never followed: Iterable never redirects an API call, and a redirect (from a
// proxy, a mistyped base URL or a hijacked name) must not carry the API key anywhere, so the
// request goes out with redirect: "manual" and a 3xx (or a browser's opaque redirect) ends the
// attempt.
// Our controller aborts with one of two Error objects (made on first use): fetch rejects with the
// reason, and some fetch wrappers mishandle a rejection that is not an Error.

import { IterableError, makeError } from './errors.js';

let reasons;
/** The two reasons our aborts give: [time limit, caller's abort] (made on first use). */
export const abortReasons = () => (reasons ??= makeReasons());

const aborted = (signal) => {
  try {
    return signal?.aborted === true;
  } catch {
    return false;
  }
};

const listen = (signal, handler, add) => {
  try {
    signal?.[add ? 'addEventListener' : 'removeEventListener']?.('abort', handler);
  } catch {
    // A broken or fake signal: the call then just cannot be cancelled through it.
  }
};

// What a failed fetch says, with its cause where the runtime puts the system error there
// (Node: "TypeError: fetch failed (connect ECONNREFUSED 127.0.0.1:9)").
const describe = (e) => {
  try {
    if (!(e instanceof Error)) return typeof e === 'string' ? e : 'fetch failed';
    const c = e.cause;
    const why = c instanceof Error ? c.message || c.code : typeof c === 'string' ? c : '';
    return `${e.name}: ${e.message}${why && !e.message.includes(why) ? ` (${why})` : ''}`;
  } catch {
    return 'fetch failed';
  }
};

// Deno refuses a host the program has no --allow-net for: no retry can help, so the attempt
// ends with what to add.
const denied = (e) => {
  try {
    if (e?.name !== 'NotCapable' && e?.name !== 'PermissionDenied') return '';
    const host = /net access to "([^"]+)"/.exec(e.message)?.[1];
    return host ? `Deno has no network permission for ${host}: run with --allow-net=${host}` : `${e.name}: ${e.message}`;
  } catch {
    return '';
  }
};

const release = (body) => {
  try {
    body?.cancel()?.catch?.(() => {});
  } catch {
    // Nothing to release.
  }
};

/** A refused redirect's detail, "<status>\n<absolute Location or ''>" (an unparsable Location:
 * the error just cannot name it). Also core/undici.js's, from the raw head. */
export const movedDetail = (status, location, url) => {
  let where = '';
  try {
    if (location) where = new URL(location, url).href;
  } catch {
    // Nothing to name.
  }
  return `${status}\n${where}`;
};

const refused = (res, url) => {
  let location = null;
  try {
    location = res.headers.get('location');
  } catch {
    // No Location to name.
  }
  release(res.body);
  return movedDetail(res.status, location, url);
};

// The body as text, or null when it is longer than `max` bytes: a declared Content-Length over
// `max` is refused before reading; one within it, on a body not compressed, is read whole (the
// body cannot be longer, and the engine's own text() is fastest: Deno's by 150 µs a call);
// otherwise the bytes (decoded, after any decompression) are counted as they arrive and the read
// stops as soon as the count passes `max`, so no more than `max` bytes are ever held.
// Not an async function: the common case hands back the engine's own text() promise, with no
// extra promise around it.
function read(res, max) {
  const body = res.body;
  const length = res.headers.get('content-length');
  if (!body) return '';
  if (+length > max) return release(body), null;
  if (length && !res.headers.has('content-encoding')) return res.text();
  return readCapped(body, max);
}

async function readCapped(body, max) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (let n = 0; ; ) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    if ((n += value.byteLength) > max) return release(reader), null;
    text += decoder.decode(value, { stream: true });
  }
}

// The time limit of the common attempt: the global fetch, no caller's signal (that stays linked
// through a controller of its own), not streaming (a stream's limit covers its head only). A
// request on a socket keeps Node and Deno alive until its time limit fires, so the limit may be
// an unreferenced timer; a custom fetch might be a pure-JS stand-in that only a referenced timer
// can end, so it gets one of its own (controlled() below).
// - Node (its fetch is undici): the attempt goes to undici's dispatcher directly, with no fetch
//   objects and no signal: core/undici.js, which the Node entry installs with useAttempt() (so
//   browsers never load it).
// - Deno, where fetch would connect directly: one HTTP/1.1 exchange on a kept-alive connection of
//   the client's own, core/deno-http.js, which the Deno entry installs likewise; the shared timer
//   below closes its connection at the time limit.
// - Node while the global fetch is not Node's own (a program's stub or wrapper), or before its
//   first fetch (which makes undici's global dispatcher), and Deno where a proxy may apply or a
//   program put its own fetch in place: a controller per attempt, and one shared, unreferenced
//   timer for all of them (`deadlines`), armed for the earliest deadline in flight and re-armed
//   when it fires; an attempt that ends just leaves the set. A timer set and cleared per call costs Node a timer
//   list made and dropped each time, and Deno two timer ops; AbortSignal.timeout registers a weak
//   timer and a finalizer per signal in Node. Instructions per attempt's time limit (callgrind,
//   bench/diag/PROFILE.md): Deno 2.4k against 5.5k for AbortSignal.timeout and 24k for a timer.
// - Elsewhere (browsers, Workers, where a timer belongs to the request that set it):
//   AbortSignal.timeout, no controller to make and no timer to clear.
const inDeno = typeof Deno === 'object' && typeof Deno?.unrefTimer === 'function';
const inNode = !inDeno && typeof process === 'object' && typeof process?.versions?.node === 'string';
const shared = inNode || inDeno;
const timeoutSignal = !shared && typeof AbortSignal === 'function' && typeof AbortSignal.timeout === 'function' ? (ms) => AbortSignal.timeout(ms) : null;
/** A runtime's own common attempt (core/undici.js in Node, core/deno-http.js in Deno), or
 * undefined: called with (url, init, timeoutMs, maxBytes), it answers the attempt's promise, or
 * undefined where it cannot take this one. */
let runtimeAttempt;
export const useAttempt = (f) => {
  runtimeAttempt = f;
};

/** The attempts in flight under the shared timer: controller (or core/undici.js's Attempt) → deadline
 * (performance.now() ms). */
export const deadlines = new Map();
let timer;
let timerAt = Infinity;

function arm(at) {
  if (timer !== undefined) clearTimeout(timer);
  timerAt = at;
  timer = setTimeout(expire, Math.max(1, Math.ceil(at - performance.now())));
  if (inDeno) Deno.unrefTimer(timer);
  else timer.unref?.();
}

/** The shared timer fired: aborts the attempts whose deadline has come, re-arms for the rest. */
function expire() {
  timer = undefined;
  timerAt = Infinity;
  const now = performance.now();
  let next = Infinity;
  for (const [controller, at] of deadlines) {
    if (at <= now) {
      deadlines.delete(controller);
      controller.abort((reasons ??= makeReasons())[0]);
    } else if (at < next) {
      next = at;
    }
  }
  if (next !== Infinity) arm(next);
}

/** Puts `watched` (a controller or core/undici.js's Attempt) under the shared timer, aborted `ms` from now unless
 * the attempt ends first (then `deadlines.delete(watched)`). */
export function watch(watched, ms) {
  const at = performance.now() + ms;
  deadlines.set(watched, at);
  if (at < timerAt) arm(at);
  return watched;
}

const makeReasons = () => [new Error('iterable-wasm: attempt timed out'), new Error('iterable-wasm: call aborted')];

/** The common attempt (see above): the response read whole. */
async function plain(url, init, timeoutMs, maxBytes) {
  const controller = shared ? watch(new AbortController(), timeoutMs) : undefined;
  const deadline = (init.signal = controller ? controller.signal : timeoutSignal(timeoutMs));
  try {
    const res = await fetch(url, init);
    if (!(res instanceof Response)) throw new Error('fetch did not return a Response');
    if (redirected(res)) return [0, 'redirect', refused(res, url)];
    const text = await read(res, maxBytes);
    return text === null ? [0, 'large', res.status] : [res.status, text, retryAfter(res)];
  } catch (e) {
    return deadline.aborted ? [0, 'timeout', ''] : failed(e);
  } finally {
    if (controller) deadlines.delete(controller);
  }
}

// Retry-After: read for a failure only (a 2xx is never retried after a wait it names).
const retryAfter = (res) => (res.ok ? undefined : res.headers.get('retry-after') ?? undefined);

const redirected = (res) => res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400 && res.status !== 304);

/** What fetch (or the body read) threw, when no time limit or signal explains it. */
export function failed(e) {
  const permission = denied(e);
  if (permission) return [0, 'permission', permission, e];
  return [0, 'network', describe(e), e];
}

/** One attempt; resolves (never rejects) with the array described at the top. */
export function attempt(fetchFn, url, method, headers, body, timeoutMs, signal, stream, maxBytes) {
  if (aborted(signal)) return Promise.resolve([0, 'aborted', '']);
  const init = { method, headers, redirect: 'manual' };
  if (body !== undefined) init.body = body;
  if (!fetchFn && !signal && !stream) {
    const own = runtimeAttempt?.(url, init, timeoutMs, maxBytes);
    if (own) return own;
    if (shared || timeoutSignal) return plain(url, init, timeoutMs, maxBytes);
  }
  return controlled(fetchFn, url, init, timeoutMs, signal, stream, maxBytes);
}

/** Any other attempt: our controller, its own timer, the caller's signal linked. */
async function controlled(fetchFn, url, init, timeoutMs, signal, stream, maxBytes) {
  const [timeoutReason, abortReason] = (reasons ??= makeReasons());
  const controller = new AbortController();
  const onAbort = () => controller.abort(abortReason);
  const timer = setTimeout(() => controller.abort(timeoutReason), timeoutMs);
  listen(signal, onAbort, true);
  init.signal = controller.signal;
  let keepListening = false;
  try {
    const res = await (fetchFn ? fetchFn(url, init) : fetch(url, init));
    if (!(res instanceof Response)) throw new Error('fetch did not return a Response');
    const status = res.status;
    if (redirected(res)) return [0, 'redirect', refused(res, url)];
    if (stream && status >= 200 && status < 300) {
      // The caller's signal stays linked: aborting still cancels the body.
      keepListening = true;
      return [status, res];
    }
    const wait = retryAfter(res);
    const text = await read(res, maxBytes);
    return text === null ? [0, 'large', status] : [status, text, wait];
  } catch (e) {
    if (aborted(signal)) return [0, 'aborted', ''];
    if (controller.signal.aborted && controller.signal.reason === timeoutReason) return [0, 'timeout', ''];
    return failed(e);
  } finally {
    clearTimeout(timer);
    if (!keepListening) listen(signal, onAbort, false);
  }
}

/** Waits `ms`: true, or false as soon as `signal` aborts. */
const wait = (ms, signal) =>
  new Promise((resolve) => {
    if (aborted(signal)) return resolve(false);
    const done = (ok) => {
      clearTimeout(timer);
      listen(signal, onAbort, false);
      resolve(ok);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    listen(signal, onAbort, true);
  });

/** Calls a hook; a hook that throws changes nothing. */
const hook = (f, info) => {
  try {
    f.call(undefined, info);
  } catch {
    // Ignored by design.
  }
};

/** Per wasm client: the functions given as options and the JWT refresh in flight. */
const states = new WeakMap();
const stateOf = (w) => {
  let st = states.get(w);
  if (!st) {
    const [jwt, onRequest, onResponse, onRetry, fetchFn] = w._fns;
    st = { jwt, onRequest, onResponse, onRetry, fetchFn, refreshing: null };
    states.set(w, st);
  }
  return st;
};

/** The call's descriptor (see `_begin` in src/bindings/mod.rs). */
function parse(d) {
  let i = 0;
  const line = () => {
    const j = d.indexOf('\n', i);
    const s = d.slice(i, j);
    i = j + 1;
    return s;
  };
  const index = +line();
  const kind = line();
  const paced = line() === '1';
  const timeoutMs = +line();
  const maxRetries = +line();
  const maxBytes = +line();
  const method = line();
  const url = line();
  const headers = {};
  for (let n = +line(); n > 0; n--) {
    const name = line();
    headers[name] = line();
  }
  const body = d[i] === 'b' ? d.slice(i + 1) : undefined;
  return { index, kind, paced, timeoutMs, maxRetries, maxBytes, method, url, headers, body };
}

/** A JWT to send: the cached one while fresh and not the one just refused (`stale`), else a new
 * one from the provider, one refresh in flight per client. Throws the call's JwtError. */
async function bearer(w, st, index, stale, attempts) {
  const cached = w._token(stale);
  if (cached !== undefined) return cached;
  let p = st.refreshing;
  if (!p) {
    try {
      p = Promise.resolve(st.jwt.call(undefined));
    } catch (e) {
      p = Promise.reject(e);
    }
    st.refreshing = p;
  }
  let value;
  let failed = false;
  try {
    value = await p;
  } catch (e) {
    value = e;
    failed = true;
  }
  // The first waiter to wake clears the shared refresh; the others find it done.
  if (st.refreshing === p) st.refreshing = null;
  return w._acceptToken(index, value, failed, attempts);
}

/** What onRequest sees: the credentials redacted, in the header map and in the body. */
function requestInfo(id, attempt, req, jwt) {
  const headers = {};
  for (const k in req.headers) if (k !== 'Api-Key') headers[k] = req.headers[k];
  headers['Api-Key'] = '[REDACTED]';
  if (jwt) headers.Authorization = 'Bearer [REDACTED]';
  const info = { action: id, attempt, method: req.method, url: req.url, headers };
  if (req.body !== undefined) {
    const key = req.headers['Api-Key'];
    info.body = key.length >= 4 && req.body.includes(key) ? req.body.split(key).join('[REDACTED]') : req.body;
  }
  return info;
}

/** Mode of a call: the parsed result, the result's text (bulk), or a 2xx Response unread (stream). */
export const MODE_VALUE = 0;
export const MODE_TEXT = 1;
export const MODE_STREAM = 2;

/** Runs action `id` on wasm client `w`. Throws (synchronously) what the wasm refuses first. */
export function run(w, id, input, options, mode) {
  return loop(w, id, w._begin(id, input, options), options, mode);
}

/** Runs request `i` of bulk plan `plan` (action `id`); resolves with the response text. */
export function runChunk(w, id, plan, i, options) {
  return loop(w, id, w._beginChunk(plan, i, options), options, MODE_TEXT);
}

/** A 2xx JSON body's result where it needs none of the wasm's reading, else undefined (the wasm
 * then reads it: failure codes in a 2xx, a Success envelope around the result, malformed text).
 * Only for a body with no \u escape (one could spell a key "code"), and then:
 * - no "code" anywhere: it cannot be an Iterable envelope, parsed as is;
 * - `envelope` (the action's result is Iterable's whole envelope, e.g. track_event's
 *   {msg, code, params}) and one "code" only, at the top, saying "Success": parsed as is. One
 *   occurrence only, so duplicate keys never meet two readings (JSON.parse keeps the last, the
 *   wasm the first). */
function plainResult(text, envelope) {
  if (text.includes('\\u')) return undefined;
  const at = text.indexOf('"code"');
  try {
    if (at < 0) return JSON.parse(text);
    if (envelope && text.indexOf('"code"', at + 6) < 0) {
      const v = JSON.parse(text);
      if (v !== null && typeof v === 'object' && v.code === 'Success') return v;
    }
  } catch {
    // The wasm says what is wrong with it.
  }
  return undefined;
}

async function loop(w, id, descriptor, options, mode) {
  const req = parse(descriptor);
  const signal = options?.signal ?? undefined;
  const st = stateOf(w);
  const index = req.index;
  let attempts = 0;
  let retries = 0;
  let stale;
  let jwtRetried = false;
  const fail = (kind) => makeError(w._fail(index, kind, attempts));
  for (;;) {
    if (req.paced) {
      const ms = w._pace(index);
      if (ms > 0 && !(await wait(ms, signal))) throw fail('aborted');
    }
    const token = st.jwt ? await bearer(w, st, index, stale, attempts) : undefined;
    // A fresh object per attempt: a custom fetch may change what it is given.
    const headers = { ...req.headers };
    if (token !== undefined) headers.Authorization = `Bearer ${token}`;
    if (aborted(signal)) throw fail('aborted');
    attempts++;
    if (st.onRequest) hook(st.onRequest, requestInfo(id, attempts, req, st.jwt));
    const started = st.onResponse ? Date.now() : 0;
    let out;
    try {
      out = await attempt(st.fetchFn, req.url, req.method, headers, req.body, req.timeoutMs, signal, mode === MODE_STREAM, req.maxBytes);
    } catch (e) {
      out = failed(e);
    }
    const status = out[0];
    if (status !== 0) {
      if (mode === MODE_STREAM && typeof out[1] !== 'string') return out[1];
      if (st.onResponse) hook(st.onResponse, { action: id, attempt: attempts, method: req.method, url: req.url, status, durationMs: Math.floor(Math.max(0, Date.now() - started)) });
      if (status >= 200 && status < 300 && mode !== MODE_STREAM) {
        if (req.kind === 't') return out[1];
        if (mode === MODE_VALUE && (req.kind === 'j' || req.kind === 'e')) {
          const parsed = plainResult(out[1], req.kind === 'e');
          if (parsed !== undefined) return parsed;
        }
      }
    }
    const extra = out[2] === undefined ? undefined : String(out[2]);
    const verdict = w._judge(index, mode === MODE_TEXT, req.timeoutMs, req.maxRetries, req.maxBytes, attempts, retries, status, out[1], extra, token !== undefined && !jwtRetried);
    switch (verdict[0]) {
      case 'v':
        try {
          return JSON.parse(verdict.slice(1));
        } catch {
          throw new IterableError('the JSON body could not be parsed', { code: 'InvalidResponse', action: id, attempts, retryable: false });
        }
      case 't':
        return verdict.slice(1);
      case 'j':
        // A refused JWT was not processed: refresh once and send again.
        jwtRetried = true;
        stale = token;
        continue;
      case 'r': {
        const nl = verdict.indexOf('\n');
        const ms = +verdict.slice(1, nl);
        retries++;
        if (st.onRetry) hook(st.onRetry, { action: id, attempt: attempts, delayMs: ms, error: makeError(verdict.slice(nl + 1)) });
        if (!(await wait(ms, signal))) throw fail('aborted');
        continue;
      }
      default:
        throw makeError(verdict.slice(1), status === 0 && out[1] === 'network' ? out[3] : undefined);
    }
  }
}
