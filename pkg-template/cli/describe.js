// `describe <id>` (one action in a screenful: an example command line, params with every enum
// value, what is required and which "one of" groups, flags; the whole entry with --json).
// describeText also heads `<id> --help` and the resource commands' help. (`actions` is listing.cjs.)
import { flagsOf, isPaginated, typeOf } from './catalog.cjs';
import { findAction, positionalParam } from './find.js';
import { CliError, NAME, WIDTH, write } from './base.cjs';
import { callSends, sendsText } from '../sends.js';

/** Words wrapped to `width` columns, the first line indented by `first`, the others by `indent`. */
export function wrap(text, width = WIDTH, indent = '', first = indent) {
  const lines = [];
  let line = '';
  for (const word of String(text).split(/\s+/).filter(Boolean)) {
    if (line && (line + ' ' + word).length > width) {
      lines.push(line);
      line = indent + word;
    } else line = line ? line + ' ' + word : first + word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

/** The name of a form the catalog writes as a pattern (recognised by what it takes), or the pattern. */
function formOf(pattern) {
  const cls = /^\^\[(\^?)(.*)\]\*\$$/.exec(pattern);
  if (cls) return cls[1] ? `none of the characters [${cls[2]}]` : `only the characters [${cls[2]}]`;
  const re = new RegExp(pattern, 'u');
  if (re.test('user@example.com') && !re.test('user')) return 'an email address';
  if (re.test('2024-01-31 23:59:59 +01:00') && re.test('2024-01-31T23:59:59Z')) return 'yyyy-MM-dd HH:mm:ss with or without a zone, or ISO 8601';
  if (re.test('2024-01-31 23:59:59') && !re.test('2024-01-31T23:59:59Z')) return 'yyyy-MM-dd HH:mm:ss (UTC, no zone)';
  if (re.test('2024-01-31T23:59:59Z') && !re.test('2024-01-31 23:59:59')) return 'ISO 8601 date and time';
  return `matching ${pattern}`;
}

/** A value's rules in words, from its JSON Schema: forms, bounds, enum, default. */
export function rulesOf(s) {
  const r = [];
  if (Array.isArray(s.enum)) r.push(`one of: ${s.enum.slice(0, 12).join(', ')}${s.enum.length > 12 ? ', …' : ''}`);
  else if (Array.isArray(s.examples) && s.pattern) r.push(`one of (any letter case): ${s.examples.join(', ')}`);
  else if (s.pattern) r.push(formOf(s.pattern));
  const range = (lo, hi, unit) => {
    if (lo !== undefined && hi !== undefined) r.push(`${lo} to ${hi}${unit}`);
    else if (lo !== undefined) r.push(`at least ${lo}${unit}`);
    else if (hi !== undefined) r.push(`at most ${hi}${unit}`);
  };
  range(s.minLength, s['x-iterable-max-bytes'] === s.maxLength ? undefined : s.maxLength, ' characters');
  if (s['x-iterable-max-bytes'] !== undefined) r.push(`at most ${s['x-iterable-max-bytes']} bytes (UTF-8)`);
  range(s.minItems, s.maxItems, ' items');
  if (s.format !== 'int32') range(s.minimum, s.maximum, '');
  if (s['x-iterable-max-future-days'] !== undefined) r.push(`at most ${s['x-iterable-max-future-days']} days ahead`);
  if (s.default !== undefined) r.push(`default ${JSON.stringify(s.default)}`);
  // an object map: its keys' rules and each value's
  const keys = s.propertyNames ? rulesOf(s.propertyNames) : [];
  if (keys.length) r.push(`keys: ${keys.join(', ')}`);
  const values = s.additionalProperties && typeof s.additionalProperties === 'object' ? s.additionalProperties : null;
  if (values) r.push(`each value ${values.type ?? 'any'}${rulesOf(values).length ? ` (${rulesOf(values).join('; ')})` : ''}`);
  return r;
}

/** The rules between an object's members in words, from its JSON Schema (and the catalog's preferOne). */
export function groupsOf(s, preferOne = []) {
  const out = [];
  const req = (list) => list.map((x) => x.required.join(', '));
  for (const part of [s, ...(s.allOf ?? [])]) {
    if (part.oneOf) out.push(`exactly one of ${req(part.oneOf).join(', ')}`);
    if (part.anyOf) out.push(`at least one of ${req(part.anyOf).join(', ')}`);
    if (part.not?.required) out.push(`not both ${part.not.required.join(' and ')}`);
  }
  const seen = new Set();
  for (const [k, others] of Object.entries(s.dependentRequired ?? {})) {
    const g = [k, ...others].sort().join(' and ');
    if (!seen.has(g)) out.push(`${[k, ...others].join(' and ')} together or not at all`);
    seen.add(g);
  }
  for (const g of preferOne) out.push(`preferably one of ${g.join(', ')} (several are accepted; Iterable resolves them)`);
  return out;
}


/** A command line in lines of at most `width` columns, each but the last ending in " \\" (so it
 * still pastes into a shell), the continuation indented by four more spaces. */
/** `line` as it is when it fits in WIDTH columns, else its words wrapped under `indent`. */
const fits = (line, indent) => (line.length <= WIDTH ? line : wrap(line, WIDTH, indent, /^ */.exec(line)[0]));

export function shellLines(line, indent = '  ', width = WIDTH) {
  const lines = wrap(line, width - 2, indent + '    ', indent).split('\n');
  return lines.map((l, i) => (i < lines.length - 1 ? l + ' \\' : l));
}

/** A sample value of a param for an example command line. */
function sample(name, s) {
  if (Array.isArray(s?.enum) && s.enum.length) return String(s.enum[0]);
  const t = typeOf(s);
  if (/email/i.test(name) && t === 'string') return 'ada@example.com';
  if (t === 'integer' || t === 'number') return '123';
  if (t === 'boolean') return 'true';
  if (t === 'array') return typeOf(s.items) === 'object' ? `'[{"…":"…"}]'` : typeOf(s.items) === 'integer' ? '1,2' : 'a,b';
  if (t === 'object') return typeOf(s.additionalProperties) === 'object' ? `'{"item-1":{"key":"value"}}'` : `'{"key":"value"}'`;
  if (s?.format === 'date-time' || /date/i.test(name)) return '2024-01-31T00:00:00Z';
  return /id$/i.test(name) ? 'abc123' : 'text';
}

/** One example command line: every required param, the first of each "one of" group. */
export function exampleLine(a, prefix = `${NAME} ${a.id}`) {
  const props = a.inputSchema?.properties ?? {};
  const names = [...(a.inputSchema?.required ?? [])];
  for (const g of a.requireOneOf ?? []) if (!g.some((p) => names.includes(p))) names.push(g[0]);
  const pos = positionalParam(a);
  const parts = names.map((k) => (k === pos ? sample(k, props[k]) : `${k}=${sample(k, props[k])}`));
  return [prefix, ...parts, a.irreversible || callSends(a, {}) ? '--yes' : ''].filter(Boolean).join(' ');
}

/** A row per member of an object, nested shapes' members indented under their param. */
function rowsOf(schema, required, groupOf, depth = 0) {
  return Object.entries(schema?.properties ?? {}).flatMap(([k, s]) => {
    const item = typeOf(s) === 'array' && s.items ? s.items : null;
    const type = [typeOf(s) ?? 'any', s.format ? `(${s.format})` : '', item ? `of ${item.type ?? 'any'}` : ''].filter(Boolean).join(' ');
    const g = depth ? -1 : groupOf(k);
    const need = required.has(k) ? 'required' : g !== -1 ? `one of ${g.label}` : 'optional';
    // The value's rules in words (its enum is listed in full below it).
    const rules = [...rulesOf({ ...s, enum: undefined }), ...(item ? rulesOf({ ...item, enum: undefined }).map((x) => `each ${x}`) : [])];
    const row = { k: `${'  '.repeat(depth)}${k}`, type, extra: [need, s['x-iterable-in'] ? `in ${s['x-iterable-in']}` : null].filter(Boolean).join(', '), s, rules, enum: s.enum ?? item?.enum };
    const nested = item?.properties ? item : s.properties ? s : null;
    if (!nested) return [row];
    const inner = groupsOf(nested);
    if (inner.length) row.rules.push(...inner.map((x) => `fields: ${x}`));
    return [row, ...rowsOf(nested, new Set(nested.required ?? []), groupOf, depth + 1)];
  });
}

export function describeText(a, { examples } = {}) {
  const required = new Set(a.inputSchema?.required ?? []);
  const groups = [];
  for (const g of a.requireOneOf ?? []) {
    if (g.length === 1) required.add(g[0]);
    else groups.push(g);
  }
  const groupOf = (k) => {
    const i = groups.findIndex((g) => g.includes(k));
    return i < 0 ? -1 : { label: groups.length > 1 ? `group ${i + 1}` : 'group' };
  };
  const top = rowsOf(a.inputSchema, required, groupOf);
  // Required params first, each with its nested rows.
  const blocks = [];
  for (const r of top) (r.k.startsWith(' ') ? blocks.at(-1) : blocks[blocks.push([]) - 1]).push(r);
  blocks.sort((x, y) => Number(!required.has(x[0].k)) - Number(!required.has(y[0].k)));
  const rows = blocks.flat();
  const wk = Math.max(4, ...rows.map((r) => r.k.length));
  const wt = Math.max(4, ...rows.map((r) => r.type.length));
  const flags = [
    ...flagsOf(a).map((f) => (f === 'sends' ? `s${sendsText(a).slice(1)} (asks first; --yes without a terminal)` : f)),
    `response ${a.response}`,
    a.rateLimit ? `rate limit ${a.rateLimit}` : null,
    a.limits ? `limits: ${a.limits}` : null,
    isPaginated(a) ? `pagination ${a.pagination.style}` : null,
    a.bulk ? `bulk items in "${a.bulk.items}"` : null,
  ].filter(Boolean);
  const out = [fits(`${a.id} — ${a.title}`, '  '), fits(`${a.method} ${a.path}`, '  '), '', wrap(a.description), '', 'Example:', ...(examples ?? [exampleLine(a)]).flatMap((e) => shellLines(e)), '', 'Params:'];
  if (!rows.length) out.push('  (none)');
  const pad = ' '.repeat(6);
  const note = (text, extra = '') => out.push(wrap(text, WIDTH, pad + extra));
  for (const r of rows) {
    out.push(fits(`  ${r.k.padEnd(wk)}  ${r.type.padEnd(wt)}  ${r.extra}`, pad));
    if (r.s.description) note(r.s.description);
    if (r.rules.length) note(`rules: ${r.rules.join('; ')}`, '  ');
    if (Array.isArray(r.enum)) note(`values: ${r.enum.join(', ')}`, '  ');
  }
  if (groups.length) out.push('', 'Required groups (at least one of each):', ...groups.map((g) => fits(`  ${g.join(' | ')}`, '    ')));
  const others = groupsOf(a.inputSchema ?? {}, a.preferOne).filter((g) => !g.startsWith('at least one of'));
  if (others.length) out.push('', 'Rules between params:', ...others.map((g) => fits(`  ${g}`, '    ')));
  out.push('', wrap(`Flags: ${flags.join('; ')}`, WIDTH, '  '), fits(`The input's JSON Schema: ${NAME} describe ${a.id} --json`, '  '));
  return out.join('\n') + '\n';
}

export async function cmdDescribe(opts, positional) {
  if (positional.length !== 1) throw new CliError(`usage: ${NAME} describe <id>`);
  const entry = await findAction(positional[0]);
  await write(opts.json ? (await import('./output.js')).formatJson(entry, opts) + '\n' : describeText(entry));
  return 0;
}
