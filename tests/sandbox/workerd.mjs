// The scenarios inside workerd (Cloudflare Workers' runtime) through miniflare: the worker imports
// pkg/sandbox/index.js and load.workerd.js, the .wasm handed over as a CompiledWasm module.
// Run: node tests/sandbox/workerd.mjs
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { test, run } from './harness.mjs';
import { SANDBOX_DIR, waitFor } from './pkgdir.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;
waitFor();
const PKG = SANDBOX_DIR;
const modules = [
  { type: 'ESModule', path: '/w/worker.js', contents: readFileSync(join(ROOT, 'tests/sandbox/workerd-worker.js'), 'utf8') },
  { type: 'ESModule', path: '/w/scenarios.mjs', contents: readFileSync(join(ROOT, 'tests/sandbox/scenarios.mjs'), 'utf8') },
  ...readdirSync(PKG).filter((f) => /\.(js|wasm)$/.test(f)).map((f) => ({
    type: f.endsWith('.wasm') ? 'CompiledWasm' : 'ESModule',
    path: `/w/sandbox/${f}`,
    contents: readFileSync(join(PKG, f)),
  })),
];
const mf = new Miniflare({ modulesRoot: '/w', modules, compatibilityDate: '2025-01-01' });
try {
  await mf.ready;
  const res = await mf.dispatchFetch('http://worker.local/scenarios');
  const results = await res.json();
  for (const r of results) test(`workerd: ${r.name}`, () => { if (!r.ok) throw new Error(r.error); });
  if (!results.length) test('workerd: scenarios ran', () => { throw new Error('no results'); });
  await run('sandbox workerd');
} finally {
  await mf.dispose();
}
