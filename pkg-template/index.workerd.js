import './load.workerd.js';
export * from './api.js';
