// Deno's own attempts (pkg-template/core/deno-http.js): a call whose fetch would connect directly
// goes over a kept-alive connection of the client's own. These tests hold it to what fetch did:
// the same request, compressed answers decoded and bounded, connections the server closes, a
// request never sent twice where it could have been processed, and fetch kept where a proxy may
// apply. Everything runs against servers on 127.0.0.1 in this process (node:http, node:net).
//
// Run: npx deno test -A --no-lock tests/engines/deno-http.test.mjs   (after `npm run build`)
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import { SAMPLE } from '../../bench/lib/requests.mjs';
import { IterableClient } from '../../pkg/index.deno.js';

const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`)));
const close = (server) => new Promise((resolve) => {
  server.closeAllConnections?.();
  server.close(() => resolve());
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const CHANNELS = '{"channels":[{"id":1,"name":"Zipped \u00e9","channelType":"Marketing","messageMedium":"Email"}]}';

/** A server recording each request (method, path, headers, body) and answering Success JSON. */
function recorder() {
  const seen = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url, 'http://x');
      seen.push({ method: req.method, path: u.pathname, query: u.search, raw: Buffer.concat(chunks).toString(), headers: { ...req.headers }, rawHeaders: req.rawHeaders });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"msg":"","code":"Success","params":null,"channels":[]}');
    });
  });
  return { server, seen };
}

Deno.test('the client\'s own connections send what fetch sends (the bench\'s 24 sampled actions)', async () => {
  const { server, seen } = recorder();
  const base = await listen(server);
  const client = new IterableClient({ apiKey: 'wire-key-123', baseUrl: base, rateLimit: false, maxRetries: 0 });
  const round = async () => {
    for (const [id, input] of SAMPLE) await client.execute(id, input).catch(() => {});
  };
  await round();
  const ownRound = seen.splice(0);
  const original = globalThis.fetch;
  let called = 0;
  globalThis.fetch = (url, init) => {
    called++;
    return original(url, init);
  };
  try {
    await round();
  } finally {
    globalThis.fetch = original;
  }
  const fetchRound = seen.splice(0);
  await close(server);
  // A program's own fetch (here a wrapper) is the one called, for every request.
  assert.equal(called, SAMPLE.length);
  assert.equal(ownRound.length, SAMPLE.length);
  // Every field of the head, in order, and the body.
  const shape = (r) => ({ method: r.method, path: r.path, query: r.query, raw: r.raw, head: r.rawHeaders });
  assert.deepEqual(ownRound.map(shape), fetchRound.map(shape));
  for (const r of ownRound) assert.match(r.headers['accept-encoding'], /gzip/);
});

Deno.test('compressed answers are decoded (gzip, deflate, br) and bounded by their decoded size', async () => {
  const codings = ['identity', 'gzip', 'deflate', 'br', 'bomb', 'endless', 'chunked-gzip'];
  const asked = [];
  const server = http.createServer((req, res) => {
    asked.push(req.headers['accept-encoding'] ?? null);
    const c = codings.shift();
    req.resume();
    if (c === 'endless') {
      // Compressed bytes without end and without a length: the client must stop reading.
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      const chunk = Buffer.alloc(65536, 7);
      const pump = () => {
        while (res.write(chunk));
      };
      res.on('drain', pump);
      res.on('close', () => res.off('drain', pump));
      return pump();
    }
    if (c === 'chunked-gzip') {
      // Chunked transfer coding around a gzip body, written in two pieces.
      const data = zlib.gzipSync(CHANNELS);
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.write(data.subarray(0, 10));
      return setTimeout(() => res.end(data.subarray(10)), 20);
    }
    const data = c === 'bomb' ? zlib.gzipSync(Buffer.alloc(5_000_000, 32)) : c === 'gzip' ? zlib.gzipSync(CHANNELS) : c === 'deflate' ? zlib.deflateSync(CHANNELS) : c === 'br' ? zlib.brotliCompressSync(CHANNELS) : Buffer.from(CHANNELS);
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': c === 'bomb' ? 'gzip' : c, 'content-length': data.length });
    res.end(data);
  });
  const base = await listen(server);
  const client = new IterableClient({ apiKey: 'zip-key-123', baseUrl: base, rateLimit: false, maxRetries: 0, maxResponseBytes: 1_000_000 });
  const names = [];
  for (let i = 0; i < 4; i++) names.push((await client.listChannels()).channels[0].name);
  const outcome = () => client.listChannels().then((v) => v.channels[0].name, (e) => `${e.code} ${e.status}`);
  const bomb = await outcome();
  const endless = await outcome();
  const chunked = await outcome();
  await close(server);
  assert.deepEqual(names, Array(4).fill('Zipped \u00e9'));
  assert.equal(bomb, 'ResponseTooLarge 200');
  assert.equal(endless, 'ResponseTooLarge 200');
  assert.equal(chunked, 'Zipped \u00e9');
  for (const a of asked) assert.match(a, /gzip/);
});

/** A keep-alive HTTP/1.1 server on node:net (requests parsed by hand, so the test controls the
 * connections): `closeSecond` closes a connection when its second request arrives; `idleMs`
 * closes one idle that long. */
async function rawHttp({ closeSecond = false, idleMs = 0 } = {}) {
  const state = { connections: 0, closed: 0, requests: [] };
  const server = net.createServer((socket) => {
    state.connections++;
    socket.on('close', () => state.closed++);
    let n = 0;
    let buf = '';
    if (idleMs) socket.setTimeout(idleMs, () => socket.destroy());
    socket.on('error', () => {});
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.slice(0, end);
        const length = +(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        buf = buf.slice(end + 4 + length);
        state.requests.push(head.slice(0, head.indexOf(' ')));
        if (++n > 1 && closeSecond) return socket.destroy();
        const body = head.startsWith('POST') ? '{"msg":"","code":"Success","params":null}' : CHANNELS;
        socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      }
    });
  });
  const base = await listen(server);
  return { base, state, stop: () => new Promise((r) => server.close(r)) };
}

Deno.test('connections are kept between calls and dropped when the server closes them', async () => {
  const { base, state, stop } = await rawHttp({ idleMs: 100 });
  const client = new IterableClient({ apiKey: 'keep-key-123', baseUrl: base, rateLimit: false, maxRetries: 0 });
  for (let i = 0; i < 5; i++) await client.listChannels();
  assert.equal(state.connections, 1, 'five calls in a row on one connection');
  // The server closes the idle connection after 100 ms; the next call opens a new one, no error.
  await sleep(1000);
  await client.listChannels();
  // A POST too (a request that must not be sent twice), on a connection of its own.
  await sleep(1000);
  await client.trackEvent({ email: 'ada@example.com', eventName: 'e' });
  assert.equal(state.connections, 3);
  assert.deepEqual(state.requests, ['GET', 'GET', 'GET', 'GET', 'GET', 'GET', 'POST']);
  await stop();
});

Deno.test('a kept connection closed as a request goes out: a GET is sent again, a POST is not', async () => {
  // The server closes a connection when its second request arrives, as a server whose idle timer
  // fires just then would.
  const { base, state, stop } = await rawHttp({ closeSecond: true });
  const client = new IterableClient({ apiKey: 'stale-key-123', baseUrl: base, rateLimit: false, maxRetries: 0 });
  await client.listChannels();
  // Goes out on the kept connection, which the server closes: sent again on a new one, answered.
  assert.equal((await client.listChannels()).channels[0].name, 'Zipped \u00e9');
  assert.equal(state.connections, 2);
  // A POST on the kept connection: it may have been processed, so it ends as a network error,
  // sent once.
  const err = await client.trackEvent({ email: 'ada@example.com', eventName: 'e' }).then(() => null, (e) => e);
  assert.equal(err?.code, 'NetworkError');
  assert.deepEqual(state.requests, ['GET', 'GET', 'GET', 'POST']);
  await stop();
});

Deno.test('an idle connection is closed by the client after 4 s (fetch would keep it for 90 s)', async () => {
  // Also what shows that these calls went over the client's own connections.
  const { base, state, stop } = await rawHttp();
  const client = new IterableClient({ apiKey: 'idle-key-123', baseUrl: base, rateLimit: false, maxRetries: 0 });
  await client.listChannels();
  await sleep(2000);
  assert.equal(state.closed, 0, 'kept while idle for 2 s');
  for (let waited = 0; state.closed === 0 && waited < 10_000; waited += 100) await sleep(100);
  assert.equal(state.closed, 1, 'closed by the client within 12 s');
  assert.equal(state.connections, 1);
  await stop();
});

Deno.test('https: the client\'s own TLS connections trust what fetch trusts (--cert), and are kept', async () => {
  // A server with a certificate from a test CA (tests/fixtures/tls, valid until 2126) that only
  // --cert makes trusted: the calls succeed, the second on the same connection; without the CA
  // they fail as fetch's would, as network errors.
  const tls = new URL('../fixtures/tls/', import.meta.url);
  const entry = new URL('../../pkg/index.deno.js', import.meta.url).href;
  const script = `import { IterableClient } from ${JSON.stringify(entry)};
let connections = 0;
const listener = Deno.listenTls({ hostname: '127.0.0.1', port: 0, cert: Deno.readTextFileSync(new URL('localhost.pem', ${JSON.stringify(tls.href)})), key: Deno.readTextFileSync(new URL('localhost-key.pem', ${JSON.stringify(tls.href)})), alpnProtocols: ['http/1.1'] });
(async () => {
  for await (const conn of listener) {
    connections++;
    (async () => {
      const buf = new Uint8Array(65536);
      let text = '';
      try {
        for (let n; (n = await conn.read(buf)) !== null; ) {
          text += new TextDecoder().decode(buf.subarray(0, n));
          while (text.includes('\\r\\n\\r\\n')) {
            text = text.slice(text.indexOf('\\r\\n\\r\\n') + 4);
            const body = ${JSON.stringify(CHANNELS)};
            await conn.write(new TextEncoder().encode('HTTP/1.1 200 OK\\r\\ncontent-type: application/json\\r\\ncontent-length: ' + new TextEncoder().encode(body).length + '\\r\\n\\r\\n' + body));
          }
        }
      } catch {}
    })();
  }
})();
const client = new IterableClient({ apiKey: 'tls-key-123', baseUrl: 'https://localhost:' + listener.addr.port, rateLimit: false, maxRetries: 0, timeoutMs: 5000 });
const names = [];
for (let i = 0; i < 2; i++) names.push(await client.listChannels().then((v) => v.channels[0].name, (e) => e.code));
console.log(JSON.stringify({ names, connections }));
Deno.exit(0);`;
  const run = async (flags) => {
    const out = await new Deno.Command(Deno.execPath(), { args: ['eval', ...flags, script], env: { NO_COLOR: '1' }, stdout: 'piped', stderr: 'piped' }).output();
    const dec = new TextDecoder();
    assert.equal(out.code, 0, dec.decode(out.stderr));
    return JSON.parse(dec.decode(out.stdout));
  };
  assert.deepEqual(await run([`--cert=${new URL('ca.pem', tls).pathname}`]), { names: ['Zipped \u00e9', 'Zipped \u00e9'], connections: 1 });
  assert.deepEqual((await run([])).names, ['NetworkError', 'NetworkError']);
});

Deno.test('a process that may use a proxy keeps fetch (HTTP_PROXY honoured)', async () => {
  // The client's base URL names a host nothing listens on; the proxy answers. Only fetch knows
  // about the proxy, so the call succeeds only if fetch made it.
  const seen = [];
  const proxy = http.createServer((req, res) => {
    seen.push(req.url);
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(CHANNELS);
  });
  const proxyUrl = await listen(proxy);
  const entry = new URL('../../pkg/index.deno.js', import.meta.url).href;
  const script = `import { IterableClient } from ${JSON.stringify(entry)};
const client = new IterableClient({ apiKey: 'proxy-key-123', baseUrl: 'http://127.0.0.2:8081', rateLimit: false, maxRetries: 0, timeoutMs: 5000 });
console.log((await client.listChannels()).channels[0].name);`;
  const out = await new Deno.Command(Deno.execPath(), { args: ['eval', script], env: { HTTP_PROXY: proxyUrl, NO_COLOR: '1' }, stdout: 'piped', stderr: 'piped' }).output();
  await close(proxy);
  const dec = new TextDecoder();
  assert.equal(out.code, 0, dec.decode(out.stderr));
  assert.equal(dec.decode(out.stdout).trim(), 'Zipped \u00e9');
  assert.deepEqual(seen, ['http://127.0.0.2:8081/api/channels']);
});
