// The catalog as published (`actions`): what only describes the actions (titles, descriptions,
// resources, limits, the params' descriptions; scripts/build.mjs writes them in from the build's
// catalog-text.json) and the expansion of the wasm's compact catalog into entries with a JSON
// Schema per input. Not part of a call's path: an entry imports this module for `actions` only
// (the browser entry on `ready()`, when `actions` is part of the program), so a bundle that never
// reads `actions` leaves it out, and a browser never loads it for a call.

// Per action in catalog order: [title, description, resource, limits, [each param's description]]
// (codegen/catalog.rs `text`, TEXT_FIELDS), then the param descriptions that several actions
// share, which the actions give by their position in that list (scripts/build.mjs), then the
// descriptions of the named shapes' fields ({shape: {field: description}}); parsed on first use:
// the module does nothing at import, so a bundler may drop it whole.
const TEXT = __CATALOG_TEXT__;

// Published entry fields in order. The wasm's catalog holds each entry as an array, by the
// positions of codegen/catalog.rs FIELDS (no id: the ids come in the same order; flags packed in
// one number; trailing empties left out), then one object of the named shapes that nested values
// refer to, then the param rows that several actions share (an entry's params give them by position).
const FIELDS = 'method path params response flags requireOneOf pagination rateLimit bulk exclusive together preferOne emptySuccess eventId sendsWhen'.split(' ');
const ENTRY_KEYS = 'title description resource method path inSpec inputSchema requireOneOf exclusive together preferOne response pagination irreversible idempotent async sends sendsWhen rateLimit limits bulk resultIsEnvelope emptySuccess eventId'.split(' ');
const FLAGS = ['inSpec', 'irreversible', 'idempotent', 'async', 'resultIsEnvelope', 'sends'];
const LISTS = ['requireOneOf', 'exclusive', 'together', 'preferOne', 'emptySuccess'];
const PLACES = { p: 'path', q: 'query', b: 'body', r: 'bodyRoot' };
const TYPES = { s: 'string', i: 'integer', n: 'number', b: 'boolean', o: 'object', a: 'array' };

// The JSON Schema forms of the catalog's shorthands (codegen/catalog.rs `full`, src/core/formats.rs).
const DAY = '\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])';
const TIME = '([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d';
const FORMS = { 'yyyy-MM-dd HH:mm:ss': `^${DAY} ${TIME}$`, 'yyyy-MM-dd HH:mm:ss [ZZ] or ISO 8601': `^${DAY}[ T]${TIME}(\\.\\d+)?( ?(Z|[+-]([01]\\d|2[0-3]):?[0-5]\\d))?$`, 'ISO 8601': `^${DAY}T${TIME}(\\.\\d+)?(Z|[+-]([01]\\d|2[0-3]):?[0-5]\\d)?$`, email: '^.+@\\S*[^\\s.]$' };
const same = (a, b) => a.length === b.length && a.every((m, i) => m === b[i]);

/** Writes an object's groups as JSON Schema: anyOf (at least one), oneOf (exactly one), not
 * (not both), dependentRequired (together); several rules go in allOf. */
function groups(s, req = [], excl = [], tog = []) {
  const all = req.map((g) => ({ [excl.some((x) => same(x, g)) ? 'oneOf' : 'anyOf']: g.map((m) => ({ required: [m] })) }));
  for (const g of excl) if (!req.some((x) => same(x, g))) g.forEach((a, i) => g.slice(i + 1).forEach((b) => all.push({ not: { required: [a, b] } })));
  const dep = {};
  for (const g of tog) for (const a of g) (dep[a] ??= []).push(...g.filter((b) => b !== a));
  if (tog.length) s.dependentRequired = dep;
  if (all.length === 1) Object.assign(s, all[0]);
  else if (all.length) s.allOf = all;
  return s;
}

/** A value's JSON Schema from its compact keywords (named shapes, nested fields and items too). */
function full({ shape, ...rest }, shapes) {
  const { enumCi, chars, items, properties, propertyNames, additionalProperties, requireOneOf, exclusive, together, ...s } = shape ? { ...rest, ...shapes[shape] } : rest;
  if (enumCi) Object.assign(s, { pattern: `^(?:${enumCi.map((v) => v.replace(/[a-z]/gi, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`)).join('|')})$`, examples: enumCi });
  if (chars) s.pattern = `^[${chars}]*$`;
  if (FORMS[s.format]) {
    s.pattern = FORMS[s.format];
    delete s.format;
  }
  if (items) s.items = full(items, shapes);
  if (propertyNames) s.propertyNames = full(propertyNames, shapes);
  if (additionalProperties) s.additionalProperties = full(additionalProperties, shapes);
  if (properties) s.properties = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, full(v, shapes)]));
  return groups(s, requireOneOf, exclusive, together);
}

const camel = (id) => id.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

/** A catalog entry as published: methodName (camelCase of the id) and the text added, and the
 * input's JSON Schema expanded from the compact `params` the wasm ships (see codegen/catalog.rs). */
function expand(id, row, shapes, shared, [title, description, resource, limits, paramText]) {
  const e = { id, title, description, resource, limits: limits ?? null };
  FIELDS.forEach((k, i) => (e[k] = row[i] ?? (LISTS.includes(k) ? [] : null)));
  FLAGS.forEach((k, i) => (e[k] = !!(e.flags & (1 << i))));
  const properties = {};
  const required = [];
  // each param's row, or the position of a row that several actions share
  e.params.forEach((p, i) => {
    const [name, code, keywords] = typeof p === 'number' ? shared[p] : p;
    // the place letter is upper case for a required param
    if (code[0] < 'a') required.push(name);
    properties[name] = { type: TYPES[code[1]], ...full(keywords ?? {}, shapes), description: paramText[i], 'x-iterable-in': PLACES[code[0].toLowerCase()] };
  });
  const inputSchema = groups({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties, required, additionalProperties: false }, e.requireOneOf, e.exclusive, e.together);
  const out = { id: e.id, methodName: camel(e.id) };
  for (const k of ENTRY_KEYS) out[k] = k === 'inputSchema' ? inputSchema : e[k];
  return Object.freeze(out);
}

/** The published entries from the wasm's catalog (`rows`: one array per action, then the named
 * shapes, then the param rows that several actions share) and the action ids in the same order. */
export function describe(ids, rows) {
  return describeFrom(TEXT, ids, rows);
}

/** The same from the catalog's text given as JSON text (the Node entry reads it from
 * catalog-text.js on first use rather than carry it: a bundle that uses this alone leaves TEXT out). */
export function describeFrom(textJson, ids, rows) {
  const text = JSON.parse(textJson);
  const shapeFields = text.pop();
  const shared = text.pop();
  for (const t of text) t[4] = t[4].map((p) => (typeof p === 'number' ? shared[p] : p));
  const [bare, sharedParams] = rows.slice(-2);
  // The shapes' fields get their descriptions back, after their `type` (codegen/catalog.rs `typed`).
  const shapes = { ...bare };
  for (const [name, fields] of Object.entries(shapeFields)) {
    const properties = { ...shapes[name].properties };
    for (const [field, description] of Object.entries(fields)) {
      const { type, ...rest } = properties[field];
      properties[field] = { type, description, ...rest };
    }
    shapes[name] = { ...shapes[name], properties };
  }
  return ids.map((id, i) => expand(id, rows[i], shapes, sharedParams, text[i]));
}
