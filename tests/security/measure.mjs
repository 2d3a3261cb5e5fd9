// Prints the figures of each attack of issue 24 (status, time, memory) against a build, with the
// servers' default limits: `node tests/security/measure.mjs` (pkg/), or with
// ITERABLE_WASM_PKG=<an older build's folder> to compare. A build without `mcp --http` is
// measured through its createMcpHttpHandler on a plain node:http adapter (reading the whole body,
// as such an adapter would). Slow-client attacks wait up to 70 s. Not part of the test run.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, MB, PKG_DIR, filler, hasMcpHttp, runCli, sleep, timedFetch } from './lib.mjs';
import { TARGETS, badUtf8, batchWithInitialize, bigState, connectionFlood, cors, foreignHost, hugeBody, killDuringSave, mcpHttpBatch, mcpStdio, perRequestCost, slowClient } from './attacks.mjs';

const only = process.argv.slice(2);
const want = (name) => only.length === 0 || only.some((o) => name.startsWith(o));
const report = (name, figures) => console.log(JSON.stringify({ attack: name, ...figures }));

/** mcp --http, or the handler on a bare node:http adapter for builds without it. */
async function startMcp() {
  if (hasMcpHttp()) return TARGETS.mcp.start();
  const code = `
    import { createServer } from 'node:http';
    const { IterableClient, actions } = await import(${JSON.stringify(join(PKG_DIR, 'index.node.js'))});
    const { createMcpServer, createMcpHttpHandler } = await import(${JSON.stringify(join(PKG_DIR, 'mcp.js'))});
    const handle = createMcpHttpHandler(createMcpServer({ client: new IterableClient({ apiKey: 'x', sandbox: true }), actions, tools: 'all' }), { sessions: true });
    const srv = createServer(async (req, res) => {
      const chunks = []; for await (const c of req) chunks.push(c);
      const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks);
      const r = await handle(new Request('http://' + req.headers.host + req.url, { method: req.method, headers: req.headers, body }));
      res.writeHead(r.status, Object.fromEntries(r.headers)); res.end(Buffer.from(await r.arrayBuffer()));
    }).listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + srv.address().port + '/mcp'));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  const closed = new Promise((r) => child.once('close', r));
  const url = await new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').once('data', (d) => resolve(d.trim()));
    closed.then(() => reject(new Error('the adapter exited')));
  });
  return { url, pid: child.pid, stop: () => (child.kill('SIGINT'), closed), stderr: () => '' };
}

console.error(`measuring ${PKG_DIR}`);
for (const t of Object.values(TARGETS)) {
  const start = () => (t === TARGETS.mcp ? startMcp() : t.start());
  const srv = await start();
  const run = async (name, fn) => {
    if (!want(`${t.name}: ${name}`)) return;
    try {
      report(`${t.name}: ${name}`, await fn());
    } catch (e) {
      report(`${t.name}: ${name}`, { error: String(e?.message ?? e).slice(0, 200) });
    }
  };
  await run('foreign Host', () => foreignHost(t, srv));
  await run('CORS', () => cors(t, srv));
  await run('invalid UTF-8', () => badUtf8(t, srv));
  await run('200 MB chunked body', () => hugeBody(t, srv, { bytes: 200 * MB }));
  await run('200 MB declared body', () => hugeBody(t, srv, { bytes: 200 * MB, declared: true }));
  await run('3 x 200 MB bodies', () => hugeBody(t, srv, { bytes: 200 * MB, parallel: 3 }));
  await run('slow headers', () => slowClient(t, srv, { maxMs: 70_000 }));
  await run('slow body', () => slowClient(t, srv, { body: true, maxMs: 70_000 }));
  await run('100 idle connections', () => connectionFlood(t, srv, { n: 100, waitMs: 12_000 }));
  if (t === TARGETS.mcp) {
    await run('4,000 x tools/list batch', () => mcpHttpBatch(srv, 4000));
    await run('50 x tools/list batch', () => mcpHttpBatch(srv, 50));
    await run('batch with initialize, no session', () => batchWithInitialize(srv));
    await run('text/plain POST', async () => ({ status: (await timedFetch(srv.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' })).status }));
  }
  await srv.stop();
}

const line = (m) => Buffer.from(JSON.stringify(m) + '\n');
const init = line({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'm', version: '0' } } });
const stdio = async (name, input) => {
  if (!want(`mcp stdio: ${name}`)) return;
  const r = await mcpStdio(input);
  report(`mcp stdio: ${name}`, { alive: r.alive, exitCode: r.exitCode, pingAnswered: r.pingAnswered, ms: r.ms, rssGrowthMB: r.rssGrowthMB, stderr: r.stderrTail.split('\n').filter(Boolean).pop()?.slice(0, 160) });
};
await stdio('4,000 x tools/list batch line', async function* () {
  yield init;
  yield line(Array.from({ length: 4000 }, (_, i) => ({ jsonrpc: '2.0', id: i + 2, method: 'tools/list' })));
});
await stdio('200 MB line, no newline, then a newline', async function* () {
  yield init;
  yield* filler(200 * MB);
  yield Buffer.from('\n');
});

// State files.
const dir = mkdtempSync(join(tmpdir(), 'sec-measure-'));
const lists = async (file) => {
  const r = await runCli(['list_lists', '--sandbox', '--state', file, '--json']);
  return r.code === 0 ? JSON.parse(r.stdout).lists.map((l) => l.name) : `refused (${r.stderr.trim().slice(0, 120)})`;
};
if (want('state: kill -9 during CLI saves')) {
  const file = bigState(dir, 30);
  const t0 = Date.now();
  await runCli(['create_new_list', 'name=first', '--sandbox', '--state', file]);
  const full = Date.now() - t0;
  const outcomes = [];
  for (let i = 0; i < 3; i++) {
    const start = () => {
      const child = spawn(process.execPath, [CLI, 'create_new_list', `name=k${i}`, '--sandbox', '--state', file], { env: { ...process.env, ITERABLE_API_KEY: '' }, stdio: 'ignore' });
      child.closed = new Promise((r) => child.once('close', r));
      return child;
    };
    const k = await killDuringSave(file, start);
    let valid = true;
    try {
      JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      valid = false;
    }
    outcomes.push({ ...k, sizeMB: Math.round(statSync(file).size / MB), valid, tmpFiles: readdirSync(dir).filter((f) => f.endsWith('.tmp')).length });
    if (!valid) break;
  }
  const after = await lists(file);
  report('state: kill -9 during CLI saves (30 MB state)', { fullRunMs: full, outcomes, nextRun: Array.isArray(after) ? 'loads' : after });
}
if (want('state: two sandbox servers')) {
  const file = join(dir, 'two.json');
  const a = await TARGETS.sandbox.start(['--state', file]);
  const b = await TARGETS.sandbox.start(['--state', file]).catch((e) => ({ error: String(e.message).split('\n').find((l) => /in use/.test(l)) ?? String(e.message).slice(0, 160) }));
  report('state: two sandbox servers on one file', { second: b.error ? `refused: ${b.error.slice(0, 160)}` : 'started' });
  await a.stop();
  if (!b.error) await b.stop();
}
if (want('state: 8 parallel CLI runs')) {
  const file = join(dir, 'parallel.json');
  const t0 = Date.now();
  const runs = await Promise.all(Array.from({ length: 8 }, (_, i) => runCli(['create_new_list', `name=p${i}`, '--sandbox', '--state', file])));
  const names = await lists(file);
  report('state: 8 parallel CLI runs', { exitCodes: runs.map((r) => r.code).join(''), kept: Array.isArray(names) ? names.filter((n) => /^p\d$/.test(n)).length : names, ms: Date.now() - t0 });
}
if (want('state: dataFields nested 125 deep')) {
  const file = join(dir, 'deep.json');
  const srv = await TARGETS.sandbox.start(['--state', file]);
  let deep = 1;
  for (let i = 0; i < 125; i++) deep = { a: deep };
  const r = await timedFetch(`${srv.url}/api/events/track`, { method: 'POST', headers: { 'Api-Key': 'k', 'content-type': 'application/json' }, body: JSON.stringify({ email: 'd@example.com', eventName: 'e', dataFields: deep }) });
  await srv.stop();
  const again = await TARGETS.sandbox.start(['--state', file]).then((s) => s.stop().then(() => 'starts'), (e) => `refuses to start: ${String(e.message).split('\n').find((l) => /state/i.test(l))?.slice(0, 160)}`);
  report('state: dataFields nested 125 deep', { status: r.status, restart: again });
}
if (want('state: 40 MB per-request cost')) {
  const r = await perRequestCost(40);
  (await import('node:fs')).rmSync(r.dir, { recursive: true, force: true });
  report('state: 40 MB per-request cost (median of 7)', { ...r, dir: undefined });
}
if (existsSync(dir)) (await import('node:fs')).rmSync(dir, { recursive: true, force: true });
