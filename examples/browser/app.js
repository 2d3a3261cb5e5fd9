// iterable-wasm in a page: the catalog, a read, a write and error handling.
// The base URL can also come from the page's query: index.html?baseUrl=http://127.0.0.1:8787
import { IterableClient, IterableError, actions } from 'iterable-wasm';

const $ = (id) => document.getElementById(id);
const log = (line) => { $('log').textContent += `${line}\n`; };
$('baseUrl').value = new URLSearchParams(location.search).get('baseUrl') ?? '';

// The catalog is there as soon as the module has loaded; no request involved.
log(`catalog: ${actions.length} actions, e.g. ${actions[0].id}`);

async function run() {
  const baseUrl = $('baseUrl').value.trim();
  const client = new IterableClient({ apiKey: $('apiKey').value, ...(baseUrl ? { baseUrl } : {}) });

  // Bad input is rejected before anything is sent.
  try {
    await client.trackEvent({ eventName: 'no_user_given' });
  } catch (e) {
    if (!(e instanceof IterableError)) throw e;
    log(`validation: ${e.code}, ${e.attempts} requests sent`);
  }

  // A read.
  const { channels = [] } = await client.listChannels();
  log(`read: ${channels.length} channels: ${channels.map((c) => c.name).join(', ')}`);

  // A write, if asked for.
  if ($('write').checked) {
    const res = await client.trackEvent({
      email: 'example@example.com',
      eventName: 'iterable_wasm_example',
      dataFields: { runtime: 'browser' },
    });
    log(`write: trackEvent -> ${res.code}`);
  }
}

$('form').addEventListener('submit', async (event) => {
  event.preventDefault();
  document.body.dataset.state = 'running';
  try {
    await run();
    log('done');
    document.body.dataset.state = 'done';
  } catch (e) {
    if (!(e instanceof IterableError)) throw e;
    // The message leads with action, HTTP status and code: "list_channels → 401 BadApiKey: ...".
    log(`error: ${e.message}`);
    document.body.dataset.state = 'failed';
  }
});
document.body.dataset.state = 'ready';
