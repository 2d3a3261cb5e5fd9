// Types of `require("iterable-wasm")` (index.cjs): the same surface as the ES module entries.
export * from './index.js';
