// A project state holding the entities the Prism-suite inputs (tests/prism/inputs.mjs) refer to:
// list 101, campaign 1001, template 2001, catalog "products" with item sku-1001, metadata
// productinfo/sku1001, snippet "Footer Snippet", export job 801, scheduled message 5001, message
// 2c6a8e0b..., user user@example.com / user-123, SMS verification for +15555550123, etc.
// fixtureFor(actionId) adapts it to the action's precondition (e.g. campaign 1001 must be running
// to be aborted, scheduled to be cancelled, and template 2001 must be a push template for
// get_push_template_by_id): the sandbox enforces these rules, so every action gets the state in
// which Iterable would accept it.
export const CLOCK = Date.parse('2024-01-01T00:00:00Z');
const iso = (ms) => new Date(ms).toISOString();
const MID = '2c6a8e0b1f3d4a5b9c7e8f0a1b2c3d4e';
const TOKEN = 'f3a1c2b4d5e6f708192a3b4c5d6e7f80f3a1c2b4d5e6f708192a3b4c5d6e7f80';

function user(email, userId, lists = [], extra = {}) {
  return {
    email, userId, dataFields: { firstName: 'Ada', favoriteColor: 'blue' }, createdAt: CLOCK - 86400000, updatedAt: CLOCK - 86400000,
    emailListIds: lists, devices: [{ token: TOKEN, platform: 'APNS', applicationName: 'com.example.app', endpointEnabled: true }],
    browserTokens: [TOKEN],
    events: [{ at: CLOCK - 3600000, data: { eventType: 'customEvent', eventName: 'productViewed', createdAt: '2023-12-31 23:00:00 +00:00', email, userId } }],
    ...extra,
  };
}

function template(id, medium, extra = {}) {
  return {
    templateId: id, medium, clientTemplateId: 'welcome-email-v1', templateType: 'Base', createdAt: CLOCK - 86400000, updatedAt: CLOCK - 86400000,
    fields: { name: 'Welcome Template', subject: 'Hello {{firstName}}', html: '<p>Hello {{firstName}}</p>', message: 'Hi {{firstName}}', title: 'Hi', body: 'Hello', placementId: 501, ...extra },
  };
}

function campaign(id, type, state, extra = {}) {
  return {
    id, name: `Campaign ${id}`, type, campaignState: state, templateId: 2001, listIds: type === 'Blast' ? [101] : [], suppressionListIds: [],
    messageMedium: 'Email', createdAt: CLOCK - 86400000, updatedAt: CLOCK - 86400000, createdByUserId: 'owner@example.com', ...extra,
  };
}

function message(channel, status, extra = {}) {
  return { messageId: MID, scheduledMessageId: 5001, channel, source: 'target', status, campaignId: 1001, templateId: 2001,
    email: 'user@example.com', userId: 'user-123', createdAt: iso(CLOCK - 60000), dataFields: {}, content: { html: '<p>Hello Ada</p>', title: 'Hi', body: 'Hello' }, ...extra };
}

export function baseFixture() {
  return {
    clock: CLOCK,
    users: [
      user('user@example.com', 'user-123', [101, 102]),
      user('source@example.com', 'user-source-1', [101]),
      user('destination@example.com', 'user-destination-1', [102]),
    ],
    lists: [101, 102, 201, 202].map((id) => ({ id, name: `List ${id}`, createdAt: CLOCK - 86400000, listType: id > 200 ? 'Suppression' : 'Standard' })),
    campaigns: [campaign(1001, 'Triggered', 'Running'), campaign(1002, 'Blast', 'Finished', { startAt: CLOCK - 7200000, endedAt: CLOCK - 3600000 })],
    templates: [template(2001, 'Email'), template(2002, 'Email', { name: 'Second' })],
    catalogs: { products: { createdAt: CLOCK, items: { 'sku-1001': { value: { name: 'Red Shirt', price: 29.99 }, lastModified: CLOCK } }, fieldMappings: {} } },
    snippets: [{ id: 3001, name: 'Footer Snippet', content: '<p>Bye</p>', description: '', variables: [], createdAt: iso(CLOCK), updatedAt: iso(CLOCK), createdBy: 'owner@example.com', updatedBy: 'owner@example.com', projectId: 1 }],
    metadata: { productinfo: { sku1001: { value: { plan: 'silver' }, lastModified: CLOCK } } },
    exports: [{ id: 801, dataTypeName: 'emailSend', outputFormat: 'text/csv', jobState: 'completed', createdAt: CLOCK - 60000, endedAt: CLOCK - 30000,
      fileName: 'file-1704067140000-801.csv', content: 'email\nuser@example.com\n', records: 1 }],
    outbox: [message('email', 'sent'), message('inApp', 'sent', { scheduledMessageId: 5002 }), message('embedded', 'sent', { scheduledMessageId: 5003 })],
    verifications: { '+15555550123': { code: '123456', verificationProfileId: 1001 } },
  };
}

const MEDIUM = [[/push/, 'Push'], [/sms/, 'SMS'], [/inapp/, 'InApp'], [/embedded/, 'Embedded']];

export function fixtureFor(id) {
  const f = baseFixture();
  const medium = MEDIUM.find(([re]) => re.test(id))?.[1];
  if (medium && /template/.test(id)) f.templates[0].medium = medium;
  const c = (type, state, extra) => { f.campaigns[0] = campaign(1001, type, state, extra); };
  switch (id) {
    case 'abort_campaign': c('Blast', 'Running', { startAt: CLOCK }); break;
    case 'archive_campaigns': c('Blast', 'Finished'); break;
    case 'cancel_campaign': c('Blast', 'Scheduled', { sendAt: CLOCK + 86400000 }); break;
    case 'schedule_campaign': case 'send_campaign': c('Blast', 'Draft'); break;
    case 'list_recurring_campaign_child_campaigns':
      c('Blast', 'Recurring');
      f.campaigns.push(campaign(1003, 'Blast', 'Finished', { recurringCampaignId: 1001 }));
      break;
    case 'delete_list': f.campaigns = []; break;
    case 'create_catalog': f.catalogs = {}; break;
    case 'create_snippet': f.snippets = []; break;
    case 'cancel_export': Object.assign(f.exports[0], { jobState: 'running', createdAt: CLOCK, endedAt: null }); break;
    case 'unforget_user': f.forgotten = [f.users.shift()]; break;
    case 'get_inapp_messages': case 'get_web_inapp_messages': case 'get_priority_inapp_message': break;
    default: {
      const m = /^cancel_(email|push|sms|inapp_message|web_push|whatsapp)$/.exec(id);
      if (m) {
        const channel = { email: 'email', push: 'push', sms: 'sms', inapp_message: 'inApp', web_push: 'webPush', whatsapp: 'whatsApp' }[m[1]];
        f.outbox.push(message(channel, 'scheduled', { scheduledMessageId: 5001, messageId: 'scheduled-1', sendAt: iso(CLOCK + 86400000) }));
        f.outbox[0].scheduledMessageId = 4999;
      }
    }
  }
  return f;
}
