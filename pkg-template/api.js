// Shared surface of every entry point. Imported only after the entry's loader has
// instantiated the wasm module, so the catalog can be read here.
import { IterableClient, catalogJson } from './iterable_wasm.js';
import { IterableError } from '__ERRORS_MODULE__';

export { IterableClient, IterableError };

/** The catalog: one entry per action (id, title, description, inputSchema, flags, ...). */
export const actions = Object.freeze(JSON.parse(catalogJson()).map(Object.freeze));

// One method per action, named by the catalog (camelCase of the id); typed in index.d.ts.
for (const { id, methodName } of actions) {
  Object.defineProperty(IterableClient.prototype, methodName, {
    value: { [methodName](input, options) { return this.execute(id, input, options); } }[methodName],
    writable: true,
    configurable: true,
  });
}
