// The official Node client @iterable/api (a devDependency), observed: which of its methods is which
// of our actions. Each method runs against a recording stand-in for its HTTP client, which gives
// the method and path it requests and the zod schemas it checks the answer with.
// Shared by scripts/compare-results.mjs (answers) and tests/schema/differential.mjs (parameters).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * `root`: the repository. Returns { api, z, apiVersion, apiDir (its dist/), methods, observe(name, answer), actionFor(req) }:
 * the client's exports, zod as the client itself resolves it, its method names, a runner that gives
 * { requests: [{ method, path }], schemas: [names of the exported schemas it used], accepted }, and
 * the definition in defs/actions.json that serves a request (the most literal path template wins).
 */
export async function loadWitness(root, defs) {
  const require = createRequire(join(root, 'package.json'));
  const apiEntry = require.resolve('@iterable/api');
  const apiVersion = JSON.parse(readFileSync(join(dirname(apiEntry), '..', 'package.json'), 'utf8')).version;
  const api = await import(pathToFileURL(apiEntry).href);
  const { z } = await import(pathToFileURL(createRequire(apiEntry).resolve('zod')).href);

  // Which exported schema checks an answer: every exported schema reports its name when used.
  let used = [];
  const names = new Map();
  for (const [name, value] of Object.entries(api)) {
    if (!value || typeof value !== 'object' || !value._zod || typeof value.safeParse !== 'function' || names.has(value)) continue;
    names.set(value, name);
    const original = value.safeParse;
    value.safeParse = function (...args) {
      used.push(name);
      return original.apply(this, args);
    };
  }

  // Any parameter a method reads is there: a number-like value for paths and queries, an empty
  // list to iterate, never a promise.
  const anything = new Proxy(function () {}, {
    get: (_, k) => (k === Symbol.toPrimitive || k === 'toString' ? () => '1' : k === 'then' ? undefined : k === 'length' ? 0 : anything),
    apply: () => anything,
  });
  const params = new Proxy({}, { get: (_, k) => (k === 'then' ? undefined : anything), ownKeys: () => [] });

  let requests = [];
  let answer = {};
  const http = {};
  for (const m of ['get', 'post', 'put', 'patch', 'delete']) {
    http[m] = async (url, ...rest) => {
      requests.push({ method: m.toUpperCase(), path: String(url).split('?')[0] });
      return { data: answer, status: 200, headers: {}, config: { url } };
    };
  }
  const client = new api.IterableClient({ apiKey: 'fake-key', baseUrl: 'http://127.0.0.1:9' }, http);
  const methods = new Set();
  for (let p = Object.getPrototypeOf(client); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const k of Object.getOwnPropertyNames(p)) if (k !== 'constructor' && k !== 'destroy' && typeof client[k] === 'function') methods.add(k);
  }

  async function observe(name, data) {
    requests = [];
    used = [];
    answer = data;
    let accepted = true;
    try {
      await client[name](params);
    } catch {
      accepted = false;
    }
    return { requests: requests.slice(), schemas: used.slice(), accepted };
  }

  const templates = defs.map((d) => ({
    def: d,
    re: new RegExp('^' + d.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+') + '$'),
    literal: d.path.replace(/\{[^}]+\}/g, '').length,
  }));
  function actionFor({ method, path }) {
    const hits = templates.filter((t) => t.def.method === method && t.re.test(path)).sort((a, b) => b.literal - a.literal);
    return hits[0]?.def;
  }
  return { api, z, apiVersion, apiDir: dirname(apiEntry), methods, observe, actionFor };
}
