// Deno's common attempt (see transport.js: the global fetch, no caller's signal, not streaming),
// installed by the Deno entry only. Deno's fetch costs a call about twice what the same exchange
// costs on a socket of its own (bench/diag/deno-transport.mjs, 127.0.0.1, interleaved: a GET over
// Deno.connect 0.43x fetch's time; node:http 1.02-1.09x and the undici package 0.95x, both over
// Deno's node:net). So the attempt is one HTTP/1.1 exchange on a kept-alive connection of ours
// (Deno.connect, then Deno.startTls for https, which trusts what fetch trusts: the same root
// store, --cert and DENO_CERT), and everything fetch did for it is done here:
// - the request as fetch writes it: the same head, field by field and in its order (lower-case
//   names; `accept-language: *`, Deno's `user-agent`, `accept-encoding: gzip,br` (decoded here,
//   deflate too), `host`; `content-length` of a body);
// - the response: its head (1xx heads skipped), a body framed by content-length, chunks, or the
//   connection's end; a malformed or truncated one is a network error, as fetch's is;
// - the time limit: the shared timer of transport.js calls abort(), which closes the connection
//   and ends the attempt at once;
// - no redirect followed: a 3xx ends the attempt with its status and Location;
// - the body as text: UTF-8, a byte order mark dropped, invalid bytes replaced;
// - the size bound: a declared length over it ends the attempt at the head, a body is counted as
//   it arrives (a compressed one's decoded bytes bounded by zlib's maxOutputLength);
// - connections: one exchange at a time each, kept per origin while idle (closed after 4 s, or
//   at once when the server closes one: an idle connection always has a read waiting, which
//   never keeps the process alive), never reused after `connection: close`, HTTP/1.0, a body read
//   to its end or anything unexpected.
// Fetch stays in use (transport.js's own attempt) where this could differ from it: a program that
// put its own fetch on globalThis, a process that may use a proxy (any *_PROXY variable, or no
// permission to read the environment, which would prompt), a port fetch refuses, a runtime
// without Deno.connect.

import { deadlines, failed, movedDetail, useAttempt, watch } from './transport.js';
import { decode } from './decode.js';

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder();
const encoder = new TextEncoder();
/** The longest response head read (fetch's own limit is of the same order). */
const HEAD_MAX = 64 * 1024;
/** An idle connection is closed after this long (servers commonly close theirs after 5 s). */
const IDLE_MS = 4000;
const READ_SIZE = 64 * 1024;
/** Idle connections kept per origin at most. */
const MAX_IDLE = 32;
const EMPTY = new Uint8Array(0);

/** The ports fetch refuses to connect to (the Fetch standard's list). */
const BAD_PORTS = new Set([1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080]);

/** Idle connections by origin ("http://host:port"), the most recent last. */
const idle = new Map();
let ownFetch;
let direct;

/** Makes Deno's attempts go over connections of ours (see above), where that is safe. */
export function install() {
  if (typeof Deno?.connect !== 'function' || typeof Deno?.startTls !== 'function') return;
  ownFetch = globalThis.fetch;
  useAttempt((url, init, timeoutMs, maxBytes) => {
    if (globalThis.fetch !== ownFetch || !(direct ??= noProxy())) return undefined;
    const target = parseUrl(url);
    // A port fetch refuses (its "bad ports") keeps fetch's answer.
    if (!target || BAD_PORTS.has(target.port)) return undefined;
    return new Promise((settle) => exchange(watch(new Exchange(settle, url, maxBytes), timeoutMs), target, init));
  });
}

/** Whether fetch would connect directly: the environment may be read without a prompt and names
 * no proxy (fetch reads HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and their lower-case forms). */
function noProxy() {
  try {
    if (Deno.permissions?.querySync?.({ name: 'env' })?.state !== 'granted') return false;
    return !['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY'].some((v) => Deno.env.get(v) || Deno.env.get(v.toLowerCase()));
  } catch {
    return false;
  }
}

/** The wasm's URL (absolute, http(s), normalized) cut into what a connection needs. */
function parseUrl(url) {
  const m = /^(https?):\/\/(\[[^\]]+\]|[^/:?#]+)(?::(\d+))?(\/[^#]*)?$/.exec(url);
  if (!m) return undefined;
  const tls = m[1] === 'https';
  const port = m[3] ? +m[3] : tls ? 443 : 80;
  const host = m[2];
  const authority = m[3] ? `${host}:${m[3]}` : host;
  return { tls, hostname: host.startsWith('[') ? host.slice(1, -1) : host, port, authority, origin: `${m[1]}://${authority}`, path: m[4] || '/' };
}

/** One attempt, and its entry under transport.js's shared timer. */
class Exchange {
  constructor(settle, url, maxBytes) {
    this.settle = settle;
    this.url = url;
    this.max = maxBytes;
    this.done = false;
    this.connecting = undefined;
    this.conn = undefined;
  }

  /** The time limit came: the attempt ends now, its connect is aborted or its connection closed. */
  abort() {
    if (this.done) return;
    this.finish([0, 'timeout', '']);
    this.connecting?.abort();
    this.conn?.close();
  }

  finish(out) {
    if (this.done) return;
    this.done = true;
    deadlines.delete(this);
    this.settle(out);
  }
}

/** A connection of ours: its reads go through `read()`, one waiting at a time. */
class Connection {
  constructor(raw, origin) {
    this.raw = raw;
    this.origin = origin;
    this.buf = new Uint8Array(READ_SIZE);
    this.pending = undefined;
    this.closed = false;
    this.reused = false;
    this.timer = undefined;
  }

  /** The next bytes (a copy), or null at the end of the stream. */
  read() {
    const p = this.pending ?? this.raw.read(this.buf).then((n) => (n === null ? null : this.buf.slice(0, n)));
    this.pending = undefined;
    return p;
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    try {
      this.raw.close();
    } catch {
      // Already closed.
    }
  }
}

/** A new connection for `ex`. The time limit aborts the connect (its signal) or, once connected,
 * closes the connection, which ends a TLS handshake in progress too (it runs with the first
 * write and read). */
async function open(target, ex) {
  const connecting = (ex.connecting = new AbortController());
  const tcp = await Deno.connect({ hostname: target.hostname, port: target.port, signal: connecting.signal });
  ex.connecting = undefined;
  try {
    // Each request is one write: sent at once, as fetch's are.
    tcp.setNoDelay?.(true);
  } catch {
    // Not offered here: the write still goes out whole.
  }
  const raw = target.tls ? await Deno.startTls(tcp, { hostname: target.hostname, alpnProtocols: ['http/1.1'] }) : tcp;
  return new Connection(raw, target.origin);
}

/** An idle connection to `origin`, taken out of the pool, or undefined. */
function take(origin) {
  const list = idle.get(origin);
  const conn = list?.pop();
  if (list && !list.length) idle.delete(origin);
  if (!conn) return undefined;
  clearTimeout(conn.timer);
  conn.raw.ref?.();
  conn.reused = true;
  return conn;
}

/** Puts a connection whose exchange ended cleanly back in the pool, with a read waiting: bytes
 * or an end before its next request mean the server is done with it. */
function keep(conn) {
  conn.raw.unref?.();
  const waiting = conn.read().catch(() => null);
  conn.pending = waiting;
  waiting.then(() => {
    // Still idle when the read ended: the server closed it (or spoke out of turn).
    if (conn.pending === waiting) drop(conn);
  });
  conn.timer = setTimeout(() => drop(conn), IDLE_MS);
  Deno.unrefTimer?.(conn.timer);
  let list = idle.get(conn.origin);
  if (!list) idle.set(conn.origin, (list = []));
  list.push(conn);
  // A burst of parallel calls leaves as many connections: the oldest beyond the cap are closed.
  while (list.length > MAX_IDLE) drop(list[0]);
}

function drop(conn) {
  const list = idle.get(conn.origin);
  const i = list ? list.indexOf(conn) : -1;
  if (i >= 0) list.splice(i, 1);
  if (list && !list.length) idle.delete(conn.origin);
  conn.close();
}

/** The request's bytes, as Deno's fetch writes them (its header order too). */
function requestBytes(target, init) {
  const body = init.body === undefined ? undefined : encoder.encode(init.body);
  let head = `${init.method} ${target.path} HTTP/1.1\r\n`;
  if (body) head += `content-length: ${body.length}\r\n`;
  for (const [name, value] of Object.entries(init.headers)) {
    // (The wasm checks every header it makes; a token from a JWT provider is checked too.)
    if (/[\r\n]/.test(value)) throw new TypeError(`the ${name} header holds a line break`);
    head += `${name.toLowerCase()}: ${value}\r\n`;
  }
  head += `accept-language: *\r\nuser-agent: Deno/${Deno.version?.deno ?? ''}\r\naccept-encoding: gzip,br\r\nhost: ${target.authority}\r\n\r\n`;
  if (!body) return encoder.encode(head);
  const start = encoder.encode(head);
  const bytes = new Uint8Array(start.length + body.length);
  bytes.set(start);
  bytes.set(body, start.length);
  return bytes;
}

async function exchange(ex, target, init) {
  let bytes;
  try {
    bytes = requestBytes(target, init);
  } catch (e) {
    return ex.finish(failed(e));
  }
  // A kept connection the server closed just as this request went out fails before any byte of
  // an answer: a request that cannot have changed anything (GET, HEAD) is sent once more, on a
  // new connection; any other ends as a network error (the client's retry policy decides).
  const again = init.method === 'GET' || init.method === 'HEAD';
  for (let tries = 0; ; tries++) {
    let conn;
    try {
      conn = take(target.origin) ?? (await open(target, ex));
    } catch (e) {
      return ex.finish(failed(e));
    }
    if (ex.done) return drop(conn);
    ex.conn = conn;
    const answer = new Answer(conn, init.method === 'HEAD');
    try {
      for (let at = 0; at < bytes.length; ) at += await conn.raw.write(at ? bytes.subarray(at) : bytes);
      const out = await answer.read(ex);
      if (ex.done) return conn.close();
      if (answer.reusable) keep(conn);
      else conn.close();
      ex.conn = undefined;
      if (out[0] !== 0) out[1] = utf8.decode(out[1]);
      return ex.finish(out);
    } catch (e) {
      conn.close();
      if (ex.done) return;
      if (conn.reused && again && tries === 0 && !answer.started) continue;
      return ex.finish(failed(e));
    }
  }
}

/** Reads one response from a connection. */
class Answer {
  constructor(conn, head) {
    this.conn = conn;
    this.headOnly = head;
    this.started = false;
    this.reusable = false;
    this.data = EMPTY;
  }

  /** The next bytes from the connection, or null at its end. */
  async next() {
    const chunk = await this.conn.read();
    if (chunk !== null) this.started = true;
    return chunk;
  }

  /** More bytes appended to `data` (for a head or a chunk-size line, both bounded by HEAD_MAX);
   * false at the end of the stream. */
  async more() {
    const chunk = await this.next();
    if (chunk === null) return false;
    this.data = this.data.length ? join([this.data, chunk], this.data.length + chunk.length) : chunk;
    return true;
  }

  /** [status, body bytes, Retry-After] or a failure, for the attempt to finish with. */
  async read(ex) {
    for (;;) {
      const end = await this.head();
      const head = latin1.decode(this.data.subarray(0, end));
      this.data = this.data.subarray(end + 4);
      const m = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?\r?(?:\n|$)/.exec(head);
      if (!m) throw new Error('the response is not HTTP/1.1');
      const status = +m[2];
      if (status === 101) throw new Error('unexpected protocol upgrade');
      if (status < 200) continue;
      const nl = head.indexOf('\n');
      const fields = headers(nl < 0 ? '' : head.slice(nl + 1));
      const length = fields.get('content-length');
      const chunked = /(?:^|,)\s*chunked\s*$/i.test(fields.get('transfer-encoding') ?? '');
      const encoding = (fields.get('content-encoding') ?? '').trim().toLowerCase();
      const closes = m[1] === '0' || /(?:^|,)\s*close\s*(?:,|$)/i.test(fields.get('connection') ?? '');
      if (length !== undefined && (chunked || !/^\d+$/.test(length))) throw new Error('the response has an invalid content-length');
      const wait = status >= 200 && status < 300 ? undefined : fields.get('retry-after');
      if (status >= 300 && status < 400 && status !== 304) return [0, 'redirect', movedDetail(status, fields.get('location') ?? '', ex.url)];
      if (length !== undefined && +length > ex.max) return [0, 'large', status];
      const limit = encoding && encoding !== 'identity' ? ex.max + (ex.max >> 6) + 65536 : ex.max;
      let body;
      if (this.headOnly || status === 204 || status === 304) body = new Uint8Array(0);
      else if (chunked) body = await this.chunks(limit);
      else if (length !== undefined) body = await this.exactly(+length);
      else body = await this.toEnd(limit);
      if (body === null) return [0, 'large', status];
      this.reusable = !closes && (chunked || length !== undefined || this.headOnly || status === 204 || status === 304) && !this.data.length;
      if (encoding && encoding !== 'identity') {
        const decoded = await decode(body, encoding, ex.max);
        if (decoded === null) return [0, 'large', status];
        body = decoded;
      } else if (body.length > ex.max) return [0, 'large', status];
      return [status, body, wait];
    }
  }

  /** Reads until the head's blank line; its offset in `data`. */
  async head() {
    for (let from = 0; ; ) {
      const d = this.data;
      for (let i = Math.max(0, from - 3); i + 3 < d.length; i++) {
        if (d[i] === 13 && d[i + 1] === 10 && d[i + 2] === 13 && d[i + 3] === 10) return i;
      }
      if (d.length > HEAD_MAX) throw new Error('the response head is too large');
      from = d.length;
      if (!(await this.more())) throw new Error(this.started ? 'the connection closed inside the response head' : 'the connection closed before a response');
    }
  }

  /** The next `n` bytes (pieces gathered, joined once). */
  async exactly(n) {
    const parts = [this.data];
    let got = this.data.length;
    while (got < n) {
      const chunk = await this.next();
      if (chunk === null) throw new Error('the connection closed before the end of the body');
      parts.push(chunk);
      got += chunk.length;
    }
    const all = parts.length === 1 ? parts[0] : join(parts, got);
    this.data = all.subarray(n);
    return all.subarray(0, n);
  }

  /** Everything up to the connection's end, or null past `limit`. */
  async toEnd(limit) {
    const parts = [this.data];
    let got = this.data.length;
    for (let chunk; (chunk = await this.next()) !== null; ) {
      if ((got += chunk.length) > limit) return null;
      parts.push(chunk);
    }
    this.data = EMPTY;
    return join(parts, got);
  }

  /** A chunked body (its extensions and trailers read past), or null past `limit`. */
  async chunks(limit) {
    const parts = [];
    let total = 0;
    for (;;) {
      const line = await this.line();
      const size = /^([0-9a-fA-F]+)[ \t]*(?:;.*)?$/.exec(line);
      if (!size || size[1].length > 12) throw new Error('the response has an invalid chunk size');
      const n = parseInt(size[1], 16);
      if (n === 0) break;
      if ((total += n) > limit) return null;
      parts.push(await this.exactly(n));
      if ((await this.line()) !== '') throw new Error('the response has a malformed chunk');
    }
    while ((await this.line()) !== '');
    return join(parts, total);
  }

  /** One CRLF-ended line of the chunked framing (without its end). */
  async line() {
    for (;;) {
      const i = this.data.indexOf(10);
      if (i >= 0) {
        const line = latin1.decode(this.data.subarray(0, i > 0 && this.data[i - 1] === 13 ? i - 1 : i));
        this.data = this.data.subarray(i + 1);
        return line;
      }
      if (this.data.length > HEAD_MAX) throw new Error('the response has a malformed chunk');
      if (!(await this.more())) throw new Error('the connection closed before the end of the body');
    }
  }
}

/** `parts` joined into one array of `length` bytes. */
function join(parts, length) {
  const all = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

/** A head's fields by lower-case name; repeated ones joined with ", " (as Headers.get does). */
function headers(text) {
  const fields = new Map();
  for (const line of text.split('\n')) {
    const l = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (!l) continue;
    const colon = l.indexOf(':');
    if (colon <= 0 || /[\s]/.test(l[0])) throw new Error('the response has a malformed header');
    const name = l.slice(0, colon).trim().toLowerCase();
    const value = l.slice(colon + 1).trim();
    const had = fields.get(name);
    if (name === 'content-length' && had !== undefined && had !== value) throw new Error('the response has conflicting content-length headers');
    fields.set(name, had === undefined || name === 'content-length' ? value : `${had}, ${value}`);
  }
  return fields;
}
