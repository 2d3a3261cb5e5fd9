// Node: read the sandbox wasm next to this file and instantiate it synchronously.
import { readFileSync } from 'node:fs';
import * as mod from './iterable_sandbox.js';

export async function instantiate() {
  mod.initSync({ module: readFileSync(new URL('./iterable_sandbox_bg.wasm', import.meta.url)) });
  return mod;
}
