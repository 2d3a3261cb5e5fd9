// The scenarios through the package's own client: new IterableClient({ sandbox: { seed, clock } })
// from pkg/index.node.js (the lead's wiring in api.js), its validation, request building and
// response parsing around the emulator; client.sandbox is the createSandbox object.
// Run: node tests/sandbox/client.mjs  (skips with a note when the build has no sandbox option)
import { readFileSync } from 'node:fs';
import { test, run } from './harness.mjs';
import { waitForPkg } from '../support/install.mjs';
import { waitFor } from './pkgdir.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;
waitForPkg();
waitFor(ROOT + 'pkg/sandbox');
if (!/sandbox/.test(readFileSync(ROOT + 'pkg/api.js', 'utf8'))) {
  console.log('sandbox client: 0 passed, 0 failed (pkg/api.js has no sandbox option yet)');
  process.exit(0);
}
const { IterableClient, IterableError } = await import(ROOT + 'pkg/index.node.js');
const client = new IterableClient({ sandbox: { seed: 11, clock: '2024-04-01T00:00:00Z' }, rateLimit: false });
const x = (id, input = {}) => client.execute(id, input);
function eq(a, b, m) { if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${m}: got ${JSON.stringify(a)}, expected ${JSON.stringify(b)}`); }
function assert(c, m) { if (!c) throw new Error(m); }
const wait = async (n) => { for (let i = 0; i < n; i++) await x('list_channels'); };

test('client: subscribe three users, then the list size is 3', async () => {
  const { listId } = await x('create_new_list', { name: 'Client list' });
  const r = await client.subscribeToList({ listId, subscribers: [{ email: 'k1@example.com' }, { email: 'k2@example.com' }, { email: 'k3@example.com' }] });
  eq(r.successCount, 3, 'successCount');
  eq(Number(await x('get_list_size', { listId })), 3, 'size');
});

test('client: a tracked event shows up in the user events', async () => {
  await x('track_event', { email: 'ke@example.com', eventName: 'clientEvent' });
  await x('track_event', { email: 'ke@example.com', eventName: 'later' });
  const r = await x('get_user_events_by_email', { email: 'ke@example.com', limit: 5 });
  eq(r.events.map((e) => e.eventName), ['later', 'clientEvent'], 'events');
});

test('client: abort on a finished campaign fails with Iterable\'s error', async () => {
  const { listId } = await x('create_new_list', { name: 'Client blast' });
  await x('subscribe_to_list', { listId, subscribers: [{ email: 'kb@example.com' }] });
  await x('upsert_email_template', { clientTemplateId: 'client-blast', name: 'KB', subject: 'Hi', html: '<p>Hi</p>' });
  const { templates } = await x('get_template_by_client_template_id', { clientTemplateId: 'client-blast' });
  const { campaignId } = await x('create_new_campaign', { name: 'KB', listIds: [listId], templateId: templates[0].templateId });
  await x('send_campaign', { campaignId });
  await wait(5);
  eq((await x('get_campaign_by_id', { id: campaignId })).campaignState, 'Finished', 'state');
  const err = await x('abort_campaign', { campaignId }).then(() => null, (e) => e);
  assert(err instanceof IterableError, `expected an IterableError, got ${err}`);
  eq([err.code, err.status, err.params], ['BadParams', 400, null], 'error');
  const out = await client.sandbox.outbox();
  assert(out.some((m) => m.campaignId === campaignId && m.email === 'kb@example.com'), 'campaign send in the outbox');
});

test('client: createNewCampaign({ name, templateId }) makes a triggered campaign; triggerCampaign sends it', async () => {
  const { listId } = await client.createNewList({ name: 'Client triggered' });
  await client.subscribeToList({ listId, subscribers: [{ email: 'kt1@example.com' }, { email: 'kt2@example.com' }] });
  await client.upsertEmailTemplate({ clientTemplateId: 'client-trig', name: 'KT', subject: 'Hi', html: '<p>Hi</p>' });
  const { templates } = await client.getTemplateByClientTemplateId({ clientTemplateId: 'client-trig' });
  const { campaignId } = await client.createNewCampaign({ name: 'KT', templateId: templates[0].templateId });
  const made = await client.getCampaignById({ id: campaignId });
  eq([made.type, made.campaignState], ['Triggered', 'Ready'], 'a triggered campaign, not yet active');
  await client.activateTriggeredCampaign({ campaignId });
  await client.triggerCampaign({ campaignId, listIds: [listId], dataFields: { offer: 'spring' } });
  const sent = (await client.sandbox.outbox()).filter((m) => m.campaignId === campaignId);
  eq(sent.map((m) => m.email).sort(), ['kt1@example.com', 'kt2@example.com'], 'one message per list member');
});

test('client: an export contains the users created before it', async () => {
  await x('update_user', { email: 'kx@example.com' });
  const { jobId } = await x('start_export', { dataTypeName: 'user', outputFormat: 'application/x-json-stream' });
  await x('update_user', { email: 'klate@example.com' });
  let files;
  for (let i = 0; i < 10 && files?.jobState !== 'completed'; i++) files = await x('list_export_files', { jobId });
  eq(files.jobState, 'completed', 'jobState');
  const rows = await x('export_data_to_csv', { dataTypeName: 'user', range: 'All', onlyFields: ['email'] });
  assert(String(rows).includes('klate@example.com'), 'synchronous export has every user');
  const text = await (await client.sandbox.dump()).exports.find((j) => j.id === jobId).content;
  assert(text.includes('kx@example.com') && !text.includes('klate@example.com'), text);
});

test('client: exportRecords ends on the sandbox\'s lower-case states and yields every user once', async () => {
  for (const e of ['ex1@example.com', 'ex2@example.com']) await x('update_user', { email: e });
  const progress = [];
  const emails = [];
  for await (const r of client.exportRecords({ dataTypeName: 'user', outputFormat: 'application/x-json-stream' }, { pollMs: 1, maxPollMs: 4, onProgress: (p) => progress.push(p) })) emails.push(r.email);
  assert(emails.includes('ex1@example.com') && emails.includes('ex2@example.com'), `records: ${emails}`);
  eq(emails.length, new Set(emails).size, 'each user once');
  eq(progress.at(-1).state, 'completed', 'last state, as the sandbox sends it');
});

test('client: forget hides a user', async () => {
  await x('update_user', { email: 'kf@example.com', dataFields: { a: 1 } });
  await x('forget_user', { email: 'kf@example.com' });
  const r = await x('get_user_by_email', { email: 'kf@example.com' });
  eq(r.user, undefined, 'no user');
  const err = await x('update_user', { email: 'kf@example.com' }).then(() => null, (e) => e);
  eq(err?.code, 'ForgottenUserError', 'update of a forgotten user');
});

test('client: catalog pages cover every item once (paginate)', async () => {
  await x('create_catalog', { catalogName: 'client-items' });
  const documents = {};
  for (let i = 0; i < 14; i++) documents[`c-${i}`] = { n: i };
  await x('create_catalog_items', { catalogName: 'client-items', documents, replaceUploadedFieldsOnly: false });
  const seen = [];
  for await (const item of client.paginate('list_catalog_items', { catalogName: 'client-items', pageSize: 4, orderBy: 'n', sortAscending: true })) seen.push(item.itemId);
  eq(seen, Array.from({ length: 14 }, (_, i) => `c-${i}`), 'items');
});

test('client: dump / load / reset through client.sandbox', async () => {
  const state = await client.sandbox.dump();
  assert(Array.isArray(state.users) && state.users.length > 0, 'dump');
  await client.sandbox.reset();
  eq((await x('list_lists')).lists, [], 'after reset');
  await client.sandbox.load(state);
  assert((await x('list_lists')).lists.length > 0, 'after load');
});

await run('sandbox client');
