// API keys and JWTs in the sandbox: `apiKeys` (in-process and over HTTP) makes any other key 401
// BadApiKey exactly as Iterable answers it; `jwtKeys` makes a key demand an HS256 JWT signed with
// its secret, and the client's `jwt` provider path (fetch, refresh once after a 401 about the
// JWT) works against it. The default stays "any non-empty key".
// Run: node tests/sandbox/keys.mjs
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SANDBOX_DIR, ROOT, waitFor } from './pkgdir.mjs';
import { test, run } from './harness.mjs';

waitFor();
const { serve } = await import(pathToFileURL(join(SANDBOX_DIR, 'server.js')).href);
const { IterableClient } = await import(pathToFileURL(join(ROOT, 'pkg', 'index.node.js')).href);

function eq(a, b, m) {
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${m}: got ${JSON.stringify(a)}, expected ${JSON.stringify(b)}`);
}
const b64 = (x) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');
/** An HS256 JWT as an app's backend mints it. */
function mint(secret, claims) {
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  const body = b64(claims);
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}
const CLOCK = Date.parse('2024-05-01T00:00:00Z');
const nowS = Math.floor(CLOCK / 1000);
const SECRET = 'test-jwt-secret-not-real';

test('default: any non-empty key is accepted', async () => {
  const c = new IterableClient({ apiKey: 'whatever-key', sandbox: { clock: CLOCK } });
  eq((await c.listChannels()).channels.length > 0, true, 'channels');
});

test('apiKeys in-process: a listed key works, any other is 401 BadApiKey', async () => {
  const sandbox = { clock: CLOCK, apiKeys: ['key-one', 'key-two'] };
  const good = new IterableClient({ apiKey: 'key-two', sandbox });
  eq(Array.isArray((await good.listLists()).lists), true, 'lists');
  const bad = new IterableClient({ apiKey: 'key-three', sandbox });
  const err = await bad.listLists().then(() => null, (e) => e);
  eq([err?.status, err?.code], [401, 'BadApiKey'], 'error');
});

test('apiKeys over HTTP: the 401 body is Iterable\'s, exactly', async () => {
  const s = await serve({ port: 0, clock: CLOCK, apiKeys: ['http-key'] });
  try {
    const ok = await fetch(`${s.url}/api/lists`, { headers: { 'Api-Key': 'http-key' } });
    eq(ok.status, 200, 'listed key');
    const r = await fetch(`${s.url}/api/lists`, { headers: { 'Api-Key': 'revoked-key' } });
    eq([r.status, await r.json()], [401, { msg: 'Invalid API key', code: 'BadApiKey', params: null }], 'other key');
  } finally {
    await s.close();
  }
});

const jwtSandbox = () => ({ clock: CLOCK, apiKeys: ['server-key'], jwtKeys: [{ key: 'web-key', secret: SECRET }] });

test('a JWT key without a token: 401 BadAuthorizationHeader', async () => {
  const s = await serve({ port: 0, ...jwtSandbox() });
  try {
    const r = await fetch(`${s.url}/api/users/a%40example.com`, { headers: { 'Api-Key': 'web-key' } });
    const body = await r.json();
    eq([r.status, body.code, body.params], [401, 'BadAuthorizationHeader', null], 'no bearer');
    const other = await fetch(`${s.url}/api/lists`, { headers: { 'Api-Key': 'server-key' } });
    eq(other.status, 200, 'the plain key still works without a JWT');
  } finally {
    await s.close();
  }
});

test('JWT checks: signature, expiry, identity, revocation, the user the request names', async () => {
  const s = await serve({ port: 0, ...jwtSandbox() });
  const call = async (token, path = '/api/users/byUserId/u1') => {
    const r = await fetch(s.url + path, { headers: { 'Api-Key': 'web-key', Authorization: `Bearer ${token}` } });
    return [r.status, (await r.json()).code];
  };
  try {
    const claims = { userId: 'u1', iat: nowS - 10, exp: nowS + 3600 };
    eq(await call(mint(SECRET, claims)), [200, undefined], 'valid token (a user read answers the user)');
    eq(await call(mint('another-secret', claims)), [401, 'InvalidJwtPayload'], 'wrong secret');
    eq(await call(mint(SECRET, { ...claims, exp: nowS - 1 })), [401, 'InvalidJwtPayload'], 'expired');
    eq(await call(mint(SECRET, { iat: nowS, exp: nowS + 60 })), [401, 'InvalidJwtPayload'], 'no user');
    eq(await call('not.a.jwt'), [401, 'InvalidJwtPayload'], 'garbage');
    eq(await call(mint(SECRET, claims), '/api/users/byUserId/u2'), [401, 'JwtUserIdentifiersMismatched'], 'another user');
    // Revoke u1's tokens issued so far (with the plain server key), then the old token fails.
    const inv = await fetch(`${s.url}/api/auth/jwts/invalidate`, {
      method: 'POST',
      headers: { 'Api-Key': 'server-key', 'Content-Type': 'application/json' },
      body: JSON.stringify({ userId: 'u1' }),
    });
    eq(inv.status, 200, 'invalidate');
    eq(await call(mint(SECRET, claims)), [401, 'InvalidJwtPayload'], 'revoked');
  } finally {
    await s.close();
  }
});

test('the client\'s jwt option: a refused token is refreshed once and the call succeeds', async () => {
  // Tokens as a backend mints them against the sandbox clock (which starts at real time by
  // default): the first is signed with a stale secret, the second is right.
  const start = Date.now();
  const secrets = ['rotated-away-secret', SECRET];
  let asked = 0;
  const jwt = async () => {
    const secret = secrets[Math.min(asked++, 1)];
    const t = Math.floor(Date.now() / 1000);
    return mint(secret, { email: 'jwt-user@example.com', iat: t - 5, exp: t + 3600 });
  };
  const c = new IterableClient({ apiKey: 'web-key', jwt, sandbox: { clock: start, jwtKeys: [{ key: 'web-key', secret: SECRET }] } });
  await c.updateUser({ email: 'jwt-user@example.com', dataFields: { plan: 'pro' } });
  eq(asked, 2, 'the provider was asked twice (first token refused, one refresh)');
  const u = await c.getUserByEmail({ email: 'jwt-user@example.com' });
  eq(u.user.dataFields.plan, 'pro', 'the write landed');
  eq(asked, 2, 'the good token is reused');
  const err = await c.getUserByEmail({ email: 'someone-else@example.com' }).then(() => null, (e) => e);
  eq([err?.status, err?.code], [401, 'JwtUserIdentifiersMismatched'], 'another user');
});

await run('sandbox keys');
