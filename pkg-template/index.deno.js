import './load.deno.js';
export * from './api.js';
