#!/usr/bin/env node
// npm run build: compiles the Rust crate to wasm32, runs wasm-bindgen (web target) and
// wasm-opt, and assembles the publishable package in pkg/ from pkg-template/.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = join(root, 'pkg');
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
const bin = (name) => {
  const local = join(root, 'node_modules', '.bin', name);
  return existsSync(local) ? local : name;
};

const profile = process.env.ITERABLE_WASM_PROFILE || 'release';
// JSON messages give the build script's output folder (schemas.json, checked below; results.json).
const messages = execFileSync('cargo', ['build', '--lib', '--target', 'wasm32-unknown-unknown', '--message-format=json-render-diagnostics', ...(profile === 'release' ? ['--release'] : [])], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 28 }).toString();
const outDir = messages
  .split('\n')
  .filter((l) => l.startsWith('{'))
  .map((l) => JSON.parse(l))
  .find((m) => m.reason === 'build-script-executed' && /iterable-wasm/.test(m.package_id))?.out_dir;
if (!outDir) throw new Error('cargo did not report the build script output folder');
const wasmIn = join(root, 'target', 'wasm32-unknown-unknown', profile === 'release' ? 'release' : 'debug', 'iterable_wasm.wasm');

rmSync(pkg, { recursive: true, force: true });
mkdirSync(pkg, { recursive: true });
run('wasm-bindgen', ['--target', 'web', '--out-dir', pkg, '--out-name', 'iterable_wasm', wasmIn]);

const wasm = join(pkg, 'iterable_wasm_bg.wasm');
if (process.env.ITERABLE_WASM_NO_OPT !== '1') {
  // binaryen from npm (Debian's wasm-opt 108 corrupts modern wasm-bindgen output).
  run(bin('wasm-opt'), ['-Oz', '--converge', '--strip-debug', '--strip-producers', '--strip-target-features', wasm, '-o', wasm]);
}

// The published declarations: each entry instantiates the wasm itself, so wasm-bindgen's init
// functions (typed with DOM-only names such as RequestInfo) are not part of the API.
const dts = join(pkg, 'iterable_wasm.d.ts');
let decl = readFileSync(dts, 'utf8');
const cut = decl.indexOf('export type InitInput');
if (cut > 0) decl = decl.slice(0, cut);
writeFileSync(dts, decl);
rmSync(join(pkg, 'iterable_wasm_bg.wasm.d.ts'), { force: true });

// The entry points and package.json.
const tpl = join(root, 'pkg-template');
// core/ (transport.js, errors.js) is not copied: wasm-bindgen ships those as its snippets.
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
for (const f of readdirSync(pkg).filter((f) => /^(index\.\w+|api)\.js$/.test(f))) {
  const p = join(pkg, f);
  // Whole-line comments are for the repo's readers; the shipped files stay lean (the API is
  // documented in the .d.ts).
  const text = readFileSync(p, 'utf8')
    .replace('__ERRORS_MODULE__', './' + relative(pkg, errors))
    .split('\n')
    .filter((line) => !/^\s*(\/\/|\/\*\*|\*|\*\/)/.test(line))
    .join('\n');
  writeFileSync(p, text);
}

// Minify the substantial JS (the wasm-bindgen glue, api.js, the error class). api.js and the
// error class name their classes and methods themselves, so they still print as IterableClient,
// IterableError, paginate, bulk... (--keep-names did that by wrapping every function in a naming
// call: 0.3 KB gzip).
if (process.env.ITERABLE_WASM_NO_MINIFY !== '1') {
  const esbuild = (files, ...flags) =>
    run(bin('esbuild'), [...files.map((f) => join(pkg, f)), '--minify', ...flags, '--format=esm', '--target=es2022', '--log-level=warning', `--outdir=${pkg}`, `--outbase=${pkg}`, '--allow-overwrite']);
  esbuild(['api.js', relative(pkg, errors)]);
  esbuild([join(relative(pkg, dirname(errors)), 'transport.js')]);
  // Not the glue: --keep-names wraps every function expression in a naming call, and the glue
  // makes closures on every call (future callbacks); its classes are internal (IterableClient is
  // api.js's subclass).
  esbuild(['iterable_wasm.js']);
  // Node loads ES modules one file at a time: its entry becomes one file (3 ms less from import to
  // first client, measured over 25 processes). The other runtimes keep the separate modules
  // (Deno's loader uses a source-phase import esbuild cannot bundle; browsers and Workers are
  // bundled by the user's bundler). Identifiers are already minified, names kept above.
  const nodeEntry = join(pkg, 'index.node.js');
  run(bin('esbuild'), [nodeEntry, '--bundle', '--format=esm', '--platform=node', '--target=es2022', '--minify-whitespace', '--minify-syntax', '--external:./sandbox/*', '--log-level=warning', `--outfile=${nodeEntry}.tmp`]);
  cpSync(`${nodeEntry}.tmp`, nodeEntry);
  rmSync(`${nodeEntry}.tmp`);
}

const version = /^version\s*=\s*"([^"]+)"/m.exec(readFileSync(join(root, 'Cargo.toml'), 'utf8'))[1];
const manifest = JSON.parse(readFileSync(join(tpl, 'package.json'), 'utf8'));
manifest.version = version;
writeFileSync(join(pkg, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
for (const f of ['README.md']) if (existsSync(join(root, f))) cpSync(join(root, f), join(pkg, f));
cpSync(join(root, 'defs', 'LICENSE-NOTE.md'), join(pkg, 'LICENSE-NOTE.md'));
// Each action's result as JSON Schema, by id (codegen/results.rs): for tools (an MCP server's
// outputSchema, answer validation); not part of what a browser loads.
cpSync(join(outDir, 'results.json'), join(pkg, 'results.json'));
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
const size = statSync(wasm).size;
console.log(`built pkg/ (iterable-wasm ${version}); wasm ${size} bytes`);
