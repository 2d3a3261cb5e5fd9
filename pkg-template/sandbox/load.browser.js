// Browsers, web workers, bundlers: fetch the wasm relative to this module.
import init, * as mod from './iterable_sandbox.js';

export async function instantiate() {
  await init({ module_or_path: new URL('./iterable_sandbox_bg.wasm', import.meta.url) });
  return mod;
}
