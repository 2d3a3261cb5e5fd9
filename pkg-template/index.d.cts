// Types of `require("iterable-wasm")` (index.cjs): the same surface as the ES module entries,
// referenced with resolution-mode "import" (a CommonJS declaration file may not `export from` an
// ES module one; TypeScript 5.3 or later).
type Esm = typeof import('./index.js', { with: { 'resolution-mode': 'import' } });
export type * from './index.js' with { 'resolution-mode': 'import' };
export type IterableClient = import('./index.js', { with: { 'resolution-mode': 'import' } }).IterableClient;
export declare const IterableClient: Esm['IterableClient'];
export type IterableError = import('./index.js', { with: { 'resolution-mode': 'import' } }).IterableError;
export declare const IterableError: Esm['IterableError'];
export declare const actions: Esm['actions'];
export declare const ready: Esm['ready'];
