#!/usr/bin/env node
// npm run build: compiles the Rust crate to wasm32, runs wasm-bindgen (web target) and
// wasm-opt, and assembles the publishable package in pkg/ from pkg-template/.
import { localBin, requireTools, runTool } from './tools.mjs';
import { multiValueExports, withoutTargetFeature } from './wasm-abi.mjs';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = join(root, 'pkg');
const run = (cmd, args, opts = {}) => runTool(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
// Every tool is checked before anything runs: a missing one is named with its fix.
requireTools(root, { opt: process.env.ITERABLE_WASM_NO_OPT !== '1' });
const bin = (name) => localBin(root, name) ?? name;

/**
 * The wasm as an ES module for bundlers that drop .wasm files (iterable-wasm/inline): printable
 * ASCII without quote or backslash, so no bundler re-escapes it. The 91 most frequent bytes are one
 * char each, the others two (a prefix char, then a char): 1.05x the wasm raw, and it gzips to the
 * wasm's size (base64: 1.33x raw, +38 % gzip; one char per byte: bundlers escape control or
 * non-ASCII chars, Bun's output of it is 3.5x the wasm). Decoded by a loop over the string.
 */
const SINGLE = 91;
const char = (r) => String.fromCharCode(r + 32 + (r >= 2) + (r >= 59)); // rank -> char: skips '"' and '\\'
function inlineModule(bytes) {
  const freq = new Array(256).fill(0);
  for (const b of bytes) freq[b]++;
  const order = [...Array(256).keys()].sort((a, b) => freq[b] - freq[a] || a - b);
  const rank = [];
  order.forEach((b, i) => { rank[b] = i; });
  const out = [];
  for (const b of bytes) {
    const r = rank[b];
    out.push(r < SINGLE ? char(r) : char(SINGLE + Math.floor((r - SINGLE) / 93)) + char((r - SINGLE) % 93));
  }
  // The string is an argument, used once: a minifier that inlines constants (Bun's) would copy it
  // to each use.
  return `// The wasm of iterable-wasm as printable text (built by scripts/build.mjs, see inlineModule there).
function decode(s, order, n) {
  const out = new Uint8Array(n);
  for (let i = 0, j = 0; i < s.length; i++) {
    let r = s.charCodeAt(i) - 32;
    r -= (r > 2) + (r > 60);
    if (r >= ${SINGLE}) {
      let q = s.charCodeAt(++i) - 32;
      q -= (q > 2) + (q > 60);
      r = ${SINGLE} + (r - ${SINGLE}) * 93 + q;
    }
    out[j++] = order[r];
  }
  return out;
}
export const wasmBytes = () => decode("${out.join('')}", [${order.join(',')}], ${bytes.length});
`;
}

const profile = process.env.ITERABLE_WASM_PROFILE || 'release';
// JSON messages give the build script's output folder (schemas.json, checked below; results.json).
const messages = runTool('cargo', ['build', '--lib', '--target', 'wasm32-unknown-unknown', '--message-format=json-render-diagnostics', ...(profile === 'release' ? ['--release'] : [])], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 28 }).toString();
const outDir = messages
  .split('\n')
  .filter((l) => l.startsWith('{'))
  .map((l) => JSON.parse(l))
  .find((m) => m.reason === 'build-script-executed' && /iterable-wasm/.test(m.package_id))?.out_dir;
if (!outDir) throw new Error('cargo did not report the build script output folder');
const wasmIn = join(root, 'target', 'wasm32-unknown-unknown', profile === 'release' ? 'release' : 'debug', 'iterable_wasm.wasm');

rmSync(pkg, { recursive: true, force: true });
mkdirSync(pkg, { recursive: true });
// Without the multivalue feature, so wasm-bindgen returns through a stack slot (scripts/wasm-abi.mjs).
const wasmSingle = wasmIn.replace(/\.wasm$/, '.single-value.wasm');
withoutTargetFeature(wasmIn, wasmSingle, 'multivalue');
run('wasm-bindgen', ['--target', 'web', '--out-dir', pkg, '--out-name', 'iterable_wasm', wasmSingle]);

const wasm = join(pkg, 'iterable_wasm_bg.wasm');
// The glue's loaders replaced by two small ones: every entry fetches or holds its wasm itself
// (load.<runtime>.js), so wasm-bindgen's URL default (one more `import.meta.url` for bundlers to warn
// about in iife and CommonJS output), its fetch and MIME fallback and its deprecated-argument
// handling are dead weight in the browser's budget. wasm-bindgen is pinned (Cargo.toml), so the
// text replaced here is known; the build stops if it changes.
const glue = join(pkg, 'iterable_wasm.js');
const glueText = readFileSync(glue, 'utf8');
const loaders = glueText.indexOf('async function __wbg_load(');
const glueEnd = 'export { initSync, __wbg_init as default };';
if (loaders < 0 || !glueText.trimEnd().endsWith(glueEnd)) throw new Error('the wasm-bindgen glue changed shape: update scripts/build.mjs');
// A string longer than 64 UTF-16 units goes into the wasm through one encodeInto (native) rather
// than wasm-bindgen's JS loop over its ASCII prefix, a char at a time: a call's 1 KB input in
// ~1 µs instead of 5-8 µs in Node (3-4 µs in Deno), a bulk call's 15 MB of items in a few ms.
// Shorter strings (action ids, header values) keep the loop, which is cheaper below ~64.
const asciiLoop = `    let offset = 0;

    for (; offset < len; offset++) {
        const code = arg.charCodeAt(offset);
        if (code > 0x7F) break;
        mem[ptr + offset] = code;
    }
    if (offset !== len) {
        if (offset !== 0) {
            arg = arg.slice(offset);
        }
`;
const encodeFirst = `    let offset = 0;
    let read = 0;
    if (len > 64) {
        ({ read, written: offset } = cachedTextEncoder.encodeInto(arg, mem.subarray(ptr, ptr + len)));
    } else {
        for (; offset < len; offset++) {
            const code = arg.charCodeAt(offset);
            if (code > 0x7F) break;
            mem[ptr + offset] = code;
        }
        read = offset;
    }
    if (read !== len) {
        arg = arg.slice(read);
`;
if (glueText.split(asciiLoop).length !== 2) throw new Error('the glue\'s passStringToWasm0 changed shape: update scripts/build.mjs');
writeFileSync(glue, `${glueText.slice(0, loaders).replace(asciiLoop, encodeFirst)}/** Instantiates a WebAssembly.Module or the wasm's bytes, synchronously. */
function initSync(module) {
    if (wasm !== undefined) return wasm;
    if (!(module instanceof WebAssembly.Module)) module = new WebAssembly.Module(module);
    return __wbg_finalize_init(new WebAssembly.Instance(module, __wbg_get_imports()), module);
}

/** Instantiates a Response served as application/wasm (compiled while it streams in) or bytes. */
async function initAsync(source) {
    if (wasm !== undefined) return wasm;
    const { instance, module } = await (source instanceof Response ? WebAssembly.instantiateStreaming(source, __wbg_get_imports()) : WebAssembly.instantiate(source, __wbg_get_imports()));
    return __wbg_finalize_init(instance, module);
}

export { initSync, initAsync };
`);
if (process.env.ITERABLE_WASM_NO_OPT !== '1') {
  // binaryen from npm (Debian's wasm-opt 108 corrupts modern wasm-bindgen output); --converge
  // repeats the passes until nothing changes (-100 bytes gzip, +6 s). --low-memory-unused: the
  // first KB of memory is never addressed (Rust's wasm32 stack sits below the data, 1 MB deep,
  // and grows down from its top), so constant offsets fold into loads and stores: -0.8 KB,
  // -0.2 KB gzip.
  run(bin('wasm-opt'), ['--low-memory-unused', '-Oz', '--converge', '--strip-debug', '--strip-producers', wasm, '-o', wasm]);
  shortenBoundaryNames();
}
const multiValue = multiValueExports(readFileSync(wasm), wasm);
if (multiValue.length) throw new Error(`${wasm}: exports that return several values (${multiValue.join(', ')}), which Node 20 compiles a wrapper for, each, at start-up: scripts/wasm-abi.mjs no longer keeps wasm-bindgen from using multi-value`);

/**
 * The names across the wasm boundary made short: wasm-bindgen's import names carry a 16-digit hash
 * each (`__wbg_then_656f253a5dd7d8ea`), and they are written twice, in the wasm and in the glue.
 * wasm-opt renames the imports, exports and import module and prints the map; the glue follows
 * it. -1.5 KB gzip of wasm and ~0.4 KB of glue. Every name is accounted for, or the build stops.
 */
function shortenBoundaryNames() {
  // The target features section goes last: this pass reads the wasm's features from it.
  const printed = runTool(bin('wasm-opt'), [wasm, '--minify-imports-and-exports-and-modules', '--strip-target-features', '-o', wasm], { cwd: root, encoding: 'utf8' });
  const map = JSON.parse(printed.slice(printed.indexOf('{')));
  const imports = new Map(map.imports.map(([, from, to]) => [from, to]));
  const exports = new Map(map.exports);
  const moduleName = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(wasm)))[0].module;
  let text = readFileSync(glue, 'utf8');
  const start = text.indexOf('function __wbg_get_imports()');
  const end = text.indexOf('\n}\n', start);
  let renamed = 0;
  const body = text.slice(start, end)
    .replace(/^(\s+)([\w$]+)(: function)/gm, (m, indent, name, rest) => (imports.has(name) ? (renamed++, `${indent}${imports.get(name)}${rest}`) : m))
    .replace('"./iterable_wasm_bg.js": import0', `${JSON.stringify(moduleName)}: import0`);
  if (renamed !== imports.size || !body.includes(`${JSON.stringify(moduleName)}: import0`)) throw new Error(`glue imports: ${renamed} of ${imports.size} renamed: update scripts/build.mjs`);
  text = text.slice(0, start) + body + text.slice(end);
  text = text.replace(/\bwasm\.([\w$]+)/g, (m, name) => {
    if (!exports.has(name)) throw new Error(`the glue uses wasm.${name}, which the wasm does not export: update scripts/build.mjs`);
    return `wasm.${exports.get(name)}`;
  });
  writeFileSync(glue, text);
}

// The published declarations: each entry instantiates the wasm itself, so wasm-bindgen's init
// functions (typed with DOM-only names such as RequestInfo) are not part of the API.
const dts = join(pkg, 'iterable_wasm.d.ts');
let decl = readFileSync(dts, 'utf8');
const cut = decl.indexOf('export type InitInput');
if (cut > 0) decl = decl.slice(0, cut);
// `[Symbol.dispose]` is declared in index.d.ts only where the project's `lib` knows the symbol, so
// the types compile without `esnext` (TS2550 otherwise).
decl = decl.replace(/^\s*\[Symbol\.dispose\]\(\): void;\n/m, '');
writeFileSync(dts, decl);
rmSync(join(pkg, 'iterable_wasm_bg.wasm.d.ts'), { force: true });

// The entry points and package.json.
const tpl = join(root, 'pkg-template');
// core/ is not copied here: wasm-bindgen ships errors.js as its snippet (the wasm makes the errors),
// and transport.js, which only api.js imports, is put next to it below.
for (const f of readdirSync(tpl)) if (f !== 'core') cpSync(join(tpl, f), join(pkg, f), { recursive: true });
const findErrors = (dir) => {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) {
      const hit = findErrors(p);
      if (hit) return hit;
    } else if (f === 'errors.js') return p;
  }
  return null;
};
const errors = findErrors(join(pkg, 'snippets'));
if (!errors) throw new Error('wasm-bindgen did not emit the errors.js snippet');
const transport = join(dirname(errors), 'transport.js');
cpSync(join(tpl, 'core', 'transport.js'), transport);
// Node's own attempt (imported by the Node entry only, bundled into it, then removed): next to
// transport.js, which it imports.
const undici = join(dirname(errors), 'undici.js');
cpSync(join(tpl, 'core', 'undici.js'), undici);
// Deno's own attempt, likewise (imported by the Deno entry only), and the body decoding both use.
const denoHttp = join(dirname(errors), 'deno-http.js');
cpSync(join(tpl, 'core', 'deno-http.js'), denoHttp);
const decodeModule = join(dirname(errors), 'decode.js');
cpSync(join(tpl, 'core', 'decode.js'), decodeModule);
// The action ids in catalog order, from the built wasm itself (the catalog's entries carry none):
// api.js installs the methods from them at import, before any wasm is loaded.
const glueModule = await import(pathToFileURL(glue).href);
glueModule.initSync(readFileSync(wasm));
const ids = glueModule.actionIds().split(',');
writeFileSync(join(pkg, 'iterable_wasm_bg.inline.js'), inlineModule(readFileSync(wasm)));
// What only describes the actions (codegen/catalog.rs `text`), as a JS string in catalog.js: the
// module behind `actions`, never loaded by a call. A param description that several actions share
// ("User email address", 304 distinct texts for ~1,100 params) is written once, in a list after the
// last action, and given by its position: 67 KB -> 56 KB of the Node, Deno and Workers bundles,
// which every fresh process reads and every Worker uploads (catalog.js's describe reads it back).
const catalogText = (() => {
  const rows = JSON.parse(readFileSync(join(outDir, 'catalog-text.json'), 'utf8'));
  const shapeFields = rows.pop();
  const uses = new Map();
  for (const row of rows) for (const p of row[4]) uses.set(p, (uses.get(p) ?? 0) + 1);
  const shared = [...uses.keys()].filter((p) => uses.get(p) > 1).sort((a, b) => uses.get(b) - uses.get(a));
  const at = new Map(shared.map((p, i) => [p, i]));
  return JSON.stringify([...rows.map((row) => [...row.slice(0, 4), row[4].map((p) => at.get(p) ?? p)]), shared, shapeFields]);
})();
// The wasm-bindgen glue and the error, transport and Node modules too: their doc comments (4 KB of
// the Workers bundle, which every Worker uploads) are for the repo's readers and the .d.ts.
const stripped = [glue, errors, transport, undici].map((p) => relative(pkg, p));
for (const f of [...readdirSync(pkg).filter((f) => /^((index|load)\.\w+|api|catalog)\.js$/.test(f)), ...stripped]) {
  const p = join(pkg, f);
  // Whole-line comments are for the repo's readers; the shipped files stay lean (the API is
  // documented in the .d.ts).
  const text = readFileSync(p, 'utf8')
    .replace('__ERRORS_MODULE__', './' + relative(pkg, errors))
    .replace('__TRANSPORT_MODULE__', './' + relative(pkg, transport))
    .replace('__UNDICI_MODULE__', './' + relative(pkg, undici))
    .replace('__DENO_HTTP_MODULE__', './' + relative(pkg, denoHttp))
    .replace('__ACTION_IDS__', ids.join(','))
    .replace('__CATALOG_TEXT__', () => JSON.stringify(catalogText))
    .split('\n')
    .filter((line) => !/^\s*(\/\/|\/\*\*|\*|\*\/)/.test(line))
    .join('\n');
  writeFileSync(p, text);
}

// The same text as a module of its own, which the Node entry reads on first use of `actions`
// instead of carrying it (load.node.js loadCatalog: it takes the one string literal as JSON).
writeFileSync(join(pkg, 'catalog-text.js'), `export default ${JSON.stringify(catalogText)};\n`);

// Node, Deno and Workers: each entry bundled into one readable ES module file (and one CommonJS
// file for Node's `require`), with a source map next to it, nothing minified: an error printed by
// the runtime shows a short line of real code, and a stack points at named functions. Node loads
// ES modules one file at a time, and one file is 3 ms less from import to first client (measured
// over 25 processes); Deno and workerd likewise load one module instead of nine. What stays out:
// the wasm (imported by the entry: Deno as a source-phase import, Workers as a compiled module;
// Node reads it), the sandbox (loaded on first use) and Node's inline fallback.
// Re-exporting one Node file from the other would make one instance for both, but an ES module
// importing CommonJS costs Node 20 15-30 ms more from import to first client (measured with
// bench/diag/startup-entries.mjs), so `import` and `require` load one copy each.
// The per-action methods written out in the client class (api.js's `__ACTION_METHODS__` mark) for
// these bundles: a class made at once instead of 157 methods defined at import (Node: ~1.5 ms less
// from import to first client, half of it the prototype V8 then makes fast again). The browser's
// api.js keeps defining them from the id list (written out, they would weigh 1.6 KB gzip).
const apiFile = join(pkg, 'api.js');
const apiText = readFileSync(apiFile, 'utf8');
const METHODS_MARK = /^[ \t]*\/\* __ACTION_METHODS__ \*\/\n/m;
// defineSurface's loop that defines them otherwise, between its two marks: dropped from these
// bundles, its marks alone from the browser's api.js.
const LOOP = /^[ \t]*\/\* __ACTION_METHODS_LOOP__ \*\/\n([\s\S]*?)^[ \t]*\/\* __ACTION_METHODS_LOOP_END__ \*\/\n/m;
if (!METHODS_MARK.test(apiText) || !LOOP.test(apiText)) throw new Error('api.js lacks the __ACTION_METHODS__ mark in the client class or the __ACTION_METHODS_LOOP__ marks around its loop: update scripts/build.mjs');
const actionMethods = ids.map((id) => {
  const name = id.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()); // api.js's camel()
  if (!/^[a-z][A-Za-z0-9]*$/.test(name)) throw new Error(`action id ${id} makes no method name`);
  return `  ${name}(input, options) {\n    return this.execute(${JSON.stringify(id)}, input, options);\n  }\n`;
}).join('');
writeFileSync(apiFile, apiText.replace(METHODS_MARK, actionMethods).replace(LOOP, ''));
const readable = (entry, ...flags) => run(bin('esbuild'), [join(pkg, entry), '--bundle', '--target=es2022', '--sourcemap', '--external:./sandbox/*', '--external:./iterable_wasm_bg.wasm', '--external:./iterable_wasm_bg.inline.js', '--external:./catalog-text.js', '--log-level=warning', '--allow-overwrite', ...flags]);
const nodeEntry = join(pkg, 'index.node.js');
const cjs = join(pkg, 'index.cjs');
// (import.meta.url is never read in index.cjs: load.node.js takes __dirname there.)
readable('index.node.js', '--platform=node', '--format=cjs', '--log-override:empty-import-meta=silent', `--outfile=${cjs}`);
readable('index.node.js', '--platform=node', '--format=esm', `--outfile=${nodeEntry}`);
// (es2022 plus the source-phase import of load.deno.js, which Deno 2.6+ has.)
readable('index.deno.js', '--platform=neutral', '--format=esm', '--supported:import-source=true', '--external:node:zlib', `--outfile=${join(pkg, 'index.deno.js')}`);
readable('index.workerd.js', '--platform=neutral', '--format=esm', `--outfile=${join(pkg, 'index.workerd.js')}`);
// Bundled in: their loaders are no longer separate files.
for (const f of ['load.node.js', 'load.deno.js', 'load.workerd.js']) rmSync(join(pkg, f));
rmSync(undici);
rmSync(denoHttp);
rmSync(decodeModule);
writeFileSync(apiFile, apiText.replace(METHODS_MARK, '').replace(LOOP, '$1'));
// esbuild drops comments; the run-time import of the sandbox gets back the ones that tell
// webpack and Vite not to resolve it (else: a "Critical dependency" warning in every Node bundle).
for (const f of [nodeEntry, cjs]) {
  const text = readFileSync(f, 'utf8');
  if (!text.includes('import(path)')) throw new Error(`${f}: the sandbox's run-time import(path) is gone: update scripts/build.mjs`);
  writeFileSync(f, text.replace('import(path)', 'import(/* webpackIgnore: true */ /* @vite-ignore */ path)'));
}

// The browser's modules minified (the wasm-bindgen glue, api.js, the catalog, the error class, the
// loaders): what a browser loads unbundled, and what bundlers for the browser and the inline entry
// start from. api.js and the error class name their classes and methods themselves, so they still
// print as IterableClient, IterableError, paginate, bulk... (--keep-names did that by wrapping
// every function in a naming call: 0.3 KB gzip).
if (process.env.ITERABLE_WASM_NO_MINIFY !== '1') {
  const esbuild = (files, ...flags) =>
    run(bin('esbuild'), [...files.map((f) => join(pkg, f)), '--minify', ...flags, '--format=esm', '--target=es2022', '--log-level=warning', `--outdir=${pkg}`, `--outbase=${pkg}`, '--allow-overwrite']);
  // Not the entries (index.browser.js, index.inline.js): esbuild's minifier drops the
  // /* @__PURE__ */ of `actions`, which lets a bundle that never reads `actions` leave catalog.js out.
  esbuild(['api.js', 'catalog.js', relative(pkg, errors), 'load.browser.js', 'load.inline.js']);
  esbuild([join(relative(pkg, dirname(errors)), 'transport.js')]);
  // Not the glue: --keep-names wraps every function expression in a naming call, and the glue
  // makes closures on every call (future callbacks); its classes are internal (IterableClient is
  // api.js's subclass).
  esbuild(['iterable_wasm.js']);
}

const cargo = readFileSync(join(root, 'Cargo.toml'), 'utf8');
const version = /^version\s*=\s*"([^"]+)"/m.exec(cargo)[1];
const repository = /^repository\s*=\s*"([^"]+)"/m.exec(cargo)[1];
const manifest = JSON.parse(readFileSync(join(tpl, 'package.json'), 'utf8'));
manifest.version = version;
manifest.repository = { type: 'git', url: `git+${repository}.git` };
writeFileSync(join(pkg, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
// The README as npm shows it: a relative link to a file the package does not ship (examples/,
// bench/, the sources) points at the repository instead (tests/docs/run.mjs checks every link).
cpSync(join(root, 'LICENSE'), join(pkg, 'LICENSE'));
const shipped = (path) => existsSync(join(pkg, path));
const readme = readFileSync(join(root, 'README.md'), 'utf8').replace(/\]\((?!https?:|#|mailto:)([^)\s]+)\)/g, (m, path) =>
  shipped(path) ? m : `](${repository}/${path.endsWith('/') ? 'tree' : 'blob'}/main/${path})`);
writeFileSync(join(pkg, 'README.md'), readme);
cpSync(join(root, 'defs', 'LICENSE-NOTE.md'), join(pkg, 'LICENSE-NOTE.md'));
// Each action's result as JSON Schema, by id (codegen/results.rs): for tools (an MCP server's
// outputSchema, answer validation); not part of what a browser loads.
cpSync(join(outDir, 'results.json'), join(pkg, 'results.json'));
// The same as an ES module, for runtimes where a file cannot be read at run time and a bundler
// or uploader takes JavaScript modules only (a Worker: `import results from 'iterable-wasm/results'`).
{
  const text = readFileSync(join(outDir, 'results.json'), 'utf8');
  JSON.parse(text);
  writeFileSync(join(pkg, 'results.js'), `// Each action's result as JSON Schema, by id (the package's results.json as a module).\nexport default JSON.parse(${JSON.stringify(text.trim())});\n`);
  writeFileSync(join(pkg, 'results.d.ts'), `/** Each action's result as JSON Schema (draft 2020-12), by action id: pass it as createMcpServer's \`results\` for outputSchema. */\ndeclare const results: Record<string, Record<string, unknown>>;\nexport default results;\n`);
}
rmSync(join(pkg, '.gitignore'), { force: true });
// The sandbox emulator: its own wasm in pkg/sandbox/, loaded only by clients that use it.
run(process.execPath, [join(root, 'scripts', 'build-sandbox.mjs')]);

// The published schemas (expanded in api.js from the compact catalog) must equal the
// generator's: a child process, so this script itself never loads the package.
const check = `
  import { actions } from ${JSON.stringify(new URL('file://' + join(pkg, 'index.node.js')).href)};
  import { readFileSync } from 'node:fs';
  import { isDeepStrictEqual } from 'node:util';
  const want = JSON.parse(readFileSync(${JSON.stringify(join(outDir, 'schemas.json'))}, 'utf8'));
  const bad = actions.filter((a, i) => !isDeepStrictEqual(a.inputSchema, want[i])).map((a) => a.id);
  if (bad.length || actions.length !== want.length) { console.error('inputSchema differs from the generator for', bad.join(', ') || 'the count'); process.exit(1); }
`;
run(process.execPath, ['--input-type=module', '-e', check]);
// The CLI's catalog as a plain data file (cli/catalog.jsonl), written from the package's published
// `actions`: listing, help, describe and completion read it and never load the wasm.
run(process.execPath, [join(root, 'scripts', 'cli-catalog.mjs'), pkg]);
const size = statSync(wasm).size;
console.log(`built pkg/ (iterable-wasm ${version}); wasm ${size} bytes`);
