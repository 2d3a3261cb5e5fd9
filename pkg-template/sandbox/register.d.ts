// Side-effect module: `import 'iterable-wasm/sandbox';` makes `new IterableClient({ sandbox })`
// available in browsers, Workers and bundles (Node and Deno find the emulator without it).
export {};
