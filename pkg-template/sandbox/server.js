// The sandbox over HTTP (node:http; Deno runs it too): `npx iterable-wasm sandbox [--port 4010] [--state file.json]`.
//
//   const { url, close } = await serve({ port: 4010, state: 'sandbox.json' });
//
// A local development tool, guarded like one (../server/guard.js, ../server/node.js): binds
// 127.0.0.1 by default, serves loopback Host names only (others with allowHosts), CORS for
// loopback origins only (others with corsOrigins, never "*"), bodies up to maxBody (8 MB; 413
// past it, counted as they arrive), header and request timeouts, a connection cap (256 at once
// by default, maxConnections: enough for a load test's few hundred clients).
// With `state`, the file is locked for this process and loaded at start when present; each
// accepted change is appended to its journal and on disk before it is answered, and a snapshot is
// written now and then and on close() (../server/state-file.js); reads and refused requests never
// write.
import { SANDBOX_MAX_BODY, hostList, originList } from '../server/guard.js';
import { serveLocal } from '../server/node.js';
import { openState } from '../server/state-file.js';
import { createSandbox } from './index.js';
import { instantiate } from './load.node.js';

const CORS = {
  methods: 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
  headers: 'Content-Type, Api-Key, Authorization, Accept',
};
const CODES = { 400: 'BadJsonBody', 403: 'Forbidden', 413: 'RequestTooLarge', 500: 'GenericError' };
/** Connections at once: a load test against the sandbox opens a few hundred. */
const SANDBOX_MAX_CONNECTIONS = 256;

export async function serve(options = {}) {
  const { port = 4010, host = '127.0.0.1', state, seed, clock, stepMs, faults, rateLimits, apiKeys, jwtKeys, log, maxBody = SANDBOX_MAX_BODY, compactBytes, compactAgeMs } = options;
  const say = typeof log === 'function' ? log : log ? (line) => console.error(line) : () => {};
  const allowHosts = hostList(options.allowHosts, 'allowHosts');
  const corsOrigins = originList(options.corsOrigins, 'corsOrigins');
  if (!Number.isInteger(maxBody) || maxBody < 1) throw new TypeError('maxBody must be a positive integer (bytes)');
  const sandbox = await createSandbox({ seed, clock, stepMs, faults, rateLimits, apiKeys, jwtKeys }, instantiate);
  const store = state ? await openState(state, sandbox, { wait: 0, log: say, longRunning: true, compactBytes, compactAgeMs }) : null;
  if (store?.loaded.replayed) say(`state file ${state}: ${store.loaded.replayed} journal records replayed`);
  const app = (request) => sandbox.fetch(request);
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
    await store?.close();
    throw e;
  }
  say(`iterable sandbox listening on ${srv.url}${state ? ` (state: ${state})` : ''}`);
  // Changes made through the returned controls are saved too.
  const controls = {
    ...sandbox,
    load(s) {
      sandbox.load(s);
      store?.replaced().catch(() => {});
    },
    reset() {
      sandbox.reset();
      store?.replaced().catch(() => {});
    },
  };
  let closing;
  return {
    url: srv.url,
    sandbox: controls,
    /** Writes a snapshot of the state now (the journal starts again). */
    save: () => store?.compact() ?? Promise.resolve(),
    close: () =>
      (closing ??= (async () => {
        await srv.close();
        await store?.close();
      })()),
  };
}
