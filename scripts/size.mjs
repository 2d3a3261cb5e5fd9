#!/usr/bin/env node
// Prints what a browser loads of pkg/ (wasm + JS), raw and gzip, and checks the budget.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const pkg = fileURLToPath(new URL('../pkg/', import.meta.url));
// 100 KiB held for 145 actions; the 12 experiment operations and the result-type flags took the
// catalog past it. Issue 16 moves the catalog's descriptions out of the client's first load
// (target 80 KiB); until then the budget is 104 KiB, so growth is still caught.
const BUDGET = 104 * 1024;
// The browser entry and everything it imports.
const files = ['index.browser.js', 'load.browser.js', 'api.js', 'iterable_wasm.js', 'iterable_wasm_bg.wasm'];
const walk = (d) => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
for (const f of walk(join(pkg, 'snippets'))) files.push(relative(pkg, f));

let raw = 0, gz = 0;
const rows = files.map((f) => {
  const bytes = readFileSync(join(pkg, f));
  const g = gzipSync(bytes, { level: 9 }).length;
  raw += bytes.length; gz += g;
  return [f, bytes.length, g];
});
const w = Math.max(...rows.map((r) => r[0].length), 5);
console.log(`${'file'.padEnd(w)}  ${'raw'.padStart(9)}  ${'gzip'.padStart(9)}`);
for (const [f, r, g] of rows) console.log(`${f.padEnd(w)}  ${String(r).padStart(9)}  ${String(g).padStart(9)}`);
console.log(`${'total'.padEnd(w)}  ${String(raw).padStart(9)}  ${String(gz).padStart(9)}`);
const ok = gz <= BUDGET;
console.log(`size: ${(gz / 1024).toFixed(1)} KiB gzip of ${BUDGET / 1024} KiB budget: ${ok ? 'within' : 'OVER'}`);
console.log(`size: ${ok ? 1 : 0} passed, ${ok ? 0 : 1} failed`);
process.exit(ok ? 0 : 1);
