// workerd (Cloudflare Workers' runtime) through miniflare: a worker imports "iterable-wasm", which the
// test maps (like wrangler's bundler) to the entry the package's exports map gives for the "workerd"
// condition, with every .js of the package as an ES module and the .wasm as a CompiledWasm module.
// The worker runs the shared scenario against the fake Iterable server on 127.0.0.1 and returns the
// result as JSON.
// Run: node --test tests/engines/workerd.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Miniflare } from 'miniflare';
import { startServer } from '../support/server.mjs';
import { PKG_DIR, ROOT, waitForPkg } from '../support/install.mjs';
import { checkRequests, checkResult } from '../support/checks.mjs';
import { ACTION_COUNT } from '../support/defs.mjs';

let server;
let mf;
let entry;

// A virtual module tree: worker.js and scenario.mjs at the root, the package under
// node_modules/iterable-wasm/, and a module named "iterable-wasm" forwarding to its workerd entry.
const VROOT = '/worker';
function workerModules() {
  const manifest = JSON.parse(readFileSync(join(PKG_DIR, 'package.json'), 'utf8'));
  entry = manifest.exports['.'].workerd;
  const walk = (dir) => readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
  const pkgFiles = walk(PKG_DIR).filter((p) => /\.(js|wasm)$/.test(p)).map((p) => ({
    type: p.endsWith('.wasm') ? 'CompiledWasm' : 'ESModule',
    path: join(VROOT, 'node_modules/iterable-wasm', relative(PKG_DIR, p)),
    contents: readFileSync(p),
  }));
  const own = (file, name) => ({ type: 'ESModule', path: join(VROOT, name), contents: readFileSync(file, 'utf8') });
  return [
    own(join(ROOT, 'tests/engines/workerd/worker.js'), 'worker.js'),
    own(join(ROOT, 'tests/support/scenario.mjs'), 'scenario.mjs'),
    {
      type: 'ESModule',
      path: join(VROOT, 'iterable-wasm'),
      contents: `export * from ${JSON.stringify(`./node_modules/iterable-wasm/${entry.replace(/^\.\//, '')}`)};`,
    },
    ...pkgFiles,
  ];
}

before(async () => {
  waitForPkg();
  server = await startServer();
  mf = new Miniflare({
    modulesRoot: VROOT,
    modules: workerModules(),
    compatibilityDate: '2025-01-01',
    bindings: { BASE_URL: server.url },
  });
  await mf.ready;
});

after(async () => {
  await mf?.dispose();
  await server?.close();
});

test('the workerd entry loads the wasm and exposes the catalog', async () => {
  assert.equal(entry, './index.workerd.js');
  const res = await mf.dispatchFetch('http://worker.local/catalog');
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { count: ACTION_COUNT, isFrozen: true });
});

test('the workerd entry does not bring the sandbox in: a clear error says how to', async () => {
  const res = await mf.dispatchFetch('http://worker.local/no-sandbox');
  const body = await res.json();
  assert.equal(body.threw, true);
  assert.equal(body.code, 'ValidationError');
  assert.match(body.message, /import 'iterable-wasm\/sandbox'/);
});

test('scenario inside workerd against the fake Iterable API', async () => {
  server.reset();
  const res = await mf.dispatchFetch('http://worker.local/scenario');
  const body = await res.json();
  assert.equal(res.status, 200, body.crashed);
  checkResult(body);
  checkRequests(server.requests, server.trap.requests);
});
