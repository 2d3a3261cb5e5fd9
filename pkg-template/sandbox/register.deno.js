// `import 'iterable-wasm/sandbox';` in Deno: the main entry finds the emulator by itself; this
// module only makes the import explicit (the same loaders, imported on first use).
globalThis[Symbol.for('iterable-wasm.sandbox')] = () => Promise.all([import('./index.js'), import('./load.deno.js')]);
