import { load } from './load.inline.js';
import { IterableError } from '__ERRORS_MODULE__';
import { IterableClient, defineSurface, ready } from './api.js';

export { IterableClient, IterableError, ready };
/** The catalog: one entry per action (id, title, description, inputSchema, flags, ...), parsed on
 * first use. `iterable-wasm/inline`: the wasm inside the JavaScript, for bundlers that drop .wasm
 * files (esbuild, Rollup, bun build) and iife or CommonJS bundles. The sandbox is opt-in, as in
 * the browser entry. */
export const actions = defineSurface(load, {
  sandboxHint: "add `import 'iterable-wasm/sandbox';` once (left out of bundles that do not import it; a bundle for Node also needs its wasm file copied next to it)",
});
