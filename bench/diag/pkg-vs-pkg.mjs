// Diagnostic (not part of run.mjs): two builds of the package side by side in one interleaved run,
// with raw fetch as the floor, Node or Deno: the per-call GET (list_channels) and 1 KB POST
// (track_event) of bench/lib/percall.mjs against bench/lib/server.mjs. For keeping a change only
// where it wins (issue 16): build before and after, copy each pkg/ aside, run this.
//   node bench/diag/pkg-vs-pkg.mjs --a DIR --b DIR [--calls N]
//   deno run -A bench/diag/pkg-vs-pkg.mjs --a DIR --b DIR [--calls N]
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { trackInput, roundOrder } from '../lib/util.mjs';

const isDeno = typeof Deno !== 'undefined';
const argv = isDeno ? Deno.args : process.argv.slice(2);
const arg = (n, d) => (argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1] : d);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CALLS = Number(arg('calls', 3000));
const BLOCK = 25;
const KEY = 'bench-key-123';
const input = trackInput(1024);
const server = spawn('node', [join(ROOT, 'bench', 'lib', 'server.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
const { url: base } = JSON.parse(await new Promise((r) => createInterface({ input: server.stdout }).once('line', r)));
const entry = isDeno ? 'index.deno.js' : 'index.node.js';
const client = async (dir) => new (await import(pathToFileURL(join(dir, entry)).href)).IterableClient({ apiKey: KEY, baseUrl: base, rateLimit: false, maxRetries: 0 });
const a = await client(arg('a'));
const b = await client(arg('b'));
const getH = { accept: 'application/json', 'api-key': KEY };
const postH = { accept: 'application/json', 'content-type': 'application/json', 'api-key': KEY };
const contenders = {
  raw: {
    GET: async () => (await fetch(`${base}/api/channels`, { headers: getH })).json(),
    POST: async () => (await fetch(`${base}/api/events/track`, { method: 'POST', headers: postH, body: JSON.stringify(input) })).json(),
  },
  a: { GET: () => a.listChannels(), POST: () => a.trackEvent(input) },
  b: { GET: () => b.listChannels(), POST: () => b.trackEvent(input) },
};
const names = Object.keys(contenders);
const lat = Object.fromEntries(names.map((n) => [n, { GET: [], POST: [] }]));
for (let round = 0, done = 0; done < CALLS + 500; round++, done += BLOCK) {
  for (const n of roundOrder(names, round)) for (const m of roundOrder(['GET', 'POST'], round)) {
    const f = contenders[n][m];
    for (let i = 0; i < BLOCK; i++) { const t0 = performance.now(); await f(); if (done >= 500) lat[n][m].push(performance.now() - t0); }
  }
}
const median = (x) => { const s = Float64Array.from(x).sort(); return s[s.length >> 1]; };
console.log(`${isDeno ? `Deno ${Deno.version.deno}` : `Node ${process.version}`}, ${CALLS} calls each, blocks of ${BLOCK}; a = ${arg('a')}, b = ${arg('b')}`);
console.log('| contender | GET µs | ÷ raw | POST µs | ÷ raw |\n|---|---:|---:|---:|---:|');
for (const n of names) console.log(`| ${n} | ${(median(lat[n].GET) * 1000).toFixed(1)} | ${(median(lat[n].GET) / median(lat.raw.GET)).toFixed(3)} | ${(median(lat[n].POST) * 1000).toFixed(1)} | ${(median(lat[n].POST) / median(lat.raw.POST)).toFixed(3)} |`);
server.stdin.end();
server.kill();
if (isDeno) Deno.exit(0);
else process.exit(0);
