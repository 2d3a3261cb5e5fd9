import './load.workerd.js';
import { IterableClient, catalogJson } from './iterable_wasm.js';
import { IterableError } from '__ERRORS_MODULE__';
import { defineSurface } from './api.js';

export { IterableClient, IterableError };
/** The catalog: one entry per action (id, title, description, inputSchema, flags, ...). */
export const actions = defineSurface(catalogJson());
