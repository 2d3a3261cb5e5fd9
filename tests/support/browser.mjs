// Launches the system Chromium (/usr/bin/chromium) through playwright-core; never downloads a browser.
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-quic', '--no-first-run', '--disable-sync'],
  });
}

/**
 * Opens url and waits until `ready` (a selector) matches, failing at once on the first uncaught page
 * error instead of waiting for the timeout.
 */
export async function openPage(page, url, ready, timeout = 15_000) {
  let onError;
  const failed = new Promise((_, reject) => {
    onError = (e) => {
      // The browser entry's known failure mode: something touched the wasm before load.browser.js
      // had fetched and instantiated it (the package waits for it on every path that needs it).
      const hint = /__wbindgen|wasm\./.test(e.message)
        ? ' (the package touched the wasm before load.browser.js finished instantiating it)' : '';
      reject(new Error(`the page failed to load: ${e.message}${hint}`));
    };
    page.on('pageerror', onError);
  });
  failed.catch(() => {}); // handled by the race below; never an unhandled rejection
  try {
    await Promise.race([
      (async () => {
        await page.goto(url);
        await page.waitForSelector(ready, { timeout, state: 'attached' });
      })(),
      failed,
    ]);
  } finally {
    page.off('pageerror', onError);
  }
}
