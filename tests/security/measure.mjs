// Prints the figures of each attack of issue 24 (status, time, memory) against a build, with the
// servers' default limits: `node tests/security/measure.mjs` (pkg/), or with
// ITERABLE_WASM_PKG=<an older build's folder> to compare. A build without `mcp --http` is
// measured through its createMcpHttpHandler on a plain node:http adapter (reading the whole body,
// as such an adapter would). Slow-client attacks wait up to 70 s. Not part of the test run.
// One JSON line per attack, then (--table, or always at the end) a Markdown table: each attack,
// the figures issue 24 gave for it before the fixes, and this build's. Arguments other than
// --table select attacks by name prefix ("sandbox: ", "mcp --http: ", "mcp stdio: ", "state: ").
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, MB, PKG_DIR, filler, hasMcpHttp, runCli, sleep, timedFetch } from './lib.mjs';
import { TARGETS, badUtf8, batchWithInitialize, bigState, connectionFlood, cors, foreignHost, hugeBody, mcpHttpBatch, mcpPost, mcpSession, mcpStdio, perRequestCost, refusedBodyCost, slowClient } from './attacks.mjs';
import { createServer } from 'node:http';
import { watchRss } from './lib.mjs';

const only = process.argv.slice(2).filter((a) => a !== '--table');
const want = (name) => only.length === 0 || only.some((o) => name.startsWith(o));
const rows = [];
const report = (name, figures) => {
  rows.push({ name, figures });
  console.log(JSON.stringify({ attack: name, ...figures }));
};

// What issue 24 measured on the package before the fixes (its own words and figures).
const BEFORE = {
  'sandbox: foreign Host': 'answered (200): DNS rebinding',
  'sandbox: CORS': 'Access-Control-Allow-Origin: * on every answer and preflight',
  'sandbox: 200 MB chunked body': '400 (not 413) after buffering it all; RSS 99 → 665 MB',
  'sandbox: 3 x 200 MB bodies': 'RSS 1.46 GB',
  'sandbox: slow headers': 'held 78 s to over 100 s; no connection cap',
  'sandbox: slow body': 'held 78 s to over 100 s',
  'sandbox: 100 idle connections': 'no connection cap',
  'mcp --http: 200 MB chunked body': 'read whole: RSS → 868 MB',
  'mcp --http: 200 MB declared body': 'read whole: RSS → 868 MB',
  'mcp --http: 4,000 x tools/list batch': 'RangeError (answer too large for a string); 1,000 entries → 147 MB',
  'mcp --http: batch with initialize, no session': 'skipped the session check',
  'mcp --http: slow headers': 'held 78 s to over 100 s',
  'mcp --http: slow body': 'held 78 s to over 100 s',
  'mcp --http: 100 idle connections': 'no connection cap',
  'mcp stdio: 4,000 x tools/list batch line': 'RangeError, exit 1',
  'mcp stdio: 200 MB line, no newline, then a newline': 'buffered the whole line',
  'state: kill -9 during CLI runs (30 MB state)': 'file left at 0 bytes 3 times of 3; next run: "not valid JSON"',
  'state: two sandbox servers on one file': 'both start; the later write silently wins',
  'state: 8 parallel CLI runs': 'kept 1–2 of 8',
  'state: dataFields nested 125 deep': 'stored, then the sandbox refused to start on its own file',
  'client: 307 to another origin': 'followed; the other origin received Api-Key',
  'CLI: 600 MB response': '"Cannot create a string"',
  'mcp --http: 150 sessions': 'sessions never expire and have no cap',
  'state: 206 MB per-request cost (median of 7)': '2–3 s per GET (every request rewrote the file)',
  'state: 40 MB per-request cost (median of 7)': 'every request rewrote the file, even a 401: 427 ms per request on 41 MB; 2–3 s per GET on 206 MB; 37 MB temporary files left by kills',
};
const num = (v, unit = '') => (v === null || v === undefined ? '–' : `${v}${unit}`);
/** A table cell of this build's figures: status, RSS growth, time, and what else the attack reports. */
function after(f) {
  if (f.error) return `error: ${f.error}`;
  const parts = [];
  const status = f.status ?? f.foreignPreflight;
  if (status !== undefined) parts.push(`status ${status}`);
  if (f.foreignAllowOrigin !== undefined) parts.push(`foreign preflight ${f.foreignPreflight} (allow-origin ${f.foreignAllowOrigin ?? 'none'}), foreign POST ${f.foreignPost} (allow-origin ${f.foreignPostAllowOrigin ?? 'none'}), localhost:5173 allowed: ${f.localAllowOrigin ?? 'no'}`);
  if (f.rssGrowthMB !== undefined) parts.push(`RSS +${num(f.rssGrowthMB, ' MB')}`);
  if (f.refusedMB !== undefined) parts.push(`RSS +${f.refusedMB.join(' / ')} MB per body; a normal request meanwhile +${f.controlMB.join(' / ')} MB; client done after ${f.ms.join(' / ')} ms, closed by ${f.closedBy}`);
  else if (f.ms !== undefined) parts.push(`${f.ms} ms`);
  if (f.droppedMs !== undefined) parts.push(f.droppedMs !== null ? `dropped at ${f.droppedMs} ms; a normal request meanwhile: ${f.normalStatus} in ${f.normalMs} ms` : `not dropped (client gave up at ${f.gaveUpMs} ms)`);
  if (f.refusedAtOnce !== undefined) parts.push(`${f.refusedAtOnce} of ${f.opened} refused at once, ${f.stillOpenAfterMs} still open after ${f.waitedMs} ms; normal request during: ${f.during}, after: ${f.after}`);
  if (f.answerKB !== undefined) parts.push(`answer ${f.answerKB} KB, alive after: ${f.aliveAfter}`);
  if (f.toolsListed !== undefined) parts.push(`tools listed: ${f.toolsListed}, session issued: ${f.sessionIssued}`);
  if (f.alive !== undefined) parts.push(`alive: ${f.alive}, ping answered: ${f.pingAnswered}`);
  if (f.outcomes !== undefined) parts.push(`${f.outcomes.length} kills: ${f.finishedKept}/${f.finished} finished runs kept, ${f.killedMidSnapshot} mid-snapshot; file valid every time: ${f.alwaysValid}; next run: ${f.nextRun}; temporary files left: ${f.tmpFiles}`);
  if (f.trapSawRequest !== undefined) parts.push(`error ${f.code}; the other origin saw a request: ${f.trapSawRequest}, saw the key: ${f.trapSawKey}`);
  if (f.errorCode !== undefined) parts.push(`exit ${f.exit}, ${f.errorCode}; the CLI's RSS peak ${num(f.rssPeakMB, ' MB')}`);
  if (f.opened150 !== undefined) parts.push(`sessions alive of 150 opened: ${f.sessionsAlive}; the first (least recently used): ${f.firstStatus}`);
  if (f.second !== undefined) parts.push(`second: ${f.second}`);
  if (f.kept !== undefined) parts.push(`kept ${f.kept} of 8 (exit codes ${f.exitCodes})`);
  if (f.restart !== undefined) parts.push(`restart: ${f.restart}`);
  if (f.writeMs !== undefined) parts.push(`read ${f.readMs} ms, 401 ${f.refusedMs} ms, write ${f.writeMs} ms; snapshot rewritten by read/401/write: ${f.readRewrote}/${f.refusedRewrote}/${f.writeRewrote}; journal bytes per 7 writes: ${f.writeJournalBytes ?? '–'}`);
  return parts.join('; ');
}

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
  await run('200 MB chunked body, 5 rounds after a warm-up', () => refusedBodyCost(t, srv, { trials: 5 }));
  await run('200 MB chunked body, the client ignores the answer', () => refusedBodyCost(t, srv, { trials: 3, ignoreAnswer: true }));
  await run('200 MB chunked body, foreign Host', () => hugeBody(t, srv, { bytes: 200 * MB, host: 'rebind.attacker.example' }));
  await run('200 MB declared body', () => hugeBody(t, srv, { bytes: 200 * MB, declared: true }));
  await run('3 x 200 MB bodies', () => hugeBody(t, srv, { bytes: 200 * MB, parallel: 3 }));
  await run('slow headers', () => slowClient(t, srv, { maxMs: 70_000 }));
  await run('slow body', () => slowClient(t, srv, { body: true, maxMs: 70_000 }));
  await run('100 idle connections', () => connectionFlood(t, srv, { n: 100, waitMs: 12_000 }));
  if (t === TARGETS.mcp) {
    await run('150 sessions', async () => {
      const ids = [];
      for (let i = 0; i < 150; i++) ids.push(await mcpSession(srv));
      const ping = (sid) => mcpPost(srv, { jsonrpc: '2.0', id: 2, method: 'ping' }, { 'mcp-session-id': sid }).then((r) => r.status);
      const statuses = [];
      for (const sid of ids) statuses.push(await ping(sid));
      return { opened150: true, sessionsAlive: statuses.filter((x) => x === 200).length, firstStatus: statuses[0] };
    });
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

// The client and the CLI against a hostile upstream.
const listen = (handler) => new Promise((resolve) => {
  const s = createServer(handler).listen(0, '127.0.0.1', () => resolve({ s, url: `http://127.0.0.1:${s.address().port}` }));
});
if (want('client: 307 to another origin')) {
  const seen = [];
  const trap = await listen((req, res) => {
    seen.push(req.headers['api-key'] ?? null);
    res.end('{}');
  });
  const redirect = await listen((req, res) => {
    res.writeHead(307, { location: `${trap.url}${req.url}` });
    res.end();
  });
  const { IterableClient } = await import(join(PKG_DIR, 'index.node.js'));
  const client = new IterableClient({ apiKey: 'fake-key-for-redirect', baseUrl: redirect.url, maxRetries: 0 });
  const code = await client.execute('list_channels', {}).then(() => 'none (followed)', (e) => e.code);
  report('client: 307 to another origin', { code, trapSawRequest: seen.length > 0, trapSawKey: seen.includes('fake-key-for-redirect') });
  trap.s.close();
  redirect.s.close();
}
if (want('CLI: 600 MB response')) {
  const big = await listen((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    let sent = 0;
    res.write('{"webhooks":[],"pad":"');
    const more = () => {
      while (sent < 600) {
        sent++;
        if (!res.write(chunk)) return res.once('drain', more);
      }
      res.end('"}');
    };
    res.on('close', () => (sent = 600));
    more();
  });
  const child = spawn(process.execPath, [CLI, 'list_webhooks', '--json-errors'], { env: { ...process.env, ITERABLE_API_KEY: 'fake-key', ITERABLE_BASE_URL: big.url }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
  const watch = watchRss(child.pid);
  const t0 = Date.now();
  const exit = await new Promise((r) => child.once('close', r));
  const m = watch.stop();
  let errorCode = 'none';
  try {
    errorCode = JSON.parse(err).error.code;
  } catch {
    errorCode = err.trim().split('\n').pop()?.slice(0, 120) ?? '';
  }
  report('CLI: 600 MB response', { exit, errorCode, ms: Date.now() - t0, rssPeakMB: Math.round(m.peak / MB) });
  big.s.close();
}

// State files.
const dir = mkdtempSync(join(tmpdir(), 'sec-measure-'));
const lists = async (file) => {
  const r = await runCli(['list_lists', '--sandbox', '--state', file, '--json']);
  return r.code === 0 ? JSON.parse(r.stdout).lists.map((l) => l.name) : `refused (${r.stderr.trim().slice(0, 120)})`;
};
if (want('state: kill -9 during CLI runs')) {
  // Runs killed at moments spread across a run (load, call, journal append, exit): each finished
  // run's change must be kept, the file must always parse.
  const file = bigState(dir, 30);
  const t0 = Date.now();
  await runCli(['create_new_list', 'name=first', '--sandbox', '--state', file]);
  const full = Date.now() - t0;
  const outcomes = [];
  const finished = ['first'];
  let alwaysValid = true;
  let killedMidSnapshot = 0;
  for (let i = 0; i < 10; i++) {
    const child = spawn(process.execPath, [CLI, 'create_new_list', `name=k${i}`, '--sandbox', '--state', file], { env: { ...process.env, ITERABLE_API_KEY: '' }, stdio: 'ignore' });
    let code = null;
    const closed = new Promise((r) => child.once('close', (c) => r((code = c))));
    await sleep(Math.round(full * (0.2 + 0.15 * i)));
    if (readdirSync(dir).some((f) => f.endsWith('.tmp'))) killedMidSnapshot++;
    child.kill('SIGKILL');
    await closed;
    if (code === 0) finished.push(`k${i}`);
    outcomes.push(code === 0 ? 'finished' : 'killed');
    try {
      JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      alwaysValid = false;
    }
  }
  const after = await lists(file);
  const kept = Array.isArray(after) ? finished.filter((n) => after.includes(n)).length : 0;
  report('state: kill -9 during CLI runs (30 MB state)', { fullRunMs: full, outcomes, finished: finished.length, finishedKept: kept, killedMidSnapshot, alwaysValid, nextRun: Array.isArray(after) ? 'loads' : after, tmpFiles: readdirSync(dir).filter((f) => f.endsWith('.tmp')).length });
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
if (want('state: 206 MB per-request cost')) {
  const r = await perRequestCost(206);
  (await import('node:fs')).rmSync(r.dir, { recursive: true, force: true });
  report('state: 206 MB per-request cost (median of 7)', { ...r, dir: undefined });
}
if (want('state: 40 MB per-request cost')) {
  const r = await perRequestCost(40);
  (await import('node:fs')).rmSync(r.dir, { recursive: true, force: true });
  report('state: 40 MB per-request cost (median of 7)', { ...r, dir: undefined });
}
if (existsSync(dir)) (await import('node:fs')).rmSync(dir, { recursive: true, force: true });

console.log('\n| attack | before (issue 24) | after (this build) |\n|---|---|---|');
for (const { name, figures } of rows) console.log(`| ${name} | ${BEFORE[name] ?? '–'} | ${after(figures).replace(/\|/g, '/')} |`);
