// Deno: read the wasm next to this file (Deno.readFileSync needs read access to the package folder,
// which Deno grants to npm packages it installed; for a vendored copy run with --allow-read).
import { initSync } from './iterable_wasm.js';

initSync({ module: Deno.readFileSync(new URL('./iterable_wasm_bg.wasm', import.meta.url)) });
