// The Node entry: built into one ES module file (index.node.js, for `import`) and one CommonJS
// file (index.cjs, for `require` on every Node the engines field admits, with no require of ES
// modules).
import { builtin, load, loadCatalog } from './load.node.js';
import { IterableError } from '__ERRORS_MODULE__';
import { IterableClient, catalog, defineSurface, ready } from './api.js';
import { install } from '__UNDICI_MODULE__';

export { IterableClient, IterableError, ready };
// Imported at run time from a computed specifier: Node finds the emulator next to this file, and a
// bundler never sees (nor copies) it.
const runtimeImport = (path) => import(path);
// Node's attempts go to undici's dispatcher, not through fetch (core/undici.js).
install();
defineSurface(load, {
  // Node 18 has no global Web Crypto (eventIds: "auto" needs random bytes).
  crypto: () => builtin('node:crypto').webcrypto,
  sandbox: () => Promise.all([runtimeImport('./sandbox/index.js'), runtimeImport('./sandbox/load.node.js')]).catch((cause) => {
    const e = new IterableError("the sandbox is not part of this bundle: keep iterable-wasm out of it (esbuild --packages=external, webpack externals) or run `npx iterable-wasm sandbox` and point baseUrl at it", { code: 'SandboxUnavailable', attempts: 0 });
    e.cause = cause;
    throw e;
  }),
});
/** The catalog: one entry per action (id, title, description, inputSchema, flags, ...), parsed on
 * first use (its descriptions read then from catalog-text.js, see load.node.js). */
export const actions = /* @__PURE__ */ catalog({ load: loadCatalog });
