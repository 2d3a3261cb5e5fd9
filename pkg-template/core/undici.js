// Node's common attempt (see transport.js: the global fetch, no caller's signal, not streaming),
// installed by the Node entry only, so browsers never load it. Node's fetch is undici, and a time
// limit there costs no signal at all: fetch is given a dispatcher of our own per attempt, the
// `Watch`, which hands the request to the global dispatcher (so a proxy or TLS set up with
// undici's setGlobalDispatcher still applies) and keeps what the request's handler is told: the
// function that aborts the request (onConnect) and, for a 3xx, its status and Location
// (onHeaders). The shared timer of transport.js calls Watch.abort at the deadline, which cuts the
// request. redirect: "error" refuses a 3xx as "manual" does, and spares undici the copy of the
// request (a tee of a POST's body) that every other redirect mode makes.
// Measured side by side (3,000 interleaved calls on 127.0.0.1, bench/diag/PROFILE.md): a signal
// costs Node's fetch a listener, a WeakRef and a finalizer per request (+4-7 %), the copy ~25 µs
// per 1 KB POST; this attempt is 1.02x raw fetch for a GET and 0.91-0.95x for that POST.
// Where there is no global dispatcher yet (a process's first fetch makes it) or it has no
// `dispatch`, transport.js's own attempt (a controller under the shared timer) runs instead.

import { abortReasons, deadlines, failed, read, redirected, refused, release, retryAfter, useAttempt, watch } from './transport.js';

/** Where undici keeps the global dispatcher: its documented cross-version key. */
const UNDICI = Symbol.for('undici.globalDispatcher.1');

/** Makes Node's fetch take the attempts it can (see above). */
export function install() {
  useAttempt((url, init, timeoutMs, maxBytes) => {
    const base = globalThis[UNDICI];
    return typeof base?.dispatch === 'function' ? viaUndici(url, init, timeoutMs, maxBytes, base) : undefined;
  });
}

/** One attempt through Node's fetch, as fetch's dispatcher. */
class Watch {
  constructor(base, settle) {
    this.base = base;
    this.settle = settle;
    this.cut = undefined;
    this.expired = false;
    this.moved = undefined;
  }

  dispatch(opts, handler) {
    const watch = this;
    const onConnect = handler.onConnect;
    const onHeaders = handler.onHeaders;
    if (typeof onConnect === 'function') {
      handler.onConnect = function (abort, context) {
        watch.cut = abort;
        const out = onConnect.call(this, abort, context);
        if (watch.expired) abort(abortReasons()[0]);
        return out;
      };
    }
    if (typeof onHeaders === 'function') {
      handler.onHeaders = function (status, raw, resume, statusText) {
        if (status >= 300 && status < 400 && status !== 304) watch.moved = movedTo(status, raw, opts);
        return onHeaders.call(this, status, raw, resume, statusText);
      };
    }
    return this.base.dispatch(opts, handler);
  }

  /** The time limit came: the request is cut now if it started, else when it does; the attempt
   * ends now either way. */
  abort(reason) {
    this.expired = true;
    if (this.cut) this.cut(reason);
    this.settle([0, 'timeout', '']);
  }
}

/** "<status>\n<absolute Location or ''>" of a 3xx, from undici's raw header list. */
function movedTo(status, raw, opts) {
  let where = '';
  try {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (String(raw[i]).toLowerCase() === 'location') {
        where = new URL(String(raw[i + 1]), new URL(opts.path, opts.origin)).href;
        break;
      }
    }
  } catch {
    // An unparsable Location: the error just cannot name it.
  }
  return `${status}\n${where}`;
}

/** The common attempt through Node's fetch, `base` the global dispatcher. */
function viaUndici(url, init, timeoutMs, maxBytes, base) {
  return new Promise((settle) => {
    const w = watch(new Watch(base, settle), timeoutMs);
    init.dispatcher = w;
    init.redirect = 'error';
    undiciAttempt(w, url, init, maxBytes).then(settle);
  });
}

async function undiciAttempt(w, url, init, maxBytes) {
  try {
    const res = await fetch(url, init);
    if (!(res instanceof Response)) throw new Error('fetch did not return a Response');
    if (w.expired) return release(res.body), [0, 'timeout', ''];
    if (redirected(res)) return [0, 'redirect', refused(res, url)];
    const text = await read(res, maxBytes);
    return text === null ? [0, 'large', res.status] : [res.status, text, retryAfter(res)];
  } catch (e) {
    if (w.expired) return [0, 'timeout', ''];
    if (w.moved !== undefined || unexpectedRedirect(e)) return [0, 'redirect', w.moved ?? ''];
    return failed(e);
  } finally {
    deadlines.delete(w);
  }
}

/** undici's refusal of a 3xx under redirect: "error" (when a wrapper around fetch dropped our
 * dispatcher, the status and Location are unknown). */
const unexpectedRedirect = (e) => {
  try {
    return e instanceof TypeError && /unexpected redirect/.test(String(e.cause?.message ?? e.cause ?? ''));
  } catch {
    return false;
  }
};
