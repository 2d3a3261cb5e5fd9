// Checks shared by the stdio and HTTP MCP tests.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { startFake } from '../cli/fake-iterable.mjs';
import { catalog } from '../cli/helpers.mjs';
import { waitForPkg } from '../support/install.mjs';

/**
 * The suite's set-up: the fake Iterable API and the built catalog before the tests (handed to
 * `set` as {srv, actions}), and after them every client in the returned list closed and the API
 * stopped.
 */
export function withFakeApi(set) {
  const open = [];
  let srv;
  before(async () => {
    waitForPkg();
    srv = await startFake();
    set({ srv, actions: await catalog() });
  });
  after(async () => {
    for (const c of open) await c.close().catch(() => {});
    await srv?.close();
  });
  return open;
}

export const parseText = (result) => {
  assert.equal(result.content?.[0]?.type, 'text');
  return JSON.parse(result.content[0].text);
};

const isRead = (a) => a.method === 'GET' || a.readOnly === true || a.read === true;
/** Writes that delete or overwrite: irreversible, DELETE/PUT/PATCH, or an overwriting verb first. */
const VERBS = /^(update|upsert|replace|bulk_update|merge|forget|delete|bulk_delete|unsubscribe|deactivate|disable)_/;
export const isDestructive = (a) => !isRead(a) && (!!a.irreversible || ['DELETE', 'PUT', 'PATCH'].includes(a.method) || VERBS.test(a.id));

/** tools/list gives exactly the catalog: names, descriptions, clean object schemas, annotations. */
export function checkTools(tools, actions, { allowIrreversible, hint = '--allow-irreversible' }) {
  assert.deepEqual(tools.map((t) => t.name), actions.map((a) => a.id));
  const byId = new Map(actions.map((a) => [a.id, a]));
  for (const t of tools) {
    const a = byId.get(t.name);
    assert.equal(t.inputSchema.type, 'object', t.name);
    assert.equal(typeof t.inputSchema.properties, 'object', t.name);
    assert.equal(t.inputSchema.$schema, undefined, t.name);
    assert.ok(!JSON.stringify(t.inputSchema).includes('x-iterable'), `${t.name}: catalog-only keywords removed`);
    assert.deepEqual(Object.keys(t.inputSchema.properties).sort(), Object.keys(a.inputSchema.properties ?? {}).sort(), t.name);
    assert.deepEqual(t.inputSchema.required ?? [], a.inputSchema.required ?? [], t.name);
    for (const k of ['anyOf', 'allOf', 'oneOf', 'not', 'dependentRequired']) assert.equal(t.inputSchema[k], undefined, `${t.name}: no top-level ${k}`);
    for (const g of a.requireOneOf ?? []) assert.ok(t.description.includes(`at least one of ${g.join(', ')}`), `${t.name}: group ${g} in the description`);
    for (const g of a.together ?? []) assert.ok(t.description.includes(`${g.join(' and ')} together or not at all`), `${t.name}: together ${g} in the description`);
    for (const g of a.preferOne ?? []) assert.ok(t.description.includes(`preferably one of ${g.join(', ')}`), `${t.name}: preferOne ${g} in the description`);
    for (const g of a.exclusive ?? []) assert.ok(t.description.includes(`at least one of ${g.join(', ')} (exactly one)`) || t.description.includes(`not both ${g.join(' and ')}`), `${t.name}: exclusive ${g} in the description`);
    assert.deepEqual(t.inputSchema.properties, JSON.parse(JSON.stringify(a.inputSchema.properties ?? {}, (k, v) => (k.startsWith('x-iterable') ? undefined : v))), `${t.name}: the catalog's properties`);
    assert.ok(t.description.startsWith(a.description), t.name);
    assert.equal(t.title, a.title);
    assert.equal(t.annotations.readOnlyHint, isRead(a), `${t.name} readOnlyHint`);
    assert.equal(t.annotations.destructiveHint, isDestructive(a), `${t.name} destructiveHint`);
    assert.equal(t.annotations.openWorldHint, true, t.name);
    assert.equal(t.annotations.idempotentHint, a.idempotent, `${t.name} idempotentHint`);
    if (a.irreversible && !allowIrreversible) assert.ok(t.description.includes(`refused unless the server runs with ${hint}`), t.name);
  }
  assert.ok(tools.some((t) => t.annotations.readOnlyHint) && tools.some((t) => t.annotations.destructiveHint));
}

/** Starts `node <cli> mcp --http --port 0 --quiet ...args` (or under `runner`, e.g. [deno, 'run',
 * '-A']) and waits for its URL (the first stdout line). Resolves to { url, child, stop() } (stop:
 * SIGINT, resolves when it has exited). */
export async function startMcpHttp(cli, args = [], env = process.env, runner = [process.execPath]) {
  const { spawn } = await import('node:child_process');
  const child = spawn(runner[0], [...runner.slice(1), cli, 'mcp', '--http', '--port', '0', '--quiet', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const closed = new Promise((r) => child.once('close', r));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0].trim());
    });
    closed.then((code) => reject(new Error(`mcp --http exited (${code}): ${err}`)));
  });
  return { url, child, stop: () => (child.exitCode === null && child.kill('SIGINT'), closed) };
}
