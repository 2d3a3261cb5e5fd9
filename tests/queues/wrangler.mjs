// The example Worker (examples/queues-sync) through wrangler itself, offline:
//   1. `wrangler deploy --dry-run --outdir <tmp>` builds it (bundle + the package's wasm module) and
//      lists the bindings of wrangler.toml;
//   2. `wrangler dev --local` runs it on 127.0.0.1 (Queues, Durable Objects and R2 emulated) against
//      the CLI's `iterable-wasm sandbox` server: a bulk sync through the producer route reaches the
//      sandbox (every valid user read back from it, once; the invalid ones reported), the status route
//      says complete, and an export sync writes the sandbox's users to R2 through the export route;
//   3. the CLI's `sync status` reads both syncs through the Worker's status routes (--watch on the
//      export), and refuses a missing token, a wrong one, an unknown sync and a non-loopback http URL.
// No login, no telemetry, no update check, no Request.cf fetch: nothing leaves 127.0.0.1.
//
//   node tests/queues/wrangler.mjs
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wranglerEnv } from './lib.mjs';

const ROOT = new URL('../..', import.meta.url).pathname;
const PKG = join(ROOT, 'pkg');
const EXAMPLE = join(ROOT, 'examples/queues-sync');
const WRANGLER = join(ROOT, 'node_modules/wrangler/bin/wrangler.js');
const TOKEN = 'test-token';
const N = 400;
const INVALID_EVERY = 100;

const work = mkdtempSync(join(tmpdir(), 'iterable-wasm-wrangler-'));
const children = [];
const env = wranglerEnv(work);

/** Runs a process to its end (bounded), giving its exit code and output (stdout and stderr apart too). */
function run(args, { cwd, timeoutMs = 120_000, extraEnv = {} } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => ((out += d), (stdout += d)));
    child.stderr.on('data', (d) => ((out += d), (stderr += d)));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, stdout, stderr });
    });
  });
}
const CLI = join(PKG, 'cli.js');
const cli = (args, token = TOKEN) => run([CLI, ...args], { extraEnv: { SYNC_TOKEN: token } });

/** Starts a long-running process and waits (bounded) until its output matches `ready`. */
function start(args, ready, { cwd, timeoutMs = 90_000 } = {}) {
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready after ${timeoutMs / 1000}s: ${args.join(' ')}\n${out}`)), timeoutMs);
    const look = (d) => {
      out += d;
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m, output: () => out });
      }
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.on('exit', (code) => reject(new Error(`exited ${code} before ready: ${args.join(' ')}\n${out}`)));
  });
}

const freePort = () => new Promise((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});

const stop = (child) => new Promise((resolve) => {
  if (child.exitCode !== null || child.signalCode !== null) return resolve();
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  child.once('exit', () => {
    clearTimeout(timer);
    resolve();
  });
  child.kill('SIGTERM');
});

async function waitFor(what, fn, timeoutMs = 60_000) {
  for (let t0 = Date.now(); ; ) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not after ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

let failed = false;
const t0 = Date.now();
try {
  // The example as a user has it: its two files and the package installed beside them.
  const app = join(work, 'app');
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  for (const f of ['worker.js', 'wrangler.toml']) copyFileSync(join(EXAMPLE, f), join(app, f));
  symlinkSync(PKG, join(app, 'node_modules/iterable-wasm'), 'dir');
  writeFileSync(join(app, '.dev.vars'), `ITERABLE_API_KEY=test-key-not-real\nSYNC_TOKEN=${TOKEN}\n`);

  // The compatibility date must be one the bundled workerd knows (else wrangler dev falls back and warns).
  const { compatibilityDate } = await import('workerd');
  const date = /^compatibility_date = "([\d-]+)"/m.exec(readFileSync(join(app, 'wrangler.toml'), 'utf8'))?.[1];
  assert(date && date <= compatibilityDate, `compatibility_date ${date} is later than the bundled workerd's ${compatibilityDate}`);

  // 1. deploy --dry-run: builds, prints the bindings, uploads nothing.
  const out = join(work, 'out');
  const dry = await run([WRANGLER, 'deploy', '--dry-run', '--outdir', out], { cwd: app });
  assert.equal(dry.code, 0, `wrangler deploy --dry-run failed:\n${dry.out}`);
  assert.match(dry.out, /--dry-run: exiting now/);
  for (const b of ['env.LIMITER (IterableRateLimiter)', 'env.SYNC_PROGRESS (IterableSyncProgress)', 'env.EXPORTS (ExportSync)', 'env.SYNC_QUEUE (iterable-sync)', 'env.SYNC_DLQ (iterable-sync-dlq)', 'env.EXPORT_BUCKET (iterable-exports)']) assert(dry.out.includes(b), `binding ${b} listed`);
  const built = readdirSync(out);
  assert(built.includes('worker.js'), `the bundle: ${built}`);
  assert(built.some((f) => f.endsWith('.wasm')), `the package's wasm module beside the bundle: ${built}`);
  const upload = /Total Upload: ([\d.]+ KiB) \/ gzip: ([\d.]+ KiB)/.exec(dry.out);
  console.log(`ok - wrangler deploy --dry-run: ${built.length} files, upload ${upload?.[1]} (gzip ${upload?.[2]})`);

  // 2. The sandbox (the CLI's HTTP server) and wrangler dev against it.
  const sb = await start([join(PKG, 'cli.js'), 'sandbox', '--port', '0', '--quiet'], /^(http:\/\/127\.0\.0\.1:\d+)\n/m);
  const sandboxUrl = sb.match[1];
  const port = await freePort();
  const dev = await start([WRANGLER, 'dev', '--local', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(await freePort()), '--persist-to', join(work, 'state'), '--var', `ITERABLE_BASE_URL:${sandboxUrl}`, '--show-interactive-dev-session=false', '--log-level', 'info'], /Ready on (http:\/\/127\.0\.0\.1:\d+)/, { cwd: app });
  const base = dev.match[1];
  const auth = { authorization: `Bearer ${TOKEN}` };
  const get = async (path) => (await fetch(`${base}${path}`, { headers: auth })).json();

  assert.equal((await fetch(`${base}/syncs/w-1`)).status, 401, 'the routes need the token');
  const items = Array.from({ length: N }, (_, i) => (i % INVALID_EVERY === INVALID_EVERY - 1 ? { dataFields: { i } } : { email: `w${i}@wrangler.test`, dataFields: { i, plan: i % 2 ? 'free' : 'pro' } }));
  const res = await fetch(`${base}/syncs/w-1`, { method: 'POST', headers: auth, body: JSON.stringify({ action: 'bulk_update_users', items }) });
  const plan = await res.json();
  assert.equal(res.status, 202, JSON.stringify(plan));
  const invalid = N / INVALID_EVERY;
  assert.equal(plan.invalid, invalid);
  const status = await waitFor('the sync complete', async () => {
    const s = await get('/syncs/w-1');
    return s.complete ? s : null;
  });
  assert.equal(status.succeeded, N - invalid);
  assert.equal(status.failed, invalid);

  // Read back from the sandbox: every valid user there, once, with its fields.
  const { IterableClient } = await import(join(PKG, 'index.node.js'));
  const client = new IterableClient({ apiKey: 'test-key-not-real', baseUrl: sandboxUrl });
  const csv = await client.exportDataToCsv({ dataTypeName: 'user', range: 'All' });
  const rows = String(csv).trim().split('\n');
  const header = rows.shift().split(',');
  const emails = rows.map((r) => r.split(',')[header.indexOf('email')]).filter((e) => e.endsWith('@wrangler.test'));
  const want = items.filter((u) => u.email).map((u) => u.email);
  assert.deepEqual([...emails].sort(), [...want].sort(), 'the users in the sandbox');
  assert(header.includes('plan'), 'with their data fields');
  console.log(`ok - wrangler dev: bulk sync of ${N} users (${invalid} invalid) reached the sandbox: ${emails.length} users, each once; status ${JSON.stringify({ batches: status.batches, succeeded: status.succeeded, failed: status.failed, retried: status.retried })}`);

  // The CLI reads the same status through the route.
  const read = await cli(['sync', 'status', 'w-1', '--url', base, '--json']);
  assert.equal(read.code, 0, read.out);
  assert.deepEqual(JSON.parse(read.stdout), status);
  for (const [args, token, exit, code] of [
    [['sync', 'status', 'w-1', '--url', base], '', 2, 'UsageError'],
    [['sync', 'status', 'w-1', '--url', base], 'wrong-token', 3, 'Unauthorized'],
    [['sync', 'status', 'nope', '--url', base], TOKEN, 3, 'SyncNotFound'],
    [['sync', 'status', 'w-1', '--url', 'http://example.com'], TOKEN, 2, 'UsageError'],
  ]) {
    const r = await cli([...args, '--json-errors'], token);
    assert.equal(r.code, exit, `${args.join(' ')}: ${r.out}`);
    assert.equal(JSON.parse(r.stderr).error.code, code);
    assert(!token || token.length < 4 || !r.out.includes(token), 'the token is never printed');
  }

  // 4. An export sync through the Worker: the job polled from the object's alarm, the file in R2,
  //    watched to the end with the CLI.
  const started = await fetch(`${base}/exports/we-1`, { method: 'POST', headers: auth, body: JSON.stringify({ dataTypeName: 'user', outputFormat: 'application/x-json-stream' }) });
  assert.equal(started.status, 202, await started.clone().text());
  const watched = await cli(['sync', 'status', 'we-1', '--export', '--watch', '--interval-ms', '300', '--url', base, '--json']);
  assert.equal(watched.code, 0, watched.out);
  const exported = JSON.parse(watched.stdout);
  assert.match(watched.stderr, /export we-1: complete \(job completed\), 1 of 1 file stored/);
  assert.equal(exported.records, rows.length, 'every user of the sandbox exported');
  assert.equal(exported.filesStored, exported.files);
  assert.equal(exported.manifest, 'exports/we-1/manifest.json');
  console.log(`ok - wrangler dev: export sync stored ${exported.files} file(s), ${exported.records} records, ${exported.bytes} bytes in R2`);
  assert.doesNotMatch(dev.output(), /ERROR|Uncaught/, 'wrangler dev logged no error');
} catch (e) {
  failed = true;
  console.log(`not ok - ${e?.stack ?? e}`);
} finally {
  await Promise.all(children.map(stop));
  rmSync(work, { recursive: true, force: true });
}
console.log(`${failed ? 'FAILED' : 'passed'} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(failed ? 1 : 0);
