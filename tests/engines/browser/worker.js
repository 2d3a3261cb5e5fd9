// Module worker of the browser engine test: the browser entry fetches and instantiates its .wasm
// inside the worker (ready()), then the shared scenario runs.
//
// The worker says "ready" first: the page posts its message only once the handler is installed.
import * as iterable from '../pkg/index.browser.js';
import { runScenario } from '../support/scenario.mjs';

self.onmessage = async (e) => {
  try {
    self.postMessage(await runScenario(iterable, e.data.api, 'worker'));
  } catch (err) {
    self.postMessage({ crashed: String(err?.stack ?? err) });
  }
};
await iterable.ready();
self.postMessage({ ready: true, actions: iterable.actions.length });
