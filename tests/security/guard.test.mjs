// The guard's rules on their own (pkg/server/guard.js): which Host names and origins count as
// loopback, what the allow lists accept, and the body reader's byte count.
// Run: node --test tests/security/guard.test.mjs
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PKG_DIR } from './lib.mjs';

let g;
before(async () => {
  g = await import(join(PKG_DIR, 'server/guard.js'));
});

test('Host: loopback names on any port are served; look-alikes and others are not', () => {
  for (const h of ['localhost', 'localhost:4010', 'LOCALHOST:1', 'app.localhost:5173', '127.0.0.1', '127.0.0.1:4010', '127.1.2.3:80', '[::1]:4010', '[::1]', '::1', '[::ffff:127.0.0.1]:9']) {
    assert.ok(g.hostAllowed(h), h);
  }
  for (const h of ['', undefined, 'evil.example', 'localhost.evil.example', '127.0.0.1.evil.example', '127.0.0.1.nip.io', '0.0.0.0:4010', '10.0.0.1', '[::2]', '127.0.0.256', 'localhost:4010@evil']) {
    assert.ok(!g.hostAllowed(h), String(h));
  }
  assert.ok(g.hostAllowed('dev.example.test:8080', ['dev.example.test']), 'a listed name, any port');
  assert.ok(g.hostAllowed('dev.example.test:8080', ['dev.example.test:8080']));
  assert.ok(!g.hostAllowed('dev.example.test:9090', ['dev.example.test:8080']), 'a listed name:port, that port only');
  assert.throws(() => g.hostList(['*']), /not accepted/);
  assert.throws(() => g.hostList(['http://x.example/']), /not a host name/);
});

test('Origin: http(s) loopback origins on any port, and listed ones; never null, file: or look-alikes', () => {
  for (const o of ['http://localhost:5173', 'https://localhost', 'http://127.0.0.1:3000', 'http://[::1]:8080', 'http://app.localhost:1234']) assert.ok(g.originAllowed(o), o);
  for (const o of ['null', 'file://', 'https://evil.example', 'http://localhost.evil.example', 'chrome-extension://abc', 'not a url']) assert.ok(!g.originAllowed(o), o);
  assert.ok(g.originAllowed('https://app.example.com', g.originList(['https://app.example.com/'])));
  assert.throws(() => g.originList(['*']), /not accepted/);
  assert.throws(() => g.originList(['app.example.com']), /not an origin/);
});

test('readBody: stops and refuses (413) as soon as the count passes the limit', async () => {
  let pulled = 0;
  const stream = new ReadableStream({
    pull(c) {
      pulled += 1000;
      c.enqueue(new Uint8Array(1000));
    },
  });
  await assert.rejects(g.readBody(stream, 4500), (e) => e.status === 413);
  assert.ok(pulled <= 6000, `pulled ${pulled}`);
  assert.deepEqual([...(await g.readBody(new Blob(['abc']).stream(), 3))], [97, 98, 99]);
});

test('decodeUtf8 refuses invalid bytes instead of replacing them', () => {
  assert.equal(g.decodeUtf8(new TextEncoder().encode('héllo')), 'héllo');
  assert.throws(() => g.decodeUtf8(new Uint8Array([0x68, 0xff])), (e) => e.status === 400);
  assert.throws(() => g.decodeUtf8(new Uint8Array([0xed, 0xa0, 0x80])), (e) => e.status === 400, 'a lone surrogate');
});
