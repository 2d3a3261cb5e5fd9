#!/usr/bin/env node
// Our validation against a second witness of what Iterable takes: the parameter schemas (zod) of
// the official Node client @iterable/api (a devDependency).
//
//   node tests/schema/differential.mjs [--verbose] [--json counts.json]
//
// Which of its methods is which of our actions is observed (scripts/witness.mjs: the HTTP method
// and path each method requests); which zod schema checks a method's parameters is read from the
// parameter type its declarations name (`getUserByUserId(params: GetUserByIdParams)` ->
// `GetUserByIdParamsSchema`). An action two methods serve (create_new_campaign: blast and
// triggered; create_catalog_items: replace and partial update) is accepted by theirs when either
// schema accepts.
//
// Cases, per shared action: our valid inputs (the minimal and the full one; when theirs refuses
// one, the same input without the fields it names), then one-field mutations of each, on every
// param, every nested field, map entry and the first item of every array: wrong type, missing,
// bad email, bad date, out-of-range number, bad enum, empty or overlong string, empty array, a bad
// nested item ({}), a bad map key ("bad id!", "a.b"), and each field their schema names that ours
// does not. Every case goes through
//   - our client (pkg/index.node.js, a stub fetch: rejected = ValidationError, nothing sent),
//   - ajv over our catalog's JSON Schema (tests/schema/ajv.mjs),
//   - their zod schema.
// The test fails when our client and our JSON Schema disagree on any case, and when our client and
// theirs disagree on a case that tests/schema/differential-exceptions.json does not explain (each
// entry: the action, the value's path, the mutation, our verdict and the reason, with what
// Iterable documents). An entry that no longer matches a disagreement fails too (stale).
//
// Counts before and after the fixes to defs/actions.json made with this test: README.md here
// (2,155 cases and 263 disagreements before, 85 of them a value we sent that theirs refuses;
// 2,224 cases and 239 disagreements after, all explained, 61 of them we send).

import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildInput } from '../prism/inputs.mjs';
import { schemaOracle } from './ajv.mjs';
import { clientOracle } from './client.mjs';
import { loadWitness } from '../../scripts/witness.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const argv = process.argv.slice(2);
const VERBOSE = argv.includes('--verbose');
const JSON_OUT = argv.includes('--json') ? argv[argv.indexOf('--json') + 1] : null;

const { IterableClient, actions } = await import(pathToFileURL(join(ROOT, 'pkg', 'index.node.js')).href);
const sharedSpec = join(ROOT, '..', 'shared', 'iterable', 'openapi.prism.json');
const spec = JSON.parse(readFileSync(existsSync(sharedSpec) ? sharedSpec : join(ROOT, 'defs', 'openapi.json'), 'utf8'));
const defs = JSON.parse(readFileSync(join(ROOT, 'defs', 'actions.json'), 'utf8'));
const defById = new Map(defs.map((d) => [d.id, d]));
const ourById = new Map(actions.map((a) => [a.id, a]));
const exceptions = JSON.parse(readFileSync(join(HERE, 'differential-exceptions.json'), 'utf8')).exceptions;

const { accepts: ourClient } = clientOracle(IterableClient);
const ourSchema = schemaOracle(actions);
const { api, z, apiVersion, apiDir, methods, observe, actionFor } = await loadWitness(ROOT, defs);

// ---------------------------------------------------------------- the shared actions
const paramType = new Map();
for (const m of readFileSync(join(apiDir, 'client', 'index.d.ts'), 'utf8').matchAll(/^\s+(\w+)\(\w+\??: import\("\.\.\/index\.js"\)\.(\w+)[,)]/gm)) paramType.set(m[1], m[2]);
const shared = new Map(); // id -> { id, methods: [{ name, schema, json }] }
const skipped = [];
const unpaired = []; // a method of theirs that matches no action, or names a schema it does not export
for (const name of [...methods].sort()) {
  const o = await observe(name, {});
  const def = o.requests.length === 1 ? actionFor(o.requests[0]) : null;
  const schema = api[`${paramType.get(name)}Schema`];
  if (!def) unpaired.push(`${name}: no action of ours for its request`);
  else if (paramType.has(name) && !schema?.safeParse) unpaired.push(`${name}: its parameter type ${paramType.get(name)} has no exported schema`);
  if (!def || !schema?.safeParse) {
    if (def && !paramType.has(name)) skipped.push(`${name} (${def.id}): takes no parameters`);
    continue;
  }
  const entry = shared.get(def.id) ?? { id: def.id, methods: [] };
  entry.methods.push({ name, schema, json: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) });
  shared.set(def.id, entry);
}
const theirsAccept = (entry, input) => entry.methods.some((m) => m.schema.safeParse(input).success);

// ---------------------------------------------------------------- what either schema says of a value
/** The sub-schemas at `path` (keys; '[]' for an array's items), alternatives flattened. */
function schemasAt(root, s, path) {
  const deref = (x) => {
    for (let i = 0; x?.$ref && i < 16; i++) x = x.$ref.replace(/^#\/\$defs\//, '').split('/').reduce((n, k) => n?.[k], root.$defs);
    return x;
  };
  const flat = (x) => {
    x = deref(x);
    if (!x || typeof x !== 'object') return [];
    const alts = [...(x.anyOf ?? []), ...(x.oneOf ?? []), ...(x.allOf ?? [])];
    return [x, ...alts.flatMap(flat)];
  };
  let cur = flat(s);
  for (const k of path) {
    cur = cur.flatMap((x) => (k === '[]' ? flat(x.items) : flat(x.properties?.[k] ?? (typeof x.additionalProperties === 'object' ? x.additionalProperties : undefined))));
  }
  return cur;
}
function hintsAt(entry, id, path) {
  const ours = ourById.get(id).inputSchema;
  const all = [...schemasAt(ours, ours, path), ...entry.methods.flatMap((m) => schemasAt(m.json, m.json, path))];
  const pick = (k) => all.map((x) => x[k]).filter((v) => v !== undefined);
  return {
    enum: all.some((x) => Array.isArray(x.enum) && x.enum.every((v) => typeof v === 'string')),
    email: all.some((x) => x.format === 'email' || /@/.test(x.pattern ?? '')),
    date: all.some((x) => /date|time/.test(x.format ?? '') || /\\d\{4\}-/.test(x.pattern ?? '')),
    minimum: pick('minimum').concat(pick('exclusiveMinimum')),
    maximum: pick('maximum').concat(pick('exclusiveMaximum')),
    maxLength: pick('maxLength'),
    minLength: pick('minLength'),
    properties: all.some((x) => x.properties),
    // a map whose keys or values have rules (not a free-form record such as dataFields)
    map: all.some((x) => Object.keys(x.propertyNames ?? {}).some((k) => k !== 'type') || Object.keys(typeof x.additionalProperties === 'object' ? x.additionalProperties : {}).some((k) => k !== 'type')),
  };
}

// ---------------------------------------------------------------- cases
const GONE = Symbol('gone');
const show = (path) => path.map((k, i) => (k === '[]' ? '[0]' : i ? `.${k}` : k)).join('');
function setAt(input, path, v) {
  const out = structuredClone(input);
  let cur = out;
  for (const k of path.slice(0, -1)) cur = k === '[]' ? cur[0] : cur[k];
  const last = path.at(-1);
  const key = last === '[]' ? 0 : last;
  if (v === GONE) {
    if (Array.isArray(cur)) cur.splice(key, 1);
    else delete cur[key];
  } else cur[key] = v;
  return out;
}
const DATE_NAME = /(date|At$|time$)/i;
function mutations(entry, id, input) {
  const out = []; // { path, mutation, input }
  const add = (path, mutation, v) => out.push({ path: show(path), keys: path, mutation, input: setAt(input, path, v) });
  const walk = (value, path) => {
    if (!path.length) {
      for (const [k, v] of Object.entries(value)) walk(v, [k]);
      return;
    }
    const h = hintsAt(entry, id, path);
    const name = String(path.filter((k) => k !== '[]').at(-1));
    if (path.at(-1) !== '[]') add(path, 'missing', GONE);
    if (typeof value === 'string') {
      add(path, 'wrong type', 12345);
      if (h.email || /email/i.test(name)) add(path, 'bad email', 'not-an-email');
      if (h.date || (DATE_NAME.test(name) && !/zone/i.test(name))) add(path, 'bad date', 'not-a-date');
      if (h.enum) add(path, 'bad enum', 'NotAValue');
      if (value !== '') add(path, 'empty string', '');
      for (const n of new Set(h.maxLength)) add(path, 'too long', 'a'.repeat(n + 1));
    } else if (typeof value === 'number') {
      add(path, 'wrong type', 'text');
      for (const n of new Set(h.minimum)) add(path, 'out of range', n - 1);
      for (const n of new Set(h.maximum)) add(path, 'out of range', n + 1);
      if (/^(page|pageSize|limit|size)$/.test(name)) for (const n of [0, 100_000]) if (!h.minimum.includes(n + 1) && !h.maximum.includes(n - 1)) add(path, 'out of range', n);
    } else if (typeof value === 'boolean') add(path, 'wrong type', 'text');
    else if (Array.isArray(value)) {
      add(path, 'wrong type', { not: 'an array' });
      if (value.length) {
        add(path, 'empty array', []);
        if (value[0] && typeof value[0] === 'object' && !Array.isArray(value[0])) add([...path, '[]'], 'bad nested item', {});
        walk(value[0], [...path, '[]']);
      }
    } else if (value && typeof value === 'object') {
      add(path, 'wrong type', 'not-an-object');
      if (h.map) {
        // a map (catalog documents, item fields): a key with a space, and one with a period
        const first = Object.values(value)[0] ?? {};
        for (const bad of ['bad id!', 'a.b']) add(path, 'bad key', { ...value, [bad]: first });
      }
      if (h.properties || h.map) for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    }
  };
  walk(input, []);
  // each field their schema names that ours does not have
  const ours = ourById.get(id).inputSchema.properties;
  for (const m of entry.methods) {
    for (const [k, s] of Object.entries(m.json.properties ?? {})) {
      if (k in ours || k in input) continue;
      const t = [].concat(s.type ?? 'string')[0];
      const sample = { string: 'x', number: 1, integer: 1, boolean: true, array: [], object: {} }[t] ?? 'x';
      out.push({ path: k, keys: [k], mutation: 'field ours lacks', input: { ...input, [k]: sample } });
    }
  }
  return out;
}

/** The value at a shown path (`users[0].email`), for the report. */
function valueAt(input, path) {
  let cur = input;
  for (const k of path.replace(/\[0\]/g, '.0').split('.').filter(Boolean)) cur = cur?.[k];
  return cur;
}

/**
 * Our valid inputs for an action (each a case), and the bases to mutate: each input theirs also
 * accepts, and when theirs refuses one, the same input without the params its issues name, if
 * both sides accept that. Mutating an input theirs already refuses would only repeat that refusal.
 */
async function bases(entry, def) {
  const valid = [];
  const mutate = [];
  for (const [label, input] of [['minimal', buildInput(def, spec)], ['full', buildInput(def, spec, { full: true })]]) {
    valid.push({ label, input });
    let cur = input;
    for (let i = 0; i < 12 && !theirsAccept(entry, cur); i++) {
      const keys = new Set(entry.methods.flatMap((m) => m.schema.safeParse(cur).error?.issues ?? []).map((x) => x.path[0]).filter((k) => k !== undefined && k in cur));
      if (!keys.size) break;
      cur = Object.fromEntries(Object.entries(cur).filter(([k]) => !keys.has(k)));
    }
    if (theirsAccept(entry, cur) && (cur === input || (await ourClient(entry.id, cur)).ok)) mutate.push(cur);
  }
  return { valid, mutate };
}

const cases = [];
for (const entry of [...shared.values()].sort((a, b) => a.id.localeCompare(b.id))) {
  const def = defById.get(entry.id);
  const seen = new Set();
  const { valid, mutate } = await bases(entry, def);
  for (const b of valid) {
    const key = JSON.stringify(b.input);
    if (seen.has(key)) continue;
    seen.add(key);
    cases.push({ id: entry.id, entry, path: '', mutation: `valid (${b.label})`, label: `valid (${b.label})`, input: b.input });
  }
  for (const input of mutate) {
    for (const m of mutations(entry, entry.id, input)) {
      const k = JSON.stringify(m.input);
      if (seen.has(k)) continue;
      seen.add(k);
      cases.push({ id: entry.id, entry, ...m, label: `${m.path} ${m.mutation} ${JSON.stringify(valueAt(m.input, m.path)) ?? ''}` });
    }
  }
}

// ---------------------------------------------------------------- run
// An entry explains every disagreement of its actions x paths x mutations where ours gives its verdict.
const has = (list, x) => list === '*' || list.includes(x);
const explainOf = (c, verdict) => exceptions.find((e) => e.ours === verdict && has(e.actions, c.id) && has(e.paths, c.path) && has(e.mutations, c.mutation));
const used = new Set();
// Theirs declares no such field: its schema lets any value through unchecked (zod drops unknown keys).
const theirsKnows = (c) => !c.keys || c.mutation === 'field ours lacks' || c.entry.methods.some((m) => schemasAt(m.json, m.json, c.keys.slice(0, 1)).length);
const notDeclared = [];
const failures = [];
const counts = { cases: cases.length, actions: shared.size, weAccept: {}, weRefuse: {}, clientVsSchema: 0, explained: 0, unexplained: 0, notDeclared: 0 };
const rows = [];
for (const c of cases) {
  const ours = await ourClient(c.id, c.input);
  const viaAjv = ourSchema(c.id, c.input);
  const theirs = theirsAccept(c.entry, c.input);
  if (ours.ok !== viaAjv) {
    counts.clientVsSchema++;
    failures.push(`client ${ours.ok ? 'accepts' : 'rejects'}, our JSON Schema ${viaAjv ? 'accepts' : 'rejects'}: ${c.id} ${c.label}${ours.error ? ` (${ours.error.message.slice(0, 160)})` : ''}`);
  }
  if (ours.ok === theirs) {
    if (VERBOSE) console.log(`agree ${ours.ok ? 'accept' : 'refuse'} ${c.id} ${c.label}`);
    continue;
  }
  if (!ours.ok && !theirsKnows(c)) {
    counts.notDeclared++;
    notDeclared.push(`${c.id} ${c.path}`);
    continue;
  }
  const kind = c.mutation.startsWith('valid') ? 'valid input' : c.mutation;
  const side = ours.ok ? counts.weAccept : counts.weRefuse;
  side[kind] = (side[kind] ?? 0) + 1;
  const e = explainOf(c, ours.ok ? 'accepts' : 'rejects');
  if (e) {
    used.add(e);
    counts.explained++;
  } else {
    counts.unexplained++;
    failures.push(`unexplained: ours ${ours.ok ? 'accepts' : 'rejects'}, theirs ${theirs ? 'accepts' : 'rejects'}: ${c.id} ${c.label}${ours.error ? ` (${ours.error.message.slice(0, 160)})` : ''}`);
  }
  const why = ours.ok ? c.entry.methods.map((m) => m.schema.safeParse(c.input).error?.issues?.[0]).filter(Boolean).map((x) => `${x.path.join('.')}: ${x.message}`)[0] : ours.error.message;
  rows.push({ action: c.id, path: c.path, mutation: c.mutation, ours: ours.ok ? 'accepts' : 'rejects', explained: Boolean(e), value: JSON.stringify(valueAt(c.input, c.path)), why });
}
for (const u of unpaired) failures.push(`not compared: ${u}`);
if (shared.size < 100) failures.push(`only ${shared.size} shared actions found (expected 110): is the client's declaration format still the one read here?`);
const name = (e) => `${[].concat(e.actions).join(',')} ${[].concat(e.paths).join(',')} ${[].concat(e.mutations).join(',')} (ours ${e.ours})`;
for (const e of exceptions) if (!used.has(e)) failures.push(`stale exception (no such disagreement any more): ${name(e)}`);
for (const e of exceptions) if (!/\S/.test(e.reason ?? '')) failures.push(`exception without a reason: ${name(e)}`);

const sum = (o) => Object.values(o).reduce((a, b) => a + b, 0);
console.log(`@iterable/api ${apiVersion}: ${shared.size} shared actions (${[...shared.values()].reduce((n, e) => n + e.methods.length, 0)} methods); not compared: ${skipped.join('; ')}`);
console.log(`${cases.length} cases; disagreements with theirs: ${sum(counts.weAccept) + sum(counts.weRefuse)} (${counts.explained} explained by ${used.size} table entries, ${counts.unexplained} unexplained); client vs our JSON Schema: ${counts.clientVsSchema}`);
console.log(`refused by ours where theirs declares no such param (its schema passes any value through): ${counts.notDeclared}${VERBOSE ? ` (${[...new Set(notDeclared)].join('; ')})` : ''}`);
console.log('mutation               we accept, theirs refuses   we refuse, theirs accepts');
for (const k of [...new Set([...Object.keys(counts.weAccept), ...Object.keys(counts.weRefuse)])].sort()) {
  console.log(`${k.padEnd(22)} ${String(counts.weAccept[k] ?? 0).padStart(27)} ${String(counts.weRefuse[k] ?? 0).padStart(27)}`);
}
for (const f of failures) console.log(`FAIL ${f}`);
if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ counts, rows }, null, 2));
console.log(`differential: ${cases.length - failures.length} passed, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
