// iterable-wasm in Node: the catalog, a read, a write and error handling.
//
//   npm install iterable-wasm
//   ITERABLE_API_KEY=... node index.mjs
//
// Environment:
//   ITERABLE_SANDBOX=1    no key, no network: the package's in-process emulator of Iterable
//                         (stateful; the demo's default), plus a short stateful story at the end
//   ITERABLE_API_KEY      your server-side API key (required otherwise)
//   ITERABLE_REGION       "us" (default) or "eu"
//   ITERABLE_BASE_URL     another base URL, e.g. a local mock (http only for 127.0.0.1 / localhost)
//   ITERABLE_DEMO_WRITE=1 also run the write (tracks one event); read-only otherwise
//   ITERABLE_EMAIL        the user the event is tracked for (default example@example.com)
import { IterableClient, IterableError, actions } from 'iterable-wasm';

const sandbox = process.env.ITERABLE_SANDBOX === '1';
const apiKey = process.env.ITERABLE_API_KEY;
if (!apiKey && !sandbox) {
  console.error('Set ITERABLE_API_KEY (and ITERABLE_BASE_URL for a local mock), or ITERABLE_SANDBOX=1.');
  process.exit(2);
}

const client = sandbox
  ? // The demo project (users, lists, templates, campaigns in every state, ...), built the same way
    // on every run; the clock makes every timestamp the same too.
    new IterableClient({ sandbox: { seed: 'demo', clock: '2026-01-01T00:00:00Z' } })
  : new IterableClient({
      apiKey,
      region: process.env.ITERABLE_REGION === 'eu' ? 'eu' : 'us',
      ...(process.env.ITERABLE_BASE_URL ? { baseUrl: process.env.ITERABLE_BASE_URL } : {}),
    });
console.log(`client: ${client}`); // never shows the key

// The catalog: every action, with its JSON Schema; no request involved.
const irreversible = actions.filter((a) => a.irreversible).length;
console.log(`catalog: ${actions.length} actions (${irreversible} irreversible), e.g. ${actions[0].id}`);

// Bad input is rejected before anything is sent.
try {
  await client.trackEvent({ eventName: 'no_user_given' });
} catch (e) {
  if (!(e instanceof IterableError)) throw e;
  console.log(`validation: ${e.code}, ${e.attempts} requests sent: ${e.issues.map((i) => i.param).join(', ')}`);
}

try {
  // A read.
  const { channels = [] } = await client.listChannels();
  console.log(`read: ${channels.length} channels: ${channels.map((c) => c.name).join(', ')}`);

  // A write, only when asked for.
  if (process.env.ITERABLE_DEMO_WRITE === '1') {
    const res = await client.trackEvent({
      email: process.env.ITERABLE_EMAIL ?? 'example@example.com',
      eventName: 'iterable_wasm_example',
      dataFields: { runtime: 'node', at: new Date().toISOString() },
    });
    console.log(`write: trackEvent -> ${res.code}`);
  } else {
    console.log('write: skipped (set ITERABLE_DEMO_WRITE=1)');
  }

  // The same read by action id, as a generic caller or an agent would do it.
  const byId = await client.execute('list_channels', {});
  console.log(`execute: list_channels -> ${byId.channels?.length ?? 0} channels`);

  if (sandbox) {
    // The demo project starts with data to list, sort and page through.
    const { campaigns = [] } = await client.listAllCampaigns();
    const states = [...new Set(campaigns.map((c) => c.campaignState))].sort();
    console.log(`sandbox: demo project: ${campaigns.length} campaigns (${states.join(', ')})`);
    // What only a stateful emulator can show: state that later calls see.
    const { listId } = await client.createNewList({ name: 'Newsletter' });
    const subscribers = ['ada@example.com', 'grace@example.com', 'linus@example.com'].map((email) => ({ email }));
    const sub = await client.subscribeToList({ listId, subscribers });
    const size = await client.getListSize({ listId });
    console.log(`sandbox: list ${listId} created, ${sub.successCount} subscribed, size ${size}`);
    const { events = [] } = await client.getUserEventsByEmail({ email: 'example@example.com', limit: 5 });
    console.log(`sandbox: example@example.com has ${events.length} event(s), newest ${events[0]?.eventName}`);
    try {
      await client.getUserByEmail({ email: 'nobody@example.com' }).then((r) => console.log(`sandbox: unknown user -> ${JSON.stringify(r)}`));
    } catch (e) {
      console.log(`sandbox: unknown user -> ${e.code}`);
    }
  }
} catch (e) {
  if (!(e instanceof IterableError)) throw e;
  // The message leads with action, HTTP status and code: "list_lists → 401 BadApiKey: ...".
  // e.code is Iterable's own (BadApiKey, BadParams, ...) or ours (NetworkError, Timeout, ...).
  console.error(`error: ${e.message} (retryable: ${e.retryable})`);
  process.exit(1);
}
console.log('done');
