// Both local HTTP servers (`sandbox` and `mcp --http`, started by the built CLI) under the attacks
// of issue 24: a foreign Host (DNS rebinding), foreign origins, a 200 MB body (chunked and
// declared, three at once), invalid UTF-8, clients that drip headers or a body, a connection
// flood. Short timeouts are set by flag so each attack takes a few seconds.
// Run: node --test tests/security/local-servers.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MB, canMeasureRss } from './lib.mjs';
import { TARGETS, badUtf8, connectionFlood, cors, foreignHost, hugeBody, refusedBodyCost, slowClient } from './attacks.mjs';

const LIMITS = ['--headers-timeout', '2000', '--request-timeout', '3000', '--max-connections', '16'];

for (const t of Object.values(TARGETS)) {
  describe(t.name, () => {
    let srv;
    before(async () => {
      srv = await t.start(LIMITS);
    });
    after(async () => {
      assert.equal(await srv.stop(), 0, srv.stderr());
    });

    test('a foreign Host is refused with 403; loopback names are served', async () => {
      assert.equal((await foreignHost(t, srv)).status, 403);
      assert.equal((await t.normal(srv.url.replace('127.0.0.1', 'localhost'))).status, 200);
    });

    test('CORS: foreign origins get 403 and no CORS header; a local dev server (any port) is allowed by name, never *', async () => {
      const c = await cors(t, srv);
      assert.deepEqual(
        [c.foreignPreflight, c.foreignAllowOrigin, c.foreignPost, c.foreignPostAllowOrigin, c.localPreflight, c.localAllowOrigin],
        [403, null, 403, null, 204, 'http://localhost:5173'],
      );
    });

    test('--cors-origin and --allow-host add to the loopback defaults', async () => {
      const other = await t.start([...LIMITS, '--cors-origin', 'https://app.example.com', '--allow-host', 'dev.example.test']);
      try {
        const res = await fetch(new URL(t.path, other.url), { method: 'OPTIONS', headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST' } });
        assert.deepEqual([res.status, res.headers.get('access-control-allow-origin')], [204, 'https://app.example.com']);
        const { rawHttp } = await import('./lib.mjs');
        const port = new URL(other.url).port;
        const r = await rawHttp(other.url, { method: 'OPTIONS', path: t.path, headers: { Host: `dev.example.test:${port}`, Origin: 'http://localhost:3000', Connection: 'close' } });
        assert.equal(r.status, 204);
      } finally {
        await other.stop();
      }
    });

    test('a 200 MB chunked body: 413 once the count passes the limit; RSS grows less than twice the limit', async (c) => {
      const r = await refusedBodyCost(t, srv, { trials: 3 });
      c.diagnostic(JSON.stringify(r));
      assert.equal(r.status, '413,413,413');
      assert.equal(r.controlStatus, '200,200,200');
      assert.ok(r.sentMB < 100, `the client got to send ${r.sentMB} MB`);
      // The bound, for the largest of three rounds after a warm-up: a refused body costs
      // what was read when the count passed the limit (the limit and at most one socket read),
      // never what the client goes on sending.
      if (canMeasureRss()) assert.ok(r.maxGrowth < 2 * t.maxBody, `RSS grew ${r.refusedMB.join(', ')} MB (limit ${t.maxBody / MB} MB)`);
    });

    test('a client that ignores the 413 and goes on sending: the server closes after its 1 s linger, nothing more is read', async (c) => {
      const r = await refusedBodyCost(t, srv, { trials: 2, ignoreAnswer: true });
      c.diagnostic(JSON.stringify(r));
      assert.equal(r.status, '413,413');
      assert.equal(r.closedBy, 'server,server');
      assert.ok(Math.max(...r.ms) < 1000 + 4000, `closed after ${r.ms.join(', ')} ms`);
      if (canMeasureRss()) assert.ok(r.maxGrowth < 2 * t.maxBody, `RSS grew ${r.refusedMB.join(', ')} MB (limit ${t.maxBody / MB} MB)`);
    });

    test('a 200 MB body with a foreign Host: 403 and the connection closes, the body unread', async (c) => {
      const r = await hugeBody(t, srv, { bytes: 200 * MB, host: 'rebind.attacker.example' });
      c.diagnostic(JSON.stringify(r));
      assert.equal(r.status, '403');
      assert.ok(r.sentMB < 100, `the client got to send ${r.sentMB} MB`);
      if (canMeasureRss()) assert.ok(r.growth < 2 * t.maxBody, `RSS grew ${r.rssGrowthMB} MB`);
    });

    test('a declared 200 MB body: 413 before reading it; three at once stay bounded', async (c) => {
      const one = await hugeBody(t, srv, { bytes: 200 * MB, declared: true });
      assert.equal(one.status, '413');
      const three = await hugeBody(t, srv, { bytes: 200 * MB, parallel: 3 });
      c.diagnostic(JSON.stringify({ one, three }));
      assert.equal(three.status, '413/413/413');
      // Each of the three under twice the limit, as one alone.
      if (canMeasureRss()) assert.ok(three.growth < 3 * 2 * t.maxBody, `RSS grew ${three.rssGrowthMB} MB`);
      assert.equal((await t.normal(srv.url)).status, 200, 'still serving');
    });

    test('invalid UTF-8 in a JSON body: 400, not silently replaced', async () => {
      const r = await badUtf8(t, srv);
      assert.equal(r.status, 400, r.body);
      assert.match(r.body, /UTF-8/);
    });

    test('a client dripping its headers is dropped within the header timeout while a normal one is served', async () => {
      const r = await slowClient(t, srv, { maxMs: 15_000 });
      assert.ok(r.droppedMs !== null && r.droppedMs < 2000 + 2500, JSON.stringify(r));
      assert.equal(r.normalStatus, 200);
      assert.ok(r.normalMs < 2000, `normal request took ${r.normalMs} ms`);
    });

    test('a client dripping its body is dropped within the request timeout while a normal one is served', async () => {
      const r = await slowClient(t, srv, { body: true, maxMs: 15_000 });
      assert.ok(r.droppedMs !== null && r.droppedMs < 3000 + 2500, JSON.stringify(r));
      assert.equal(r.normalStatus, 200);
    });

    test('a connection flood: connections past the cap are closed at once; idle ones dropped by the header timeout', async () => {
      const r = await connectionFlood(t, srv, { n: 40, waitMs: 10_000 });
      assert.ok(r.refusedAtOnce >= 40 - 16, JSON.stringify(r));
      assert.equal(r.stillOpenAfterMs, 0, JSON.stringify(r));
      assert.equal(r.after, 200, JSON.stringify(r));
    });
  });
}

describe('mcp --http specifics', () => {
  test('a POST that is not application/json: 415', async () => {
    const srv = await TARGETS.mcp.start();
    try {
      const res = await fetch(srv.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
      assert.equal(res.status, 415);
      assert.equal((await res.json()).error.code, -32600);
    } finally {
      await srv.stop();
    }
  });

  test('beyond loopback it refuses to start without a token; with --token every request needs it', async () => {
    const { runCli } = await import('./lib.mjs');
    const r = await runCli(['mcp', '--http', '--host', '0.0.0.0', '--port', '0', '--sandbox']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /MCP_TOKEN/);
    const short = await runCli(['mcp', '--http', '--port', '0', '--sandbox', '--token', 'short']);
    assert.equal(short.code, 2);
    const token = 'sec-test-token-0123456789abcdef';
    const srv = await TARGETS.mcp.start(['--token', token]);
    try {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
      const post = (auth) => fetch(srv.url, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) }, body });
      assert.equal((await post()).status, 401);
      assert.equal((await post(`Bearer ${token}x`)).status, 401);
      assert.equal((await post(`Bearer ${token.slice(0, -1)}`)).status, 401);
      assert.equal((await post(`Basic ${token}`)).status, 401);
      assert.notEqual((await post(`Bearer ${token}`)).status, 401);
      assert.ok(!srv.stderr().includes(token), 'the token is never logged');
    } finally {
      await srv.stop();
    }
  });
});
