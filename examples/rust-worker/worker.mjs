// The Worker's entry module: instantiates the Rust wasm (built by wasm-bindgen --target web into
// ./pkg) once per isolate and hands each request to its exported `fetch`. This is the small shim
// workers-rs' worker-build would otherwise generate.
import wasm from './pkg/iterable_rust_worker_example_bg.wasm';
import { initSync, fetch as rustFetch } from './pkg/iterable_rust_worker_example.js';

initSync({ module: wasm });

export default {
  fetch: (request, env, ctx) => rustFetch(request, env, ctx),
};
