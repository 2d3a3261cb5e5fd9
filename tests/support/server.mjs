// A small fake of the Iterable API for the engine tests and examples (Node and Deno, via node:http).
//
//   import { startServer } from './server.mjs';
//   const srv = await startServer({ static: { '/static/pkg/': '<repo>/pkg' } });
//   srv.url        // "http://127.0.0.1:PORT"
//   srv.requests   // every /api request: {method, path, query, headers, body}; OPTIONS preflights included
//   await srv.close();
//
// Binds 127.0.0.1 only, on a free port unless one is given. CORS: Access-Control-Allow-Origin *, and
// OPTIONS preflights allow Content-Type, Api-Key, Accept and Authorization.
//
// Routes (checked after the key: Api-Key "bad-key" on any /api request → 401 BadApiKey):
//   GET  /api/channels      → 200 {channels: [...]}
//   GET  /api/lists         → 200 {lists: [...]}
//   POST /api/events/track  → 200 {msg, code: "Success", params: null}
//   POST /api/users/update  → 200 Success, or 400 BadParams for email "exists@example.com"
//   POST /api/export/start  → {jobId}: 7 for dataTypeName "user", 8 for anything else
//   GET  /api/export/7/files → "running" with no files on the first poll, then "completed" with one
//                              file (job states in lower case, as Iterable sends them)
//   GET  /api/export/8/files → "failed"
//   GET  /export-files/7/0   → the file: EXPORT_RECORDS as JSON lines (a pre-signed URL: no key needed)
//   ANY  /moved/<3xx>/<path> → that status with Location: <the trap's origin>/<path>, i.e. a
//                              redirect to another origin; srv.trap.requests records what reaches it
//   anything else           → 404 {msg, code: "NotFound", params: null}
// Static files: options.static maps URL prefixes to directories, e.g. {'/static/pkg/': pkgDir}.
//
// CLI: node tests/support/server.mjs [--port N] [--static /static/pkg/=DIR ...]
import http from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';

export const CHANNELS = [
  { id: 1, name: 'Email', channelType: 'Marketing', messageMedium: 'Email' },
  { id: 2, name: 'Push', channelType: 'Transactional', messageMedium: 'Push' },
];
export const EXPORT_RECORDS = [
  { email: 'ada@example.com', n: 1 },
  { email: 'grace@example.com', n: 2, tags: ['a', 'b'] },
];
export const LISTS = [
  { id: 10, name: 'Newsletter', createdAt: 1700000000000, listType: 'Standard' },
  { id: 11, name: 'VIP', createdAt: 1700000001000, listType: 'Standard' },
];

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
  'access-control-allow-headers': 'Content-Type, Api-Key, Accept, Authorization',
};

const TYPES = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.ts': 'text/plain; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

function send(res, status, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { ...CORS, 'content-type': 'application/json', ...headers });
  res.end(text);
}

function route(req, path, body, ctx) {
  const moved = /^\/moved\/(3\d\d)(\/.*)$/.exec(path);
  if (moved) return [Number(moved[1]), { msg: 'moved' }, { location: ctx.trapUrl + moved[2] }];
  if (path === '/export-files/7/0') return [200, EXPORT_RECORDS.map((r) => JSON.stringify(r)).join('\n') + '\n', { 'content-type': 'application/x-json-stream' }];
  if (req.headers['api-key'] === 'bad-key') {
    return [401, { msg: 'Invalid API key', code: 'BadApiKey', params: null }];
  }
  const m = req.method;
  if (m === 'GET' && path === '/api/channels') return [200, { channels: CHANNELS }];
  if (m === 'GET' && path === '/api/lists') return [200, { lists: LISTS }];
  if (m === 'POST' && path === '/api/events/track') {
    return [200, { msg: 'Event with id: 1 tracked.', code: 'Success', params: null }];
  }
  if (m === 'POST' && path === '/api/export/start') {
    const jobId = body?.dataTypeName === 'user' ? 7 : 8;
    ctx.polls.set(jobId, 0);
    return [200, { msg: '', code: 'Success', params: null, jobId }];
  }
  const job = /^\/api\/export\/(\d+)\/files$/.exec(path);
  if (m === 'GET' && job && ctx.polls.has(Number(job[1]))) {
    const jobId = Number(job[1]);
    const poll = ctx.polls.get(jobId) + 1;
    ctx.polls.set(jobId, poll);
    if (jobId === 8) return [200, { jobId, jobState: 'failed', exportTruncated: false, files: [] }];
    if (poll === 1) return [200, { jobId, jobState: 'running', exportTruncated: false, files: [] }];
    const files = ctx.startAfter(req) ? [] : [{ file: 'export/7/part-0.json', url: `${ctx.url}/export-files/7/0` }];
    return [200, { jobId, jobState: 'completed', exportTruncated: false, files }];
  }
  if (m === 'POST' && path === '/api/users/update') {
    if (body && body.email === 'exists@example.com') {
      return [400, { msg: 'User update failed: email already taken', code: 'BadParams', params: null }];
    }
    return [200, { msg: 'User updated', code: 'Success', params: null }];
  }
  return [404, { msg: `No route for ${m} ${path}`, code: 'NotFound', params: null }];
}

async function serveStatic(res, dir, rel) {
  const root = resolve(dir);
  const file = resolve(join(root, decodeURIComponent(rel)));
  if (file !== root && !file.startsWith(root + sep)) return send(res, 403, { msg: 'forbidden' });
  try {
    const st = await stat(file);
    const target = st.isDirectory() ? join(file, 'index.html') : file;
    const data = await readFile(target);
    res.writeHead(200, {
      ...CORS,
      'content-type': TYPES[extname(target)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    res.end(data);
  } catch {
    send(res, 404, { msg: `no file ${rel}`, code: 'NotFound', params: null });
  }
}

/**
 * Starts the fake server. options: {port = 0, host = '127.0.0.1', static = {prefix: dir},
 * corsMaxAge (seconds preflights may be cached; header left out unless given)}.
 * Resolves to {url, port, requests, trap: {url, requests}, reset(), close()}.
 */
export function startServer(options = {}) {
  const host = options.host ?? '127.0.0.1';
  const statics = Object.entries(options.static ?? {});
  const requests = [];
  // Everything that reaches the trap: a second listener on another port (another origin), the
  // target of the /moved/ redirects. An API key must never arrive there.
  const trapRequests = [];
  const trap = http.createServer((req, res) => {
    trapRequests.push({ method: req.method, path: req.url, headers: { ...req.headers } });
    req.resume();
    res.writeHead(200, { ...CORS, 'content-type': 'application/json' });
    res.end('{"channels":[],"msg":"trapped","code":"Success","params":null}');
  });
  const ctx = { polls: new Map(), trapUrl: '', url: '', startAfter: (req) => new URL(req.url, 'http://x').searchParams.has('startAfter') };
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, `http://${host}`);
    const path = u.pathname;
    if (path === '/favicon.ico') {
      res.writeHead(204, CORS);
      res.end();
      return;
    }
    for (const [prefix, dir] of statics) {
      if (path.startsWith(prefix) && (req.method === 'GET' || req.method === 'HEAD')) {
        serveStatic(res, dir, path.slice(prefix.length));
        return;
      }
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body = null;
      if (raw.length > 0) {
        try { body = JSON.parse(raw); } catch { body = raw; }
      }
      requests.push({
        method: req.method,
        path,
        query: Object.fromEntries(u.searchParams),
        headers: { ...req.headers },
        body,
        raw,
      });
      if (req.method === 'OPTIONS') {
        const maxAge = options.corsMaxAge === undefined ? {} : { 'access-control-max-age': String(options.corsMaxAge) };
        res.writeHead(204, { ...CORS, ...maxAge });
        res.end();
        return;
      }
      const [status, out, headers] = route(req, path, body, ctx);
      send(res, status, out, headers);
    });
  });
  const listen = (srv, port) => new Promise((resolveListen, reject) => {
    srv.once('error', reject);
    srv.listen(port, host, () => resolveListen(srv.address().port));
  });
  const stop = (srv) => new Promise((r) => {
    srv.close(() => r());
    srv.closeAllConnections?.();
  });
  return Promise.all([listen(server, options.port ?? 0), listen(trap, 0)]).then(([port, trapPort]) => {
    ctx.url = `http://${host}:${port}`;
    ctx.trapUrl = `http://${host}:${trapPort}`;
    return {
      url: ctx.url,
      port,
      requests,
      trap: { url: ctx.trapUrl, requests: trapRequests },
      reset() {
        requests.length = 0;
        trapRequests.length = 0;
        ctx.polls.clear();
      },
      close: () => Promise.all([stop(server), stop(trap)]).then(() => {}),
    };
  });
}

// CLI mode.
const isMain = (() => {
  try {
    if (typeof Deno !== 'undefined') return import.meta.main === true;
    return process.argv[1] && resolve(process.argv[1]) === new URL(import.meta.url).pathname;
  } catch { return false; }
})();
if (isMain) {
  const args = (typeof Deno !== 'undefined' ? Deno.args : process.argv.slice(2));
  let port = 0;
  const statics = {};
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--port') port = Number(args[++i]);
    else if (args[i] === '--static') {
      const [prefix, dir] = args[++i].split('=');
      statics[prefix] = dir;
    }
  }
  const srv = await startServer({ port, static: statics });
  console.log(srv.url);
  const stop = async () => { await srv.close(); process.exit(0); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
