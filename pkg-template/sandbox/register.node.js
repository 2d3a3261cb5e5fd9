// `import 'iterable-wasm/sandbox';` in Node: the main entry finds the emulator by itself when it runs
// from node_modules; this module makes it part of a bundle for Node (its wasm is read next to
// load.node.js, so copy iterable_sandbox_bg.wasm along with a bundle that does not).
globalThis[Symbol.for('iterable-wasm.sandbox')] = () => Promise.all([import('./index.js'), import('./load.node.js')]);
