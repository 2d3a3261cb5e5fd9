// Sandbox-scale worker: one scenario at one size against the in-process sandbox
// (new IterableClient({ sandbox })), in a fresh process so that its peak RSS is its own.
//   node bench/lib/sandbox-scale.mjs --pkg DIR --scenario users|events|catalog|list|export|load --n N --out FILE
// Scenarios (only the step named is timed; set-up such as the users an export reads is not):
//   users    client.bulk('bulk_update_users', N users), then one user read back
//   events   client.bulk('track_events_in_bulk', N events over N/10 users), one user's events read back
//   catalog  client.bulk('create_catalog_items', N items), one item read back
//   list     client.bulk('subscribe_to_list', N new members), get_list_size read back
//   export   N users loaded untimed, then client.exportRecords() of all users (every record counted)
//   load     a state file of N users (written untimed) read a piece at a time and loaded (loadFrom),
//            then saved with dumpTo
// Prints nothing; writes {scenario, n, ms, cpuMs, baselineMB, peakMB, ...} to --out (cpuMs: the
// process's CPU time in the step, which a shared machine's load does not stretch as it does ms).
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { importPkg } from './pkgimport.mjs';

const argv = process.argv.slice(2);
const arg = (n, d) => { const i = argv.indexOf(`--${n}`); return i >= 0 ? argv[i + 1] : d; };
const scenario = arg('scenario');
const N = Number(arg('n'));
const CONC = 4;
const MB = 1024 * 1024;

const mod = await importPkg(arg('pkg'), 'index.node.js');
const pkgUrl = pathToFileURL(arg('pkg').replace(/\/?$/, '/'));
const client = new mod.IterableClient({ sandbox: { seed: 7, clock: '2024-06-01T00:00:00Z' }, rateLimit: false, maxRetries: 0 });
await client.listChannels(); // loads the emulator's wasm before anything is measured

const user = (i) => ({ email: `user${i}@example.com`, userId: `u${i}`, dataFields: { firstName: `Name${i}`, plan: i % 3 ? 'free' : 'pro', score: i % 1000 } });
const users = (n) => Array.from({ length: n }, (_, i) => user(i));

function check(cond, what) {
  if (!cond) throw new Error(`${scenario} ${N}: ${what}`);
}
async function bulk(id, items, options = {}) {
  const rep = await client.bulk(id, items, { concurrency: CONC, ...options });
  const total = Array.isArray(items) ? items.length : Object.keys(items).length;
  check(rep.succeeded === total && rep.failed === 0, `bulk ${id}: ${rep.succeeded} of ${total} succeeded, ${JSON.stringify(rep.errors ?? rep.failures ?? []).slice(0, 300)}`);
  return rep;
}

// Each scenario: [set-up (untimed), the timed step, the read-back check (untimed)].
const SCENARIOS = {
  users: [() => users(N), (items) => bulk('bulk_update_users', items), async () => {
    const r = await client.getUserByEmail({ email: `user${N - 1}@example.com` });
    check(r.user?.dataFields?.firstName === `Name${N - 1}`, 'last user not read back');
  }],
  events: [
    () => Array.from({ length: N }, (_, i) => ({ email: `user${i % Math.max(1, N / 10)}@example.com`, eventName: i % 10 ? 'open' : 'purchase', createdAt: 1717200000 + i, dataFields: { k: i, amount: i % 100 } })),
    (items) => bulk('track_events_in_bulk', items),
    async () => {
      const r = await client.getUserEventsByEmail({ email: 'user0@example.com', limit: 200 });
      check(Array.isArray(r.events) && r.events.length === Math.min(10, N), `user0 has ${r.events?.length} events`);
    },
  ],
  catalog: [
    async () => {
      await client.createCatalog({ catalogName: 'products' });
      return Object.fromEntries(Array.from({ length: N }, (_, i) => [`sku-${i}`, { name: `Product ${i}`, price: (i % 500) / 10, stock: i % 37 }]));
    },
    (docs) => bulk('create_catalog_items', docs, { input: { catalogName: 'products' } }),
    async () => {
      const r = await client.getCatalogItemById({ catalogName: 'products', itemId: `sku-${N - 1}` });
      check(JSON.stringify(r).includes(`Product ${N - 1}`), 'last item not read back');
    },
  ],
  list: [
    async () => {
      const { listId } = await client.createNewList({ name: 'everyone' });
      return { listId, members: Array.from({ length: N }, (_, i) => ({ email: `member${i}@example.com` })) };
    },
    (s) => bulk('subscribe_to_list', s.members, { input: { listId: s.listId } }),
    async (s) => {
      const size = await client.getListSize({ listId: s.listId });
      check(Number(typeof size === 'object' ? JSON.stringify(size).match(/\d+/)?.[0] : size) === N, `list size ${JSON.stringify(size)}`);
    },
  ],
  export: [
    () => bulk('bulk_update_users', users(N)),
    async () => {
      let n = 0;
      for await (const r of client.exportRecords({ dataTypeName: 'user', outputFormat: 'application/x-json-stream' }, { pollMs: 1, maxPollMs: 1 })) if (r) n++;
      return n;
    },
    async (_, n) => check(n === N, `export gave ${n} records`),
  ],
  // The path of a state file (`npx iterable-wasm sandbox --state`): the file read and loaded
  // through the emulator's own controls, then saved again piece by piece (as the server does).
  load: [
    async () => {
      const { createSandbox } = await import(new URL('sandbox/index.js', pkgUrl));
      const { instantiate } = await import(new URL('sandbox/load.node.js', pkgUrl));
      const sb = await createSandbox({ seed: 7 }, instantiate);
      const dir = mkdtempSync(join(tmpdir(), 'sandbox-scale-'));
      const file = join(dir, 'state.json');
      const [head, tail] = sb.dumpText().split('"users":[]');
      const fd = openSync(file, 'w');
      writeSync(fd, `${head}"users":[`);
      for (let i = 0; i < N; i++) writeSync(fd, (i ? ',' : '') + JSON.stringify({ ...user(i), createdAt: 1717200000000, updatedAt: 1717200000000 }));
      writeSync(fd, `]${tail}`);
      closeSync(fd);
      const { fileSource } = await import(new URL('server/state-file.js', pkgUrl)).catch(() => ({}));
      return { sb, dir, file, fileSource: sb.loadFrom && fileSource };
    },
    (s) => {
      if (s.fileSource) {
        // Read a piece at a time, as the state file is (older builds read the whole text).
        const fd = openSync(s.file, 'r');
        s.sb.loadFrom(s.fileSource(fd));
        closeSync(fd);
      } else s.sb.load(readFileSync(s.file, 'utf8'));
      const fd = openSync(join(s.dir, 'saved.json'), 'w');
      // (A build without dumpTo writes dumpText's one string: the bench also measures older builds.)
      if (s.sb.dumpTo) s.sb.dumpTo((piece) => writeSync(fd, piece));
      else writeSync(fd, s.sb.dumpText());
      closeSync(fd);
      return statSync(join(s.dir, 'saved.json')).size;
    },
    async (s, size) => {
      check(size > N * 50, `saved ${size} bytes`);
      const r = await s.sb.fetch(`https://api.iterable.com/api/users/byUserId/u${N - 1}`, { headers: { 'Api-Key': 'k' } });
      check((await r.json()).user?.email === `user${N - 1}@example.com`, 'last loaded user not found');
      rmSync(s.dir, { recursive: true, force: true });
    },
  ],
};

const [setup, step, verify] = SCENARIOS[scenario] ?? [];
if (!setup || !Number.isInteger(N) || N < 1) throw new Error(`usage: --scenario ${Object.keys(SCENARIOS).join('|')} --n N`);
const input = await setup();
globalThis.gc?.();
const baselineMB = process.memoryUsage().rss / MB;
const peakBeforeMB = process.resourceUsage().maxRSS / 1024;
const t0 = performance.now();
const c0 = process.cpuUsage();
const out = await step(input);
const ms = performance.now() - t0;
const c1 = process.cpuUsage(c0);
const cpuMs = (c1.user + c1.system) / 1000;
const peakMB = process.resourceUsage().maxRSS / 1024;
await verify(input, out);
writeFileSync(arg('out'), JSON.stringify({ scenario, n: N, ms, cpuMs, baselineMB, peakBeforeMB, peakMB }));
process.exit(0);
