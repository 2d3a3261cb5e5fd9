// The Rust wasm examples, run as a user would, against the fake Iterable on 127.0.0.1:
// examples/rust-browser (the page in Chromium, its form filled in and sent) and
// examples/rust-worker (workers-rs in workerd through miniflare, with its entry shim).
// Each example's pkg/ is built first by tests/rust-wasm/build-examples.sh.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { launchChromium, openPage } from '../support/browser.mjs';
import { startFake } from './fake.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const browserDir = join(root, 'examples/rust-browser');
const workerDir = join(root, 'examples/rust-worker');
for (const dir of [browserDir, workerDir]) {
  if (!existsSync(join(dir, 'pkg'))) throw new Error(`${dir}/pkg is missing: run bash tests/rust-wasm/build-examples.sh`);
}

let fake;
before(async () => { fake = await startFake(); });
after(async () => { await fake?.close(); });

/** What the fake received from this key, as "METHOD path?query body". */
const received = (key) => (fake.log.get(key) ?? []).map((r) => `${r.method} ${r.path}${r.query} ${r.body}`.trim());

/** Serves a folder on 127.0.0.1 (GET only, no listing, nothing outside it). */
async function serveDir(dir) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = http.createServer((req, res) => {
    const path = normalize(join(dir, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
    const file = path.endsWith(sep) ? join(path, 'index.html') : path;
    if (req.method !== 'GET' || !file.startsWith(dir + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) };
}

describe('examples/rust-browser: a page whose Rust wasm calls Iterable', () => {
  let site;
  let browser;
  before(async () => {
    site = await serveDir(browserDir);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
  });

  async function submit(key, email) {
    const page = await browser.newPage();
    try {
      await openPage(page, site.url, '#out[data-state="ready"]');
      await page.fill('#key', key);
      await page.fill('#base', fake.url);
      await page.fill('#email', email);
      await page.click('#send');
      await page.waitForSelector('#out[data-state="done"], #out[data-state="error"]', { timeout: 15_000 });
      return { state: await page.getAttribute('#out', 'data-state'), text: await page.textContent('#out') };
    } finally {
      await page.close();
    }
  }

  test('the form tracks the event and shows the user read back', async () => {
    const { state, text } = await submit('k-example-page', 'ada@example.com');
    assert.equal(state, 'done', text);
    const user = JSON.parse(text);
    assert.equal(user.user.email, 'ada@example.com');
    assert.deepEqual(received('k-example-page'), [
      'POST /api/events/track {"email":"ada@example.com","eventName":"signup"}',
      'GET /api/users/getByEmail?email=ada%40example.com',
    ]);
  });

  test("Iterable's refusal shows as the error's code and summary", async () => {
    const { state, text } = await submit('bad-key', 'ada@example.com');
    assert.equal(state, 'error', text);
    assert.equal(text, 'BadApiKey: track_event → 401 BadApiKey: Invalid API key');
  });

  test('an invalid input is refused in the page, before any request', async () => {
    const { state, text } = await submit('k-example-page-invalid', 'not-an-email');
    assert.equal(state, 'error', text);
    assert.match(text, /^ValidationError: track_event → ValidationError: email: /);
    assert.deepEqual(received('k-example-page-invalid'), []);
  });
});

describe('examples/rust-worker: a workers-rs Worker in workerd (miniflare)', () => {
  /** The Worker as wrangler would upload it: the entry shim, the wasm-bindgen JS, the .wasm. */
  function modules() {
    const files = (dir) => readdirSync(dir).flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? files(p) : [p];
    });
    const pkg = files(join(workerDir, 'pkg')).filter((p) => /\.(js|wasm)$/.test(p));
    return [join(workerDir, 'worker.mjs'), ...pkg].map((p) => ({
      type: p.endsWith('.wasm') ? 'CompiledWasm' : 'ESModule',
      path: p,
      contents: readFileSync(p),
    }));
  }

  async function worker(key) {
    const mf = new Miniflare({
      modulesRoot: workerDir,
      modules: modules(),
      compatibilityDate: '2025-01-01',
      bindings: { ITERABLE_API_KEY: key, ITERABLE_BASE_URL: fake.url },
    });
    await mf.ready;
    return mf;
  }

  test('POST /signup tracks the event, GET /user reads the user back', async () => {
    const mf = await worker('k-example-worker');
    try {
      let res = await mf.dispatchFetch('http://worker/signup', { method: 'POST', body: JSON.stringify({ email: 'grace@example.com' }) });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { tracked: true });
      res = await mf.dispatchFetch('http://worker/user?email=grace%40example.com');
      assert.equal(res.status, 200);
      assert.equal((await res.json()).user.email, 'grace@example.com');
      assert.deepEqual(received('k-example-worker'), [
        'POST /api/events/track {"email":"grace@example.com","eventName":"signup"}',
        'GET /api/users/getByEmail?email=grace%40example.com',
      ]);

      // Refused before sending: 400 naming what to fix, nothing reaches Iterable.
      res = await mf.dispatchFetch('http://worker/signup', { method: 'POST', body: '{}' });
      assert.equal(res.status, 400);
      const refused = await res.json();
      assert.equal(refused.code, 'ValidationError');
      assert.match(refused.message, /^track_event → ValidationError: /);
      res = await mf.dispatchFetch('http://worker/signup', { method: 'POST', body: 'not json' });
      assert.equal(res.status, 400);
      assert.equal((await res.json()).code, 'BadRequest');
      assert.equal(received('k-example-worker').length, 2);
    } finally {
      await mf.dispose();
    }
  });

  test("Iterable's refusals keep their status and never carry the key", async () => {
    const mf = await worker('bad-key');
    try {
      const res = await mf.dispatchFetch('http://worker/user?email=ada%40example.com');
      assert.equal(res.status, 401);
      const text = await res.text();
      assert.deepEqual(JSON.parse(text), { code: 'BadApiKey', message: 'get_user_by_email → 401 BadApiKey: Invalid API key', retryable: false });
      assert.ok(!text.includes('bad-key'));
    } finally {
      await mf.dispose();
    }
  });
});
