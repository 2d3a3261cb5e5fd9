// iterable-wasm in a Cloudflare Worker: the catalog, a read, a write and error handling.
// Bindings: ITERABLE_API_KEY (a secret), optionally ITERABLE_BASE_URL and ITERABLE_REGION.
//
//   GET  /          catalog size, a validation error (nothing sent) and the project's channels
//   GET  /catalog   the action catalog (id, title, method, path)
//   POST /track     {email | userId, eventName, dataFields?} -> trackEvent
import { IterableClient, IterableError, actions } from 'iterable-wasm';

function clientFor(env) {
  return new IterableClient({
    apiKey: env.ITERABLE_API_KEY,
    region: env.ITERABLE_REGION === 'eu' ? 'eu' : 'us',
    ...(env.ITERABLE_BASE_URL ? { baseUrl: env.ITERABLE_BASE_URL } : {}),
  });
}

async function handle(request, env) {
  const { pathname } = new URL(request.url);
  const client = clientFor(env);

  if (request.method === 'GET' && pathname === '/catalog') {
    return Response.json(actions.map(({ id, title, method, path }) => ({ id, title, method, path })));
  }

  if (request.method === 'GET' && pathname === '/') {
    // Bad input is rejected before anything is sent.
    const validation = await client.trackEvent({ eventName: 'no_user_given' }).catch((e) => e);
    const { channels = [] } = await client.listChannels(); // a read
    return Response.json({
      catalog: actions.length,
      validation: { code: validation.code, attempts: validation.attempts },
      channels: channels.map((c) => c.name),
    });
  }

  if (request.method === 'POST' && pathname === '/track') {
    const result = await client.trackEvent(await request.json()); // a write
    return Response.json(result);
  }

  return Response.json({ error: 'not found' }, { status: 404 });
}

export default {
  async fetch(request, env) {
    try {
      return await handle(request, env);
    } catch (e) {
      if (!(e instanceof IterableError)) throw e;
      // Iterable's code (BadApiKey, BadParams, ...) or ours (ValidationError, NetworkError, ...);
      // toJSON() never contains the key.
      const status = e.code === 'ValidationError' ? 400 : 502;
      return Response.json({ error: e.toJSON() }, { status });
    }
  },
};
