// The MCP server over streamable HTTP: examples/mcp-worker/worker.js in workerd (miniflare, started
// by the example's own run.mjs), driven by the official SDK's StreamableHTTPClientTransport against
// a fake Iterable on 127.0.0.1; and createMcpHttpHandler with sessions, in-process.
// Run: node --test tests/mcp/worker.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startFake, LISTS } from '../cli/fake-iterable.mjs';
import { KEY, PKG_DIR, ROOT, catalog } from '../cli/helpers.mjs';
import { waitForPkg } from '../support/install.mjs';
import { checkTools, parseText } from './checks.mjs';

const TOKEN = 'mcp-test-token-0123456789';
let srv;
let actions;
let worker;

before(async () => {
  waitForPkg();
  srv = await startFake();
  actions = await catalog();
  const { startWorker } = await import(join(ROOT, 'examples/mcp-worker/run.mjs'));
  worker = await startWorker({ pkgDir: PKG_DIR, bindings: { ITERABLE_API_KEY: KEY, MCP_TOKEN: TOKEN, ITERABLE_BASE_URL: srv.url, MCP_TOOLS: 'all' } });
});

after(async () => {
  await worker?.dispose();
  await srv?.close();
});

async function connect(url, headers = { authorization: `Bearer ${TOKEN}` }, fetchImpl) {
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers }, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
  const client = new Client({ name: 'iterable-wasm-tests', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

describe('streamable HTTP in workerd (examples/mcp-worker)', () => {
  let s;
  before(async () => {
    s = await connect(worker.url);
  });
  after(async () => {
    await s?.client.close();
  });

  test('initialize and list every tool with its schema and annotations', async () => {
    assert.equal(s.client.getServerVersion().name, 'iterable-wasm-worker');
    assert.equal(s.transport.sessionId, undefined, 'stateless: no session id');
    const { tools } = await s.client.listTools();
    checkTools(tools, actions, { allowIrreversible: false, hint: 'the binding MCP_ALLOW_IRREVERSIBLE = "1"' });
  });

  test('JSON tools carry an outputSchema in workerd too (iterable-wasm/results), and results match it', async () => {
    const { tools } = await s.client.listTools();
    const results = JSON.parse(readFileSync(join(PKG_DIR, 'results.json'), 'utf8'));
    const json = actions.filter((a) => a.response === 'json' && results[a.id]?.type === 'object');
    assert.ok(json.length > 50, `${json.length} JSON actions with an object result`);
    for (const a of json) {
      const { $schema, ...schema } = results[a.id];
      assert.deepEqual(tools.find((t) => t.name === a.id).outputSchema, schema, a.id);
    }
    // The SDK client checks structuredContent against the outputSchema it was given.
    const r = await s.client.callTool({ name: 'list_lists', arguments: {} });
    assert.deepEqual(r.structuredContent, { lists: LISTS });
  });

  test('a read and a write reach the API from inside workerd', async () => {
    srv.reset();
    const r = await s.client.callTool({ name: 'list_lists', arguments: {} });
    assert.ok(!r.isError, r.content[0].text);
    assert.deepEqual(parseText(r), { lists: LISTS });
    const w = await s.client.callTool({ name: 'track_event', arguments: { userId: '42', eventName: 'fromWorker' } });
    assert.ok(!w.isError, w.content[0].text);
    assert.equal(parseText(w).code, 'Success');
    assert.deepEqual(srv.apiRequests().map((q) => `${q.method} ${q.path} ${q.headers['api-key'] === KEY}`), ['GET /api/lists true', 'POST /api/events/track true']);
  });

  test('tool errors: bad input, an API error, a gated irreversible tool; the key never shows', async () => {
    srv.reset();
    const v = await s.client.callTool({ name: 'track_event', arguments: {} });
    assert.equal(v.isError, true);
    assert.equal(parseText(v).error.code, 'ValidationError');
    const a = await s.client.callTool({ name: 'update_user', arguments: { email: 'exists@example.com' } });
    assert.equal(a.isError, true);
    assert.deepEqual([parseText(a).error.code, parseText(a).error.status], ['BadParams', 400]);
    const g = await s.client.callTool({ name: 'delete_list', arguments: { listId: 10 } });
    assert.equal(g.isError, true);
    assert.equal(parseText(g).error.code, 'IrreversibleNotAllowed');
    assert.match(parseText(g).error.message, /MCP_ALLOW_IRREVERSIBLE/);
    assert.deepEqual(srv.apiRequests().map((q) => q.path), ['/api/users/update']);
    for (const r of [v, a, g]) assert.ok(!JSON.stringify(r).includes(KEY));
    await assert.rejects(s.client.callTool({ name: 'nope', arguments: {} }), (e) => e.code === -32602);
    await s.client.ping();
  });

  test('without the bearer token: 401; GET: 405; bad JSON: 400 parse error', async () => {
    await assert.rejects(connect(worker.url, {}), /401|Unauthorized/);
    const get = await fetch(worker.url, { headers: { authorization: `Bearer ${TOKEN}`, accept: 'text/event-stream' } });
    assert.equal(get.status, 405);
    await get.body?.cancel();
    const bad = await fetch(worker.url, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{nope' });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.code, -32700);
    const note = await fetch(worker.url, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
    assert.equal(note.status, 202);
    const other = await fetch(new URL('/elsewhere', worker.url));
    assert.equal(other.status, 404);
  });
});

describe('the worker against the emulator (ITERABLE_SANDBOX=1)', () => {
  test('discovery (the default) against the sandbox: search, describe, run; nothing goes over the network', async (t) => {
    const { IterableClient } = await import(join(PKG_DIR, 'index.node.js'));
    try {
      await new IterableClient({ apiKey: 'x', sandbox: true }).execute('list_channels', {});
    } catch (e) {
      t.skip(`this build has no working sandbox (${String(e?.message ?? e).slice(0, 120)})`);
      return;
    }
    const { startWorker } = await import(join(ROOT, 'examples/mcp-worker/run.mjs'));
    const w = await startWorker({ pkgDir: PKG_DIR, bindings: { MCP_TOKEN: TOKEN, ITERABLE_SANDBOX: '1', ITERABLE_BASE_URL: srv.url } });
    try {
      srv.reset();
      const s = await connect(w.url);
      const { tools } = await s.client.listTools();
      assert.deepEqual(tools.map((x) => x.name), ['search_actions', 'describe_action', 'run_action']);
      const found = parseText(await s.client.callTool({ name: 'search_actions', arguments: { query: 'create list' } }));
      assert.ok(found.actions.some((a) => a.id === 'create_new_list'), JSON.stringify(found));
      const d = parseText(await s.client.callTool({ name: 'describe_action', arguments: { id: 'create_new_list' } }));
      assert.ok(d.inputSchema.properties.name);
      assert.equal(d.outputSchema?.type, 'object', 'the result schema is known in the Worker');
      const run = (id, args) => s.client.callTool({ name: 'run_action', arguments: { id, arguments: args } });
      const r = await run('list_lists', {});
      assert.ok(!r.isError, r.content[0].text);
      assert.ok(Array.isArray(parseText(r).lists));
      const c = await run('create_new_list', { name: 'From the worker' });
      assert.ok(!c.isError, c.content[0].text);
      const again = await run('list_lists', {});
      assert.ok(parseText(again).lists.some((l) => l.name === 'From the worker'));
      const send = await run('send_email_to_target', { campaignId: 1, recipientEmail: 'a@b.co' });
      assert.equal(send.isError, true);
      assert.match(parseText(send).error.message, /MCP_ALLOW_SENDS/);
      assert.equal(srv.requests.length, 0);
      await s.client.close();
    } finally {
      await w.dispose();
    }
  });
});

describe('createMcpHttpHandler with sessions (in-process)', () => {
  test('a session id at initialize, required afterwards, ended by DELETE', async () => {
    const { IterableClient } = await import(join(PKG_DIR, 'index.node.js'));
    const { createMcpServer, createMcpHttpHandler } = await import(join(PKG_DIR, 'mcp.js'));
    const server = createMcpServer({ client: new IterableClient({ apiKey: KEY, baseUrl: srv.url }), actions, allow: ['list_lists', 'get_list_size'], secrets: [KEY] });
    const handle = createMcpHttpHandler(server, { sessions: true });
    const url = 'http://127.0.0.1/mcp';
    const s = await connect(url, {}, (u, init) => handle(new Request(u, init)));
    assert.match(s.transport.sessionId, /^[0-9a-f-]{36}$/);
    const { tools } = await s.client.listTools();
    assert.deepEqual(tools.map((t) => t.name), ['get_list_size', 'list_lists']);
    const r = await s.client.callTool({ name: 'get_list_size', arguments: { listId: 10 } });
    assert.equal(r.content[0].text, '2');
    const post = (headers) => handle(new Request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }) }));
    assert.equal((await post({})).status, 400, 'no session id');
    assert.equal((await post({ 'mcp-session-id': 'unknown' })).status, 404, 'unknown session');
    assert.equal((await post({ 'mcp-session-id': s.transport.sessionId })).status, 200);
    assert.equal((await post({ 'mcp-session-id': s.transport.sessionId, 'mcp-protocol-version': '1999-01-01' })).status, 400, 'unsupported version header');
    const sid = s.transport.sessionId;
    await s.transport.terminateSession();
    assert.equal((await post({ 'mcp-session-id': sid })).status, 404, 'ended by DELETE');
    await s.client.close();
  });
});
