// The scenarios in Chromium (playwright-core, system /usr/bin/chromium): a page imports the built
// sandbox (load.browser.js fetches the wasm next to the module) and runs them in-page.
// Run: node tests/sandbox/browser.mjs
import { join } from 'node:path';
import { startServer } from '../support/server.mjs';
import { launchChromium, openPage } from '../support/browser.mjs';
import { test, run } from './harness.mjs';
import { ROOT, SANDBOX_DIR, waitFor } from './pkgdir.mjs';

waitFor();
const site = await startServer({ static: { '/static/sandbox/': SANDBOX_DIR, '/static/tests/': join(ROOT, 'tests/sandbox') } });
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await openPage(page, `${site.url}/static/tests/browser.html`, 'body[data-done]', 60_000);
  const results = await page.evaluate(() => window.__results);
  for (const r of results) test(`chromium: ${r.name}`, () => { if (!r.ok) throw new Error(r.error); });
  test('chromium: no page errors', () => { if (problems.length) throw new Error(problems.join('; ')); });
  await run('sandbox chromium');
} finally {
  await browser.close();
  await site.close();
}
