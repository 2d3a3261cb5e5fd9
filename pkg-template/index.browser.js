import { load } from './load.browser.js';
import { IterableError } from '__ERRORS_MODULE__';
import { IterableClient, defineSurface, ready } from './api.js';

export { IterableClient, IterableError, ready };
/** The catalog: one entry per action (id, title, description, inputSchema, flags, ...), parsed on
 * first use. Nothing of the sandbox is imported here, so no bundler copies its wasm:
 * `import 'iterable-wasm/sandbox'` (sandbox/register.js) brings it in. */
export const actions = defineSurface(load, {
  sandboxHint: "add `import 'iterable-wasm/sandbox';` once (left out of bundles that do not import it)",
});
