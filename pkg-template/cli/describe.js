// `actions` (the catalog as a table or JSON) and `describe <id>` (one action: params, groups,
// flags, JSON Schema); describeText also heads `<id> --help`.
import { typeOf } from './args.js';
import { findAction, flagsOf, loadPackage } from './catalog.js';
import { CliError, NAME, formatJson, write } from './output.js';

export async function cmdActions(opts) {
  const { actions } = await loadPackage();
  if (opts.json) {
    const list = actions.map((a) => ({
      id: a.id, title: a.title, method: a.method, path: a.path, response: a.response,
      irreversible: a.irreversible, idempotent: a.idempotent, async: a.async,
      read: flagsOf(a).includes('read'), bulk: !!a.bulk, paginated: a.pagination?.style ?? null,
    }));
    await write(formatJson(list, opts) + '\n');
    return 0;
  }
  const w = Math.max(...actions.map((a) => a.id.length));
  const lines = actions.map((a) => `${a.id.padEnd(w)}  ${a.method.padEnd(6)}  ${a.title}${flagsOf(a).length ? `  [${flagsOf(a).join(', ')}]` : ''}`);
  await write(lines.join('\n') + `\n\n${actions.length} actions. \`${NAME} describe <id>\` for one; \`${NAME} <id> --help\` to run one.\n`);
  return 0;
}

/** The name of a form the catalog writes as a pattern (recognised by what it takes), or the pattern. */
function formOf(pattern) {
  const cls = /^\^\[(\^?)(.*)\]\*\$$/.exec(pattern);
  if (cls) return cls[1] ? `none of the characters [${cls[2]}]` : `only the characters [${cls[2]}]`;
  const re = new RegExp(pattern, 'u');
  if (re.test('user@example.com') && !re.test('user')) return 'an email address';
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

/** Rows for an object's members, nested shapes indented under their param. */
function rowsOf(schema, depth = 0) {
  const props = schema?.properties ?? {};
  const required = new Set(schema?.required ?? []);
  const rows = [];
  for (const [k, s] of Object.entries(props)) {
    const t = typeOf(s) ?? 'any';
    const item = t === 'array' && s.items ? s.items : null;
    const type = [t, s.format ? `(${s.format})` : '', item ? `of ${item.type ?? 'any'}` : ''].filter(Boolean).join(' ');
    const extra = [required.has(k) ? 'required' : 'optional', s['x-iterable-in'] ? `in ${s['x-iterable-in']}` : null].filter(Boolean).join(', ');
    const rules = rulesOf(s);
    if (item) rules.push(...rulesOf(item).map((x) => `each ${x}`));
    const desc = [s.description, rules.length ? `[${rules.join('; ')}]` : ''].filter(Boolean).join(' ');
    rows.push({ k: `${'  '.repeat(depth)}${k}`, type, extra, desc });
    const nested = item?.properties ? item : s.properties ? s : null;
    if (nested) {
      rows.push(...rowsOf(nested, depth + 1));
      const g = groupsOf(nested);
      if (g.length) rows.push({ k: `${'  '.repeat(depth + 1)}(rules)`, type: '', extra: '', desc: g.join('; ') });
    }
  }
  return rows;
}

export function describeText(a) {
  const rows = rowsOf(a.inputSchema);
  const wk = Math.max(4, ...rows.map((r) => r.k.length));
  const wt = Math.max(4, ...rows.map((r) => r.type.length));
  const we = Math.max(4, ...rows.map((r) => r.extra.length));
  const out = [
    `${a.id} — ${a.title}`,
    `${a.method} ${a.path}`,
    '',
    a.description,
    '',
    'Params:',
    ...(rows.length ? rows.map((r) => `  ${r.k.padEnd(wk)}  ${r.type.padEnd(wt)}  ${r.extra.padEnd(we)}  ${r.desc}`.trimEnd()) : ['  (none)']),
  ];
  const groups = groupsOf(a.inputSchema ?? {}, a.preferOne);
  if (groups.length) out.push('', 'Rules between params:', ...groups.map((g) => `  ${g}`));
  const flags = [
    ...flagsOf(a),
    `response ${a.response}`,
    a.rateLimit ? `rate limit ${a.rateLimit}` : null,
    a.limits ? `limits: ${a.limits}` : null,
    a.pagination ? `pagination ${a.pagination.style}` : null,
    a.bulk ? `bulk items in "${a.bulk.items}"` : null,
  ].filter(Boolean);
  out.push('', `Flags: ${flags.join('; ')}`, '', 'Input schema (JSON Schema 2020-12):', JSON.stringify(a.inputSchema, null, 2));
  return out.join('\n') + '\n';
}

export async function cmdDescribe(opts, positional) {
  if (positional.length !== 1) throw new CliError(`usage: ${NAME} describe <id>`);
  const entry = await findAction(positional[0]);
  await write(opts.json ? formatJson(entry, opts) + '\n' : describeText(entry));
  return 0;
}
