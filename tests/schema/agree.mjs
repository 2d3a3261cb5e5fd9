#!/usr/bin/env node
// Validation, the catalog's JSON Schema and the .d.ts agree, rule kind by rule kind.
//
//   node tests/schema/agree.mjs [--verbose] [--no-tsc]
//
// Every input below goes through
//   - the client (pkg/index.node.js): rejected = a ValidationError with no request sent; accepted =
//     a request reaches the (stub) fetch;
//   - ajv (draft 2020-12, strict) over the published `inputSchema`, with the catalog's two keywords
//     that JSON Schema has no word for: x-iterable-max-bytes (UTF-8 length) and
//     x-iterable-max-future-days (a date at most N days after now; the client allows an hour of
//     clock difference, so cases stay days away from the bound);
//   - for the rule kinds TypeScript can state (types, enums, groups, nested shapes' required fields
//     and enums), tsc over the published declarations: a rejected input must be a type error
//     (`@ts-expect-error`), an accepted one must compile.
// The client and ajv must give the same verdict on every input, and the verdict expected where the
// case states one. Inputs: the contract audit's examples (each names its finding), then for every
// action every rule its definition holds, on each param, array item and nested field: one input at
// each side of the rule. Prints a table of rule kinds and `schema: N passed, M failed`.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildInput } from '../prism/inputs.mjs';
import { schemaOracle } from './ajv.mjs';
import { clientOracle } from './client.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const VERBOSE = process.argv.includes('--verbose');
const NO_TSC = process.argv.includes('--no-tsc');
const DAY_MS = 86_400_000;

const { IterableClient, actions } = await import(pathToFileURL(join(ROOT, 'pkg', 'index.node.js')).href);
const sharedSpec = join(ROOT, '..', 'shared', 'iterable', 'openapi.prism.json');
const spec = JSON.parse(readFileSync(existsSync(sharedSpec) ? sharedSpec : join(ROOT, 'defs', 'openapi.json'), 'utf8'));
const defs = JSON.parse(readFileSync(join(ROOT, 'defs', 'actions.json'), 'utf8'));
const defById = new Map(defs.map((d) => [d.id, d]));
const byId = new Map(actions.map((a) => [a.id, a]));

const ajvAccepts = schemaOracle(actions);

// ---------------------------------------------------------------- the client, with a stub fetch
const { accepts: clientAccepts, sent: sentCount } = clientOracle(IterableClient);

// ---------------------------------------------------------------- cases
const cases = []; // { kind, id, label, input, expect?: boolean, ts?: boolean }
const add = (kind, id, label, input, expect, ts = TS_KINDS.has(kind)) => cases.push({ kind, id, label, input, expect, ts });
// The kinds TypeScript can state; the others are checked by validation and the schema only.
const TS_KINDS = new Set(['type', 'enum', 'items enum', 'requireOneOf', 'exclusive', 'together', 'nested required', 'nested enum', 'nested groups']);

const future = (days, form) => {
  const d = new Date(Date.now() + days * DAY_MS).toISOString().slice(0, 19);
  return form === 'ISO 8601' ? `${d}Z` : d.replace('T', ' ');
};

// The contract audit's examples, by finding.
const audit = [
  [0, 'requireOneOf', 'create_new_campaign', 'triggered campaign: no listIds', { name: 'Welcome', templateId: 1 }, true],
  [0, 'minItems', 'create_new_campaign', 'listIds: [] (a blast needs lists)', { name: 'Spring', templateId: 1, listIds: [] }, false],
  [1, 'required', 'create_catalog_items', 'no replaceUploadedFieldsOnly', { catalogName: 'products', documents: { a: { n: 1 } } }, true],
  [4, 'exclusive', 'export_data_to_csv', 'range and startDateTime', { dataTypeName: 'user', range: 'All', startDateTime: '2024-01-01 00:00:00', endDateTime: '2024-02-01 00:00:00' }, false],
  [5, 'exclusive', 'export_campaign_data_to_json', 'range and startDateTime', { dataTypeName: 'user', range: 'All', startDateTime: '2024-01-01 00:00:00', endDateTime: '2024-02-01 00:00:00' }, false],
  [41, 'together', 'export_data_to_csv', 'startDateTime without endDateTime', { dataTypeName: 'user', startDateTime: '2024-01-01 00:00:00' }, false],
  [41, 'together', 'export_data_to_csv', 'startDateTime with endDateTime', { dataTypeName: 'user', startDateTime: '2024-01-01 00:00:00', endDateTime: '2024-02-01 00:00:00' }, true],
  [6, 'exclusive', 'merge_users', 'sourceEmail and sourceUserId', { sourceEmail: 'a@example.com', sourceUserId: 'u1', destinationUserId: 'u2' }, false],
  [6, 'exclusive', 'merge_users', 'one source, one destination', { sourceUserId: 'u1', destinationUserId: 'u2' }, true],
  [25, 'preferOne', 'track_event', 'email and userId (Iterable resolves them)', { eventName: 'e', email: 'a@example.com', userId: 'u1' }, true],
  [45, 'maxFutureDays', 'create_new_campaign', 'sendAt 30 days ahead', { name: 'n', templateId: 1, listIds: [1], sendAt: future(30) }, false],
  [45, 'maxFutureDays', 'create_new_campaign', 'sendAt 10 days ahead', { name: 'n', templateId: 1, listIds: [1], sendAt: future(10) }, true],
  [46, 'maxFutureDays', 'schedule_campaign', 'sendAt 9 days ahead', { campaignId: 1, sendAt: future(9, 'ISO 8601') }, false],
  [46, 'maxFutureDays', 'schedule_campaign', 'sendAt 5 days ahead', { campaignId: 1, sendAt: future(5, 'ISO 8601') }, true],
  [47, 'maxLength', 'create_snippet', 'a 300-character name', { name: 'n'.repeat(300), content: 'x' }, false],
  [47, 'chars', 'create_snippet', 'a name with "!"', { name: 'Footer!', content: 'x' }, false],
  [48, 'maxBytes', 'track_event', 'an id of 513 bytes', { eventName: 'e', email: 'a@example.com', id: 'x'.repeat(511) + 'é' }, false],
  [48, 'maxBytes', 'track_event', 'an id of 512 bytes', { eventName: 'e', email: 'a@example.com', id: 'x'.repeat(510) + 'é' }, true],
  [49, 'maxBytes', 'track_purchase', 'an id of 600 bytes', { user: { email: 'a@example.com' }, items: [{ id: 'p', name: 'P', price: 1, quantity: 1 }], total: 1, id: 'é'.repeat(300) }, false],
  [50, 'minItems', 'trigger_campaign', 'listIds: []', { campaignId: 1, listIds: [] }, false],
  [51, 'maxItems', 'update_push_template', 'four buttons', { templateId: 1, buttons: Array.from({ length: 4 }, (_, i) => ({ identifier: `b${i}`, title: 'B', openApp: true })) }, false],
  [51, 'nested enum', 'update_push_template', 'buttonType "bogus"', { templateId: 1, buttons: [{ identifier: 'b', title: 'B', openApp: true, buttonType: 'bogus' }] }, false],
  [57, 'date form', 'create_new_campaign', 'sendAt in ISO 8601', { name: 'n', templateId: 1, listIds: [1], sendAt: '2024-01-01T00:00:00Z' }, false],
  [61, 'date form', 'update_inapp_template', 'expirationDateTime with a zone', { templateId: 1, expirationDateTime: '2030-01-01 00:00:00 +01:00' }, false],
  [61, 'date form', 'update_inapp_template', 'expirationDateTime in UTC', { templateId: 1, expirationDateTime: '2030-01-01 00:00:00' }, true],
  [64, 'enum', 'get_embedded_messages', 'platform "OTT"', { email: 'a@example.com', platform: 'OTT' }, false],
  [65, 'items enum', 'list_all_campaigns', 'campaignState "Bogus"', { campaignState: ['Running', 'Bogus'] }, false],
  [67, 'enum any case', 'subscribe_user_by_id', 'subscriptionGroup "EMAILLIST"', { subscriptionGroup: 'EMAILLIST', subscriptionGroupId: 1, userId: 'u1' }, true],
  [67, 'enum any case', 'subscribe_user_by_id', 'subscriptionGroup "emailLists"', { subscriptionGroup: 'emailLists', subscriptionGroupId: 1, userId: 'u1' }, false],
  [72, 'enum', 'bulk_subscription_action', 'action "resubscribe"', { subscriptionGroup: 'emailList', subscriptionGroupId: 1, action: 'resubscribe', users: ['a@example.com'] }, false],
  [43, 'requireOneOf', 'bulk_subscription_action', 'neither users nor usersByUserId', { subscriptionGroup: 'emailList', subscriptionGroupId: 1, action: 'subscribe' }, false],
  [55, 'minimum', 'get_user_events', 'limit 0', { userId: 'u1', limit: 0 }, false],
  [55, 'maximum', 'get_user_events', 'limit 201', { userId: 'u1', limit: 201 }, false],
  [74, 'enum', 'list_all_templates', 'sort "-startAt"', { sort: '-startAt' }, false],
  [75, 'nested enum', 'update_catalog_field_mappings', 'fieldType "text"', { catalogName: 'c', mappingsUpdates: [{ fieldName: 'f', fieldType: 'text' }] }, false],
  [97, 'chars', 'get_metadata_item', 'table "product_info"', { table: 'product_info', key: 'k1' }, false],
  [114, 'nested required', 'schedule_campaign', 'recipientTimeZone without startTimeZone', { campaignId: 1, sendAt: future(1, 'ISO 8601'), recipientTimeZone: { defaultTimeZone: 'UTC' } }, false],
  [115, 'nested enum', 'track_embedded_click', 'deviceInfo.platform "ios"', { messageId: 'm', email: 'a@example.com', deviceInfo: { deviceId: 'd', platform: 'ios', appPackageName: 'p' } }, false],
  [123, 'nested required', 'update_email_template', 'a linkParam without value', { templateId: 1, linkParams: [{ key: 'utm_source' }] }, false],
  [128, 'nested required', 'register_device_token', 'a device without token', { email: 'a@example.com', device: { platform: 'GCM', applicationName: 'app' } }, false],
  [129, 'nested required', 'track_purchase', 'an item without price', { user: { email: 'a@example.com' }, items: [{ id: 'p', name: 'P', quantity: 1 }], total: 1 }, false],
  [131, 'nested groups', 'track_events_in_bulk', 'an event without email or userId', { events: [{ eventName: 'e', email: 'a@example.com' }, { eventName: 'e' }] }, false],
];
for (const [finding, kind, id, label, input, expect] of audit) add(kind, id, `audit #${finding}: ${label}`, input, expect);

// Every rule of every action, at each side.
const clone = (v) => structuredClone(v);
const NOT = 'NotAValue';
function valueRules(kindPrefix, id, where, s, base, set) {
  // s: the value's JSON Schema; set(v): the whole input with the value replaced
  const k = (x) => (kindPrefix ? `${kindPrefix} ${x}` : x);
  if (Array.isArray(s.enum) && s.type === 'string') add(k('enum'), id, `${where} "${NOT}"`, set(NOT), false);
  if (Array.isArray(s.examples) && s.pattern) {
    add('enum any case', id, `${where} upper case`, set(s.examples[0].toUpperCase()), true);
    add('enum any case', id, `${where} "x${s.examples[0]}"`, set(`x${s.examples[0]}`), false);
  }
  if (s.pattern?.startsWith('^[')) {
    // a character outside the class: "!" for a list of allowed ones, the first refused one for "^..."
    const bad = s.pattern[2] === '^' ? s.pattern[3] : '!';
    add('chars', id, `${where} with "${bad}"`, set(`${base}${bad}`), false);
    add('chars', id, `${where} ${JSON.stringify(base)} (sample)`, set(base), true);
  } else if (s.pattern?.includes('@')) {
    // email: what Iterable's validator surely refuses, refused; what it takes, taken
    for (const bad of ['not-an-email', 'user@', '@example.com', 'user@example.com.', 'user@exa mple.com']) add('email', id, `${where} ${JSON.stringify(bad)}`, set(bad), false);
    for (const ok of [base, '"a b"@example.com', 'user+tag@[::1]', 'ünï@exämple.de']) add('email', id, `${where} ${JSON.stringify(ok)}`, set(ok), true);
  } else if (s.pattern && !s.examples) {
    add('date form', id, `${where} "not-a-date"`, set('not-a-date'), false);
    add('date form', id, `${where} ${JSON.stringify(base)} (sample)`, set(base), true);
    const other = base.includes('T') ? base.replace('T', ' ').replace(/Z$/, '') : `${base.replace(' ', 'T')}Z`;
    // (a form that takes either separator takes the other form too)
    add('date form', id, `${where} ${JSON.stringify(other)} (the other form)`, set(other), s.pattern.includes('[ T]'));
    if (s.pattern.includes('[ T]')) add('date form', id, `${where} with a zone after a space`, set(`${base.replace('T', ' ').replace(/Z$/, '')} +01:00`), true);
    add('date form', id, `${where} month 13`, set(base.replace(/-\d\d-/, '-13-')), false);
  }
  if (s.maxLength !== undefined && s['x-iterable-max-bytes'] === undefined) {
    const ok = s.pattern ? (/a-z/.test(s.pattern) ? 'a' : '1') : 'a';
    add('maxLength', id, `${where} ${s.maxLength} characters`, set(ok.repeat(s.maxLength)), s.pattern ? undefined : true);
    add('maxLength', id, `${where} ${s.maxLength + 1} characters`, set(ok.repeat(s.maxLength + 1)), false);
  }
  if (s['x-iterable-max-bytes'] !== undefined) {
    const n = s['x-iterable-max-bytes'];
    add('maxBytes', id, `${where} ${n} bytes in ${n / 2} characters`, set('é'.repeat(n / 2)), true);
    add('maxBytes', id, `${where} ${n + 2} bytes in ${n / 2 + 1} characters`, set('é'.repeat(n / 2 + 1)), false);
  }
  if (s.minLength !== undefined && s['x-iterable-in'] !== 'path') add('minLength', id, `${where} ""`, set(''), false);
  if (s.minimum !== undefined && s.minimum !== -(2 ** 31)) {
    add('minimum', id, `${where} ${s.minimum - 1}`, set(s.minimum - 1), false);
    add('minimum', id, `${where} ${s.minimum}`, set(s.minimum), true);
  }
  if (s.maximum !== undefined && s.maximum !== 2 ** 31 - 1) {
    add('maximum', id, `${where} ${s.maximum + 1}`, set(s.maximum + 1), false);
    add('maximum', id, `${where} ${s.maximum}`, set(s.maximum), true);
  }
  if (s['x-iterable-max-future-days'] !== undefined) {
    const form = s.pattern.includes('T') ? 'ISO 8601' : 'utc';
    add('maxFutureDays', id, `${where} ${s['x-iterable-max-future-days'] + 3} days ahead`, set(future(s['x-iterable-max-future-days'] + 3, form)), false);
    add('maxFutureDays', id, `${where} 1 day ahead`, set(future(1, form)), true);
  }
  if (s.type === 'array') {
    const item = Array.isArray(base) && base.length ? base[0] : undefined;
    if (s.minItems !== undefined) add('minItems', id, `${where} ${s.minItems - 1} items`, set(Array(s.minItems - 1).fill(item)), false);
    if (s.maxItems !== undefined && item !== undefined) add('maxItems', id, `${where} ${s.maxItems + 1} items`, set(Array(s.maxItems + 1).fill(item)), false);
    if (item !== undefined && s.items) valueRules(s.items.properties ? 'nested' : 'items', id, `${where}[0]`, s.items, item, (v) => set([v, ...base.slice(1)]));
  }
  if (s.propertyNames && base && typeof base === 'object' && !Array.isArray(base)) {
    // an object map: a key outside its class refused, and values checked where they sit
    const [k0, v0] = Object.entries(base)[0] ?? ['k', {}];
    const p = s.propertyNames.pattern ?? '';
    const bad = p.startsWith('^[^') ? `a${p[3]}b` : 'a b!';
    add('map keys', id, `${where} key ${JSON.stringify(bad)}`, set({ ...base, [bad]: v0 }), false);
    add('map keys', id, `${where} key ${JSON.stringify(k0)} (sample)`, set(base), true);
    if (s.propertyNames.maxLength) add('map keys', id, `${where} key of ${s.propertyNames.maxLength + 1} characters`, set({ ...base, ['a'.repeat(s.propertyNames.maxLength + 1)]: v0 }), false);
    if (s.propertyNames.minLength) add('map keys', id, `${where} key ""`, set({ ...base, '': v0 }), false);
  }
  const values = s.additionalProperties && typeof s.additionalProperties === 'object' ? s.additionalProperties : null;
  if (values && base && typeof base === 'object' && !Array.isArray(base)) {
    for (const [k, v] of Object.entries(base).slice(0, 1)) {
      add('map values', id, `${where}.${k} given 12345`, set({ ...base, [k]: 12345 }), values.type === 'integer' || values.type === 'number' ? undefined : false);
      valueRules('map', id, `${where}.${k}`, values, v, (x) => set({ ...base, [k]: x }));
    }
  }
  if (s.properties && base && typeof base === 'object' && !Array.isArray(base)) {
    for (const f of s.required ?? []) {
      const { [f]: _gone, ...rest } = base;
      add('nested required', id, `${where}.${f} missing`, set(rest), false);
    }
    for (const g of s.anyOf ?? []) {
      const rest = clone(base);
      for (const alt of s.anyOf) delete rest[alt.required[0]];
      add('nested groups', id, `${where} without ${s.anyOf.map((x) => x.required[0]).join(' or ')}`, set(rest), false);
      void g;
      break;
    }
    for (const [f, fs] of Object.entries(s.properties)) {
      if (base[f] === undefined) continue;
      valueRules('nested', id, `${where}.${f}`, { ...fs, 'x-iterable-in': undefined }, base[f], (v) => set({ ...base, [f]: v }));
    }
  }
}

for (const a of actions) {
  const def = defById.get(a.id);
  const full = buildInput(def, spec, { full: true });
  const minimal = buildInput(def, spec);
  add('type', a.id, 'minimal input', minimal, true);
  add('type', a.id, 'full input', full, true);
  for (const [name, s] of Object.entries(a.inputSchema.properties)) {
    if (full[name] === undefined) continue;
    const wrong = s.type === 'string' ? 12345 : s.type === 'object' ? 'not-an-object' : s.type === 'array' ? { not: 'an array' } : 'text';
    add('type', a.id, `${name} given ${JSON.stringify(wrong)}`, { ...full, [name]: wrong }, false);
    valueRules('', a.id, name, s, full[name], (v) => ({ ...full, [name]: v }));
  }
  const sampleOf = (m) => buildInput(def, spec, { full: true, only: [m] })[m];
  for (const g of a.requireOneOf) {
    const rest = { ...minimal };
    for (const m of g) delete rest[m];
    for (const t of a.together) if (t.some((m) => g.includes(m))) for (const m of t) delete rest[m];
    add('requireOneOf', a.id, `none of ${g.join(', ')}`, rest, false);
  }
  for (const g of a.exclusive) {
    const both = { ...minimal };
    for (const m of g) for (const x of [m, ...a.together.filter((t) => t.includes(m)).flat()]) both[x] = sampleOf(x);
    add('exclusive', a.id, `${g.join(' and ')} both`, both, false);
  }
  for (const g of a.together) {
    const rest = { ...minimal };
    for (const x of a.exclusive) if (x.some((m) => g.includes(m))) for (const m of x) if (!g.includes(m)) delete rest[m];
    for (const m of g) delete rest[m];
    for (const m of g.slice(1)) add('together', a.id, `${g[0]} without ${m}`, { ...rest, [g[0]]: sampleOf(g[0]) }, false);
    const all = { ...rest };
    for (const m of g) all[m] = sampleOf(m);
    add('together', a.id, `${g.join(' and ')} all`, all, true);
  }
  for (const g of a.preferOne) {
    const both = { ...minimal };
    for (const m of g) both[m] = sampleOf(m);
    add('preferOne', a.id, `${g.join(' and ')} both`, both, true);
  }
}

// ---------------------------------------------------------------- run
const failures = [];
const kinds = new Map();
for (const c of cases) {
  const viaClient = await clientAccepts(c.id, c.input);
  const viaAjv = ajvAccepts(c.id, c.input);
  c.verdict = viaClient.ok;
  const row = kinds.get(c.kind) ?? { cases: 0, rejected: 0, failed: 0, ts: 0 };
  kinds.set(c.kind, row);
  row.cases++;
  if (!viaClient.ok) row.rejected++;
  const problems = [];
  if (viaClient.ok !== viaAjv) problems.push(`client ${viaClient.ok ? 'accepts' : 'rejects'}, ajv ${viaAjv ? 'accepts' : 'rejects'}`);
  if (c.expect !== undefined && viaClient.ok !== c.expect) problems.push(`expected ${c.expect ? 'accepted' : 'rejected'}`);
  if (!viaClient.ok && !(viaClient.error.issues?.length > 0)) problems.push('a ValidationError without issues');
  if (problems.length) {
    row.failed++;
    failures.push(`${c.kind} ${c.id}: ${c.label}: ${problems.join('; ')}${viaClient.error ? ` (${viaClient.error.message.slice(0, 200)})` : ''}`);
  } else if (VERBOSE) console.log(`ok ${c.kind} ${c.id}: ${c.label}${viaClient.error ? ` -> ${viaClient.error.message.slice(0, 160)}` : ''}`);
}

// tsc over the kinds TypeScript states: rejected inputs must not compile, accepted ones must.
let tscFailures = [];
const tsCases = cases.filter((c) => c.ts);
if (!NO_TSC) {
  const work = mkdtempSync(join(tmpdir(), 'iterable-schema-'));
  try {
    const camel = (id) => id.replace(/_([a-z0-9])/g, (_, x) => x.toUpperCase());
    const lines = ['import { IterableClient } from "iterable-wasm";', 'declare const client: IterableClient;', 'export async function all(): Promise<void> {'];
    const where = new Map();
    for (const c of tsCases) {
      if (!c.verdict) {
        where.set(lines.length + 1, c);
        lines.push(`  // @ts-expect-error ${c.kind}`);
      } else where.set(lines.length + 1, c);
      lines.push(`  await client.${camel(c.id)}(${JSON.stringify(c.input)});`);
    }
    lines.push('}', '');
    writeFileSync(join(work, 'cases.ts'), lines.join('\n'));
    const base = JSON.parse(readFileSync(join(ROOT, 'tests', 'ts', 'tsconfig.json'), 'utf8').replace(/^\s*\/\/.*$/gm, ''));
    writeFileSync(join(work, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...base.compilerOptions, paths: { 'iterable-wasm': [join(ROOT, 'pkg', 'index.d.ts')] } }, files: [join(work, 'cases.ts')] }));
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', work, '--pretty', 'false'], { encoding: 'utf8', timeout: 300_000 });
    for (const line of `${r.stdout}${r.stderr}`.split('\n')) {
      const m = /cases\.ts\((\d+),\d+\): error (TS\d+): (.*)$/.exec(line);
      if (!m) continue;
      const c = where.get(Number(m[1])) ?? where.get(Number(m[1]) - 1);
      const what = m[2] === 'TS2578' ? 'the declarations accept an input validation rejects' : `the declarations reject an input validation accepts: ${m[3].slice(0, 160)}`;
      tscFailures.push(`${c ? `${c.kind} ${c.id}: ${c.label}` : `line ${m[1]}`}: ${what}`);
      if (c) kinds.get(c.kind).failed++;
    }
    if (r.status !== 0 && !tscFailures.length) tscFailures.push(`tsc failed: ${(r.stdout || r.stderr || String(r.error)).slice(0, 500)}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  for (const c of tsCases) kinds.get(c.kind).ts++;
}

console.log('rule kind              cases  rejected  in tsc  failed');
for (const [k, r] of [...kinds].sort()) console.log(`${k.padEnd(21)} ${String(r.cases).padStart(6)} ${String(r.rejected).padStart(9)} ${String(r.ts).padStart(7)} ${String(r.failed).padStart(7)}`);
for (const f of [...failures, ...tscFailures]) console.log(`FAIL ${f}`);
const failed = failures.length + tscFailures.length;
console.log(`${cases.length} inputs over ${actions.length} actions (${tsCases.length} also through tsc${NO_TSC ? ', skipped' : ''}); requests sent for accepted inputs: ${sentCount()}`);
console.log(`schema: ${cases.length + (NO_TSC ? 0 : tsCases.length) - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
