// Node: read the wasm next to this file and instantiate it synchronously (no init call, no top-level await).
import { readFileSync } from 'node:fs';
import { initSync } from './iterable_wasm.js';

initSync({ module: readFileSync(new URL('./iterable_wasm_bg.wasm', import.meta.url)) });
