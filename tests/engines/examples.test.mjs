// Runs every example in examples/ against the fake Iterable server and checks what it prints and
// what it sent. Each imports "iterable-wasm" by name:
//   node:    examples/node/index.mjs copied into a clean project where the packed tarball is installed
//   deno:    examples/deno/main.ts with its deno.json import map (npm:iterable-wasm), Deno installing
//            from a one-package registry on 127.0.0.1 into a fresh DENO_DIR; also `deno check`
//   worker:  examples/worker/run.mjs (miniflare/workerd) on the installed package
//   browser: examples/browser/index.html (import map) in Chromium, the API on another origin
// Run: node --test tests/engines/examples.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../support/server.mjs';
import { packAndInstall, PKG_DIR, ROOT } from '../support/install.mjs';
import { startRegistry } from '../support/registry.mjs';
import { launchChromium, openPage } from '../support/browser.mjs';
import { ACTION_COUNT, IRREVERSIBLE_COUNT } from '../support/defs.mjs';

const EXAMPLES = join(ROOT, 'examples');
const DENO = join(ROOT, 'node_modules/.bin/deno');
const KEY = 'example-key-77';

let server;
let project;
let registry;
let denoDir;

// Runs a command without blocking the event loop (the fake servers live in this process).
function run(cmd, args, { env = {}, cwd = ROOT, timeout = 60_000 } = {}) {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout, env: { ...process.env, NO_COLOR: '1', ...env } },
      (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }));
  });
}

const apiEnv = (key = KEY) => ({ ITERABLE_API_KEY: key, ITERABLE_BASE_URL: server.url, ITERABLE_DEMO_WRITE: '1' });
const summary = () => server.requests.filter((q) => q.method !== 'OPTIONS').map((q) => `${q.method} ${q.path}`);

function checkTrack(runtime) {
  const track = server.requests.find((q) => q.method === 'POST' && q.path === '/api/events/track');
  assert.ok(track, 'the write reached the server');
  assert.equal(track.headers['api-key'], KEY);
  assert.match(track.headers['content-type'], /^application\/json/);
  assert.equal(track.body.email, 'example@example.com');
  assert.equal(track.body.eventName, 'iterable_wasm_example');
  assert.equal(track.body.dataFields.runtime, runtime);
}

// The CLI examples (node, deno) print the same lines.
function checkCliOutput(r) {
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0], /^client: IterableClient\(custom, http:\/\/127\.0\.0\.1:\d+\)$/);
  assert.ok(!r.stdout.includes(KEY), 'the key is never printed');
  assert.match(lines[1], new RegExp(`^catalog: ${ACTION_COUNT} actions \\(\\d+ irreversible\\), e\\.g\\. [a-z_]+$`));
  assert.deepEqual(lines.slice(2), [
    'validation: ValidationError, 0 requests sent: email|userId',
    'read: 2 channels: Email, Push',
    'write: trackEvent -> Success',
    'execute: list_channels -> 2 channels',
    'done',
  ]);
  assert.deepEqual(summary(), ['GET /api/channels', 'POST /api/events/track', 'GET /api/channels']);
}

function checkCliBadKey(r) {
  assert.equal(r.code, 1, `exit code (stderr: ${r.stderr})`);
  assert.match(r.stderr, /^error: list_channels → 401 BadApiKey: Invalid API key \(retryable: false\)$/m);
  assert.ok(!r.stdout.includes('bad-key') && !r.stderr.includes('bad-key'), 'the key is never printed');
}

before(async () => {
  server = await startServer();
  project = packAndInstall({ prefix: 'iterable-wasm-examples-' });
  const manifest = JSON.parse(readFileSync(join(PKG_DIR, 'package.json'), 'utf8'));
  registry = await startRegistry({ tarball: project.tarball, manifest });
  denoDir = mkdtempSync(join(tmpdir(), 'iterable-wasm-examples-denodir-'));
});

after(async () => {
  await registry?.close();
  await server?.close();
  project?.cleanup();
  if (denoDir) rmSync(denoDir, { recursive: true, force: true });
});

test('node example (installed package)', { timeout: 60_000 }, async () => {
  const script = join(project.dir, 'index.mjs');
  copyFileSync(join(EXAMPLES, 'node/index.mjs'), script);

  server.reset();
  checkCliOutput(await run(process.execPath, [script], { cwd: project.dir, env: apiEnv() }));
  checkTrack('node');

  server.reset();
  checkCliBadKey(await run(process.execPath, [script], { cwd: project.dir, env: apiEnv('bad-key') }));

  const noKey = await run(process.execPath, [script], { cwd: project.dir, env: { ITERABLE_API_KEY: '' } });
  assert.equal(noKey.code, 2);
  assert.match(noKey.stderr, /Set ITERABLE_API_KEY/);
});

test("node example in the sandbox (the demo's default): no key, nothing on the network, same output every run", { timeout: 60_000 }, async () => {
  const script = join(project.dir, 'index.mjs');
  copyFileSync(join(EXAMPLES, 'node/index.mjs'), script);
  const expected = [
    'client: IterableClient(us, https://api.iterable.com)',
    `catalog: ${ACTION_COUNT} actions (${IRREVERSIBLE_COUNT} irreversible), e.g. abort_campaign`,
    'validation: ValidationError, 0 requests sent: email|userId',
    'read: 5 channels: Marketing Emails, Transactional Emails, Marketing Push, Marketing SMS, Transactional SMS',
    'write: trackEvent -> Success',
    'execute: list_channels -> 5 channels',
    'sandbox: demo project: 14 campaigns (Aborted, Archived, Draft, Finished, Ready, Recurring, Running, Scheduled)',
    'sandbox: list 11698 created, 3 subscribed, size 3',
    'sandbox: example@example.com has 1 event(s), newest iterable_wasm_example',
    'sandbox: unknown user -> {}',
    'done',
  ];
  server.reset();
  for (let i = 0; i < 2; i++) {
    const r = await run(process.execPath, [script], { cwd: project.dir, env: { ITERABLE_SANDBOX: '1', ITERABLE_DEMO_WRITE: '1', ITERABLE_API_KEY: '' } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), expected);
  }
  assert.deepEqual(server.requests, [], 'nothing reached a server');
});

// scripts/demo.sh runs the example where it is; that needs "iterable-wasm" resolvable from the repo,
// i.e. node_modules/iterable-wasm linked to pkg/ (root devDependency "iterable-wasm": "file:pkg").
const linked = existsSync(join(ROOT, 'node_modules/iterable-wasm/package.json'));
test('node example in place (node examples/node/index.mjs, as scripts/demo.sh runs it)', {
  timeout: 60_000,
  skip: !linked && 'node_modules/iterable-wasm is not there (no "iterable-wasm": "file:pkg" devDependency)',
}, async () => {
  server.reset();
  checkCliOutput(await run(process.execPath, [join(EXAMPLES, 'node/index.mjs')], { env: apiEnv() }));
  checkTrack('node');
});

test('deno example (deno.json import map -> npm:iterable-wasm)', { timeout: 120_000 }, async () => {
  const denoEnv = { DENO_DIR: denoDir, NPM_CONFIG_REGISTRY: registry.url };
  const cwd = join(EXAMPLES, 'deno');
  // Exactly the permissions the example documents; --no-lock leaves no deno.lock in examples/.
  const args = ['run', '--no-lock', '--allow-net=127.0.0.1', '--allow-env', '--allow-read', 'main.ts'];

  server.reset();
  checkCliOutput(await run(DENO, args, { cwd, env: { ...denoEnv, ...apiEnv() } }));
  checkTrack('deno');

  server.reset();
  checkCliBadKey(await run(DENO, args, { cwd, env: { ...denoEnv, ...apiEnv('bad-key') } }));

  // The example type-checks against the package's .d.ts (and its @ts-expect-error is needed).
  const check = await run(DENO, ['check', '--no-lock', 'main.ts'], { cwd, env: denoEnv });
  assert.equal(check.code, 0, check.stderr);
});

test('worker example (miniflare/workerd)', { timeout: 60_000 }, async () => {
  const runScript = join(EXAMPLES, 'worker/run.mjs');
  const pkgEnv = { ITERABLE_WASM_PKG: join(project.dir, 'node_modules/iterable-wasm') };

  server.reset();
  const r = await run(process.execPath, [runScript], { env: { ...pkgEnv, ...apiEnv() } });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), [
    `GET /catalog: 200 ${ACTION_COUNT} actions, e.g. abort_campaign`,
    `GET /: 200 {"catalog":${ACTION_COUNT},"validation":{"code":"ValidationError","attempts":0},"channels":["Email","Push"]}`,
    'POST /track: 200 {"msg":"Event with id: 1 tracked.","code":"Success","params":null}',
  ]);
  assert.deepEqual(summary(), ['GET /api/channels', 'POST /api/events/track']);
  const track = server.requests.find((q) => q.method === 'POST' && q.path === '/api/events/track');
  assert.deepEqual(track.body, { email: 'example@example.com', eventName: 'iterable_wasm_example', dataFields: { runtime: 'workerd' } });
  assert.equal(track.headers['api-key'], KEY);

  server.reset();
  const bad = await run(process.execPath, [runScript], { env: { ...pkgEnv, ...apiEnv('bad-key') } });
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /^GET \/: 502 \{"error":\{"name":"IterableError","message":"list_channels → 401 BadApiKey: Invalid API key","code":"BadApiKey","status":401,/m);
  assert.ok(!bad.stdout.includes('bad-key'));
});

test('browser example (import map, cross-origin API)', { timeout: 60_000 }, async () => {
  const site = await startServer({ static: { '/examples/': EXAMPLES, '/pkg/': PKG_DIR } });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const open = async (key) => {
      await openPage(page, `${site.url}/examples/browser/index.html?baseUrl=${encodeURIComponent(server.url)}`,
        'body[data-state="ready"]');
      assert.equal(await page.inputValue('#baseUrl'), server.url);
      await page.fill('#apiKey', key);
      await page.check('#write');
      await page.click('#run');
      await page.waitForSelector('body[data-state="done"], body[data-state="failed"]', { timeout: 15_000 });
      return (await page.textContent('#log')).trim().split('\n');
    };

    server.reset();
    assert.deepEqual(await open(KEY), [
      `catalog: ${ACTION_COUNT} actions, e.g. abort_campaign`,
      'validation: ValidationError, 0 requests sent',
      'read: 2 channels: Email, Push',
      'write: trackEvent -> Success',
      'done',
    ]);
    assert.deepEqual(summary(), ['GET /api/channels', 'POST /api/events/track']);
    checkTrack('browser');
    assert.ok(server.requests.some((q) => q.method === 'OPTIONS'), 'CORS preflights were sent');

    server.reset();
    const bad = await open('bad-key');
    assert.equal(bad.at(-1), 'error: list_channels → 401 BadApiKey: Invalid API key');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await site.close();
  }
});
