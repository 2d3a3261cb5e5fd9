// Discovery mode, toolsets, read-only and the sends gate of `iterable-wasm mcp`, over stdio and
// over `mcp --http`, driven by the official SDK client against a fake Iterable on 127.0.0.1; and
// the byte size and tool count of tools/list for every preset.
// Run: node --test tests/mcp/discovery.test.mjs
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LISTS } from '../cli/fake-iterable.mjs';
import { CLI, KEY, PKG_DIR, run as runCli } from '../cli/helpers.mjs';
import { isDestructive, parseText, startMcpHttp, withFakeApi } from './checks.mjs';

// A send time within the documented window (at most 7 days ahead).
const soon = () => new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');

const DISCOVERY_BUDGET = 8 * 1024;
const MAX_TOOLS = 100;
const env = () => ({ PATH: process.env.PATH, HOME: process.env.HOME ?? '/tmp', ITERABLE_API_KEY: KEY, ITERABLE_BASE_URL: srv.url });

let srv;
let actions;
const open = withFakeApi((c) => ({ srv, actions } = c));

async function stdio(args = []) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', ...args], env: env(), stderr: 'pipe' });
  const client = new Client({ name: 'discovery-tests', version: '1.0.0' });
  await client.connect(transport);
  open.push(client);
  return client;
}

/** `mcp --http --port 0 ...args` with the SDK client connected: { url, client, stop }. */
async function http(args = []) {
  const h = await startMcpHttp(CLI, args, env());
  const client = new Client({ name: 'discovery-tests', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(h.url)));
  return {
    url: h.url,
    client,
    stop: async () => {
      await client.close().catch(() => {});
      await h.stop();
    },
  };
}

const bytes = (tools) => Buffer.byteLength(JSON.stringify({ tools }));

/** The discovery flow every transport must serve: search → describe → run, and the gates. */
async function discoveryFlow(client) {
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name), ['search_actions', 'describe_action', 'run_action']);
  assert.ok(bytes(tools) <= DISCOVERY_BUDGET, `discovery tools/list is ${bytes(tools)} bytes`);
  for (const t of tools) assert.equal(t.description.split(/(?<=[.!?])\s+/).filter(Boolean).length, 2, `${t.name}: two sentences`);

  const all = parseText(await client.callTool({ name: 'search_actions', arguments: {} }));
  assert.equal(all.total, actions.length);
  assert.equal(Object.values(all.resources).reduce((a, b) => a + b, 0), actions.length);

  const found = parseText(await client.callTool({ name: 'search_actions', arguments: { query: 'lists' } }));
  assert.equal(found.actions[0].resource, 'lists', JSON.stringify(found.actions.slice(0, 3)));
  assert.ok(found.actions.some((a) => a.id === 'list_lists'));
  const sends = parseText(await client.callTool({ name: 'search_actions', arguments: { flags: ['sends'], limit: 50 } }));
  assert.ok(sends.actions.some((a) => a.id === 'schedule_campaign') && sends.actions.some((a) => a.id === 'create_new_campaign'));
  const reads = parseText(await client.callTool({ name: 'search_actions', arguments: { resource: 'users', flags: ['read'], limit: 50 } }));
  assert.ok(reads.actions.length > 0 && reads.actions.every((a) => a.resource === 'users' && a.flags.includes('read')));

  const d = await client.callTool({ name: 'describe_action', arguments: { id: 'track_event' } });
  const desc = parseText(d);
  assert.deepEqual(d.structuredContent, desc, 'structuredContent is the same object');
  assert.equal(desc.inputSchema.type, 'object');
  assert.deepEqual(desc.inputSchema.required, ['eventName']);
  assert.equal(desc.annotations.openWorldHint, true);
  assert.doesNotMatch(d.content[0].text, /\n {2}/, 'compact JSON');
  const unknown = await client.callTool({ name: 'describe_action', arguments: { id: 'list_list' } });
  assert.equal(unknown.isError, true);
  assert.match(parseText(unknown).error.message, /did you mean .*list_lists/);

  srv.reset();
  const run = (id, args) => client.callTool({ name: 'run_action', arguments: { id, arguments: args } });
  const r = await run('list_lists', {});
  assert.ok(!r.isError, r.content[0].text);
  assert.deepEqual(parseText(r), { lists: LISTS });
  assert.deepEqual(r.structuredContent, { lists: LISTS });
  assert.equal(r.content[0].text, JSON.stringify({ lists: LISTS }), 'compact text');
  const bad = await run('track_event', { email: 'ada@example.com', bogus: 1 });
  assert.equal(bad.isError, true);
  assert.equal(parseText(bad).error.code, 'ValidationError');
  assert.ok(parseText(bad).error.issues.some((i) => i.param === 'eventName'));
  // Gates: irreversible, sends (always, or with the param that makes the action send).
  const del = await run('delete_list', { listId: 10 });
  assert.equal(parseText(del).error.code, 'IrreversibleNotAllowed');
  const sched = await run('schedule_campaign', { campaignId: 1, sendAt: soon() });
  assert.equal(sched.isError, true);
  assert.equal(parseText(sched).error.code, 'SendsNotAllowed');
  assert.match(parseText(sched).error.message, /send messages to people.*--allow-sends.*nothing was sent/);
  const later = await run('create_new_campaign', { name: 'c', listIds: [1], templateId: 2 });
  assert.equal(parseText(later).error.code, 'SendsNotAllowed');
  assert.deepEqual(srv.apiRequests().map((q) => q.path), ['/api/lists'], 'nothing refused was sent');
}

describe('discovery mode (the default)', () => {
  test('over stdio: search → describe → run, the gates, compact and structured results', async () => {
    const c = await stdio();
    assert.match(c.getInstructions(), /search_actions/);
    await discoveryFlow(c);
  });

  test('over mcp --http: the same', async () => {
    const h = await http();
    try {
      await discoveryFlow(h.client);
    } finally {
      await h.stop();
    }
  });

  test('--allow-sends lets a send through; --read-only narrows search and run to reads', async () => {
    const c = await stdio(['--allow-sends']);
    srv.reset();
    const r = await c.callTool({ name: 'run_action', arguments: { id: 'schedule_campaign', arguments: { campaignId: 1, sendAt: soon() } } });
    assert.notEqual(r.isError && parseText(r).error.code, 'SendsNotAllowed');
    assert.deepEqual(srv.apiRequests().map((q) => q.path), ['/api/campaigns/1/schedule']);
    const ro = await stdio(['--read-only']);
    const all = parseText(await ro.callTool({ name: 'search_actions', arguments: { limit: 50 } }));
    assert.equal(all.total, actions.filter((a) => a.method === 'GET').length);
    const w = await ro.callTool({ name: 'run_action', arguments: { id: 'track_event', arguments: { email: 'a@b.co', eventName: 'x' } } });
    assert.equal(parseText(w).error.code, 'UnknownAction');
  });
});

describe('presets: one tool per action', () => {
  test('every toolset alone, and --read-only, stay within 100 tools; annotations follow the catalog', async () => {
    const sizes = {};
    const resources = [...new Set(actions.map((a) => a.resource))].sort();
    const c = await stdio();
    sizes.discover = [(await c.listTools()).tools.length, bytes((await c.listTools()).tools)];
    for (const args of [...resources.map((r) => ['--toolsets', r]), ['--read-only', '--tools=all'], ['--tools=all']]) {
      const s = await stdio(args);
      const { tools } = await s.listTools();
      sizes[args.join(' ')] = [tools.length, bytes(tools)];
      const want = actions.filter((a) => (args[0] === '--toolsets' ? a.resource === args[1] : args[0] === '--read-only' ? a.method === 'GET' : true));
      assert.deepEqual(tools.map((t) => t.name), want.map((a) => a.id), args.join(' '));
      if (args[0] !== '--tools=all') assert.ok(tools.length <= MAX_TOOLS, `${args.join(' ')}: ${tools.length} tools`);
      const byId = new Map(actions.map((a) => [a.id, a]));
      for (const t of tools) {
        const a = byId.get(t.name);
        assert.equal(t.annotations.destructiveHint, isDestructive(a), t.name);
        assert.equal(t.annotations.readOnlyHint, a.method === 'GET', t.name);
        assert.equal(t.annotations.idempotentHint, a.idempotent, t.name);
        assert.equal(t.annotations.openWorldHint, true, t.name);
        if (t.outputSchema) assert.equal(t.outputSchema.type, 'object', t.name);
      }
      await s.close();
    }
    console.log(`tools/list per preset [tools, bytes]: ${JSON.stringify(sizes)}`);
    assert.ok(sizes.discover[1] <= DISCOVERY_BUDGET);
  });

  test('--toolsets over 100 tools, or an unknown toolset, stops with a clear message', async () => {
    const run = (args) =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [CLI, 'mcp', ...args], { env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
        let err = '';
        child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
        child.stdin.end();
        child.once('close', (code) => resolve({ code, err }));
      });
    const big = await run(['--toolsets', 'templates,users,messages,events,campaigns,experiments']);
    assert.notEqual(big.code, 0);
    assert.match(big.err, /105 tools, more than 100/);
    const bad = await run(['--toolsets', 'nope']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.err, /unknown toolset nope; the toolsets are the catalog's resources: .*users/);
  });

  test('a sends tool in a toolset: refused without --allow-sends, described as such; outputSchema matches structuredContent', async () => {
    const c = await stdio(['--toolsets', 'campaigns,lists']);
    const { tools } = await c.listTools();
    const sched = tools.find((t) => t.name === 'schedule_campaign');
    assert.match(sched.description, /Sends messages to people: refused unless the server runs with --allow-sends/);
    srv.reset();
    const r = await c.callTool({ name: 'schedule_campaign', arguments: { campaignId: 1, sendAt: soon() } });
    assert.equal(parseText(r).error.code, 'SendsNotAllowed');
    assert.equal(srv.requests.length, 0);
    // The SDK client checks structuredContent against the declared outputSchema.
    const l = await c.callTool({ name: 'list_lists', arguments: {} });
    assert.deepEqual(l.structuredContent, { lists: LISTS });
  });
});

describe('the sends flag: one catalog flag, shown alike by the catalog, the CLI and the MCP server', () => {
  // Every action that makes Iterable deliver a message to a person (reviewed by hand).
  const SENDING = [
    'activate_triggered_campaign', 'begin_sms_verification', 'create_new_campaign', 'declare_experiment_winner', 'schedule_campaign', 'send_campaign',
    'send_email_template_proof', 'send_email_to_target', 'send_inapp_notification_to_target', 'send_inapp_template_proof', 'send_push_template_proof',
    'send_push_to_target', 'send_sms_template_proof', 'send_sms_to_target', 'send_web_push_to_target', 'send_whatsapp_to_target', 'trigger_campaign',
    'trigger_double_opt_in', 'trigger_journey',
  ];

  test('catalog, CLI (actions --json, describe) and MCP (tools, search, describe_action) agree', async () => {
    assert.deepEqual(actions.filter((a) => a.sends).map((a) => a.id).sort(), SENDING);
    assert.ok(actions.every((a) => typeof a.sends === 'boolean' && (a.sendsWhen === null || a.sends)));
    assert.deepEqual(actions.filter((a) => a.sendsWhen).map((a) => [a.id, a.sendsWhen]), [['create_new_campaign', { given: 'listIds', unlessFalse: 'scheduleSend' }]]);
    // The CLI: `actions --json` and `describe` (its text for every action; one run end to end).
    const listed = JSON.parse((await runCli(['actions', '--json'])).stdout);
    assert.deepEqual(listed.map((a) => [a.id, a.sends, a.sendsWhen]), actions.map((a) => [a.id, a.sends, a.sendsWhen]));
    const { describeText } = await import(join(PKG_DIR, 'cli/describe.js'));
    for (const a of actions) assert.equal(/Flags: .*sends messages to people/s.test(describeText(a)), a.sends, a.id);
    const one = await runCli(['describe', 'create_new_campaign']);
    assert.match(one.stdout.replace(/\s+/g, ' '), /Flags: .*sends messages to people when listIds is given and scheduleSend is not false/);
    const marks = (await runCli(['actions', 'campaigns'])).stdout;
    assert.match(marks, /@ sends messages to people/);
    assert.match(marks, /schedule_campaign +POST +@/);
    // The MCP server: every tool's description, search_actions' flags and describe_action.
    const all = await stdio(['--tools=all']);
    const { tools } = await all.listTools();
    for (const t of tools) assert.equal(/\nSends messages to people/.test(t.description), actions.find((a) => a.id === t.name).sends, t.name);
    const d = await stdio();
    const found = parseText(await d.callTool({ name: 'search_actions', arguments: { flags: ['sends'], limit: 50 } }));
    assert.deepEqual(found.actions.map((a) => a.id).sort(), SENDING);
    const described = parseText(await d.callTool({ name: 'describe_action', arguments: { id: 'create_new_campaign' } }));
    assert.ok(described.flags.includes('sends(with listIds)'));
    assert.match(described.description, /Sends messages to people when listIds is given and scheduleSend is not false: refused unless/);
  });

  test('a conditional send is gated only when its input sends', async () => {
    const c = await stdio();
    const run = (args) => c.callTool({ name: 'run_action', arguments: { id: 'create_new_campaign', arguments: args } });
    const code = (r) => (r.isError ? parseText(r).error.code : null);
    srv.reset();
    assert.equal(code(await run({ name: 'blast', templateId: 2, listIds: [1] })), 'SendsNotAllowed');
    assert.equal(code(await run({ name: 'blast', templateId: 2, listIds: [1], scheduleSend: true })), 'SendsNotAllowed');
    assert.deepEqual(srv.apiRequests(), [], 'nothing refused was sent');
    assert.notEqual(code(await run({ name: 'triggered', templateId: 2 })), 'SendsNotAllowed');
    assert.notEqual(code(await run({ name: 'draft', templateId: 2, listIds: [1], scheduleSend: false })), 'SendsNotAllowed');
    assert.equal(srv.apiRequests().length, 2);
  });
});

test('the package version is serverInfo.version', async () => {
  const c = await stdio();
  const { version } = await import(join(PKG_DIR, 'package.json'), { with: { type: 'json' } }).then((m) => m.default);
  assert.equal(c.getServerVersion().version, version);
});

describe('progress while a call waits', () => {
  /** A client whose calls end after `ms`. */
  const slow = (ms) => ({ execute: (id, input, { signal }) => new Promise((resolve, reject) => {
    const t = setTimeout(() => resolve({ lists: [] }), ms);
    signal.addEventListener('abort', () => (clearTimeout(t), reject(new Error('aborted'))));
  }) });

  test('stdio-style (context.notify): notifications/progress with the token, then the answer; none without a token', async () => {
    const { createMcpServer } = await import(join(PKG_DIR, 'mcp.js'));
    const server = createMcpServer({ client: slow(400), actions, tools: 'all', progressIntervalMs: 50 });
    const seen = [];
    const call = (meta) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'list_lists', arguments: {}, ...meta } });
    const answer = JSON.parse(await server.respond(call({ _meta: { progressToken: 'tok' } }), { notify: (m) => seen.push(m) }));
    assert.deepEqual(answer.result.structuredContent, { lists: [] });
    assert.ok(seen.length >= 2, `${seen.length} progress notifications`);
    assert.ok(seen.every((m, i) => m.method === 'notifications/progress' && m.params.progressToken === 'tok' && m.params.progress === i + 1));
    const before = seen.length;
    await server.respond(call({}), { notify: (m) => seen.push(m) });
    assert.equal(seen.length, before, 'no token, no progress');
  });

  test('over HTTP: the SDK client gets onprogress during the call (an event stream), then the result', async () => {
    const { createMcpServer, createMcpHttpHandler } = await import(join(PKG_DIR, 'mcp.js'));
    const handle = createMcpHttpHandler(createMcpServer({ client: slow(400), actions, tools: 'all', toolsets: ['lists'], progressIntervalMs: 50 }), { sessions: true });
    const client = new Client({ name: 'progress-tests', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL('http://127.0.0.1/mcp'), { fetch: (u, init) => handle(new Request(u, init)) }));
    const progress = [];
    const r = await client.callTool({ name: 'list_lists', arguments: {} }, undefined, { onprogress: (p) => progress.push(p), resetTimeoutOnProgress: true });
    assert.deepEqual(r.structuredContent, { lists: [] });
    assert.ok(progress.length >= 2, `${progress.length} progress notifications`);
    assert.match(progress[0].message, /list_lists: waiting/);
    await client.close();
  });
});

test('a call waiting on the client-side rate limiter sends progress before its answer (SDK client, real limiter)', async () => {
  // list_export_files is limited to 1 request/second in the catalog: of three calls at once, the
  // limiter holds the later ones about 1 s and 2 s before they are sent.
  const { IterableClient } = await import(join(PKG_DIR, 'index.node.js'));
  const { createMcpServer, createMcpHttpHandler } = await import(join(PKG_DIR, 'mcp.js'));
  const sentAt = [];
  const client = new IterableClient({ apiKey: KEY, baseUrl: srv.url, fetch: (u, init) => (sentAt.push(Date.now()), fetch(u, init)) });
  const handle = createMcpHttpHandler(createMcpServer({ client, actions, secrets: [KEY], progressIntervalMs: 100 }), { sessions: true });
  const c = new Client({ name: 'limiter-tests', version: '1.0.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL('http://127.0.0.1/mcp'), { fetch: (u, init) => handle(new Request(u, init)) }));
  try {
    srv.reset();
    const calls = [0, 1, 2].map(() => {
      const progress = [];
      const done = c
        .callTool({ name: 'run_action', arguments: { id: 'list_export_files', arguments: { jobId: 77 } } }, undefined, { onprogress: (p) => progress.push({ ...p, at: Date.now() }), resetTimeoutOnProgress: true })
        .then((r) => ({ r, progress, at: Date.now() }));
      return done;
    });
    const results = await Promise.all(calls);
    for (const { r } of results) assert.ok(!r.isError, r.content[0].text);
    assert.equal(srv.apiRequests().length, 3);
    const spread = Math.max(...sentAt) - Math.min(...sentAt);
    assert.ok(spread >= 1500, `the limiter spaced the requests (${spread} ms from first to last)`);
    // The call held longest got progress while it waited, every one before its answer.
    const held = results.reduce((a, b) => (b.progress.length > a.progress.length ? b : a));
    assert.ok(held.progress.length >= 3, `${held.progress.length} progress notifications`);
    assert.ok(held.progress.every((p) => p.at <= held.at));
    assert.match(held.progress[0].message, /list_export_files: waiting/);
    assert.deepEqual(held.progress.map((p) => p.progress), held.progress.map((_, i) => i + 1));
  } finally {
    await c.close();
  }
});

test('over stdio (the CLI): a call waiting on a slow API sends progress (every 5 s) before its answer', async () => {
  const { createServer } = await import('node:http');
  const slowApi = createServer((req, res) => setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"lists":[]}'), 5600));
  await new Promise((r) => slowApi.listen(0, '127.0.0.1', r));
  const child = spawn(process.execPath, [CLI, 'mcp', '--tools=all'], { env: { ...env(), ITERABLE_BASE_URL: `http://127.0.0.1:${slowApi.address().port}` }, stdio: ['pipe', 'pipe', 'pipe'] });
  try {
    const lines = [];
    let buf = '';
    const answered = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer: ${JSON.stringify(lines)}`)), 30_000);
      child.stdout.setEncoding('utf8').on('data', (d) => {
        buf += d;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const m = JSON.parse(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
          lines.push(m);
          if (m.id === 2) (clearTimeout(timer), resolve());
        }
      });
    });
    child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } }) + '\n');
    child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'list_lists', arguments: {}, _meta: { progressToken: 7 } } }) + '\n');
    await answered;
    const progress = lines.filter((m) => m.method === 'notifications/progress');
    assert.ok(progress.length >= 1, JSON.stringify(lines));
    assert.equal(progress[0].params.progressToken, 7);
    assert.ok(lines.indexOf(progress[0]) < lines.findIndex((m) => m.id === 2), 'progress before the answer');
    assert.deepEqual(lines.find((m) => m.id === 2).result.structuredContent, { lists: [] });
  } finally {
    child.stdin.end();
    await new Promise((r) => child.once('close', r));
    slowApi.close();
  }
});
