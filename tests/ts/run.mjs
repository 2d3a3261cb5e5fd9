#!/usr/bin/env node
// TypeScript compile tests of the package's generated declarations (pkg/index.d.ts -> pkg/iterable_wasm.d.ts).
//
//   node tests/ts/run.mjs [--pkg DIR] [--verbose]
//
// Cases (each counted once in the final `ts: N passed, M failed`):
//   positive          tsc -p tests/ts must succeed: realistic usage compiles and every `@ts-expect-error`
//                     in positive.ts is used (a wrong usage the declarations accept fails the compile).
//   negative          tsc -p tests/ts/tsconfig.negative.json must fail with exactly one error, in negative.ts,
//                     at the wrong field, and the diagnostic must name that field (createdAt).
//   generated-valid   for every action of defs/actions.json, the minimal and full inputs of tests/prism/inputs.mjs
//                     (the ones Prism accepts) must type-check as `ActionInputs[id]` and as the method's input.
//   generated-wrong   for every action, each wrong input derived from the definitions (missing required param,
//                     unsatisfied requireOneOf group, both members of an exclusive group, one member of a
//                     together group alone, wrong type per param, value outside an enum (of the param, of its
//                     array items, of a nested shape's field), a nested shape's required field missing, unknown
//                     key) must be rejected (one `@ts-expect-error` per line; unused directives are reported).
//                     Rules TypeScript cannot state (lengths, bytes, patterns, bounds, any-case enums) are
//                     checked against validation and the JSON Schema in tests/schema/agree.mjs.
//   node16-exports    positive.ts compiled as a Node ESM consumer (moduleResolution node16, real package
//                     resolution through pkg/package.json "exports" via a node_modules symlink, @types/node,
//                     no DOM lib, skipLibCheck as `tsc --init` sets it).
//   node16-require    a CommonJS consumer (app.cts, module node16): `require` types (index.d.cts) and
//                     iterable-wasm/inline, lib ES2022 + DOM only, skipLibCheck false.
// Informational (printed, not counted): the declarations checked with skipLibCheck false and no DOM lib.
//
// --pkg DIR points every case at another build of the declarations (e.g. a patched copy) instead of pkg/.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const argv = process.argv.slice(2);
const VERBOSE = argv.includes('--verbose');
const pkgArg = argv.indexOf('--pkg') >= 0 ? argv[argv.indexOf('--pkg') + 1] : null;
const PKG = resolve(pkgArg || join(ROOT, 'pkg'));
const TSC_CANDIDATES = [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), join(HERE, 'node_modules', 'typescript', 'bin', 'tsc')];
const TSC = TSC_CANDIDATES.find((p) => existsSync(p));
const TIMEOUT_MS = 180_000;

const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');
const results = [];
const started = Date.now();
const work = mkdtempSync(join(tmpdir(), 'iterable-ts-'));
process.on('exit', () => { try { rmSync(work, { recursive: true, force: true }); } catch {} });

function tsc(args, cwd = ROOT) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [TSC, ...args], { cwd, encoding: 'utf8', timeout: TIMEOUT_MS, env: { ...process.env, NO_COLOR: '1' } });
  const out = stripAnsi(`${r.stdout || ''}${r.stderr || ''}`);
  return { code: r.status, signal: r.signal, out, ms: Date.now() - t0, error: r.error };
}
/** Diagnostics from non-pretty output: {file, line, col, code, text}. */
function diagnostics(out) {
  const list = [];
  for (const line of out.split('\n')) {
    const m = /^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(line);
    if (m) list.push({ file: m[1], line: Number(m[2]), col: Number(m[3]), code: m[4], text: m[5] });
    else if (/^error (TS\d+): /.test(line)) list.push({ file: '', line: 0, col: 0, code: /TS\d+/.exec(line)[0], text: line });
    else if (list.length && /^\s+/.test(line)) list[list.length - 1].text += `\n${line}`;
  }
  return list;
}
function record(name, pass, detail, ms) {
  results.push({ name, pass, detail, ms });
  console.log(`${pass ? 'PASS' : 'FAIL'} ${name} (${(ms / 1000).toFixed(1)} s)${detail && (!pass || VERBOSE) ? `\n  ${detail.split('\n').join('\n  ')}` : ''}`);
}
function writeJson(path, value) {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}
/** A tsconfig in the work dir that mirrors tests/ts/tsconfig.json but maps iterable-wasm to PKG. */
function workConfig(name, files, extra = {}) {
  const base = JSON.parse(stripJsonComments(readFileSync(join(HERE, 'tsconfig.json'), 'utf8')));
  const cfg = {
    compilerOptions: { ...base.compilerOptions, paths: { 'iterable-wasm': [join(PKG, 'index.d.ts')] }, ...extra },
    files,
  };
  const path = join(work, name);
  writeJson(path, cfg);
  return path;
}
function stripJsonComments(text) {
  return text.replace(/^\s*\/\/.*$/gm, '');
}

if (!TSC) {
  console.log(`typescript not found (looked in ${TSC_CANDIDATES.join(', ')}); run npm install in ${ROOT}`);
  console.log('ts: 0 passed, 1 failed');
  process.exit(1);
}
if (!existsSync(join(PKG, 'index.d.ts'))) {
  console.log(`${join(PKG, 'index.d.ts')} is missing; run: cd ${ROOT} && npm run build`);
  console.log('ts: 0 passed, 1 failed');
  process.exit(1);
}
const tscVersion = tsc(['--version']).out.trim();
console.log(`${tscVersion}; declarations ${relative(process.cwd(), PKG) || '.'}/index.d.ts`);

// ---------------------------------------------------------------- positive
let positiveKeys = [];
{
  const args = pkgArg ? ['-p', workConfig('tsconfig.positive.json', [join(HERE, 'positive.ts')]), '--pretty', 'false'] : ['-p', HERE, '--pretty', 'false'];
  const r = tsc(args);
  const diags = diagnostics(r.out);
  positiveKeys = diags.filter((d) => d.file.endsWith('positive.ts')).map((d) => `${d.line},${d.col},${d.code}`).sort();
  const pass = r.code === 0 && diags.length === 0;
  const lines = readFileSync(join(HERE, 'positive.ts'), 'utf8').split('\n');
  const detail = pass ? '' : (diags.length ? diags : [{ file: '', line: 0, text: r.out || String(r.error || r.signal) }]).map((d) => {
    const src = d.file.endsWith('positive.ts') && d.line ? lines[d.line - 1]?.trim() : '';
    const next = d.code === 'TS2578' && d.line ? lines[d.line]?.trim() : '';
    return `${d.file}(${d.line},${d.col}) ${d.code}: ${d.text}${src ? `\n    ${src}` : ''}${next ? `\n    accepted: ${next}` : ''}`;
  }).join('\n');
  record('positive (tsc -p tests/ts)', pass, detail, r.ms);
}

// ---------------------------------------------------------------- negative
{
  const config = pkgArg ? workConfig('tsconfig.negative.json', [join(HERE, 'negative.ts')]) : join(HERE, 'tsconfig.negative.json');
  const plain = tsc(['-p', config, '--pretty', 'false']);
  const pretty = tsc(['-p', config, '--pretty', 'true']); // pretty output adds "expected type comes from property 'x'"
  const diags = diagnostics(plain.out);
  const src = readFileSync(join(HERE, 'negative.ts'), 'utf8').split('\n');
  const field = 'createdAt';
  const fieldLine = src.findIndex((l) => !l.trim().startsWith('//') && l.includes(`${field}:`)) + 1;
  const fieldCol = fieldLine ? src[fieldLine - 1].indexOf(`${field}:`) + 1 : 0;
  const problems = [];
  if (plain.code === 0) problems.push('negative.ts compiled, but it must fail');
  if (diags.length !== 1) problems.push(`expected exactly 1 error, got ${diags.length}:\n${plain.out.trim()}`);
  const d = diags[0];
  if (d && !d.file.endsWith('negative.ts')) problems.push(`error is not in negative.ts: ${d.file}`);
  if (d && (d.line !== fieldLine || d.col !== fieldCol)) problems.push(`error at (${d.line},${d.col}), expected the field ${field} at (${fieldLine},${fieldCol})`);
  if (!pretty.out.includes(`'${field}'`)) problems.push(`diagnostic does not name '${field}':\n${pretty.out.trim()}`);
  const detail = problems.length ? problems.join('\n') : `${d.file}(${d.line},${d.col}) ${d.code}: ${d.text} (diagnostic names '${field}')`;
  record('negative (negative.ts must fail at the wrong field)', problems.length === 0, detail, plain.ms + pretty.ms);
}

// ---------------------------------------------------------------- generated from the definitions
const { buildInput } = await import(join(ROOT, 'tests', 'prism', 'inputs.mjs'));
const defs = JSON.parse(readFileSync(join(ROOT, 'defs', 'actions.json'), 'utf8'));
const shapes = JSON.parse(readFileSync(join(ROOT, 'defs', 'shapes.json'), 'utf8'));
const sharedSpec = join(ROOT, '..', 'shared', 'iterable', 'openapi.prism.json');
const specPath = existsSync(sharedSpec) ? sharedSpec : join(ROOT, 'defs', 'openapi.json');
const spec = JSON.parse(readFileSync(specPath, 'utf8'));
const camel = (id) => id.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
const lit = (v) => JSON.stringify(v);

{
  const out = [
    '// generated by tests/ts/run.mjs: Prism-valid inputs of every action must type-check',
    'import { IterableClient } from "iterable-wasm";',
    'import type { ActionInputs, ActionResults } from "iterable-wasm";',
    'declare const client: IterableClient;',
    'export async function all(): Promise<void> {',
  ];
  const where = new Map();
  for (const a of defs) {
    for (const full of [false, true]) {
      const input = buildInput(a, spec, { full });
      const mode = full ? 'full' : 'minimal';
      where.set(out.length + 1, `${a.id} ${mode}: ActionInputs["${a.id}"]`);
      out.push(`  { const input: ActionInputs[${lit(a.id)}] = ${lit(input)}; void input; }`);
      where.set(out.length + 1, `${a.id} ${mode}: client.${camel(a.id)}(...)`);
      out.push(`  { const r: ActionResults[${lit(a.id)}] = await client.${camel(a.id)}(${lit(input)}); void r; }`);
    }
  }
  out.push('}', '');
  const file = join(work, 'generated-valid.ts');
  writeFileSync(file, out.join('\n'));
  const r = tsc(['-p', workConfig('tsconfig.valid.json', [file]), '--pretty', 'false']);
  const diags = diagnostics(r.out);
  const pass = r.code === 0 && diags.length === 0;
  const detail = pass ? `${defs.length} actions x 2 inputs x 2 forms` : diags.map((d) => `${d.file.endsWith('generated-valid.ts') ? where.get(d.line) || `line ${d.line}` : `${d.file}(${d.line},${d.col})`}: ${d.code} ${d.text}`).join('\n') || r.out;
  record(`generated-valid (${defs.length} actions, minimal + full inputs)`, pass, detail, r.ms);
}

{
  const out = [
    '// generated by tests/ts/run.mjs: wrong inputs of every action must be rejected',
    'import { IterableClient } from "iterable-wasm";',
    'declare const client: IterableClient;',
    'export async function all(): Promise<void> {',
  ];
  const where = new Map(); // line of the directive -> description
  let count = 0;
  const wrongValue = (p) => {
    switch (p.type) {
      case 'string': return 12345;
      case 'integer':
      case 'number': return '12345';
      case 'boolean': return 'true';
      case 'array': return p.items?.type === 'string' ? 'x' : p.items?.type === 'integer' || p.items?.type === 'number' ? 1 : { not: 'an array' };
      case 'object': return 'not-an-object';
      default: return undefined;
    }
  };
  const add = (a, label, input) => {
    where.set(out.length + 1, `${a.id}: ${label}`);
    out.push(`  // @ts-expect-error ${a.id}: ${label}`);
    out.push(`  await client.${camel(a.id)}(${lit(input)});`);
    count++;
  };
  for (const a of defs) {
    const full = buildInput(a, spec, { full: true });
    const grouped = new Set((a.requireOneOf || []).flat());
    for (const p of a.params) {
      if (p.required) {
        const { [p.name]: _gone, ...rest } = full;
        add(a, `missing required ${p.name}`, rest);
      }
      const bad = wrongValue(p);
      if (bad !== undefined) add(a, `${p.name} (${p.type}${p.items?.type ? ` of ${p.items.type}` : ''}) given ${lit(bad)}`, { ...full, [p.name]: bad });
      // (an enum in any letter case takes any string in TypeScript: its values are offered for completion)
      if (Array.isArray(p.enum) && p.type === 'string' && !p.enumIgnoreCase) add(a, `${p.name} outside its enum`, { ...full, [p.name]: 'NotInTheEnum' });
      if (Array.isArray(p.items?.enum)) add(a, `${p.name} item outside its enum`, { ...full, [p.name]: ['NotInTheEnum'] });
      // nested shapes: each required field missing, each enum broken
      const shape = shapes[p.shape ?? p.items?.shape];
      if (shape) {
        const sample = p.type === 'array' ? full[p.name]?.[0] : full[p.name];
        const wrap = (v) => (p.type === 'array' ? [v] : v);
        if (sample && typeof sample === 'object') {
          for (const f of shape.fields) {
            if (f.required) {
              const { [f.name]: _gone, ...rest } = sample;
              add(a, `${p.name}: nested required ${f.name} missing`, { ...full, [p.name]: wrap(rest) });
            }
            if (Array.isArray(f.enum)) add(a, `${p.name}: nested ${f.name} outside its enum`, { ...full, [p.name]: wrap({ ...sample, [f.name]: 'NotInTheEnum' }) });
          }
        }
      }
    }
    for (const g of a.requireOneOf || []) {
      const rest = { ...full };
      for (const m of g) delete rest[m];
      add(a, `requireOneOf [${g.join(', ')}] unsatisfied`, rest);
    }
    // exclusive: two members at once (with their together partners); together: one member alone
    const minimal = buildInput(a, spec);
    const sampleOf = (m) => buildInput(a, spec, { full: true, only: [m] })[m];
    for (const g of a.exclusive || []) {
      const both = { ...minimal };
      for (const m of g) for (const x of [m, ...(a.together || []).filter((t) => t.includes(m)).flat()]) both[x] = sampleOf(x);
      add(a, `exclusive [${g.join(', ')}] both given`, both);
    }
    for (const g of a.together || []) {
      const rest = { ...minimal };
      for (const x of a.exclusive || []) if (x.some((m) => g.includes(m))) for (const m of x) if (!g.includes(m)) delete rest[m];
      for (const m of g) delete rest[m];
      rest[g[0]] = sampleOf(g[0]);
      add(a, `together [${g.join(', ')}]: ${g[0]} alone`, rest);
    }
    add(a, 'unknown key notAParam', { ...full, notAParam: 1 });
    void grouped;
  }
  out.push('}', '');
  const file = join(work, 'generated-wrong.ts');
  writeFileSync(file, out.join('\n'));
  const r = tsc(['-p', workConfig('tsconfig.wrong.json', [file]), '--pretty', 'false']);
  const diags = diagnostics(r.out);
  const accepted = diags.filter((d) => d.code === 'TS2578' && d.file.endsWith('generated-wrong.ts'));
  const other = diags.filter((d) => !accepted.includes(d));
  const pass = r.code === 0 && diags.length === 0;
  const detail = pass ? `${count} wrong inputs rejected` : [
    ...accepted.map((d) => `accepted (should be rejected): ${where.get(d.line) || `line ${d.line}`}`),
    ...other.map((d) => `${d.file}(${d.line},${d.col}) ${d.code}: ${d.text}`),
  ].join('\n');
  record(`generated-wrong (${count} wrong inputs over ${defs.length} actions)`, pass, detail, r.ms);
}

// ---------------------------------------------------------------- Node ESM consumer through package.json "exports"
function nodeConsumer(name, { skipLibCheck }) {
  const dir = join(work, name);
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(PKG, join(dir, 'node_modules', 'iterable-wasm'), 'dir');
  writeJson(join(dir, 'package.json'), { name: `consumer-${name}`, private: true, type: 'module' });
  copyFileSync(join(HERE, 'positive.ts'), join(dir, 'positive.ts'));
  writeJson(join(dir, 'tsconfig.json'), {
    compilerOptions: {
      strict: true, noEmit: true, target: 'ES2022', module: 'node16', moduleResolution: 'node16',
      lib: ['ES2022', 'ESNext.Disposable'], types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')],
      skipLibCheck, esModuleInterop: true,
    },
    files: ['positive.ts'],
  });
  return tsc(['-p', dir, '--pretty', 'false'], dir);
}
{
  if (!existsSync(join(PKG, 'package.json'))) {
    record('node16-exports (Node ESM consumer, package exports)', false, `${join(PKG, 'package.json')} is missing (needed for "exports" resolution)`, 0);
  } else if (!existsSync(join(ROOT, 'node_modules', '@types', 'node'))) {
    record('node16-exports (Node ESM consumer, package exports)', false, '@types/node is not installed in the root node_modules', 0);
  } else {
    // passes when resolving through the package's "exports" changes nothing: no diagnostics beyond the
    // ones the positive case already reports (those are counted there, not twice)
    const r = nodeConsumer('node16', { skipLibCheck: true });
    const diags = diagnostics(r.out);
    const keys = diags.map((d) => (d.file.endsWith('positive.ts') ? `${d.line},${d.col},${d.code}` : `${d.file}:${d.line},${d.col},${d.code}`)).sort();
    const extra = diags.filter((d, i) => !positiveKeys.includes(keys[i]) || !d.file.endsWith('positive.ts'));
    const pass = r.error === undefined && r.signal === null && extra.length === 0 && keys.length === positiveKeys.length;
    const detail = pass
      ? (diags.length ? `same ${diags.length} diagnostic(s) as the positive case (counted there)` : '')
      : (extra.map((d) => `${d.file}(${d.line},${d.col}) ${d.code}: ${d.text}`).join('\n') || r.out);
    record('node16-exports (Node ESM consumer, package exports, skipLibCheck)', pass, detail, r.ms);

    // informational: the same consumer with skipLibCheck false (the declarations themselves checked, no DOM lib)
    const strict = nodeConsumer('node16-libcheck', { skipLibCheck: false });
    const sd = diagnostics(strict.out).filter((d) => !d.file.endsWith('positive.ts'));
    if (sd.length) {
      const where = [...new Set(sd.map((d) => `${d.file.replace(/^.*node_modules\/iterable-wasm\//, 'pkg/')}(${d.line}) ${d.code} ${d.text.split('\n')[0]}`))];
      console.log(`note: with skipLibCheck false and no DOM lib, the declarations themselves do not compile (${sd.length} errors):\n  ${where.slice(0, 8).join('\n  ')}${where.length > 8 ? `\n  ... ${where.length - 8} more` : ''}`);
    } else {
      console.log('note: the declarations also compile with skipLibCheck false in a Node-only (no DOM) project');
    }
  }
}

// ---------------------------------------------------------------- CommonJS consumer: require types, and iterable-wasm/inline
{
  const dir = join(work, 'node16-require');
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(PKG, join(dir, 'node_modules', 'iterable-wasm'), 'dir');
  writeJson(join(dir, 'package.json'), { name: 'consumer-cjs', private: true });
  writeFileSync(join(dir, 'app.cts'), [
    'import { IterableClient, IterableError, actions, ready } from "iterable-wasm";',
    'import { IterableClient as InlineClient } from "iterable-wasm/inline";',
    'const client: IterableClient = new InlineClient({ apiKey: "k" });',
    'export async function main(): Promise<void> {',
    '  await ready();',
    '  const n: number = actions.length;',
    '  try { await client.trackEvent({ email: "a@example.com", eventName: "x" }); } catch (e) { if (e instanceof IterableError) { const code: string = e.code; void code; } }',
    '  // @ts-expect-error the types still check inputs under require',
    '  await client.trackEvent({ eventName: 1 });',
    '  void n;',
    '}',
  ].join('\n'));
  writeJson(join(dir, 'tsconfig.json'), {
    compilerOptions: { strict: true, noEmit: true, target: 'ES2022', module: 'node16', moduleResolution: 'node16', lib: ['ES2022', 'DOM'], types: [], skipLibCheck: false },
    files: ['app.cts'],
  });
  const r = tsc(['-p', dir, '--pretty', 'false'], dir);
  const diags = diagnostics(r.out);
  record('node16-require (a CommonJS consumer: index.d.cts, iterable-wasm/inline, no esnext)', r.code === 0 && diags.length === 0, diags.map((d) => `${d.file}(${d.line},${d.col}) ${d.code}: ${d.text}`).join('\n') || r.out, r.ms);
}

const failed = results.filter((r) => !r.pass).length;
console.log(`elapsed ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`ts: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
