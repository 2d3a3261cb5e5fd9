// The in-process sandbox: an emulator of the Iterable API behind a fetch-compatible function.
//
//   const sb = await createSandbox({ seed: 1, clock: '2024-01-01T00:00:00Z' }, instantiate);
//   const res = await sb.fetch('https://api.iterable.com/api/lists', { headers: { 'Api-Key': 'k' } });
//
// `instantiate` is one of ./load.<runtime>.js's exports (it returns the wasm-bindgen module).
// Options: seed (a number for the PRNG, or "demo": start from the demo project — thousands of
// users, lists, templates of each channel, campaigns in every state, a catalog, journeys, a
// finished export), clock (ISO string or epoch ms; default: the current time), faults
// {rate, statuses, latencyMs}, rateLimits (boolean), stepMs (simulated ms per request, 1000),
// state (a dump() to start from, object or JSON text), apiKeys (the only keys accepted; default:
// any non-empty key), jwtKeys ([{key, secret}]: keys that also need an HS256 JWT).

const BODYLESS = new Set([101, 204, 205, 304]);

function abortReason(signal) {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function bodyText(body) {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return new TextDecoder().decode(body);
  if (typeof Blob !== 'undefined' && body instanceof Blob) return body.text();
  if (typeof ReadableStream !== 'undefined' && body instanceof ReadableStream) return new Response(body).text();
  return String(body);
}

export async function createSandbox(options, instantiate) {
  if (typeof instantiate !== 'function') throw new TypeError('createSandbox: pass the runtime loader (instantiate)');
  const { state, ...opts } = options && typeof options === 'object' ? options : {};
  if (opts.clock === undefined) opts.clock = Date.now();
  if (opts.clock instanceof Date) opts.clock = opts.clock.getTime();
  const mod = await instantiate();
  const sandbox = new mod.Sandbox(JSON.stringify(opts));
  if (state !== undefined && state !== null) sandbox.load(typeof state === 'string' ? state : JSON.stringify(state));

  let listener = null;
  async function sandboxFetch(input, init = {}) {
    const isRequest = typeof Request !== 'undefined' && input instanceof Request;
    const url = isRequest ? input.url : String(input);
    const method = (init.method ?? (isRequest ? input.method : 'GET')).toUpperCase();
    const signal = init.signal ?? (isRequest ? input.signal : undefined);
    if (signal?.aborted) throw abortReason(signal);
    const headers = {};
    new Headers(init.headers ?? (isRequest ? input.headers : undefined)).forEach((v, k) => {
      headers[k] = v;
    });
    let body = await bodyText(init.body);
    if (body === undefined && isRequest && init.body === undefined && method !== 'GET' && method !== 'HEAD') {
      body = await input.clone().text();
      if (body === '') body = undefined;
    }
    if (signal?.aborted) throw abortReason(signal);
    const out = JSON.parse(sandbox.handle(method, url, JSON.stringify(headers), body));
    if (listener) {
      // The answer waits for the change to be kept (a journal's append).
      const kept = listener(out.change ?? null, out.change ? { method, url, accept: headers.accept, body } : null);
      if (kept) await kept;
    }
    if (out.delayMs > 0) await sleep(out.delayMs, signal);
    const payload = BODYLESS.has(out.status) || method === 'HEAD' ? null : out.body;
    return new Response(payload, { status: out.status, headers: out.headers });
  }

  return {
    fetch: sandboxFetch,
    dump: () => JSON.parse(sandbox.dump()),
    /** The same state as JSON text (what a state file holds), without building the object. */
    dumpText: () => sandbox.dump(),
    /** The same text handed to write(piece) in pieces of about 1 MiB, never as one string. */
    dumpTo: (write) => sandbox.dumpTo({ write }),
    load(state) {
      sandbox.load(typeof state === 'string' ? state : JSON.stringify(state));
    },
    reset: () => sandbox.reset(),
    /** The state as UTF-8 bytes (also past a string's ~512 MB limit), and back. */
    dumpBytes: () => sandbox.dumpBytes(),
    loadBytes: (bytes) => sandbox.loadBytes(bytes),
    /**
     * Loads a state read a piece at a time from `source`: { rewind() (back to its start),
     * read(max) (the next bytes, at most max, as a Uint8Array; an empty one at the end) }. It is
     * read twice from the start and never held whole, so a state file larger than a string (or
     * than the memory left for a second copy) loads.
     */
    loadFrom(source) {
      const failure = (e) => String(e?.message ?? e);
      sandbox.loadFrom({
        rewind() {
          try {
            source.rewind();
          } catch (e) {
            throw failure(e);
          }
        },
        read(max) {
          try {
            return source.read(max);
          } catch (e) {
            throw failure(e);
          }
        },
      });
    },
    /** Applies one journal record (JSON text; see ../server/state-file.js); the handler's status. */
    replay: (record) => sandbox.replay(record),
    /** `{"clock","rng"}` as JSON text: the simulated clock and PRNG, without a dump. */
    clockState: () => sandbox.clock(),
    /**
     * fn(change, request) after each request: change is what the emulator reports it changed
     * (null for a read or a refused request), request { method, url, accept, body }; a promise
     * it returns is awaited before the answer is given. null: no listener.
     */
    track(fn) {
      listener = typeof fn === 'function' ? fn : null;
    },
    outbox: () => JSON.parse(sandbox.outbox()),
    actionIds: () => JSON.parse(mod.Sandbox.actionIds()),
  };
}
