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

function send(res, status, body) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { ...CORS, 'content-type': 'application/json' });
  res.end(text);
}

function route(req, path, body) {
  if (req.headers['api-key'] === 'bad-key') {
    return [401, { msg: 'Invalid API key', code: 'BadApiKey', params: null }];
  }
  const m = req.method;
  if (m === 'GET' && path === '/api/channels') return [200, { channels: CHANNELS }];
  if (m === 'GET' && path === '/api/lists') return [200, { lists: LISTS }];
  if (m === 'POST' && path === '/api/events/track') {
    return [200, { msg: 'Event with id: 1 tracked.', code: 'Success', params: null }];
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
 * Resolves to {url, port, requests, reset(), close()}.
 */
export function startServer(options = {}) {
  const host = options.host ?? '127.0.0.1';
  const statics = Object.entries(options.static ?? {});
  const requests = [];
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
      const [status, out] = route(req, path, body);
      send(res, status, out);
    });
  });
  return new Promise((resolveStart, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      const { port } = server.address();
      resolveStart({
        url: `http://${host}:${port}`,
        port,
        requests,
        reset() { requests.length = 0; },
        close() {
          return new Promise((r) => {
            server.close(() => r());
            server.closeAllConnections?.();
          });
        },
      });
    });
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
