// `import 'iterable-wasm/sandbox';` in a Cloudflare Worker: makes `new IterableClient({ sandbox })`
// available there. The main entry leaves the emulator out (its wasm would be uploaded and
// compiled with every Worker using the package); this module brings it in.
globalThis[Symbol.for('iterable-wasm.sandbox')] = () => Promise.all([import('./index.js'), import('./load.workerd.js')]);
