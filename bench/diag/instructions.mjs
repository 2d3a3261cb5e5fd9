// Diagnostic (not part of run.mjs): instructions per call of the client's own work, for a loaded
// machine where time is too noisy to read. The global fetch is replaced by a function answering a
// ready Response (so the common attempt's own path runs: its time limit, the body read, the
// verdict), and raw fetch + r.json() with the same stand-in is the reference. Contenders take
// turns in blocks, each block between two markers at which callgrind dumps its counts
// (`--dump-before=getegid` in Node, `getgid` in Deno: process.getegid() / Deno.gid()).
//
//   node bench/diag/instructions.mjs --pkgs before=DIR,after=DIR [--deno] [--block 500] [--rounds 4]
//
// It runs itself under `valgrind --tool=callgrind` (Node, or Deno with --deno) and prints, per
// contender and method, the median instructions per call over its blocks (min–max) and the ratio
// to raw. GC lands in whichever block it lands in: read medians, and the spread.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trackInput, roundOrder } from '../lib/util.mjs';
import { CHANNELS_BODY, TRACK_BODY } from '../lib/server.mjs';
import { arg, argv, isDeno, KEY, ROOT, exit } from './common.mjs';

const B = Number(arg('block', 500));
const R = Number(arg('rounds', 4));
const WARM = Number(arg('warm', 1000));
const pkgs = arg('pkgs', '').split(',').filter(Boolean);

if (!argv.includes('--child')) {
  // The parent: run the child under callgrind, then read its dumps.
  const dir = mkdtempSync(join(tmpdir(), 'iterable-instr-'));
  const deno = argv.includes('--deno');
  const cmd = deno ? [join(ROOT, 'node_modules', '.bin', 'deno'), 'run', '-A'] : [process.execPath];
  const r = spawnSync('valgrind', ['--tool=callgrind', '--cache-sim=no', `--dump-before=${deno ? 'getgid' : 'getegid'}`, `--callgrind-out-file=${join(dir, 'out')}`, ...cmd, new URL(import.meta.url).pathname, ...argv, '--child', '--dir', dir], { stdio: ['ignore', 'inherit', 'pipe'] });
  if (r.status !== 0) throw new Error(`valgrind: ${r.stderr.toString().slice(-2000)}`);
  const { order } = JSON.parse(readFileSync(join(dir, 'order.json'), 'utf8'));
  const dumps = readdirSync(dir).filter((f) => /^out\.\d+$/.test(f)).sort((a, b) => a.split('.')[1] - b.split('.')[1]);
  const totals = dumps.map((f) => Number(/^totals:\s*(\d+)/m.exec(readFileSync(join(dir, f), 'utf8'))?.[1]));
  // The runtime may reach the marker's libc call at start-up too: the blocks are the last dumps.
  const blocks = totals.slice(totals.length - order.length);
  const by = {};
  order.forEach((k, i) => (by[k] ??= []).push(blocks[i] / B));
  const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
  const names = [...new Set(order.map((k) => k.split(' ')[0]))];
  console.log(`${deno ? 'Deno' : 'Node'}: instructions per call (callgrind), median of ${R} blocks of ${B} (min–max)`);
  console.log('| contender | GET | ÷ raw | POST | ÷ raw |\n|---|---:|---:|---:|---:|');
  const k = (x) => `${(x / 1000).toFixed(1)}k`;
  for (const n of names) {
    const cell = (m) => { const a = by[`${n} ${m}`]; return `${k(med(a))} (${k(Math.min(...a))}–${k(Math.max(...a))}) | ${(med(a) / med(by[`raw ${m}`])).toFixed(2)}`; };
    console.log(`| ${n} | ${cell('GET')} | ${cell('POST')} |`);
  }
  rmSync(dir, { recursive: true, force: true });
  exit();
} else {
  const input = trackInput(1024);
  const enc = new TextEncoder();
  const answer = (url) => {
    const body = String(url).endsWith('/channels') ? CHANNELS_BODY : TRACK_BODY;
    return new Response(body, { status: 200, headers: { 'content-type': 'application/json', 'content-length': String(enc.encode(body).length) } });
  };
  globalThis.fetch = async (url) => answer(url);
  const base = 'http://127.0.0.1:9';
  const getH = { accept: 'application/json', 'api-key': KEY };
  const postH = { accept: 'application/json', 'content-type': 'application/json', 'api-key': KEY };
  const V = {
    raw: async (post) => (post ? (await fetch(`${base}/api/events/track`, { method: 'POST', headers: postH, body: JSON.stringify(input) })).json() : (await fetch(`${base}/api/channels`, { headers: getH })).json()),
  };
  for (const p of pkgs) {
    const [name, dir] = p.split('=');
    const m = await import(new URL(`file://${join(dir, isDeno ? 'index.deno.js' : 'index.node.js')}`).href);
    const c = new m.IterableClient({ apiKey: KEY, baseUrl: base, rateLimit: false, maxRetries: 0 });
    V[name] = (post) => (post ? c.trackEvent(input) : c.listChannels());
  }
  const names = Object.keys(V);
  for (const n of names) for (const m of ['GET', 'POST']) for (let i = 0; i < WARM; i++) await V[n](m === 'POST');
  const marker = isDeno ? () => Deno.gid() : () => process.getegid();
  const order = [];
  marker();
  for (let r = 0; r < R; r++) {
    for (const n of roundOrder(names, r)) for (const m of roundOrder(['GET', 'POST'], r)) {
      for (let i = 0; i < B; i++) await V[n](m === 'POST');
      marker();
      order.push(`${n} ${m}`);
    }
  }
  writeFileSync(join(arg('dir'), 'order.json'), JSON.stringify({ order }));
  exit();
}
