import { load } from './load.deno.js';
import { IterableError } from '__ERRORS_MODULE__';
import { IterableClient, catalog, defineSurface, ready } from './api.js';
import { describe } from './catalog.js';
import { install } from '__DENO_HTTP_MODULE__';

export { IterableClient, IterableError, ready };
// Attempts over connections of the client's own where fetch would connect directly (core/deno-http.js).
install();
// The sandbox's loader is imported only when a client asks for the sandbox.
defineSurface(load, {
  sandbox: () => Promise.all([import('./sandbox/index.js'), import('./sandbox/load.deno.js')]),
});
/** The catalog: one entry per action (id, title, description, inputSchema, flags, ...), parsed on
 * first use (catalog.js, the descriptions: a bundle that never reads `actions` leaves it out). */
export const actions = /* @__PURE__ */ catalog({ describe });
