// Diagnostic (not part of run.mjs): the inline entry against the file entry in headless Chromium.
// Two esbuild bundles of the same page (`await ready()`, then a first client): the default entry
// with its .wasm copied next to the bundle, and `iterable-wasm/inline`. Each page load in a fresh
// browser context (no cache), alternating; medians of the time from navigation start to the script
// start, to ready() resolved and to the first client, served from 127.0.0.1.
//   node bench/diag/inline-vs-file-browser.mjs [pkg dir, default pkg/] [--n 15]
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../../tests/support/browser.mjs';
import { startServer } from '../../tests/support/server.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const args = process.argv.slice(2);
const n = args.includes('--n') ? Number(args[args.indexOf('--n') + 1]) : 15;
const pkg = resolve(args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a)) ?? join(ROOT, 'pkg'));
const work = mkdtempSync(join(tmpdir(), 'iterable-wasm-inline-vs-file-'));
try {
  mkdirSync(join(work, 'node_modules'));
  symlinkSync(pkg, join(work, 'node_modules/iterable-wasm'), 'dir');
  const sizes = {};
  for (const [name, specifier] of [['file', 'iterable-wasm'], ['inline', 'iterable-wasm/inline']]) {
    const dir = join(work, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'main.js'), `import { IterableClient, ready } from ${JSON.stringify(specifier)};
const start = performance.now();
await ready();
const r = performance.now();
new IterableClient({ apiKey: 'k' });
document.body.dataset.t = JSON.stringify({ start, ready: r, client: performance.now() });
`);
    execFileSync(join(ROOT, 'node_modules/.bin/esbuild'), ['main.js', '--bundle', '--format=esm', '--minify', '--outfile=dist/main.js', '--log-level=error'], { cwd: dir });
    if (name === 'file') cpSync(join(pkg, 'iterable_wasm_bg.wasm'), join(dir, 'dist/iterable_wasm_bg.wasm'));
    writeFileSync(join(dir, 'dist/index.html'), '<!doctype html><meta charset="utf-8"><body><script type="module" src="./main.js"></script>');
    const js = readFileSync(join(dir, 'dist/main.js'));
    const wasm = name === 'file' ? readFileSync(join(dir, 'dist/iterable_wasm_bg.wasm')) : Buffer.alloc(0);
    sizes[name] = { raw: js.length + wasm.length, gzip: gzipSync(js, { level: 9 }).length + (wasm.length ? gzipSync(wasm, { level: 9 }).length : 0) };
  }
  const site = await startServer({ static: { '/b/': work } });
  const browser = await launchChromium();
  const data = { file: [], inline: [] };
  try {
    for (let i = 0; i < n + 1; i++) {
      for (const name of i % 2 ? ['inline', 'file'] : ['file', 'inline']) {
        const ctx = await browser.newContext();
        const page = await ctx.newPage();
        await page.goto(`${site.url}/b/${name}/dist/index.html`);
        await page.waitForSelector('body[data-t]', { state: 'attached', timeout: 20_000 });
        const t = JSON.parse(await page.getAttribute('body', 'data-t'));
        if (i > 0) data[name].push(t); // the first round warms the server and the browser
        await ctx.close();
      }
    }
  } finally {
    await browser.close();
    await site.close();
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  console.log(`Chromium, median of ${n} fresh contexts; ms from navigation start`);
  console.log('entry    bundle raw / gzip        script start  ready()  first client  (ready - start)');
  for (const name of ['file', 'inline']) {
    const d = data[name];
    const s = sizes[name];
    console.log(`${name.padEnd(7)}  ${`${(s.raw / 1024).toFixed(1)} / ${(s.gzip / 1024).toFixed(1)} KiB`.padEnd(23)}  ${median(d.map((x) => x.start)).toFixed(1).padStart(12)}  ${median(d.map((x) => x.ready)).toFixed(1).padStart(7)}  ${median(d.map((x) => x.client)).toFixed(1).padStart(12)}  ${median(d.map((x) => x.ready - x.start)).toFixed(1).padStart(15)}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
