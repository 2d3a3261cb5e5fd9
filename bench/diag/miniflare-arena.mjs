// Diagnostic (not part of run.mjs): how much of the bench's workerd figure is Miniflare's own
// config encoder. Miniflare writes the whole workerd configuration, every uploaded module
// included, into one Cap'n Proto message whose single-segment arena grows by copying the whole
// buffer into one only 4 KB larger (capnp-es `SingleSegmentArena`, bundled in Miniflare). The user
// worker is encoded first, so each of its bytes is copied again at every later growth (Miniflare's
// own services after it are ~450 KB of small pieces): the cost of an uploaded byte is set by
// Miniflare, not by what the byte holds.
//
// This script takes a copy of the pinned Miniflare whose arena doubles instead (one line changed,
// in a temporary folder: doublingMiniflare() in bench/lib/startup-workerd.mjs) and times the
// bench's base worker and its client worker (as `wrangler deploy` builds it, the target's variant)
// under both, interleaved round by round. It also counts the bytes each variant's encoding copies (`Float64Array#set`
// in this process until Miniflare is ready). The bench's target is judged on the pinned Miniflare
// as it is; this only shows which part of the figure the package's bytes and code can move.
//   node bench/diag/miniflare-arena.mjs [rounds=30] [pkgDir=pkg]
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerdVariants, workerdCpuSample, wranglerVariant, uploadedBytes, doublingMiniflare } from '../lib/startup-workerd.mjs';
import { roundOrder, median } from '../lib/util.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const N = Number(process.argv[2] ?? 30);
const pkg = resolve(process.argv[3] ?? join(ROOT, 'pkg'));
const doubling = await doublingMiniflare(ROOT);
try {
  const engines = {
    pinned: (await import('miniflare')).Miniflare,
    doubling: doubling.Miniflare,
  };

  const base = workerdVariants(pkg).base;
  const client = (await wranglerVariant(pkg, ROOT)).options;
  const runs = [];
  for (const engine of Object.keys(engines)) for (const [worker, options] of Object.entries({ base, client })) runs.push({ name: `${engine}/${worker}`, engine, options });

  // Bytes copied by the arena while Miniflare encodes the configuration (before `ready`).
  const set = Float64Array.prototype.set;
  for (const r of runs) {
    let copied = 0;
    Float64Array.prototype.set = function (src, offset) {
      copied += src.length * 8;
      return set.call(this, src, offset);
    };
    const mf = new engines[r.engine](r.options);
    try {
      await mf.ready;
    } finally {
      Float64Array.prototype.set = set;
    }
    await mf.dispose();
    r.copiedMB = copied / 1e6;
  }

  const sample = (r) => workerdCpuSample(engines[r.engine], r.options);
  const data = new Map(runs.map((r) => [r, []]));
  const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`load average ${load()}; ${N} rounds; uploaded by the client worker: ${uploadedBytes(client)} bytes`);
  for (const r of runs) await sample(r); // warm-up
  for (let i = 0; i < N; i++) for (const r of roundOrder(runs, i)) data.get(r).push(await sample(r));
  console.log(`load average ${load()}`);

  const med = (r, f) => median(data.get(r).map((x) => x[f]));
  console.log('| Miniflare | worker | copied by the arena | first response | Miniflare (Node) CPU | workerd CPU |\n|---|---|---:|---:|---:|---:|');
  for (const r of runs) console.log(`| ${r.engine} | ${r.name.split('/')[1]} | ${r.copiedMB.toFixed(1)} MB | ${med(r, 'wall').toFixed(1)} ms | ${med(r, 'node').toFixed(1)} ms | ${med(r, 'workerd').toFixed(1)} ms |`);
  for (const engine of Object.keys(engines)) {
    const [b, c] = runs.filter((r) => r.engine === engine);
    const paired = median(data.get(c).map((x, i) => x.wall - data.get(b)[i].wall));
    console.log(`${engine}: client − base ${(med(c, 'wall') - med(b, 'wall')).toFixed(1)} ms (paired ${paired.toFixed(1)}); Miniflare CPU ${(med(c, 'node') - med(b, 'node')).toFixed(1)} ms; workerd CPU ${(med(c, 'workerd') - med(b, 'workerd')).toFixed(1)} ms`);
  }
} finally {
  doubling.dispose();
}
