// The package itself, loaded on first use: its entry for this runtime (../index.deno.js or
// ../index.node.js), its version, and the catalog of actions (look-up by id, the flags shown by
// `actions` and `describe`).
import { readFileSync } from 'node:fs';
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
export const flagsOf = (a) => [
  a.method === 'GET' || a.readOnly === true || a.read === true ? 'read' : null,
  a.irreversible ? 'irreversible' : null,
  a.idempotent ? 'idempotent' : null,
  a.async ? 'async' : null,
  a.bulk ? 'bulk' : null,
  a.pagination ? 'paginated' : null,
  STREAMED.has(a.response) ? 'streamed' : null,
].filter(Boolean);

export async function findAction(id) {
  const { actions } = await loadPackage();
  const entry = actions.find((a) => a.id === id);
  if (!entry) {
    const near = actions.filter((a) => a.id.includes(id) || id.includes(a.id)).slice(0, 3).map((a) => a.id);
    throw new CliError(`unknown action "${String(id).slice(0, 64)}"${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}; see \`${NAME} actions\``, { code: 'ValidationError' });
  }
  return entry;
}
