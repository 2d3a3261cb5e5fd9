// Part 2 (workerd) helpers: Miniflare configurations for the start-up comparison.
//   base:    a worker that answers without the package
//   shipped: the same worker with the package's modules uploaded (those reachable from the workerd
//            entry: .js as ES modules, the .wasm as CompiledWasm, as wrangler uploads them) but not imported
//   client:  a worker that imports the package and constructs an IterableClient per request
// Each sample is a fresh Miniflare instance (a fresh workerd process and isolate); the time is from
// `new Miniflare` to the first response's body.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const VROOT = '/bench';
const walk = (dir) => readdirSync(dir).flatMap((f) => {
  const p = join(dir, f);
  return statSync(p).isDirectory() ? walk(p) : [p];
});

export function workerdVariants(pkgDir) {
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const entry = manifest.exports['.'].workerd.replace(/^\.\//, '');
  // What a bundler (wrangler) uploads for the workerd entry: the modules reachable from it by
  // relative imports (JS as ES modules, the .wasm as CompiledWasm), nothing else.
  const reachable = new Set();
  const visit = (file) => {
    if (reachable.has(file)) return;
    reachable.add(file);
    if (!file.endsWith('.js')) return;
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/(?:from|import)\s*(?:source\s+\w+\s+from\s*)?["'](\.{1,2}\/[^"']+)["']/g)) visit(join(dirname(file), m[1]));
  };
  visit(join(pkgDir, entry));
  const pkgModules = walk(pkgDir)
    .filter((p) => reachable.has(p))
    .map((p) => ({
      type: p.endsWith('.wasm') ? 'CompiledWasm' : 'ESModule',
      path: join(VROOT, 'node_modules/iterable-wasm', relative(pkgDir, p)),
      contents: readFileSync(p),
    }));
  const worker = (src) => ({ type: 'ESModule', path: join(VROOT, 'worker.js'), contents: src });
  const plain = `export default { fetch() { return new Response('us'); } };`;
  const client = `import { IterableClient } from './node_modules/iterable-wasm/${entry}';
export default { fetch() { const c = new IterableClient({ apiKey: 'bench-key-123' }); return new Response(c.region); } };`;
  const common = { modulesRoot: VROOT, compatibilityDate: '2025-01-01' };
  return {
    base: { ...common, modules: [worker(plain)] },
    shipped: { ...common, modules: [worker(plain), ...pkgModules] },
    client: { ...common, modules: [worker(client), ...pkgModules] },
  };
}

/** One sample: ms from `new Miniflare(options)` to the first response body ("us"). `atResponse`, if
 * given, is called then, before the instance is disposed (bench/diag/startup-vs.mjs reads CPU times). */
export async function workerdSample(Miniflare, options, atResponse) {
  const t0 = performance.now();
  const mf = new Miniflare(options);
  try {
    const res = await mf.dispatchFetch('http://bench.local/');
    const text = await res.text();
    const ms = performance.now() - t0;
    atResponse?.();
    if (text !== 'us') throw new Error(`worker answered ${res.status} ${text.slice(0, 200)}`);
    return ms;
  } finally {
    await mf.dispose();
  }
}
