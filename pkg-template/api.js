// Shared by every entry point. Runs nothing on import: each entry calls defineSurface() after
// its loader has instantiated the wasm (a sibling import would not wait for the browser
// loader's top-level await).
import { IterableClient } from './iterable_wasm.js';

/** Parses the catalog and installs one method per action, named by the catalog. */
export function defineSurface(catalogJson) {
  const actions = Object.freeze(JSON.parse(catalogJson).map(Object.freeze));
  for (const { id, methodName } of actions) {
    Object.defineProperty(IterableClient.prototype, methodName, {
      value: { [methodName](input, options) { return this.execute(id, input, options); } }[methodName],
      writable: true,
      configurable: true,
    });
  }
  return actions;
}
