// What the local servers (the sandbox over HTTP, `mcp --http`, and the MCP handler in a Worker)
// refuse before doing any work, in one place and with no runtime-specific API:
//   - a Host that is not a loopback name or one listed (DNS rebinding: a web page on a name that
//     resolves to 127.0.0.1 must not reach the server);
//   - an Origin that is not a loopback origin (any port, so a local dev server works) or one
//     listed; CORS headers name the allowed origin itself, never "*";
//   - a body over a byte limit, counted while it arrives (never buffered whole first);
//   - a body that is not valid UTF-8 (refused, not silently replaced).
// Plus a constant-time comparison of secrets (bearer tokens).

/** Default body limits, in bytes. */
export const SANDBOX_MAX_BODY = 8 * 1024 * 1024;
export const MCP_MAX_BODY = 1024 * 1024;

/** A request refused before it reached the application: the HTTP status and a message. */
export class Refusal extends Error {
  constructor(status, message, headers = {}) {
    super(message);
    this.name = 'Refusal';
    this.status = status;
    this.headers = headers;
  }
}

/** `host[:port]` (with IPv6 in brackets) → { name, port } with the name lower-cased, brackets off. */
export function splitHost(host) {
  const h = String(host ?? '').trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    if (end < 0) return { name: h, port: '' };
    const rest = h.slice(end + 1);
    return { name: h.slice(1, end), port: rest.startsWith(':') ? rest.slice(1) : '' };
  }
  const colon = h.lastIndexOf(':');
  // More than one colon without brackets: a bare IPv6 address, no port.
  if (colon >= 0 && h.indexOf(':') === colon) return { name: h.slice(0, colon), port: h.slice(colon + 1) };
  return { name: h, port: '' };
}

/** localhost, *.localhost, 127.0.0.0/8, ::1 and ::ffff:127.x.y.z. */
export function isLoopbackName(name) {
  const n = String(name ?? '').toLowerCase().replace(/\.$/, '');
  if (n === 'localhost' || n.endsWith('.localhost')) return true;
  if (/^127(\.\d{1,3}){3}$/.test(n)) return n.split('.').every((x) => Number(x) <= 255);
  if (n === '::1' || n === '0:0:0:0:0:0:0:1') return true;
  const mapped = /^::ffff:(127(?:\.\d{1,3}){3})$/.exec(n);
  return !!mapped && isLoopbackName(mapped[1]);
}

const hostPattern = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+|[0-9a-f:]+)(:\d{1,5})?$/;

/** Checks a list of extra Host names (`--allow-host`): `name` (any port) or `name:port`. */
export function hostList(values, what = 'allowed host') {
  const out = [];
  for (const v of values ?? []) {
    const s = String(v).trim().toLowerCase();
    if (!s) continue;
    if (s === '*' || !hostPattern.test(s)) throw new TypeError(`${what} "${String(v).slice(0, 80)}" is not a host name (name or name:port; "*" is not accepted)`);
    out.push(s);
  }
  return out;
}

/** Checks a list of extra CORS origins (`--cors-origin`): scheme://host[:port], never "*". */
export function originList(values, what = 'allowed origin') {
  const out = [];
  for (const v of values ?? []) {
    const s = String(v).trim();
    if (!s) continue;
    let origin;
    try {
      origin = new URL(s).origin;
    } catch {
      origin = 'null';
    }
    if (s === '*' || origin === 'null' || !/^https?:$/.test(new URL(origin).protocol)) {
      throw new TypeError(`${what} "${s.slice(0, 80)}" is not an origin such as https://app.example.com (no path; "*" is not accepted)`);
    }
    out.push(origin);
  }
  return out;
}

/** Whether a Host header is served: a loopback name (any port) or one listed. No Host: refused. */
export function hostAllowed(host, allowed = []) {
  if (!host) return false;
  const h = String(host).trim().toLowerCase();
  const { name, port } = splitHost(h);
  if (!/^\d{0,5}$/.test(port)) return false;
  if (isLoopbackName(name)) return true;
  return allowed.some((a) => {
    const want = splitHost(a);
    return want.port ? a === h : want.name === name;
  });
}

/** Whether a browser Origin may call: an http(s) loopback origin (any port) or one listed. */
export function originAllowed(origin, allowed = []) {
  if (!origin || origin === 'null') return false;
  let u;
  try {
    u = new URL(origin);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  return isLoopbackName(u.hostname.replace(/^\[|\]$/g, '')) || allowed.includes(u.origin);
}

/**
 * The checks every request goes through before its body is read. `req` is { method, host,
 * origin, contentLength }; `policy` is { allowHosts, corsOrigins, maxBody }. Returns null, or a
 * Refusal (403 foreign Host or Origin, 413 a declared length over the limit).
 */
export function screen(req, policy) {
  if (!hostAllowed(req.host, policy.allowHosts)) {
    return new Refusal(403, `Host "${String(req.host ?? '').slice(0, 100)}" is not served: only loopback names${policy.allowHosts?.length ? ` and ${policy.allowHosts.join(', ')}` : ''} (list others with --allow-host)`);
  }
  if (req.origin != null && !originAllowed(req.origin, policy.corsOrigins)) {
    return new Refusal(403, `Origin "${String(req.origin).slice(0, 100)}" is not allowed: only loopback origins${policy.corsOrigins?.length ? ` and ${policy.corsOrigins.join(', ')}` : ''} (list others with --cors-origin)`);
  }
  const declared = req.contentLength == null || req.contentLength === '' ? null : Number(req.contentLength);
  if (declared !== null && Number.isFinite(declared) && declared > policy.maxBody) return tooLarge(policy.maxBody);
  return null;
}

export const tooLarge = (limit) => new Refusal(413, `request body is larger than ${limit} bytes (the server's limit; see --max-body)`, { connection: 'close' });

/** CORS headers for an allowed origin (none for a request without one). */
export function corsHeaders(origin, { methods, headers, expose } = {}) {
  if (!origin) return {};
  return {
    'access-control-allow-origin': origin,
    vary: 'Origin',
    ...(methods ? { 'access-control-allow-methods': methods } : {}),
    ...(headers ? { 'access-control-allow-headers': headers } : {}),
    ...(expose ? { 'access-control-expose-headers': expose } : {}),
    ...(methods ? { 'access-control-max-age': '600' } : {}),
  };
}

/**
 * Reads a body (a WHATWG ReadableStream or any async iterable of byte chunks) up to `limit`
 * bytes. Throws the 413 Refusal as soon as the count passes the limit (the stream is cancelled,
 * nothing more is read), so at most `limit` bytes plus one chunk are ever held.
 */
export async function readBody(body, limit) {
  if (body == null) return new Uint8Array(0);
  const chunks = [];
  let size = 0;
  const take = (chunk) => {
    const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk);
    size += bytes.byteLength;
    if (size > limit) return false;
    chunks.push(bytes);
    return true;
  };
  if (typeof body.getReader === 'function') {
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!take(value)) {
        reader.cancel().catch(() => {});
        throw tooLarge(limit);
      }
    }
  } else {
    for await (const chunk of body) if (!take(chunk)) throw tooLarge(limit);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Bytes → text; invalid UTF-8 throws a 400 Refusal instead of becoming U+FFFD. */
export function decodeUtf8(bytes) {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new Refusal(400, 'request body is not valid UTF-8');
  }
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export const mediaType = (contentType) => String(contentType ?? '').split(';')[0].trim().toLowerCase();

/**
 * Whether two strings are equal, in time that does not depend on where they differ: both are
 * hashed (SHA-256, Web Crypto) and the fixed-length digests compared with no early exit.
 */
export async function safeEqual(a, b) {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new TypeError('comparing tokens needs the Web Crypto API (globalThis.crypto.subtle)');
  const enc = new TextEncoder();
  const [x, y] = await Promise.all([subtle.digest('SHA-256', enc.encode(String(a))), subtle.digest('SHA-256', enc.encode(String(b)))]);
  const u = new Uint8Array(x);
  const v = new Uint8Array(y);
  let diff = 0;
  for (let i = 0; i < u.length; i++) diff |= u[i] ^ v[i];
  return diff === 0;
}

/**
 * An `authorize(request)` for `Authorization: Bearer <token>`. `equal(a, b)` compares in
 * constant time (default safeEqual; Node passes one on node:crypto's timingSafeEqual).
 */
export function bearer(token, equal = safeEqual) {
  if (typeof token !== 'string' || token.length < 16) throw new TypeError('a bearer token must be a string of at least 16 characters');
  return async (request) => {
    const m = /^Bearer[ \t]+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '');
    const same = await equal(m ? m[1] : '', token);
    return same && !!m;
  };
}
