// The calls every engine test makes, written for any JS engine (no Node APIs): pass the package's
// exports and the fake server's URL, get back plain JSON that checks.mjs asserts on.
// Runs in Node, Deno, workerd, a browser page and a browser module worker.

export const API_KEY = 'test-key-3f9a';
// Marker of the call that must fail validation without sending anything.
export const VALIDATION_EMAIL = 'never-sent@example.com';
export const TRACK_INPUT = {
  email: 'ada@example.com',
  eventName: 'engine_test',
  dataFields: { plan: 'pro', seats: 3, tags: ['a', 'b'], nested: { ok: true }, unicode: 'héllo ✓' },
};

function errorInfo(e, IterableError) {
  return {
    isIterableError: e instanceof IterableError,
    isError: e instanceof Error,
    name: e?.name,
    code: e?.code,
    status: e?.status === undefined ? 'undefined' : e.status,
    message: e?.message,
    detail: e?.detail,
    string: String(e),
    retryable: e?.retryable,
    action: e?.action,
    attempts: e?.attempts,
    params: e?.params === undefined ? 'undefined' : e.params,
    issues: e?.issues,
    json: typeof e?.toJSON === 'function' ? e.toJSON() : null,
  };
}

async function expectReject(promise, IterableError) {
  try {
    const value = await promise;
    return { resolved: true, value };
  } catch (e) {
    return errorInfo(e, IterableError);
  }
}

/** Runs the scenario. mod = the package's exports ({IterableClient, IterableError, actions}). */
export async function runScenario(mod, baseUrl, label = 'engine') {
  const { IterableClient, IterableError, actions } = mod;
  const out = { label, steps: [] };
  const step = (name) => out.steps.push(name);

  out.actionsLength = actions.length;
  out.actionsFrozen = Object.isFrozen(actions);
  out.actionIds = actions.map((a) => a.id);
  const lc = actions.find((a) => a.id === 'list_channels');
  out.listChannelsEntry = lc ? { method: lc.method, path: lc.path, methodName: lc.methodName } : null;

  const client = new IterableClient({ apiKey: API_KEY, baseUrl, maxRetries: 0 });
  out.clientJson = JSON.stringify(client);
  out.clientString = String(client);

  step('listChannels');
  out.channels = await client.listChannels();

  step('execute list_lists');
  out.lists = await client.execute('list_lists', {});

  step('trackEvent');
  out.track = await client.trackEvent(TRACK_INPUT);

  step('validation');
  out.validation = await expectReject(client.trackEvent({ email: VALIDATION_EMAIL }), IterableError);

  step('bad key');
  const badClient = new IterableClient({ apiKey: 'bad-key', baseUrl, maxRetries: 0 });
  out.badKey = await expectReject(badClient.listChannels(), IterableError);

  step('bad params');
  out.badParams = await expectReject(
    client.updateUser({ email: 'exists@example.com', dataFields: { a: 1 } }), IterableError);

  step('unknown action');
  out.unknownAction = await expectReject(client.execute('no_such_action', {}), IterableError);

  step('https only');
  try {
    new IterableClient({ apiKey: API_KEY, baseUrl: 'http://example.com' });
    out.httpRemote = { threw: false };
  } catch (e) {
    out.httpRemote = { threw: true, ...errorInfo(e, IterableError) };
  }

  step('custom fetch');
  const seen = [];
  const viaFetch = new IterableClient({
    apiKey: API_KEY,
    baseUrl,
    maxRetries: 0,
    fetch: async (url, init) => {
      seen.push({ path: new URL(url).pathname, method: init.method, key: new Headers(init.headers).get('api-key') === API_KEY });
      return new Response('{"channels":[]}', { status: 200, headers: { 'content-type': 'application/json' } });
    },
  });
  out.customFetch = { result: await viaFetch.listChannels(), seen };

  step('redirect to another origin');
  // Iterable never redirects: a 3xx is refused, and the key never reaches the other origin.
  const viaRedirect = (status) => new IterableClient({ apiKey: API_KEY, baseUrl: `${baseUrl}/moved/${status}`, maxRetries: 2 });
  out.redirectGet = await expectReject(viaRedirect(307).listChannels(), IterableError);
  out.redirectPost = await expectReject(viaRedirect(308).trackEvent(TRACK_INPUT), IterableError);
  out.redirectStream = await expectReject(viaRedirect(302).exportRecords({ dataTypeName: 'user', outputFormat: 'application/x-json-stream' })[Symbol.asyncIterator]().next(), IterableError);

  step('export that completes');
  const progress = [];
  out.exportRecords = [];
  for await (const r of client.exportRecords({ dataTypeName: 'user', outputFormat: 'application/x-json-stream' }, { pollMs: 1, maxPollMs: 4, onProgress: (p) => progress.push(p) })) out.exportRecords.push(r);
  out.exportProgress = progress.at(-1);

  step('export that fails');
  out.exportFailed = await expectReject((async () => {
    let n = 0;
    for await (const _ of client.exportRecords({ dataTypeName: 'purchase', outputFormat: 'application/x-json-stream' }, { pollMs: 1 })) n++;
    return n;
  })(), IterableError);

  step('done');
  return JSON.parse(JSON.stringify(out));
}
