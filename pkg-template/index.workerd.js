import { load } from './load.workerd.js';
import { IterableError } from '__ERRORS_MODULE__';
import { IterableClient, catalog, defineSurface, ready } from './api.js';
import { describe } from './catalog.js';

export { IterableClient, IterableError, ready };
// No import of the sandbox here, not even a dynamic one: a Worker uploads every module its bundle
// can import, and workerd compiles uploaded wasm at start-up. `import 'iterable-wasm/sandbox'`
// (sandbox/workerd.js) enables it.
defineSurface(load, {
  sandboxHint: "in Workers, add `import 'iterable-wasm/sandbox';` once (the emulator is left out of bundles that do not import it)",
});
/** The catalog: one entry per action (id, title, description, inputSchema, flags, ...), parsed on
 * first use (catalog.js, the descriptions: a bundle that never reads `actions` leaves it out). */
export const actions = /* @__PURE__ */ catalog({ describe });
