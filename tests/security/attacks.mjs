// The attacks of issue 24 as functions that return what happened (status, time, memory), shared
// by the tests (which assert on the figures) and measure.mjs (which prints them for a build, so a
// build from before the fixes can be compared). Each one is bounded in time and stays on 127.0.0.1.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MB, chunked, drained, drip, filler, idleConnections, rawHttp, rss, sleep, startCli, timedFetch, watchRss } from './lib.mjs';

const mb = (n) => (n === null || n === undefined ? null : Math.round((n / MB) * 10) / 10);
const INIT = (v = '2025-03-26') => ({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: v, capabilities: {}, clientInfo: { name: 'attack', version: '0' } } });

/** The two local HTTP servers, as the CLI starts them. `extra`: more CLI options. */
export const TARGETS = {
  sandbox: {
    name: 'sandbox',
    maxBody: 8 * MB,
    start: (extra = [], opts) => startCli(['sandbox', '--port', '0', '--quiet', ...extra], opts),
    path: '/api/events/track',
    headers: { 'Api-Key': 'attack-key', 'Content-Type': 'application/json' },
    body: () => JSON.stringify({ email: 'a@example.com', eventName: 'e' }),
    /** A normal request: resolves to { status, ms }. */
    normal: (url) => timedFetch(`${url}/api/lists`, { headers: { 'Api-Key': 'k' } }, 10_000),
  },
  mcp: {
    name: 'mcp --http',
    maxBody: 1 * MB,
    // --tools=all: one tool per action, the preset with the largest answers (tools/list ~300 KB).
    start: (extra = [], opts) => startCli(['mcp', '--http', '--port', '0', '--sandbox', '--quiet', '--tools=all', ...extra], opts),
    path: '/mcp',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
    body: () => JSON.stringify(INIT()),
    normal: (url) => timedFetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify(INIT()) }, 10_000),
  },
};

/** The origin (scheme, host, port) and the path of a server's printed URL. */
const split = (srv) => {
  const u = new URL(srv.url);
  return { base: u.origin, port: u.port };
};

/** A request with a Host of an attacker's name (DNS rebinding). */
export async function foreignHost(t, srv) {
  const { base, port } = split(srv);
  const body = t.body();
  const r = await rawHttp(base, { method: 'POST', path: t.path, headers: { ...t.headers, Host: `rebind.attacker.example:${port}`, 'Content-Length': Buffer.byteLength(body), Connection: 'close' }, body });
  return { status: r.status };
}

/** A preflight and a request from a foreign page, and one from a local dev server. */
export async function cors(t, srv) {
  const { base, port } = split(srv);
  const pre = (origin) =>
    rawHttp(base, { method: 'OPTIONS', path: t.path, headers: { Host: `127.0.0.1:${port}`, Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,api-key', Connection: 'close' } });
  const foreign = await pre('https://evil.example');
  const local = await pre('http://localhost:5173');
  const body = t.body();
  const post = await rawHttp(base, { method: 'POST', path: t.path, headers: { ...t.headers, Host: `127.0.0.1:${port}`, Origin: 'https://evil.example', 'Content-Length': Buffer.byteLength(body), Connection: 'close' }, body });
  return {
    foreignPreflight: foreign.status,
    foreignAllowOrigin: foreign.headers['access-control-allow-origin'] ?? null,
    foreignPost: post.status,
    foreignPostAllowOrigin: post.headers['access-control-allow-origin'] ?? null,
    localPreflight: local.status,
    localAllowOrigin: local.headers['access-control-allow-origin'] ?? null,
  };
}

/** A body of `bytes` sent as fast as the server reads it (chunked: no length to refuse it by; or
 * declared); `parallel` at once; with `ignoreAnswer`, the client goes on sending until the server
 * closes; `host`: the Host header's name. Returns the status, time, bytes the client got to send
 * and the server's RSS growth. */
export async function hugeBody(t, srv, { bytes = 200 * MB, declared = false, parallel = 1, timeoutMs = 60_000, ignoreAnswer = false, host = '127.0.0.1' } = {}) {
  const { base, port } = split(srv);
  const watch = watchRss(srv.pid);
  const one = () =>
    rawHttp(base, {
      method: 'POST',
      path: t.path,
      headers: { ...t.headers, Host: `${host}:${port}`, ...(declared ? { 'Content-Length': bytes } : { 'Transfer-Encoding': 'chunked' }), Connection: 'close' },
      stream: declared ? () => filler(bytes) : () => chunked(filler(bytes)),
      timeoutMs,
      untilClosed: ignoreAnswer,
    });
  const t0 = Date.now();
  const all = await Promise.all(Array.from({ length: parallel }, one));
  const ms = Date.now() - t0;
  await sleep(100);
  const m = watch.stop();
  return { status: all.map((r) => r.status).join('/'), ms, sentMB: mb(Math.max(...all.map((r) => r.sent))), closedBy: all.map((r) => r.closedBy).join('/'), rssBeforeMB: mb(m.before), rssPeakMB: mb(m.peak), rssGrowthMB: mb(m.growth), growth: m.growth };
}

/**
 * What a refused 200 MB chunked body costs the server, against a control: both paths are warmed
 * up first (one normal request, one refused body: what a process compiles and allocates once),
 * then `trials` rounds of a normal request and a refused body, each round's RSS growth measured
 * alone. No garbage collection is forced, so the bytes each refused body made the server read stay
 * resident: each figure is the most that body can cost. Returns the statuses, the figures in MB
 * per round (refused, control, their difference), the largest and the median refused growth
 * (bytes) and the client's times.
 */
export async function refusedBodyCost(t, srv, { trials = 3, bytes = 200 * MB, ignoreAnswer = false } = {}) {
  const normal = async () => {
    const watch = watchRss(srv.pid);
    const r = await t.normal(srv.url);
    await sleep(100);
    return { status: r.status ?? r.error, growth: watch.stop().growth };
  };
  await normal();
  await hugeBody(t, srv, { bytes, ignoreAnswer });
  const rounds = [];
  for (let i = 0; i < trials; i++) rounds.push({ control: await normal(), refused: await hugeBody(t, srv, { bytes, ignoreAnswer }) });
  const refused = rounds.map((r) => r.refused.growth).sort((a, b) => a - b);
  return {
    status: rounds.map((r) => r.refused.status).join(','),
    controlStatus: rounds.map((r) => r.control.status).join(','),
    refusedMB: rounds.map((r) => mb(r.refused.growth)),
    controlMB: rounds.map((r) => mb(r.control.growth)),
    netMB: rounds.map((r) => mb(r.refused.growth - r.control.growth)),
    ms: rounds.map((r) => r.refused.ms),
    sentMB: Math.max(...rounds.map((r) => r.refused.sentMB)),
    closedBy: rounds.map((r) => r.refused.closedBy).join(','),
    maxGrowth: refused[refused.length - 1],
    medianGrowth: refused[refused.length >> 1],
  };
}

/** A JSON body with bytes that are not UTF-8. */
export async function badUtf8(t, srv) {
  const { base, port } = split(srv);
  const body = Buffer.concat([Buffer.from('{"email":"a@example.com","eventName":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
  const r = await rawHttp(base, { method: 'POST', path: t.path, headers: { ...t.headers, Host: `127.0.0.1:${port}`, 'Content-Length': body.length, Connection: 'close' }, body });
  return { status: r.status, body: r.body.slice(0, 160) };
}

/** A client dripping its headers (or its body) while a normal client asks: when is the slow one
 * dropped, and how long does the normal one wait? */
export async function slowClient(t, srv, { body = false, maxMs = 30_000 } = {}) {
  const slow = drip(srv.url, { body, everyMs: 200, maxMs });
  await sleep(400);
  const normal = await t.normal(srv.url);
  const dropped = await slow;
  return { droppedMs: dropped.closedBy === 'server' ? dropped.ms : null, gaveUpMs: dropped.closedBy === 'server' ? null : dropped.ms, status: dropped.status, normalStatus: normal.status ?? normal.error, normalMs: normal.ms };
}

/** `n` idle connections: how many the server refused at once, whether a normal request is served
 * meanwhile and once the idle ones are dropped. */
export async function connectionFlood(t, srv, { n = 100, waitMs = 12_000 } = {}) {
  const sockets = await idleConnections(srv.url, n);
  await sleep(300);
  const refusedAtOnce = sockets.filter((s) => s.closedAt).length;
  const during = await t.normal(srv.url);
  const t0 = Date.now();
  while (Date.now() - t0 < waitMs && sockets.some((s) => !s.closedAt)) await sleep(100);
  const held = sockets.filter((s) => !s.closedAt).length;
  // Closed with an answer first (node's 408) rather than silently: either way the server closed them.
  const answered = sockets.filter((s) => s.received > 0).length;
  const after = await t.normal(srv.url);
  for (const s of sockets) s.destroy();
  return { opened: n, refusedAtOnce, stillOpenAfterMs: held, answered, waitedMs: Date.now() - t0, during: during.status ?? during.error, after: after.status ?? after.error, afterMs: after.ms };
}

// ---------------------------------------------------------------------------------------------
// MCP

/** A POST to an MCP endpoint: { status, headers, body, ms }. */
export async function mcpPost(srv, message, headers = {}) {
  const { base, port } = split(srv);
  const body = typeof message === 'string' ? message : JSON.stringify(message);
  return rawHttp(base, { method: 'POST', path: new URL(srv.url).pathname, headers: { ...TARGETS.mcp.headers, Host: `127.0.0.1:${port}`, 'Content-Length': Buffer.byteLength(body), ...headers }, body, timeoutMs: 60_000 });
}

/** A session (initialize) on an MCP HTTP server: its id (or undefined when stateless). */
export async function mcpSession(srv, version = '2025-03-26') {
  const r = await mcpPost(srv, INIT(version));
  return r.headers['mcp-session-id'];
}

/** A batch of `n` tools/list over HTTP: status, answer size, time, RSS growth. */
export async function mcpHttpBatch(srv, n, { version = '2025-03-26', headers = {} } = {}) {
  const sid = await mcpSession(srv, version);
  const batch = Array.from({ length: n }, (_, i) => ({ jsonrpc: '2.0', id: i + 10, method: 'tools/list' }));
  const watch = watchRss(srv.pid);
  const r = await mcpPost(srv, batch, { ...(sid ? { 'mcp-session-id': sid } : {}), ...headers });
  const m = watch.stop();
  let errors = null;
  try {
    const parsed = JSON.parse(r.body);
    errors = Array.isArray(parsed) ? parsed.filter((x) => x.error).length : parsed.error ? 'whole batch' : 0;
  } catch {}
  const alive = await TARGETS.mcp.normal(srv.url);
  return { requestKB: Math.round(JSON.stringify(batch).length / 1024), status: r.status, answerKB: Math.round(Buffer.byteLength(r.body) / 1024), errors, ms: r.ms, rssGrowthMB: mb(m.growth), growth: m.growth, aliveAfter: alive.status ?? alive.error };
}

/** A batch holding initialize, sent with no session id: does it get past the session check? */
export async function batchWithInitialize(srv) {
  const r = await mcpPost(srv, [INIT(), { jsonrpc: '2.0', id: 2, method: 'tools/list' }]);
  let listed = false;
  try {
    const answer = JSON.parse(r.body);
    listed = Array.isArray(answer) && answer.some((m) => m.id === 2 && !!m.result?.tools);
  } catch {}
  return { status: r.status, toolsListed: listed, sessionIssued: !!r.headers['mcp-session-id'] };
}

/**
 * The stdio server given `lines` (strings or an async generator of Buffers), then a ping: does it
 * live, answer the ping, and how much memory does it take?
 */
export async function mcpStdio(input, { timeoutMs = 60_000, args = [] } = {}) {
  const { spawn } = await import('node:child_process');
  const { CLI } = await import('./lib.mjs');
  // --tools=all: the preset with the largest answers.
  const child = spawn(process.execPath, [CLI, 'mcp', '--sandbox', '--tools=all', ...args], { env: { ...process.env, ITERABLE_API_KEY: '' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (out = (out + d).slice(-16_000_000)));
  child.stderr.setEncoding('utf8').on('data', (d) => (err = (err + d).slice(-5000)));
  const exited = new Promise((r) => child.once('close', (code) => r(code)));
  // Ready (the emulator loaded) before memory is watched: start-up is not the attack's.
  for (let i = 0; i < 600 && !/serving \d+ tools/.test(err) && child.exitCode === null; i++) await sleep(50);
  const watch = watchRss(child.pid);
  const t0 = Date.now();
  const write = async (chunk) => {
    if (child.stdin.destroyed) return false;
    if (!child.stdin.write(chunk)) await drained(child.stdin);
    return !child.stdin.destroyed;
  };
  child.stdin.on('error', () => {});
  for await (const chunk of input()) if (!(await write(chunk))) break;
  await write(JSON.stringify({ jsonrpc: '2.0', id: 'after', method: 'ping' }) + '\n');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !out.includes('"id":"after"') && child.exitCode === null) await sleep(50);
  const ms = Date.now() - t0;
  const m = watch.stop();
  const alive = child.exitCode === null;
  child.stdin.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const code = await exited;
  clearTimeout(timer);
  return { alive, exitCode: code, pingAnswered: out.includes('"id":"after"'), ms, rssGrowthMB: mb(m.growth), growth: m.growth, lines: out.split('\n').filter(Boolean).length, stderrTail: err.slice(-300), out };
}

// ---------------------------------------------------------------------------------------------
// State files

/** A state file of about `sizeMB` (users with padded fields), written in `dir`. */
export function bigState(dir, sizeMB) {
  const pad = 'x'.repeat(1000);
  const users = [];
  const n = Math.ceil((sizeMB * MB) / 1080);
  for (let i = 0; i < n; i++) users.push({ email: `u${i}@example.com`, dataFields: { pad } });
  const file = join(dir, `state-${sizeMB}mb.json`);
  writeFileSync(file, JSON.stringify({ users }));
  return file;
}

/** Time of `n` requests of each kind (a read, a refused one, a write) on a sandbox server holding
 * a state of `sizeMB`: median ms each, whether the snapshot was rewritten and by how many bytes
 * the journal (`<file>.journal`, when the build keeps one) grew. */
export async function perRequestCost(sizeMB, { n = 7 } = {}) {
  const { existsSync, statSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'sec-cost-'));
  const file = bigState(dir, sizeMB);
  const srv = await TARGETS.sandbox.start(['--state', file], { timeoutMs: 120_000 });
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const writes = () => statSync(file).mtimeMs;
  const journal = () => (existsSync(`${file}.journal`) ? statSync(`${file}.journal`).size : 0);
  const kinds = {
    read: () => timedFetch(`${srv.url}/api/lists`, { headers: { 'Api-Key': 'k' } }, 60_000),
    refused: () => timedFetch(`${srv.url}/api/lists`, {}, 60_000),
    write: (i) => timedFetch(`${srv.url}/api/events/track`, { method: 'POST', headers: { 'Api-Key': 'k', 'content-type': 'application/json' }, body: JSON.stringify({ email: `w${i}@example.com`, eventName: 'e' }) }, 60_000),
  };
  const out = { stateMB: mb(statSync(file).size) };
  for (const [kind, call] of Object.entries(kinds)) {
    const before = writes();
    const grew = journal();
    const ms = [];
    for (let i = 0; i < n; i++) ms.push((await call(i)).ms);
    // A build without a journal saves a write within its interval (1 s) plus a snapshot's time.
    if (kind === 'write' && journal() === grew) for (let i = 0; i < 100 && writes() === before; i++) await sleep(100);
    else await sleep(300);
    out[`${kind}Ms`] = median(ms);
    out[`${kind}Rewrote`] = writes() !== before;
    out[`${kind}JournalBytes`] = journal() - grew;
  }
  out.rssMB = mb(rss(srv.pid));
  await srv.stop();
  return { ...out, dir };
}
