// A Cloudflare Worker for the workerd engine test: imports the package by name (the test maps
// "iterable-wasm" to the entry the exports map gives for the "workerd" condition, as wrangler would;
// the .wasm arrives as a compiled WebAssembly.Module), runs the shared scenario against env.BASE_URL
// and answers with the result as JSON.
import * as iterable from 'iterable-wasm';
import { runScenario } from './scenario.mjs';

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/scenario') {
      try {
        return Response.json(await runScenario(iterable, env.BASE_URL, 'workerd'));
      } catch (e) {
        return Response.json({ crashed: String(e?.stack ?? e) }, { status: 500 });
      }
    }
    if (url.pathname === '/no-sandbox') {
      // The main entry leaves the emulator out of Workers: a clear error, not a failed import.
      try {
        new iterable.IterableClient({ sandbox: true });
        return Response.json({ threw: false });
      } catch (e) {
        return Response.json({ threw: true, code: e.code, message: e.message });
      }
    }
    if (url.pathname === '/catalog') {
      return Response.json({ count: iterable.actions.length, isFrozen: Object.isFrozen(iterable.actions) });
    }
    return new Response('not found', { status: 404 });
  },
};
