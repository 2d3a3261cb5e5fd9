// A fake Iterable API for the Rust client's wasm tests (the crate in Chromium through wasm-pack, the
// browser example, the Worker example). Binds 127.0.0.1 only; CORS answers loopback origins only
// (the origin echoed, never "*"); bodies read are bounded; every delayed answer is bounded in time.
//
//   import { startFake } from './fake.mjs';
//   const fake = await startFake();   // fake.url = "http://127.0.0.1:PORT"; await fake.close()
//   node tests/rust-wasm/fake.mjs      // prints the URL, serves until killed
//
// What a request gets depends on its Api-Key, so tests running at once never share state:
//   "bad-key"    → 401 BadApiKey
//   "k-flaky…"   → 503 on that key's first request, then the normal answer
//   "k-429…"     → 429 with Retry-After: 1 on the first request, then the normal answer
//   "k-slow…"    → the answer after 5 s (the caller's timeout fires first)
//   "k-redirect…"→ 302 to another origin (which must never be followed)
//   "k-big…"     → a 200 whose body is 4,000 bytes
//   anything else: the routes below.
// Routes: GET /api/lists, GET /api/users/getFields, GET /api/users/getByEmail?email=, POST /api/events/track,
// POST /api/users/update (400 BadParams for email "exists@example.com"), else 404 NotFound.
// GET /_log/<key> answers the requests that key sent (method, path, query, content-type, api-key,
// body as received), OPTIONS preflights excluded; tests compare them with what the client built.
import http from 'node:http';
import { fileURLToPath } from 'node:url';

const MAX_BODY = 1 << 20;
const LISTS = [
  { id: 10, name: 'Newsletter', createdAt: 1700000000000, listType: 'Standard' },
  { id: 11, name: 'VIP', createdAt: 1700000001000, listType: 'Standard' },
];

/** The Origin when it is a loopback page (http or https, any port), else null. */
function loopbackOrigin(origin) {
  if (!origin) return null;
  try {
    const u = new URL(origin);
    return ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname) && u.origin === origin ? origin : null;
  } catch {
    return null;
  }
}

function corsHeaders(req) {
  const origin = loopbackOrigin(req.headers.origin);
  if (!origin) return { vary: 'Origin' };
  return {
    vary: 'Origin',
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
    'access-control-allow-headers': 'Content-Type, Api-Key, Accept',
    'access-control-expose-headers': 'Retry-After',
    // The wasm-bindgen test page is cross-origin isolated (COEP require-corp).
    'cross-origin-resource-policy': 'cross-origin',
  };
}

const envelope = (code, msg, params = null) => ({ msg, code, params });

function route(method, path, query, body) {
  if (method === 'GET' && path === '/api/lists') return [200, { lists: LISTS }];
  if (method === 'GET' && path === '/api/users/getFields') return [200, { fields: { email: 'string', plan: 'string' } }];
  if (method === 'GET' && path === '/api/users/getByEmail') {
    const email = query.get('email');
    if (email === 'nobody@example.com') return [200, {}];
    return [200, { user: { email, userId: 'u-1', dataFields: { plan: 'pro', visits: 3 }, signupDate: '2024-01-01 00:00:00 +00:00' } }];
  }
  if (method === 'POST' && path === '/api/events/track') return [200, envelope('Success', 'Event with id: 1 tracked.')];
  if (method === 'POST' && path === '/api/users/update') {
    let email;
    try { email = JSON.parse(body).email; } catch { return [400, envelope('BadJsonBody', 'Could not parse the body')]; }
    if (email === 'exists@example.com') return [400, envelope('BadParams', 'Invalid params', { email: ['already taken'] })];
    return [200, envelope('Success', 'User updated.')];
  }
  return [404, envelope('NotFound', `no route for ${method} ${path}`)];
}

export async function startFake({ port = 0 } = {}) {
  const log = new Map(); // key → [request]
  const pending = new Set();
  const server = http.createServer((req, res) => {
    const cors = corsHeaders(req);
    const reply = (status, body, headers = {}) => {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { ...cors, 'content-type': 'application/json', ...headers });
      res.end(text);
    };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, 'access-control-max-age': '600' });
      res.end();
      return;
    }
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        reply(413, envelope('RequestTooLarge', 'body over 1 MiB'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      const url = new URL(req.url, 'http://127.0.0.1');
      const body = Buffer.concat(chunks).toString('utf8');
      const logged = /^\/_log\/(.+)$/.exec(url.pathname);
      if (logged && req.method === 'GET') return reply(200, log.get(decodeURIComponent(logged[1])) ?? []);
      const key = req.headers['api-key'] ?? '';
      const seen = log.get(key) ?? [];
      seen.push({
        method: req.method,
        path: url.pathname,
        query: url.search,
        contentType: req.headers['content-type'] ?? null,
        apiKey: key,
        body,
      });
      log.set(key, seen);
      const first = seen.length === 1;
      if (key === 'bad-key') return reply(401, envelope('BadApiKey', 'Invalid API key'));
      if (key.startsWith('k-flaky') && first) return reply(503, envelope('GenericError', 'Service unavailable'));
      if (key.startsWith('k-429') && first) return reply(429, envelope('RateLimitExceeded', 'Too many requests'), { 'retry-after': '1' });
      if (key.startsWith('k-redirect')) return reply(302, envelope('Moved', 'moved'), { location: 'http://127.0.0.1:9/elsewhere' });
      if (key.startsWith('k-big')) return reply(200, { lists: [{ name: 'x'.repeat(4000) }] });
      const [status, answer] = route(req.method, url.pathname, url.searchParams, body);
      if (key.startsWith('k-slow')) {
        const timer = setTimeout(() => { pending.delete(timer); if (!res.destroyed) reply(status, answer); }, 5000);
        pending.add(timer);
        res.on('close', () => { clearTimeout(timer); pending.delete(timer); });
        return;
      }
      reply(status, answer);
    });
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise((resolve, reject) => server.listen(port, '127.0.0.1', resolve).once('error', reject));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    log,
    close: () => new Promise((resolve) => {
      for (const t of pending) clearTimeout(t);
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const fake = await startFake({ port: Number(process.env.PORT ?? 0) });
  console.log(fake.url);
  const stop = () => fake.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
