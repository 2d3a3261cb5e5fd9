const tFirst = performance.now(); // first line: ms since the process started (Node's timeOrigin)
// Part 2 worker (one fresh Node process per sample): import + instantiate to a first usable client.
//   node bench/lib/startup-node.mjs ours|official|none PKGDIR
// Prints {tFirst, tReady, importMs}: tReady - tFirst is the import + instantiate + `new IterableClient`.
const [which, pkgDir] = process.argv.slice(2);
let client;
if (which === 'ours') {
  const { IterableClient } = await import(new URL(`file://${pkgDir.replace(/\/?$/, '/')}index.node.js`).href);
  client = new IterableClient({ apiKey: 'bench-key-123' });
} else if (which === 'official') {
  const { IterableClient } = await import('@iterable/api');
  client = new IterableClient({ apiKey: 'bench-key-123', baseUrl: 'https://api.iterable.com' });
}
const tReady = performance.now();
if (which !== 'none' && !client) throw new Error('no client');
process.stdout.write(JSON.stringify({ which, tFirst, tReady, importMs: tReady - tFirst }) + '\n');
client?.destroy?.();
