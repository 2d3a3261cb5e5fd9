// A fetch-style application (Request → Response) served on node:http with the guard's rules
// (./guard.js) and bounded time and connections: the sandbox server and `mcp --http` both run on
// it. Deno runs it too (its node:http ignores the limits it does not implement).
//
//   const srv = await serveLocal((request) => app(request), { port: 4010, maxBody: 8 << 20, ... });
//   srv.url; await srv.close();
import { createServer } from 'node:http';
import { Refusal, corsHeaders, decodeUtf8, screen, tooLarge } from './guard.js';

/** Time and connection limits of a local server (milliseconds; connections at once). */
export const LIMITS = { headersTimeoutMs: 10_000, requestTimeoutMs: 60_000, idleTimeoutMs: 300_000, maxConnections: 64 };

const BODYLESS = new Set([101, 204, 205, 304]);
/** How long, and how much of, a refused body is still read (and dropped) before the connection closes. */
const LINGER_MS = 1000;
const LINGER_BYTES = 1024 * 1024;

/** Reads a node request body up to `limit` bytes; past it, the rest is discarded as it arrives
 * (never held) and the 413 Refusal is thrown. */
function readNodeBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    const done = (fn, value) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      fn(value);
    };
    const onData = (c) => {
      size += c.length;
      if (size > limit) {
        chunks.length = 0;
        done(reject, tooLarge(limit));
      } else {
        chunks.push(c);
      }
    };
    const onEnd = () => done(resolve, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    const onError = (e) => done(reject, e);
    const onClose = () => done(reject, new Error('the client closed the connection'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/**
 * Serves `app(request, { signal })` (a WHATWG Request, resolving to a Response). Options:
 *   port, host          where to listen (host default 127.0.0.1)
 *   allowHosts          extra Host names served besides loopback ones
 *   corsOrigins         extra browser origins allowed besides loopback ones
 *   maxBody             bytes; larger bodies get 413 as soon as the count passes it
 *   cors                { methods, headers, expose }: this layer answers preflights and adds the
 *                       CORS headers; without it, OPTIONS and CORS are the app's
 *   utf8                bodies must be valid UTF-8 (400 otherwise)
 *   refusal             (status, message) => { type, body }: how a refusal's body reads
 *   headersTimeoutMs, requestTimeoutMs, idleTimeoutMs, maxConnections   see LIMITS
 *   log                 (line) => void, one line per request
 */
export async function serveLocal(app, options) {
  const { port = 0, host = '127.0.0.1', cors = null, utf8 = false, refusal, log = () => {} } = options;
  const policy = { allowHosts: options.allowHosts ?? [], corsOrigins: options.corsOrigins ?? [], maxBody: options.maxBody };
  const limits = { ...LIMITS, ...Object.fromEntries(Object.entries(options).filter(([k, v]) => k in LIMITS && v !== undefined)) };
  let base;

  const refuse = (req, res, r, extra = {}) => {
    const { type, body } = refusal(r.status, r.message);
    if (!res.headersSent) res.writeHead(r.status, { 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...extra, ...r.headers });
    log(`${req.method} ${String(req.url).slice(0, 200)} -> ${r.status} (refused: ${r.message})`);
    if (r.headers.connection !== 'close' || req.complete) return res.end(body);
    // A body still arriving past the limit: the answer goes out whole at once; what still comes
    // is read and dropped (never held) up to LINGER_BYTES (at most half the body limit, so what
    // a refused body costs stays under twice the limit), then left unread, and the connection
    // closes when the client pauses or LINGER_MS pass, so the client reads the 413 rather than
    // a reset, and memory stays bounded whatever it sends.
    res.write(body);
    let quiet;
    let dropped = 0;
    const linger = Math.min(LINGER_BYTES, Math.floor((policy.maxBody ?? LINGER_BYTES * 2) / 2));
    const stop = () => {
      clearTimeout(quiet);
      clearTimeout(cap);
      req.off('data', onData);
      if (!res.writableEnded) res.end();
      if (!req.complete) req.socket.destroy();
    };
    const cap = setTimeout(stop, LINGER_MS);
    const onData = (c) => {
      dropped += c.length;
      if (dropped > linger) return req.pause();
      clearTimeout(quiet);
      quiet = setTimeout(stop, 200);
    };
    req.on('data', onData);
    req.once('end', stop);
    req.once('close', stop);
    req.resume();
    quiet = setTimeout(stop, 200);
  };

  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // How often node checks the two timeouts above (its default, 30 s, would let a slow
      // client hold a connection that much longer).
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
      keepAliveTimeout: 5000,
    },
    async (req, res) => {
      const origin = req.headers.origin;
      // Refusals after the Origin check carry CORS headers, so a page can read why.
      const allowedCors = origin ? corsHeaders(origin) : {};
      try {
        const first = screen({ host: req.headers.host, origin, contentLength: req.headers['content-length'] }, policy);
        if (first) return refuse(req, res, first, first.status === 413 ? allowedCors : {});
        if (!String(req.url).startsWith('/')) return refuse(req, res, new Refusal(400, 'the request target must be a path'));
        if (cors && req.method === 'OPTIONS') {
          res.writeHead(204, corsHeaders(origin, cors));
          res.end();
          return;
        }
        const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
        let body;
        if (hasBody) {
          body = await readNodeBody(req, policy.maxBody);
          if (utf8) decodeUtf8(body);
        }
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
        const controller = new AbortController();
        res.once('close', () => {
          if (!res.writableFinished) controller.abort();
        });
        const response = await app(new Request(base + req.url, { method: req.method, headers, ...(hasBody && body.length ? { body } : {}), signal: controller.signal }), { signal: controller.signal });
        const out = { ...(cors ? corsHeaders(origin, { expose: cors.expose }) : {}) };
        response.headers.forEach((v, k) => {
          out[k] = v;
        });
        if (response.body && /^text\/event-stream/i.test(response.headers.get('content-type') ?? '') && req.method !== 'HEAD') {
          // A server-sent event stream goes out as each event comes (progress, questions to the
          // client), not at its end; the client going away cancels it.
          res.writeHead(response.status, out);
          res.flushHeaders();
          const reader = response.body.getReader();
          res.once('close', () => reader.cancel().catch(() => {}));
          for (;;) {
            const { done, value } = await reader.read();
            if (done || res.destroyed) break;
            res.write(value);
          }
          res.end();
          log(`${req.method} ${String(req.url).slice(0, 200)} -> ${response.status} (event stream)`);
          return;
        }
        const bytes = BODYLESS.has(response.status) || req.method === 'HEAD' ? null : Buffer.from(await response.arrayBuffer());
        if (bytes) out['content-length'] = String(bytes.length);
        res.writeHead(response.status, out);
        res.end(bytes);
        log(`${req.method} ${String(req.url).slice(0, 200)} -> ${response.status}`);
      } catch (e) {
        if (e instanceof Refusal) return refuse(req, res, e, allowedCors);
        if (res.destroyed) return;
        refuse(req, res, new Refusal(500, `internal error: ${e?.message ?? e}`), allowedCors);
      }
    },
  );
  server.maxConnections = limits.maxConnections;
  // node's header timeout starts with a connection's first byte: one that sends nothing at all
  // is closed after the same time.
  server.on('connection', (socket) => {
    const timer = setTimeout(() => {
      if (socket.bytesRead === 0) socket.destroy();
    }, limits.headersTimeoutMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  });
  // Sockets with no traffic at all (a request sent, its answer never read, ...) end too.
  server.setTimeout?.(limits.idleTimeoutMs, (socket) => socket.destroy());
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const addr = server.address();
  base = `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`;
  return {
    url: base,
    server,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}
