// Node's common attempt (see transport.js: the global fetch, no caller's signal, not streaming),
// installed by the Node entry only, so browsers never load it.
// Node's fetch is undici's fetch on undici's dispatcher. The attempt goes to that dispatcher
// directly (the one a program set with undici's setGlobalDispatcher, so its proxy or TLS set-up
// still applies), with a handler of our own: none of fetch's Request, Headers, Response and
// stream objects, no signal, no copy of the request. Measured side by side on 127.0.0.1 (3,000
// interleaved calls, bench/diag/PROFILE.md): 0.37x raw fetch's time for a GET, 0.29x for a 1 KB
// POST. What fetch did besides is done here:
// - the time limit: the shared timer of transport.js calls Attempt.abort, which cuts the request
//   through the abort function undici hands the handler (onConnect), and ends the attempt at once;
// - no redirect is followed (a dispatcher never follows one): a 3xx ends the attempt with its
//   status and Location;
// - gzip and deflate are asked for, as fetch asks, and decoded (br too, if a server sends it);
// - the body as text: UTF-8, a byte order mark dropped, invalid bytes replaced (as text() does);
// - the size bound: a declared length over it ends the attempt at the head, a body is counted as
//   it arrives (decoded bytes, bounded the same way, for a compressed one).
// Only while the global fetch is still Node's own: a program (or a test) that put its own fetch
// there (a stub, a mock, a wrapper) gets its fetch called, as before; so does a process whose
// first fetch has not run yet (undici's global dispatcher appears with it), or whose dispatcher
// has no `dispatch`. Those attempts are transport.js's own (fetch, a controller under the shared
// timer).

import { abortReasons, deadlines, failed, movedDetail, useAttempt, watch } from './transport.js';
import { decode } from './decode.js';

/** Where undici keeps the global dispatcher: its documented cross-version key. */
const UNDICI = Symbol.for('undici.globalDispatcher.1');
const utf8 = new TextDecoder();

/** Whether `f` is Node's own fetch: its source is Node's lazy loader of undici (Node 18-22:
 * `lazyUndici()` or `fetchImpl`); anything else is someone's own fetch. */
const nodeOwn = (f) => {
  try {
    return typeof f === 'function' && f.name === 'fetch' && /\blazyUndici\(\)|\bfetchImpl\b/.test(Function.prototype.toString.call(f));
  } catch {
    return false;
  }
};
/** The global fetch last looked at, and whether it is Node's own. */
let seen;
let own = false;

/** Makes Node's attempts go to undici's dispatcher (see above). */
export function install() {
  useAttempt((url, init, timeoutMs, maxBytes) => {
    const f = globalThis.fetch;
    if (f !== seen) own = nodeOwn((seen = f));
    const base = own ? globalThis[UNDICI] : undefined;
    if (typeof base?.dispatch !== 'function') return undefined;
    return new Promise((settle) => send(base, url, init, watch(new Attempt(settle, url, maxBytes), timeoutMs)));
  });
}

function send(base, url, init, attempt) {
  try {
    // The URL is the wasm's: absolute, http(s), normalized; the path starts at its first '/'
    // after the scheme's '//'.
    const cut = url.indexOf('/', url.indexOf('//') + 2);
    const origin = cut < 0 ? url : url.slice(0, cut);
    const path = cut < 0 ? '/' : url.slice(cut);
    const headers = init.headers;
    headers['Accept-Encoding'] = 'gzip, deflate';
    base.dispatch({ origin, path, method: init.method, headers, body: init.body }, attempt);
  } catch (e) {
    attempt.finish(failed(e));
  }
}

/** One attempt: undici's handler, and its entry under transport.js's shared timer. */
class Attempt {
  constructor(settle, url, maxBytes) {
    this.settle = settle;
    this.url = url;
    this.max = maxBytes;
    this.cut = undefined;
    this.done = false;
    this.status = 0;
    this.encoding = '';
    this.retryAfter = undefined;
    this.chunks = [];
    this.bytes = 0;
  }

  onConnect(abort) {
    this.cut = abort;
    if (this.done) abort(abortReasons()[0]);
  }

  onHeaders(status, raw) {
    if (this.done) return false;
    this.status = status;
    let length = '';
    let location = '';
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = String(raw[i]).toLowerCase();
      if (name === 'content-length') length = String(raw[i + 1]);
      else if (name === 'content-encoding') this.encoding = String(raw[i + 1]).trim().toLowerCase();
      else if (name === 'retry-after') this.retryAfter ??= String(raw[i + 1]);
      else if (name === 'location') location = String(raw[i + 1]);
    }
    if (status >= 300 && status < 400 && status !== 304) return this.stop([0, 'redirect', movedDetail(status, location, this.url)]);
    if (+length > this.max) return this.stop([0, 'large', status]);
    if (this.encoding === 'identity') this.encoding = '';
    return true;
  }

  onData(chunk) {
    if (this.done) return false;
    this.bytes += chunk.length;
    // A compressed body is bounded by its decoded size (see decode); its own bytes can pass that
    // only by a coding's framing (stored blocks: a few bytes per 64 KiB), so a margin bounds them.
    if (this.bytes > (this.encoding ? this.max + (this.max >> 6) + 65536 : this.max)) return this.stop([0, 'large', this.status]);
    this.chunks.push(chunk);
    return true;
  }

  onComplete() {
    if (this.done) return;
    const status = this.status;
    const body = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.bytes);
    this.chunks = [];
    const wait = status >= 200 && status < 300 ? undefined : this.retryAfter;
    if (!this.encoding) return this.finish([status, utf8.decode(body), wait]);
    decode(body, this.encoding, this.max).then(
      (bytes) => this.finish(bytes === null ? [0, 'large', status] : [status, utf8.decode(bytes), wait]),
      (e) => this.finish(failed(e)),
    );
  }

  onError(e) {
    this.finish(failed(e));
  }

  onUpgrade() {
    this.onError(new Error('unexpected protocol upgrade'));
  }

  onBodySent() {}

  /** The time limit came (transport.js's shared timer): the request is cut now if it started,
   * else as soon as it does; the attempt ends now. */
  abort(reason) {
    if (this.done) return;
    this.finish([0, 'timeout', '']);
    this.cut?.(reason);
  }

  /** Ends the attempt with `out` and cuts the request: for onHeaders and onData. */
  stop(out) {
    this.finish(out);
    try {
      this.cut?.(abortReasons()[0]);
    } catch {
      // Already over.
    }
    return false;
  }

  finish(out) {
    if (this.done) return;
    this.done = true;
    deadlines.delete(this);
    this.settle(out);
  }
}
