// The sandbox's HTTP server in a worker thread (started by lib.mjs's startSandbox): its work on
// each request (and its heap) stays off the thread that stamps the requests' arrival times.
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';

const { PKG, faults } = workerData;
const { createSandbox } = await import(join(PKG, 'sandbox/index.js'));
const { instantiate } = await import(join(PKG, 'sandbox/load.node.js'));
const { serveLocal } = await import(join(PKG, 'server/node.js'));

const sandbox = await createSandbox({ seed: 1, faults }, instantiate);
const srv = await serveLocal((request) => sandbox.fetch(request), { maxBody: 8 << 20, refusal: (s, msg) => ({ type: 'application/json', body: JSON.stringify({ msg, code: 'GenericError' }) }), maxConnections: 256 });
parentPort.on('message', async (m) => {
  if (m === 'dump') parentPort.postMessage({ dump: sandbox.dump() });
  if (m === 'close') {
    await srv.close();
    parentPort.postMessage({ closed: true });
  }
});
parentPort.postMessage({ url: srv.url });
