// Browsers, web workers and the bundlers that copy a file referenced with
// new URL("...", import.meta.url) (Vite, webpack, Parcel): fetches and instantiates the wasm next to
// this module, on first use (no top-level await). A dropped or misplaced file (a 404, an HTML page,
// an iife or CommonJS bundle without import.meta.url) rejects the first call with an IterableError
// that says what to do; the import itself never fails.
import { initAsync } from './iterable_wasm.js';
import { wasmError } from './api.js';

export async function load() {
  let url = 'the bundle (import.meta.url is empty in an iife or CommonJS bundle)';
  try {
    url = new URL('./iterable_wasm_bg.wasm', import.meta.url);
    const res = await fetch(url);
    if (!res.ok) throw wasmError(url, `HTTP ${res.status}`);
    const type = res.headers.get('content-type');
    if (/^application\/wasm/.test(type)) return await initAsync(res);
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (String.fromCharCode(...bytes.subarray(0, 4)) !== '\0asm') throw wasmError(url, `the server sent ${type || 'something'} instead of wasm`);
    await initAsync(bytes);
  } catch (e) {
    throw e?.code === 'WasmLoadError' ? e : wasmError(url, String(e?.message ?? e), e);
  }
}
