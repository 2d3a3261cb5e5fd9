// Diagnostic (not part of run.mjs): the bench's two start-up figures for several builds of the
// package side by side, in one interleaved run (so a busy machine slows every build alike), with
// the bench's own parts: bench/lib/startup-node.mjs (fresh Node process: import + first
// `new IterableClient`) and bench/lib/startup-workerd.mjs (fresh Miniflare: first response of a
// worker that imports the package and makes a client, minus the same worker without it).
//   node bench/diag/startup-vs.mjs [--node 40] [--workerd 30] [--bundled] label=PKGDIR ...
//   e.g. node bench/diag/startup-vs.mjs before=/tmp/before/pkg after=pkg
// --node 0 or --workerd 0 skips that half. Medians, first quartile in brackets; load average before
// and after. For workerd also the CPU time to the first response (this process's, which includes
// Miniflare's, plus every thread of the workerd it started, from /proc): less moved by other jobs
// on the machine than the wall time, which waits for a core whenever they hold both.
// Each build's client worker uploads every module the entry can reach, unbundled; --bundled adds,
// per build, the same worker as `wrangler deploy` uploads it (wranglerVariant: wrangler's own
// build, its bundle and the .wasm), which is the bench's figure.
import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { roundOrder, median, quantile, sorted } from '../lib/util.mjs';
import { workerdVariants, workerdSample, workerdCpuSample, wranglerVariant } from '../lib/startup-workerd.mjs';

const LIB = join(dirname(fileURLToPath(import.meta.url)), '..', 'lib');
const ROOT = join(LIB, '..', '..');
const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(`--${n}`) ? Number(args[args.indexOf(`--${n}`) + 1]) : d);
const nNode = opt('node', 40);
const nWorkerd = opt('workerd', 30);
const builds = args.filter((a) => /^\w[\w.-]*=/.test(a)).map((a) => {
  const [label, dir] = a.split(/=(.*)/s);
  return { label, dir: resolve(dir) };
});
if (!builds.length) {
  console.error('usage: node bench/diag/startup-vs.mjs [--node 40] [--workerd 30] label=PKGDIR ...');
  process.exit(2);
}
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const cell = (xs) => `${median(xs).toFixed(2)} (${quantile(sorted(xs), 0.25).toFixed(1)})`;
console.log(`load average ${load()}`);

if (nNode > 0) {
  const one = (dir) => new Promise((res, rej) => execFile(process.execPath, [join(LIB, 'startup-node.mjs'), 'ours', dir], { encoding: 'utf8' }, (e, out, err) => (e ? rej(new Error(err || e.message)) : res(JSON.parse(out.trim().split('\n').pop()).importMs))));
  const data = Object.fromEntries(builds.map((b) => [b.label, []]));
  for (const b of builds) await one(b.dir); // warm the file cache
  for (let i = 0; i < nNode; i++) for (const b of roundOrder(builds, i)) data[b.label].push(await one(b.dir));
  console.log(`Node ${process.version}: import + first client, fresh process, median of ${nNode} (first quartile)`);
  for (const b of builds) console.log(`  ${b.label.padEnd(12)} ${cell(data[b.label])} ms`);
  console.log(`load average ${load()}`);
}

/** One workerd sample: { wall, cpu, workerd } ms to the first response (cpu: this process + its
 * workerd; workerd: its own threads alone). */
async function cpuSample(Miniflare, options) {
  const { wall, node, workerd } = await workerdCpuSample(Miniflare, options);
  return { wall, cpu: node + workerd, workerd };
}

if (nWorkerd > 0) {
  const { Miniflare } = await import('miniflare');
  const kinds = [{ label: 'base', options: workerdVariants(builds[0].dir).base }, ...builds.map((b) => ({ label: b.label, options: workerdVariants(b.dir).client }))];
  if (args.includes('--bundled')) for (const b of builds) kinds.push({ label: `${b.label}+wrangler`, options: (await wranglerVariant(b.dir, ROOT)).options });
  const data = Object.fromEntries(kinds.map((k) => [k.label, []]));
  for (const k of kinds) await workerdSample(Miniflare, k.options); // warm-up
  for (let i = 0; i < nWorkerd; i++) for (const k of roundOrder(kinds, i)) data[k.label].push(await cpuSample(Miniflare, k.options));
  console.log(`workerd (Miniflare): first response, fresh instance, median of ${nWorkerd} (first quartile); − base: medians' difference, [paired median]`);
  const titles = { wall: ' wall time', cpu: ' CPU time (this process, with Miniflare, + its workerd)', workerd: ' CPU time of workerd alone' };
  for (const what of Object.keys(titles)) {
    const xs = Object.fromEntries(kinds.map((k) => [k.label, data[k.label].map((x) => x[what])]));
    console.log(titles[what]);
    for (const k of kinds) {
      const diff = k.label === 'base' ? '' : `  − base ${(median(xs[k.label]) - median(xs.base)).toFixed(1)} [${median(xs[k.label].map((x, i) => x - xs.base[i])).toFixed(1)}]`;
      console.log(`  ${k.label.padEnd(12)} ${cell(xs[k.label])} ms${diff}`);
    }
  }
  console.log(`load average ${load()}`);
}
