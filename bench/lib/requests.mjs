// The bench's request-bytes check: for a fixed sample of actions and inputs, the exact requests
// the client sends (method, URL, every header but the key's value, body text) must equal the ones
// recorded in bench/fixtures/requests.json, so a change made for speed cannot change what goes on
// the wire. Requests are captured by the client's `fetch` option (answered with an empty success);
// nothing is sent anywhere. Node or Deno.
//
//   node bench/lib/requests.mjs --pkg DIR [--out FILE]     compare (exit 1 on any difference)
//   node bench/lib/requests.mjs --pkg DIR --record         write the fixture from this build
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { importPkg } from './pkgimport.mjs';
import { trackInput } from './util.mjs';

const isDeno = typeof Deno !== 'undefined';
const argv = isDeno ? Deno.args : process.argv.slice(2);
const arg = (n, d) => (argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1] : d);
const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'requests.json');
const KEY = 'bench-key-123';

// ~20 actions across methods, path/query/body places, arrays, nested objects, numbers, non-ASCII
// text and characters that need escaping in paths and queries.
export const SAMPLE = [
  ['list_channels', {}],
  ['track_event', trackInput(1024)],
  ['track_event', { email: 'zoë@example.com', eventName: 'naïve "quoted" \\ event\n', createdAt: 1700000000, dataFields: { n: 0.1, big: 12345678901234, neg: -2.5e-7, t: true, z: null, emoji: '🚀', nested: { a: [1, 'two', { three: 3 }] } } }],
  ['track_purchase', { user: { email: 'ada@example.com', dataFields: { tier: 'gold' } }, items: [{ id: 'sku-1', name: 'Manual', price: 99.95, quantity: 1 }], total: 99.95 }],
  ['update_user', { email: 'ada@example.com', dataFields: { firstName: 'Ada', score: 42, tags: ['a', 'b'] }, mergeNestedObjects: true }],
  ['get_user_by_email', { email: 'ada+test@example.com' }],
  ['get_user_by_id_path', { userId: 'user/with space?&#' }],
  ['get_user_events_by_email', { email: 'ada@example.com', limit: 5 }],
  ['list_all_campaigns', { page: 2, pageSize: 50, sort: '-id', campaignState: ['Ready', 'Running'] }],
  ['get_campaign_metrics', { campaignId: [1, 2, 3], startDateTime: '2026-01-01 00:00:00', endDateTime: '2026-02-01 00:00:00' }],
  ['get_campaign_by_id', { id: 123456 }],
  ['list_catalog_items', { catalogName: 'Products-2', page: 1, pageSize: 100, orderBy: 'name', sortAscending: false }],
  ['replace_catalog_item', { catalogName: 'products', itemId: 'item-1', value: { name: 'Engine', price: 1e3, ok: false } }],
  ['update_catalog_item', { catalogName: 'products', itemId: 'item-2', update: { stock: 0 } }],
  ['delete_catalog_item', { catalogName: 'products', itemId: 'item-3' }],
  ['subscribe_to_list', { listId: 7, subscribers: [{ email: 'a@example.com' }, { email: 'b@example.com', dataFields: { x: 1 } }] }],
  ['subscribe_user_by_email', { subscriptionGroup: 'emailList', subscriptionGroupId: 11, userEmail: 'c@example.com' }],
  ['bulk_subscription_action', { subscriptionGroup: 'messageType', subscriptionGroupId: 12, action: 'subscribe', users: ['d@example.com', 'e@example.com'] }],
  ['trigger_campaign', { campaignId: 5, listIds: [1, 2], dataFields: { coupon: 'X1' }, allowRepeatMarketingSends: false }],
  ['preview_email_template', { templateId: 9, locale: 'fr', dataFields: { name: 'Zoë' } }],
  ['export_data_to_csv', { dataTypeName: 'emailSend', range: 'Today', delimiter: ';', onlyFields: ['email', 'createdAt'] }],
  ['cancel_export', { jobId: 77 }],
  ['start_export', { dataTypeName: 'user', outputFormat: 'text/csv', startDateTime: '2026-01-01 00:00:00' }],
  ['list_metadata_keys', { table: 'tbl', nextMarker: 'm/1' }],
];

/** The requests the package sends for SAMPLE: [{action, method, url, headers, body}]. */
export async function capture(mod) {
  const seen = [];
  const fetch = async (url, init) => {
    const headers = Object.entries(init.headers ?? {}).map(([k, v]) => [k, k.toLowerCase() === 'api-key' ? (v === KEY ? '<key>' : '<OTHER KEY>') : v]);
    seen.push({ method: init.method, url: String(url), headers, body: init.body ?? null });
    return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
  };
  const client = new mod.IterableClient({ apiKey: KEY, baseUrl: 'https://api.iterable.com', rateLimit: false, maxRetries: 0 });
  const out = [];
  const real = globalThis.fetch;
  globalThis.fetch = fetch;
  try {
  for (const [action, input] of SAMPLE) {
    const before = seen.length;
    try {
      await client.execute(action, input);
    } catch (e) {
      // The empty answer may not satisfy every action's result; only the request matters here,
      // but a request refused before sending is a failure of the sample.
      if (seen.length === before) throw new Error(`${action}: no request sent (${e?.code}: ${e?.message})`);
    }
    if (seen.length !== before + 1) throw new Error(`${action}: ${seen.length - before} requests sent, expected 1`);
    out.push({ action, ...seen[before] });
  }
  } finally {
    globalThis.fetch = real;
  }
  return out;
}

const isMain = (() => {
  try { return fileURLToPath(import.meta.url) === (isDeno ? fileURLToPath(Deno.mainModule) : process.argv[1]); } catch { return false; }
})();
if (isMain) {
  const mod = await importPkg(arg('pkg'), isDeno ? 'index.deno.js' : 'index.node.js');
  await mod.ready();
  const got = await capture(mod);
  if (argv.includes('--record')) {
    writeFileSync(FIXTURE, `[\n${got.map((r) => JSON.stringify(r)).join(',\n')}\n]\n`);
    console.log(`recorded ${got.length} requests in ${FIXTURE}`);
  } else {
    const want = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    const diffs = [];
    for (let i = 0; i < Math.max(want.length, got.length); i++) {
      const a = JSON.stringify(want[i]);
      const b = JSON.stringify(got[i]);
      if (a !== b) diffs.push(`${want[i]?.action ?? got[i]?.action}:\n  recorded ${a?.slice(0, 600)}\n  now      ${b?.slice(0, 600)}`);
    }
    const result = { actions: got.length, identical: got.length - diffs.length, diffs };
    if (arg('out')) writeFileSync(arg('out'), JSON.stringify(result));
    console.log(diffs.length ? `request bytes differ for ${diffs.length} of ${got.length}:\n${diffs.join('\n')}` : `request bytes identical for ${got.length} of ${got.length} sampled requests`);
    if (diffs.length) isDeno ? Deno.exit(1) : process.exit(1);
  }
}
