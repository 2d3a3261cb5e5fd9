// Runs worker.js locally in workerd (the Workers runtime) through miniflare, sends it a few requests
// and prints the answers. Deploying with wrangler instead: see wrangler.toml.
//
//   ITERABLE_API_KEY=... node examples/worker/run.mjs
//
// Environment: ITERABLE_API_KEY (required), ITERABLE_BASE_URL / ITERABLE_REGION (optional),
// ITERABLE_DEMO_WRITE=1 to also POST /track, ITERABLE_EMAIL (the event's user),
// ITERABLE_WASM_PKG (the package folder; default: node_modules/iterable-wasm, else the repo's pkg/).
//
// Miniflare does not bundle, so this script does what wrangler's bundler does: resolve
// "iterable-wasm" through the package's exports map with the "workerd" condition, and load its .wasm
// as a compiled WebAssembly module (wrangler's default rule for .wasm imports).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';

const here = fileURLToPath(new URL('.', import.meta.url));
const apiKey = process.env.ITERABLE_API_KEY;
if (!apiKey) {
  console.error('Set ITERABLE_API_KEY (and ITERABLE_BASE_URL for a local mock).');
  process.exit(2);
}

const pkgDir = [process.env.ITERABLE_WASM_PKG, join(here, 'node_modules/iterable-wasm'), join(here, '../../pkg')]
  .find((d) => d && existsSync(join(d, 'package.json')));
const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const entry = manifest.exports['.'].workerd; // e.g. "./index.workerd.js"

// Every file of the package as a module under node_modules/iterable-wasm/, plus a module named
// "iterable-wasm" that forwards to the workerd entry: the bare import in worker.js resolves to it.
const files = (dir) => readdirSync(dir).flatMap((f) => {
  const p = join(dir, f);
  return statSync(p).isDirectory() ? files(p) : [p];
});
const pkgModules = files(pkgDir)
  .filter((p) => /\.(js|wasm)$/.test(p))
  .map((p) => ({
    type: p.endsWith('.wasm') ? 'CompiledWasm' : 'ESModule',
    path: join(here, 'node_modules/iterable-wasm', relative(pkgDir, p)),
    contents: readFileSync(p),
  }));

const mf = new Miniflare({
  modulesRoot: here,
  modules: [
    { type: 'ESModule', path: join(here, 'worker.js'), contents: readFileSync(join(here, 'worker.js'), 'utf8') },
    {
      type: 'ESModule',
      path: join(here, 'iterable-wasm'),
      contents: `export * from ${JSON.stringify(`./node_modules/iterable-wasm/${entry.replace(/^\.\//, '')}`)};`,
    },
    ...pkgModules,
  ],
  compatibilityDate: '2025-01-01',
  bindings: {
    ITERABLE_API_KEY: apiKey,
    ...(process.env.ITERABLE_BASE_URL ? { ITERABLE_BASE_URL: process.env.ITERABLE_BASE_URL } : {}),
    ...(process.env.ITERABLE_REGION ? { ITERABLE_REGION: process.env.ITERABLE_REGION } : {}),
  },
});

let failed = false;
async function show(label, path, init) {
  const res = await mf.dispatchFetch(`http://worker.local${path}`, init);
  const body = await res.json();
  if (!res.ok) failed = true;
  const text = Array.isArray(body) ? `${body.length} actions, e.g. ${body[0].id}` : JSON.stringify(body);
  console.log(`${label}: ${res.status} ${text}`);
}

try {
  await show('GET /catalog', '/catalog');
  await show('GET /', '/');
  if (process.env.ITERABLE_DEMO_WRITE === '1') {
    await show('POST /track', '/track', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: process.env.ITERABLE_EMAIL ?? 'example@example.com',
        eventName: 'iterable_wasm_example',
        dataFields: { runtime: 'workerd' },
      }),
    });
  } else {
    console.log('POST /track: skipped (set ITERABLE_DEMO_WRITE=1)');
  }
} finally {
  await mf.dispose();
}
process.exit(failed ? 1 : 0);
