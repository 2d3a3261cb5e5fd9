// Runs the sandbox scenarios inside workerd: GET /scenarios -> [{name, ok, error}].
import { createSandbox } from './sandbox/index.js';
import { instantiate } from './sandbox/load.workerd.js';
import { caller, scenarios } from './scenarios.mjs';

export default {
  async fetch() {
    const out = [];
    try {
      const sb = await createSandbox({ seed: 42, clock: '2024-03-01T00:00:00Z' }, instantiate);
      const call = caller(sb.fetch, 'https://api.iterable.com');
      for (const [name, fn] of Object.entries(scenarios)) {
        try {
          await fn(call);
          out.push({ name, ok: true });
        } catch (e) {
          out.push({ name, ok: false, error: String(e?.stack ?? e) });
        }
      }
    } catch (e) {
      out.push({ name: 'createSandbox in workerd', ok: false, error: String(e?.stack ?? e) });
    }
    return Response.json(out);
  },
};
