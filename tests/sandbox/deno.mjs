// The scenarios in Deno: in-process (createSandbox + load.deno.js) and over HTTP against serve()
// running in Deno (its node:http compatibility).
// Run: node_modules/.bin/deno run --allow-read --allow-env=SANDBOX_DIR --allow-net=127.0.0.1 tests/sandbox/deno.mjs
// ($SANDBOX_DIR: a built sandbox directory, default pkg/sandbox/)
import { caller, runScenarios } from './scenarios.mjs';

const dir = Deno.env.get('SANDBOX_DIR') ? new URL(`file://${Deno.env.get('SANDBOX_DIR')}/`) : new URL('../../pkg/sandbox/', import.meta.url);
const { createSandbox } = await import(new URL('index.js', dir).href);
const { instantiate } = await import(new URL('load.deno.js', dir).href);
const results = [];
const queue = [];
const test = (name, fn) => queue.push([name, fn]);
const sb = await createSandbox({ seed: 42, clock: '2024-03-01T00:00:00Z' }, instantiate);
runScenarios(caller(sb.fetch, 'https://api.iterable.com'), test, 'deno: ');
test('deno: the browser loader (fetch of the wasm next to the module) works too', async () => {
  const browser = await import(new URL('load.browser.js', dir).href);
  const other = await createSandbox({ seed: 1 }, browser.instantiate);
  const r = await other.fetch('https://api.iterable.com/api/channels', { headers: { 'Api-Key': 'k' } });
  const body = await r.json();
  if (r.status !== 200 || body.channels.length !== 5) throw new Error(`${r.status} ${JSON.stringify(body)}`);
});
test('deno: new IterableClient({ sandbox }) through the package\'s Deno entry', async () => {
  const { IterableClient } = await import(new URL('../../pkg/index.deno.js', import.meta.url).href);
  const client = new IterableClient({ sandbox: { seed: 1, clock: '2026-01-01T00:00:00Z' } });
  const { listId } = await client.createNewList({ name: 'Newsletter' });
  await client.subscribeToList({ listId, subscribers: [{ email: 'a@example.com' }, { email: 'b@example.com' }, { email: 'c@example.com' }] });
  const size = String(await client.getListSize({ listId }));
  if (size !== '3') throw new Error(`list size ${size}`);
  const state = await client.sandbox.dump();
  if (state.lists.length !== 1) throw new Error(`${state.lists.length} lists in the dump`);
});
const { serve } = await import(new URL('server.js', dir).href);
const server = await serve({ port: 0, seed: 42, clock: '2024-03-01T00:00:00Z' });
runScenarios(caller(fetch, server.url), test, 'deno http: ');
for (const [name, fn] of queue) {
  try {
    await fn();
    results.push(true);
    console.log(`ok - ${name}`);
  } catch (e) {
    results.push(false);
    console.log(`not ok - ${name}\n  ${e?.stack ?? e}`);
  }
}
await server.close();
const failed = results.filter((r) => !r).length;
console.log(`sandbox deno: ${results.length - failed} passed, ${failed} failed`);
if (failed) Deno.exit(1);
