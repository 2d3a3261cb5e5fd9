#!/usr/bin/env node
// Our result types against a second witness of the real API: the official Node client
// @iterable/api (this repo's devDependency), which checks every answer with a zod schema.
//
//   node scripts/compare-results.mjs [--all] [--results path/to/results.json]
//
// Which of its methods is which of our actions is observed, not written down: each method runs
// against a recording stand-in for its HTTP client, which gives the method and path it requests
// and the schema it checks the answer with. Our side is pkg/results.json (built by
// scripts/build.mjs from defs/actions.json: the spec's result with the `result` overrides).
// Both are compared as JSON Schema, field by field:
//   - conflict: an answer their schema accepts that ours rejects (another type, a value outside our
//     enum, null where ours has none, a field ours requires and theirs may omit);
//   - gap: theirs knows a field or a shape that ours does not (ours unknown or missing the field).
// Each remaining difference must be explained in KEPT below (why ours stays as it is); any other
// makes the exit code 1. Prints, per shared action: agree, fixed (an override in defs/actions.json
// settled it), added (an action beyond the spec, typed from theirs), kept (explained differences)
// or differs, then the table of differences. A method of theirs that matches none of our actions
// fails too. --all adds where ours is merely looser or richer than theirs (never a failure).

import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadWitness } from './witness.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const ALL = argv.includes('--all');
const resultsPath = argv.includes('--results') ? argv[argv.indexOf('--results') + 1] : join(ROOT, 'pkg', 'results.json');
if (!existsSync(resultsPath)) {
  console.error(`${resultsPath} not found: build first (node scripts/build.mjs)`);
  process.exit(2);
}
const ours = JSON.parse(readFileSync(resultsPath, 'utf8'));
const defs = JSON.parse(readFileSync(join(ROOT, 'defs', 'actions.json'), 'utf8'));

// Differences that stay, each with the reason ours is kept: `${id} ${field}` -> reason.
const KEPT = {
  'get_embedded_messages placements[].embeddedMessages[].elements.text[].id':
    'a deprecated field (theirs says so too: label is the key); left out of our type so that new code does not start to read it',
};

// ------------------------------------------------------------------ the witness, observed
const { api, z, apiVersion, methods, observe, actionFor } = await loadWitness(ROOT, defs);

const witness = []; // { name, method, path, def, schemaName, theirs, kind }
for (const name of [...methods].sort()) {
  const o = await observe(name, {});
  if (o.requests.length !== 1) {
    witness.push({ name, problem: `made ${o.requests.length} requests` });
    continue;
  }
  const [req] = o.requests;
  const schemaName = o.schemas.at(-1);
  let theirs = null;
  let kind = 'json';
  if (schemaName) theirs = z.toJSONSchema(api[schemaName], { io: 'input', unrepresentable: 'any' });
  else {
    // No named schema: a text answer, checked inline or converted by the client itself.
    const t = await observe(name, 'a,b\n1,2\n');
    kind = t.accepted ? 'text' : 'unchecked';
  }
  witness.push({ name, ...req, def: actionFor(req), schemaName, theirs, kind });
}

// ------------------------------------------------------------------ comparison
const refOf = (root, s) => {
  for (let i = 0; s && s.$ref && i < 32; i++) s = { ...s.$ref.replace(/^#\/\$defs\//, '').split('/').reduce((n, k) => n?.[k], root.$defs), ...Object.fromEntries(Object.entries(s).filter(([k]) => k !== '$ref')) };
  return s ?? {};
};
/** A schema reduced to what comparison needs: types (integer counts as number), null, enum, object/array parts. */
function norm(root, s) {
  s = refOf(root, s);
  const alts = s.anyOf || s.oneOf;
  if (alts) {
    const parts = alts.map((a) => norm(root, a));
    const nonNull = parts.filter((p) => !(p.types.size === 1 && p.types.has('null')));
    const out = nonNull.length === 1 ? { ...nonNull[0] } : { types: new Set(nonNull.flatMap((p) => [...p.types])), any: nonNull.some((p) => p.any) };
    out.types = new Set(out.types);
    if (parts.length !== nonNull.length) out.types.add('null');
    if (s.description && !out.description) out.description = s.description;
    return out;
  }
  const raw = s.type === undefined ? [] : [].concat(s.type);
  const types = new Set(raw.map((t) => (t === 'integer' ? 'number' : t)));
  if (s.const !== undefined) {
    types.add(typeof s.const === 'number' ? 'number' : typeof s.const);
  }
  if (s.enum) for (const v of s.enum) types.add(v === null ? 'null' : typeof v === 'number' ? 'number' : typeof v);
  if (!types.size && s.properties) types.add('object');
  const out = { types, any: !types.size };
  if (s.enum || s.const !== undefined) out.enum = (s.enum ?? [s.const]).filter((v) => v !== null);
  if (s.properties) out.properties = s.properties;
  if (s.required) out.required = s.required;
  if (s.additionalProperties && typeof s.additionalProperties === 'object') out.values = s.additionalProperties;
  if (s.items) out.items = s.items;
  return out;
}
const show = (n) => {
  if (n.any) return 'unknown';
  const t = [...n.types].filter((x) => x !== 'null').map((x) => (x === 'array' ? 'array' : x));
  let s = n.enum ? n.enum.map((v) => JSON.stringify(v)).join('|') : t.join('|');
  if (n.types.has('null')) s += '|null';
  return s;
};

function compare(oRoot, o, tRoot, t, path, out) {
  const on = norm(oRoot, o), tn = norm(tRoot, t);
  if (tn.any) return;
  if (on.any) return out.push({ path, kind: 'gap', ours: 'unknown', theirs: show(tn) });
  const missing = [...tn.types].filter((x) => x !== 'null' && !on.types.has(x));
  if (missing.length) return out.push({ path, kind: 'conflict', ours: show(on), theirs: show(tn) });
  if (tn.types.has('null') && !on.types.has('null')) out.push({ path, kind: 'conflict', ours: show(on), theirs: show(tn), what: 'null' });
  if (on.enum && tn.enum) {
    const extra = tn.enum.filter((v) => !on.enum.includes(v));
    if (extra.length) out.push({ path, kind: 'conflict', ours: show(on), theirs: show(tn), what: 'enum' });
    else if (on.enum.length > tn.enum.length) out.push({ path, kind: 'looser', ours: show(on), theirs: show(tn) });
  } else if (on.enum && !tn.enum) out.push({ path, kind: 'stricter', ours: show(on), theirs: show(tn) });
  else if (!on.enum && tn.enum) out.push({ path, kind: 'looser', ours: show(on), theirs: show(tn) });
  if (tn.types.has('object')) {
    if (tn.properties) {
      if (!on.properties && !on.values) out.push({ path, kind: 'gap', ours: 'object (no fields)', theirs: `{${Object.keys(tn.properties).join(', ')}}` });
      else {
        for (const [k, ts] of Object.entries(tn.properties)) {
          const p = path ? `${path}.${k}` : k;
          const tReq = (tn.required ?? []).includes(k);
          if (on.properties && k in on.properties) {
            const oReq = (on.required ?? []).includes(k);
            if (oReq && !tReq) out.push({ path: p, kind: 'conflict', ours: 'required', theirs: 'optional', what: 'required' });
            compare(oRoot, on.properties[k], tRoot, ts, p, out);
          } else if (on.values) compare(oRoot, on.values, tRoot, ts, p, out);
          else out.push({ path: p, kind: 'gap', ours: 'absent', theirs: `${show(norm(tRoot, ts))}${tReq ? '' : '?'}` });
        }
        for (const k of Object.keys(on.properties ?? {})) if (!(k in tn.properties)) out.push({ path: path ? `${path}.${k}` : k, kind: 'richer', ours: show(norm(oRoot, on.properties[k])), theirs: 'absent' });
      }
    } else if (tn.values) {
      if (on.values) compare(oRoot, on.values, tRoot, tn.values, `${path}{}`, out);
      else if (on.properties) for (const [k, os] of Object.entries(on.properties)) compare(oRoot, os, tRoot, tn.values, path ? `${path}.${k}` : k, out);
    }
  }
  if (tn.types.has('array') && tn.items) {
    if (on.items) compare(oRoot, on.items, tRoot, tn.items, `${path}[]`, out);
    else out.push({ path: `${path}[]`, kind: 'gap', ours: 'unknown', theirs: show(norm(tRoot, tn.items)) });
  }
}

// ------------------------------------------------------------------ report
const shared = new Map(); // action id -> rows
const unmatched = [];
const textOnly = [];
for (const w of witness) {
  if (w.problem) {
    unmatched.push(`${w.name}: ${w.problem}`);
    continue;
  }
  if (!w.def) {
    unmatched.push(`${w.name}: ${w.method} ${w.path} has no action in defs/actions.json`);
    continue;
  }
  const id = w.def.id;
  const entry = shared.get(id) ?? { id, methods: [], diffs: [], note: '' };
  entry.methods.push(w.name);
  shared.set(id, entry);
  if (entry.methods.length > 1) continue; // same request, same schema (aliases, blast/triggered create)
  const mine = ours[id];
  if (w.def.response !== 'json') {
    entry.note = `${w.def.response} answer; theirs ${w.schemaName ? `checks its own conversion of it (${w.schemaName})` : w.kind === 'text' ? 'reads it as text' : 'parses it'}`;
    if (mine?.type !== 'string' && !Array.isArray(mine?.type) && w.def.response !== 'jsonl') entry.diffs.push({ path: '$', kind: 'conflict', ours: JSON.stringify(mine), theirs: 'text' });
    textOnly.push(id);
    continue;
  }
  if (!w.theirs) {
    entry.diffs.push({ path: '$', kind: w.kind === 'text' ? 'conflict' : 'unchecked', ours: show(norm(mine, mine)), theirs: w.kind === 'text' ? 'text' : 'not checked' });
    continue;
  }
  entry.schema = w.schemaName;
  compare(mine, mine, w.theirs, w.theirs, '', entry.diffs);
}

const failing = (d) => d.kind === 'conflict' || d.kind === 'gap';
let unexplained = 0;
const rows = [];
const verdicts = { agree: 0, fixed: 0, added: 0, kept: 0, differs: 0 };
const defsById = new Map(defs.map((d) => [d.id, d]));
for (const e of [...shared.values()].sort((a, b) => a.id.localeCompare(b.id))) {
  const overrides = Object.keys(defsById.get(e.id).result ?? {});
  let keptHere = 0;
  for (const d of e.diffs) {
    const reason = KEPT[`${e.id} ${d.path || '$'}`];
    if (failing(d)) {
      if (reason) keptHere++;
      else unexplained++;
    }
    if (failing(d) || ALL) rows.push([e.id, d.path || '$', d.kind, d.ours, d.theirs, failing(d) ? (reason ? `kept: ${reason}` : 'UNEXPLAINED') : '']);
  }
  const open = e.diffs.filter((d) => failing(d) && !KEPT[`${e.id} ${d.path || '$'}`]).length;
  e.verdict = open ? 'differs' : keptHere ? 'kept' : defsById.get(e.id).source ? 'added' : overrides.length ? 'fixed' : 'agree';
  verdicts[e.verdict]++;
  e.overrides = overrides;
}

console.log(`@iterable/api ${apiVersion}: ${methods.size} methods, ${shared.size} of our actions (by method and path); ours from ${resultsPath}\n`);
const w1 = Math.max(...[...shared.keys()].map((k) => k.length));
for (const e of [...shared.values()].sort((a, b) => a.id.localeCompare(b.id))) {
  const extra = [e.schema && `vs ${e.schema}`, e.note, e.overrides.length && `overrides: ${e.overrides.join(', ')}`].filter(Boolean).join('; ');
  console.log(`${e.verdict.padEnd(7)}  ${e.id.padEnd(w1)}  ${e.methods.join(', ')}${extra ? `  (${extra})` : ''}`);
}
if (unmatched.length) console.log(`\nnot in our catalog:\n  ${unmatched.join('\n  ')}`);
if (rows.length) {
  const head = ['action', 'field', 'kind', 'ours', 'theirs', 'verdict'];
  const widths = head.map((h, i) => Math.min(60, Math.max(h.length, ...rows.map((r) => String(r[i]).length))));
  const fmt = (r) => r.map((c, i) => String(c).slice(0, 60).padEnd(widths[i])).join('  ').trimEnd();
  console.log(`\n${fmt(head)}\n${widths.map((n) => '-'.repeat(n)).join('  ')}`);
  for (const r of rows) console.log(fmt(r));
}
const stale = Object.keys(KEPT).filter((k) => {
  const [id, path] = k.split(' ');
  return !shared.get(id)?.diffs.some((d) => failing(d) && (d.path || '$') === path);
});
for (const k of stale) console.log(`stale explanation (no such difference any more): ${k}`);
console.log(`\nactions: ${verdicts.agree} agree, ${verdicts.fixed} fixed, ${verdicts.added} added beyond the spec, ${verdicts.kept} kept, ${verdicts.differs} differ; methods not in our catalog: ${unmatched.length}`);
const bad = unexplained + stale.length + unmatched.length;
console.log(`compare-results: ${shared.size - verdicts.differs} passed, ${verdicts.differs + stale.length + unmatched.length} failed`);
process.exit(bad ? 1 : 0);
