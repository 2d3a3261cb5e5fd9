// Finding an action the way people type it: ids, method names (camelCase), hyphens and any case
// resolve; a near miss gets "did you mean" by edit distance. Also the resource commands
// (`users get <email|userId>`): the resource from the catalog, the command names derived from
// the action ids, and the "smart" commands where the shape of one argument picks the action.
import { byText, catalogActions, catalogEntry, kebab, resourceName } from './catalog.cjs';
import { CliError, NAME } from './base.cjs';

export { byText };

/** "trackEvent", "track-event", "TRACK_EVENT", " track event " → "track_event". */
export const normalizeId = (s) =>
  String(s)
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[\s-]+/g, '_');

/** Optimal string alignment distance (Damerau–Levenshtein with adjacent swaps). */
export function editDistance(a, b) {
  const m = a.length;
  const n = b.length;
  let prev2 = null;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (prev2 && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2] + 1);
      cur.push(v);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[n];
}

/** The action `name` means (id, method name, any case or separator), or undefined. */
export function resolveAction(actions, name) {
  const exact = actions.find((a) => a.id === name || a.methodName === name);
  if (exact) return exact;
  const n = normalizeId(name);
  return actions.find((a) => a.id === n || normalizeId(a.methodName ?? '') === n);
}

/** Up to `max` names near `name` (by edit distance over normalized forms, then by containment). */
export function suggest(names, name, max = 3) {
  const n = normalizeId(name);
  if (!n) return [];
  const limit = Math.max(2, Math.floor(n.length / 4));
  const scored = names
    .map((id) => ({ id, d: editDistance(n, normalizeId(id)) }))
    .filter((x) => x.d <= limit || (n.length >= 4 && normalizeId(x.id).includes(n)))
    .sort((x, y) => x.d - y.d || byText(x.id, y.id));
  return scored.slice(0, max).map((x) => x.id);
}

/**
 * The one param a bare positional argument fills: the action's only required param, or the
 * only param of its only "one of" group when nothing else is required. Undefined otherwise.
 * Takes a whole entry or a short one of the CLI's catalog index (`required`).
 */
export function positionalParam(entry) {
  const required = entry.inputSchema?.required ?? entry.required ?? [];
  const groups = entry.requireOneOf ?? [];
  if (required.length === 1 && groups.length === 0) return required[0];
  if (required.length === 0 && groups.length === 1 && groups[0].length === 1) return groups[0][0];
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Resource commands

const singular = (w) => (w.endsWith('ies') ? w.slice(0, -3) + 'y' : w.endsWith('s') ? w.slice(0, -1) : w);

/** The command name of an action within its resource: the id without the resource's noun. */
function commandName(id, resource) {
  const tokens = id.split('_');
  const nouns = new Set([resource.toLowerCase(), singular(resource.toLowerCase()), singular(kebab(resource)).replace(/-/g, '')]);
  const i = tokens.findIndex((t, k) => k > 0 && nouns.has(t));
  const rest = i > 0 ? [...tokens.slice(0, i), ...tokens.slice(i + 1)] : tokens;
  return rest.join('-');
}

let table;
/**
 * The resources: Map name → { name, resource, commands: Map name → { name, action } or
 * { name, choices: [{ action, param }] } (a smart command) }. `actions` may be the CLI's short
 * index entries (../cli/catalog.js); an action here is then one of those.
 */
export function resourceTable(actions) {
  if (table) return table;
  table = new Map();
  for (const a of actions) {
    const name = resourceName(a.resource);
    if (!table.has(name)) table.set(name, { name, resource: a.resource, commands: new Map() });
  }
  for (const r of table.values()) {
    const own = actions.filter((a) => a.resource === r.resource);
    const names = own.map((a) => commandName(a.id, r.resource));
    own.forEach((a, i) => {
      const unique = names.indexOf(names[i]) === names.lastIndexOf(names[i]) && names[i];
      const name = unique ? names[i] : a.id.replace(/_/g, '-');
      r.commands.set(name, { name, action: a });
    });
    // Smart commands: "get" for get-by-email + get-by-id, chosen by the argument's shape.
    const byVerb = new Map();
    for (const c of r.commands.values()) {
      const m = /^(.+)-by-([a-z]+)$/.exec(c.name);
      const param = c.action && positionalParam(c.action);
      if (m && param) (byVerb.get(m[1]) ?? byVerb.set(m[1], []).get(m[1])).push({ action: c.action, param });
    }
    for (const [verb, choices] of byVerb) {
      if (choices.length > 1 && !r.commands.has(verb)) r.commands.set(verb, { name: verb, choices });
    }
  }
  return table;
}

/** The resource named `name` (plural, singular, any case), or undefined. */
export function findResource(actions, name) {
  const t = resourceTable(actions);
  const n = kebab(String(name)).replace(/_/g, '-');
  return t.get(n) ?? [...t.values()].find((r) => singular(r.name) === n || r.resource.toLowerCase() === n.replace(/-/g, ''));
}

/**
 * Which of a smart command's choices an argument means: an email-looking value picks the
 * email param, a number or other text the other one; a key=value argument picks by its key.
 */
export function pickChoice(choices, args) {
  for (const a of args) {
    const key = /^([A-Za-z_][\w.]*)(:=|=)/.exec(a)?.[1];
    const c = key && choices.find((x) => x.param === key);
    if (c) return { choice: c, args };
  }
  const bare = args.find((a) => !/^[A-Za-z_][\w.]*(:=|=)/.test(a));
  if (bare === undefined) return undefined;
  const isEmail = (p) => /email/i.test(p);
  const choice = bare.includes('@') ? choices.find((x) => isEmail(x.param)) : choices.find((x) => !isEmail(x.param));
  return choice ? { choice, args } : undefined;
}

/** The action `id` names (an id, a method name, any case, hyphens); else a usage error with the
 * nearest ids (edit distance) and, for a resource's name, its commands. */
export async function findAction(id) {
  const actions = catalogActions();
  const entry = resolveAction(actions, id);
  if (entry) return catalogEntry(entry.id);
  // Resource names too: `usr get` → users.
  const near = suggest([...resourceTable(actions).keys(), ...actions.map((a) => a.id)], id);
  throw new CliError(`unknown action "${String(id).slice(0, 64)}"${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}; see \`${NAME} actions\``, { code: 'ValidationError' });
}
