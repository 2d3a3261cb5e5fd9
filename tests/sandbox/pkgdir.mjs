// Where the built sandbox lives: $SANDBOX_DIR (run.sh points it at a snapshot of pkg/sandbox/, so
// a concurrent rebuild of pkg/ cannot pull files away mid-test) or pkg/sandbox/.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const SANDBOX_DIR = process.env.SANDBOX_DIR || join(ROOT, 'pkg/sandbox');
const NEEDED = ['index.js', 'load.node.js', 'iterable_sandbox.js', 'iterable_sandbox_bg.wasm'];

export function waitFor(dir = SANDBOX_DIR, files = NEEDED, timeoutMs = 90_000) {
  const end = Date.now() + timeoutMs;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  while (!files.every((f) => existsSync(join(dir, f)))) {
    if (Date.now() > end) throw new Error(`${dir} is incomplete: run node scripts/build-sandbox.mjs`);
    Atomics.wait(sleeper, 0, 0, 500);
  }
}

export async function importSandbox(loader = 'load.node.js') {
  waitFor();
  const [index, load] = await Promise.all([import(pathToFileURL(join(SANDBOX_DIR, 'index.js')).href), import(pathToFileURL(join(SANDBOX_DIR, loader)).href)]);
  return { createSandbox: index.createSandbox, instantiate: load.instantiate };
}
