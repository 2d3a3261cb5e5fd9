import { load } from './load.browser.js';
import { IterableError } from '__ERRORS_MODULE__';
import { IterableClient, catalog, defineSurface, ready } from './api.js';

export { IterableClient, IterableError, ready };
// Nothing of the sandbox is imported here, so no bundler copies its wasm:
// `import 'iterable-wasm/sandbox'` (sandbox/register.js) brings it in.
defineSurface(load, {
  sandboxHint: "add `import 'iterable-wasm/sandbox';` once (left out of bundles that do not import it)",
});
/** The catalog: one entry per action (id, title, description, inputSchema, flags, ...), parsed on
 * first use, after `await ready()` (which loads catalog.js, the descriptions, only where `actions`
 * is part of the program: a bundle that never reads it leaves that module out). */
export const actions = /* @__PURE__ */ catalog({ load: () => import('./catalog.js') });
