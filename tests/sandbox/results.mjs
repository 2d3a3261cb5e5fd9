// Our own result schemas (pkg/results.json, built from defs/actions.json: the spec's 2xx schema
// with each action's `result` overrides, as JSON Schema draft 2020-12) as a validator: the answers
// the sandbox gives must be what our types promise. Formats date-time/email/uri are checked
// (ajv-formats); int32/int64/double are annotations.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const Ajv2020 = require('ajv/dist/2020');
const addFormats = require('ajv-formats');

const ROOT = new URL('../../', import.meta.url).pathname;
export const RESULTS_PATH = process.env.RESULTS_JSON || join(ROOT, 'pkg', 'results.json');
if (!existsSync(RESULTS_PATH)) throw new Error(`${RESULTS_PATH} not found: build the package first (node scripts/build.mjs)`);
export const results = JSON.parse(readFileSync(RESULTS_PATH, 'utf8'));

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);
for (const f of ['int32', 'int64', 'double', 'float']) ajv.addFormat(f, true);
const cache = new Map();

/** Validates an action's 2xx answer (parsed when JSON) against its schema in results.json. */
export function validateResult(id, value) {
  const schema = results[id];
  if (!schema) return { ok: false, errors: `no result schema for ${id} in ${RESULTS_PATH}` };
  let fn = cache.get(id);
  if (!fn) {
    fn = ajv.compile(schema);
    cache.set(id, fn);
  }
  const ok = fn(value);
  return { ok, errors: ok ? null : ajv.errorsText(fn.errors, { separator: '; ' }) };
}
