// Browser engine test page: the package through its browser entry (top-level await, fetches the .wasm
// next to it), the shared scenario in the page and in a module web worker.
import * as iterable from '../pkg/index.browser.js';
import { runScenario } from '../support/scenario.mjs';

const api = new URL(location.href).searchParams.get('api');

async function guard(fn) {
  try {
    return await fn();
  } catch (e) {
    return { crashed: String(e?.stack ?? e) };
  }
}

// Runs the scenario on the page itself.
window.runPage = () => guard(() => runScenario(iterable, api, 'page'));

// Runs it in a fresh module worker (new Worker(url, {type: 'module'})) that imports the same entry.
window.runWorker = () => new Promise((resolve) => {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  const done = (value) => { worker.terminate(); resolve(value); };
  worker.onmessage = (e) => {
    if (e.data?.ready) worker.postMessage({ api }); // the worker's module graph has loaded
    else done(e.data);
  };
  worker.onerror = (e) => done({ crashed: `worker error: ${e.message} (${e.filename}:${e.lineno})` });
  worker.onmessageerror = () => done({ crashed: 'messageerror' });
  setTimeout(() => done({ crashed: 'the worker did not answer within 15 s' }), 15_000);
});

document.getElementById('status').textContent = `ready (${iterable.actions.length} actions)`;
document.body.dataset.ready = 'true';
