// One HTTP attempt, whole, on the JS side of the transport: the wasm decides everything (URL,
// method, headers, body, time limit) and crosses the boundary once per attempt. Doing the
// AbortController, timer, listeners, fetch and body read here replaced ~25 wasm<->JS calls per
// attempt (the largest part of the client's own per-call cost in the Node profile).
//
// Resolves, never rejects, with an array:
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
// `reasons` are the two Error objects our controller aborts with: fetch rejects with the reason,
// and some fetch wrappers mishandle a rejection that is not an Error.

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

const refused = (res, url) => {
  let where = '';
  try {
    const location = res.headers.get('location');
    if (location) where = new URL(location, url).href;
  } catch {
    // An unparsable Location: the error just cannot name it.
  }
  release(res.body);
  return `${res.status}\n${where}`;
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

// AbortSignal.timeout where the runtime has it: no controller to make and no timer to clear,
// ~8 µs a call less than both in Deno (bench/diag/transport-variants.mjs). Used
// for the common attempt only: the global fetch (a request on a socket keeps Node and Deno alive
// until the unreferenced timer fires; a custom fetch might be a pure-JS stand-in that only the
// timer can end), no caller's signal (that stays linked through our controller), not streaming
// (a stream's time limit covers its head only, so its timer must be cleared).
// Not in Node: there AbortSignal.timeout registers a weak timer and a finalizer per signal and
// measured 2-6 µs slower than the controller and timer it would replace.
const inNode = typeof Deno === 'undefined' && typeof process === 'object' && typeof process?.versions?.node === 'string';
const timeoutSignal = !inNode && typeof AbortSignal === 'function' && typeof AbortSignal.timeout === 'function' ? (ms) => AbortSignal.timeout(ms) : null;

/** The common attempt (see above): the response read whole, the time limit from AbortSignal.timeout. */
async function plain(url, init, timeoutMs, maxBytes) {
  const deadline = timeoutSignal(timeoutMs);
  init.signal = deadline;
  try {
    const res = await fetch(url, init);
    if (!(res instanceof Response)) throw new Error('fetch did not return a Response');
    if (redirected(res)) return [0, 'redirect', refused(res, url)];
    const text = await read(res, maxBytes);
    return text === null ? [0, 'large', res.status] : [res.status, text, res.headers.get('retry-after') ?? undefined];
  } catch (e) {
    return deadline.aborted ? [0, 'timeout', ''] : failed(e);
  }
}

const redirected = (res) => res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400 && res.status !== 304);

/** What fetch (or the body read) threw, when no time limit or signal explains it. */
function failed(e) {
  const permission = denied(e);
  if (permission) return [0, 'permission', permission, e];
  return [0, 'network', describe(e), e];
}

export async function attempt(fetchFn, url, method, headerLines, body, timeoutMs, signal, stream, maxBytes, timeoutReason, abortReason) {
  if (aborted(signal)) return [0, 'aborted', ''];
  const headers = {};
  const h = headerLines.split('\n');
  for (let i = 0; i + 1 < h.length; i += 2) headers[h[i]] = h[i + 1];
  if (timeoutSignal && !fetchFn && !signal && !stream) {
    const init = { method, headers, redirect: 'manual' };
    if (body !== undefined) init.body = body;
    return plain(url, init, timeoutMs, maxBytes);
  }
  const controller = new AbortController();
  const onAbort = () => controller.abort(abortReason);
  const timer = setTimeout(() => controller.abort(timeoutReason), timeoutMs);
  listen(signal, onAbort, true);
  const init = { method, headers, signal: controller.signal, redirect: 'manual' };
  if (body !== undefined) init.body = body;
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
    const retryAfter = res.headers.get('retry-after') ?? undefined;
    const text = await read(res, maxBytes);
    return text === null ? [0, 'large', status] : [status, text, retryAfter];
  } catch (e) {
    if (aborted(signal)) return [0, 'aborted', ''];
    if (controller.signal.aborted && controller.signal.reason === timeoutReason) return [0, 'timeout', ''];
    return failed(e);
  } finally {
    clearTimeout(timer);
    if (!keepListening) listen(signal, onAbort, false);
  }
}
