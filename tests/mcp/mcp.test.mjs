// The MCP server over stdio (`iterable-wasm mcp`, in Node and in Deno), driven by the official
// TypeScript SDK's client against a fake Iterable on 127.0.0.1; and the raw protocol (version
// negotiation, ping, errors, batches) written line by line. Discovery against the sandbox end to
// end in Node and Deno, over stdio and over `mcp --http` (workerd: worker.test.mjs).
// Run: node --test tests/mcp/mcp.test.mjs
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import Ajv2020 from 'ajv/dist/2020.js';
import { LISTS } from '../cli/fake-iterable.mjs';
import { CLI, DENO, KEY, PKG_DIR, sandboxBuilt } from '../cli/helpers.mjs';
import { checkTools, parseText, startMcpHttp, withFakeApi } from './checks.mjs';

let srv;
let actions;
const open = withFakeApi((c) => ({ srv, actions } = c));

/** Starts `iterable-wasm mcp ...args` and connects the SDK client to it. */
async function connect(args = [], { runtime = 'node', env = {} } = {}) {
  const [command, cmdArgs] = runtime === 'deno' ? [DENO, ['run', '-A', '--quiet', CLI, 'mcp', ...args]] : [process.execPath, [CLI, 'mcp', ...args]];
  const transport = new StdioClientTransport({
    command,
    args: cmdArgs,
    env: { PATH: process.env.PATH, HOME: process.env.HOME ?? '/tmp', ITERABLE_API_KEY: KEY, ITERABLE_BASE_URL: srv.url, ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d) => (stderr += d));
  const client = new Client({ name: 'iterable-wasm-tests', version: '1.0.0' });
  await client.connect(transport);
  open.push(client);
  return { client, stderr: () => stderr };
}

/** Every text a session produced must be free of the key. */
function assertNoKey(...texts) {
  for (const t of texts) assert.ok(!String(t).includes(KEY), 'the API key leaked');
}

describe('stdio in Node, through the official SDK client', () => {
  let s;
  before(async () => {
    s = await connect(['--tools=all']);
  });

  test('initialize: server info, tools capability, instructions', async () => {
    const info = s.client.getServerVersion();
    assert.equal(info.name, 'iterable-wasm');
    assert.equal(info.version, JSON.parse(readFileSync(join(PKG_DIR, 'package.json'), 'utf8')).version);
    assert.ok(s.client.getServerCapabilities().tools);
    assert.match(s.client.getInstructions(), /irreversible tools \(destructiveHint\) are refused/);
    await s.client.ping();
  });

  test('tools/list: every action, with its schema (valid JSON Schema, object at the top) and annotations', async () => {
    const { tools } = await s.client.listTools();
    checkTools(tools, actions, { allowIrreversible: false });
    // Every schema compiles as JSON Schema 2020-12 and accepts what the client would accept.
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false, logger: false });
    for (const t of tools) ajv.compile(t.inputSchema);
    const te = tools.find((t) => t.name === 'track_event');
    const validate = ajv.compile(te.inputSchema);
    assert.equal(validate({ email: 'a@b.co', eventName: 'x' }), true);
    assert.equal(validate({ email: 'a@b.co' }), false, 'eventName is required');
  });

  test('a read: list_lists returns the JSON as text content', async () => {
    const r = await s.client.callTool({ name: 'list_lists', arguments: {} });
    assert.ok(!r.isError);
    assert.equal(r.content[0].type, 'text');
    assert.deepEqual(parseText(r), { lists: LISTS });
  });

  test('a write: track_event reaches the API with the key', async () => {
    srv.reset();
    const r = await s.client.callTool({ name: 'track_event', arguments: { email: 'ada@example.com', eventName: 'fromAgent', dataFields: { n: 1 } } });
    assert.ok(!r.isError, r.content[0].text);
    assert.equal(parseText(r).code, 'Success');
    const [req] = srv.apiRequests();
    assert.equal(req.path, '/api/events/track');
    assert.equal(req.headers['api-key'], KEY);
    assert.deepEqual(req.body, { email: 'ada@example.com', eventName: 'fromAgent', dataFields: { n: 1 } });
  });

  test('bad input: a tool error with code ValidationError and the issues; nothing sent', async () => {
    srv.reset();
    const r = await s.client.callTool({ name: 'track_event', arguments: { email: 'ada@example.com', bogus: 1 } });
    assert.equal(r.isError, true);
    const { error } = parseText(r);
    assert.equal(error.code, 'ValidationError');
    assert.ok(error.issues.some((i) => i.param === 'eventName'));
    assert.ok(error.issues.some((i) => i.param === 'bogus'));
    assert.equal(srv.requests.length, 0);
  });

  test('a "one of" group left out: a ValidationError tool result naming the group; nothing sent', async () => {
    srv.reset();
    const r = await s.client.callTool({ name: 'update_user', arguments: { dataFields: { a: 1 } } });
    assert.equal(r.isError, true);
    const { error } = parseText(r);
    assert.equal(error.code, 'ValidationError');
    assert.deepEqual(error.issues, [{ param: 'email|userId', message: 'give at least one of email, userId' }]);
    assert.equal(srv.requests.length, 0);
  });

  test("an API error: a tool error with Iterable's code, status and message", async () => {
    const r = await s.client.callTool({ name: 'update_user', arguments: { email: 'exists@example.com' } });
    assert.equal(r.isError, true);
    const { error } = parseText(r);
    assert.equal(error.code, 'BadParams');
    assert.equal(error.status, 400);
    assert.equal(error.message, 'User update failed: email already taken');
  });

  test('an irreversible tool is refused without --allow-irreversible, and says so; nothing sent', async () => {
    srv.reset();
    const r = await s.client.callTool({ name: 'delete_list', arguments: { listId: 10 } });
    assert.equal(r.isError, true);
    const { error } = parseText(r);
    assert.equal(error.code, 'IrreversibleNotAllowed');
    assert.match(error.message, /--allow-irreversible/);
    assert.equal(srv.requests.length, 0);
  });

  test('an unknown tool is a protocol error (-32602); the server keeps serving', async () => {
    await assert.rejects(s.client.callTool({ name: 'no_such_tool', arguments: {} }), (e) => e.code === -32602 && /Unknown tool/.test(e.message));
    const bad = await s.client.callTool({ name: 'list_lists', arguments: 'not an object' }).catch((e) => e);
    assert.ok(bad.code === -32602 || parseText(bad).error.code === 'ValidationError', 'arguments that are not an object are refused');
    await s.client.ping();
    const r = await s.client.callTool({ name: 'list_channels', arguments: {} });
    assert.ok(!r.isError);
  });

  test('logs go to stderr only, without the key', () => {
    assert.match(s.stderr(), /serving \d+ tools over stdio; irreversible tools refused/);
    assertNoKey(s.stderr());
  });
});

describe('stdio options', () => {
  test('--allow-irreversible with an allow-list: only those tools, and the irreversible one runs', async () => {
    const s = await connect(['--allow-irreversible', '--allow', 'delete_list,list_lists']);
    const { tools } = await s.client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['delete_list', 'list_lists']);
    const del = tools.find((t) => t.name === 'delete_list');
    assert.equal(del.annotations.destructiveHint, true);
    assert.doesNotMatch(del.description, /refused/);
    srv.reset();
    const r = await s.client.callTool({ name: 'delete_list', arguments: { listId: 11 } });
    assert.ok(!r.isError, r.content[0].text);
    assert.equal(parseText(r).msg, 'List 11 deleted');
    assert.deepEqual(srv.apiRequests().map((q) => `${q.method} ${q.path}`), ['DELETE /api/lists/11']);
    await assert.rejects(s.client.callTool({ name: 'track_event', arguments: { userId: '1', eventName: 'x' } }), (e) => e.code === -32602);
    await s.client.close();
  });

  test('--deny removes tools', async () => {
    const s = await connect(['--tools=all', '--deny', 'list_lists', '--deny', 'track_event']);
    const { tools } = await s.client.listTools();
    assert.equal(tools.length, actions.length - 2);
    assert.ok(!tools.some((t) => t.name === 'list_lists' || t.name === 'track_event'));
    await s.client.close();
  });

  test('a network failure is a tool error (NetworkError), not a crash', async () => {
    const s = await connect(['--tools=all', '--max-retries', '0'], { env: { ITERABLE_BASE_URL: 'http://127.0.0.1:9' } });
    const r = await s.client.callTool({ name: 'list_lists', arguments: {} });
    assert.equal(r.isError, true);
    assert.equal(parseText(r).error.code, 'NetworkError');
    await s.client.ping();
    await s.client.close();
  });

  test('--sandbox serves the emulator, or the server refuses to start with a clear message', async () => {
    const hasSandbox = await sandboxBuilt();
    if (hasSandbox) {
      srv.reset();
      const dir = mkdtempSync(join(tmpdir(), 'iterable-mcp-'));
      const state = join(dir, 'state.json');
      try {
        const s = await connect(['--tools=all', '--sandbox', '--state', state], { env: { ITERABLE_API_KEY: '' } });
        const r = await s.client.callTool({ name: 'list_lists', arguments: {} });
        assert.ok(!r.isError, r.content[0].text);
        assert.ok(Array.isArray(parseText(r).lists));
        const w = await s.client.callTool({ name: 'create_new_list', arguments: { name: 'From the agent' } });
        assert.ok(!w.isError, w.content[0].text);
        await s.client.close();
        // A new server on the same state file sees the write.
        const again = await connect(['--tools=all', '--sandbox', '--state', state], { env: { ITERABLE_API_KEY: '' } });
        const l = await again.client.callTool({ name: 'list_lists', arguments: {} });
        assert.ok(parseText(l).lists.some((x) => x.name === 'From the agent'));
        await again.client.close();
        assert.equal(srv.requests.length, 0, 'the emulator sends nothing');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    } else {
      const r = await raw(['--sandbox'], [], { env: { ITERABLE_API_KEY: '' } });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /sandbox/i);
    }
  });

  test('no key: the server does not start, and says why (exit 2)', async () => {
    const r = await raw([], [], { env: { ITERABLE_API_KEY: '' } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /set ITERABLE_API_KEY/);
    assert.equal(r.stdout, '');
  });
});

/** Writes lines to `iterable-wasm mcp`, closes stdin, collects stdout lines and the exit code. */
function raw(args, lines, { env = {}, runtime = 'node' } = {}) {
  const [command, cmdArgs] = runtime === 'deno' ? [DENO, ['run', '-A', '--quiet', CLI, 'mcp', ...args]] : [process.execPath, [CLI, 'mcp', ...args]];
  const child = spawn(command, cmdArgs, { env: { ...process.env, ITERABLE_API_KEY: KEY, ITERABLE_BASE_URL: srv.url, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  child.stdin.on('error', () => {});
  for (const l of lines) child.stdin.write(l + '\n');
  child.stdin.end();
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('the raw protocol over stdio', () => {
  test('version negotiation, ping, notifications, errors and batches; stdout carries JSON-RPC only', async () => {
    const init = (id, v) => JSON.stringify({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: v, capabilities: {}, clientInfo: { name: 'raw', version: '0' } } });
    const r = await raw(['--tools=all'], [
      init(1, '2024-11-05'),
      init(2, '2025-03-26'),
      init(3, '2025-06-18'),
      init(4, '2099-01-01'),
      JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      JSON.stringify({ jsonrpc: '2.0', id: 'p', method: 'ping' }),
      JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'no/such/method' }),
      '{this is not json',
      JSON.stringify([{ jsonrpc: '2.0', id: 6, method: 'ping' }, { jsonrpc: '2.0', id: 7, method: 'tools/list' }]),
      JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'list_lists', arguments: {} } }),
      JSON.stringify({ id: 9, method: 'ping' }),
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l)); // every line is JSON
    const byId = new Map(out.filter((m) => !Array.isArray(m)).map((m) => [m.id, m]));
    assert.equal(byId.get(1).result.protocolVersion, '2024-11-05');
    assert.equal(byId.get(2).result.protocolVersion, '2025-03-26');
    assert.equal(byId.get(3).result.protocolVersion, '2025-06-18');
    assert.equal(byId.get(4).result.protocolVersion, '2025-11-25', 'an unknown version gets the newest');
    assert.deepEqual(byId.get('p'), { jsonrpc: '2.0', id: 'p', result: {} });
    assert.equal(byId.get(5).error.code, -32601);
    const nulls = out.filter((m) => !Array.isArray(m) && m.id === null);
    assert.ok(nulls.some((m) => m.error.code === -32700), 'parse error');
    // 2025-06-18 (agreed last) has no batches: the batch is refused as a whole.
    assert.ok(nulls.some((m) => m.error.code === -32600 && /no JSON-RPC batches/.test(m.error.message)), JSON.stringify(nulls));
    assert.equal(out.find(Array.isArray), undefined);
    assert.deepEqual(JSON.parse(byId.get(8).result.content[0].text), { lists: LISTS });
    assert.equal(byId.get(9).error.code, -32600);
    assert.equal(out.length, 10, 'no answer to the notification');
    assertNoKey(r.stdout, r.stderr);
  });

  test('batches on 2025-03-26: answered together; initialize inside one is refused', async () => {
    const r = await raw(['--tools=all'], [
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } }),
      JSON.stringify([{ jsonrpc: '2.0', id: 6, method: 'ping' }, { jsonrpc: '2.0', id: 7, method: 'tools/list' }, { jsonrpc: '2.0', id: 8, method: 'initialize', params: {} }]),
    ]);
    assert.equal(r.code, 0, r.stderr);
    const batch = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).find(Array.isArray);
    assert.deepEqual(batch.map((m) => m.id).sort(), [6, 7, 8]);
    assert.equal(batch.find((m) => m.id === 7).result.tools.length, actions.length);
    assert.match(batch.find((m) => m.id === 8).error.message, /not in a batch/);
  });
});

describe('stdio in Deno', () => {
  test('deno run -A pkg/cli.js mcp: initialize, list, a read, a tool error', { skip: !DENO && 'deno not installed' }, async () => {
    const s = await connect(['--tools=all'], { runtime: 'deno' });
    assert.equal(s.client.getServerVersion().name, 'iterable-wasm');
    const { tools } = await s.client.listTools();
    checkTools(tools, actions, { allowIrreversible: false });
    const r = await s.client.callTool({ name: 'list_lists', arguments: {} });
    assert.deepEqual(parseText(r), { lists: LISTS });
    const e = await s.client.callTool({ name: 'update_user', arguments: { email: 'exists@example.com' } });
    assert.equal(e.isError, true);
    assert.equal(parseText(e).error.code, 'BadParams');
    const g = await s.client.callTool({ name: 'forget_user', arguments: { email: 'a@b.co' } });
    assert.equal(parseText(g).error.code, 'IrreversibleNotAllowed');
    await s.client.close();
    assertNoKey(s.stderr());
  });
});

describe('discovery against the sandbox, through the SDK client', () => {
  /** `mcp --http --sandbox` in the runtime, the SDK client connected over streamable HTTP. */
  async function overHttp(runtime) {
    const runner = runtime === 'deno' ? [DENO, 'run', '-A', '--quiet'] : [process.execPath];
    const h = await startMcpHttp(CLI, ['--sandbox'], { PATH: process.env.PATH, HOME: process.env.HOME ?? '/tmp', ITERABLE_API_KEY: '' }, runner);
    const client = new Client({ name: 'iterable-wasm-tests', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(h.url)));
    return { client, stop: h.stop };
  }
  for (const [runtime, transport] of [['node', 'stdio'], ['deno', 'stdio'], ['node', 'http'], ['deno', 'http']]) {
    test(`${runtime} over ${transport}: search → describe → run (the default tools)`, { skip: runtime === 'deno' && !DENO && 'deno not installed' }, async (t) => {
      if (!(await sandboxBuilt())) return t.skip('this build has no sandbox');
      srv.reset();
      const s = transport === 'http' ? await overHttp(runtime) : await connect(['--sandbox'], { runtime, env: { ITERABLE_API_KEY: '' } });
      t.after(() => s.stop?.());
      const { tools } = await s.client.listTools();
      assert.deepEqual(tools.map((x) => x.name), ['search_actions', 'describe_action', 'run_action']);
      const found = parseText(await s.client.callTool({ name: 'search_actions', arguments: { query: 'create list' } }));
      assert.ok(found.actions.some((a) => a.id === 'create_new_list'));
      const d = parseText(await s.client.callTool({ name: 'describe_action', arguments: { id: 'create_new_list' } }));
      assert.deepEqual(d.inputSchema.required, ['name']);
      assert.equal(d.outputSchema?.type, 'object');
      const made = await s.client.callTool({ name: 'run_action', arguments: { id: 'create_new_list', arguments: { name: `From ${runtime} over ${transport}` } } });
      assert.ok(!made.isError, made.content[0].text);
      const lists = await s.client.callTool({ name: 'run_action', arguments: { id: 'list_lists', arguments: {} } });
      assert.ok(lists.structuredContent.lists.some((l) => l.name === `From ${runtime} over ${transport}`));
      assert.equal(srv.requests.length, 0, 'the emulator sends nothing');
      await s.client.close();
    });
  }
});
