// Node: read the sandbox wasm next to this file and instantiate it synchronously. In a bundle
// (import 'iterable-wasm/sandbox' bundled for Node), copy iterable_sandbox_bg.wasm next to it.
import { readFileSync } from 'node:fs';
import * as mod from './iterable_sandbox.js';

export async function instantiate() {
  let bytes;
  try {
    bytes = readFileSync(typeof __dirname === 'string' ? `${__dirname}/iterable_sandbox_bg.wasm` : new URL('./iterable_sandbox_bg.wasm', import.meta.url));
  } catch (cause) {
    throw new Error(`the sandbox's wasm file, iterable_sandbox_bg.wasm, is not next to this module (${cause?.message ?? cause}): in a bundle for Node, copy node_modules/iterable-wasm/sandbox/iterable_sandbox_bg.wasm next to the bundle, or keep iterable-wasm out of it (esbuild --packages=external)`, { cause });
  }
  mod.initSync({ module: bytes });
  return mod;
}
