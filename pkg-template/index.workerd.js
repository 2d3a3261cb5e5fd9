import { load } from './load.workerd.js';
import { IterableError } from '__ERRORS_MODULE__';
import { IterableClient, catalog, defineSurface, ready } from './api.js';
import { describeFrom } from './catalog.js';

export { IterableClient, IterableError, ready };
// No import of the sandbox here, not even a dynamic one: a Worker uploads every module its bundle
// can import, and workerd compiles uploaded wasm at start-up. `import 'iterable-wasm/sandbox'`
// (sandbox/workerd.js) enables it.
defineSurface(load, {
  sandboxHint: "in Workers, add `import 'iterable-wasm/sandbox';` once (the emulator is left out of bundles that do not import it)",
});
// The catalog's text (catalog.js TEXT: titles, descriptions, the params' descriptions) deflated and
// in base64, written in by scripts/build.mjs: 21 KB instead of 56 KB of the bundle. Every byte a
// Worker uploads costs its start-up (Miniflare encodes the modules, ~36 µs per KB), and a Worker
// has no file to read lazily, as the Node entry does; `actions` stays synchronous: the text is
// inflated when it is first read. tiny-inflate is CommonJS, required here so that the bundle
// evaluates it on that first read only (fflate builds its tables at import: ~5 ms of start-up).
const TEXT_DEFLATED = __CATALOG_TEXT_DEFLATED__;
function inflateText() {
  const inflate = require('tiny-inflate');
  const base64 = atob(TEXT_DEFLATED);
  // (a loop: Uint8Array.from(string, fn) walks the string's iterator, 5-15 ms cold)
  const deflated = new Uint8Array(base64.length);
  for (let i = 0; i < base64.length; i++) deflated[i] = base64.charCodeAt(i);
  return new TextDecoder().decode(inflate(deflated, new Uint8Array(__CATALOG_TEXT_BYTES__)));
}
/** The catalog: one entry per action (id, title, description, inputSchema, flags, ...), parsed on
 * first use (catalog.js and the text above: a bundle that never reads `actions` leaves them out). */
export const actions = /* @__PURE__ */ catalog({ describe: (ids, rows) => describeFrom(inflateText(), ids, rows) });
