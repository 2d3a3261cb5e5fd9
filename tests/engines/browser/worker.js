// Module worker of the browser engine test: the browser entry's top-level await (fetch + instantiate
// of the .wasm) runs inside the worker, then the shared scenario.
//
// The worker says "ready" first: its body (and so its onmessage handler) runs only once the entry's
// top-level await has settled, and a message the page posts before then can be lost.
import * as iterable from '../pkg/index.browser.js';
import { runScenario } from '../support/scenario.mjs';

self.onmessage = async (e) => {
  try {
    self.postMessage(await runScenario(iterable, e.data.api, 'worker'));
  } catch (err) {
    self.postMessage({ crashed: String(err?.stack ?? err) });
  }
};
self.postMessage({ ready: true, actions: iterable.actions.length });
