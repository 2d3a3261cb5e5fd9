// Deterministic, spec-derived inputs for every Iterable action.
//
// buildInput(action, spec, { full })  -> flat input object (path + query + body params by API name)
// buildRequest(action, input, baseUrl, opts) -> { method, url, headers, body } (reference encoder for tests)
// EXTRA_HEADERS / ACCEPT_BY_KIND / acceptFor(action) -> Accept handling (see comments below)
//
// No randomness: the same action + spec always yield the same input.

import { readFileSync } from 'node:fs';

/** The named object shapes of defs/shapes.json (for actions beyond the spec). */
const SHAPES = JSON.parse(readFileSync(new URL('../../defs/shapes.json', import.meta.url), 'utf8'));

/** Accept header our client sends per response kind. */
export const ACCEPT_BY_KIND = {
  json: 'application/json',
  csv: 'text/csv',
  jsonl: 'application/x-json-stream',
  text: 'text/plain',
  html: 'text/html',
};

/**
 * Per-action header overrides needed to get a 2xx from Prism.
 * get_campaign_metrics: response kind is csv (the API really returns CSV), but the spec
 * operation only `produces: ["text/plain"]`, so Prism answers `Accept: text/csv` with 406.
 * `text/plain` (or `*\/*`, or no Accept) gets the 200.
 */
export const EXTRA_HEADERS = {
  get_campaign_metrics: { Accept: 'text/plain' },
};

/** The Accept value to send for an action (kind default, overridden by EXTRA_HEADERS). */
export function acceptFor(action) {
  return EXTRA_HEADERS[action.id]?.Accept ?? ACCEPT_BY_KIND[action.response] ?? 'application/json';
}

// ---------------------------------------------------------------------------
// schema helpers

function refName(ref) {
  return decodeURIComponent(ref.replace(/^#\/definitions\//, '')).replace(/~1/g, '/').replace(/~0/g, '~');
}

function deref(spec, schema, stack = []) {
  let s = schema;
  let name = null;
  const seen = new Set();
  while (s && s.$ref) {
    name = refName(s.$ref);
    if (seen.has(name)) break;
    seen.add(name);
    const target = spec?.definitions?.[name];
    // keep sibling keywords (e.g. description next to $ref) but let the target win on structure
    const { $ref, ...siblings } = s;
    s = target ? { ...siblings, ...target } : siblings;
  }
  return { schema: s || {}, name };
}

function findOperation(action, spec) {
  return spec?.paths?.[action.path]?.[action.method.toLowerCase()] ?? null;
}

function bodySchema(op, spec) {
  const p = (op?.parameters || []).find((q) => q.in === 'body');
  if (!p || !p.schema) return null;
  return deref(spec, p.schema);
}

/** Schema for one action param: from the spec when found, else from the action's own metadata. */
export function paramSchema(action, param, spec) {
  const op = findOperation(action, spec);
  if (op) {
    if (param.in === 'body') {
      const b = bodySchema(op, spec);
      const prop = b?.schema?.properties?.[param.name];
      if (prop) return { schema: prop, parentName: b.name, from: 'spec' };
    } else {
      const q = (op.parameters || []).find((x) => x.name === param.name && x.in === param.in);
      if (q) return { schema: q, parentName: null, from: 'spec' };
    }
  }
  const { name, in: _in, required, description, shape, ...rest } = param;
  if (shape) {
    // an action beyond the spec whose object has a named shape (defs/shapes.json): its fields
    const { fields } = SHAPES[shape];
    const properties = Object.fromEntries(fields.map(({ name: f, required: _r, ...fs }) => [f, fs]));
    return { schema: { ...rest, description, properties, required: fields.filter((f) => f.required).map((f) => f.name) }, parentName: null, from: 'action' };
  }
  return { schema: { ...rest, description }, parentName: null, from: 'action' };
}

// ---------------------------------------------------------------------------
// value generation

const EPOCH_S = 1704067200; // 2024-01-01T00:00:00Z
const QUERY_DATE_START = '2024-01-01 00:00:00';
const QUERY_DATE_END = '2024-01-31 23:59:59';

// sendAt: a few days after the sandbox fixtures' clock (2024-01-01), within the week ahead that
// schedule_campaign accepts (x-iterable-max-future-days); a past date for a client's clock.
function iterableDate(name) {
  if (/expir/i.test(name)) return '2030-12-31 23:59:59';
  if (/^sendAt$/i.test(name)) return '2024-01-05 12:00:00';
  return /^end|before|until/i.test(name) ? QUERY_DATE_END : QUERY_DATE_START;
}
function isoDate(name) {
  if (/^end|updated|expir/i.test(name)) return '2024-01-31T23:59:59Z';
  if (/^sendAt$/i.test(name)) return '2024-01-05T12:00:00Z';
  return '2024-01-01T00:00:00Z';
}

function nameHint(ctx) {
  return `${ctx.actionId || ''}`;
}

/** String values by parameter / property name (and a little context). */
function stringFor(name, schema, ctx) {
  const n = name || '';
  const lower = n.toLowerCase();
  const desc = (schema.description || '').toLowerCase();
  const parent = ctx.parentName || '';
  const act = nameHint(ctx);

  if (schema.format === 'date-time') return isoDate(n);
  if (schema.format === 'date') return '2024-01-01';
  if (schema.format === 'email') return 'user@example.com';
  if (schema.format === 'uri' || schema.format === 'url') return 'https://example.com/';

  // dates / times
  if (/datetime$|^sendat$/i.test(n)) {
    // query dates always use Iterable's own form; body fields documented as ISO-8601 get RFC 3339
    if (ctx.in !== 'query' && /iso-?8601|iso 8601/.test(desc)) return isoDate(n);
    return iterableDate(n);
  }
  if (/timezone$/i.test(n)) return /default/i.test(n) ? 'America/Los_Angeles' : 'America/New_York';
  if (n === 'expirationDuration') return 'now+90d';

  // people / identities
  if (n === 'sourceEmail') return 'source@example.com';
  if (n === 'destinationEmail') return 'destination@example.com';
  if (n === 'newEmail') return 'new.user@example.com';
  if (n === 'fromEmail') return 'news@example.com';
  if (n === 'replyToEmail') return 'support@example.com';
  if (n === 'creatorUserId' || n === 'createdByUserId') return 'creator@example.com';
  if (n === 'bccEmails') return 'bcc@example.com';
  if (n === 'ccEmails') return 'cc@example.com';
  if (n === 'users' && parent === 'BulkSubscriptionActionRequest') return 'user@example.com';
  if (n === 'usersByUserId') return 'user-123';
  if (/email$/i.test(n) || n === 'userEmail') return 'user@example.com';
  if (n === 'sourceUserId') return 'user-source-1';
  if (n === 'destinationUserId') return 'user-destination-1';
  if (/userid$/i.test(n)) return 'user-123';
  if (n === 'phoneNumber') return '+15555550123';
  if (n === 'code') return '123456';

  // catalogs / metadata / snippets / subscriptions
  if (n === 'catalogName') return 'products';
  if (n === 'itemId' || n === 'itemIds') return 'sku-1001';
  if (n === 'table') return 'productinfo';
  if (n === 'key' && parent === 'LinkParam') return 'utm_source';
  if (n === 'value' && parent === 'LinkParam') return 'iterable';
  if (n === 'key') return 'sku1001';
  if (n === 'identifier' && parent === 'PushActionButton') return 'view-offer';
  if (n === 'identifier') return 'Footer Snippet';
  if (n === 'subscriptionGroup') return 'emailList';
  if (n === 'action' && ctx.in === 'query') return 'subscribe';
  if (n === 'fieldName') return 'color';
  if (n === 'fieldType') return 'string';
  if (n === 'orderBy') return 'price';
  if (n === 'nextMarker') return 'marker-1';
  if (n === 'startAfter') return 'file-1679086247925.csv';
  if (n === 'jobState') return 'completed';
  if (n === 'content') return '<p>Hello {{firstName}}, see you soon!</p>';
  if (n === 'variables') return 'firstName';

  // sorting / filtering
  if (n === 'sort') return '-createdAt';
  if (n === 'campaignState') return 'Running';
  if (n === 'state' && ctx.in === 'query') return 'Archived';
  if (n === 'omitFields') return 'ip,userAgent';
  if (n === 'onlyFields') return ctx.inArray ? 'email' : 'email,createdAt';
  if (n === 'delimiter') return ',';
  if (n === 'locale') return 'en-US';

  // messages / events / devices
  if (n === 'messageId' || n === 'currentMessageIds') return '2c6a8e0b1f3d4a5b9c7e8f0a1b2c3d4e';
  if (n === 'eventName') return 'productViewed';
  if (n === 'deleteAction') return 'inbox-swipe';
  if (n === 'closeAction') return 'link';
  if (n === 'location') return 'inbox';
  if (n === 'inboxSessionId') return 'inbox-session-1';
  if (n === 'buttonIdentifier') return 'shop-now';
  if (/url$/i.test(n) || n === 'endpoint' || n === 'icon') {
    if (n === 'endpoint') return 'https://hooks.example.com/iterable';
    if (/image|media|icon/i.test(n)) return 'https://example.com/images/banner.png';
    return 'https://example.com/offers/spring';
  }
  if ((n === 'ios' || n === 'android') && parent === 'RichMediaURL') return `https://example.com/media/${n}.png`;
  if (n === 'ios' || n === 'android') return `https://example.com/app/${n}/offer`;
  if (n === 'data' && (parent === 'Action' || parent === 'PushAction')) return 'https://example.com/offers/spring';
  if (n === 'type' && (parent === 'Action' || parent === 'PushAction')) return 'openUrl';
  if (n === 'token' || n === 'browserToken') return 'f3a1c2b4d5e6f708192a3b4c5d6e7f80f3a1c2b4d5e6f708192a3b4c5d6e7f80';
  if (n === 'deviceId') return 'device-0001';
  if (/packagename$/i.test(n) || n === 'applicationName') return 'com.example.app';
  if (/^sdkversion$/i.test(n)) return '6.5.0';
  if (n === 'platform') return 'iOS';
  if (n === 'hex') return '#FFFFFF';
  if (n === 'imageName') return 'shopping-cart';
  if (n === 'inputPlaceholder') return 'Type a reply';
  if (n === 'inputTitle') return 'Send';
  if (n === 'badge') return '1';
  if (n === 'sound') return 'default';
  if (n === 'authToken') return 'webhook-secret-token';
  if (n === 'brandName') return 'Example Store';
  if (n === 'trackingDomain') return 'links.example.com';
  if (n === 'googleAnalyticsCampaignName') return 'spring_sale';
  if (n === 'label') return 'headline';
  if (n === 'sku') return 'SKU-1001';
  if (n === 'categories') return 'Apparel';

  // identifiers typed string
  if (n === 'clientTemplateId') return 'welcome-email-v1';
  if (n === 'id' && parent === 'CommerceItem') return 'sku-1001';
  if (n === 'id' && parent === 'Session') return '8f14e45f-ceea-4e7a-9d1b-2a3c4d5e6f70';
  if (n === 'id' && parent === 'Button') return 'button-1';
  if (n === 'id' && /purchase/i.test(act)) return 'order-1001';
  if (n === 'id') return 'event-1001';

  // texts
  if (n === 'html') return '<html><body><h1>Hello {{firstName}}</h1><p>Spring sale starts today.</p></body></html>';
  if (n === 'plainText') return 'Hello {{firstName}}, spring sale starts today.';
  if (n === 'subject') return 'Spring sale starts today';
  if (n === 'preheaderText') return 'Up to 30% off';
  if (n === 'fromName') return 'Example Store';
  if (n === 'message') return /sms/i.test(act) ? 'Spring sale: 30% off today. Reply STOP to opt out.' : 'Spring sale starts today!';
  if (n === 'title' && parent === 'PushActionButton') return 'View offer';
  if (n === 'title' && parent === 'Button') return 'Shop now';
  if (n === 'title' && parent === 'InboxMetadata') return 'Spring sale';
  if (n === 'title') return 'Spring sale';
  if (n === 'subtitle') return 'Up to 30% off';
  if (n === 'body') return 'Up to 30% off everything this week.';
  if (n === 'text') return 'Up to 30% off';
  if (n === 'mediaUrlCaption') return 'Spring sale banner';
  if (n === 'description') return /snippet/i.test(act) ? 'Footer shown in every newsletter' : /list/i.test(act) ? 'Users who opted in to the weekly newsletter' : 'Product description';
  if (n === 'name') {
    if (parent === 'CommerceItem') return 'Red Shirt';
    if (/snippet/i.test(act)) return 'Footer Snippet';
    if (/list/i.test(act)) return 'Weekly Newsletter';
    if (/campaign/i.test(act)) return 'Spring Sale Campaign';
    if (/template/i.test(act) || parent === 'ApiTemplateResponse') return 'Welcome Template';
    return 'Example';
  }
  if (n === 'field') return 'purchasedProducts';
  if (n === 'dedupeBy') return 'productId';
  if (n === 'iconType') return 'systemImage';
  if (n === 'position') return 'Center';

  // generic fallbacks from spec hints
  if (typeof schema['x-example'] === 'string') return schema['x-example'];
  if (typeof schema.example === 'string') return schema.example;
  if (typeof schema.default === 'string' && schema.default !== 'None') return schema.default;
  return `example-${n || 'value'}`;
}

function integerFor(name, schema, ctx) {
  const n = name || '';
  let v;
  if (n === 'createdAt' || n === 'start') v = EPOCH_S;
  else if (n === 'end') v = EPOCH_S + 300;
  else if (n === 'issuedBefore') v = EPOCH_S * 1000;
  else if (n === 'page') v = 1;
  else if (n === 'pageSize') v = 10;
  else if (n === 'limit') v = 30;
  else if (n === 'count') v = 10;
  else if (n === 'size') v = 100;
  else if (n === 'quantity' || n === 'displayCount') v = 1;
  else if (n === 'verificationProfileId') v = 1001;
  else if (/suppression/i.test(n)) v = 201;
  else if (/^(listId|listIds|emailListIds)$/i.test(n)) v = 101;
  else if (/campaignid/i.test(n)) v = 1001;
  else if (/templateid/i.test(n) || n === 'ids') v = 2001;
  else if (/^unsubscribedmessagetype/i.test(n)) v = 311;
  else if (/messagetype/i.test(n)) v = 301;
  else if (/channel/i.test(n)) v = 401;
  else if (/placement/i.test(n)) v = 501;
  else if (/datafeed/i.test(n)) v = 601;
  else if (n === 'workflowId') v = 701;
  else if (n === 'jobId') v = 801;
  else if (n === 'experimentId') v = 901;
  else if (n === 'scheduledMessageId') v = 5001;
  else if (n === 'subscriptionGroupId') v = 101;
  else if (n === 'id' && /\/campaigns\//.test(ctx.path || '')) v = 1001;
  else if (n === 'id') v = 1;
  else if (typeof schema['x-example'] === 'number') v = schema['x-example'];
  else if (typeof schema.example === 'number') v = schema.example;
  else if (typeof schema.default === 'number') v = schema.default;
  else v = 1;
  if (ctx.inArray && ctx.index) v += ctx.index;
  if (typeof schema.minimum === 'number' && v < schema.minimum) v = schema.minimum;
  if (typeof schema.maximum === 'number' && v > schema.maximum) v = schema.maximum;
  if (schema.format === 'int32' && v > 2147483647) v = 2147483647;
  return Math.trunc(v);
}

function numberFor(name, schema, ctx) {
  const n = name || '';
  // ID-like fields the spec types `number`: send an integer (JSON numbers are numbers either way)
  if (/id$|ids$/i.test(n)) return integerFor(n, { ...schema, type: 'integer' }, ctx);
  let v;
  if (n === 'total') v = 29.99;
  else if (n === 'price') v = 29.99;
  else if (n === 'relevanceScore') v = 0.5;
  else if (n === 'alpha') v = 0.8;
  else if (n === 'displayDuration') v = 4.5;
  else if (typeof schema.example === 'number') v = schema.example;
  else if (typeof schema.default === 'number') v = schema.default;
  else v = 1.5;
  if (typeof schema.minimum === 'number' && v < schema.minimum) v = schema.minimum;
  if (typeof schema.maximum === 'number' && v > schema.maximum) v = schema.maximum;
  return v;
}

const TRUE_BOOLEANS = new Set([
  'openApp', 'enabled', 'triggeredSendEnabled', 'blastSendEnabled', 'allowRepeatMarketingSends', 'shouldAnimate',
  'saveToInbox', 'createNewFields', 'includeCustomEvents', 'validateChannelAlignment', 'isDefaultLocale',
  'cacheDataFeed', 'mergeDataFeedContext', 'sortAscending', 'preferUserId',
]);
function booleanFor(name, schema) {
  if (TRUE_BOOLEANS.has(name)) return true;
  if (typeof schema.example === 'boolean') return schema.example;
  if (typeof schema.default === 'boolean') return schema.default;
  return false;
}

/** Free-form object values (type: object without properties), by name. */
function freeObjectFor(name, ctx) {
  switch (name) {
    case 'dataFields':
      if (/purchase|cart/i.test(ctx.actionId) && ctx.parentName === 'CommerceItem') return { color: 'red', size: 'M' };
      return { firstName: 'Ada', favoriteColor: 'blue', loyaltyPoints: 120 };
    case 'campaignDataFields': return { promoCode: 'SPRING30' };
    case 'dataFeed': return { productName: 'Red Shirt', price: 29.99 };
    case 'documents': return { 'sku-1001': { name: 'Red Shirt', price: 29.99, inStock: true } };
    case 'value':
      if (/metadata/i.test(ctx.actionId)) return { plan: 'gold', seats: 10 };
      return { name: 'Red Shirt', price: 29.99, inStock: true };
    case 'update': return { price: 24.99 };
    case 'payload': return { category: 'promo', deepLinkId: 'spring-sale' };
    case 'metadata': return { source: 'api', requestId: 'req-1001' };
    case 'error': return {};
    default: return { example: true };
  }
}

/** Values for the spec's "relaxed" unconstrained definitions (no type at all). */
function unconstrainedFor(name) {
  if (['top', 'bottom', 'left', 'right'].includes(name)) return { percentage: 10 };
  if (name === 'position') return 'Center';
  if (name === 'iconType') return 'systemImage';
  return 'example';
}

function hasStructure(s) {
  return s.type || s.properties || s.items || s.enum || s.allOf;
}

/**
 * Generate a value for `schema` (already resolved or with $ref).
 * ctx: { spec, full, actionId, parentName, in, inArray, index, stack }
 */
export function generateValue(name, rawSchema, ctx) {
  const { schema, name: defName } = deref(ctx.spec, rawSchema);
  const stack = ctx.stack || [];

  if (Array.isArray(schema.enum) && schema.enum.length) {
    if (schema.default !== undefined && schema.enum.includes(schema.default)) return schema.default;
    return schema.enum[0];
  }
  if (schema.allOf) {
    const merged = { type: 'object', properties: {}, required: [] };
    for (const part of schema.allOf) {
      const p = deref(ctx.spec, part).schema;
      Object.assign(merged.properties, p.properties || {});
      merged.required.push(...(p.required || []));
    }
    return generateValue(name, merged, ctx);
  }

  let type = schema.type;
  if (!type && schema.properties) type = 'object';
  if (!type && schema.items) type = 'array';
  if (!hasStructure(schema)) return unconstrainedFor(name);

  switch (type) {
    case 'string':
      return stringFor(name, schema, ctx);
    case 'integer':
      return integerFor(name, schema, ctx);
    case 'number':
      return numberFor(name, schema, ctx);
    case 'boolean':
      return booleanFor(name, schema);
    case 'array': {
      const items = schema.items || { type: 'string' };
      const itemRef = items.$ref ? refName(items.$ref) : null;
      if (itemRef && stack.includes(itemRef)) return []; // recursive structure: stop here
      const itemResolved = deref(ctx.spec, items).schema;
      const primitive = !(itemResolved.type === 'object' || itemResolved.properties);
      // primitive arrays get two distinct elements (shows repeated query keys / real lists)
      const count = primitive && !['campaignState', 'state', 'onlyFields', 'variables', 'bccEmails', 'ccEmails', 'categories', 'users', 'usersByUserId', 'itemIds', 'currentMessageIds'].includes(name)
        ? 2 : 1;
      const out = [];
      for (let i = 0; i < count; i++) {
        out.push(generateValue(name, items, { ...ctx, inArray: true, index: i, stack }));
      }
      return out;
    }
    case 'object': {
      if (!schema.properties || !Object.keys(schema.properties).length) return freeObjectFor(name, ctx);
      const parentName = defName || name;
      const nextStack = defName ? [...stack, defName] : stack;
      const required = new Set(schema.required || []);
      const obj = {};
      const props = schema.properties;
      const keys = Object.keys(props).filter((k) => {
        if (ctx.full) return true;
        if (required.has(k)) return true;
        // realism for objects with no required identity: name the user by email
        if (k === 'email' && !required.has('userId')) return true;
        return false;
      });
      for (const k of keys) {
        const pRef = props[k].$ref ? refName(props[k].$ref) : null;
        if (pRef && nextStack.includes(pRef)) continue;
        const v = generateValue(k, props[k], { ...ctx, parentName, inArray: false, index: 0, stack: nextStack, in: 'body' });
        if (v !== undefined) obj[k] = v;
      }
      return obj;
    }
    default:
      return stringFor(name, schema, ctx);
  }
}

/** Which params of the action go into the input: the required ones and the first member of each
 * requireOneOf group (minimal), or all (full); then what the groups forbid is taken out (the second
 * and later members of each exclusive group) and together groups are completed or dropped whole. */
export function selectParams(action, { full = false } = {}) {
  const names = new Set(full ? action.params.map((p) => p.name) : action.params.filter((p) => p.required).map((p) => p.name));
  if (!full) {
    for (const group of action.requireOneOf || []) {
      if (!group.length) continue;
      if (group.some((m) => names.has(m))) continue;
      names.add(group[0]);
    }
  }
  for (const group of action.exclusive || []) for (const m of group.slice(1)) if (group.slice(0, group.indexOf(m)).some((x) => names.has(x))) names.delete(m);
  for (const group of action.together || []) {
    if (!group.some((m) => names.has(m)) || group.every((m) => names.has(m))) continue;
    if (full) for (const m of group) names.delete(m);
    else for (const m of group) names.add(m);
  }
  // a together group taken out may leave a requireOneOf group empty: give its first member back
  for (const group of action.requireOneOf || []) if (!group.some((m) => names.has(m))) names.add(group[0]);
  return action.params.filter((p) => names.has(p.name));
}

/**
 * Flat input object for an action, keyed by the API's parameter names (`only`: just these params).
 */
export function buildInput(action, spec, { full = false, only = null } = {}) {
  const input = {};
  for (const param of only ? action.params.filter((p) => only.includes(p.name)) : selectParams(action, { full })) {
    const { schema } = paramSchema(action, param, spec);
    // path/query params carry their schema inline (Swagger 2 non-body params)
    let s = schema;
    if (param.in !== 'body') {
      const { name, in: _in, required, description, collectionFormat, allowEmptyValue, ...rest } = schema;
      s = { ...rest, description };
    }
    // The spec schema wins (that is what Prism validates). actions.json only differs from the Prism
    // copy by normalising ID-like `number` fields to integer/int64, which integer values satisfy.
    const parentName = param.in === 'body' ? paramSchema(action, param, spec).parentName : null;
    input[param.name] = generateValue(param.name, s, {
      spec,
      full,
      actionId: action.id,
      path: action.path,
      parentName,
      in: param.in,
      stack: parentName ? [parentName] : [],
    });
  }
  return input;
}

// ---------------------------------------------------------------------------
// reference request encoder

function encodeQueryValue(v) {
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  if (v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * Build the HTTP request our client is expected to send for `input`.
 * opts.apiKey: value of Api-Key (default "test-api-key")
 * opts.accept: true (default) -> Accept from acceptFor(action); false -> no Accept; string -> that value
 */
export function buildRequest(action, input, baseUrl, opts = {}) {
  const { apiKey = 'test-api-key', accept = true } = opts;
  const method = action.method.toUpperCase();
  const byIn = { path: [], query: [], body: [] };
  for (const p of action.params) byIn[p.in]?.push(p);

  let path = action.path.replace(/\{([^}]+)\}/g, (_, name) => {
    const v = input[name];
    if (v === undefined || v === null) throw new Error(`${action.id}: missing path param ${name}`);
    return encodeURIComponent(String(v));
  });

  const pairs = [];
  for (const p of byIn.query) {
    const v = input[p.name];
    if (v === undefined) continue;
    const values = Array.isArray(v) ? v : [v];
    for (const item of values) pairs.push(`${encodeURIComponent(p.name)}=${encodeURIComponent(encodeQueryValue(item))}`);
  }
  const url = baseUrl.replace(/\/+$/, '') + path + (pairs.length ? `?${pairs.join('&')}` : '');

  const headers = { 'Api-Key': apiKey };
  if (accept === true) headers.Accept = acceptFor(action);
  else if (typeof accept === 'string') headers.Accept = accept;
  for (const [k, v] of Object.entries(EXTRA_HEADERS[action.id] || {})) {
    if (k === 'Accept' && accept !== true) continue;
    headers[k] = v;
  }

  let body;
  if (byIn.body.length) {
    const obj = {};
    for (const p of byIn.body) if (input[p.name] !== undefined) obj[p.name] = input[p.name];
    body = JSON.stringify(obj);
    headers['Content-Type'] = 'application/json';
  }
  return { method, url, headers, body };
}
