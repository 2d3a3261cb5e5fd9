import { load } from './load.inline.js';
import { IterableError } from '__ERRORS_MODULE__';
import { IterableClient, catalog, defineSurface, ready } from './api.js';
import { describe } from './catalog.js';

export { IterableClient, IterableError, ready };
// `iterable-wasm/inline`: the wasm inside the JavaScript, for bundlers that drop .wasm
// files (esbuild, Rollup, bun build) and iife or CommonJS bundles. The sandbox is opt-in, as in
// the browser entry.
defineSurface(load, {
  sandboxHint: "add `import 'iterable-wasm/sandbox';` once (left out of bundles that do not import it; a bundle for Node also needs its wasm file copied next to it)",
});
/** The catalog: one entry per action (id, title, description, inputSchema, flags, ...), parsed on
 * first use (catalog.js, the descriptions: a bundle that never reads `actions` leaves it out). */
export const actions = /* @__PURE__ */ catalog({ describe });
