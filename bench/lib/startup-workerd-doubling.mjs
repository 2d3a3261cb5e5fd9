// Part 2 (workerd), the package's own share, in a process of its own (run.mjs starts it after the
// part's rounds, so a second Miniflare loaded in the bench's process cannot touch the target's
// samples): the base worker and the client worker as `wrangler deploy` builds it, under a copy of
// the pinned Miniflare whose config arena doubles when it grows (doublingMiniflare), interleaved.
//   node bench/lib/startup-workerd-doubling.mjs --pkg PKGDIR --rounds N --out FILE
// Writes {base: [ms...], wrangler: [ms...]} (first response of each fresh Miniflare) to FILE.
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { doublingMiniflare, workerdSample, workerdVariants, wranglerVariant } from './startup-workerd.mjs';
import { roundOrder } from './util.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const arg = (name) => {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0 || i + 1 >= process.argv.length) throw new Error(`--${name} is required`);
  return process.argv[i + 1];
};
const pkg = resolve(arg('pkg'));
const rounds = Number(arg('rounds'));
const out = arg('out');
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, got ${arg('rounds')}`);

const doubling = await doublingMiniflare(ROOT);
try {
  const variants = { base: workerdVariants(pkg).base, wrangler: (await wranglerVariant(pkg, ROOT)).options };
  const kinds = Object.keys(variants);
  const data = Object.fromEntries(kinds.map((k) => [k, []]));
  for (const k of kinds) await workerdSample(doubling.Miniflare, variants[k]); // warm-up
  for (let i = 0; i < rounds; i++) for (const k of roundOrder(kinds, i)) data[k].push(await workerdSample(doubling.Miniflare, variants[k]));
  writeFileSync(out, JSON.stringify(data));
} finally {
  doubling.dispose();
}
