// Diagnostic (not part of run.mjs): what the same wasm call costs right after a network round trip
// and again at once (Node or Deno): the first _begin after each fetch, the second, and a
// JSON.stringify of the 1 KB input after I/O, medians of 3,500 rounds.
//   node bench/diag/after-io.mjs      node_modules/.bin/deno run -A bench/diag/after-io.mjs
import { benchServer, median, KEY, isDeno } from './common.mjs';
import { trackInput } from '../lib/util.mjs';
const mod = await import(new URL(isDeno ? '../../pkg/index.deno.js' : '../../pkg/index.node.js', import.meta.url).href);
const { base, stop } = await benchServer();
const input = trackInput(1024);
const client = new mod.IterableClient({ apiKey: KEY, baseUrl: base, rateLimit: false, maxRetries: 0 });
await client.listChannels();
const w = Object.getOwnPropertySymbols(client).map(s => client[s]).find(v => v && typeof v._begin === 'function');
const getH = { Accept: 'application/json', 'Api-Key': KEY };
const a = [], b = [], c = [];
for (let i = 0; i < 4000; i++) {
  let t = performance.now(); w._begin('list_channels', undefined, undefined); const d1 = performance.now() - t;
  t = performance.now(); w._begin('list_channels', undefined, undefined); const d2 = performance.now() - t;
  await (await fetch(base + '/api/channels', { headers: getH })).json();
  t = performance.now(); JSON.stringify(input); const d3 = performance.now() - t;
  if (i > 500) { a.push(d1); b.push(d2); c.push(d3); }
}
console.log('first _begin after I/O', (median(a) * 1000).toFixed(2), 'µs; second', (median(b) * 1000).toFixed(2), 'µs; stringify after I/O', (median(c) * 1000).toFixed(2));
stop(); isDeno ? Deno.exit(0) : process.exit(0);
