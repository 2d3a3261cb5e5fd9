// The package itself, loaded on first use: its entry for this runtime (../index.deno.js or
// ../index.node.js), its version, and the catalog of actions (look-up by id, the flags shown by
// `actions` and `describe`).
import { readFileSync } from 'node:fs';
import { resolveAction, resourceTable, suggest } from './find.js';
import { CliError, NAME } from './output.js';

const isDeno = typeof globalThis.Deno !== 'undefined';

let pkgPromise;
export const loadPackage = () => (pkgPromise ??= import(isDeno ? '../index.deno.js' : '../index.node.js'));
export const packageVersion = () => {
  try {
    return JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
  } catch {
    return '0.0.0';
  }
};

/** The response kinds whose body can be streamed (csv, JSON lines, text). */
export const STREAMED = new Set(['csv', 'jsonl', 'text']);
/** Whether --all can page through an action (a page-limit-only action cannot). */
export const isPaginated = (a) => !!a.pagination && a.pagination.style !== 'limit';
export const flagsOf = (a) => [
  a.method === 'GET' || a.readOnly === true || a.read === true ? 'read' : null,
  a.irreversible ? 'irreversible' : null,
  a.sends ? 'sends' : null,
  a.idempotent ? 'idempotent' : null,
  a.async ? 'async' : null,
  a.bulk ? 'bulk' : null,
  isPaginated(a) ? 'paginated' : null,
  STREAMED.has(a.response) ? 'streamed' : null,
].filter(Boolean);

/** The action `id` names (an id, a method name, any case, hyphens); else a usage error with the
 * nearest ids (edit distance) and, for a resource's name, its commands. */
export async function findAction(id) {
  const { actions } = await loadPackage();
  const entry = resolveAction(actions, id);
  if (entry) return entry;
  // Resource names too: `usr get` → users.
  const near = suggest([...resourceTable(actions).keys(), ...actions.map((a) => a.id)], id);
  throw new CliError(`unknown action "${String(id).slice(0, 64)}"${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}; see \`${NAME} actions\``, { code: 'ValidationError' });
}
