// The sandbox over HTTP (node:http; Deno runs it too): `npx iterable-wasm sandbox [--port 4010] [--state file.json]`.
//
//   const { url, close } = await serve({ port: 4010, state: 'sandbox.json' });
//
// A local development tool, guarded like one (../server/guard.js, ../server/node.js): binds
// 127.0.0.1 by default, serves loopback Host names only (others with allowHosts), CORS for
// loopback origins only (others with corsOrigins, never "*"), bodies up to maxBody (8 MB; 413
// past it, counted as they arrive), header and request timeouts, a connection cap (256 at once
// by default, maxConnections: enough for a load test's few hundred clients).
// With `state`, the file is locked for this process, loaded at start when present, and saved
// atomically after changes (../server/state-file.js): within saveIntervalMs of a write, and on
// close(); reads and refused requests never write it.
import { SANDBOX_MAX_BODY, hostList, originList } from '../server/guard.js';
import { serveLocal } from '../server/node.js';
import { openStateFile, snapshots } from '../server/state-file.js';
import { createSandbox } from './index.js';
import { instantiate } from './load.node.js';

const CORS = {
  methods: 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
  headers: 'Content-Type, Api-Key, Authorization, Accept',
};
const CODES = { 400: 'BadJsonBody', 403: 'Forbidden', 413: 'RequestTooLarge', 500: 'GenericError' };
const READS = new Set(['GET', 'HEAD']);
/** Connections at once: a load test against the sandbox opens a few hundred. */
const SANDBOX_MAX_CONNECTIONS = 256;

export async function serve(options = {}) {
  const { port = 4010, host = '127.0.0.1', state, seed, clock, stepMs, faults, rateLimits, apiKeys, jwtKeys, log, maxBody = SANDBOX_MAX_BODY, saveIntervalMs = 1000 } = options;
  const say = typeof log === 'function' ? log : log ? (line) => console.error(line) : () => {};
  const allowHosts = hostList(options.allowHosts, 'allowHosts');
  const corsOrigins = originList(options.corsOrigins, 'corsOrigins');
  if (!Number.isInteger(maxBody) || maxBody < 1) throw new TypeError('maxBody must be a positive integer (bytes)');
  const sandbox = await createSandbox({ seed, clock, stepMs, faults, rateLimits, apiKeys, jwtKeys }, instantiate);
  let store = null;
  let snaps = null;
  if (state) {
    store = await openStateFile(state, { wait: 0 });
    try {
      const saved = store.read();
      if (saved !== undefined) sandbox.load(saved);
    } catch (e) {
      store.release();
      throw new Error(`state file ${state}: ${e?.message ?? e}`);
    }
    snaps = snapshots(store, () => sandbox.dumpText(), { intervalMs: saveIntervalMs, log: say, dumpTo: (write) => sandbox.dumpTo(write) });
  }
  const app = async (request) => {
    const response = await sandbox.fetch(request);
    if (snaps && response.status < 400) snaps.changed(READS.has(request.method) ? 'clock' : 'data');
    return response;
  };
  let srv;
  try {
    srv = await serveLocal(app, {
      port,
      host,
      allowHosts,
      corsOrigins,
      maxBody,
      cors: CORS,
      utf8: true,
      refusal: (status, msg) => ({ type: 'application/json', body: JSON.stringify({ msg, code: CODES[status] ?? 'GenericError', params: null }) }),
      headersTimeoutMs: options.headersTimeoutMs,
      requestTimeoutMs: options.requestTimeoutMs,
      idleTimeoutMs: options.idleTimeoutMs,
      maxConnections: options.maxConnections ?? SANDBOX_MAX_CONNECTIONS,
      log: say,
    });
  } catch (e) {
    store?.release();
    throw e;
  }
  say(`iterable sandbox listening on ${srv.url}${state ? ` (state: ${state})` : ''}`);
  // Changes made through the returned controls are saved too.
  const controls = {
    ...sandbox,
    load(s) {
      sandbox.load(s);
      snaps?.changed('data');
    },
    reset() {
      sandbox.reset();
      snaps?.changed('data');
    },
  };
  let closing;
  return {
    url: srv.url,
    sandbox: controls,
    /** Writes what is pending to the state file now. */
    save: () => snaps?.flush() ?? Promise.resolve(),
    close: () =>
      (closing ??= (async () => {
        await srv.close();
        await snaps?.close();
      })()),
  };
}
