// Fuzz loop: random JS values through the built package (pkg/index.node.js), proving that no input
// makes a call throw synchronously, trap in wasm, hang, or reject with anything but an IterableError.
//
//   node tests/fuzz/fuzz.mjs [--count N] [--seed S] [--only I] [--verbose]
//
// Each iteration i draws from its own PRNG (mulberry32 of seed and i), so `--only I --seed S`
// replays one iteration exactly. An iteration is one call into the package:
//   - client.execute(randomIdOrGarbage, randomInput, randomOptions)      (~50%)
//   - client[randomMethodName](randomInput, randomOptions)               (~33%)
//   - new IterableClient(randomOptions)                                   (~12%)
//   - a call through a client with a JWT provider or hooks that misbehave (~5%)
//   - a call while globalThis.fetch misbehaves (rejects with a non-Error, resolves to a
//     non-Response, throws; ~0.04%, about 40 calls)
// Inputs: anything (undefined, NaN, BigInt, symbols, functions, Date, RegExp, Map, typed arrays,
// 1 MB strings, lone surrogates, 10,000-level nesting, cycles, throwing getters, throwing and
// revoked Proxies, Object.create(null), own __proto__ keys, ...) or the action's inputSchema
// filled in (keeping its rules) with at most one field mutated, so a share passes validation and is
// sent. Where such an input is JSON data, the published JSON Schema (ajv, tests/schema/ajv.mjs)
// judges it too and the client must agree.
//
// Every client that sends points at a server on 127.0.0.1 started here, which answers every
// request at once with 200 {"msg":"ok","code":"Success","params":null} and counts requests per
// client (each client has its own base-URL path prefix). Calls run one at a time, so a request
// is attributed to the call that made it. Per call we assert:
//   - a Promise comes back (no synchronous throw);
//   - it settles within DEADLINE_MS;
//   - it resolves, or rejects with an IterableError whose code is a non-empty string (never a
//     WebAssembly.RuntimeError, a TypeError, ...);
//   - no uncaught exception happens while it runs;
//   - a ValidationError (or JwtError) sent no request; an already-aborted signal sent none and
//     was not resolved; a resolved call on the main client sent exactly one request.
// Constructors: a client or a thrown IterableError with code ValidationError, nothing else.
// After the loop the same main client must still work: a valid call resolves.
// Prints `fuzz: N passed, M failed` (N+M = number of calls) and a summary; exits 1 on any failure.
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { schemaOracle } from '../schema/ajv.mjs';

const PKG = new URL('../../pkg/index.node.js', import.meta.url);
const DEADLINE_MS = 1500;

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '20261123' },
    only: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});
const COUNT = Number(args.count);
const SEED = Number(args.seed) >>> 0;
if (!Number.isInteger(COUNT) || COUNT < 1) throw new Error(`bad --count ${args.count}`);

// ---------------------------------------------------------------------------------------------
// Loading the package (the lead may be rebuilding it: retry until it imports)
// ---------------------------------------------------------------------------------------------

async function loadPackage() {
  const path = fileURLToPath(PKG);
  for (let attempt = 1; ; attempt++) {
    const probe = spawnSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(PKG.href)})`], { encoding: 'utf8', timeout: 60_000 });
    if (probe.status === 0) return import(PKG.href);
    if (attempt >= 20) throw new Error(`cannot import ${path}: ${probe.stderr}`);
    console.error(`fuzz: ${path} does not import yet (attempt ${attempt}); retrying in 3 s`);
    await new Promise((r) => setTimeout(r, 3000));
  }
}

const { IterableClient, IterableError, actions } = await loadPackage();
const schemaAccepts = schemaOracle(actions);

// ---------------------------------------------------------------------------------------------
// PRNG
// ---------------------------------------------------------------------------------------------

function mulberry32(a) {
  return function () {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function rngFor(i) {
  // Mix seed and iteration so that neighbouring iterations are unrelated.
  let h = (SEED ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return mulberry32(h ^ (h >>> 16));
}

class R {
  constructor(rand) {
    this.rand = rand;
  }
  f() {
    return this.rand();
  }
  int(n) {
    return Math.floor(this.rand() * n);
  }
  chance(p) {
    return this.rand() < p;
  }
  pick(a) {
    return a[this.int(a.length)];
  }
  // Weighted choice: [[weight, value], ...]
  weighted(list) {
    let total = 0;
    for (const [w] of list) total += w;
    let x = this.rand() * total;
    for (const [w, v] of list) {
      if ((x -= w) < 0) return v;
    }
    return list[list.length - 1][1];
  }
}

// ---------------------------------------------------------------------------------------------
// Values. Each generator returns {v, src}: the value and JS source that rebuilds it (for
// reproducers; long sources are cut).
// ---------------------------------------------------------------------------------------------

const V = (v, src) => ({ v, src });
const lit = (x) => (typeof x === 'string' ? JSON.stringify(x) : typeof x === 'bigint' ? `${x}n` : Object.is(x, -0) ? '-0' : String(x));

// Big values are built once and shared (building 1 MB per case would dominate the time).
const HUGE = {
  str1m: 'x'.repeat(1 << 20),
  strEmoji: '😀'.repeat(300_000),
  strSurrogates: '\uD800a'.repeat(200_000),
  deepArr: null,
  deepObj: null,
};
function deepArray(n) {
  let v = [];
  for (let i = 0; i < n; i++) v = [v];
  return v;
}
function deepObject(n) {
  let v = {};
  for (let i = 0; i < n; i++) v = { k: v };
  return v;
}
HUGE.deepArr = deepArray(10_000);
HUGE.deepObj = deepObject(10_000);

const SPECIAL_STRINGS = [
  '', ' ', '.', '..', '/', '../..', '../../etc/passwd', '%2e%2e', '%2F', '?a=1#b', '#', '{id}', '{', '}', '__proto__', 'constructor',
  'prototype', 'toString', '\uD800', '\uDC00', '\uDBFF\uDFFF', 'a\uD800b', '\uDFFF\uD800', '😀', '👨‍👩‍👧', '\u0000', '\u0001\u001f', '\u007f',
  '\u2028\u2029', '\uFEFF', '\r\n', '\t', 'null', 'true', '1e400', 'NaN', '-0', 'user@example.com', 'a'.repeat(300), 'é', 'ß', 'İ',
  'Ω'.repeat(50), '"\\', '\\u0000', '<script>', "'", 'list_channels', 'Api-Key', 'Bearer x', '2024-01-01T00:00:00Z',
];

function randomString(r) {
  return r.weighted([
    [6, () => { const s = r.pick(SPECIAL_STRINGS); return V(s, lit(s)); }],
    [4, () => {
      let s = '';
      const n = r.int(24);
      for (let i = 0; i < n; i++) {
        s += r.weighted([
          [5, () => String.fromCharCode(0x20 + r.int(95))],
          [2, () => String.fromCharCode(r.int(0x10000))],
          [1, () => String.fromCodePoint(0x10000 + r.int(0x100000))],
          [1, () => String.fromCharCode(r.int(0x20))],
          [1, () => String.fromCharCode(0xd800 + r.int(0x800))],
        ])();
      }
      return V(s, lit(s));
    }],
    [0.08, () => V(HUGE.str1m, '"x".repeat(1 << 20)')],
    [0.03, () => V(HUGE.strEmoji, '"😀".repeat(300000)')],
    [0.03, () => V(HUGE.strSurrogates, '"\\uD800a".repeat(200000)')],
  ])();
}

function randomNumber(r) {
  return r.weighted([
    [4, () => { const n = r.pick([NaN, Infinity, -Infinity, -0, 0, 2 ** 53 + 1, 2 ** 53, -(2 ** 53) - 1, 1e308, -1e308, 5e-324, 2 ** 31, 2 ** 31 - 1, -(2 ** 31) - 1, 2 ** 63, 2 ** 64, 1.5, -1, 1e21, 1e-7, 0.1 + 0.2]); return V(n, lit(n)); }],
    [3, () => { const n = r.int(1e6) - 5e5; return V(n, lit(n)); }],
    [1, () => { const n = (r.f() - 0.5) * 10 ** r.int(40); return V(n, lit(n)); }],
  ])();
}

function throwingGetter(name) {
  const o = {};
  Object.defineProperty(o, name, { enumerable: true, get() { throw new Error('getter throws'); } });
  return o;
}

const THROW_TRAPS = ['get', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'defineProperty', 'set', 'apply'];
function throwingProxy(target, trap) {
  return new Proxy(target, { [trap]() { throw new Error(`trap ${trap} throws`); } });
}

function revokedProxy() {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

// Any JS value, nesting up to `depth`.
function randomValue(r, depth = 3) {
  return r.weighted([
    [2, () => V(undefined, 'undefined')],
    [2, () => V(null, 'null')],
    [1, () => { const b = r.chance(0.5); return V(b, String(b)); }],
    [4, () => randomNumber(r)],
    [1, () => { const b = r.pick([0n, 1n, -1n, 2n ** 64n, 2n ** 53n + 1n]); return V(b, lit(b)); }],
    [6, () => randomString(r)],
    [0.5, () => V(Symbol('s'), "Symbol('s')")],
    [0.3, () => V(Symbol.iterator, 'Symbol.iterator')],
    [0.5, () => r.pick([V(() => 1, '() => 1'), V(async () => 1, 'async () => 1'), V(class K {}, 'class K {}'), V(function* g() {}, 'function* g() {}')])],
    [0.5, () => r.pick([V(new Date(0), 'new Date(0)'), V(new Date(NaN), 'new Date(NaN)'), V(new Date(8.64e15), 'new Date(8.64e15)')])],
    [0.3, () => V(/a+/g, '/a+/g')],
    [0.3, () => V(new Map([[1, 2]]), 'new Map([[1, 2]])')],
    [0.3, () => V(new Set([1]), 'new Set([1])')],
    [0.3, () => r.pick([V(new Uint8Array([1, 2]), 'new Uint8Array([1, 2])'), V(new Float64Array([NaN, -0]), 'new Float64Array([NaN, -0])'), V(new ArrayBuffer(8), 'new ArrayBuffer(8)'), V(new BigInt64Array(2), 'new BigInt64Array(2)')])],
    [0.3, () => r.pick([V(new String('s'), "new String('s')"), V(new Number(NaN), 'new Number(NaN)'), V(Object(1n), 'Object(1n)'), V(new Boolean(false), 'new Boolean(false)')])],
    [0.3, () => r.pick([V(new Error('e'), "new Error('e')"), V(Promise.resolve(1), 'Promise.resolve(1)'), V(new WeakMap(), 'new WeakMap()'), V(globalThis, 'globalThis')])],
    [depth > 0 ? 4 : 0, () => randomArray(r, depth - 1)],
    [depth > 0 ? 8 : 0, () => randomObject(r, depth - 1)],
    [0.1, () => (r.chance(0.5) ? V(HUGE.deepArr, 'deepArray(10000)') : V(HUGE.deepObj, 'deepObject(10000)'))],
    [0.3, () => { const n = 100 + r.int(200); return V(deepArray(n), `deepArray(${n})`); }],
    [0.3, () => { const o = { a: 1 }; o.self = o; return V(o, '(() => { const o = { a: 1 }; o.self = o; return o; })()'); }],
    [0.3, () => { const k = r.pick(['a', 'email', 'dataFields']); return V(throwingGetter(k), `throwingGetter(${lit(k)})`); }],
    [0.3, () => { const t = r.pick(THROW_TRAPS); return V(throwingProxy({ a: 1 }, t), `throwingProxy({ a: 1 }, ${lit(t)})`); }],
    [0.03, () => V(revokedProxy(), 'revokedProxy()')],
    [0.3, () => { const o = JSON.parse('{"__proto__": {"x": 1}, "a": 1}'); return V(o, 'JSON.parse(\'{"__proto__": {"x": 1}, "a": 1}\')'); }],
    [0.2, () => V({ toJSON() { throw new Error('toJSON throws'); } }, "{ toJSON() { throw new Error('toJSON throws'); } }")],
    [0.2, () => r.pick([V({ toJSON: () => undefined }, '{ toJSON: () => undefined }'), V({ toJSON: () => 1n }, '{ toJSON: () => 1n }'), V({ toJSON: () => '\uD800' }, "{ toJSON: () => '\\uD800' }")])],
  ])();
}

function randomArray(r, depth) {
  const n = r.int(5);
  const items = [];
  for (let i = 0; i < n; i++) items.push(randomValue(r, depth));
  const a = items.map((x) => x.v);
  let src = `[${items.map((x) => x.src).join(', ')}]`;
  if (r.chance(0.1)) {
    a.length += 3; // sparse
    src = `Object.assign(${src}, { length: ${a.length} })`;
  }
  return V(a, src);
}

const KEYS = ['a', 'b', 'email', 'userId', 'dataFields', 'campaignId', 'listId', '__proto__', 'constructor', 'prototype', 'toString', '', ' ', '\uD800', '😀', 'x'.repeat(100), '0', 'length'];

function randomObject(r, depth) {
  const n = r.int(5);
  const o = r.chance(0.15) ? Object.create(null) : {};
  const parts = [];
  for (let i = 0; i < n; i++) {
    const k = r.chance(0.7) ? r.pick(KEYS) : randomString(r).v.slice(0, 40);
    const x = randomValue(r, depth);
    // defineProperty, so "__proto__" becomes an own key.
    Object.defineProperty(o, k, { value: x.v, enumerable: true, writable: true, configurable: true });
    parts.push(`${lit(k)}: ${x.src}`);
  }
  const src = Object.getPrototypeOf(o) === null ? `Object.assign(Object.create(null), {${parts.join(', ')}})` : `{${parts.join(', ')}}`;
  return V(o, src);
}

// ---------------------------------------------------------------------------------------------
// Inputs from the action's inputSchema
// ---------------------------------------------------------------------------------------------

/** A value that keeps the rules of its schema (enum, letter case, characters, date forms, lengths,
 * bounds, nested fields and their groups), drawn at random among a few. */
function sampleFor(r, name, p) {
  if (p.enum) return r.pick(p.enum);
  if (p.examples && p.pattern) {
    const v = r.pick(p.examples);
    return r.pick([v, v.toUpperCase(), v.toLowerCase()]);
  }
  switch (p.type) {
    case 'string': {
      if (p.pattern?.startsWith('^[')) return r.pick(['abc', 'Abc 1', 'x_y-z', '42']).split('').filter((c) => new RegExp(`^[${p.pattern.slice(2, -3)}]$`).test(c)).join('') || 'a';
      if (p.pattern?.includes('@')) return r.pick(['user@example.com', 'a+b@example.org', '"a b"@example.com', 'ü@exämple.de']);
      if (p.pattern) {
        // a date form: a day some hours ahead (within every bound), in the form the pattern takes
        const d = new Date(Date.now() + r.int(48) * 3_600_000).toISOString().slice(0, 19);
        return p.pattern.includes('T') ? r.pick([`${d}Z`, `${d}.5+01:00`, d]) : d.replace('T', ' ');
      }
      let v;
      if (/email/i.test(name)) v = r.pick(['user@example.com', 'a+b@example.org']);
      else if (p.format === 'date-time') v = '2024-01-01T00:00:00Z';
      else v = r.pick([`${name}-1`, 'abc', 'A-Z_0.9~', 'é😀', 'a/b?c#d', '100%']);
      return p.maxLength !== undefined ? v.slice(0, p.maxLength) : v;
    }
    case 'integer': {
      const lo = p.minimum ?? -(2 ** 31);
      const hi = p.maximum ?? 2 ** 31 - 1;
      return Math.min(hi, Math.max(lo, r.pick([1, 42, 0, 2 ** 31 - 1, -7])));
    }
    case 'number':
      return r.pick([1.5, 0, -2, 1e10]);
    case 'boolean':
      return r.chance(0.5);
    case 'object': {
      // a map whose values have rules (catalog documents): entries keyed like item IDs
      if (!p.properties && p.additionalProperties?.type) return r.pick([{}, { 'item-1': sampleFor(r, 'item', p.additionalProperties), 'item-2': sampleFor(r, 'item', p.additionalProperties) }]);
      if (!p.properties) return r.pick([{}, { k: 'v', n: 1 }, { nested: { deep: [1, 2, { x: null }] } }]);
      const o = {};
      for (const [k, f] of Object.entries(p.properties)) if ((p.required ?? []).includes(k) || r.chance(0.3)) o[k] = sampleFor(r, k, f);
      const one = p.anyOf ?? p.oneOf;
      if (one && !one.some((x) => x.required[0] in o)) {
        const m = r.pick(one).required[0];
        o[m] = sampleFor(r, m, p.properties[m]);
      }
      return o;
    }
    case 'array': {
      const it = p.items ?? { type: 'string' };
      const n = Math.min(p.maxItems ?? 3, Math.max(p.minItems ?? 0, 1 + r.int(3)));
      return Array.from({ length: n }, () => sampleFor(r, name, it));
    }
    default:
      return null;
  }
}

function schemaInput(r, action) {
  const props = action.inputSchema.properties ?? {};
  const required = action.inputSchema.required ?? [];
  const input = {};
  for (const name of required) input[name] = sampleFor(r, name, props[name]);
  for (const group of action.requireOneOf ?? []) {
    if (!group.some((m) => m in input)) {
      const m = r.pick(group);
      input[m] = sampleFor(r, m, props[m]);
    }
  }
  for (const [name, p] of Object.entries(props)) {
    if (!(name in input) && r.chance(0.2)) input[name] = sampleFor(r, name, p);
  }
  // The rules between params: one member of each exclusive group, together groups whole or absent.
  for (const group of action.exclusive ?? []) for (const m of group.filter((x) => x in input).slice(1)) delete input[m];
  for (const group of action.together ?? []) {
    if (group.some((m) => m in input)) for (const m of group) input[m] ??= sampleFor(r, m, props[m]);
  }
  for (const group of action.exclusive ?? []) {
    const given = group.filter((x) => x in input);
    for (const m of given.slice(1)) for (const t of (action.together ?? []).filter((t) => t.includes(m))) for (const x of t) delete input[x];
  }
  let src = `JSON.parse(${lit(JSON.stringify(input))})`;
  let valid = true;
  // JSON data the published schema (ajv) decides on: the client must agree (null means "not given").
  let oracle = true;
  const names = Object.keys(input);
  if (r.chance(0.55)) {
    // One mutation.
    valid = false;
    const kind = r.int(7);
    const target = names.length ? r.pick(names) : r.pick(Object.keys(props).concat(['x']));
    if (kind <= 2) {
      const x = randomValue(r, 1);
      input[target] = x.v;
      src = `Object.assign(${src}, { ${lit(target)}: ${x.src} })`;
      valid = undefined; // may still be valid by chance
      oracle = false;
    } else if (kind === 3) {
      delete input[target];
      src = `(() => { const o = ${src}; delete o[${lit(target)}]; return o; })()`;
      valid = undefined;
    } else if (kind === 4) {
      const k = r.pick(['__proto__', 'extra', 'constructor', target.toUpperCase(), `${target} `]);
      Object.defineProperty(input, k, { value: 1, enumerable: true, writable: true, configurable: true });
      src = `(() => { const o = ${src}; Object.defineProperty(o, ${lit(k)}, { value: 1, enumerable: true }); return o; })()`;
      valid = false;
    } else if (kind === 5) {
      const x = randomString(r);
      input[target] = x.v;
      src = `Object.assign(${src}, { ${lit(target)}: ${x.src} })`;
      valid = undefined;
      oracle = false;
    } else {
      input[target] = null;
      src = `Object.assign(${src}, { ${lit(target)}: null })`;
      valid = undefined;
    }
  } else if (r.chance(0.2)) {
    // Same data, unusual object shapes that JSON.stringify reads the same.
    const shape = r.int(3);
    if (shape === 0) {
      const o = Object.assign(Object.create(null), input);
      return { ...V(o, `Object.assign(Object.create(null), ${src})`), valid, schemaOk: judge(action, input, oracle) };
    }
    if (shape === 1) {
      const o = new Proxy(input, {});
      return { ...V(o, `new Proxy(${src}, {})`), valid, schemaOk: judge(action, input, oracle) };
    }
    const o = Object.assign(Object.create({ inherited: 1 }), input);
    Object.defineProperty(o, 'hidden', { value: 1, enumerable: false });
    return { ...V(o, `(() => { const o = Object.assign(Object.create({ inherited: 1 }), ${src}); Object.defineProperty(o, 'hidden', { value: 1 }); return o; })()`), valid, schemaOk: judge(action, input, oracle) };
  }
  return { ...V(input, src), valid, schemaOk: judge(action, input, oracle) };
}

/** The published schema's verdict on a JSON-clean input (a param given null is "not given", as for
 * the client; an unknown key is refused whatever its value), or undefined when the input holds
 * values JSON cannot carry. */
function judge(action, input, oracle) {
  if (!oracle) return undefined;
  const data = JSON.parse(JSON.stringify(input));
  for (const k of Object.keys(data)) if (data[k] === null && Object.hasOwn(action.inputSchema.properties, k)) delete data[k];
  return schemaAccepts(action.id, data);
}

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

// Returns {v, src, preAborted, risky}: risky options may make a request arrive after the call
// settled (timeouts, signals that abort later), so such calls get a client of their own.
function randomCallOptions(r) {
  const out = (v, src, extra = {}) => ({ v, src, preAborted: false, risky: false, unknownKey: false, ...extra });
  return r.weighted([
    [40, () => out(undefined, 'undefined')],
    [4, () => out(null, 'null')],
    [3, () => out({}, '{}')],
    [3, () => out({ maxRetries: 0 }, '{ maxRetries: 0 }')],
    [4, () => out({ signal: AbortSignal.abort() }, '{ signal: AbortSignal.abort() }', { preAborted: true })],
    [1, () => out({ signal: AbortSignal.abort('why') }, "{ signal: AbortSignal.abort('why') }", { preAborted: true })],
    [1, () => out({ signal: AbortSignal.abort(42) }, '{ signal: AbortSignal.abort(42) }', { preAborted: true })],
    [1, () => { const c = new AbortController(); c.abort(undefined); return out({ signal: c.signal, maxRetries: 3 }, '(() => { const c = new AbortController(); c.abort(undefined); return { signal: c.signal, maxRetries: 3 }; })()', { preAborted: true }); }],
    [2, () => out({ signal: new AbortController().signal }, '{ signal: new AbortController().signal }')],
    [1, () => out({ signal: AbortSignal.timeout(1) }, '{ signal: AbortSignal.timeout(1) }', { risky: true })],
    [1, () => { const c = new AbortController(); queueMicrotask(() => c.abort()); return out({ signal: c.signal }, '(() => { const c = new AbortController(); queueMicrotask(() => c.abort()); return { signal: c.signal }; })()', { risky: true }); }],
    [0.5, () => { const c = new AbortController(); const why = r.pick(['late', 42, undefined, null]); setTimeout(() => c.abort(why), r.int(3)); return out({ signal: c.signal }, `(() => { const c = new AbortController(); setTimeout(() => c.abort(${lit(why)})); return { signal: c.signal }; })()`, { risky: true }); }],
    [0.02, () => out({ signal: Object.create(AbortSignal.prototype) }, '{ signal: Object.create(AbortSignal.prototype) }')],
    [0.5, () => out({ signal: new Proxy(AbortSignal.abort(), {}) }, '{ signal: new Proxy(AbortSignal.abort(), {}) }', { risky: true })],
    [1, () => out({ signal: { aborted: true } }, '{ signal: { aborted: true } }')],
    [1, () => out({ signal: r.pick([1, 'x', true, () => 1]) }, '{ signal: <garbage> }')],
    [2, () => { const t = r.pick([-1, 0, NaN, Infinity, 1e9, '100', 3_600_001, 1n]); return out({ timeoutMs: t }, `{ timeoutMs: ${lit(t)} }`); }],
    [1, () => out({ timeoutMs: 1 }, '{ timeoutMs: 1 }', { risky: true })],
    [1, () => out({ timeoutMs: 20_000 }, '{ timeoutMs: 20000 }')],
    [2, () => { const m = r.pick([1e9, -1, 2.5, 11, NaN, '2', 10n, 10, 3]); return out({ maxRetries: m }, `{ maxRetries: ${lit(m)} }`); }],
    [1, () => out({ extra: 1 }, '{ extra: 1 }', { unknownKey: true })],
    [0.5, () => out({ timeoutMS: 5 }, '{ timeoutMS: 5 }', { unknownKey: true })],
    [1, () => out(Object.assign(Object.create(null), { maxRetries: 1 }), 'Object.assign(Object.create(null), { maxRetries: 1 })')],
    [1, () => out(Object.assign(Object.create(null), { bogus: 1 }), 'Object.assign(Object.create(null), { bogus: 1 })', { unknownKey: true })],
    [1, () => { const k = r.pick(['signal', 'timeoutMs', 'maxRetries']); return out(throwingGetter(k), `throwingGetter(${lit(k)})`); }],
    [1, () => { const t = r.pick(THROW_TRAPS); return out(throwingProxy({}, t), `throwingProxy({}, ${lit(t)})`); }],
    [0.3, () => out(revokedProxy(), 'revokedProxy()')],
    [2, () => { const x = randomValue(r, 1); return out(x.v, x.src); }],
  ])();
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

const OK_BODY = '{"msg":"ok","code":"Success","params":null}';
const requestsByPrefix = new Map();
let requestsSeen = 0;
let clientErrors = 0;
const server = http.createServer((req, res) => {
  requestsSeen++;
  const prefix = req.url.split('/')[1] ?? '';
  requestsByPrefix.set(prefix, (requestsByPrefix.get(prefix) ?? 0) + 1);
  req.on('error', () => {});
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(OK_BODY);
});
server.on('clientError', (err, socket) => {
  // Requests the parser refuses (a 1 MB URL, a reset connection): answer like a real server would.
  clientErrors++;
  if (socket.writable && err.code === 'HPE_HEADER_OVERFLOW') socket.end('HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  else socket.destroy();
});
server.keepAliveTimeout = 30_000;
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const ORIGIN = `http://127.0.0.1:${server.address().port}`;
const count = (prefix) => requestsByPrefix.get(prefix) ?? 0;

// Only clients whose base URL is this server may ever send.
function assertLocal(client) {
  if (!String(client.baseUrl).startsWith(`${ORIGIN}/`)) throw new Error(`refusing to call a client for ${client.baseUrl}`);
  return client;
}

// ---------------------------------------------------------------------------------------------
// Clients
// ---------------------------------------------------------------------------------------------

const API_KEY = 'fuzz-key-0123456789abcdef';
const main = assertLocal(new IterableClient({ apiKey: API_KEY, baseUrl: `${ORIGIN}/m`, maxRetries: 0, rateLimit: false }));

// JWT: the provider returns whatever the iteration set.
let jwtNext = () => 'x';
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const GOOD_JWT = `${b64({ alg: 'HS256' })}.${b64({ exp: 4102444800 })}.c2ln`;
// A fresh client per JWT iteration: a client caches a good token and would not ask again.
const newJwtClient = () => assertLocal(new IterableClient({ apiKey: API_KEY, baseUrl: `${ORIGIN}/j`, maxRetries: 0, rateLimit: false, jwt: () => jwtNext() }));
let jwtClient = newJwtClient();
const JWT_VALUES = [
  ['a valid token', () => GOOD_JWT],
  ['an expired token', () => `${b64({ alg: 'HS256' })}.${b64({ exp: 1 })}.c2ln`],
  ['exp 1e400', () => `${b64({})}.${Buffer.from('{"exp":1e400}').toString('base64url')}.x`],
  ['exp huge integer', () => `${b64({})}.${Buffer.from('{"exp":123456789012345678901234567890}').toString('base64url')}.x`],
  ['payload not JSON', () => 'aGVsbG8.d29ybGQ.x'],
  ['payload invalid UTF-8', () => `${b64({})}.${Buffer.from([0xff, 0xfe, 0x80]).toString('base64url')}.x`],
  ['a Promise of a token', () => Promise.resolve(GOOD_JWT)],
  ['not a JWT', () => 'not a jwt'],
  ['empty', () => ''],
  ['a number', () => 42],
  ['undefined', () => undefined],
  ['an object', () => ({ token: GOOD_JWT })],
  ['20 KB token', () => `${'a'.repeat(20_000)}.b.c`],
  ['a token with +/', () => 'a+b.c/d.e'],
  ['a token with a newline', () => `${GOOD_JWT}\n`],
  ['throws an Error', () => { throw new Error('provider throws'); }],
  ['throws a string', () => { throw 'provider throws a string'; }],
  ['throws undefined', () => { throw undefined; }],
  ['rejects with an Error', () => Promise.reject(new Error('no token'))],
  ['rejects with undefined', () => Promise.reject(undefined)],
  ['rejects with a symbol', () => Promise.reject(Symbol('s'))],
  ['a thenable that throws', () => ({ then() { throw new Error('then throws'); } })],
  ['a Promise of a number', () => Promise.resolve(1n)],
  ['a lone surrogate', () => 'a.\uD800.c'],
];

// Hooks that throw, return junk, mutate their argument, or call back into the client.
let hookMode = 0;
let hooksClient;
const hook = (info) => {
  switch (hookMode) {
    case 1:
      throw new Error('hook throws');
    case 2:
      throw undefined;
    case 3:
      if (info && typeof info === 'object') {
        info.url = 'http://evil.example/';
        info.headers = null;
      }
      // A rejected Promise as the return value (handled here: the client ignores what hooks return).
      {
        const p = Promise.reject(new Error('async hook rejects'));
        p.catch(() => {});
        return p;
      }
    case 4:
      // Re-entrant calls, all invalid (so they send nothing).
      hooksClient.execute('nope', {}).catch(() => {});
      hooksClient.execute('list_channels', { bogus: 1 }).catch(() => {});
      try {
        new IterableClient({ apiKey: '' });
      } catch {}
      return 1;
    default:
      return undefined;
  }
};
hooksClient = assertLocal(new IterableClient({ apiKey: API_KEY, baseUrl: `${ORIGIN}/h`, maxRetries: 0, rateLimit: false, onRequest: hook, onResponse: hook, onRetry: hook }));

let riskySerial = 0;
function riskyClient() {
  const prefix = `r${++riskySerial}`;
  return [assertLocal(new IterableClient({ apiKey: API_KEY, baseUrl: `${ORIGIN}/${prefix}`, maxRetries: 0, rateLimit: false })), prefix];
}

// ---------------------------------------------------------------------------------------------
// Constructor options
// ---------------------------------------------------------------------------------------------

function randomClientOptions(r) {
  const base = () =>
    r.weighted([
      [3, () => `${ORIGIN}/c`],
      [1, () => r.pick(['http://localhost:1', 'http://[::1]:1', 'https://api.iterable.com', 'https://x.io/p/'])],
      [2, () => r.pick(['http://example.com', 'http://127.+0.+0.+1', 'ftp://x', '', ' ', 'https://', 'https://a@b', 'https://x?y', 'http://127.0.0.1.evil.com', 'javascript:alert(1)', '\uD800', 'http://[::1]evil'])],
      [1, () => randomValue(r, 0).v],
    ])();
  const o = {};
  const src = [];
  const set = (k, v, s) => {
    o[k] = v;
    src.push(`${k}: ${s}`);
  };
  if (r.chance(0.85)) {
    const k = r.weighted([
      [5, () => V(API_KEY, lit(API_KEY))],
      [3, () => r.pick([V('', '""'), V(' ', '" "'), V('k\n', '"k\\n"'), V('a'.repeat(1025), '"a".repeat(1025)'), V('ключ', '"ключ"'), V('abc def', '"abc def"'), V('\uD800', '"\\uD800"')])],
      [1, () => randomValue(r, 0)],
    ])();
    set('apiKey', k.v, k.src);
  }
  if (r.chance(0.6)) {
    const b = base();
    set('baseUrl', b, typeof b === 'string' ? lit(b) : '<value>');
  }
  if (r.chance(0.2)) {
    const g = r.pick(['us', 'eu', 'EU', 'mars', '', null, 1]);
    set('region', g, lit(g));
  }
  if (r.chance(0.2)) {
    const m = r.pick([0, 10, 11, -1, 1e9, NaN, '3', 2.5]);
    set('maxRetries', m, lit(m));
  }
  if (r.chance(0.2)) {
    const t = r.pick([1, 0, -1, 3_600_000, 3_600_001, Infinity, NaN, '1000']);
    set('timeoutMs', t, lit(t));
  }
  if (r.chance(0.2)) {
    const b = r.pick([true, false, 'false', 0, null]);
    set('rateLimit', b, lit(b));
  }
  if (r.chance(0.15)) {
    const name = r.pick(['jwt', 'onRequest', 'onResponse', 'onRetry']);
    const f = r.pick([[() => 1, '() => 1'], ['x', '"x"'], [{}, '{}'], [new Proxy(() => 1, { apply() { throw new Error('x'); } }), 'new Proxy(() => 1, { apply() { throw new Error("x"); } })']]);
    set(name, f[0], f[1]);
  }
  let unknownKey = false;
  if (r.chance(0.1)) {
    const k = r.pick(['apikey', 'base_url', 'unknown', '__proto__', 'timeoutMS']);
    Object.defineProperty(o, k, { value: 1, enumerable: true, writable: true, configurable: true });
    src.push(`${lit(k)}: 1`);
    unknownKey = true;
  }
  const plain = { ...V(o, `{ ${src.join(', ')} }`), unknownKey };
  return r.weighted([
    [12, () => plain],
    [2, () => ({ ...V(Object.assign(Object.create(null), o), `Object.assign(Object.create(null), ${plain.src})`), unknownKey })],
    [1, () => { const k = r.pick(['apiKey', 'baseUrl', 'region', 'maxRetries', 'timeoutMs', 'jwt']); return V(Object.assign(throwingGetter(k), {}), `throwingGetter(${lit(k)})`); }],
    [1, () => { const t = r.pick(THROW_TRAPS); return V(throwingProxy(o, t), `throwingProxy(${plain.src}, ${lit(t)})`); }],
    [0.3, () => V(revokedProxy(), 'revokedProxy()')],
    [2, () => randomValue(r, 1)],
  ])();
}

// ---------------------------------------------------------------------------------------------
// One iteration
// ---------------------------------------------------------------------------------------------

const METHODS = actions.map((a) => a.methodName);
const IDS = actions.map((a) => a.id);

function randomId(r) {
  return r.weighted([
    [8, () => { const id = r.pick(IDS); return V(id, lit(id)); }],
    [1, () => { const id = r.pick(IDS); const g = r.pick([id.toUpperCase(), ` ${id}`, `${id}\0`, id.replaceAll('_', ''), id.slice(0, -1), `${id}_`, id.replace('_', '-')]); return V(g, lit(g)); }],
    [1, () => randomValue(r, 1)],
  ])();
}

function randomInput(r, action, preferSchema = false) {
  if (action && r.chance(preferSchema ? 0.9 : 0.5)) return schemaInput(r, action);
  return { ...randomValue(r, 3), valid: undefined };
}

let uncaught = [];
process.on('uncaughtException', (e) => {
  uncaught.push(e);
  wakeWaiter?.();
});
process.on('unhandledRejection', (e) => {
  uncaught.push(e);
  wakeWaiter?.();
});
let wakeWaiter = null;

const describeError = (e) => {
  if (e instanceof IterableError) return `IterableError(${e.code}): ${String(e.message).slice(0, 160)}`;
  if (e === undefined) return 'undefined';
  try {
    return `${e?.constructor?.name ?? typeof e}: ${String(e?.message ?? e).slice(0, 200)}`;
  } catch {
    return '<unprintable>';
  }
};

// Waits for a promise to settle, for at most DEADLINE_MS (less once an uncaught exception shows
// up, which means it never will).
async function settle(p) {
  let timer;
  const outcome = p.then(
    (value) => ({ state: 'resolved', value }),
    (error) => ({ state: 'rejected', error }),
  );
  const deadline = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ state: 'pending' }), DEADLINE_MS);
    wakeWaiter = () => {
      clearTimeout(timer);
      timer = setTimeout(() => resolve({ state: 'pending' }), 100);
    };
  });
  const result = await Promise.race([outcome, deadline]);
  clearTimeout(timer);
  wakeWaiter = null;
  return result;
}

const stats = {
  calls: 0,
  resolved: 0,
  rejected: new Map(),
  constructed: 0,
  constructorThrew: new Map(),
  kinds: new Map(),
  validInputs: 0,
  validInputsSent: 0,
  schemaAgreed: 0,
  notes: new Map(),
};
const noteExamples = new Map();
const bump = (m, k) => m.set(k, (m.get(k) ?? 0) + 1);
const failures = [];

function fail(i, kind, what, detail) {
  failures.push({ i, kind, what, detail });
}

function cut(s, n = 400) {
  s = String(s);
  return s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s;
}

// The environment misbehaving: a global fetch (a mock, a polyfill) that rejects with something
// other than an Error, resolves to something other than a Response, or throws. The call must
// still settle with an IterableError (NetworkError), not trap.
const FETCH_FAULTS = [
  ['rejects with a string', () => Promise.reject('offline')],
  ['rejects with undefined', () => Promise.reject(undefined)],
  ['rejects with a plain object', () => Promise.reject({ message: 'x' })],
  ['rejects with a TypeError', () => Promise.reject(new TypeError('fetch failed'))],
  ['resolves to a plain object', () => Promise.resolve({ status: 200 })],
  ['resolves to undefined', () => Promise.resolve(undefined)],
  ['throws a string synchronously', () => { throw 'sync'; }],
  ['throws a TypeError synchronously', () => { throw new TypeError('sync'); }],
  ['returns 42', () => 42],
  ['a body stream that errors with a string', () => Promise.resolve(new Response(new ReadableStream({ start(c) { c.error('boom'); } }), { status: 200 }))],
  ['a body stream that errors with an Error', () => Promise.resolve(new Response(new ReadableStream({ start(c) { c.error(new Error('boom')); } }), { status: 200 }))],
];
const faultClient = assertLocal(new IterableClient({ apiKey: API_KEY, baseUrl: `${ORIGIN}/f`, maxRetries: 0, rateLimit: false }));
async function fetchFault(i, r) {
  const [desc, fake] = r.pick(FETCH_FAULTS);
  const what = `globalThis.fetch = <${desc}>; client.listWebhooks()`;
  const realFetch = globalThis.fetch;
  globalThis.fetch = fake;
  let s;
  try {
    let p;
    try {
      p = faultClient.listWebhooks();
    } catch (e) {
      return fail(i, 'sync-throw', what, describeError(e));
    }
    s = await settle(p);
  } finally {
    globalThis.fetch = realFetch;
  }
  if (uncaught.length) return fail(i, uncaught[0] instanceof WebAssembly.RuntimeError ? 'wasm-trap' : 'uncaught', what, describeError(uncaught[0]));
  if (s.state === 'pending') return fail(i, 'hang', what, 'did not settle');
  if (s.state === 'resolved') return fail(i, 'fetch-fault-resolved', what, 'resolved');
  if (!(s.error instanceof IterableError)) return fail(i, s.error instanceof WebAssembly.RuntimeError ? 'wasm-trap' : 'non-IterableError', what, describeError(s.error));
  bump(stats.rejected, s.error.code);
}

let lastKind = '';
async function iteration(i) {
  const r = new R(rngFor(i));
  const kind = r.weighted([
    [50, 'execute'],
    [33, 'method'],
    [12, 'constructor'],
    [2.5, 'jwt'],
    [2.5, 'hooks'],
    [0.04, 'fetch'],
  ]);
  bump(stats.kinds, kind);
  lastKind = kind;
  stats.calls++;
  uncaught = [];

  if (kind === 'constructor') {
    const o = randomClientOptions(r);
    const what = `new IterableClient(${cut(o.src)})`;
    try {
      const c = new IterableClient(o.v);
      if (!(c instanceof IterableClient)) return fail(i, 'constructor-result', what, `returned ${describeError(c)}`);
      stats.constructed++;
      if (o.unknownKey) return fail(i, 'constructor-unknown-option-accepted', what, 'client options with an unknown key were accepted');
      // A client for this server may be used once.
      if (String(c.baseUrl).startsWith(`${ORIGIN}/`) && r.chance(0.2)) {
        const before = requestsSeen;
        const p = assertLocal(c).execute('list_webhooks', {}, { maxRetries: 0 });
        const s = await settle(p);
        if (s.state === 'pending') return fail(i, 'hang', `${what}.execute('list_webhooks', {})`, 'did not settle');
        if (s.state === 'rejected' && !(s.error instanceof IterableError)) return fail(i, 'non-IterableError', `${what}.execute(...)`, describeError(s.error));
        if (s.state === 'rejected' && s.error.code === 'ValidationError' && requestsSeen !== before) return fail(i, 'validation-with-request', `${what}.execute(...)`, '');
      }
    } catch (e) {
      if (!(e instanceof IterableError)) return fail(i, 'constructor-threw-non-IterableError', what, describeError(e));
      bump(stats.constructorThrew, e.code);
      if (e.code !== 'ValidationError') return fail(i, 'constructor-code', what, describeError(e));
    }
    if (uncaught.length) return fail(i, 'uncaught', what, describeError(uncaught[0]));
    return;
  }

  if (kind === 'fetch') return fetchFault(i, r);

  // Pick client, target and arguments.
  let client = main;
  let prefix = 'm';
  let action = null;
  let target;
  let call;
  const options = randomCallOptions(r);
  let jwtDesc = '';
  if (kind === 'jwt') {
    client = jwtClient = newJwtClient();
    prefix = 'j';
    const [desc, value] = r.pick(JWT_VALUES);
    jwtNext = value;
    jwtDesc = ` [jwt provider: ${desc}]`;
  } else if (kind === 'hooks') {
    client = hooksClient;
    prefix = 'h';
    hookMode = r.int(5);
    jwtDesc = ` [hooks mode ${hookMode}]`;
  }
  if (options.risky) [client, prefix] = riskyClient();

  let input;
  if (kind === 'method') {
    action = r.pick(actions);
    input = randomInput(r, action, kind !== 'method');
    target = `client.${action.methodName}(${cut(input.src)}, ${cut(options.src, 200)})`;
    call = () => client[action.methodName](input.v, options.v);
  } else {
    const id = randomId(r);
    action = typeof id.v === 'string' ? actions.find((a) => a.id === id.v) : null;
    input = randomInput(r, action, kind === 'jwt' || kind === 'hooks');
    target = `client.execute(${cut(id.src, 100)}, ${cut(input.src)}, ${cut(options.src, 200)})`;
    call = () => client.execute(id.v, input.v, options.v);
  }
  const what = target + jwtDesc;
  if (input.valid === true && options.v === undefined) stats.validInputs++;

  const before = count(prefix);
  let p;
  try {
    p = call();
  } catch (e) {
    return fail(i, 'sync-throw', what, describeError(e));
  }
  if (!(p instanceof Promise)) return fail(i, 'not-a-promise', what, `returned ${describeError(p)}`);
  const s = await settle(p);
  const sent = count(prefix) - before;
  if (uncaught.length) return fail(i, uncaught[0] instanceof WebAssembly.RuntimeError ? 'wasm-trap' : 'uncaught', what, `${describeError(uncaught[0])}${s.state === 'pending' ? ' (and the call never settled)' : ''}`);
  if (s.state === 'pending') return fail(i, 'hang', what, `did not settle within ${DEADLINE_MS} ms`);
  if (s.state === 'resolved') {
    stats.resolved++;
    if (input.valid === true && options.v === undefined) stats.validInputsSent++;
    if (input.schemaOk === true && options.v === undefined) stats.schemaAgreed++;
    if (options.preAborted) return fail(i, 'aborted-resolved', what, 'an already-aborted signal resolved');
    if (options.unknownKey) return fail(i, 'unknown-option-accepted', what, 'options with an unknown key were accepted');
    if (input.valid === false) return fail(i, 'invalid-input-accepted', what, 'an input with an unknown key was accepted');
    if (input.schemaOk === false && options.v === undefined) return fail(i, 'schema-disagrees', what, 'accepted, but the published JSON Schema rejects it');
    if (prefix === 'm' && sent !== 1) return fail(i, 'resolved-without-one-request', what, `${sent} requests`);
    return;
  }
  const e = s.error;
  if (!(e instanceof IterableError)) {
    const k = e instanceof WebAssembly.RuntimeError ? 'wasm-trap' : 'non-IterableError';
    return fail(i, k, what, describeError(e));
  }
  if (typeof e.code !== 'string' || e.code === '') return fail(i, 'empty-code', what, describeError(e));
  if (typeof e.message !== 'string') return fail(i, 'bad-message', what, describeError(e));
  bump(stats.rejected, e.code);
  if ((e.code === 'ValidationError' || e.code === 'JwtError') && sent !== 0) return fail(i, 'validation-with-request', what, `${e.code} but ${sent} request(s) reached the server`);
  if (options.preAborted && sent !== 0) return fail(i, 'aborted-sent', what, `${sent} request(s) with an already-aborted signal`);
  if (options.preAborted && e.code !== 'Aborted' && e.code !== 'ValidationError' && e.code !== 'JwtError') return fail(i, 'aborted-code', what, describeError(e));
  if (!['ValidationError', 'Aborted', 'Timeout', 'JwtError'].includes(e.code)) {
    const note = `${e.code}${e.status ? ` ${e.status}` : ''}`;
    bump(stats.notes, note);
    if (!noteExamples.has(note)) noteExamples.set(note, `#${i}: ${cut(what, 300)} -> ${describeError(e)}`);
  }
  if (input.valid === true && options.v === undefined && kind !== 'jwt' && e.code === 'ValidationError') {
    return fail(i, 'valid-input-rejected', what, describeError(e));
  }
  if (input.schemaOk === true && options.v === undefined && kind !== 'jwt' && e.code === 'ValidationError') {
    return fail(i, 'schema-disagrees', what, `rejected, but the published JSON Schema accepts it: ${describeError(e)}`);
  }
  if (input.schemaOk !== undefined && options.v === undefined && e.code === 'ValidationError') stats.schemaAgreed++;
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

const t0 = performance.now();
const indices = args.only !== undefined ? [Number(args.only)] : Array.from({ length: COUNT }, (_, i) => i);
let lastReport = t0;
const timeByKind = new Map();
for (const i of indices) {
  const t = performance.now();
  await iteration(i);
  timeByKind.set(lastKind, (timeByKind.get(lastKind) ?? 0) + performance.now() - t);
  if (args.verbose && performance.now() - lastReport > 5000) {
    lastReport = performance.now();
    console.error(`fuzz: ${i + 1}/${COUNT} after ${((lastReport - t0) / 1000).toFixed(1)} s, ${failures.length} failures`);
  }
}
const loopMs = performance.now() - t0;

// The same clients still work.
const finalChecks = [
  ['main client', () => main.execute('list_channels', {}), 'm'],
  ['main client method', () => main.listChannels(), 'm'],
  ['hooks client', () => ((hookMode = 0), hooksClient.listChannels()), 'h'],
  ['jwt client', () => ((jwtNext = () => GOOD_JWT), jwtClient.listChannels()), 'j'],
];
let finalFailed = 0;
for (const [name, run, prefix] of finalChecks) {
  const before = count(prefix);
  let s;
  try {
    s = await settle(run());
  } catch (e) {
    s = { state: 'threw', error: e };
  }
  if (s.state !== 'resolved' || count(prefix) - before !== 1) {
    finalFailed++;
    failures.push({ i: -1, kind: 'client-broken-after-loop', what: name, detail: `${s.state} ${s.error ? describeError(s.error) : ''}` });
  }
}
server.close();
server.closeAllConnections?.();

const total = indices.length;
const failedCalls = new Set(failures.filter((f) => f.i >= 0).map((f) => f.i)).size;
const elapsed = ((performance.now() - t0) / 1000).toFixed(1);

// Failures grouped by kind and by what went wrong (numbers blurred), shortest reproducer first.
const groups = new Map();
for (const f of failures) {
  const key = `${f.kind}: ${String(f.detail).replace(/\d+/g, 'N').slice(0, 120)}`;
  if (!groups.has(key)) groups.set(key, []);
  groups.get(key).push(f);
}
if (failures.length) {
  console.log(`\nfailures: ${failures.length} in ${groups.size} groups (replay one with --seed ${SEED} --only I)`);
  for (const [key, list] of [...groups].sort((a, b) => b[1].length - a[1].length)) {
    console.log(`\n  [${list.length}x] ${key}`);
    for (const f of [...list].sort((a, b) => a.what.length - b.what.length).slice(0, 2)) console.log(`    #${f.i}: ${f.what}\n        -> ${f.detail}`);
  }
  console.log('');
}
const fmt = (m) => [...m].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
console.log(`summary: seed ${SEED}, ${total} calls in ${elapsed} s (loop ${(loopMs / 1000).toFixed(1)} s, ${Math.round(total / (loopMs / 1000))} calls/s)`);
console.log(`  kinds: ${fmt(stats.kinds)}; ms by kind: ${fmt(new Map([...timeByKind].map(([k, v]) => [k, Math.round(v)])))}`);
console.log(`  resolved ${stats.resolved}; rejected by code: ${fmt(stats.rejected)}`);
console.log(`  constructors: ${stats.constructed} clients, thrown: ${fmt(stats.constructorThrew)}`);
console.log(`  schema inputs left valid: ${stats.validInputs} (${stats.validInputsSent} resolved); client and JSON Schema agreed on ${stats.schemaAgreed}`);
console.log(`  requests seen by the server: ${requestsSeen} (${requestsByPrefix.size} client prefixes, ${clientErrors} client errors)`);
console.log(`  other rejections (not failures): ${fmt(stats.notes)}`);
for (const ex of noteExamples.values()) console.log(`    e.g. ${ex}`);
console.log(`  clients still work after the loop: ${finalFailed === 0 ? 'yes' : 'NO'}`);
console.log(`fuzz: ${total - failedCalls} passed, ${failedCalls} failed`);
process.exit(failures.length ? 1 : 0);
