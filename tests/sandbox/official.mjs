// Every method of the official Node client (@iterable/api) against the sandbox's HTTP server: each
// answer must pass the client's own zod validation (a project of ours is used as Iterable would
// be) and our own result schema of the action it requested (pkg/results.json). Runs on a fresh
// sandbox and on the seeded demo project (seed: "demo"), where reads meet thousands of users,
// campaigns in every state, a catalog, journeys and a finished export. A method that meets an error must meet the one Iterable
// gives in that situation (listed per step), in Iterable's error shape.
// Run: node tests/sandbox/official.mjs
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { IterableClient } from '@iterable/api';
import { SANDBOX_DIR, ROOT, waitFor } from './pkgdir.mjs';
import { validateResult } from './results.mjs';
import { test, run } from './harness.mjs';

waitFor();
const { serve } = await import(pathToFileURL(join(SANDBOX_DIR, 'server.js')).href);
const defs = JSON.parse(readFileSync(join(ROOT, 'defs', 'actions.json'), 'utf8'));

// The action a request is, by method and path template (the most literal template wins).
const templates = defs.map((d) => ({
  def: d,
  re: new RegExp('^' + d.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+') + '$'),
  literal: d.path.replace(/\{[^}]+\}/g, '').length,
}));
const actionFor = (method, path) => templates.filter((t) => t.def.method === method && t.re.test(path)).sort((a, b) => b.literal - a.literal)[0]?.def;

const E = 'ada@example.com';
const E2 = 'grace@example.com';
const DAY = '2024-05-01 00:00:00 +00:00';
const LATER = '2024-06-01 00:00:00 +00:00';
// The server's clock starts at 2024-05-01: dates to come stay within what Iterable takes (a
// campaign scheduled at most 7 days ahead, a message at most 365).

// The steps, in order: [method, params or (ctx) => params, options]. options.expect: the error
// code Iterable answers in that situation (then the step passes only with that error);
// options.save: (result, ctx) => void keeps ids for later steps. Every method of the client
// appears at least once (checked below).
const STEPS = [
  ['updateUser', { email: E, userId: 'u-ada', dataFields: { firstName: 'Ada', plan: 'pro', tags: ['a', 'b'] } }],
  ['updateUser', { email: E2, userId: 'u-grace', dataFields: { firstName: 'Grace' } }],
  ['updateUser', { email: 'linus@example.com', dataFields: { firstName: 'Linus' } }],
  ['getUserByEmail', { email: E }],
  ['getUserByUserId', { userId: 'u-ada' }],
  ['getUserFields'],
  ['bulkUpdateUsers', { users: [{ email: 'bulk1@example.com', dataFields: { n: 1 } }, { email: 'bulk2@example.com', userId: 'u-bulk2', dataFields: { n: 2 } }] }],
  ['trackEvent', { email: E, eventName: 'signedUp', dataFields: { source: 'test' } }],
  ['trackBulkEvents', { events: [{ email: E, eventName: 'viewedItem', dataFields: { itemId: 'sku-1' } }, { userId: 'u-grace', eventName: 'viewedItem' }] }],
  ['getUserEventsByEmail', { email: E, limit: 10 }],
  ['getUserEventsByUserId', { userId: 'u-ada', limit: 10 }],
  ['getChannels'],
  ['getMessageTypes'],
  // Lists
  ['createList', { name: 'Official list', description: 'Made by the official client' }, { save: (r, c) => (c.listId = r.listId) }],
  ['createList', { name: 'Throwaway list' }, { save: (r, c) => (c.list2 = r.listId) }],
  ['subscribeUserToList', (c) => ({ listId: c.listId, subscribers: [{ email: E }, { email: E2 }, { email: 'linus@example.com' }] })],
  ['getLists'],
  ['getListSize', (c) => ({ listId: c.listId })],
  ['getListUsers', (c) => ({ listId: c.listId })],
  ['getListPreviewUsers', (c) => ({ listId: c.listId })],
  ['unsubscribeUserFromList', (c) => ({ listId: c.listId, subscribers: [{ email: 'linus@example.com' }] })],
  ['deleteList', (c) => ({ listId: c.list2 })],
  // Templates of each channel
  ['upsertEmailTemplate', { clientTemplateId: 'official-email', name: 'Welcome email', subject: 'Hi {{firstName}}', html: '<p>Hello {{firstName}}</p>', fromEmail: 'team@example.com', fromName: 'Team', messageTypeId: 301 }],
  ['upsertSMSTemplate', { clientTemplateId: 'official-sms', name: 'Welcome SMS', message: 'Hi {{firstName}}', messageTypeId: 304 }],
  ['upsertPushTemplate', { clientTemplateId: 'official-push', name: 'Welcome push', title: 'Hi', message: 'Hello {{firstName}}', messageTypeId: 303 }],
  ['upsertInAppTemplate', { clientTemplateId: 'official-inapp', name: 'Welcome in-app', html: '<p>Hi {{firstName}}</p>' }],
  ['upsertEmailTemplate', { clientTemplateId: 'official-doomed', name: 'Doomed', subject: 'x', html: '<p>x</p>' }],
  ['upsertEmailTemplate', { clientTemplateId: 'official-doomed-2', name: 'Doomed too', subject: 'x', html: '<p>x</p>' }],
  ...[['email', 'official-email'], ['sms', 'official-sms'], ['push', 'official-push'], ['inApp', 'official-inapp'], ['doomed', 'official-doomed'], ['doomed2', 'official-doomed-2']].map(([k, cid]) => [
    'getTemplateByClientId',
    { clientTemplateId: cid },
    { save: (r, c) => (c.t = { ...c.t, [k]: r.templates[0].templateId }) },
  ]),
  ['getTemplates', {}],
  ['getTemplates', { templateType: 'Base', messageMedium: 'Email', page: 1, pageSize: 10 }],
  ['getEmailTemplate', (c) => ({ templateId: c.t.email })],
  ['getSMSTemplate', (c) => ({ templateId: c.t.sms })],
  ['getPushTemplate', (c) => ({ templateId: c.t.push })],
  ['getInAppTemplate', (c) => ({ templateId: c.t.inApp })],
  ['updateEmailTemplate', (c) => ({ templateId: c.t.email, subject: 'Hello {{firstName}}' })],
  ['updateSMSTemplate', (c) => ({ templateId: c.t.sms, message: 'Hello {{firstName}}' })],
  ['updatePushTemplate', (c) => ({ templateId: c.t.push, title: 'Hello' })],
  ['updateInAppTemplate', (c) => ({ templateId: c.t.inApp, html: '<p>Hello {{firstName}}</p>' })],
  ['previewEmailTemplate', (c) => ({ templateId: c.t.email, data: { dataFields: { firstName: 'Ada' } } })],
  ['previewInAppTemplate', (c) => ({ templateId: c.t.inApp, data: { dataFields: { firstName: 'Ada' } } })],
  ['sendEmailTemplateProof', (c) => ({ templateId: c.t.email, recipientEmail: E })],
  ['sendSMSTemplateProof', (c) => ({ templateId: c.t.sms, recipientEmail: E })],
  ['sendPushTemplateProof', (c) => ({ templateId: c.t.push, recipientEmail: E })],
  ['sendInAppTemplateProof', (c) => ({ templateId: c.t.inApp, recipientEmail: E })],
  ['bulkDeleteTemplates', (c) => ({ ids: [c.t.doomed] })],
  ['deleteTemplates', (c) => ({ ids: [c.t.doomed2] })],
  // Campaigns: blasts through their states, triggered ones of each channel
  ['createBlastCampaign', (c) => ({ name: 'Spring blast', templateId: c.t.email, listIds: [c.listId] }), { save: (r, c) => (c.blast = r.campaignId) }],
  ['createBlastCampaign', (c) => ({ name: 'Summer blast', templateId: c.t.email, listIds: [c.listId] }), { save: (r, c) => (c.blast2 = r.campaignId) }],
  ['createBlastCampaign', (c) => ({ name: 'Experiment blast', templateId: c.t.email, listIds: [c.listId] }), { save: (r, c) => (c.blast3 = r.campaignId) }],
  ...['email', 'sms', 'push', 'inApp'].map((k) => ['createTriggeredCampaign', (c) => ({ name: `Triggered ${k}`, templateId: c.t[k] }), { save: (r, c) => (c.trig = { ...c.trig, [k]: r.campaignId }) }]),
  ['getCampaign', (c) => ({ id: c.blast })],
  ['getCampaigns', {}],
  ['scheduleCampaign', (c) => ({ campaignId: c.blast, sendAt: '2024-05-05T10:00:00Z' })],
  ['cancelCampaign', (c) => ({ campaignId: c.blast })],
  ['sendCampaign', (c) => ({ campaignId: c.blast })],
  ['getChannels'],
  ['getCampaignMetrics', (c) => ({ campaignId: c.blast, startDateTime: DAY, endDateTime: LATER })],
  ['sendCampaign', (c) => ({ campaignId: c.blast2 })],
  ['abortCampaign', (c) => ({ campaignId: c.blast2 })],
  ['archiveCampaigns', (c) => ({ campaignIds: [c.blast2] })],
  ['getChildCampaigns', (c) => ({ id: c.blast }), { expect: 'BadParams' }],
  ...['email', 'sms', 'push', 'inApp'].map((k) => ['activateTriggeredCampaign', (c) => ({ campaignId: c.trig[k] })]),
  ['triggerCampaign', (c) => ({ campaignId: c.trig.email, listIds: [c.listId], dataFields: { offer: 'spring' } })],
  ['sendEmail', (c) => ({ campaignId: c.trig.email, recipientEmail: E, dataFields: { firstName: 'Ada' } })],
  ['sendEmail', (c) => ({ campaignId: c.trig.email, recipientEmail: E2, sendAt: '2024-06-01 10:00:00' })],
  ['cancelEmail', (c) => ({ campaignId: c.trig.email, email: E2 })],
  ['sendSMS', (c) => ({ campaignId: c.trig.sms, recipientEmail: E })],
  ['sendSMS', (c) => ({ campaignId: c.trig.sms, recipientEmail: E2, sendAt: '2024-06-01 10:00:00' })],
  ['cancelSMS', (c) => ({ campaignId: c.trig.sms, email: E2 })],
  ['sendPush', (c) => ({ campaignId: c.trig.push, recipientEmail: E })],
  ['sendPush', (c) => ({ campaignId: c.trig.push, recipientEmail: E2, sendAt: '2024-06-01 10:00:00' })],
  ['cancelPush', (c) => ({ campaignId: c.trig.push, email: E2 })],
  ['sendWebPush', (c) => ({ campaignId: c.trig.push, recipientEmail: E })],
  ['sendWebPush', (c) => ({ campaignId: c.trig.push, recipientEmail: E2, sendAt: '2024-06-01 10:00:00' })],
  ['cancelWebPush', (c) => ({ campaignId: c.trig.push, email: E2 })],
  ['sendWhatsApp', (c) => ({ campaignId: c.trig.sms, recipientEmail: E })],
  ['sendWhatsApp', (c) => ({ campaignId: c.trig.sms, recipientEmail: E2, sendAt: '2024-06-01 10:00:00' })],
  ['cancelWhatsApp', (c) => ({ campaignId: c.trig.sms, email: E2 })],
  ['sendInApp', (c) => ({ campaignId: c.trig.inApp, recipientEmail: E })],
  ['sendInApp', (c) => ({ campaignId: c.trig.inApp, recipientEmail: E2, sendAt: '2024-06-01 10:00:00' })],
  ['cancelInApp', (c) => ({ campaignId: c.trig.inApp, email: E2 })],
  ['getInAppMessages', { email: E, count: 10 }],
  ['getEmbeddedMessages', { email: E }],
  ['getSentMessages', { email: E, limit: 20 }],
  ['deactivateTriggeredCampaign', (c) => ({ campaignId: c.trig.sms })],
  // Subscriptions
  ['subscribeUserByEmail', { subscriptionGroup: 'messageType', subscriptionGroupId: 311, userEmail: E }],
  ['unsubscribeUserByEmail', { subscriptionGroup: 'messageType', subscriptionGroupId: 311, userEmail: E }],
  ['subscribeUserByUserId', { subscriptionGroup: 'messageType', subscriptionGroupId: 311, userId: 'u-grace' }],
  ['unsubscribeUserByUserId', { subscriptionGroup: 'messageType', subscriptionGroupId: 311, userId: 'u-grace' }],
  ['bulkUpdateSubscriptions', { subscriptionGroup: 'messageType', subscriptionGroupId: 311, action: 'subscribe', users: [E, E2] }],
  ['updateUserSubscriptions', { email: E, unsubscribedChannelIds: [403] }],
  // Catalogs
  ['createCatalog', { catalogName: 'official-products' }],
  ['partialUpdateCatalogItems', { catalogName: 'official-products', documents: { 'sku-1': { name: 'Lamp', price: 10 }, 'sku-2': { name: 'Desk', price: 120 } } }],
  ['replaceCatalogItems', { catalogName: 'official-products', documents: { 'sku-3': { name: 'Chair', price: 60 } } }],
  ['partialUpdateCatalogItem', { catalogName: 'official-products', itemId: 'sku-1', update: { price: 12 } }],
  ['replaceCatalogItem', { catalogName: 'official-products', itemId: 'sku-4', value: { name: 'Rug', price: 40 } }],
  ['getCatalogItem', { catalogName: 'official-products', itemId: 'sku-1' }],
  ['getCatalogItems', { catalogName: 'official-products', page: 1, pageSize: 2 }],
  ['getCatalogs', {}],
  ['updateCatalogFieldMappings', { catalogName: 'official-products', mappingsUpdates: [{ fieldName: 'price', fieldType: 'double' }] }],
  ['getCatalogFieldMappings', { catalogName: 'official-products' }],
  ['deleteCatalogItem', { catalogName: 'official-products', itemId: 'sku-4' }],
  ['bulkDeleteCatalogItems', { catalogName: 'official-products', itemIds: ['sku-3'] }],
  ['createCatalog', { catalogName: 'official-doomed' }],
  ['deleteCatalog', { catalogName: 'official-doomed' }],
  // Snippets
  ['createSnippet', { name: 'greeting', content: 'Hi {{firstName}}', description: 'A greeting' }],
  ['getSnippets'],
  ['getSnippet', { identifier: 'greeting' }],
  ['updateSnippet', { identifier: 'greeting', content: 'Hello {{firstName}}' }],
  ['deleteSnippet', { identifier: 'greeting' }],
  // Journeys, webhooks
  ['getJourneys', {}],
  ['triggerJourney', { workflowId: 701, email: E }],
  ['getWebhooks'],
  // The official client sends its `webhookId` as the body's field, where Iterable requires `id`:
  // Iterable answers 400 BadParams naming `id`.
  ['updateWebhook', { webhookId: 1, active: true }, { expect: 'BadParams' }],
  // Experiments
  ['createExperiment', (c) => ({ campaignId: c.blast3, experimentType: 'SubjectLine', name: 'Subject test' }), { save: (r, c) => (c.exp = r.id) }],
  ['createExperiment', (c) => ({ campaignId: c.trig.email, experimentType: 'EmailBody', name: 'Body test' }), { save: (r, c) => (c.exp2 = r.id) }],
  ['createExperiment', (c) => ({ campaignId: c.trig.push, experimentType: 'WholeEmail' }), { save: (r, c) => (c.exp3 = r.id) }],
  ['listExperiments', {}],
  ['getExperiment', (c) => ({ experimentId: c.exp })],
  ['copyExperimentVariant', (c) => ({ experimentId: c.exp, copyFromTemplateId: c.t.email, name: 'Variant B' })],
  ['getExperimentVariants', (c) => ({ experimentId: c.exp })],
  ['updateExperimentSettings', (c) => ({ experimentId: c.exp, evenlySplitVariations: true })],
  ['startExperiment', (c) => ({ experimentId: c.exp })],
  ['getExperimentTotals', (c) => ({ experimentId: c.exp })],
  ['getExperimentTrends', (c) => ({ experimentId: c.exp })],
  ['getExperimentMetrics', (c) => ({ experimentId: [c.exp], startDateTime: DAY, endDateTime: LATER })],
  ['getExperimentVariants', (c) => ({ experimentId: c.exp }), { save: (r, c) => (c.variant = r.variants.at(-1).id) }],
  ['declareExperimentWinner', (c) => ({ experimentId: c.exp, variantId: c.variant })],
  ['copyExperimentVariant', (c) => ({ experimentId: c.exp2, copyFromTemplateId: c.t.email })],
  ['startExperiment', (c) => ({ experimentId: c.exp2 })],
  ['cancelExperiment', (c) => ({ experimentId: c.exp2 })],
  ['deleteExperiment', (c) => ({ experimentId: c.exp3 })],
  // Exports
  ['startExportJob', { dataTypeName: 'user', outputFormat: 'text/csv' }, { save: (r, c) => (c.job = r.jobId) }],
  ['getExportJobs', {}],
  ['getExportFiles', (c) => ({ jobId: c.job })],
  ['startExportJob', { dataTypeName: 'emailSend', outputFormat: 'application/x-json-stream', startDateTime: '2024-04-01 00:00:00', endDateTime: '2030-01-01 00:00:00' }, { save: (r, c) => (c.job2 = r.jobId) }],
  ['cancelExportJob', (c) => ({ jobId: c.job2 })],
  // Users, last: they change who exists
  ['updateEmail', { currentEmail: 'bulk1@example.com', newEmail: 'bulk1-new@example.com' }],
  ['mergeUsers', { sourceEmail: 'bulk1-new@example.com', destinationEmail: 'linus@example.com' }],
  ['deleteUserByEmail', { email: 'linus@example.com' }],
  ['deleteUserByUserId', { userId: 'u-bulk2' }],
];

function methodsOf(client) {
  const out = new Set();
  for (let p = Object.getPrototypeOf(client); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const k of Object.getOwnPropertyNames(p)) if (k !== 'constructor' && k !== 'destroy' && typeof client[k] === 'function') out.add(k);
  }
  return out;
}

/** Runs every step on a server made by `serve(options)`; one test per step. */
function suite(label, options) {
  const ctx = {};
  let server;
  let official;
  let last = null;
  test(`${label}: server starts`, async () => {
    server = await serve({ port: 0, clock: '2024-05-01T00:00:00Z', ...options });
    official = new IterableClient({ apiKey: 'official-test-key', baseUrl: server.url, timeout: 10_000 });
    const record = (r) => {
      last = { method: r.config.method.toUpperCase(), path: new URL(r.config.url, server.url).pathname, status: r.status, data: r.data };
      return r;
    };
    // Successes are recorded here; an error answer reaches the caller as the client's
    // IterableApiError (its own interceptor runs first), which keeps status and body.
    official.client.interceptors.response.use(record);
  });
  test(`${label}: the steps call every method of @iterable/api`, () => {
    const methods = methodsOf(new IterableClient({ apiKey: 'k', baseUrl: 'http://127.0.0.1:9' }));
    const called = new Set(STEPS.map(([m]) => m));
    const missing = [...methods].filter((m) => !called.has(m));
    if (missing.length) throw new Error(`methods without a step: ${missing.join(', ')}`);
  });
  STEPS.forEach(([method, params, opts = {}], i) => {
    test(`${label}: #${i} ${method}${opts.expect ? ` (Iterable's ${opts.expect})` : ''}`, async () => {
      last = null;
      const p = typeof params === 'function' ? params(ctx) : params;
      let result;
      let error = null;
      try {
        result = p === undefined ? await official[method]() : await official[method](p);
      } catch (e) {
        error = e;
      }
      if (error?.name === 'IterableResponseValidationError') {
        throw new Error(`@iterable/api rejected the answer: ${String(error.message).slice(0, 600)}\n  body: ${JSON.stringify(last?.data).slice(0, 600)}`);
      }
      if (!last && error?.apiResponse) last = { method: error.endpoint?.method, status: error.statusCode, data: error.apiResponse };
      if (!last) throw new Error(`no HTTP answer: ${error?.stack ?? error}`);
      if (opts.expect) {
        if (!error) throw new Error(`expected Iterable's ${opts.expect}, got ${last.status} ${JSON.stringify(last.data).slice(0, 300)}`);
        const b = last.data;
        if (b?.code !== opts.expect || typeof b.msg !== 'string' || !('params' in b)) throw new Error(`error body ${last.status} ${JSON.stringify(b).slice(0, 300)}`);
        return;
      }
      if (error) throw new Error(`${method}: ${error.name}: ${String(error.message).slice(0, 300)}\n  body: ${JSON.stringify(last.data).slice(0, 400)}`);
      const def = actionFor(last.method, last.path);
      if (!def) throw new Error(`${last.method} ${last.path} is no action of ours`);
      if (last.status < 200 || last.status > 299) throw new Error(`${def.id}: status ${last.status}`);
      // axios parses a text answer that looks like JSON (a list size "3"): validate the text.
      const body = def.response === 'json' || typeof last.data === 'string' ? last.data : JSON.stringify(last.data);
      const v = validateResult(def.id, body);
      if (!v.ok) throw new Error(`${def.id}: our result schema: ${v.errors}\n  body: ${JSON.stringify(last.data).slice(0, 600)}`);
      opts.save?.(result, ctx);
    });
  });
  test(`${label}: server stops`, async () => {
    official?.destroy();
    await server?.close();
  });
}

suite('fresh', { seed: 3 });
suite('seeded demo', { seed: 'demo' });

await run('sandbox official client');
