// `mcp`: the Model Context Protocol server (../mcp.js), over stdio (JSON-RPC lines on stdin and
// stdout, logs on stderr) or, with --http, over streamable HTTP on 127.0.0.1 (../server/node.js,
// POST /mcp). With --sandbox --state the state file is locked for this process and saved after
// changes (debounced) and on the way out. Stops on end of input (stdio), SIGINT or SIGTERM.
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { intOption, serverOptions } from './args.js';
import { loadPackage, packageVersion } from './catalog.cjs';
import { findAction } from './find.js';
import { makeClient } from './client.js';
import { printHelp } from './help.cjs';
import { CliError, NAME, redact, secrets, write } from './output.js';

/** Default port of `mcp --http`. */
export const MCP_HTTP_PORT = 4020;
/** stdio: messages handled at once before stdin is paused. */
const STDIO_IN_FLIGHT = 32;
const HTTP_ONLY = ['port', 'host', 'token', 'allow-host', 'cors-origin', 'headers-timeout', 'request-timeout', 'max-connections'];

const stopSignal = () =>
  new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

export async function cmdMcp(opts) {
  if (opts.help) return printHelp('mcp');
  const { actions } = await loadPackage();
  const mcp = await import('../mcp.js');
  const guard = await import('../server/guard.js');
  for (const id of [...(opts.allow ?? []), ...(opts.deny ?? [])]) await findAction(id);
  if (!opts.http) {
    const extra = HTTP_ONLY.find((o) => opts[o] !== undefined);
    if (extra) throw new CliError(`--${extra} goes with --http`);
  }
  const limits = await serverOptions(opts);
  const maxBody = limits.maxBody ?? guard.MCP_MAX_BODY;
  const port = intOption(opts, 'port', { min: 0, max: 65535 }) ?? MCP_HTTP_PORT;
  const host = opts.host ?? '127.0.0.1';
  const token = opts.http ? (opts.token ?? process.env.MCP_TOKEN) || undefined : undefined;
  if (token !== undefined && token.length < 16) throw new CliError('--token (or MCP_TOKEN) must be at least 16 characters');
  if (opts.http && !token && !guard.isLoopbackName(guard.splitHost(host).name)) {
    throw new CliError(`--host ${host} serves beyond this machine: set a bearer token with MCP_TOKEN (or --token), at least 16 characters`);
  }
  if (token) secrets.push(token);

  let results;
  try {
    results = JSON.parse(readFileSync(new URL('../results.json', import.meta.url), 'utf8'));
  } catch {
    results = undefined; // a package built without result schemas: tools have no outputSchema
  }
  if (opts.tools !== undefined && opts.tools !== 'discover' && opts.tools !== 'all') throw new CliError(`--tools is "discover" or "all", not "${String(opts.tools).slice(0, 40)}"`);
  let server;
  const serverArgs = (client, log) => ({
    client,
    actions,
    tools: opts.tools,
    toolsets: opts.toolsets,
    readOnly: !!opts['read-only'],
    allowIrreversible: !!opts['allow-irreversible'],
    allowSends: !!opts['allow-sends'],
    allow: opts.allow,
    deny: opts.deny,
    results,
    secrets,
    version: packageVersion(),
    log,
  });
  try {
    server = mcp.createMcpServer(serverArgs(() => null, () => {}));
  } catch (e) {
    if (e instanceof TypeError) throw new CliError(e.message.replace(/^createMcpServer: /, '').replace('tools: "discover"', '--tools=discover').replace('"all"', '--tools=all'));
    throw e;
  }

  const made = await makeClient(opts, { longRunning: true });
  // stdout carries the protocol (or the URL) only.
  console.log = console.info = console.debug = console.error;
  const log = (line) => process.stderr.write(`${NAME} mcp: ${redact(line)}\n`);
  server = mcp.createMcpServer(serverArgs(made.client, log));
  const where = opts.sandbox ? ' against the sandbox' : '';
  const gate = `irreversible tools ${opts['allow-irreversible'] ? 'allowed' : 'refused'}; sends ${opts['allow-sends'] ? 'allowed' : 'refused'}`;
  const what = server.mode === 'discover' ? `3 discovery tools over ${server.actions.length} actions` : `${server.tools.length} tools`;
  try {
    if (opts.http) {
      const { serveLocal } = await import('../server/node.js');
      const { createHash, timingSafeEqual } = await import('node:crypto');
      const digest = (s) => createHash('sha256').update(String(s)).digest();
      const tokenEqual = (a, b) => timingSafeEqual(digest(a), digest(b));
      const handle = mcp.createMcpHttpHandler(server, { sessions: true, allowedHosts: limits.allowHosts, allowedOrigins: limits.corsOrigins, maxBodyBytes: maxBody, ...(token ? { token, tokenEqual } : {}) });
      const app = (request) => (new URL(request.url).pathname === '/mcp' ? handle(request) : Response.json({ error: 'not found; the MCP endpoint is /mcp' }, { status: 404 }));
      let srv;
      try {
        srv = await serveLocal(app, {
          ...limits,
          port,
          host,
          maxBody,
          refusal: (status, message) => ({ type: 'application/json', body: JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: status === 400 ? -32700 : -32600, message } }) }),
          log: opts.quiet ? undefined : log,
        });
      } catch (e) {
        if (e?.code === 'EADDRINUSE') throw new CliError(`port ${port} on ${host} is in use (--port N, or 0 for any free port)`, { code: 'AddressInUse', exit: 1 });
        throw e;
      }
      await write(`${srv.url}/mcp\n`);
      log(`serving ${what} over streamable HTTP at ${srv.url}/mcp${where}; ${gate}; ${token ? 'bearer token required' : 'no token (loopback only)'}`);
      await stopSignal();
      server.abortAll();
      await srv.close();
    } else {
      log(`serving ${what} over stdio${where}; ${gate}`);
      await serveStdio(server, { maxLine: maxBody, log, decodeUtf8: guard.decodeUtf8 });
    }
  } finally {
    await made.save(true);
  }
  return 0;
}

/**
 * JSON-RPC lines on stdin, answers on stdout. A line longer than `maxLine` bytes is dropped as it
 * arrives (never held) and answered with an error; at most STDIO_IN_FLIGHT messages are handled
 * at once, and stdin pauses while stdout is not being read; a failure answering one message is
 * logged and the server goes on.
 */
async function serveStdio(server, { maxLine, log, decodeUtf8 }) {
  const input = process.stdin;
  const tasks = new Set();
  let parts = [];
  let size = 0;
  let skipping = false;
  let blocked = false;
  const answerError = (code, message) => JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } });
  const resume = () => {
    if (tasks.size < STDIO_IN_FLIGHT / 2 && !blocked) input.resume();
  };
  const send = (text) => {
    if (text === null || text === undefined) return;
    if (!process.stdout.write(text + '\n') && !blocked) {
      blocked = true;
      input.pause();
      process.stdout.once('drain', () => {
        blocked = false;
        resume();
      });
    }
  };
  const dispatch = (bytes) => {
    let text;
    try {
      text = decodeUtf8(bytes);
    } catch {
      send(answerError(-32700, 'Parse error: the line is not valid UTF-8'));
      return;
    }
    if (!text.trim()) return;
    const task = server
      .respond(text, { notify: (m) => send(JSON.stringify(m)) })
      .then(send)
      .catch((e) => log(`internal error: ${e?.message ?? e}`))
      .finally(() => {
        tasks.delete(task);
        resume();
      });
    tasks.add(task);
    if (tasks.size >= STDIO_IN_FLIGHT) input.pause();
  };
  const endLine = () => {
    if (skipping) send(answerError(-32600, `Invalid Request: a message longer than ${maxLine} bytes; this server reads at most that much per line (--max-body)`));
    else if (size > 0) {
      let line = parts.length === 1 ? parts[0] : Buffer.concat(parts, size);
      if (line[line.length - 1] === 13) line = line.subarray(0, line.length - 1);
      dispatch(line);
    }
    parts = [];
    size = 0;
    skipping = false;
  };
  input.on('data', (chunk) => {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      const piece = nl < 0 ? chunk.subarray(start) : chunk.subarray(start, nl);
      if (!skipping && piece.length) {
        size += piece.length;
        if (size > maxLine) {
          skipping = true;
          parts = [];
          log(`a message longer than ${maxLine} bytes is being dropped`);
        } else {
          // A copy: a slice would keep the whole chunk alive.
          parts.push(Buffer.from(piece));
        }
      }
      if (nl < 0) break;
      endLine();
      start = nl + 1;
    }
  });
  await Promise.race([
    new Promise((resolve) => {
      input.once('end', resolve);
      input.once('close', resolve);
    }),
    stopSignal().then(() => server.abortAll()),
  ]);
  endLine();
  input.pause();
  await Promise.allSettled([...tasks]);
}
