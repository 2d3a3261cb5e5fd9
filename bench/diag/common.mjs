// What the side-by-side diagnostics share (call-phases.mjs, transport-variants.mjs,
// pkg-vs-pkg.mjs): their arguments in Node or Deno, the bench server in its own process, and the
// interleaved loop (blocks of 25, order rotating every round, the first 500 calls not recorded).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { roundOrder } from '../lib/util.mjs';

export const isDeno = typeof Deno !== 'undefined';
export const argv = isDeno ? Deno.args : process.argv.slice(2);
export const arg = (n, d) => (argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1] : d);
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const KEY = 'bench-key-123';
export const BLOCK = 25;
export const runtime = () => (isDeno ? `Deno ${Deno.version.deno}` : `Node ${process.version}`);
export const median = (a) => { const s = Float64Array.from(a).sort(); return s.length ? s[s.length >> 1] : NaN; };

/** Starts bench/lib/server.mjs (through `node`, in Deno too); resolves { base, stop }. */
export async function benchServer() {
  const server = spawn('node', [join(ROOT, 'bench', 'lib', 'server.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const { url } = JSON.parse(await new Promise((r) => createInterface({ input: server.stdout }).once('line', r)));
  return { base: url, stop: () => { server.stdin.end(); server.kill(); } };
}

/** Runs `contenders[name][method]()` in interleaved blocks, `calls` recorded each after 500 not;
 * `record(name, method, value)` gets what each call resolved with. */
export async function interleave(contenders, calls, record) {
  const names = Object.keys(contenders);
  for (let round = 0, done = 0; done < calls + 500; round++, done += BLOCK) {
    for (const n of roundOrder(names, round)) for (const m of roundOrder(['GET', 'POST'], round)) {
      for (let i = 0; i < BLOCK; i++) { const r = await contenders[n][m](); if (done >= 500) record(n, m, r); }
    }
  }
}

export const exit = (code = 0) => (isDeno ? Deno.exit(code) : process.exit(code));
