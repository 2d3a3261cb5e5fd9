// The catalog of actions (look-up by id, the flags shown by `actions` and `describe`), read from
// cli/catalog.jsonl, a plain data file the build writes from the package's published `actions`
// (scripts/cli-catalog.mjs): its first line is a short index of every action, each further line
// one whole entry. Listing, help, describe, completion and "did you mean" read it and never load
// the wasm; the package itself (its entry for this runtime, ../index.deno.js or
// ../index.node.js) is loaded only by the commands that call the API. Also the package's version.
// CommonJS, like the rest of the start-up path (./base.cjs says why).
'use strict';

const { closeSync, openSync, readFileSync, readSync } = require('node:fs');
const { join } = require('node:path');

const isDeno = typeof globalThis.Deno !== 'undefined';

let pkgPromise;
const loadPackage = () => (pkgPromise ??= import(isDeno ? '../index.deno.js' : '../index.node.js'));
let text;
const catalogText = () => (text ??= readFileSync(join(__dirname, 'catalog.jsonl'), 'utf8'));
let lines;
const catalogLines = () => (lines ??= catalogText().split('\n'));
let index;
/**
 * Every action in catalog order, each as its short index entry: id, methodName, title, resource,
 * method, path, response, pagination, irreversible, idempotent, async, sends, sendsWhen, bulk,
 * requireOneOf and `required` (the input's required params). catalogEntry(id) gives the whole entry.
 */
const catalogActions = () => (index ??= JSON.parse(text !== undefined ? text.slice(0, text.indexOf('\n')) : firstLine()));

/** The file's first line (the index) alone: `actions`, help and completion need no more, and
 * reading the whole file (five times the index) costs start-up time in decoding and collection. */
function firstLine() {
  const fd = openSync(join(__dirname, 'catalog.jsonl'), 'r');
  try {
    let buf = new Uint8Array(64 * 1024);
    let len = 0;
    for (;;) {
      if (len === buf.length) {
        const bigger = new Uint8Array(buf.length * 2);
        bigger.set(buf);
        buf = bigger;
      }
      const n = readSync(fd, buf, len, buf.length - len, len);
      const nl = buf.subarray(len, len + n).indexOf(10);
      if (nl >= 0 || n === 0) return new TextDecoder().decode(buf.subarray(0, nl >= 0 ? len + nl : len));
      len += n;
    }
  } finally {
    closeSync(fd);
  }
}
const entries = new Map();
/** The whole published entry of the action `id` (an exact id), as the package's `actions` holds it. */
function catalogEntry(id) {
  if (!entries.has(id)) {
    const i = catalogActions().findIndex((a) => a.id === id);
    if (i < 0) return undefined;
    entries.set(id, JSON.parse(catalogLines()[i + 1]));
  }
  return entries.get(id);
}

const packageVersion = () => {
  try {
    return JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version;
  } catch {
    return '0.0.0';
  }
};

/** The response kinds whose body can be streamed (csv, JSON lines, text). */
const STREAMED = new Set(['csv', 'jsonl', 'text']);
/** Whether --all can page through an action (a page-limit-only action cannot). */
const isPaginated = (a) => !!a.pagination && a.pagination.style !== 'limit';
const flagsOf = (a) => [
  a.method === 'GET' || a.readOnly === true || a.read === true ? 'read' : null,
  a.irreversible ? 'irreversible' : null,
  a.sends ? 'sends' : null,
  a.idempotent ? 'idempotent' : null,
  a.async ? 'async' : null,
  a.bulk ? 'bulk' : null,
  isPaginated(a) ? 'paginated' : null,
  STREAMED.has(a.response) ? 'streamed' : null,
].filter(Boolean);

/** Top-level commands a resource must not shadow: their resource is reached by another name. */
const RENAMED = { export: 'exports' };
const kebab = (s) => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
/** The CLI's name of a catalog resource (`users`, `exports`, `in-app`...): its resource command. */
const resourceName = (resource) => RENAMED[resource] ?? kebab(resource);

/** Code-unit order (ids and names are ASCII): no locale collator, whose set-up alone costs the
 * CLI's start-up ~10 ms. */
const byText = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/** A JSON Schema's type, without "null" (nullable params). */
const typeOf = (schema) => {
  const t = schema?.type;
  return Array.isArray(t) ? t.find((x) => x !== 'null') : t;
};

module.exports = { typeOf, loadPackage, catalogActions, catalogEntry, packageVersion, STREAMED, isPaginated, flagsOf, kebab, resourceName, byText };
