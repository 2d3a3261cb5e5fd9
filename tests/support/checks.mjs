// Assertions over a runScenario() result and the requests the fake server recorded for it.
// Used by every engine test (Node and Deno: node:assert works in both).
import assert from 'node:assert/strict';
import { CHANNELS, EXPORT_RECORDS, LISTS } from './server.mjs';
import { API_KEY, TRACK_INPUT, VALIDATION_EMAIL } from './scenario.mjs';
import { ACTION_COUNT } from './defs.mjs';

export function checkResult(r) {
  assert.equal(r.steps.at(-1), 'done', `scenario stopped after ${r.steps.at(-1)}`);

  // Catalog.
  assert.equal(r.actionsLength, ACTION_COUNT);
  assert.equal(r.actionIds.length, ACTION_COUNT);
  assert.equal(new Set(r.actionIds).size, ACTION_COUNT, 'action ids are unique');
  assert.equal(r.actionsFrozen, true);
  assert.deepEqual(r.listChannelsEntry, { method: 'GET', path: '/api/channels', methodName: 'listChannels' });
  for (const id of ['track_event', 'update_user', 'list_lists']) assert.ok(r.actionIds.includes(id), id);

  // The client never shows its key.
  assert.ok(!r.clientJson.includes(API_KEY), 'toJSON hides the key');
  assert.ok(!r.clientString.includes(API_KEY), 'toString hides the key');
  assert.equal(JSON.parse(r.clientJson).region, 'custom');

  // Reads and write.
  assert.deepEqual(r.channels, { channels: CHANNELS });
  assert.deepEqual(r.lists, { lists: LISTS });
  assert.deepEqual(r.track, { msg: 'Event with id: 1 tracked.', code: 'Success', params: null });

  // ValidationError: rejected before sending.
  const v = r.validation;
  assert.equal(v.isIterableError, true, 'ValidationError is an IterableError');
  assert.equal(v.isError, true);
  assert.equal(v.name, 'IterableError');
  assert.equal(v.code, 'ValidationError');
  assert.equal(v.status, 'undefined');
  assert.equal(v.attempts, 0);
  assert.equal(v.retryable, false);
  assert.equal(v.action, 'track_event');
  assert.ok(v.issues.some((i) => i.param === 'eventName'), JSON.stringify(v.issues));

  // API errors from Iterable's {msg, code, params} body.
  const k = r.badKey;
  assert.equal(k.isIterableError, true, 'API error is an IterableError');
  assert.equal(k.isError, true);
  assert.equal(k.code, 'BadApiKey');
  assert.equal(k.status, 401);
  assert.equal(k.message, 'list_channels → 401 BadApiKey: Invalid API key');
  assert.equal(k.detail, 'Invalid API key');
  assert.equal(k.string, 'IterableError: list_channels → 401 BadApiKey: Invalid API key', 'String(err) names action, status and code');
  assert.equal(k.action, 'list_channels');
  assert.equal(k.attempts, 1);
  assert.equal(k.retryable, false);
  assert.equal(k.json.code, 'BadApiKey');
  assert.equal(k.json.status, 401);

  const p = r.badParams;
  assert.equal(p.isIterableError, true);
  assert.equal(p.code, 'BadParams');
  assert.equal(p.status, 400);
  assert.equal(p.action, 'update_user');
  assert.equal(p.attempts, 1);

  assert.equal(r.unknownAction.code, 'ValidationError');
  assert.equal(r.unknownAction.attempts, 0);

  assert.equal(r.httpRemote.threw, true, 'plain http to a non-loopback host is refused');
  assert.equal(r.httpRemote.code, 'ValidationError');

  // The fetch option replaces the global fetch (the server sees nothing of it).
  assert.deepEqual(r.customFetch.result, { channels: [] });
  assert.deepEqual(r.customFetch.seen, [{ path: '/api/channels', method: 'GET', key: true }]);

  // A redirect is refused, not followed, and not retried (a browser hides status and Location).
  for (const [name, e, status, path] of [['GET', r.redirectGet, 307, '/api/channels'], ['POST', r.redirectPost, 308, '/api/events/track'], ['stream', r.redirectStream, 302, '/api/export/start']]) {
    assert.equal(e.isIterableError, true, `redirect ${name}: ${JSON.stringify(e)}`);
    assert.equal(e.code, 'RedirectRefused', `redirect ${name}`);
    assert.equal(e.retryable, false);
    assert.equal(e.attempts, 1, `redirect ${name}: one attempt, no retry`);
    assert.ok(!JSON.stringify(e).includes(API_KEY), 'the key is not in the error');
    if (e.status !== 'undefined') {
      assert.equal(e.status, status, `redirect ${name} status`);
      assert.match(e.message, new RegExp(`HTTP ${status} to http://127\\.0\\.0\\.1:\\d+${path.replace(/\//g, '\\/')}`), e.message);
    }
    assert.match(e.message, /not followed/);
  }

  // Exports end: job states in Iterable's lower case, a failed job rejects.
  assert.deepEqual(r.exportRecords, EXPORT_RECORDS);
  assert.deepEqual(r.exportProgress, { jobId: 7, state: 'completed', files: 1, records: EXPORT_RECORDS.length });
  assert.equal(r.exportFailed.isIterableError, true, JSON.stringify(r.exportFailed));
  assert.equal(r.exportFailed.code, 'ExportFailed');
  assert.match(r.exportFailed.message, /export job 8 failed/);
}

/**
 * Checks what reached the server. requests = server.requests for this scenario only; trap =
 * server.trap.requests (what reached the other origin the redirects pointed to: must be nothing).
 * opts.browser: a browser sent it (CORS preflights expected before POSTs with JSON and Api-Key).
 */
export function checkRequests(requests, trap, opts = {}) {
  assert.ok(Array.isArray(trap), 'checkRequests needs the trap\'s requests');
  const real = requests.filter((q) => q.method !== 'OPTIONS');
  const summary = real.map((q) => `${q.method} ${q.path}`);
  assert.deepEqual(summary, [
    'GET /api/channels',
    'GET /api/lists',
    'POST /api/events/track',
    'GET /api/channels',
    'POST /api/users/update',
    'GET /moved/307/api/channels',
    'POST /moved/308/api/events/track',
    'POST /moved/302/api/export/start',
    'POST /api/export/start',
    'GET /api/export/7/files',
    'GET /api/export/7/files',
    'GET /export-files/7/0',
    'GET /api/export/7/files',
    'POST /api/export/start',
    'GET /api/export/8/files',
  ], 'requests in order; nothing sent for the ValidationError or the unknown action');
  const [, , , , , get307, post308] = real;
  assert.equal(get307.headers['api-key'], API_KEY);
  assert.deepEqual(post308.body, TRACK_INPUT);
  // The export file is a pre-signed URL: fetched without the key.
  assert.equal(real.find((q) => q.path === '/export-files/7/0').headers['api-key'], undefined, 'export file fetched without the key');
  assert.deepEqual(real.filter((q) => q.path === '/api/export/7/files').map((q) => q.query), [{}, {}, { startAfter: 'export/7/part-0.json' }], 'export polls');
  assert.ok(!requests.some((q) => q.raw.includes(VALIDATION_EMAIL)), 'the invalid call sent nothing');

  const [channels, lists, track, bad, update] = real;
  assert.deepEqual(trap, [], 'nothing reached the other origin a redirect pointed to');
  for (const q of [channels, lists, track, update]) {
    assert.equal(q.headers['api-key'], API_KEY, `Api-Key on ${q.path}`);
    assert.match(q.headers.accept ?? '', /application\/json/, `Accept on ${q.path}`);
    assert.ok(!q.headers.authorization, 'no Authorization header');
    assert.deepEqual(q.query, {}, `no query string on ${q.path}`);
    assert.ok(!q.raw.includes(API_KEY), 'key never in the body');
  }
  assert.equal(bad.headers['api-key'], 'bad-key');
  for (const q of [channels, lists]) {
    assert.equal(q.body, null, 'GET has no body');
    assert.equal(q.headers['content-type'], undefined, 'GET has no Content-Type');
  }
  // The write: exactly the JSON body given, with JSON headers.
  assert.match(track.headers['content-type'], /^application\/json\b/);
  assert.deepEqual(track.body, TRACK_INPUT);
  assert.equal(Number(track.headers['content-length']), new TextEncoder().encode(track.raw).length);
  assert.deepEqual(update.body, { email: 'exists@example.com', dataFields: { a: 1 } });

  if (opts.browser) {
    const pre = requests.filter((q) => q.method === 'OPTIONS');
    assert.ok(pre.length >= 1, 'browser sent CORS preflights');
    for (const q of pre) {
      const asked = (q.headers['access-control-request-headers'] ?? '').toLowerCase();
      assert.ok(asked.includes('api-key'), `preflight asks for api-key: ${asked}`);
    }
    assert.ok(pre.some((q) => q.headers['access-control-request-method'] === 'POST'));
  }
}
