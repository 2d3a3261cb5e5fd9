// Imports the package (from the bench's snapshot of pkg/, or pkg/ itself), retrying transient
// failures: the lead rebuilds pkg/ at times, so files can be missing or half-written for a moment.
// Node and Deno.
import { statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const FILES = ['api.js', 'iterable_wasm.js', 'iterable_wasm_bg.wasm'];
const mtime = (p) => { try { return statSync(p).mtimeMs; } catch { return null; } };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function importPkg(dir, entry, { tries = 20 } = {}) {
  const d = dir.endsWith('/') ? dir : dir + '/';
  let last;
  for (let i = 0; i < tries; i++) {
    try {
      const files = [entry, ...FILES].map((f) => d + f);
      const before = files.map(mtime);
      if (before.some((t) => t === null)) throw new Error('package files missing (rebuild in progress?)');
      if (i > 0) {
        await sleep(300);
        if (files.map(mtime).some((t, j) => t !== before[j])) throw new Error('package files changing (rebuild in progress?)');
      }
      const mod = await import(pathToFileURL(d + entry).href + (i ? `?retry=${i}` : ''));
      if (typeof mod.IterableClient !== 'function') throw new Error('no IterableClient export');
      return mod;
    } catch (e) {
      last = e;
      await sleep(1000);
    }
  }
  throw new Error(`could not import ${d}${entry}: ${last?.message ?? last}`);
}
