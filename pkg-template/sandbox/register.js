// `import 'iterable-wasm/sandbox';` in browsers, web workers and browser bundles: makes
// `new IterableClient({ sandbox })` available. The main entry leaves the emulator out, so a bundler
// copies its wasm (578 KB) only into apps that import this module; it is fetched on first use.
globalThis[Symbol.for('iterable-wasm.sandbox')] = () => Promise.all([import('./index.js'), import('./load.browser.js')]);
