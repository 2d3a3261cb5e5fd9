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

export function describeText(a) {
  const props = a.inputSchema?.properties ?? {};
  const required = new Set(a.inputSchema?.required ?? []);
  const rows = Object.entries(props).map(([k, s]) => {
    const type = [typeOf(s) ?? 'any', s.format ? `(${s.format})` : '', typeOf(s) === 'array' && s.items?.type ? `of ${s.items.type}` : ''].filter(Boolean).join(' ');
    const extra = [required.has(k) ? 'required' : 'optional', s['x-iterable-in'] ? `in ${s['x-iterable-in']}` : null].filter(Boolean).join(', ');
    const enumText = Array.isArray(s.enum) ? ` One of: ${s.enum.slice(0, 12).join(', ')}${s.enum.length > 12 ? ', …' : ''}.` : '';
    return { k, type, extra, desc: (s.description ?? '') + enumText };
  });
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
    ...(rows.length ? rows.map((r) => `  ${r.k.padEnd(wk)}  ${r.type.padEnd(wt)}  ${r.extra.padEnd(we)}  ${r.desc}`) : ['  (none)']),
  ];
  if (a.requireOneOf?.length) {
    out.push('', 'Required groups (at least one of each):', ...a.requireOneOf.map((g) => `  ${g.join(' | ')}`));
  }
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
