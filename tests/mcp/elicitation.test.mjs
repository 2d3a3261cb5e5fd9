// Sends and irreversible calls confirmed by the user through elicitation: a client that declared
// the `elicitation` capability is asked (elicitation/create, a yes/no) instead of refused; the call
// runs on a yes only. Driven by the official SDK client over stdio (`iterable-wasm mcp`) and over
// `mcp --http`, against a fake Iterable on 127.0.0.1.
// Run: node --test tests/mcp/elicitation.test.mjs
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { CLI, KEY, PKG_DIR } from '../cli/helpers.mjs';
import { parseText, startMcpHttp, withFakeApi } from './checks.mjs';

let srv;
let actions;
const open = withFakeApi((c) => ({ srv, actions } = c));
const env = () => ({ PATH: process.env.PATH, HOME: process.env.HOME ?? '/tmp', ITERABLE_API_KEY: KEY, ITERABLE_BASE_URL: srv.url });

/** An SDK client declaring elicitation whose user answers with `reply(params)`; `asked` collects
 * the questions. */
function asking(reply) {
  const asked = [];
  const client = new Client({ name: 'elicitation-tests', version: '1.0.0' }, { capabilities: { elicitation: {} } });
  client.setRequestHandler(ElicitRequestSchema, async (req) => {
    asked.push(req.params);
    return reply(req.params);
  });
  return { client, asked };
}

const yes = () => ({ action: 'accept', content: { confirm: true } });
const code = (r) => (r.isError ? parseText(r).error.code : null);

/** The checks every transport must pass; `connect(reply)` gives { client, asked }. */
async function confirmFlow(connect) {
  const runOn = (c, id, args) => c.callTool({ name: 'run_action', arguments: { id, arguments: args } });

  // A yes: the question says what goes out and to whom, then the call runs.
  srv.reset();
  const ok = await connect(yes);
  const sent = await runOn(ok.client, 'send_sms_to_target', { campaignId: 77, recipientUserId: 'u-1', dataFields: { code: 'A1' } });
  assert.notEqual(code(sent), 'SendsNotAllowed');
  assert.equal(ok.asked.length, 1);
  const q = ok.asked[0];
  assert.match(q.message, /^Run send_sms_to_target \(Send SMS to Target: POST \/api\/sms\/target\)\? It is irreversible and makes Iterable send messages to people\./);
  assert.match(q.message, /\n {2}sends: +campaignId=77\n {2}to: +recipientUserId=u-1\n {2}with: +dataFields=\{"code":"A1"\}/);
  assert.ok(!q.message.includes(KEY));
  assert.deepEqual(q.requestedSchema.required, ['confirm']);
  assert.equal(q.requestedSchema.properties.confirm.type, 'boolean');
  // An irreversible delete, confirmed, runs too; a read asks nothing.
  const del = await runOn(ok.client, 'delete_list', { listId: 10 });
  assert.equal(del.isError ?? false, false, del.content[0].text);
  assert.match(ok.asked[1].message, /^Run delete_list \(Delete a list: DELETE \/api\/lists\/10\)\? It is irreversible\.\n {2}with listId=10$/);
  await runOn(ok.client, 'list_lists', {});
  assert.equal(ok.asked.length, 2);
  assert.deepEqual(srv.apiRequests().map((r) => `${r.method} ${r.path}`), ['POST /api/sms/target', 'DELETE /api/lists/10', 'GET /api/lists']);

  // Decline, cancel, or accept without a yes: refused, nothing sent.
  srv.reset();
  for (const [reply, how] of [
    [() => ({ action: 'decline' }), 'declined it'],
    [() => ({ action: 'cancel' }), 'cancelled the question'],
    [() => ({ action: 'accept', content: { confirm: false } }), 'did not confirm it'],
  ]) {
    const c = await connect(reply);
    const r = await runOn(c.client, 'schedule_campaign', { campaignId: 1, sendAt: new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z') });
    assert.equal(code(r), 'NotConfirmed');
    assert.match(parseText(r).error.message, new RegExp(`schedule_campaign makes Iterable send messages to people; the user ${how}, so nothing was sent`));
    assert.match(c.asked[0].message, /\n {2}sends: +campaignId=1\n {2}to: +the audience set in Iterable/);
  }
  assert.equal(srv.requests.length, 0, 'nothing was sent');
}

describe('elicitation: sends and irreversible calls confirmed by the user', () => {
  test('over stdio', async () => {
    await confirmFlow(async (reply) => {
      const c = asking(reply);
      await c.client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp'], env: env(), stderr: 'pipe' }));
      open.push(c.client);
      return c;
    });
  });

  test('over mcp --http (a session; the question comes on the call\'s event stream)', async () => {
    const h = await startMcpHttp(CLI, [], env());
    try {
      await confirmFlow(async (reply) => {
        const c = asking(reply);
        await c.client.connect(new StreamableHTTPClientTransport(new URL(h.url)));
        open.push(c.client);
        return c;
      });
    } finally {
      await h.stop();
    }
  });

  test('a client without the capability gets the refusal; with --allow-sends nothing is asked', async () => {
    srv.reset();
    const plain = new Client({ name: 'plain', version: '1.0.0' });
    await plain.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp'], env: env(), stderr: 'pipe' }));
    open.push(plain);
    const r = await plain.callTool({ name: 'run_action', arguments: { id: 'activate_triggered_campaign', arguments: { campaignId: 3 } } });
    assert.equal(code(r), 'SendsNotAllowed');
    const allowed = asking(yes);
    await allowed.client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', '--allow-sends'], env: env(), stderr: 'pipe' }));
    open.push(allowed.client);
    await allowed.client.callTool({ name: 'run_action', arguments: { id: 'activate_triggered_campaign', arguments: { campaignId: 3 } } });
    assert.equal(allowed.asked.length, 0);
    assert.deepEqual(srv.apiRequests().map((r) => r.path), ['/api/campaigns/activateTriggered']);
  });

  test('a question waits at most elicitTimeoutMs; a cancelled call stops waiting and is not answered', async () => {
    const { createMcpServer } = await import(join(PKG_DIR, 'mcp.js'));
    const calls = [];
    const server = createMcpServer({ client: { execute: async (id) => calls.push(id) }, actions, tools: 'all', toolsets: ['campaigns'], elicitTimeoutMs: 200 });
    const sent = [];
    const ctx = { session: 's1', notify: (m) => sent.push(m) };
    await server.handle({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: { elicitation: {} }, clientInfo: { name: 't', version: '0' } } }, ctx);
    const late = await server.handle({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'activate_triggered_campaign', arguments: { campaignId: 1 } } }, ctx);
    assert.match(JSON.parse(late.result.content[0].text).error.message, /did not answer in time, so nothing was sent/);
    // Cancelled while asking: no answer; an answer from another session does not count.
    const pending = server.handle({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'activate_triggered_campaign', arguments: { campaignId: 1 } } }, ctx);
    await new Promise((r) => setTimeout(r, 20));
    const question = sent.at(-1);
    assert.equal(question.method, 'elicitation/create');
    await server.handle({ jsonrpc: '2.0', id: question.id, result: { action: 'accept', content: { confirm: true } } }, { session: 'other' });
    await server.handle({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 2 } }, ctx);
    assert.equal(await pending, null);
    assert.deepEqual(calls, []);
  });
});
