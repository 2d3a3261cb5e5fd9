import { load } from './load.node.js';
import { IterableError } from '__ERRORS_MODULE__';
import { IterableClient, defineSurface, ready } from './api.js';

export { IterableClient, IterableError, ready };
// Imported at run time from a computed specifier: Node finds the emulator next to this file, and a
// bundler never sees (nor copies) it. In a bundle, `import 'iterable-wasm/sandbox'` brings it in.
const runtimeImport = (path) => import(path);
/** The catalog: one entry per action (id, title, description, inputSchema, flags, ...), parsed on first use. */
export const actions = defineSurface(load, {
  sandbox: () => Promise.all([runtimeImport('./sandbox/index.js'), runtimeImport('./sandbox/load.node.js')]),
  sandboxHint: "it is not part of this bundle: add `import 'iterable-wasm/sandbox';` once",
});
