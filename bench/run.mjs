#!/usr/bin/env node
// Side-by-side benchmarks of iterable-wasm (pkg/) against its peers, all on 127.0.0.1, every figure
// next to a peer measured in the same run. Regenerates bench/RESULTS.md and bench/latency.svg.
//
//   node bench/run.mjs            full run (a few minutes)
//   node bench/run.mjs --smoke    small counts, ≤ 60 s: proves every part still runs
//   node bench/run.mjs --profile  also CPU-profiles our per-call loop, bulk and start-up (node --cpu-prof)
//   node bench/run.mjs --only weight,percall   a subset of parts (RESULTS.md then lists only those)
//
// Parts: requests (the request bytes, checked against bench/fixtures/requests.json), weight, startup (Node), startup-workerd, startup-cli, percall (Node), percall-deno, bulk, stream,
// sandbox (the in-process emulator at 10× sizes; its own RESULTS.sandbox.md), rust-client (the Rust crate
// against bare reqwest, natively), queues (1,000,000 users through iterable-wasm/queues in miniflare
// against the sandbox; its own RESULTS.queues.md).
// A part "passes" when it ran and produced its numbers; targets are reported, not enforced.
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, lstatSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir, cpus, availableParallelism, loadavg, release } from 'node:os';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { summary, median, quantile, sorted, roundOrder, sleep, fmt } from './lib/util.mjs';
import { latencySvg } from './lib/svg.mjs';
import { workerdVariants, workerdSample, wranglerVariant, uploadedBytes } from './lib/startup-workerd.mjs';
import { startupCli } from './lib/startup-cli.mjs';
import { summarizeProfile, profileMarkdown } from './lib/profile.mjs';
import { partSandbox } from './lib/sandbox-part.mjs';
import { partRustClient, RUST_TARGET } from './lib/rust-client-part.mjs';
import { partQueues } from './lib/queues-part.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const SAMPLE_N = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'requests.json'), 'utf8')).length;
const ROOT = join(BENCH, '..');
const PKG = join(ROOT, 'pkg');
const DENO = join(ROOT, 'node_modules', '.bin', 'deno');
const argv = process.argv.slice(2);
const SMOKE = argv.includes('--smoke');
const PROFILE = argv.includes('--profile');
const onlyArg = argv.includes('--only') ? argv[argv.indexOf('--only') + 1].split(',') : null;
const MB = 1024 * 1024;
const KB = 1024;
const T_START = Date.now();

const SIZES = SMOKE
  ? { startupN: 5, cliN: 5, workerdN: 3, calls: 200, warm: 50, block: 25, bulkEvents: 10_000, bulkRounds: 2, streamBytes: 16 * MB, streamRounds: 1 }
  : { startupN: 40, cliN: 25, workerdN: 30, calls: 3000, warm: 500, block: 25, bulkEvents: 100_000, bulkRounds: 5, streamBytes: 1024 * MB, streamRounds: 2 };

const log = (...a) => console.log(...a);
const partLog = (name, msg) => log(`[${name}] ${msg}`);

// -------------------------------------------------------------------------------------------------
// Child processes.
// -------------------------------------------------------------------------------------------------

/** Runs a command to completion; resolves {code, stdout, stderr, ms}. Kills it (by pid) after timeoutMs. */
function run(cmd, args, { timeoutMs = 600_000, env, cwd = ROOT } = {}) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { stderr += `\n(killed after ${timeoutMs} ms)`; try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ } }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); resolve({ code: -1, stdout, stderr: stderr + String(e), ms: performance.now() - t0 }); });
    let ms = null;
    child.on('exit', () => { ms = performance.now() - t0; clearTimeout(timer); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr, ms: ms ?? performance.now() - t0 });
    });
  });
}

/** Like run(), but throws with the child's stderr on failure, and parses a JSON result file. */
async function runJson(cmd, args, opts = {}) {
  const out = join(WORK, `out-${Math.random().toString(36).slice(2)}.json`);
  const r = await run(cmd, [...args, '--out', out], opts);
  if (r.code !== 0 || !existsSync(out)) throw new Error(`${[cmd, ...args].map((a) => relative(ROOT, a) || a).join(' ').slice(0, 200)} exited ${r.code}: ${(r.stderr || r.stdout).trim().slice(-800)}`);
  const data = JSON.parse(readFileSync(out, 'utf8'));
  rmSync(out, { force: true });
  return data;
}

/** Starts a long-running server child that prints {"url"} on its first stdout line. */
function startServer(file) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`${file} did not start in 15 s`)), 15_000);
    child.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0 && timer) {
        clearTimeout(timer);
        const { url } = JSON.parse(buf.slice(0, nl));
        resolve({
          url,
          stop: () => { try { child.stdin.end(); } catch { /* gone */ } try { process.kill(child.pid); } catch { /* gone */ } },
        });
      }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${file} exited (${code})`)); });
  });
}

// -------------------------------------------------------------------------------------------------
// The package snapshot: pkg/ copied once it is stable and imports, so a rebuild by the lead during
// the run cannot mix builds or break an import half-way. Every part measures the snapshot.
// -------------------------------------------------------------------------------------------------

const WORK = mkdtempSync(join(tmpdir(), 'iterable-wasm-bench-'));
const walk = (d) => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
const BROWSER_FILES = ['index.browser.js', 'load.browser.js', 'api.js', 'iterable_wasm.js', 'iterable_wasm_bg.wasm'];

async function snapshotPkg() {
  let last;
  for (let attempt = 0; attempt < 40; attempt++) {
    try {
      const need = [...BROWSER_FILES, 'index.node.js', 'index.cjs', 'index.deno.js', 'index.workerd.js', 'package.json'];
      const missing = need.filter((f) => !existsSync(join(PKG, f)));
      if (missing.length) throw new Error(`pkg/ lacks ${missing.join(', ')} (rebuild in progress?)`);
      const stamp = () => walk(PKG).map((f) => `${f}:${statSync(f).mtimeMs}:${statSync(f).size}`).join('\n');
      const before = stamp();
      await sleep(attempt === 0 ? 300 : 1500);
      if (stamp() !== before) throw new Error('pkg/ is changing (rebuild in progress?)');
      const dir = join(WORK, `pkg-${attempt}`);
      cpSync(PKG, dir, { recursive: true });
      if (stamp() !== before) throw new Error('pkg/ changed while copying');
      const probe = await run(process.execPath, ['--input-type=module', '-e',
        `const m = await import(${JSON.stringify(pathToFileURL(join(dir, 'index.node.js')).href)}); const c = new m.IterableClient({ apiKey: 'k' }); if (m.actions.length < 100 || c.region !== 'us') throw new Error('bad package'); console.log(m.actions.length);`], { timeoutMs: 30_000 });
      if (probe.code !== 0) throw new Error(`snapshot does not import: ${probe.stderr.trim().slice(-400)}`);
      const wasm = readFileSync(join(dir, 'iterable_wasm_bg.wasm'));
      const version = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
      return {
        dir,
        version,
        actions: Number(probe.stdout.trim()),
        wasmSha: createHash('sha256').update(wasm).digest('hex').slice(0, 12),
        builtAt: new Date(statSync(join(PKG, 'iterable_wasm_bg.wasm')).mtimeMs).toISOString(),
        attempts: attempt + 1,
      };
    } catch (e) {
      last = e;
      log(`[snapshot] ${e.message}; retrying`);
      await sleep(2000);
    }
  }
  throw new Error(`pkg/ never became usable: ${last?.message}`);
}

// -------------------------------------------------------------------------------------------------
// Machine.
// -------------------------------------------------------------------------------------------------

function machine() {
  let model = 'unknown';
  try { model = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? model; } catch { /* not Linux */ }
  let deno = 'not found';
  try { deno = execFileSync(DENO, ['--version'], { encoding: 'utf8' }).split('\n')[0].trim(); } catch { /* missing */ }
  const ver = (name) => { try { return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version; } catch { return '?'; } };
  return {
    cores: availableParallelism?.() ?? cpus().length,
    cpuModel: model,
    node: process.version,
    deno,
    kernel: release(),
    loadStart: loadavg().map((x) => x.toFixed(2)).join(' '),
    date: new Date().toISOString(),
    peers: { '@iterable/api': ver('@iterable/api'), '@iterable/web-sdk': ver('@iterable/web-sdk'), miniflare: ver('miniflare'), esbuild: ver('esbuild') },
  };
}

// -------------------------------------------------------------------------------------------------
// Part 1: weight.
// -------------------------------------------------------------------------------------------------

/** The install folder of `name` as Node would resolve it from `fromDir` (walking up node_modules). */
function pkgDirFrom(name, fromDir) {
  for (let d = fromDir; ; d = dirname(d)) {
    const p = join(d, 'node_modules', name);
    if (existsSync(join(p, 'package.json'))) return p;
    if (dirname(d) === d) return null;
  }
}
/** Bytes of a package folder, without its nested node_modules (those are counted as dependencies). */
function dirBytes(d) {
  let total = 0;
  for (const f of readdirSync(d)) {
    if (f === 'node_modules') continue;
    const p = join(d, f);
    const st = lstatSync(p);
    total += st.isDirectory() ? dirBytes(p) : st.size;
  }
  return total;
}
/** Installed size of a package and its dependency closure (dependencies + installed optional ones). */
function installedSize(name) {
  const seen = new Map();
  const visit = (n, from) => {
    const dir = pkgDirFrom(n, from);
    if (!dir || seen.has(dir)) return;
    seen.set(dir, dirBytes(dir));
    const m = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys({ ...(m.dependencies ?? {}), ...(m.optionalDependencies ?? {}) })) visit(dep, dir);
  };
  visit(name, ROOT);
  return { bytes: [...seen.values()].reduce((a, b) => a + b, 0), packages: seen.size };
}

async function partWeight(ctx) {
  const esbuild = await import('esbuild');
  const gz = (buf) => gzipSync(buf, { level: 9 }).length;
  // Ours: what a browser loads (the browser entry and everything it imports).
  const files = [...BROWSER_FILES, ...walk(join(ctx.pkg.dir, 'snippets')).map((f) => relative(ctx.pkg.dir, f))];
  const perFile = files.map((f) => {
    const b = readFileSync(join(ctx.pkg.dir, f));
    return { file: f, raw: b.length, gzip: gz(b) };
  });
  const ours = { raw: perFile.reduce((a, f) => a + f.raw, 0), gzip: perFile.reduce((a, f) => a + f.gzip, 0), perFile };
  const w = perFile.find((f) => f.file === 'iterable_wasm_bg.wasm');
  ours.wasmRaw = w.raw;
  ours.wasmGzip = w.gzip;
  ours.jsRaw = ours.raw - w.raw;
  ours.jsGzip = ours.gzip - w.gzip;

  const bundle = async (name, platform) => {
    const r = await esbuild.build({
      stdin: { contents: `export * from ${JSON.stringify(name)};`, resolveDir: ROOT, loader: 'js', sourcefile: 'bench-entry.js' },
      bundle: true, platform, format: 'esm', minify: true, write: false, logLevel: 'silent', metafile: true,
    });
    const b = r.outputFiles[0].contents;
    return { raw: b.length, gzip: gz(b), inputs: Object.keys(r.metafile.inputs).length };
  };
  // @iterable/api: for the browser if it bundles, otherwise for node (and its installed size).
  const official = { installed: installedSize('@iterable/api') };
  try {
    official.browser = await bundle('@iterable/api', 'browser');
    official.used = 'browser';
  } catch (e) {
    official.browserError = [...new Set((e.errors ?? []).map((x) => x.text))].slice(0, 10).join('; ') || String(e.message ?? e).slice(0, 300);
    official.node = await bundle('@iterable/api', 'node');
    official.used = 'node';
  }
  const sdk = await bundle('@iterable/web-sdk', 'browser');
  const oBundle = official.browser ?? official.node;
  partLog('weight', `ours ${ours.gzip} B gzip (wasm ${ours.wasmGzip}), @iterable/api ${official.used} bundle ${oBundle.gzip} B gzip, web-sdk ${sdk.gzip} B gzip`);
  return { ours, official, sdk };
}

// -------------------------------------------------------------------------------------------------
// Part 2: start-up.
// -------------------------------------------------------------------------------------------------

async function partStartupNode(ctx) {
  const script = join(BENCH, 'lib', 'startup-node.mjs');
  const kinds = ['none', 'ours', 'official'];
  const data = Object.fromEntries(kinds.map((k) => [k, { importMs: [], tReady: [], tFirst: [], wall: [] }]));
  const one = async (k, record) => {
    const r = await run(process.execPath, [script, k, ctx.pkg.dir], { timeoutMs: 60_000 });
    if (r.code !== 0) throw new Error(`startup ${k}: exit ${r.code}: ${r.stderr.trim().slice(-500)}`);
    const j = JSON.parse(r.stdout.trim().split('\n').pop());
    if (record) {
      data[k].importMs.push(j.importMs);
      data[k].tReady.push(j.tReady);
      data[k].tFirst.push(j.tFirst);
      data[k].wall.push(r.ms);
    }
  };
  for (let i = 0; i < 2; i++) for (const k of kinds) await one(k, false); // warm the file cache
  for (let i = 0; i < ctx.sizes.startupN; i++) for (const k of roundOrder(kinds, i)) await one(k, true);
  const s = Object.fromEntries(kinds.map((k) => [k, Object.fromEntries(Object.entries(data[k]).map(([f, xs]) => [f, summary(xs)]))]));
  partLog('startup', `import→client median: ours ${fmt(s.ours.importMs.median)} ms, @iterable/api ${fmt(s.official.importMs.median)} ms; process wall: none ${fmt(s.none.wall.median, 1)}, ours ${fmt(s.ours.wall.median, 1)}, official ${fmt(s.official.wall.median, 1)} ms`);
  return { n: ctx.sizes.startupN, s };
}

// The CLI's first commands as fresh processes against `node -e 0` (bench/lib/startup-cli.mjs).
async function partStartupCli(ctx) {
  const res = await startupCli(ctx.pkg.dir, ctx.sizes.cliN);
  partLog('startup-cli', Object.entries(res.cases).map(([l, c]) => `${l} ${fmt(c.wall.median, 1)} ms (×${c.ratio.toFixed(2)})`).join(', '));
  return res;
}

async function partStartupWorkerd(ctx) {
  const { Miniflare } = await import('miniflare');
  const variants = workerdVariants(ctx.pkg.dir);
  const built = await wranglerVariant(ctx.pkg.dir, ROOT);
  variants.wrangler = built.options;
  const kinds = ['base', 'shipped', 'client', 'wrangler'];
  const data = Object.fromEntries(kinds.map((k) => [k, []]));
  for (const k of kinds) await workerdSample(Miniflare, variants[k]); // warm-up: workerd binary, caches
  for (let i = 0; i < ctx.sizes.workerdN; i++) for (const k of roundOrder(kinds, i)) data[k].push(await workerdSample(Miniflare, variants[k]));
  // The package's own share: the base and wrangler's build again, under a copy of Miniflare whose
  // config arena doubles when it grows (its own process: lib/startup-workerd-doubling.mjs). The
  // target is judged on the pinned Miniflare as it is, above.
  const dbl = await runJson(process.execPath, [join(BENCH, 'lib', 'startup-workerd-doubling.mjs'), '--pkg', ctx.pkg.dir, '--rounds', String(ctx.sizes.workerdN)], { timeoutMs: 600_000 });
  data.baseDoubling = dbl.base;
  data.wranglerDoubling = dbl.wrangler;
  const paired = (k, base = 'base') => median(data[k].map((x, i) => x - data[base][i]));
  const s = Object.fromEntries(Object.keys(data).map((k) => [k, summary(data[k])]));
  const res = {
    n: ctx.sizes.workerdN,
    s,
    bytes: { client: uploadedBytes(variants.client) - uploadedBytes(variants.base), wrangler: built.bytes },
    wranglerMinusBase: s.wrangler.median - s.base.median,
    wranglerPaired: paired('wrangler'),
    clientMinusBase: s.client.median - s.base.median,
    pairedMedian: paired('client'),
    shippedMinusBase: s.shipped.median - s.base.median,
    clientMinusShipped: s.client.median - s.shipped.median,
    doublingMinusBase: s.wranglerDoubling.median - s.baseDoubling.median,
    doublingPaired: paired('wranglerDoubling', 'baseDoubling'),
  };
  partLog('startup-workerd', `first response median: base ${fmt(s.base.median, 1)}, wrangler's build ${fmt(s.wrangler.median, 1)}, every module unbundled: shipped ${fmt(s.shipped.median, 1)}, client ${fmt(s.client.median, 1)} ms → wrangler − base ${fmt(res.wranglerMinusBase, 1)} ms (paired ${fmt(res.wranglerPaired, 1)}), unbundled client − base ${fmt(res.clientMinusBase, 1)} ms (paired ${fmt(res.pairedMedian, 1)}); with Miniflare's arena doubling (own process): base ${fmt(s.baseDoubling.median, 1)}, wrangler's build ${fmt(s.wranglerDoubling.median, 1)} ms → ${fmt(res.doublingMinusBase, 1)} ms (paired ${fmt(res.doublingPaired, 1)})`);
  return res;
}

// -------------------------------------------------------------------------------------------------
// Part 3: per-call overhead.
// -------------------------------------------------------------------------------------------------

function percallStats(raw) {
  const out = {};
  for (const [name, byMethod] of Object.entries(raw.lat)) {
    out[name] = {};
    for (const [m, xs] of Object.entries(byMethod)) out[name][m] = summary(xs);
  }
  return out;
}

async function partPercallNode(ctx) {
  const z = ctx.sizes;
  const raw = await runJson(process.execPath, [join(BENCH, 'lib', 'percall.mjs'), '--url', ctx.server.url, '--pkg', ctx.pkg.dir, '--calls', String(z.calls), '--warm', String(z.warm), '--block', String(z.block)], { timeoutMs: 600_000 });
  const s = percallStats(raw);
  for (const m of ['GET', 'POST']) partLog('percall', `${m} median: raw ${fmt(s.raw[m].median, 3)}, @iterable/api ${fmt(s.official[m].median, 3)}, ours ${fmt(s.ours[m].median, 3)} ms → c/a ${fmt(s.ours[m].median / s.raw[m].median)}, c/b ${fmt(s.ours[m].median / s.official[m].median)}`);
  return { raw, s };
}

async function partPercallDeno(ctx) {
  const z = ctx.sizes;
  if (!existsSync(DENO)) throw new Error(`deno not found at ${DENO}`);
  const raw = await runJson(DENO, ['run', '-A', '--node-modules-dir=manual', join(BENCH, 'lib', 'percall.mjs'), '--url', ctx.server.url, '--pkg', ctx.pkg.dir, '--calls', String(z.calls), '--warm', String(z.warm), '--block', String(z.block)], { timeoutMs: 600_000 });
  const s = percallStats(raw);
  for (const m of ['GET', 'POST']) partLog('percall-deno', `${m} median: raw ${fmt(s.raw[m].median, 3)}, @iterable/api ${fmt(s.official[m].median, 3)}, ours ${fmt(s.ours[m].median, 3)} ms → c/a ${fmt(s.ours[m].median / s.raw[m].median)}, c/b ${fmt(s.ours[m].median / s.official[m].median)}`);
  return { raw, s };
}

// -------------------------------------------------------------------------------------------------
// Part 0: the request bytes (bench/lib/requests.mjs): the sampled actions' requests, in Node and
// Deno, must equal bench/fixtures/requests.json byte for byte, so no speed change alters the wire.
// -------------------------------------------------------------------------------------------------

async function partRequests(ctx) {
  const out = {};
  for (const [rt, cmd, args] of [['node', process.execPath, []], ['deno', DENO, ['run', '-A']]]) {
    if (rt === 'deno' && !existsSync(DENO)) throw new Error(`deno not found at ${DENO}`);
    const r = await run(cmd, [...args, join(BENCH, 'lib', 'requests.mjs'), '--pkg', ctx.pkg.dir], { timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`${rt}: ${(r.stdout + r.stderr).trim().slice(0, 1500)}`);
    out[rt] = r.stdout.trim();
    partLog('requests', `${rt}: ${out[rt]}`);
  }
  return out;
}

// -------------------------------------------------------------------------------------------------
// Part 4: bulk throughput.
// -------------------------------------------------------------------------------------------------

async function partBulk(ctx) {
  const z = ctx.sizes;
  const r = await runJson(process.execPath, [join(BENCH, 'lib', 'bulk.mjs'), '--url', ctx.server.url, '--pkg', ctx.pkg.dir, '--events', String(z.bulkEvents), '--rounds', String(z.bulkRounds)], { timeoutMs: 600_000 });
  const oursMs = median(r.runsMs.ours);
  const rawMs = median(r.runsMs.raw);
  const res = { ...r, oursMs, rawMs, oursRate: r.events / (oursMs / 1000), rawRate: r.events / (rawMs / 1000) };
  partLog('bulk', `${r.events} events in ${r.requests} requests: ours ${fmt(res.oursRate / 1000, 1)}k/s (${fmt(oursMs, 0)} ms), raw fetch ${fmt(res.rawRate / 1000, 1)}k/s (${fmt(rawMs, 0)} ms)`);
  return res;
}

// -------------------------------------------------------------------------------------------------
// Part 5: streaming memory.
// -------------------------------------------------------------------------------------------------

async function partStream(ctx) {
  const z = ctx.sizes;
  const srv = await startServer(join(ROOT, 'tests', 'large', 'server.mjs'));
  try {
    const cfg = await fetch(`${srv.url}/_test/config`, { method: 'POST', body: JSON.stringify({ jsonlBytes: z.streamBytes }) });
    if (!cfg.ok) throw new Error(`large server config: HTTP ${cfg.status}`);
    const runs = { ours: [], raw: [] };
    // ABBA… order: each contender in a fresh process.
    for (let i = 0; i < z.streamRounds; i++) {
      for (const mode of i % 2 ? ['raw', 'ours'] : ['ours', 'raw']) {
        const r = await runJson(process.execPath, [join(BENCH, 'lib', 'stream.mjs'), '--url', srv.url, '--pkg', ctx.pkg.dir, '--bytes', String(z.streamBytes), '--mode', mode], { timeoutMs: 900_000 });
        runs[mode].push(r);
        partLog('stream', `${mode}: ${fmt(r.mbps, 1)} MiB/s, peak RSS +${fmt(r.growthMB, 1)} MiB (${r.records} records)`);
      }
    }
    const agg = (rs) => ({ mbps: median(rs.map((r) => r.mbps)), growthMB: Math.max(...rs.map((r) => r.growthMB)), growthMedianMB: median(rs.map((r) => r.growthMB)), baselineMB: median(rs.map((r) => r.baselineMB)), records: rs[0].records, bytes: rs[0].bytes, secs: median(rs.map((r) => r.secs)) });
    return { runs, ours: agg(runs.ours), raw: agg(runs.raw) };
  } finally {
    srv.stop();
  }
}

// -------------------------------------------------------------------------------------------------
// Optional: CPU profiles of our side (--profile).
// -------------------------------------------------------------------------------------------------

async function partProfile(ctx) {
  const dir = join(WORK, 'prof');
  mkdirSync(dir, { recursive: true });
  const prof = async (label, args) => {
    const sub = join(dir, label);
    mkdirSync(sub, { recursive: true });
    await runJson(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${sub}`, ...args], { timeoutMs: 600_000 });
    const f = readdirSync(sub).find((x) => x.endsWith('.cpuprofile'));
    return summarizeProfile(join(sub, f), { top: 20, glue: join(ctx.pkg.dir, 'iterable_wasm.js') });
  };
  const calls = SMOKE ? 300 : 5000;
  const out = {};
  out.percallOurs = await prof('percall-ours', [join(BENCH, 'lib', 'percall.mjs'), '--url', ctx.server.url, '--pkg', ctx.pkg.dir, '--calls', String(calls), '--warm', '200', '--block', '25', '--only', 'ours']);
  out.percallRaw = await prof('percall-raw', [join(BENCH, 'lib', 'percall.mjs'), '--url', ctx.server.url, '--pkg', ctx.pkg.dir, '--calls', String(calls), '--warm', '200', '--block', '25', '--only', 'raw']);
  out.bulk = await prof('bulk', [join(BENCH, 'lib', 'bulk.mjs'), '--url', ctx.server.url, '--pkg', ctx.pkg.dir, '--events', String(SIZES.bulkEvents), '--rounds', '2']);
  // Deno has no --cpu-prof here: bench/diag/deno-cpuprof.mjs profiles through the inspector.
  const denoProf = async (label, only) => {
    const f = join(dir, `deno-${label}.cpuprofile`);
    const outJson = join(dir, `deno-${label}.json`);
    const r = await run(process.execPath, [join(BENCH, 'diag', 'deno-cpuprof.mjs'), f, join(BENCH, 'lib', 'percall.mjs'), '--url', ctx.server.url, '--pkg', ctx.pkg.dir, '--calls', String(SMOKE ? 300 : 3000), '--warm', '200', '--block', '25', '--only', only, '--out', outJson], { timeoutMs: 600_000 });
    if (r.code !== 0 || !existsSync(f)) throw new Error(`deno profile ${label}: ${r.stderr.trim().slice(-400)}`);
    return summarizeProfile(f, { top: 20, glue: join(ctx.pkg.dir, 'iterable_wasm.js') });
  };
  try {
    out.denoOurs = await denoProf('ours', 'ours');
    out.denoRaw = await denoProf('raw', 'raw');
  } catch (e) {
    out.denoError = String(e?.message ?? e).slice(0, 300);
  }
  // Start-up phases of index.node.js in fresh processes (medians).
  const phases = [];
  for (let i = 0; i < (SMOKE ? 3 : 15); i++) {
    const r = await run(process.execPath, [join(BENCH, 'diag', 'startup-phases.mjs'), ctx.pkg.dir, '--json'], { timeoutMs: 60_000 });
    if (r.code !== 0) throw new Error(`startup-phases: ${r.stderr.trim().slice(-300)}`);
    phases.push(JSON.parse(r.stdout.trim().split('\n').pop()));
  }
  out.startupPhases = phases[0].map((p, k) => ({ phase: p.phase.replace(/\(\d+ chars\)/, (m) => m), ms: median(phases.map((run) => run[k].ms)) }));
  partLog('profile', `percall ours top: ${out.percallOurs.cats.slice(0, 4).map((c) => `${c.cat} ${c.pct.toFixed(0)}%`).join(', ')}`);
  return out;
}

// -------------------------------------------------------------------------------------------------
// RESULTS.md
// -------------------------------------------------------------------------------------------------

const kb = (b) => `${(b / KB).toFixed(1)} KiB`;
const mb = (b) => `${(b / MB).toFixed(1)} MiB`;
const ms = (x, d = 2) => `${fmt(x, d)} ms`;
const us = (x) => `${fmt(x, 1)} µs`;
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b ? `${(a / b).toFixed(2)}×` : '—');
const met = (ok) => (ok === null || ok === undefined ? '—' : ok ? '✅ yes' : '❌ no');

function resultsMarkdown(ctx, parts) {
  const m = ctx.machine;
  const R = Object.fromEntries(parts.map((p) => [p.name, p]));
  const rows = [];
  const row = (part, figure, ours, peer, peerFig, rat, target, ok) => rows.push({ part, figure, ours, peer, peerFig, rat, target, ok });
  const targetsMissed = [];
  const check = (label, ok) => { if (ok === false) targetsMissed.push(label); return ok; };

  const W = R.weight?.ok && R.weight.data;
  if (W) {
    const o = W.official.browser ?? W.official.node;
    const oLabel = W.official.used === 'browser' ? '@iterable/api (esbuild browser bundle, min)' : '@iterable/api (esbuild **node** bundle, min — browser bundle fails)';
    row('1 Weight', 'browser load, gzip -9 (JS + wasm)', kb(W.ours.gzip), oLabel, kb(o.gzip), ratio(W.ours.gzip, o.gzip), '≤ 80 KiB gzip (81,920 B, as scripts/size.mjs)', check('weight ≤ 80 KiB gzip', W.ours.gzip <= 80 * KB));
    row('1 Weight', 'browser load, gzip -9', kb(W.ours.gzip), '@iterable/web-sdk (esbuild browser bundle, min)', kb(W.sdk.gzip), ratio(W.ours.gzip, W.sdk.gzip), '', null);
    row('1 Weight', 'browser load, raw', kb(W.ours.raw), oLabel, kb(o.raw), ratio(W.ours.raw, o.raw), '', null);
    row('1 Weight', 'browser load, raw', kb(W.ours.raw), '@iterable/web-sdk', kb(W.sdk.raw), ratio(W.ours.raw, W.sdk.raw), '', null);
    row('1 Weight', 'wasm alone, gzip -9 / raw', `${kb(W.ours.wasmGzip)} / ${kb(W.ours.wasmRaw)}`, '', '', '', '', null);
    row('1 Weight', 'installed on disk (all of pkg/, no dependencies)', kb(statsPkgBytes(ctx)), `@iterable/api + deps (${W.official.installed.packages} packages)`, mb(W.official.installed.bytes), ratio(statsPkgBytes(ctx), W.official.installed.bytes), '', null);
  }
  const S = R.startup?.ok && R.startup.data;
  if (S) {
    const s = S.s;
    row('2 Start-up (Node)', `import + instantiate + \`new IterableClient\`, median of ${S.n} processes`, ms(s.ours.importMs.median), '@iterable/api', ms(s.official.importMs.median), ratio(s.ours.importMs.median, s.official.importMs.median), '≤ 10 ms', check('start-up Node ≤ 10 ms', s.ours.importMs.median <= 10));
    row('2 Start-up (Node)', 'process start → client ready (performance.now), median', ms(s.ours.tReady.median, 1), '@iterable/api', ms(s.official.tReady.median, 1), ratio(s.ours.tReady.median, s.official.tReady.median), '', null);
    row('2 Start-up (Node)', 'process wall time (spawn → exit), median', ms(s.ours.wall.median, 1), 'empty script / @iterable/api', `${ms(s.none.wall.median, 1)} / ${ms(s.official.wall.median, 1)}`, `${ratio(s.ours.wall.median, s.none.wall.median)} / ${ratio(s.ours.wall.median, s.official.wall.median)}`, '', null);
  }
  const WK = R['startup-workerd']?.ok && R['startup-workerd'].data;
  if (WK) {
    const wb = WK.bytes?.wrangler ?? {};
    const wasmBytes = Object.entries(wb).filter(([f]) => f.endsWith('.wasm')).reduce((n, [, b]) => n + b, 0);
    const jsBytes = Object.entries(wb).filter(([f]) => f.endsWith('.js')).reduce((n, [, b]) => n + b, 0);
    row('2 Start-up (workerd)', `first response, fresh Miniflare, median of ${WK.n}: a worker importing the package + \`new IterableClient\`, as \`wrangler deploy\` uploads it (bundle ${kb(jsBytes)} + wasm ${kb(wasmBytes)})`, ms(WK.s.wrangler.median, 1), 'same worker without the package', ms(WK.s.base.median, 1), ratio(WK.s.wrangler.median, WK.s.base.median), '', null);
    row('2 Start-up (workerd)', '**difference** (wrangler\'s build − base medians; paired median in brackets)', `${ms(WK.wranglerMinusBase, 1)} (${ms(WK.wranglerPaired, 1)})`, '', '', '', '≤ 10 ms', check('start-up workerd ≤ 10 ms', WK.wranglerMinusBase <= 10));
    if (WK.doublingMinusBase !== undefined) row('2 Start-up (workerd)', 'the package\'s own share: wrangler\'s build − base under a copy of the same Miniflare whose config encoder doubles its buffer when it grows, instead of copying it into one 4 KB larger (paired median in brackets; see below)', `${ms(WK.doublingMinusBase, 1)} (${ms(WK.doublingPaired, 1)})`, 'same, base under it', ms(WK.s.baseDoubling.median, 1), '', '', null);
    row('2 Start-up (workerd)', `the same worker with every module its entry reaches uploaded unbundled (${kb(WK.bytes.client)}): client − base (paired)`, `${ms(WK.clientMinusBase, 1)} (${ms(WK.pairedMedian, 1)})`, '', '', '', '', null);
    row('2 Start-up (workerd)', '…of which: modules uploaded, not imported (shipped − base) / import + client (client − shipped)', `${ms(WK.shippedMinusBase, 1)} / ${ms(WK.clientMinusShipped, 1)}`, '', '', '', '', null);
  }
  const C = R['startup-cli']?.ok && R['startup-cli'].data;
  if (C) {
    const base = C.cases[C.base];
    for (const [label, c] of Object.entries(C.cases)) {
      if (label === C.base) continue;
      const budget = label === '--help' || label === 'actions';
      row('2 Start-up (CLI)', `\`iterable-wasm ${label}\`, fresh process wall time, median of ${C.n} (paired ratio in brackets)`, ms(c.wall.median, 1), '`node -e 0`', ms(base.wall.median, 1), `${c.ratio.toFixed(2)}× (${c.pairedRatio.toFixed(2)}×)`, budget ? '≤ 1.3×' : '', budget ? check(`CLI ${label} ≤ 1.3× node -e 0`, c.ratio <= 1.3) : null);
    }
  }
  const P = R.percall?.ok && R.percall.data;
  if (P) {
    for (const meth of ['GET', 'POST']) {
      const c = P.s.ours[meth], a = P.s.raw[meth], b = P.s.official[meth];
      const what = meth === 'GET' ? 'GET list_channels' : 'POST track_event 1 KB';
      row('3 Per call (Node)', `${what}: median (p99)`, `${ms(c.median, 3)} (${ms(c.p99, 3)})`, '(a) raw fetch', `${ms(a.median, 3)} (${ms(a.p99, 3)})`, `${ratio(c.median, a.median)} (p99 ${ratio(c.p99, a.p99)})`, 'c/a ≤ 1.10', check(`Node ${meth} c/a ≤ 1.10`, c.median / a.median <= 1.10));
      if (P.s.rawTimed) row('3 Per call (Node)', `${what}: median (p99)`, `${ms(c.median, 3)} (${ms(c.p99, 3)})`, "(a') raw fetch + 30 s timeout (AbortController)", `${ms(P.s.rawTimed[meth].median, 3)} (${ms(P.s.rawTimed[meth].p99, 3)})`, `${ratio(c.median, P.s.rawTimed[meth].median)} (p99 ${ratio(c.p99, P.s.rawTimed[meth].p99)})`, '', null);
      row('3 Per call (Node)', `${what}: median (p99)`, `${ms(c.median, 3)} (${ms(c.p99, 3)})`, '(b) @iterable/api', `${ms(b.median, 3)} (${ms(b.p99, 3)})`, `${ratio(c.median, b.median)} (p99 ${ratio(c.p99, b.p99)})`, 'c/b < 1', check(`Node ${meth} c < b`, c.median < b.median));
    }
  }
  const PD = R['percall-deno']?.ok && R['percall-deno'].data;
  if (PD) {
    for (const meth of ['GET', 'POST']) {
      const c = PD.s.ours[meth], a = PD.s.raw[meth], b = PD.s.official[meth];
      const what = meth === 'GET' ? 'GET list_channels' : 'POST track_event 1 KB';
      row('3 Per call (Deno)', `${what}: median (p99)`, `${ms(c.median, 3)} (${ms(c.p99, 3)})`, '(a) raw fetch', `${ms(a.median, 3)} (${ms(a.p99, 3)})`, `${ratio(c.median, a.median)} (p99 ${ratio(c.p99, a.p99)})`, 'c/a ≤ 1.10', check(`Deno ${meth} c/a ≤ 1.10`, c.median / a.median <= 1.10));
      if (PD.s.rawTimed) row('3 Per call (Deno)', `${what}: median (p99)`, `${ms(c.median, 3)} (${ms(c.p99, 3)})`, "(a') raw fetch + 30 s timeout (AbortController)", `${ms(PD.s.rawTimed[meth].median, 3)} (${ms(PD.s.rawTimed[meth].p99, 3)})`, `${ratio(c.median, PD.s.rawTimed[meth].median)} (p99 ${ratio(c.p99, PD.s.rawTimed[meth].p99)})`, '', null);
      if (b) row('3 Per call (Deno)', `${what}: median (p99)`, `${ms(c.median, 3)} (${ms(c.p99, 3)})`, '(b) @iterable/api', `${ms(b.median, 3)} (${ms(b.p99, 3)})`, `${ratio(c.median, b.median)} (p99 ${ratio(c.p99, b.p99)})`, 'c/b < 1', check(`Deno ${meth} c < b`, c.median < b.median));
    }
  }
  const B = R.bulk?.ok && R.bulk.data;
  if (B) {
    row('4 Bulk throughput', `${B.events.toLocaleString('en-US')} events, ${B.requests} requests, concurrency 4: events/s (median of ${B.runsMs.ours.length} runs)`, `${Math.round(B.oursRate).toLocaleString('en-US')}/s`, 'hand-written fetch loop, same chunks', `${Math.round(B.rawRate).toLocaleString('en-US')}/s`, ratio(B.oursRate, B.rawRate), '≥ 100,000 events/s', check('bulk ≥ 100,000 events/s', B.oursRate >= 100_000));
  }
  const ST = R.stream?.ok && R.stream.data;
  if (ST) {
    row('5 Streaming', `${mb(ST.ours.bytes)} JSON lines, ${ST.ours.records.toLocaleString('en-US')} records: MiB/s (median)`, `${fmt(ST.ours.mbps, 1)} MiB/s`, 'fetch + TextDecoder + split + JSON.parse', `${fmt(ST.raw.mbps, 1)} MiB/s`, ratio(ST.ours.mbps, ST.raw.mbps), '', null);
    row('5 Streaming', 'peak RSS growth (max over runs)', mb(ST.ours.growthMB * MB), 'same', mb(ST.raw.growthMB * MB), ratio(ST.ours.growthMB, ST.raw.growthMB), '≤ 64 MiB', check('streaming ≤ 64 MiB', ST.ours.growthMB <= 64));
  }
  const RC = R['rust-client']?.ok && R['rust-client'].data;
  if (RC) {
    for (const meth of ['GET', 'POST']) {
      const x = RC[meth];
      const what = meth === 'GET' ? 'GET get_user_by_email' : `POST track_event ${RC.postBodyBytes} B`;
      row('7 Rust crate (native)', `${what}: median per call, ${RC.rounds} interleaved rounds of ${RC.calls} (cargo profile ${RC.profile})`, us(x.crateUs), 'bare reqwest, same client settings and bytes', us(x.bareUs), `${x.ratio.toFixed(3)}× (rounds ${x.ratioMin.toFixed(3)}–${x.ratioMax.toFixed(3)})`, `≤ ${RUST_TARGET}×`, check(`Rust ${meth} ≤ ${RUST_TARGET}× bare reqwest`, RC.profile === 'dev' ? null : x.ratio <= RUST_TARGET));
    }
  }

  const L = [];
  L.push('# iterable-wasm benchmarks', '');
  L.push(`Generated by \`node bench/run.mjs${SMOKE ? ' --smoke' : ''}${PROFILE ? ' --profile' : ''}\` on ${m.date}${SMOKE ? ' — **smoke run: small counts, figures are not meaningful**' : ''}. Every peer figure was measured in the same run, on 127.0.0.1, contenders interleaved.`, '');
  L.push(`Machine: ${m.cores} cores, ${m.cpuModel}, Linux ${m.kernel}; Node ${m.node}; ${m.deno}; load average at start ${m.loadStart}, at end ${loadavg().map((x) => x.toFixed(2)).join(' ')} (the machine is shared: ratios, not absolute times, are the figures to read).`, '');
  L.push(`Package: iterable-wasm ${ctx.pkg.version} from pkg/ (built ${ctx.pkg.builtAt}, wasm sha256 ${ctx.pkg.wasmSha}…, ${ctx.pkg.actions} actions), snapshotted at the start of the run. Peers: @iterable/api ${m.peers['@iterable/api']}, @iterable/web-sdk ${m.peers['@iterable/web-sdk']}; miniflare ${m.peers.miniflare}, esbuild ${m.peers.esbuild}.`, '');
  L.push('## Summary', '');
  L.push('| part | figure | iterable-wasm | peer | peer figure | ratio (ours ÷ peer) | target | met |');
  L.push('|---|---|---:|---|---:|---:|---|---|');
  for (const r of rows) L.push(`| ${r.part} | ${r.figure} | ${r.ours} | ${r.peer} | ${r.peerFig} | ${r.rat} | ${r.target} | ${met(r.ok)} |`);
  L.push('');
  L.push(`Parts: ${parts.map((p) => `${p.name} ${p.ok ? 'ran' : `**FAILED** (${p.error})`}`).join('; ')}.`, '');
  if (R.requests?.ok) L.push(`Request bytes (method, URL, headers but the key, body of ${SAMPLE_N} sampled actions against bench/fixtures/requests.json): Node ${R.requests.data.node.replace(/^request bytes /, '')}; Deno ${R.requests.data.deno.replace(/^request bytes /, '')}.`, '');
  L.push(targetsMissed.length ? `**Targets missed:** ${targetsMissed.join('; ')}.` : 'All targets met.', '');

  L.push('## Details', '');
  if (W) {
    L.push('### 1. Weight', '');
    L.push('What a browser loads of pkg/ (the browser entry and everything it imports), gzip -9 per file:', '');
    L.push('| file | raw | gzip -9 |', '|---|---:|---:|');
    for (const f of W.ours.perFile) L.push(`| ${f.file} | ${f.raw.toLocaleString('en-US')} | ${f.gzip.toLocaleString('en-US')} |`);
    L.push(`| **total** | **${W.ours.raw.toLocaleString('en-US')}** | **${W.ours.gzip.toLocaleString('en-US')}** |`, '');
    L.push(`JS alone: ${W.ours.jsRaw.toLocaleString('en-US')} B raw, ${W.ours.jsGzip.toLocaleString('en-US')} B gzip; wasm alone: ${W.ours.wasmRaw.toLocaleString('en-US')} B raw, ${W.ours.wasmGzip.toLocaleString('en-US')} B gzip.`, '');
    if (W.official.used === 'node') L.push(`@iterable/api cannot be bundled for the browser (\`esbuild --bundle --platform=browser --format=esm --minify\`): ${W.official.browserError}. It was bundled with \`--platform=node\` instead (node built-ins left external): ${W.official.node.raw.toLocaleString('en-US')} B raw, ${W.official.node.gzip.toLocaleString('en-US')} B gzip from ${W.official.node.inputs} input files. Installed on disk with its dependency closure: ${W.official.installed.bytes.toLocaleString('en-US')} B in ${W.official.installed.packages} packages (apparent file sizes).`, '');
    else L.push(`@iterable/api browser bundle: ${W.official.browser.raw} B raw, ${W.official.browser.gzip} B gzip. Installed: ${W.official.installed.bytes} B in ${W.official.installed.packages} packages.`, '');
    L.push(`@iterable/web-sdk: its package entry (\`browser\` field → index.js, a prebuilt UMD bundle) bundled with esbuild for the browser, minified: ${W.sdk.raw.toLocaleString('en-US')} B raw, ${W.sdk.gzip.toLocaleString('en-US')} B gzip.`, '');
  }
  if (S) {
    L.push('### 2. Start-up', '');
    L.push(`Node: ${S.n} fresh processes per contender, rotating order (none / ours / @iterable/api), after 2 warm-up rounds. Inside each process \`performance.now()\` at the first line (ms since process start) and after the dynamic \`import()\` + \`new IterableClient\`; wall time from spawn to exit measured by the parent.`, '');
    L.push('| contender | import→client median | p90 | process start→ready median | wall median | wall p90 |', '|---|---:|---:|---:|---:|---:|');
    for (const [k, label] of [['none', 'empty script'], ['ours', 'iterable-wasm (index.node.js)'], ['official', '@iterable/api']]) {
      const s = S.s[k];
      L.push(`| ${label} | ${ms(s.importMs.median)} | ${ms(s.importMs.p90)} | ${ms(s.tReady.median, 1)} | ${ms(s.wall.median, 1)} | ${ms(s.wall.p90, 1)} |`);
    }
    L.push('');
  }
  if (WK) {
    L.push(`workerd (miniflare ${m.peers.miniflare}): ${WK.n} fresh Miniflare instances per variant (each its own workerd process and isolate), rotating order; time from \`new Miniflare\` to the first response body. In-isolate clocks do not advance without I/O in workerd, so the cost is the difference between variants. The target's variant is the worker as \`wrangler deploy\` uploads it: wrangler's own build (\`wrangler deploy --dry-run --outdir\`, the wrangler this repo pins), its bundle and the .wasm given to Miniflare as wrangler dev gives them. Miniflare encodes every uploaded byte into its configuration at each start, so the unbundled variants (every module the package's workerd entry reaches, as \`--no-bundle\` would upload them) are shown too. That encoding is most of the difference: Miniflare writes the whole configuration into one Cap'n Proto message whose buffer grows by being copied into one only 4 KB larger, and the user worker is written first, so each uploaded byte is copied again at every later growth (the client worker's start copies ~32 MB against the base's ~18 MB, counted by \`bench/diag/miniflare-arena.mjs\`). The last two variants run the base and wrangler's build under a copy of the same Miniflare with that one growth step doubling the buffer instead (\`doublingMiniflare\` in \`bench/lib/startup-workerd.mjs\`), interleaved in a process of their own after the other rounds: their difference is the package's own share (uploading, compiling and instantiating it, and the client); the target is judged on the pinned Miniflare as it is.`, '');
    L.push('| variant | median | p90 | min |', '|---|---:|---:|---:|');
    for (const [k, label] of [['base', 'worker without the package'], ['wrangler', 'imports the package, `new IterableClient` per request, as `wrangler deploy` uploads it'], ['shipped', 'package modules uploaded unbundled, not imported'], ['client', 'imports the package, `new IterableClient` per request, every module uploaded unbundled'], ['baseDoubling', 'worker without the package, Miniflare\'s arena doubling'], ['wranglerDoubling', 'as `wrangler deploy` uploads it, Miniflare\'s arena doubling']]) if (WK.s[k]) L.push(`| ${label} | ${ms(WK.s[k].median, 1)} | ${ms(WK.s[k].p90, 1)} | ${ms(WK.s[k].min, 1)} |`);
    L.push('');
  }
  const pcTable = (title, d, names) => {
    L.push(`${title}`, '');
    L.push('| contender | method | n | median | p90 | p99 | mean | median ÷ raw |', '|---|---|---:|---:|---:|---:|---:|---:|');
    for (const meth of ['GET', 'POST']) for (const [k, label] of names.filter(([k]) => d.s[k])) {
      const s = d.s[k][meth];
      L.push(`| ${label} | ${meth} | ${s.n} | ${ms(s.median, 3)} | ${ms(s.p90, 3)} | ${ms(s.p99, 3)} | ${ms(s.mean, 3)} | ${ratio(s.median, d.s.raw[meth].median)} |`);
    }
    L.push('');
  };
  if (P || PD) {
    L.push('### 3. Per-call overhead', '');
    L.push(`Sequential calls against bench/lib/server.mjs (node:http, keep-alive, fixed answers, its own process). Contenders take turns in blocks of ${ctx.sizes.block} calls, GET and POST alternating, block order rotating every round, after ${ctx.sizes.warm} warm-up calls each. Raw fetch sends the same headers (Accept, Api-Key, Content-Type) and body (JSON.stringify of the same 1 KB input, ${P?.raw.bodyBytes ?? PD?.raw.bodyBytes} bytes) and JSON-parses the answer; (a') is the same with a per-request time limit as any client has (an AbortController whose signal goes to fetch, a 30 s timer cleared after the answer), shown for reference: the targets are against (a); @iterable/api is its \`IterableClient\` (axios, keep-alive agent, zod-validated answers) pointed at the server with \`baseUrl\`; ours is \`new IterableClient({rateLimit: false, maxRetries: 0})\` calling \`listChannels()\` / \`trackEvent()\`. Chart: [latency.svg](latency.svg).`, '');
    if (P) pcTable(`Node ${m.node}:`, P, [['raw', '(a) raw fetch'], ['rawTimed', "(a') raw fetch + timeout"], ['official', '(b) @iterable/api'], ['ours', '(c) iterable-wasm']]);
    if (PD) pcTable(`Deno (${m.deno}):`, PD, [['raw', '(a) raw fetch'], ['rawTimed', "(a') raw fetch + timeout"], ['official', '(b) @iterable/api'], ['ours', '(c) iterable-wasm']]);
  }
  if (B) {
    L.push('### 4. Bulk throughput', '');
    L.push(`\`client.bulk('track_events_in_bulk', events, {concurrency: 4})\` with ${B.events.toLocaleString('en-US')} events (~${Math.round(B.totalBytes / B.events)} B of JSON each) against a server that drains each body and answers a fixed all-success body. The client split them into ${B.requests} requests of ${B.counts.join(', ')} events (${B.bytes.map((b) => (b / 1e6).toFixed(2)).join(', ')} MB); the hand-written loop sends the same chunks (JSON.stringify of each slice, 4 workers, JSON-parsed answers). Runs alternate ABAB… after a warm-up of each.`, '');
    L.push(`| contender | runs (ms) | median ms | events/s |`, '|---|---|---:|---:|');
    L.push(`| iterable-wasm bulk | ${B.runsMs.ours.map((x) => x.toFixed(0)).join(', ')} | ${B.oursMs.toFixed(0)} | ${Math.round(B.oursRate).toLocaleString('en-US')} |`);
    L.push(`| fetch loop | ${B.runsMs.raw.map((x) => x.toFixed(0)).join(', ')} | ${B.rawMs.toFixed(0)} | ${Math.round(B.rawRate).toLocaleString('en-US')} |`, '');
  }
  if (ST) {
    L.push('### 5. Streaming memory', '');
    L.push(`A ${mb(ST.ours.bytes)} JSON-lines export (${ST.ours.records.toLocaleString('en-US')} records of 256 B) generated by tests/large/server.mjs in its own process, consumed in a fresh Node process per run (order ${ctx.sizes.streamRounds > 1 ? 'ABBA' : 'AB'}). RSS sampled every 50 ms and every 16,384 records; growth over the baseline after a full GC (package already loaded). Both sides count records and fold an order-sensitive checksum, checked at the end.`, '');
    L.push('| contender | run | MiB/s | s | baseline RSS | peak RSS growth |', '|---|---:|---:|---:|---:|---:|');
    for (const k of ['ours', 'raw']) ST.runs[k].forEach((r, i) => L.push(`| ${k === 'ours' ? "client.stream('export_campaign_data_to_json')" : 'fetch + TextDecoder + split + JSON.parse'} | ${i + 1} | ${fmt(r.mbps, 1)} | ${fmt(r.secs, 1)} | ${fmt(r.baselineMB, 1)} MiB | ${fmt(r.growthMB, 1)} MiB |`));
    L.push('');
  }
  const PR = R.profile?.ok && R.profile.data;
  if (PR) {
    L.push('## CPU profiles (`--profile`)', '');
    L.push('`node --cpu-prof` of the per-call loop (ours only, then raw fetch only, same harness) and of the bulk part; self time by category and top functions. The shipped wasm has no name section, so its functions show as `wasm-function[N]` (undici’s llhttp, also wasm, is told apart by its caller); wasm-bindgen’s import shims are named by their position in the minified glue.', '');
    L.push(profileMarkdown('Per-call loop, iterable-wasm only', PR.percallOurs));
    L.push(profileMarkdown('Per-call loop, raw fetch only', PR.percallRaw));
    L.push(profileMarkdown('Bulk (iterable-wasm and fetch loop interleaved)', PR.bulk));
    if (PR.denoOurs) {
      L.push('Deno, through the inspector (bench/diag/deno-cpuprof.mjs; the inspector’s own network events cost both sides alike):', '');
      L.push(profileMarkdown('Deno per-call loop, iterable-wasm only', PR.denoOurs));
      L.push(profileMarkdown('Deno per-call loop, raw fetch only', PR.denoRaw));
    } else if (PR.denoError) L.push(`Deno profile not taken: ${PR.denoError}`, '');
    if (PR.startupPhases) {
      L.push('#### Start-up phases (bench/diag/startup-phases.mjs, median of fresh processes)', '');
      L.push('The shipped index.node.js in a fresh process: its import, then the first client split into the wasm compile and instantiation (the two constructors timed) and the rest, a second client and the first access to `actions`.', '');
      L.push('| phase | ms |', '|---|---:|');
      for (const p of PR.startupPhases) L.push(`| ${p.phase} | ${p.ms.toFixed(2)} |`);
      L.push('');
    }
  }
  L.push('## Method notes', '');
  L.push('- Contenders are interleaved (rotating block order, ABAB…/ABBA) and warmed up; figures are medians (p99 where stated), so load from other jobs on the shared machine moves both sides of a ratio alike.');
  L.push('- The package is snapshotted from pkg/ once it is stable and imports (a rebuild in progress is waited out), and every part measures that snapshot.');
  L.push('- Targets are reported, never enforced; in `--smoke` mode counts are tiny and only prove each part runs.');
  L.push('');
  return { md: L.join('\n'), targetsMissed };
}

let pkgBytesCache = null;
function statsPkgBytes(ctx) {
  if (pkgBytesCache === null) pkgBytesCache = walk(ctx.pkg.dir).reduce((a, f) => a + statSync(f).size, 0);
  return pkgBytesCache;
}

// -------------------------------------------------------------------------------------------------
// Main.
// -------------------------------------------------------------------------------------------------

const PARTS = [
  ['requests', partRequests],
  ['weight', partWeight],
  ['startup', partStartupNode],
  ['startup-workerd', partStartupWorkerd],
  ['startup-cli', partStartupCli],
  ['percall', partPercallNode],
  ['percall-deno', partPercallDeno],
  ['bulk', partBulk],
  ['stream', partStream],
  ['sandbox', (ctx) => partSandbox(ctx, runJson, { smoke: SMOKE, bench: BENCH })],
  ['rust-client', (ctx) => partRustClient(ctx, runJson, { smoke: SMOKE, root: ROOT })],
  ['queues', (ctx) => partQueues(ctx, run, { smoke: SMOKE, bench: BENCH })],
  ...(PROFILE ? [['profile', partProfile]] : []),
];

async function main() {
  log(`bench: ${SMOKE ? 'smoke' : 'full'} run${PROFILE ? ' with profiles' : ''}; work dir ${WORK}`);
  const ctx = { sizes: SIZES, machine: machine() };
  log(`[machine] ${ctx.machine.cores} cores, ${ctx.machine.cpuModel}, node ${ctx.machine.node}, ${ctx.machine.deno}, load ${ctx.machine.loadStart}`);
  const parts = [];
  let server = null;
  try {
    ctx.pkg = await snapshotPkg();
    log(`[snapshot] iterable-wasm ${ctx.pkg.version}, wasm ${ctx.pkg.wasmSha}, built ${ctx.pkg.builtAt}`);
    server = await startServer(join(BENCH, 'lib', 'server.mjs'));
    ctx.server = server;
    for (const [name, fn] of PARTS) {
      if (onlyArg && !onlyArg.includes(name)) continue;
      const t0 = performance.now();
      try {
        const data = await fn(ctx);
        parts.push({ name, ok: true, data, secs: (performance.now() - t0) / 1000 });
        partLog(name, `ran in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      } catch (e) {
        parts.push({ name, ok: false, error: String(e?.message ?? e).split('\n')[0].slice(0, 300), secs: (performance.now() - t0) / 1000 });
        partLog(name, `FAILED: ${e?.stack ?? e}`);
      }
    }
  } catch (e) {
    parts.push({ name: 'setup', ok: false, error: String(e?.message ?? e).slice(0, 300) });
    log(`[setup] FAILED: ${e?.stack ?? e}`);
  } finally {
    server?.stop();
  }

  // The sandbox and queues parts write their own results files: a run of them alone leaves RESULTS.md as it is.
  if (ctx.pkg && parts.some((p) => !['sandbox', 'queues'].includes(p.name))) {
    const { md, targetsMissed } = resultsMarkdown(ctx, parts);
    // A smoke run (CI) writes beside the committed full results, never over them.
    writeFileSync(join(BENCH, SMOKE ? 'RESULTS.smoke.md' : 'RESULTS.md'), md);
    const P = parts.find((p) => p.name === 'percall' && p.ok)?.data;
    const PD = parts.find((p) => p.name === 'percall-deno' && p.ok)?.data;
    const series = [];
    if (P) series.push({ label: 'Node: raw fetch', ...P.raw.lat.raw }, { label: 'Node: @iterable/api', ...P.raw.lat.official }, { label: 'Node: iterable-wasm', ...P.raw.lat.ours });
    if (PD) series.push({ label: 'Deno: raw fetch', ...PD.raw.lat.raw, dash: true }, ...(PD.raw.lat.official ? [{ label: 'Deno: @iterable/api', ...PD.raw.lat.official, dash: true }] : []), { label: 'Deno: iterable-wasm', ...PD.raw.lat.ours, dash: true });
    if (series.length) {
      writeFileSync(join(BENCH, SMOKE ? 'latency.smoke.svg' : 'latency.svg'), latencySvg(series, {
        title: `Per-call latency, CDF — ${SMOKE ? 'SMOKE RUN, ' : ''}${ctx.sizes.calls} sequential calls per contender and method, 127.0.0.1`,
        subtitle: `${ctx.machine.cores} cores ${ctx.machine.cpuModel}; Node ${ctx.machine.node}; ${ctx.machine.deno}; ${ctx.machine.date}`,
      }));
    }
    log(`wrote bench/${SMOKE ? 'RESULTS.smoke.md' : 'RESULTS.md'}${series.length ? ` and bench/${SMOKE ? 'latency.smoke.svg' : 'latency.svg'}` : ''}`);
    log(targetsMissed.length ? `targets missed: ${targetsMissed.join('; ')}` : 'all targets met');
  }
  rmSync(WORK, { recursive: true, force: true });
  const passed = parts.filter((p) => p.ok).length;
  const failed = parts.length - passed;
  log(`bench: took ${((Date.now() - T_START) / 1000).toFixed(1)} s`);
  log(`bench: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

await main();
