import './load.deno.js';
import { actionIds, catalogJson } from './iterable_wasm.js';
import { IterableError } from '__ERRORS_MODULE__';
import { IterableClient, defineSurface } from './api.js';

export { IterableClient, IterableError };
/** The catalog: one entry per action (id, title, description, inputSchema, flags, ...), parsed on first use.
 * The sandbox's loader is imported only when a client asks for the sandbox. */
export const actions = defineSurface(catalogJson, actionIds(), { sandbox: () => import('./sandbox/load.deno.js') });
