// The sandbox over HTTP (pkg/sandbox/server.js serve()): the scenarios driven by plain fetch, the
// same stories driven by the official @iterable/api client (axios), CORS preflight (loopback origins
// only), and the state file surviving a server restart.
// Run: node tests/sandbox/http.mjs
import { mkdtempSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IterableClient } from '@iterable/api';
import { pathToFileURL } from 'node:url';
import { SANDBOX_DIR, waitFor } from './pkgdir.mjs';
import { caller, runScenarios } from './scenarios.mjs';
import { test, run } from './harness.mjs';

waitFor();
const { serve } = await import(pathToFileURL(join(SANDBOX_DIR, 'server.js')).href);
const dir = mkdtempSync(join(tmpdir(), 'iterable-sandbox-'));
const stateFile = join(dir, 'state.json');
const server = await serve({ port: 0, seed: 3, clock: '2024-05-01T00:00:00Z' });
function assert(c, m) { if (!c) throw new Error(m); }
function eq(a, b, m) { if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${m}: got ${JSON.stringify(a)}, expected ${JSON.stringify(b)}`); }

test('http: binds 127.0.0.1', () => assert(server.url.startsWith('http://127.0.0.1:'), server.url));
runScenarios(caller(fetch, server.url), test, 'http fetch: ');

test('http: CORS preflight allows Content-Type, Api-Key, Authorization', async () => {
  const r = await fetch(server.url + '/api/lists', { method: 'OPTIONS', headers: { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,api-key' } });
  eq(r.status, 204, 'status');
  const allowed = r.headers.get('access-control-allow-headers').toLowerCase();
  assert(['content-type', 'api-key', 'authorization'].every((h) => allowed.includes(h)), allowed);
  eq(r.headers.get('access-control-allow-origin'), 'http://localhost:5173', 'preflight names the loopback origin');
  const g = await fetch(server.url + '/api/channels', { headers: { 'Api-Key': 'k', Origin: 'http://127.0.0.1:3000' } });
  eq(g.headers.get('access-control-allow-origin'), 'http://127.0.0.1:3000', 'CORS on answers names the origin, never *');
  const plain = await fetch(server.url + '/api/channels', { headers: { 'Api-Key': 'k' } });
  eq(plain.headers.get('access-control-allow-origin'), null, 'no CORS header without an Origin');
  const foreign = await fetch(server.url + '/api/lists', { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } });
  eq([foreign.status, foreign.headers.get('access-control-allow-origin')], [403, null], 'a foreign origin is refused');
});

// --- the official client -------------------------------------------------------------------------
const official = new IterableClient({ apiKey: 'sandbox-official-key', baseUrl: server.url, timeout: 5000 });
const wait = async (n) => { for (let i = 0; i < n; i++) await official.getChannels(); };

test('@iterable/api: subscribe three users, then the list size is 3', async () => {
  const { listId } = await official.createList({ name: 'Official list' });
  const res = await official.subscribeUserToList({ listId, subscribers: [{ email: 'o1@example.com' }, { email: 'o2@example.com' }, { email: 'o3@example.com' }] });
  eq(res.successCount, 3, 'successCount');
  eq((await official.getListSize({ listId })).size, 3, 'getListSize');
});

test('@iterable/api: a tracked event shows up in the user events', async () => {
  await official.trackEvent({ email: 'oe@example.com', eventName: 'officialEvent', dataFields: { n: 1 } });
  await official.trackEvent({ email: 'oe@example.com', eventName: 'second' });
  const r = await official.getUserEventsByEmail({ email: 'oe@example.com', limit: 10 });
  eq(r.events.map((e) => e.eventName), ['second', 'officialEvent'], 'events newest first');
});

test('@iterable/api: abort on a finished campaign fails with Iterable\'s error', async () => {
  const { listId } = await official.createList({ name: 'Official blast' });
  await official.subscribeUserToList({ listId, subscribers: [{ email: 'ob@example.com' }] });
  await official.upsertEmailTemplate({ clientTemplateId: 'official-blast', name: 'OB', subject: 'Hi', html: '<p>Hi</p>' });
  const { templates } = await official.getTemplateByClientId({ clientTemplateId: 'official-blast' });
  const { campaignId } = await official.createBlastCampaign({ name: 'OB', listIds: [listId], templateId: templates[0].templateId });
  await official.sendCampaign({ campaignId });
  await wait(5);
  eq((await official.getCampaign({ id: campaignId })).campaignState, 'Finished', 'state');
  const err = await official.abortCampaign({ campaignId }).then(() => null, (e) => e);
  assert(err, 'abort of a finished campaign must fail');
  eq(err.statusCode ?? err.status, 400, 'status');
  const code = err.code ?? err.apiCode ?? err.response?.code ?? err.details?.code;
  assert(String(JSON.stringify({ code, msg: err.message, details: err.details ?? null })).includes('BadParams'), `code: ${code} ${err.message}`);
});

test('@iterable/api: an export contains the users created before it', async () => {
  await official.updateUser({ email: 'ox@example.com', dataFields: { plan: 'x' } });
  const { jobId } = await official.startExportJob({ dataTypeName: 'user', outputFormat: 'text/csv' });
  await official.updateUser({ email: 'olate@example.com' });
  let files;
  for (let i = 0; i < 10 && files?.jobState !== 'completed'; i++) files = await official.getExportFiles({ jobId });
  eq(files.jobState, 'completed', 'jobState');
  const csv = await (await fetch(files.files[0].url)).text();
  assert(csv.includes('ox@example.com') && !csv.includes('olate@example.com'), csv);
});

test('@iterable/api: forget hides a user', async () => {
  await official.updateUser({ email: 'of@example.com', dataFields: { a: 1 } });
  eq((await official.getUserByEmail({ email: 'of@example.com' })).user?.email, 'of@example.com', 'before');
  // @iterable/api 0.12 has no forget method: its own axios instance sends the request.
  await official.client.post('/api/users/forget', { email: 'of@example.com' });
  const after = await official.getUserByEmail({ email: 'of@example.com' });
  eq(after.user, undefined, 'after forget the lookup finds no user');
  const upd = await official.updateUser({ email: 'of@example.com', dataFields: { a: 2 } }).then(() => null, (e) => e);
  eq(upd?.statusCode ?? upd?.status, 409, 'updating a forgotten user');
});

test('@iterable/api: catalog pages cover every item once', async () => {
  await official.createCatalog({ catalogName: 'official-items' });
  const documents = {};
  for (let i = 0; i < 12; i++) documents[`o-${i}`] = { n: i };
  await official.partialUpdateCatalogItems({ catalogName: 'official-items', documents });
  const seen = [];
  for (let page = 1; page < 10; page++) {
    const r = await official.getCatalogItems({ catalogName: 'official-items', page, pageSize: 5, orderBy: 'n', sortAscending: true });
    eq(r.totalItemsCount, 12, 'total');
    seen.push(...r.catalogItemsWithProperties.map((x) => x.itemId));
    if (!r.nextPageUrl) break;
  }
  eq(seen, Array.from({ length: 12 }, (_, i) => `o-${i}`), 'items');
});

// --- state file -----------------------------------------------------------------------------------
test('http: with a state file the state survives a restart', async () => {
  let s = await serve({ port: 0, state: stateFile, seed: 9, clock: '2024-01-01T00:00:00Z' });
  const call = caller(fetch, s.url);
  const listId = (await call('POST', '/api/lists', { name: 'Persisted' })).json.listId;
  await call('POST', '/api/lists/subscribe', { listId, subscribers: [{ email: 'keep@example.com' }] });
  await s.close();
  assert(existsSync(stateFile), 'state file written');
  assert(JSON.parse(readFileSync(stateFile, 'utf8')).lists.some((l) => l.id === listId), 'list in the file');
  s = await serve({ port: 0, state: stateFile, seed: 9, clock: '2024-01-01T00:00:00Z' });
  const call2 = caller(fetch, s.url);
  eq((await call2('GET', `/api/lists/${listId}/size`)).text, '1', 'list size after restart');
  const next = (await call2('POST', '/api/lists', { name: 'After restart' })).json.listId;
  assert(next > listId, 'ids continue after a restart');
  await s.close();
});

await run('sandbox http');
await server.close();
rmSync(dir, { recursive: true, force: true });
