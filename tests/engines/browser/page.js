// Browser engine test page: the package through its browser entry (no top-level await: the .wasm next
// to it is fetched on first use), the shared scenario in the page and in a module web worker.
import * as iterable from '../pkg/index.browser.js';
// The sandbox is opt-in in browsers (so bundles of apps that never use it do not carry its wasm):
// `import 'iterable-wasm/sandbox'`, i.e. pkg/sandbox/register.js.
import '../pkg/sandbox/register.js';
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

// The in-process sandbox through the browser entry: its loader and wasm are fetched on first use.
window.runSandbox = () => guard(async () => {
  const client = new iterable.IterableClient({ sandbox: { seed: 1, clock: '2026-01-01T00:00:00Z' } });
  const { listId } = await client.createNewList({ name: 'Newsletter' });
  const sub = await client.subscribeToList({ listId, subscribers: [{ email: 'a@example.com' }, { email: 'b@example.com' }] });
  const size = await client.getListSize({ listId });
  const state = await client.sandbox.dump();
  return { listId, subscribed: sub.successCount, size: String(size), lists: state.lists.length };
});

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

// A call made before the wasm has loaded waits for it: nothing to await first.
window.firstCall = () => guard(async () => {
  const client = new iterable.IterableClient({ apiKey: 'test-key-3f9a', baseUrl: api, maxRetries: 0 });
  return { before: String(client), channels: (await client.listChannels()).channels.length, after: String(client) };
});
window.firstCallResult = window.firstCall();

// `actions` is read synchronously, so the page waits for ready() first.
await iterable.ready();
document.getElementById('status').textContent = `ready (${iterable.actions.length} actions)`;
document.body.dataset.ready = 'true';
