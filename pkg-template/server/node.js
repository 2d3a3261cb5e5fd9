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
/** How long a connection whose body was refused stays half-open (answered and FIN sent, nothing
 * more read) so the client reads the answer before the close; then it is destroyed. */
const LINGER_MS = 1000;

/** Reads a node request body up to `limit` bytes. Past it the request is paused at once (node then
 * stops reading the socket: at most what its last read already held is taken in), what was read is
 * dropped and the 413 Refusal is thrown. */
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
        req.pause();
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

/** Whether a request has a body that has not all arrived yet. */
const bodyUnread = (req) => !req.complete && (req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length']) > 0);

/**
 * Answers a request whose body is still arriving and closes its connection without reading any
 * more of it, so a refused body costs nothing past what was read when it was refused, however
 * much the client goes on sending. The answer goes out whole, then a FIN (the client sees the
 * answer end); the socket is destroyed LINGER_MS later (sooner if node sees the client close),
 * which gives the client time to read the answer: closed at once, a socket with unread input
 * sends a reset that can overtake it (undici then fails with EPIPE instead of reading the 413).
 */
function answerUnread(req, res, body) {
  req.pause();
  const socket = req.socket;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  socket.once('close', () => clearTimeout(timer));
  res.write(body, () => socket.end());
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
    // A body still arriving (a 413, or a 403 before the body was read) is not read on: the
    // connection closes after the answer, whatever the client goes on sending.
    const unread = bodyUnread(req);
    if (!res.headersSent) res.writeHead(r.status, { 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...extra, ...r.headers, ...(unread ? { connection: 'close' } : {}) });
    log(`${req.method} ${String(req.url).slice(0, 200)} -> ${r.status} (refused: ${r.message})`);
    if (unread) answerUnread(req, res, body);
    else res.end(body);
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
