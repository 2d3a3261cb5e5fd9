import { load } from './load.deno.js';
import { IterableError } from '__ERRORS_MODULE__';
import { IterableClient, defineSurface, ready } from './api.js';

export { IterableClient, IterableError, ready };
/** The catalog: one entry per action (id, title, description, inputSchema, flags, ...), parsed on first use.
 * The sandbox's loader is imported only when a client asks for the sandbox. */
export const actions = defineSurface(load, {
  sandbox: () => Promise.all([import('./sandbox/index.js'), import('./sandbox/load.deno.js')]),
});
