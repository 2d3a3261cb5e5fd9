// The stateful scenarios, written once against a transport-neutral `call(method, path, body)`
// (returns { status, contentType, text, json }) so the same code runs in-process (Node, Deno,
// workerd) and over HTTP. Only a stateful emulator passes them.
function check(cond, msg) {
  if (!cond) throw new Error(msg);
}
function eq(a, b, msg) {
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${msg}: got ${JSON.stringify(a)}, expected ${JSON.stringify(b)}`);
}

/** `fetch`-like function + base URL -> call(method, path, body) */
export function caller(fetchFn, base, apiKey = 'sandbox-test-key') {
  return async (method, path, body) => {
    const headers = { 'Api-Key': apiKey };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetchFn(path.startsWith('http') ? path : base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    const contentType = res.headers.get('content-type') ?? '';
    let json;
    if (contentType.startsWith('application/json')) json = JSON.parse(text);
    return { status: res.status, contentType, text, json };
  };
}

async function ok(call, method, path, body) {
  const r = await call(method, path, body);
  check(r.status >= 200 && r.status < 300, `${method} ${path} -> ${r.status} ${r.text.slice(0, 200)}`);
  return r;
}

/** Makes `n` requests that change nothing, so the simulated clock moves on (1 s each). */
async function wait(call, n) {
  for (let i = 0; i < n; i++) await ok(call, 'GET', '/api/channels');
}

export const scenarios = {
  async 'subscribe three users, then the list size is 3'(call) {
    const { json } = await ok(call, 'POST', '/api/lists', { name: 'Scenario list' });
    const listId = json.listId;
    const sub = await ok(call, 'POST', '/api/lists/subscribe', { listId, subscribers: [{ email: 'a@example.com' }, { email: 'b@example.com' }, { email: 'c@example.com' }] });
    eq(sub.json.successCount, 3, 'successCount');
    const size = await ok(call, 'GET', `/api/lists/${listId}/size`);
    check(size.contentType.startsWith('text/plain'), `size content-type ${size.contentType}`);
    eq(size.text.trim(), '3', 'list size');
    const users = await ok(call, 'GET', `/api/lists/getUsers?listId=${listId}`);
    eq(users.text.trim().split('\n').sort(), ['a@example.com', 'b@example.com', 'c@example.com'], 'list users');
    await ok(call, 'POST', '/api/lists/unsubscribe', { listId, subscribers: [{ email: 'b@example.com' }] });
    eq((await ok(call, 'GET', `/api/lists/${listId}/size`)).text.trim(), '2', 'size after unsubscribe');
  },

  async 'a tracked event shows up in the user events, newest first'(call) {
    await ok(call, 'POST', '/api/users/update', { email: 'ev@example.com', userId: 'ev-1', dataFields: { plan: 'pro' } });
    await ok(call, 'POST', '/api/events/track', { email: 'ev@example.com', eventName: 'signedUp', dataFields: { source: 'ad' } });
    await ok(call, 'POST', '/api/events/track', { userId: 'ev-1', eventName: 'productViewed', dataFields: { sku: 'X1' } });
    const byEmail = await ok(call, 'GET', `/api/events/${encodeURIComponent('ev@example.com')}?limit=10`);
    eq(byEmail.json.events.map((e) => e.eventName), ['productViewed', 'signedUp'], 'events by email, newest first');
    eq(byEmail.json.events[1].dataFields, { source: 'ad' }, 'event dataFields');
    const byId = await ok(call, 'GET', '/api/events/byUserId/ev-1?limit=1');
    eq(byId.json.events.map((e) => e.eventName), ['productViewed'], 'limit 1');
  },

  async 'abort on a finished campaign fails with Iterable\'s error'(call) {
    const list = (await ok(call, 'POST', '/api/lists', { name: 'Blast list' })).json.listId;
    await ok(call, 'POST', '/api/lists/subscribe', { listId: list, subscribers: [{ email: 'r1@example.com', dataFields: { firstName: 'Rae' } }, { email: 'r2@example.com' }] });
    await ok(call, 'POST', '/api/templates/email/upsert', { clientTemplateId: 'scenario-blast', name: 'Blast', subject: 'Hi {{firstName}}', html: '<p>Hi {{firstName}}</p>' });
    const tpl = (await ok(call, 'GET', '/api/templates/getByClientTemplateId?clientTemplateId=scenario-blast')).json.templates[0].templateId;
    const id = (await ok(call, 'POST', '/api/campaigns/create', { name: 'Blast', listIds: [list], templateId: tpl })).json.campaignId;
    eq((await ok(call, 'GET', `/api/campaigns/${id}`)).json.campaignState, 'Draft', 'state after create');
    await ok(call, 'POST', `/api/campaigns/${id}/send`);
    await wait(call, 5);
    const c = (await ok(call, 'GET', `/api/campaigns/${id}`)).json;
    eq(c.campaignState, 'Finished', 'state after send + time');
    eq(c.sendSize, 2, 'sendSize');
    const abort = await call('POST', '/api/campaigns/abort', { campaignId: id });
    eq(abort.status, 400, 'abort status');
    eq(abort.json.code, 'BadParams', 'abort code');
    check(abort.json.params === null && typeof abort.json.msg === 'string', 'error envelope {msg, code, params: null}');
    const sent = await ok(call, 'GET', `/api/users/getSentMessages?email=${encodeURIComponent('r1@example.com')}`);
    eq(sent.json.messages.length, 1, 'sent messages of r1');
    const metrics = await ok(call, 'GET', `/api/campaigns/metrics?campaignId=${id}`);
    check(metrics.contentType.startsWith('text/csv'), 'metrics are CSV');
    eq(metrics.text.trim().split('\n')[1].split(',').slice(0, 2), [String(id), '2'], 'metrics row: id, sends');
  },

  async 'an export contains the users created before it'(call) {
    for (const e of ['x1@example.com', 'x2@example.com']) await ok(call, 'POST', '/api/users/update', { email: e, dataFields: { tier: 'gold' } });
    const job = (await ok(call, 'POST', '/api/export/start', { dataTypeName: 'user', outputFormat: 'application/x-json-stream' })).json.jobId;
    await ok(call, 'POST', '/api/users/update', { email: 'late@example.com' });
    let files;
    for (let i = 0; i < 10; i++) {
      files = (await ok(call, 'GET', `/api/export/${job}/files`)).json;
      if (files.jobState === 'completed') break;
    }
    eq(files.jobState, 'completed', 'job state');
    eq(files.files.length, 1, 'files');
    const data = await ok(call, 'GET', files.files[0].url);
    const emails = data.text.trim().split('\n').map((l) => JSON.parse(l).email);
    check(emails.includes('x1@example.com') && emails.includes('x2@example.com'), `export has the users: ${emails}`);
    check(!emails.includes('late@example.com'), 'a user created after the start is not in the export');
    const jobs = (await ok(call, 'GET', '/api/export/jobs')).json.jobs;
    check(jobs.some((j) => j.id === job && j.jobState === 'completed'), 'job listed as completed');
    const cancel = await call('DELETE', `/api/export/${job}`);
    eq(cancel.status, 400, 'cancelling a completed export');
    const csv = await ok(call, 'GET', '/api/export/data.csv?dataTypeName=user&range=All&onlyFields=email');
    check(csv.text.split('\n')[0] === 'email' && csv.text.includes('late@example.com'), 'synchronous CSV export');
  },

  async 'forget hides a user'(call) {
    await ok(call, 'POST', '/api/users/update', { email: 'gone@example.com', dataFields: { a: 1 } });
    eq((await ok(call, 'GET', '/api/users/getByEmail?email=gone%40example.com')).json.user.email, 'gone@example.com', 'user before forget');
    await ok(call, 'POST', '/api/users/forget', { email: 'gone@example.com' });
    eq((await ok(call, 'GET', '/api/users/getByEmail?email=gone%40example.com')).json, {}, 'user after forget');
    const hashed = (await ok(call, 'GET', '/api/users/forgotten')).json.hashedEmails;
    check(hashed.length === 1 && /^[0-9a-f]{64}$/.test(hashed[0]), `hashed emails ${hashed}`);
    const upd = await call('POST', '/api/users/update', { email: 'gone@example.com', dataFields: { a: 2 } });
    eq([upd.status, upd.json.code], [409, 'ForgottenUserError'], 'updating a forgotten user');
    await ok(call, 'POST', '/api/users/unforget', { email: 'gone@example.com' });
    eq((await ok(call, 'GET', '/api/users/getByEmail?email=gone%40example.com')).json.user.dataFields.a, 1, 'unforget restores');
  },

  async 'catalog pages cover every item once'(call) {
    await ok(call, 'POST', '/api/catalogs/scenario-items');
    const documents = {};
    for (let i = 0; i < 23; i++) documents[`item-${i}`] = { n: i, name: `Item ${i}` };
    await ok(call, 'POST', '/api/catalogs/scenario-items/items', { documents, replaceUploadedFieldsOnly: false });
    const seen = [];
    let next = '/api/catalogs/scenario-items/items?page=1&pageSize=5&orderBy=n&sortAscending=true';
    let pages = 0;
    while (next) {
      const r = (await ok(call, 'GET', next)).json;
      const body = r.params ?? r;
      seen.push(...body.catalogItemsWithProperties.map((x) => x.itemId));
      eq(body.totalItemsCount, 23, 'totalItemsCount');
      next = body.nextPageUrl;
      pages++;
      check(pages < 10, 'too many pages');
    }
    eq(pages, 5, 'pages');
    eq(seen, Array.from({ length: 23 }, (_, i) => `item-${i}`), 'every item once, in order');
    await ok(call, 'DELETE', '/api/catalogs/scenario-items/items/item-0');
    const gone = await call('GET', '/api/catalogs/scenario-items/items/item-0');
    eq([gone.status, gone.json.code], [404, 'NotFound'], 'deleted item');
  },

  async 'errors: missing key, unknown route, bad JSON, missing params'(call) {
    const bad = await call('POST', '/api/events/track', undefined);
    eq([bad.status, bad.json.code], [400, 'BadParams'], 'missing body params');
    const nf = await call('GET', '/api/nothing/here');
    eq([nf.status, nf.json.code], [404, 'NotFound'], 'unknown route');
  },
};

export async function runScenarios(call, test, prefix = '') {
  for (const [name, fn] of Object.entries(scenarios)) test(prefix + name, () => fn(call));
}
