// Part "startup-cli": how long the CLI takes to answer the commands a newcomer types first, as
// fresh processes, against an empty Node process (`node -e 0`) measured in the same rounds. The
// contenders are interleaved (a rotating order per round) after two warm-up rounds, and each
// figure is read two ways: the ratio of the medians, and the median of each round's own ratio
// (robust to load that changes between rounds). Used by bench/run.mjs; alone:
//   node bench/lib/startup-cli.mjs [pkg dir] [rounds]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, roundOrder, summary } from './util.mjs';

/** The contenders: a label and the arguments after `node`. The CLI is the package's bin (what
 * `iterable-wasm` and `npx iterable-wasm` run). */
export const cliCases = (pkgDir) => {
  const bin = join(pkgDir, JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).bin['iterable-wasm']);
  return [
    ['node -e 0', ['-e', '0']],
    ['--help', [bin, '--help']],
    ['actions', [bin, 'actions']],
    ['describe track_event', [bin, 'describe', 'track_event']],
  ];
};

/** One fresh process: resolves its wall time (spawn → exit) in ms; rejects on a non-zero exit. */
function once(args) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('exit', (code) => {
      const ms = performance.now() - t0;
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`node ${args.join(' ')}: exit ${code}: ${stderr.trim().slice(-300)}`));
      else resolve(ms);
    });
  });
}

/** { n, base: label, cases: { label: { wall: summary, ratio, pairedRatio } } } over `rounds` rounds. */
export async function startupCli(pkgDir, rounds) {
  const cases = cliCases(pkgDir);
  const labels = cases.map(([l]) => l);
  const args = Object.fromEntries(cases);
  const wall = Object.fromEntries(labels.map((l) => [l, []]));
  for (let i = 0; i < 2; i++) for (const l of labels) await once(args[l]);
  for (let r = 0; r < rounds; r++) {
    for (const l of roundOrder(labels, r)) wall[l].push(await once(args[l]));
  }
  const base = labels[0];
  const baseMedian = median(wall[base]);
  const out = { n: rounds, base, cases: {} };
  for (const l of labels) {
    out.cases[l] = {
      wall: summary(wall[l]),
      ratio: median(wall[l]) / baseMedian,
      pairedRatio: median(wall[l].map((x, i) => x / wall[base][i])),
    };
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const pkgDir = process.argv[2] ?? join(fileURLToPath(new URL('../../pkg', import.meta.url)));
  const res = await startupCli(pkgDir, Number(process.argv[3] ?? 20));
  for (const [l, c] of Object.entries(res.cases)) console.log(`${l.padEnd(22)} median ${c.wall.median.toFixed(1)} ms  ×${c.ratio.toFixed(2)} (paired ×${c.pairedRatio.toFixed(2)})`);
}
