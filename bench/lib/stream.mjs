// Part 5 worker (one fresh Node process per run): stream a JSON-lines export from the large-work
// fake Iterable (tests/large/server.mjs) and measure MB/s and peak RSS growth over a baseline taken
// after a full GC.
//   node bench/lib/stream.mjs --url U --pkg DIR --bytes B --mode ours|raw --out FILE
//   ours: for await (const r of client.stream('export_campaign_data_to_json', {dataTypeName, range}))
//   raw:  fetch + TextDecoder(stream) + split on "\n" + JSON.parse per line
// Both do the same work per record (count + an order-sensitive checksum), checked at the end.
import { writeFileSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { importPkg } from './pkgimport.mjs';
import { jsonlExpect, fold, FOLD_SEED } from '../../tests/large/server.mjs';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const argv = process.argv.slice(2);
const arg = (n, d) => { const i = argv.indexOf(`--${n}`); return i >= 0 ? argv[i + 1] : d; };
const base = arg('url');
const bytes = Number(arg('bytes'));
const mode = arg('mode');
const KEY = 'fake-key-123';
const MB = 1024 * 1024;
const rss = () => process.memoryUsage.rss();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const mod = mode === 'ours' ? await importPkg(arg('pkg'), 'index.node.js') : null;
const client = mod && new mod.IterableClient({ apiKey: KEY, baseUrl: base, rateLimit: false, maxRetries: 0 });
const expect = jsonlExpect(bytes);

// Each process streams the one export once (the server's size is global config); the baseline below
// already includes the loaded package (import cost is Part 2's business).
let count = 0;
let h = FOLD_SEED;
const consume = (r) => { count++; h = fold(h, r.n, r.pad.length, r.pad.charCodeAt(0)); };

gc(); await sleep(100); gc();
const baseline = rss();
let peak = baseline;
let samples = 0;
const timer = setInterval(() => { samples++; const v = rss(); if (v > peak) peak = v; }, 50);
const touch = () => { const v = rss(); if (v > peak) peak = v; };
const t0 = performance.now();
if (mode === 'ours') {
  for await (const r of client.stream('export_campaign_data_to_json', { dataTypeName: 'emailSend', range: 'All' })) {
    consume(r);
    if ((count & 0x3fff) === 0) touch();
  }
} else {
  const res = await fetch(`${base}/api/export/data.json?dataTypeName=emailSend&range=All`, { headers: { accept: 'application/json', 'api-key': KEY } });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let start = 0;
    let nl;
    while ((nl = buf.indexOf('\n', start)) >= 0) {
      if (nl > start) consume(JSON.parse(buf.slice(start, nl)));
      start = nl + 1;
      if ((count & 0x3fff) === 0) touch();
    }
    buf = buf.slice(start);
  }
  buf += dec.decode();
  if (buf.trim()) consume(JSON.parse(buf));
}
const secs = (performance.now() - t0) / 1000;
clearInterval(timer);
touch();
if (count !== expect.records || h !== expect.checksum) throw new Error(`${mode}: ${count} records (expected ${expect.records}), checksum ${h} (expected ${expect.checksum})`);
const result = { mode, bytes: expect.bytes, records: count, secs, mbps: expect.bytes / MB / secs, baselineMB: baseline / MB, peakMB: peak / MB, growthMB: (peak - baseline) / MB, samples };
const out = arg('out');
if (out) writeFileSync(out, JSON.stringify(result)); else console.log(JSON.stringify(result));
process.exit(0);
