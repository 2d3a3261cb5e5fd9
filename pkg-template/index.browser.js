import './load.browser.js';
export * from './api.js';
