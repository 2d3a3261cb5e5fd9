// Node: `npm pack` pkg/, `npm install` the tarball in a clean temp project, import "iterable-wasm" by name
// from there (Node's own resolution, "node" condition) and run the scenario against the fake server.
// Run: node --test tests/engines/node.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startServer } from '../support/server.mjs';
import { packAndInstall } from '../support/install.mjs';
import { runScenario } from '../support/scenario.mjs';
import { checkRequests, checkResult } from '../support/checks.mjs';
import { ACTION_COUNT } from '../support/defs.mjs';

let project;
let server;

before(async () => {
  project = packAndInstall({ prefix: 'iterable-wasm-node-' });
  // A module inside the clean project, so "iterable-wasm" resolves exactly as in a user's app.
  writeFileSync(join(project.dir, 'consumer.mjs'),
    'export * from "iterable-wasm";\nexport const resolved = import.meta.resolve("iterable-wasm");\n');
  writeFileSync(join(project.dir, 'resolve.mjs'), 'console.log(import.meta.resolve("iterable-wasm"));\n');
  server = await startServer();
});

after(async () => {
  await server?.close();
  project?.cleanup();
});

test('npm pack ships what the entries need, and nothing else', () => {
  const files = project.info.files.map((f) => f.path).sort();
  for (const f of ['package.json', 'api.js', 'index.d.ts', 'iterable_wasm.js', 'iterable_wasm_bg.wasm',
    'iterable_wasm.d.ts', 'index.node.js', 'index.deno.js', 'index.browser.js', 'index.workerd.js',
    'load.node.js', 'load.deno.js', 'load.browser.js', 'load.workerd.js']) {
    assert.ok(files.includes(f), `tarball has ${f}`);
  }
  assert.ok(files.some((f) => f.startsWith('snippets/') && f.endsWith('errors.js')), 'tarball has the error snippet');
  for (const f of files) {
    assert.ok(!/\.(rs|toml|map|tgz)$|^(src|target|codegen|defs)\//.test(f), `unexpected file in tarball: ${f}`);
  }
  assert.ok(project.info.size < 1_000_000, `packed size ${project.info.size}`);
});

test('the exports map picks the right entry per condition', () => {
  const resolveWith = (...flags) => execFileSync(process.execPath, [...flags, 'resolve.mjs'],
    { cwd: project.dir, encoding: 'utf8' }).trim();
  assert.match(resolveWith(), /\/node_modules\/iterable-wasm\/index\.node\.js$/);
  assert.match(resolveWith('--conditions=deno'), /\/index\.deno\.js$/);
  assert.match(resolveWith('--conditions=workerd'), /\/index\.workerd\.js$/);
});

test('installed package works against the fake Iterable API', async () => {
  const mod = await import(pathToFileURL(join(project.dir, 'consumer.mjs')).href);
  assert.match(mod.resolved, /\/node_modules\/iterable-wasm\/index\.node\.js$/);
  assert.equal(typeof mod.IterableClient, 'function');
  assert.equal(mod.actions.length, ACTION_COUNT);

  server.reset();
  const result = await runScenario(mod, server.url, 'node');
  checkResult(result);
  checkRequests(server.requests, server.trap.requests);
});

test('the lazily parsed catalog behaves as a frozen array of frozen entries', () => {
  writeFileSync(join(project.dir, 'lazy.mjs'), [
    'import { actions, IterableClient } from "iterable-wasm";',
    '// Methods exist before the catalog is touched; the catalog is parsed on first access.',
    'const methods = typeof IterableClient.prototype.trackEvent === "function" && typeof IterableClient.prototype.getUserByEmail === "function";',
    'const copy = [...actions];',
    'let threw = false;',
    'try { "use strict"; actions.push({}); } catch { threw = true; }',
    'console.log(JSON.stringify({',
    '  methods, isArray: Array.isArray(actions), frozen: Object.isFrozen(actions), entryFrozen: Object.isFrozen(actions[0]),',
    '  n: actions.length, copy: copy.length, keys: Object.keys(actions).length, json: JSON.parse(JSON.stringify(actions)).length,',
    '  same: actions[3] === copy[3], find: actions.find((a) => a.id === "get_user_by_email")?.methodName, threw,',
    '  schema: actions.every((a) => a.inputSchema.type === "object" && Object.keys(a.inputSchema.properties).length >= 0),',
    '}));',
  ].join('\n'));
  const out = JSON.parse(execFileSync(process.execPath, ['lazy.mjs'], { cwd: project.dir, encoding: 'utf8' }));
  assert.deepEqual(out, { methods: true, isArray: true, frozen: true, entryFrozen: true, n: ACTION_COUNT, copy: ACTION_COUNT, keys: ACTION_COUNT, json: ACTION_COUNT, same: true, find: 'getUserByEmail', threw: true, schema: true });
});

test('a plain `node file.mjs` in the clean project imports it synchronously (no init call)', () => {
  writeFileSync(join(project.dir, 'sync.mjs'), [
    'import { actions, IterableClient } from "iterable-wasm";',
    'const c = new IterableClient({ apiKey: "k" });',
    'console.log(JSON.stringify({ n: actions.length, region: c.region, baseUrl: c.baseUrl }));',
  ].join('\n'));
  const out = JSON.parse(execFileSync(process.execPath, ['sync.mjs'], { cwd: project.dir, encoding: 'utf8' }));
  assert.deepEqual(out, { n: ACTION_COUNT, region: 'us', baseUrl: 'https://api.iterable.com' });
});

test('a process that both imports and requires the package compiles its wasm once', () => {
  writeFileSync(join(project.dir, 'dual.mjs'), [
    'import { createRequire } from "node:module";',
    'let compiled = 0;',
    'const Module = WebAssembly.Module;',
    'WebAssembly.Module = function (...a) { compiled++; return new Module(...a); };',
    'WebAssembly.Module.prototype = Module.prototype;',
    'const esm = await import("iterable-wasm");',
    'const cjs = createRequire(import.meta.url)("iterable-wasm");',
    'const a = new esm.IterableClient({ apiKey: "k" });',
    'const b = new cjs.IterableClient({ apiKey: "k" });',
    'console.log(JSON.stringify({ compiled, two: esm.IterableClient !== cjs.IterableClient, regions: [a.region, b.region] }));',
  ].join('\n'));
  const out = JSON.parse(execFileSync(process.execPath, ['dual.mjs'], { cwd: project.dir, encoding: 'utf8' }));
  assert.deepEqual(out, { compiled: 1, two: true, regions: ['us', 'us'] });
});

test('a bundler keeps the loader: esbuild honours the package\'s sideEffects list; the bundle runs anywhere', () => {
  // "sideEffects": false would let bundlers drop the entry's defineSurface() call (no methods, no
  // loader) and the sandbox registration; the list names those files. The Node entry carries its
  // wasm inside the JavaScript, so the bundle (ESM or CommonJS, where import.meta.url is empty)
  // runs from any folder.
  const esbuild = join(process.cwd(), 'node_modules/.bin/esbuild');
  writeFileSync(join(project.dir, 'bundled-entry.mjs'), [
    'import { actions, IterableClient } from "iterable-wasm";',
    'console.log(JSON.stringify({ n: actions.length, client: String(new IterableClient({ apiKey: "k" })) }));',
  ].join('\n'));
  for (const [format, out] of [['esm', 'bundled.mjs'], ['cjs', 'bundled.cjs']]) {
    execFileSync(esbuild, ['bundled-entry.mjs', '--bundle', `--format=${format}`, '--platform=node', `--outfile=dist/${out}`, '--log-level=error'], { cwd: project.dir });
    const got = JSON.parse(execFileSync(process.execPath, [`dist/${out}`], { cwd: project.dir, encoding: 'utf8' }));
    assert.deepEqual(got, { n: ACTION_COUNT, client: 'IterableClient(us, https://api.iterable.com)' }, format);
  }
});

test('an uncaught API error prints action, status and code, and the line of the user\'s code', async () => {
  writeFileSync(join(project.dir, 'uncaught.mjs'), [
    'import { IterableClient } from "iterable-wasm";',
    `const client = new IterableClient({ apiKey: "bad-key", baseUrl: ${JSON.stringify(server.url)}, maxRetries: 0 });`,
    'async function report() {',
    '  return await client.listChannels(); // line 4',
    '}',
    'await report();',
  ].join('\n'));
  // Asynchronously: the fake server runs in this process.
  const stderr = await new Promise((resolve) => {
    execFile(process.execPath, ['uncaught.mjs'], { cwd: project.dir, encoding: 'utf8', timeout: 20_000 }, (_, _out, err) => resolve(String(err)));
  });
  assert.match(stderr, /IterableError: list_channels → 401 BadApiKey: Invalid API key/);
  assert.match(stderr, /at async report \(file:\/\/.*\/uncaught\.mjs:4:/, stderr);
  assert.ok(!stderr.includes('bad-key'), 'the key is not printed');
});
