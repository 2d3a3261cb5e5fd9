// Shared by the queues tests: the package's modules for miniflare, the sandbox over HTTP (in a
// worker thread) with a request log stamped on arrival, a JSON route helper and the peak count of times in a sliding window.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, relative } from 'node:path';
import { Worker } from 'node:worker_threads';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const PKG = join(ROOT, 'pkg');

/** The environment wrangler runs in for the tests and the bench: no account, no request of its own
 * (metrics, the banner's update check and the Request.cf fetch off), its config and logs under
 * `work`, no colours. */
export const wranglerEnv = (work) => ({
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false', // no fetch of the Request.cf object from Cloudflare
  WRANGLER_HIDE_BANNER: 'true', // the banner's update check is the only other request
  XDG_CONFIG_HOME: join(work, 'config'),
  WRANGLER_LOG_PATH: join(work, 'logs'),
  CLOUDFLARE_API_TOKEN: '',
  CLOUDFLARE_ACCOUNT_ID: '',
  NO_COLOR: '1',
  FORCE_COLOR: '0',
  CI: 'true',
});

/**
 * The sandbox over HTTP, recording each bulk request's arrival time, status and body. The sandbox
 * serves from a worker thread; this thread only stamps each request as it arrives and forwards it,
 * so a slow sandbox (a million users, a loaded machine) delays answers, never the arrival times.
 * `dump()` gives the sandbox's state.
 */
export async function startSandbox(faults) {
  const worker = new Worker(new URL('./sandbox-thread.mjs', import.meta.url), { workerData: { PKG, faults } });
  const next = () => new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const { url: inner } = await next();
  const log = [];
  const srv = createServer((req, res) => {
    const t = performance.now();
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const path = new URL(req.url, 'http://x').pathname;
      const bulk = path === '/api/users/bulkUpdate' || path === '/api/events/trackBulk';
      try {
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive'].includes(k)));
        const r = await fetch(`${inner}${req.url}`, { method: req.method, headers, body: ['GET', 'HEAD'].includes(req.method) ? undefined : body });
        const out = Buffer.from(await r.arrayBuffer());
        if (bulk) log.push({ t, path, status: r.status, body: body.toString('utf8') });
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
        res.end(out);
      } catch (e) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ msg: String(e?.message ?? e), code: 'GenericError' }));
      }
    });
  });
  srv.keepAliveTimeout = 30_000;
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${srv.address().port}`,
    log,
    dump: async () => {
      worker.postMessage('dump');
      return (await next()).dump;
    },
    close: async () => {
      srv.closeAllConnections?.();
      await new Promise((r) => srv.close(r));
      worker.postMessage('close');
      await next();
      await worker.terminate();
    },
  };
}

export const VROOT = '/worker';
export function modules(workerPath = 'tests/queues/worker.js') {
  const manifest = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8'));
  const walk = (dir) => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
  const files = walk(PKG).filter((p) => /\.(js|wasm)$/.test(p) && !p.includes('/cli/')).map((p) => ({
    type: p.endsWith('.wasm') ? 'CompiledWasm' : 'ESModule',
    path: join(VROOT, 'node_modules/iterable-wasm', relative(PKG, p)),
    contents: readFileSync(p),
  }));
  // A module named "a/b" resolves relative imports from "a/": its target is one level up.
  const forward = (name, target) => ({ type: 'ESModule', path: join(VROOT, name), contents: `export * from ${JSON.stringify(`${name.includes('/') ? '../' : './'}node_modules/iterable-wasm/${target.replace(/^\.\//, '')}`)};` });
  return [
    { type: 'ESModule', path: join(VROOT, 'worker.js'), contents: readFileSync(join(ROOT, workerPath), 'utf8') },
    forward('iterable-wasm', manifest.exports['.'].workerd),
    forward('iterable-wasm/queues', manifest.exports['./queues'].default),
    ...files,
  ];
}

export const json = async (mf, path, body) => {
  const res = await mf.dispatchFetch(`http://worker.local${path}`, body ? { method: 'POST', body: JSON.stringify(body) } : {});
  const out = await res.json();
  if (res.status !== 200) throw new Error(`${path}: ${JSON.stringify(out)}`);
  return out;
};

/** The most times in any window of `ms` (times sorted ascending). */
export function peak(times, ms) {
  let best = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[j] - times[i] >= ms) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

