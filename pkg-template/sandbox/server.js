// The sandbox over HTTP (node:http; Deno runs it too): `npx iterable-wasm sandbox [--port 4010] [--state file.json]`.
//
//   const { url, close } = await serve({ port: 4010, state: 'sandbox.json' });
//
// Binds 127.0.0.1 by default. With `state`, the file is loaded at start when present and rewritten
// (tmp file + rename) after every request that changed the state, so the state survives restarts.
import { createServer } from 'node:http';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createSandbox } from './index.js';
import { instantiate } from './load.node.js';

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
  'access-control-allow-headers': 'Content-Type, Api-Key, Authorization, Accept',
  'access-control-max-age': '600',
};

export async function serve({ port = 4010, host = '127.0.0.1', state, seed, clock, stepMs, faults, rateLimits, apiKeys, jwtKeys, log } = {}) {
  const sandbox = await createSandbox({ seed, clock, stepMs, faults, rateLimits, apiKeys, jwtKeys }, instantiate);
  let saved = null;
  if (state && existsSync(state)) {
    saved = readFileSync(state, 'utf8');
    sandbox.load(saved);
  }
  const say = typeof log === 'function' ? log : log ? (line) => console.error(line) : () => {};
  const persist = () => {
    if (!state) return;
    const now = JSON.stringify(sandbox.dump());
    if (now === saved) return;
    const tmp = `${state}.${process.pid}.tmp`;
    writeFileSync(tmp, now);
    renameSync(tmp, state);
    saved = now;
  };
  let base;
  const server = createServer(async (req, res) => {
    try {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, CORS);
        res.end();
        return;
      }
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const body = chunks.length ? Buffer.concat(chunks).toString('utf8') : undefined;
      const headers = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const response = await sandbox.fetch(base + req.url, { method: req.method, headers, body });
      const text = await response.text();
      persist();
      const out = { ...CORS };
      response.headers.forEach((v, k) => {
        out[k] = v;
      });
      res.writeHead(response.status, out);
      res.end(text);
      say(`${req.method} ${req.url} -> ${response.status}`);
    } catch (e) {
      res.writeHead(500, { 'content-type': 'application/json', ...CORS });
      res.end(JSON.stringify({ msg: `sandbox error: ${e?.message ?? e}`, code: 'GenericError', params: null }));
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const addr = server.address();
  base = `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`;
  say(`iterable sandbox listening on ${base}${state ? ` (state: ${state})` : ''}`);
  return {
    url: base,
    sandbox,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}
