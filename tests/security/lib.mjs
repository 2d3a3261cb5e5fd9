// Shared by the security tests and tests/security/measure.mjs: start the package's local servers
// as a user would (the built CLI in a subprocess on 127.0.0.1), watch their memory, and speak raw
// HTTP to them the way a hostile page or client would (foreign Host, huge or dripping bodies,
// idle connections). Every wait is bounded.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
export const PKG_DIR = process.env.ITERABLE_WASM_PKG || join(ROOT, 'pkg');
export const CLI = join(PKG_DIR, 'cli.js');
export const MB = 1024 * 1024;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resident memory of a process in bytes (Linux /proc), or null where it cannot be read. */
export function rss(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}
export const canMeasureRss = () => rss(process.pid) !== null;

/** Samples a process's RSS every 10 ms until stop(): { before, peak, growth }. */
export function watchRss(pid) {
  const before = rss(pid);
  let peak = before;
  const timer = setInterval(() => {
    const now = rss(pid);
    if (now !== null && now > peak) peak = now;
  }, 10);
  return {
    stop() {
      clearInterval(timer);
      const now = rss(pid);
      if (now !== null && now > peak) peak = now;
      return { before, peak, growth: before === null ? null : peak - before };
    },
  };
}

/**
 * Starts `node cli.js <args>` and waits for the first stdout line (the URL). Resolves to
 * { url, pid, child, stderr(), stop() (SIGINT, resolves to the exit code), kill() (SIGKILL) }.
 */
export function startCli(args, { env = {}, timeoutMs = 20_000, cwd } = {}) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ITERABLE_API_KEY: '', NO_COLOR: '1', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr = (stderr + d).slice(-20_000)));
  const closed = new Promise((resolve) => child.once('close', (code, signal) => resolve(code ?? signal)));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no URL within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0 && timer) {
        clearTimeout(timer);
        resolve({
          url: out.slice(0, nl).trim(),
          pid: child.pid,
          child,
          closed,
          stderr: () => stderr,
          stop: () => (child.kill('SIGINT'), closed),
          kill: () => (child.kill('SIGKILL'), closed),
        });
      }
    });
    closed.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before printing its URL: ${stderr}`));
    });
  });
}

/** Runs the CLI to completion: { code, stdout, stderr }. */
export function runCli(args, { env = {}, input, timeoutMs = 60_000, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ITERABLE_API_KEY: '', NO_COLOR: '1', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal, stdout, stderr, pid: child.pid });
    });
    child.stdin.end(input ?? '');
  });
}

/**
 * One raw HTTP/1.1 exchange over a socket: the request head as given (so Host can be anything),
 * then `body` (a string or Buffer) or `stream` (async () => chunks written until the server answers
 * or closes; with `untilClosed`, until the server closes, as a client that ignores the answer
 * would). Resolves to { status, headers, body, ms, sent, closedBy: 'server' | 'timeout' }.
 */
export function rawHttp(url, { method = 'GET', path = '/', headers = {}, body, stream, timeoutMs = 15_000, untilClosed = false } = {}) {
  const { hostname, port } = new URL(url);
  const t0 = Date.now();
  return new Promise((resolve) => {
    // A client that ignores the answer keeps its side open when the server's ends.
    const socket = net.connect({ port: Number(port), host: hostname, allowHalfOpen: untilClosed });
    let raw = Buffer.alloc(0);
    let sent = 0;
    let done = false;
    const finish = (closedBy) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const text = raw.toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      const sep = text.indexOf('\r\n\r\n');
      const head = sep >= 0 ? text.slice(0, sep) : text;
      const hdrs = {};
      for (const line of head.split('\r\n').slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) hdrs[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status: m ? Number(m[1]) : null, headers: hdrs, body: sep >= 0 ? raw.subarray(sep + 4).toString('utf8') : '', ms: Date.now() - t0, sent, closedBy });
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    socket.on('data', (d) => {
      raw = Buffer.concat([raw, d]);
      // A complete answer with a length: done (keep-alive would keep the socket open).
      const text = raw.toString('latin1');
      const sep = text.indexOf('\r\n\r\n');
      const len = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, sep));
      if (!untilClosed && sep >= 0 && len && raw.length - sep - 4 >= Number(len[1])) finish('server');
    });
    socket.on('close', () => finish('server'));
    socket.on('error', () => finish('server'));
    socket.on('connect', async () => {
      const lines = [`${method} ${path} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''];
      socket.write(lines.join('\r\n'));
      if (body !== undefined) {
        socket.write(body);
        sent += Buffer.byteLength(body);
      }
      if (stream) {
        for await (const chunk of stream()) {
          if (done || socket.destroyed) break;
          sent += chunk.length;
          if (!socket.write(chunk)) await drained(socket);
        }
      }
    });
  });
}

/** Resolves when a writable stream drains or closes. */
export function drained(stream) {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

/** `total` bytes of JSON-looking filler in 64 KB chunks (the body of a huge request). */
export async function* filler(total, chunk = 64 * 1024) {
  const block = Buffer.alloc(chunk, 0x61);
  for (let sent = 0; sent < total; sent += chunk) yield sent + chunk <= total ? block : block.subarray(0, total - sent);
}

/** A body sent in HTTP/1.1 chunked coding (no Content-Length to refuse it by). */
export async function* chunked(source) {
  for await (const c of source) {
    yield Buffer.concat([Buffer.from(c.length.toString(16) + '\r\n'), c, Buffer.from('\r\n')]);
  }
  yield Buffer.from('0\r\n\r\n');
}

/**
 * A client that drips: the request head (and then its body, if `body`) one piece every `everyMs`,
 * for at most `maxMs`. Resolves to { ms, status, closedBy } — when the server dropped it.
 */
export function drip(url, { everyMs = 200, maxMs = 30_000, body = false } = {}) {
  const { hostname, port } = new URL(url);
  const t0 = Date.now();
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    let raw = '';
    let timer;
    let done = false;
    const finish = (closedBy) => {
      if (done) return;
      done = true;
      clearInterval(timer);
      clearTimeout(limit);
      socket.destroy();
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
      resolve({ ms: Date.now() - t0, status: m ? Number(m[1]) : null, closedBy });
    };
    const limit = setTimeout(() => finish('client gave up'), maxMs);
    socket.on('data', (d) => (raw += d.toString('latin1')));
    socket.on('close', () => finish('server'));
    socket.on('error', () => finish('server'));
    socket.on('connect', () => {
      const head = `POST /api/events/track HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\nApi-Key: k\r\n`;
      let i = 0;
      if (body) socket.write(`${head}Content-Length: 100000\r\n\r\n`);
      timer = setInterval(() => {
        if (socket.destroyed) return;
        socket.write(body ? ' ' : i < head.length ? head[i++] : 'X-Slow: a\r\n');
      }, everyMs);
    });
  });
}

/** Opens `n` TCP connections and sends nothing: { sockets, closedWithin(ms) => count }. */
export async function idleConnections(url, n) {
  const { hostname, port } = new URL(url);
  const sockets = [];
  for (let i = 0; i < n; i++) {
    const s = net.connect(Number(port), hostname);
    s.closedAt = null;
    s.received = 0;
    s.on('close', () => (s.closedAt = Date.now()));
    s.on('error', () => {});
    // What the server sends before closing is read and dropped: node's own header timeout
    // answers 408 before it closes, and bytes left unread would hold back 'end' (so 'close'),
    // making a connection the server did close look held open.
    s.on('data', (d) => (s.received += d.length));
    await new Promise((r) => (s.once('connect', r), s.once('close', r)));
    sockets.push(s);
  }
  return sockets;
}

/** A fetch with a bounded time; resolves to { status, ms, text } or { error, ms }. */
export async function timedFetch(url, init = {}, timeoutMs = 10_000) {
  const t0 = Date.now();
  try {
    const r = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const text = await r.text();
    return { status: r.status, ms: Date.now() - t0, text, headers: r.headers };
  } catch (e) {
    return { error: String(e?.cause?.code ?? e?.name ?? e), ms: Date.now() - t0 };
  }
}

/** Whether the package under test has `mcp --http` (older builds do not). */
export const hasMcpHttp = () => existsSync(CLI) && readFileSync(join(PKG_DIR, 'cli', 'help.js'), 'utf8').includes('--http');
