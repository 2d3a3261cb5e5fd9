// Browser: Chromium (playwright-core, /usr/bin/chromium) loads a page that imports pkg/index.browser.js
// as a module and runs the shared scenario, on the page and in a module web worker. The page and the
// package come from one local server, the fake Iterable API from another (a different origin), so the
// requests go through real CORS preflights.
// Run: node --test tests/engines/browser.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer } from '../support/server.mjs';
import { PKG_DIR, ROOT, waitForPkg } from '../support/install.mjs';
import { checkRequests, checkResult } from '../support/checks.mjs';
import { launchChromium, openPage } from '../support/browser.mjs';
import { ACTION_COUNT } from '../support/defs.mjs';

let site; // static files
let api; // fake Iterable API, another origin
let browser;
let page;
const problems = []; // page errors, console errors, failed requests

before(async () => {
  waitForPkg();
  site = await startServer({
    static: {
      '/static/pkg/': PKG_DIR,
      '/static/engine/': join(ROOT, 'tests/engines/browser'),
      '/static/support/': join(ROOT, 'tests/support'),
    },
  });
  // Max-Age 0: no preflight caching, so the page and the worker each send their own.
  api = await startServer({ corsMaxAge: 0 });
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // Chromium logs every 4xx as a console error; the scenario's 401 and 400 are intended.
    if (m.type() === 'error' && !/the server responded with a status of 40[01] /.test(m.text())) {
      problems.push(`console: ${m.text()}`);
    }
  });
  page.on('requestfailed', (r) => {
    // The scenario's redirects to another origin: Chromium reports the target it did not follow
    // (redirect: "manual") as aborted; the trap server proves nothing reached it.
    if (r.url().startsWith(api.trap.url + '/') && r.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`);
  });
  const url = `${site.url}/static/engine/page.html?api=${encodeURIComponent(api.url)}`;
  try {
    await openPage(page, url, 'body[data-ready]');
  } catch (e) {
    throw new Error(`${e.message}${problems.length ? ` [${problems.join('; ')}]` : ''}`);
  }
});

after(async () => {
  await browser?.close();
  await site?.close();
  await api?.close();
});

test('the page loads the browser entry (top-level await) and its wasm', { timeout: 30_000 }, async () => {
  assert.match(await page.textContent('#status'), new RegExp(`ready \\(${ACTION_COUNT} actions\\)`));
  assert.deepEqual(problems, []);
});

test('scenario on the page, cross-origin with CORS', { timeout: 30_000 }, async () => {
  api.reset();
  const result = await page.evaluate(() => window.runPage());
  assert.equal(result.crashed, undefined, result.crashed);
  checkResult(result);
  checkRequests(api.requests, api.trap.requests, { browser: true });
  const origin = new URL(site.url).origin;
  for (const q of api.requests) assert.equal(q.headers.origin, origin, `Origin on ${q.method} ${q.path}`);
  assert.deepEqual(problems, []);
});

test('the sandbox on the page: loaded on first use, stateful, nothing sent to the API', { timeout: 30_000 }, async () => {
  api.reset();
  const result = await page.evaluate(() => window.runSandbox());
  assert.equal(result.crashed, undefined, result.crashed);
  assert.deepEqual(result, { listId: 10001, subscribed: 2, size: '2', lists: 1 });
  assert.deepEqual(api.requests, [], 'the API server saw nothing');
  assert.deepEqual(problems, []);
});

test('scenario in a module web worker (new Worker(url, {type: "module"}))', { timeout: 30_000 }, async () => {
  api.reset();
  const result = await page.evaluate(() => window.runWorker());
  assert.equal(result.crashed, undefined, result.crashed);
  assert.equal(result.label, 'worker');
  checkResult(result);
  checkRequests(api.requests, api.trap.requests, { browser: true });
  assert.deepEqual(problems, []);
});
