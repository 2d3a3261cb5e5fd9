// ajv (draft 2020-12, strict) set up for the catalog's input schemas: the two keywords JSON Schema
// has no word for are defined as the client applies them, and `x-iterable-in` is an annotation.
// Shared by tests/schema/agree.mjs and tests/fuzz/fuzz.mjs.
import Ajv2020 from 'ajv/dist/2020.js';

const DAY_MS = 86_400_000;

/** Epoch ms of the date forms the catalog knows (their patterns decide the form itself). */
export function instant(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|([+-])(\d{2}):?(\d{2}))?$/.exec(s);
  if (!m) return NaN;
  const offset = m[8] ? (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10])) : 0;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) - offset * 60_000;
}

export function makeAjv() {
  // strict, except for `required` in the group subschemas (anyOf: [{ required: [a] }]), which name
  // properties declared one level up, as JSON Schema intends; formats are annotations.
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: false, validateFormats: false });
  ajv.addVocabulary(['x-iterable-in']);
  ajv.addKeyword({ keyword: 'x-iterable-max-bytes', type: 'string', schemaType: 'number', validate: (max, s) => Buffer.byteLength(s, 'utf8') <= max });
  // (the client allows an hour of clock difference past the bound: keep cases days away from it)
  ajv.addKeyword({ keyword: 'x-iterable-max-future-days', type: 'string', schemaType: 'number', validate: (days, s) => !(instant(s) > Date.now() + days * DAY_MS) });
  return ajv;
}

/** `accepts(id, input)` by the published schema of each action (compiled once each). */
export function schemaOracle(actions) {
  const ajv = makeAjv();
  const compiled = new Map();
  const byId = new Map(actions.map((a) => [a.id, a]));
  return (id, input) => {
    if (!compiled.has(id)) compiled.set(id, ajv.compile(byId.get(id).inputSchema));
    return compiled.get(id)(input);
  };
}
