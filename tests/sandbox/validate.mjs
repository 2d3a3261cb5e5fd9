// Validates the sandbox's error answers (401, 400) against the response schemas of the official
// spec (defs/openapi.json). Successful answers are checked against our own result schemas instead
// (results.mjs, pkg/results.json), which carry the corrections to the spec's 2xx shapes.
// Swagger 2.0 schemas are draft-04-like: `x-nullable: true` is mapped to a null-allowing type and
// unknown `x-` keys are ignored (Ajv strict mode off); formats: date-time/email/uri checked
// (ajv-formats), int32/int64/double are annotations (standard JSON Schema ignores unknown formats).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Ajv = require('ajv');
const addFormats = require('ajv-formats');

export const ROOT = new URL('../../', import.meta.url).pathname;
export const spec = JSON.parse(readFileSync(ROOT + 'defs/openapi.json', 'utf8'));
export const actions = JSON.parse(readFileSync(ROOT + 'defs/actions.json', 'utf8'));

function convert(node) {
  if (Array.isArray(node)) return node.map(convert);
  if (!node || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string') out.$ref = v.replace('#/definitions/', 'spec#/definitions/');
    else if (k === 'example' || k === 'examples' || k === 'discriminator' || k === 'readOnly' || k === 'xml') continue;
    else out[k] = convert(v);
  }
  if (out['x-nullable'] === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  return out;
}

const definitions = convert(structuredClone(spec.definitions));

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);
for (const f of ['int32', 'int64', 'double', 'float']) ajv.addFormat(f, true);
ajv.addSchema({ $id: 'spec', definitions });

const cache = new Map();
/** The spec's response entry for an action and a status (falls back to the first 2xx). */
export function responseSpec(action, status) {
  const op = spec.paths[action.path]?.[action.method.toLowerCase()];
  if (!op) return null;
  return op.responses[String(status)] ?? null;
}

/** Validates a body (already parsed when JSON) against the spec schema for that status. */
export function validate(action, status, value) {
  const r = responseSpec(action, status);
  if (!r) return { ok: false, errors: `no ${status} response in the spec for ${action.id}` };
  if (!r.schema) return { ok: true, errors: null, noSchema: true };
  const key = `${action.id}:${status}`;
  let fn = cache.get(key);
  if (!fn) {
    fn = ajv.compile(convert(r.schema));
    cache.set(key, fn);
  }
  const ok = fn(value);
  return { ok, errors: ok ? null : ajv.errorsText(fn.errors, { separator: '; ' }) };
}
