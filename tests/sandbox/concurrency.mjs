// The sandbox over HTTP under load: 200 clients at once, each on its own connection, writing in
// bulk (users, events, list members) with a state file being saved meanwhile; then every item is
// read back through the API (an export of all users, the list's members) and from the saved
// state (each user's events): nothing lost, nothing written twice.
// Run: node tests/sandbox/concurrency.mjs (127.0.0.1 only; bounded: a few seconds).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request, Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SANDBOX_DIR, waitFor } from './pkgdir.mjs';
import { test, run } from './harness.mjs';

waitFor();
const { serve } = await import(pathToFileURL(join(SANDBOX_DIR, 'server.js')).href);
const dir = mkdtempSync(join(tmpdir(), 'iterable-sandbox-load-'));
const stateFile = join(dir, 'state.json');

const CLIENTS = 200;
const ROUNDS = 2;
const PER_REQUEST = 25;

function assert(c, m) { if (!c) throw new Error(m); }

/** One request on `agent` (one keep-alive connection per client); resolves {status, json|text}. */
function call(url, agent, method, path, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(url + path, { method, agent, headers: { 'Api-Key': 'load-test-key', 'Content-Type': 'application/json', ...(data ? { 'Content-Length': Buffer.byteLength(data) } : {}) }, timeout: 30_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let json;
        try { json = JSON.parse(text); } catch { /* text */ }
        resolve({ status: res.statusCode, json, text });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
    req.on('error', reject);
    req.end(data);
  });
}

async function ok(url, agent, method, path, body) {
  const r = await call(url, agent, method, path, body);
  assert(r.status === 200, `${method} ${path}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
  return r;
}

const email = (c, r, k) => `c${c}-r${r}-k${k}@load.example.com`;

test(`http: ${CLIENTS} clients writing in bulk at once lose and double nothing`, async () => {
  const server = await serve({ port: 0, seed: 5, clock: '2024-03-01T00:00:00Z', state: stateFile, saveIntervalMs: 50 });
  const agents = [];
  try {
    const admin = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(admin);
    const { listId } = (await ok(server.url, admin, 'POST', '/api/lists', { name: 'Load test' })).json;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      agents.push(agent);
      for (let r = 0; r < ROUNDS; r++) {
        const ks = Array.from({ length: PER_REQUEST }, (_, k) => k);
        const users = ks.map((k) => ({ email: email(c, r, k), userId: `c${c}-r${r}-k${k}`, dataFields: { client: c, round: r, k } }));
        const u = await ok(server.url, agent, 'POST', '/api/users/bulkUpdate', { users });
        assert(u.json.successCount === PER_REQUEST && u.json.failCount === 0, `client ${c} users: ${u.text.slice(0, 200)}`);
        const events = ks.map((k) => ({ email: email(c, r, k), eventName: 'loadTest', dataFields: { client: c, round: r, k } }));
        const e = await ok(server.url, agent, 'POST', '/api/events/trackBulk', { events });
        assert(e.json.successCount === PER_REQUEST, `client ${c} events: ${e.text.slice(0, 200)}`);
        const subscribers = ks.map((k) => ({ email: email(c, r, k) }));
        const s = await ok(server.url, agent, 'POST', '/api/lists/subscribe', { listId, subscribers });
        assert(s.json.successCount === PER_REQUEST, `client ${c} subscribe: ${s.text.slice(0, 200)}`);
      }
    }));
    const writeMs = performance.now() - t0;
    const expected = new Set();
    for (let c = 0; c < CLIENTS; c++) for (let r = 0; r < ROUNDS; r++) for (let k = 0; k < PER_REQUEST; k++) expected.add(email(c, r, k));
    const sameSet = (label, got) => {
      const seen = new Set(got);
      assert(seen.size === got.length, `${label}: ${got.length - seen.size} items twice`);
      const lost = [...expected].filter((x) => !seen.has(x));
      assert(lost.length === 0, `${label}: ${lost.length} lost, e.g. ${lost.slice(0, 3)}`);
      assert(seen.size === expected.size, `${label}: ${seen.size} items, expected ${expected.size}`);
    };

    // Every user, through an export of all users.
    const job = (await ok(server.url, admin, 'POST', '/api/export/start', { dataTypeName: 'user', outputFormat: 'application/x-json-stream' })).json.jobId;
    let files;
    for (let i = 0; i < 10 && files?.jobState !== 'completed'; i++) files = (await ok(server.url, admin, 'GET', `/api/export/${job}/files`)).json;
    assert(files.jobState === 'completed', `export ${files.jobState}`);
    const rows = [];
    for (const f of files.files) {
      const text = (await ok(server.url, admin, 'GET', new URL(f.url).pathname)).text;
      for (const line of text.split('\n')) if (line.trim()) rows.push(JSON.parse(line));
    }
    sameSet('exported users', rows.map((u) => u.email));
    for (const u of rows) {
      const [, c, r, k] = /^c(\d+)-r(\d+)-k(\d+)@/.exec(u.email).map(Number);
      assert(u.userId === `c${c}-r${r}-k${k}` && u.client === c && u.round === r && u.k === k, `user ${u.email}: ${JSON.stringify(u).slice(0, 200)}`);
    }
    // Every member, through the list.
    const members = (await ok(server.url, admin, 'GET', `/api/lists/getUsers?listId=${listId}`)).text.trim().split('\n');
    sameSet('list members', members);
    // Every event, once, from the saved state file.
    await server.save();
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    const events = state.users.flatMap((u) => u.events.filter((e) => e.data.eventName === 'loadTest').map((e) => e.data.email));
    sameSet('events in the state file', events);
    console.log(`# ${CLIENTS} clients wrote ${expected.size} users, events and members in ${Math.round(writeMs)} ms`);
  } finally {
    for (const a of agents) a.destroy();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

await run('concurrency');
