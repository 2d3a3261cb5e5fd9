// A scriptable, deliberately faulty HTTP/1.1 server for the fault-injection suite (Node and Deno).
//
//   import { startFaultServer, B } from './server.mjs';
//   const srv = await startFaultServer();
//   srv.script('/api/channels', B.json(429, {...}, {'retry-after': '0'}), B.json(200, {channels: []}));
//   ... make calls against srv.url ...
//   srv.count('/api/channels')  // requests that reached that path
//   srv.requests                // [{method, path, query, headers, raw, body, t, behaviour, processed}]
//   srv.reset();  await srv.close();
//
// Built on node:net, not node:http, so every fault is byte-exact in both Node and Deno: the HTTP
// framing is written by hand (a reset really is a socket torn down, a truncated body really is a
// Content-Length larger than what is sent). Binds 127.0.0.1 on a free port. Every response carries
// `Connection: close` and the socket is closed after it, so clients never reuse a connection (no
// transparent retry of a "stale pooled connection" inside fetch can blur the request counts).
//
// Scripting: each path has a queue of behaviours; each request takes the next one, and the last one
// repeats once the queue is down to it (so `script(p, B.hang())` hangs every request). A path with
// no script gets 404 {code: "NotFound"}. A behaviour may also be a function (request) => behaviour,
// for choices made on the request (see B.jwtGate).
//
// `processed` on a request record is false when the behaviour says the request was refused before
// any work (429, a 401 auth refusal): the check "a non-idempotent request body was seen at most once"
// counts only processed requests, since re-sending a 429'd track_event is the documented rule.
import net from 'node:net';

const REASONS = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized',
  403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 500: 'Internal Server Error',
  502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

const enc = new TextEncoder();
const now = () => performance.now();

/** Writes a complete response and closes the connection. */
function respond(sock, status, headers, body) {
  const bytes = typeof body === 'string' ? enc.encode(body) : (body ?? new Uint8Array(0));
  const head = statusAndHeaders(status, { 'content-length': String(bytes.length), ...headers });
  sock.write(head);
  if (bytes.length) sock.write(bytes);
  sock.end();
}

function statusAndHeaders(status, headers) {
  let out = `HTTP/1.1 ${status} ${REASONS[status] ?? 'Status'}\r\n`;
  const all = { connection: 'close', 'access-control-allow-origin': '*', ...headers };
  for (const [k, v] of Object.entries(all)) out += `${k}: ${v}\r\n`;
  return out + '\r\n';
}

/** Behaviours. Each is {name, status?, processed, run(sock, req, ctx)}. */
export const B = {
  /** A JSON response. */
  json(status, body, headers = {}) {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return {
      name: `json ${status}`, status, processed: status !== 429,
      run: (sock) => respond(sock, status, { 'content-type': 'application/json', ...headers }, text),
    };
  },
  /** A plain-text response. */
  text(status, text, headers = {}) {
    return {
      name: `text ${status}`, status, processed: status !== 429,
      run: (sock) => respond(sock, status, { 'content-type': 'text/plain; charset=utf-8', ...headers }, text),
    };
  },
  /** An HTML error page like a proxy or load balancer sends. */
  html(status, title = `${status} ${REASONS[status] ?? ''}`.trim(), headers = {}, extra = '') {
    const page = `<!DOCTYPE html>\n<html>\n<head><title>${title}</title></head>\n<body>\n<center><h1>${title}</h1></center>\n${extra}<hr><center>nginx</center>\n</body>\n</html>\n`;
    return {
      name: `html ${status}`, status, processed: status !== 429,
      run: (sock) => respond(sock, status, { 'content-type': 'text/html', ...headers }, page),
    };
  },
  /** A response with no body (Content-Length: 0). */
  empty(status, headers = {}) {
    return {
      name: `empty ${status}`, status, processed: status !== 429,
      run: (sock) => respond(sock, status, { 'content-type': 'application/json', ...headers }, ''),
    };
  },
  /** Tears the connection down without a response (RST where the runtime can, else a plain close). */
  reset() {
    return {
      name: 'reset', processed: true,
      run: (sock) => {
        if (typeof sock.resetAndDestroy === 'function') {
          try { sock.resetAndDestroy(); return; } catch { /* fall through */ }
        }
        sock.destroy();
      },
    };
  },
  /** Never answers; the socket stays open until the client gives up (or the server closes). */
  hang() {
    return { name: 'hang', processed: true, run: () => {} };
  },
  /**
   * Sends the headers and a few body bytes, then one more byte every intervalMs: each gap is shorter
   * than a typical timeout, the whole body much longer. Stops when the client goes away.
   */
  drip({ intervalMs = 100, totalMs = 10_000 } = {}) {
    return {
      name: 'drip', status: 200, processed: true,
      run: (sock, req, ctx) => {
        sock.write(statusAndHeaders(200, { 'content-type': 'application/json', 'content-length': '100000' }));
        sock.write('{"msg":"');
        const t0 = now();
        const timer = setInterval(() => {
          if (sock.destroyed || now() - t0 > totalMs) {
            clearInterval(timer);
            if (!sock.destroyed) sock.destroy();
            return;
          }
          sock.write('x');
        }, intervalMs);
        ctx.timers.add(timer);
      },
    };
  },
  /** Content-Length: 1000, about 40 bytes of body, then the server closes the connection. */
  truncated() {
    return {
      name: 'truncated', status: 200, processed: true,
      run: (sock) => {
        sock.write(statusAndHeaders(200, { 'content-type': 'application/json', 'content-length': '1000' }));
        sock.write('{"channels":[{"id":1,"name":"Email","chan');
        sock.end();
      },
    };
  },
  /** A 200 whose body is not JSON although it claims to be. */
  malformed() {
    return {
      name: 'malformed', status: 200, processed: true,
      run: (sock) => respond(sock, 200, { 'content-type': 'application/json' }, '{"channels":[{"id":1,"name":"Email",}]'),
    };
  },
  /** A valid JSON body of about `bytes` bytes: {"msg":"ok","code":"Success","params":{"blob":"xxx…"}}. */
  big(bytes = 10 * 1024 * 1024) {
    const prefix = '{"msg":"ok","code":"Success","params":{"blob":"';
    const suffix = '"}}';
    const blobLength = bytes - prefix.length - suffix.length;
    const body = enc.encode(prefix + 'x'.repeat(blobLength) + suffix);
    return {
      name: 'big', status: 200, processed: true, blobLength,
      run: (sock) => respond(sock, 200, { 'content-type': 'application/json' }, body),
    };
  },
  /**
   * A 200 JSON array of about `bytes` bytes, generated as it is written (never held whole) and
   * paced by the socket's backpressure; with `declare`, a Content-Length announces it, else it
   * is chunked. `stats.sent` counts the body bytes written; writing stops when the client leaves.
   */
  huge(bytes, { declare = false } = {}) {
    const piece = enc.encode(`"${'x'.repeat(65_530)}",`);
    const count = Math.ceil((bytes - 3) / piece.length);
    const total = 1 + count * piece.length + 2;
    const stats = { sent: 0, total };
    return {
      name: `huge ${declare ? 'declared' : 'chunked'}`, status: 200, processed: true, stats,
      run: (sock) => {
        const framed = (b) => (declare ? [b] : [enc.encode(`${b.length.toString(16)}\r\n`), b, enc.encode('\r\n')]);
        const send = (b) => { stats.sent += b.length; let ok = true; for (const part of framed(b)) ok = sock.write(part); return ok; };
        sock.write(statusAndHeaders(200, { 'content-type': 'application/json', ...(declare ? { 'content-length': String(total) } : { 'transfer-encoding': 'chunked' }) }));
        let n = -1; // -1: the opening bracket
        const pump = () => {
          while (!sock.destroyed && n < count) {
            if (!send(n++ < 0 ? enc.encode('[') : piece)) return sock.once('drain', pump);
          }
          if (!sock.destroyed) {
            send(enc.encode('0]'));
            sock.end(declare ? undefined : '0\r\n\r\n');
          }
        };
        pump();
      },
    };
  },
  /** 200 carrying Iterable's failure envelope. */
  errorBody200() {
    return B.json(200, { msg: 'x', code: 'BadParams', params: null });
  },
  /**
   * 401 {code: "InvalidJwtPayload"} when the request's bearer token is `expired`, else `otherwise`
   * (a behaviour). The 401 is not processed work.
   */
  jwtGate(expired, otherwise) {
    return (req) => {
      if (req.headers.authorization === `Bearer ${expired}`) {
        const b = B.json(401, { msg: 'JWT token is expired', code: 'InvalidJwtPayload', params: null });
        return { ...b, name: 'jwt 401', processed: false };
      }
      return otherwise;
    };
  },
  /** Runs `behaviour` (or a function of the request giving one) after `ms`. */
  delay(ms, behaviour) {
    return (req) => {
      const inner = typeof behaviour === 'function' ? behaviour(req) : behaviour;
      return {
        ...inner, name: `${inner.name} after ${ms} ms`,
        run: (sock, r, ctx) => {
          const timer = setTimeout(() => { ctx.timers.delete(timer); if (!sock.destroyed) inner.run(sock, r, ctx); }, ms);
          ctx.timers.add(timer);
        },
      };
    };
  },
  /**
   * Echoes the request's credentials back in the body (as a misbehaving proxy or a verbose error
   * page might): kind "json" | "text" | "html". For the redaction checks.
   */
  echo(status, kind = 'json', headers = {}) {
    return (req) => {
      const key = req.headers['api-key'] ?? '';
      const auth = req.headers.authorization ?? '';
      const said = `got Api-Key ${key} and Authorization ${auth}`;
      if (kind === 'text') return { ...B.text(status, said, headers), name: `echo text ${status}` };
      if (kind === 'html') return { ...B.html(status, `Denied ${key} ${auth}`, headers, `<p>${said}</p>\n`), name: `echo html ${status}` };
      return {
        ...B.json(status, { msg: said, code: status === 429 ? 'RateLimitExceeded' : 'BadParams', params: { apiKey: key, authorization: auth } }, headers),
        name: `echo json ${status}`,
      };
    };
  },
};

/** Minimal HTTP/1.1 request parser over a byte buffer: returns the request and bytes used, or null. */
function parseRequest(buf) {
  const end = indexOfCrlf2(buf);
  if (end < 0) return null;
  const head = new TextDecoder().decode(buf.subarray(0, end));
  const [line, ...lines] = head.split('\r\n');
  const [method, target] = line.split(' ');
  const headers = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  let pos = end + 4;
  let bodyBytes;
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const parts = [];
    for (;;) {
      const lineEnd = indexOf(buf, [13, 10], pos);
      if (lineEnd < 0) return null;
      const size = parseInt(new TextDecoder().decode(buf.subarray(pos, lineEnd)), 16);
      pos = lineEnd + 2;
      if (size === 0) {
        const trailerEnd = indexOf(buf, [13, 10], pos);
        if (trailerEnd < 0) return null;
        pos = trailerEnd + 2;
        break;
      }
      if (buf.length < pos + size + 2) return null;
      parts.push(buf.subarray(pos, pos + size));
      pos += size + 2;
    }
    bodyBytes = concat(parts);
  } else {
    const len = Number(headers['content-length'] ?? 0);
    if (buf.length < pos + len) return null;
    bodyBytes = buf.subarray(pos, pos + len);
    pos += len;
  }
  const u = new URL(target, 'http://127.0.0.1');
  const raw = new TextDecoder().decode(bodyBytes);
  let body = null;
  if (raw.length) {
    try { body = JSON.parse(raw); } catch { body = raw; }
  }
  return {
    used: pos,
    req: { method, path: u.pathname, query: Object.fromEntries(u.searchParams), headers, raw, body },
  };
}

function indexOfCrlf2(buf) { return indexOf(buf, [13, 10, 13, 10], 0); }
function indexOf(buf, pat, from) {
  outer: for (let i = from; i <= buf.length - pat.length; i++) {
    for (let j = 0; j < pat.length; j++) if (buf[i + j] !== pat[j]) continue outer;
    return i;
  }
  return -1;
}
function concat(parts) {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/**
 * Starts the server. Resolves to {url, port, requests, script(path, ...behaviours), count(path?),
 * bodyCount(raw, path?), processedBodyCount(raw, path?), times(path), reset(), close()}.
 */
export function startFaultServer({ host = '127.0.0.1', port = 0 } = {}) {
  const requests = [];
  const queues = new Map();
  const sockets = new Set();
  // Connections that carried a request (hung, dripping...). reset() closes only these: an idle
  // connection a client opened ahead of time (undici does after an abort) must survive, or the
  // next request dispatched on it fails with "other side closed" before the server sees it.
  const busy = new Set();
  const ctx = { timers: new Set() };

  function next(req) {
    const q = queues.get(req.path);
    if (!q || q.length === 0) {
      return B.json(404, { msg: `No script for ${req.method} ${req.path}`, code: 'NotFound', params: null });
    }
    let b = q.length > 1 ? q.shift() : q[0];
    if (typeof b === 'function') b = b(req);
    return b;
  }

  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => { sockets.delete(sock); busy.delete(sock); });
    sock.on('error', () => {});
    let buf = new Uint8Array(0);
    let handled = false;
    sock.on('data', (chunk) => {
      if (handled) return; // one request per connection (Connection: close)
      buf = concat([buf, chunk]);
      const parsed = parseRequest(buf);
      if (!parsed) return;
      handled = true;
      busy.add(sock);
      const { req } = parsed;
      if (req.method === 'OPTIONS') {
        respond(sock, 204, {
          'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
          'access-control-allow-headers': 'Content-Type, Api-Key, Accept, Authorization',
        }, '');
        return;
      }
      const b = next(req);
      const seen = { ...req, t: now(), closed: undefined, behaviour: b.name, processed: b.processed !== false };
      requests.push(seen);
      // When the connection ends (the client cut a hung request, or the server closed it).
      sock.once('close', () => { seen.closed = now(); });
      try {
        b.run(sock, req, ctx);
      } catch (e) {
        sock.destroy();
        throw e;
      }
    });
  });

  const api = {
    requests,
    /** Replaces the queue of a path. */
    script(path, ...behaviours) {
      queues.set(path, behaviours.flat());
      return api;
    },
    /** Requests seen, for one path or all. */
    count(path) {
      return path === undefined ? requests.length : requests.filter((r) => r.path === path).length;
    },
    /** Requests seen with exactly this raw body (optionally on one path). */
    bodyCount(raw, path) {
      return requests.filter((r) => r.raw === raw && (path === undefined || r.path === path)).length;
    },
    /** Same, counting only requests the server did work for (not refused with 429/401). */
    processedBodyCount(raw, path) {
      return requests.filter((r) => r.processed && r.raw === raw && (path === undefined || r.path === path)).length;
    },
    /** Arrival times (performance.now() ms) of the requests to a path. */
    times(path) {
      return requests.filter((r) => r.path === path).map((r) => r.t);
    },
    /** Forgets requests and scripts, and drops connections that carried a request (hung, dripping). */
    reset() {
      requests.length = 0;
      queues.clear();
      for (const t of ctx.timers) { clearInterval(t); clearTimeout(t); }
      ctx.timers.clear();
      for (const s of busy) s.destroy();
      busy.clear();
    },
    close() {
      api.reset();
      for (const s of sockets) s.destroy();
      sockets.clear();
      return new Promise((r) => server.close(() => r()));
    },
  };

  return new Promise((resolveStart, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: p } = server.address();
      api.port = p;
      api.url = `http://${host}:${p}`;
      resolveStart(api);
    });
  });
}
