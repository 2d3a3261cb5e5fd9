// `import 'iterable-wasm/sandbox';` outside Workers: nothing to do. Node, Deno and browsers load
// the emulator on demand, the first time a client created with `sandbox` sends a request.
export {};
