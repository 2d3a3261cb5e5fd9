// Part 2 (workerd) helpers: Miniflare configurations for the start-up comparison.
//   base:    a worker that answers without the package
//   shipped: the same worker with the package's modules uploaded (those reachable from the workerd
//            entry, unbundled, as `wrangler deploy --no-bundle` uploads them: .js as ES modules, the
//            .wasm as CompiledWasm) but not imported
//   client:  a worker that imports the package and constructs an IterableClient per request
//   wrangler: the same client worker as `wrangler deploy` uploads it: wrangler's own build (its
//            esbuild bundle, with what the worker never uses left out, and the .wasm beside it as a
//            CompiledWasm module), taken from `wrangler deploy --dry-run --outdir`
// Each sample is a fresh Miniflare instance (a fresh workerd process and isolate); the time is from
// `new Miniflare` to the first response's body.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { wranglerEnv } from '../../tests/queues/lib.mjs';

const VROOT = '/bench';
const CLIENT_BODY = `export default { fetch() { const c = new IterableClient({ apiKey: 'bench-key-123' }); return new Response(c.region); } };`;
const COMPATIBILITY_DATE = '2025-01-01';
const walk = (dir) => readdirSync(dir).flatMap((f) => {
  const p = join(dir, f);
  return statSync(p).isDirectory() ? walk(p) : [p];
});

export function workerdVariants(pkgDir) {
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const entry = manifest.exports['.'].workerd.replace(/^\.\//, '');
  // What an unbundled upload holds for the workerd entry: the modules reachable from it by
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
${CLIENT_BODY}`;
  const common = { modulesRoot: VROOT, compatibilityDate: COMPATIBILITY_DATE };
  return {
    base: { ...common, modules: [worker(plain)] },
    shipped: { ...common, modules: [worker(plain), ...pkgModules] },
    client: { ...common, modules: [worker(client), ...pkgModules] },
  };
}

/** The client worker as `wrangler deploy` would upload it: a throwaway project whose
 * node_modules/iterable-wasm is the package in `pkgDir`, built by the wrangler the repo pins with
 * `deploy --dry-run --outdir` (no account, no upload, no request: metrics and the update check off),
 * then given to Miniflare module by module as wrangler dev does (the bundle as an ES module, each
 * .wasm as CompiledWasm). Returns the Miniflare options and the uploaded modules' sizes. */
export async function wranglerVariant(pkgDir, root) {
  const work = mkdtempSync(join(tmpdir(), 'iterable-wasm-bench-wrangler-'));
  try {
    mkdirSync(join(work, 'node_modules'));
    symlinkSync(resolve(pkgDir), join(work, 'node_modules', 'iterable-wasm'), 'dir');
    writeFileSync(join(work, 'worker.js'), `import { IterableClient } from 'iterable-wasm';\n${CLIENT_BODY}\n`);
    writeFileSync(join(work, 'wrangler.toml'), `name = "bench"\nmain = "worker.js"\ncompatibility_date = "${COMPATIBILITY_DATE}"\n`);
    const wrangler = createRequire(join(root, 'package.json')).resolve('wrangler/bin/wrangler.js');
    await promisify(execFile)(process.execPath, [wrangler, 'deploy', '--dry-run', '--outdir', 'dist'], { cwd: work, env: wranglerEnv(work), timeout: 120_000 });
    const files = readdirSync(join(work, 'dist')).filter((f) => f.endsWith('.js') || f.endsWith('.wasm'));
    if (!files.includes('worker.js')) throw new Error(`wrangler deploy --dry-run wrote no worker.js (${files.join(', ')})`);
    const modules = files
      .sort((a, b) => (a === 'worker.js' ? -1 : b === 'worker.js' ? 1 : a < b ? -1 : 1))
      .map((f) => ({ type: f.endsWith('.wasm') ? 'CompiledWasm' : 'ESModule', path: join(VROOT, f), contents: readFileSync(join(work, 'dist', f)) }));
    return {
      options: { modulesRoot: VROOT, compatibilityDate: COMPATIBILITY_DATE, modules },
      bytes: Object.fromEntries(modules.map((m) => [m.path.slice(VROOT.length + 1), m.contents.length])),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** ns of CPU used so far by the workerd processes this process started (Linux /proc). */
export function workerdCpuNs() {
  let ns = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== process.pid || !stat.includes('(workerd)')) continue;
      for (const t of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
    } catch {} // gone meanwhile
  }
  return ns;
}

/** One sample with CPU times: { wall, node, workerd } ms to the first response (node: this
 * process's CPU, which includes Miniflare's encoding; workerd: every thread of the workerd it
 * started). */
export async function workerdCpuSample(Miniflare, options) {
  const c0 = process.cpuUsage();
  let workerdNs = 0;
  const wall = await workerdSample(Miniflare, options, () => { workerdNs = workerdCpuNs(); });
  const c = process.cpuUsage(c0);
  return { wall, node: (c.user + c.system) / 1000, workerd: workerdNs / 1e6 };
}

/** The bytes a variant uploads (its modules' contents). */
export const uploadedBytes = (options) => options.modules.reduce((n, m) => n + m.contents.length, 0);

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

/** Miniflare as pinned, but with its config encoder's arena doubling when it grows (a copy in a
 * temporary folder, one line changed), to show which part of the workerd figure is Miniflare's own
 * encoding. Miniflare writes the workerd configuration, every uploaded module included, into one
 * Cap'n Proto message whose single-segment arena (capnp-es, bundled in Miniflare) grows by copying
 * the whole buffer into one only 4 KB larger; the user worker is encoded first, so each uploaded
 * byte is copied again at every later growth (~60 times here, while Miniflare's own services are
 * written after it). Returns { Miniflare, dispose }: call dispose() to remove the copy. */
export async function doublingMiniflare(root) {
  const GROWTH = 's.buffer = new ArrayBuffer(srcBuffer.byteLength + minSize);';
  const DOUBLING = 's.buffer = new ArrayBuffer(Math.max(2 * srcBuffer.byteLength, srcBuffer.byteLength + minSize));';
  const pinned = dirname(createRequire(join(root, 'package.json')).resolve('miniflare/package.json'));
  const work = mkdtempSync(join(tmpdir(), 'iterable-wasm-miniflare-doubling-'));
  const dispose = () => rmSync(work, { recursive: true, force: true });
  try {
    // The copy resolves its own dependencies from the repo's node_modules (a link beside it).
    const copy = join(work, 'miniflare');
    cpSync(pinned, copy, { recursive: true, filter: (p) => !p.endsWith('.map') });
    symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'), 'dir');
    const main = join(copy, 'dist', 'src', 'index.js');
    const text = readFileSync(main, 'utf8');
    if (text.split(GROWTH).length !== 2) {
      const { version } = JSON.parse(readFileSync(join(pinned, 'package.json'), 'utf8'));
      throw new Error(`miniflare ${version}: its arena's growth step is not written as doublingMiniflare() expects (${GROWTH}); update bench/lib/startup-workerd.mjs`);
    }
    writeFileSync(main, text.replace(GROWTH, DOUBLING));
    const { Miniflare } = await import(pathToFileURL(main).href);
    return { Miniflare, dispose };
  } catch (e) {
    dispose();
    throw e;
  }
}
