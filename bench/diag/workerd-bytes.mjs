// What a Worker's uploaded bytes cost a fresh Miniflare, by kind: the base worker alone, then with
// the wasm (as CompiledWasm, and as the same bytes in a Data module), wrangler's bundle (as an ES
// module, and as Data), 300 KB of filler as Data, none of them imported; and the two client workers
// (the worker as `wrangler deploy` uploads it, and every module the entry reaches unbundled).
// Interleaved round by round; medians over the base, the paired median in brackets; wall time,
// the CPU of this (Miniflare's) process and of the workerd it starts (/proc, Linux).
//   node bench/diag/workerd-bytes.mjs [rounds=40] [pkgDir=pkg]
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerdVariants, workerdCpuSample, wranglerVariant, uploadedBytes } from '../lib/startup-workerd.mjs';
import { roundOrder, median } from '../lib/util.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const N = Number(process.argv[2] ?? 40);
const pkg = resolve(process.argv[3] ?? join(ROOT, 'pkg'));
const { Miniflare } = await import('miniflare');
const v = workerdVariants(pkg);
const w = await wranglerVariant(pkg, ROOT);
const base = v.base;
const bundle = w.options.modules.find((m) => m.type === 'ESModule');
const wasm = w.options.modules.find((m) => m.type === 'CompiledWasm');
const plus = (extra) => ({ ...base, modules: [...base.modules, ...extra] });
const kinds = {
  base,
  wasmCompiled: plus([{ ...wasm }]),
  wasmData: plus([{ ...wasm, type: 'Data', path: '/bench/x.bin' }]),
  bundleES: plus([{ ...bundle, path: '/bench/b.js' }]),
  bundleData: plus([{ ...bundle, type: 'Data', path: '/bench/b.bin' }]),
  filler300k: plus([{ type: 'Data', path: '/bench/z.bin', contents: Buffer.alloc(300_000, 97) }]),
  wrangler: w.options,
  unbundled: v.client,
};

const sample = (options) => workerdCpuSample(Miniflare, options);

const names = Object.keys(kinds);
const data = Object.fromEntries(names.map((k) => [k, []]));
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`load average ${load()}; ${N} rounds`);
for (const k of names) await sample(kinds[k]); // warm-up
for (let i = 0; i < N; i++) for (const k of roundOrder(names, i)) data[k].push(await sample(kinds[k]));
console.log(`load average ${load()}`);
const med = (k, f) => median(data[k].map((x) => x[f]));
const paired = (k, f) => median(data[k].map((x, i) => x[f] - data.base[i][f]));
const cell = (k, f) => `${(med(k, f) - med('base', f)).toFixed(1)} (${paired(k, f).toFixed(1)})`;
console.log('| added to the base worker | bytes | wall Δ ms | Miniflare CPU Δ ms | workerd CPU Δ ms |\n|---|---:|---:|---:|---:|');
for (const k of names.slice(1)) console.log(`| ${k} | ${uploadedBytes(kinds[k]) - uploadedBytes(base)} | ${cell(k, 'wall')} | ${cell(k, 'node')} | ${cell(k, 'workerd')} |`);
console.log(`base itself: wall ${med('base', 'wall').toFixed(1)} ms, Miniflare CPU ${med('base', 'node').toFixed(1)} ms, workerd CPU ${med('base', 'workerd').toFixed(1)} ms`);
