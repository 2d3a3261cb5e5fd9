#!/usr/bin/env node
// iterable-wasm on the command line (Node >= 18 and Deno 2: only node: modules both provide).
//
//   npx iterable-wasm actions [--json]
//   npx iterable-wasm describe <id> [--json]
//   npx iterable-wasm <id> [--input '<json>' | --input @file.json | key=value ...] [options]
//   npx iterable-wasm bulk <id> --file items.jsonl [--input ...] [--concurrency N]
//   npx iterable-wasm export [start_export input] > out.jsonl
//   npx iterable-wasm mcp [--allow-irreversible] [--allow ids] [--deny ids] [--sandbox]
//   npx iterable-wasm sandbox [--port 4010] [--state file.json]
//
// Exit codes: 0 success, 1 cancelled or internal error, 2 bad input (usage, validation, an
// unconfirmed irreversible action), 3 API error, 4 network error or timeout.
// The API key comes from ITERABLE_API_KEY and is never printed.
import process from 'node:process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const NAME = 'iterable-wasm';
const isDeno = typeof globalThis.Deno !== 'undefined';

// ---------------------------------------------------------------------------------------------
// Errors and exit codes

class CliError extends Error {
  constructor(message, { code = 'UsageError', exit = 2, extra } = {}) {
    super(message);
    this.code = code;
    this.exit = exit;
    this.extra = extra;
  }
}

const NETWORK_CODES = new Set(['NetworkError', 'Timeout', 'Aborted']);
const exitCodeOf = (e) => {
  if (e instanceof CliError) return e.exit;
  if (e?.name === 'IterableError' || (e && typeof e.code === 'string' && 'attempts' in e)) {
    if (e.code === 'ValidationError') return 2;
    if (NETWORK_CODES.has(e.code)) return 4;
    return 3;
  }
  return 1;
};

let secrets = [];
const redact = (text) => {
  let t = String(text);
  for (const s of secrets) if (s && s.length >= 4) t = t.split(s).join('[REDACTED]');
  return t;
};

function reportError(e, jsonErrors) {
  const exit = exitCodeOf(e);
  const isApi = e?.name === 'IterableError';
  const info = {
    code: e?.code ?? 'InternalError',
    message: String(e?.message ?? e),
    ...(isApi && e.status !== undefined ? { status: e.status } : {}),
    ...(isApi && e.action ? { action: e.action } : {}),
    ...(isApi ? { attempts: e.attempts, retryable: e.retryable } : {}),
    ...(isApi && e.issues ? { issues: e.issues } : {}),
    ...(isApi && e.params != null ? { params: e.params } : {}),
    ...(e?.extra ?? {}),
    exitCode: exit,
  };
  if (jsonErrors) {
    process.stderr.write(redact(JSON.stringify({ error: info })) + '\n');
  } else {
    const where = [info.status !== undefined ? `HTTP ${info.status}` : null, info.action ?? null].filter(Boolean).join(', ');
    let message = info.message;
    if (info.issues?.length) message += ' (' + info.issues.map((i) => `${i.param}: ${i.message}`).join('; ') + ')';
    const line = `${NAME}: ${info.code}${where ? ` (${where})` : ''}: ${message}`.replace(/\s*\r?\n\s*/g, ' ');
    process.stderr.write(redact(line) + '\n');
  }
  return exit;
}

// ---------------------------------------------------------------------------------------------
// Arguments

const VALUE_OPTIONS = new Set(['input', 'region', 'base-url', 'timeout', 'max-retries', 'state', 'file', 'concurrency', 'port', 'host', 'allow', 'deny', 'poll-ms']);
const FLAG_OPTIONS = new Set(['all', 'json', 'yes', 'dry-run', 'sandbox', 'json-errors', 'help', 'raw', 'jsonl', 'quiet', 'allow-irreversible', 'version', 'pretty', 'compact']);

function parseArgs(argv) {
  const opts = {};
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a === '-h') { opts.help = true; continue; }
    if (a === '-y') { opts.yes = true; continue; }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (VALUE_OPTIONS.has(name)) {
        let value;
        if (eq > 0) value = a.slice(eq + 1);
        else if (i + 1 < argv.length) value = argv[++i];
        else throw new CliError(`--${name} needs a value`);
        if (name === 'allow' || name === 'deny') (opts[name] ??= []).push(...value.split(',').map((s) => s.trim()).filter(Boolean));
        else opts[name] = value;
      } else if (FLAG_OPTIONS.has(name)) {
        if (eq > 0) throw new CliError(`--${name} takes no value`);
        opts[name] = true;
      } else {
        throw new CliError(`unknown option --${name} (see --help)`);
      }
      continue;
    }
    positional.push(a);
  }
  return { opts, positional };
}

const intOption = (opts, name, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}) => {
  if (opts[name] === undefined) return undefined;
  const n = Number(opts[name]);
  if (!Number.isInteger(n) || n < min || n > max) throw new CliError(`--${name} must be an integer from ${min} to ${max}, got "${String(opts[name]).slice(0, 40)}"`);
  return n;
};

// ---------------------------------------------------------------------------------------------
// Help texts

const COMMON = `Connection options:
  --region us|eu         data center (default: ITERABLE_REGION or us)
  --base-url URL         another base URL (default: ITERABLE_BASE_URL); https, or http on loopback
  --timeout MS           time limit of each attempt (default 30000)
  --max-retries N        retries after the first attempt (default 2)
  --sandbox              run against the built-in emulator instead of Iterable (no key needed)
  --state FILE           with --sandbox: load the emulator's state from FILE, save it back after
  --json-errors          errors on stderr as one JSON line
Environment: ITERABLE_API_KEY (required unless --sandbox or --dry-run), ITERABLE_REGION, ITERABLE_BASE_URL.`;

const HELP = {
  main: `Usage: ${NAME} <command> [options]

Every Iterable API action from the terminal, and an MCP server for AI agents.

Commands:
  actions [--json]                 list every action (id, method, title, flags)
  describe <id> [--json]           description, params, required groups, JSON Schema, flags
  <id> [input] [options]           run one action and print its result (see: ${NAME} run --help)
  bulk <id> --file items.jsonl     send a list through a bulk action, split within its limits
  export [input]                   start an export job, wait for it, stream its records (JSON lines)
  mcp [options]                    Model Context Protocol server over stdio
  sandbox [--port N] [--state F]   serve the Iterable emulator over HTTP on 127.0.0.1 (default port 4010)
  help [command]                   this text, or a command's

Exit codes: 0 success, 1 cancelled or internal error, 2 bad input (usage or validation),
3 API error, 4 network error or timeout.

${COMMON}`,
  actions: `Usage: ${NAME} actions [--json]

Lists every action: id, HTTP method, title and flags (read, irreversible, idempotent, async,
bulk, paginated, streamed). --json prints the list as JSON.`,
  describe: `Usage: ${NAME} describe <id> [--json]

Shows an action: its description, method and path, params with their types, where they go
(path, query, body) and whether they are required, the "one of" groups, the flags and the
JSON Schema of its input. --json prints the whole catalog entry.`,
  run: `Usage: ${NAME} <id> [--input '<json>' | --input @file.json | --input -] [key=value ...] [options]

Runs one action and prints its result: JSON (pretty on a terminal, compact otherwise); text, CSV
and HTML results as text. key=value pairs are merged over --input and converted by the param's
type: numbers, booleans (true/false), arrays (JSON or a comma list), objects (JSON). key:=<json>
gives any JSON value. JSON-lines actions (export_user_events, export_campaign_data_to_json) print
one record per line as they arrive, CSV and text actions stream their body; progress goes to
stderr.

Options:
  --dry-run              print the request (method, URL, headers, body; key redacted), send nothing
  --yes, -y              run an irreversible action without asking (required without a terminal)
  --all                  every page of a paginated action: its items as JSON lines
  --raw                  stream the response body as it comes (CSV, text, JSON lines)
  --jsonl                print the records of a CSV action as JSON lines
  --quiet                no progress on stderr
  --json                 compact JSON even on a terminal
  --pretty               pretty JSON even when piped

${COMMON}`,
  bulk: `Usage: ${NAME} bulk <id> --file items.jsonl [--input '<json>' | key=value ...] [--concurrency N]

Sends every item of the file (JSON lines, or one JSON array; "-" reads stdin) through a bulk
action (${'`'}${NAME} actions${'`'} marks them "bulk"), split into requests within its documented limits,
with bounded concurrency, retries and rate limits. Progress goes to stderr; the report (items,
requests, sent, succeeded, failed, failures) to stdout. --input / key=value give the action's
other params (e.g. listId=12). Exits 0 when every item succeeded, 3 when Iterable refused some,
4 when a request failed on the network.

Options:
  --concurrency N        requests in flight at once (default 4, at most 16)
  --yes, -y              confirm an irreversible bulk action
  --dry-run              print each request (key redacted), send nothing
  --quiet                no progress on stderr

${COMMON}`,
  export: `Usage: ${NAME} export [--input '<json>' | key=value ...] > out.jsonl

The export workflow in one command: start_export, poll the job (with backoff) until it completes,
and stream every file's records to stdout as JSON lines as they appear. The input is
start_export's (dataTypeName, outputFormat, range or startDateTime/endDateTime, ...). Progress
(job state, files, records) goes to stderr.

Options:
  --poll-ms MS           first wait between polls (default 1000)
  --quiet                no progress on stderr

${COMMON}`,
  mcp: `Usage: ${NAME} mcp [--allow-irreversible] [--allow id,id] [--deny id,id] [--sandbox [--state F]]

A Model Context Protocol server over stdio (newline-delimited JSON-RPC on stdin/stdout; logs on
stderr). Its tools are the catalog: name = action id, the action's description and JSON Schema,
annotations readOnlyHint / destructiveHint / idempotentHint. Irreversible tools are refused unless
--allow-irreversible is given; --allow and --deny narrow the tools (comma lists, repeatable).

Agent configuration (e.g. Claude Desktop, Cursor):
  { "mcpServers": { "iterable": { "command": "npx", "args": ["-y", "${NAME}", "mcp"],
                                  "env": { "ITERABLE_API_KEY": "<server-side key>" } } } }

${COMMON}`,
  sandbox: `Usage: ${NAME} sandbox [--port 4010] [--host 127.0.0.1] [--state file.json]

Serves the Iterable emulator over HTTP (on 127.0.0.1 unless --host) and prints its URL; point
--base-url (or ITERABLE_BASE_URL) at it. Runs until Ctrl-C (SIGINT) or SIGTERM. --state loads
the emulator's state from a file (when present) and saves it after every change. Each request is
logged on stderr (--quiet: not).`,
};

// ---------------------------------------------------------------------------------------------
// Package

let pkgPromise;
const loadPackage = () => (pkgPromise ??= import(isDeno ? './index.deno.js' : './index.node.js'));
const packageVersion = () => {
  try {
    return JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')).version;
  } catch {
    return '0.0.0';
  }
};

const STREAMED = new Set(['csv', 'jsonl', 'text']);
const flagsOf = (a) => [
  a.method === 'GET' || a.readOnly === true || a.read === true ? 'read' : null,
  a.irreversible ? 'irreversible' : null,
  a.idempotent ? 'idempotent' : null,
  a.async ? 'async' : null,
  a.bulk ? 'bulk' : null,
  a.pagination ? 'paginated' : null,
  STREAMED.has(a.response) ? 'streamed' : null,
].filter(Boolean);

async function findAction(id) {
  const { actions } = await loadPackage();
  const entry = actions.find((a) => a.id === id);
  if (!entry) {
    const near = actions.filter((a) => a.id.includes(id) || id.includes(a.id)).slice(0, 3).map((a) => a.id);
    throw new CliError(`unknown action "${String(id).slice(0, 64)}"${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}; see \`${NAME} actions\``, { code: 'ValidationError' });
  }
  return entry;
}

// ---------------------------------------------------------------------------------------------
// Output

const stdoutIsTTY = () => !!process.stdout.isTTY;

async function write(text) {
  if (!process.stdout.write(text)) await new Promise((r) => process.stdout.once('drain', r));
}

function formatJson(value, opts) {
  const pretty = opts.pretty || (!opts.json && stdoutIsTTY());
  return JSON.stringify(value, null, pretty ? 2 : 0);
}

async function printResult(value, opts) {
  if (typeof value === 'string') await write(value.endsWith('\n') || value === '' ? value : value + '\n');
  else await write(formatJson(value === undefined ? null : value, opts) + '\n');
}

/** Progress on stderr: rewritten in place on a terminal, else a line at most once a second. */
function progress(opts) {
  const quiet = !!opts.quiet;
  const tty = !!process.stderr.isTTY;
  let last = 0;
  let shown = false;
  return {
    update(text, force = false) {
      if (quiet) return;
      const now = Date.now();
      if (!force && now - last < (tty ? 200 : 1000)) return;
      last = now;
      shown = true;
      process.stderr.write(tty ? `\r\x1b[2K${text}` : `${text}\n`);
    },
    done(text) {
      if (quiet) return;
      process.stderr.write(tty && shown ? `\r\x1b[2K${text}\n` : `${text}\n`);
    },
  };
}

const num = (n) => n.toLocaleString('en-US');
const seconds = (t0) => ((Date.now() - t0) / 1000).toFixed(1) + ' s';

// ---------------------------------------------------------------------------------------------
// Input

function readSource(spec, what) {
  try {
    if (spec === '-') return readFileSync(0, 'utf8');
    return readFileSync(spec, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${what} ${spec === '-' ? 'from stdin' : `"${spec}"`}: ${e.code ?? e.message}`);
  }
}

const typeOf = (schema) => {
  const t = schema?.type;
  return Array.isArray(t) ? t.find((x) => x !== 'null') : t;
};

function coerce(raw, schema, key) {
  const type = typeOf(schema);
  const bad = (what) => new CliError(`${key}: expected ${what}, got "${raw.slice(0, 60)}"`, { code: 'ValidationError' });
  switch (type) {
    case 'integer': {
      if (!/^[-+]?\d+$/.test(raw.trim())) throw bad('an integer');
      return Number(raw);
    }
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw bad('a number');
      return n;
    }
    case 'boolean': {
      const v = raw.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      throw bad('true or false');
    }
    case 'array': {
      const t = raw.trim();
      if (t.startsWith('[')) {
        try {
          return JSON.parse(t);
        } catch {
          throw bad('a JSON array');
        }
      }
      if (t === '') return [];
      return t.split(',').map((s, i) => coerce(s.trim(), schema.items, `${key}[${i}]`));
    }
    case 'object': {
      try {
        const v = JSON.parse(raw);
        if (v && typeof v === 'object' && !Array.isArray(v)) return v;
      } catch {}
      throw bad('a JSON object');
    }
    default:
      return raw;
  }
}

function buildInput(entry, opts, pairs) {
  let input = {};
  if (opts.input !== undefined) {
    const text = opts.input === '-' ? readSource('-', '--input') : opts.input.startsWith('@') ? readSource(opts.input.slice(1), '--input file') : opts.input;
    try {
      input = JSON.parse(text);
    } catch (e) {
      throw new CliError(`--input is not valid JSON (${e.message})`, { code: 'ValidationError' });
    }
    if (!input || typeof input !== 'object' || Array.isArray(input)) throw new CliError('--input must be a JSON object', { code: 'ValidationError' });
  }
  const props = entry?.inputSchema?.properties ?? {};
  for (const pair of pairs) {
    const m = /^([^=:]+?)(:=|=)([\s\S]*)$/.exec(pair);
    if (!m) throw new CliError(`expected key=value, got "${pair.slice(0, 60)}"`);
    const [, key, op, raw] = m;
    if (op === ':=') {
      try {
        input[key] = JSON.parse(raw);
      } catch {
        throw new CliError(`${key}:= expects JSON, got "${raw.slice(0, 60)}"`, { code: 'ValidationError' });
      }
    } else {
      input[key] = coerce(raw, props[key], key);
    }
  }
  return input;
}

// ---------------------------------------------------------------------------------------------
// The client

const REDACTED_HEADERS = new Set(['api-key', 'authorization']);

/** A fetch that records each request and sends nothing (for --dry-run). */
function captureFetch(captured) {
  return async function dryRunFetch(url, init = {}) {
    const headers = {};
    new Headers(init.headers ?? {}).forEach((v, k) => {
      headers[k] = REDACTED_HEADERS.has(k.toLowerCase()) ? '[REDACTED]' : v;
    });
    let body = init.body;
    if (body instanceof Uint8Array || body instanceof ArrayBuffer) body = new TextDecoder().decode(body);
    else if (body != null && typeof body !== 'string') body = String(body);
    captured.push({ method: init.method ?? 'GET', url: String(url), headers, ...(body != null ? { body } : {}) });
    throw new Error('dry run: nothing sent');
  };
}

async function makeClient(opts, { dryRun = null } = {}) {
  const { IterableClient } = await loadPackage();
  const env = process.env;
  const apiKey = env.ITERABLE_API_KEY;
  if (apiKey) secrets.push(apiKey);
  if (!apiKey && !opts.sandbox && !dryRun) {
    throw new CliError('set ITERABLE_API_KEY to your Iterable API key (or use --sandbox, or --dry-run)', { code: 'MissingApiKey' });
  }
  const region = opts.region ?? (env.ITERABLE_REGION || undefined);
  if (region !== undefined && region !== 'us' && region !== 'eu') throw new CliError(`--region must be us or eu, got "${String(region).slice(0, 20)}"`);
  const baseUrl = opts['base-url'] ?? (env.ITERABLE_BASE_URL || undefined);
  const options = {
    apiKey: apiKey || (opts.sandbox ? 'sandbox-key' : 'dry-run-key'),
    ...(region ? { region } : {}),
    ...(baseUrl ? { baseUrl } : {}),
  };
  const timeoutMs = intOption(opts, 'timeout', { min: 1, max: 3_600_000 });
  const maxRetries = intOption(opts, 'max-retries', { min: 0, max: 10 });
  if (timeoutMs !== undefined) options.timeoutMs = timeoutMs;
  if (maxRetries !== undefined) options.maxRetries = maxRetries;
  if (dryRun) {
    const f = captureFetch(dryRun);
    options.fetch = f;
    options.maxRetries = 0;
    options.rateLimit = false;
    // Also the global fetch: a build whose client has no `fetch` option must not send either.
    globalThis.fetch = f;
  }
  let stateFile;
  if (opts.sandbox && dryRun) {
    throw new CliError('--dry-run and --sandbox do not go together (the sandbox sends nothing anyway)');
  } else if (opts.sandbox) {
    stateFile = opts.state;
    options.sandbox = true;
  } else if (opts.state) {
    throw new CliError('--state goes with --sandbox');
  }
  let client;
  try {
    client = new IterableClient(options);
  } catch (e) {
    if (opts.sandbox && /sandbox/i.test(String(e?.message))) {
      throw new CliError(`--sandbox: ${e.message}`, { code: 'SandboxUnavailable', exit: 1 });
    }
    if (e?.name === 'IterableError') throw e;
    throw new CliError(String(e?.message ?? e), { code: 'ValidationError' });
  }
  if (opts.sandbox) {
    if (!client.sandbox || typeof client.sandbox.dump !== 'function') {
      throw new CliError('--sandbox: this build of iterable-wasm has no sandbox emulator (client.sandbox is missing)', { code: 'SandboxUnavailable', exit: 1 });
    }
    // The emulator loads on first use: load it now, so that a broken one fails here, clearly.
    try {
      await client.sandbox.dump();
    } catch (e) {
      throw new CliError(`--sandbox: the emulator did not start (${e?.message ?? e})`, { code: 'SandboxUnavailable', exit: 1 });
    }
    if (stateFile && existsSync(stateFile)) {
      let state;
      try {
        state = JSON.parse(readFileSync(stateFile, 'utf8'));
      } catch (e) {
        throw new CliError(`--state ${stateFile} is not valid JSON (${e.message})`);
      }
      try {
        await client.sandbox.load(state);
      } catch (e) {
        throw new CliError(`--state ${stateFile}: the emulator refused it (${e?.message ?? e})`);
      }
    }
  }
  const save = async () => {
    if (!opts.sandbox || !stateFile) return;
    const state = await client.sandbox.dump();
    writeFileSync(stateFile, (typeof state === 'string' ? state : JSON.stringify(state, null, 2)) + '\n');
  };
  return { client, save };
}

const callOptions = (opts) => {
  const o = {};
  const t = intOption(opts, 'timeout', { min: 1, max: 3_600_000 });
  const r = intOption(opts, 'max-retries', { min: 0, max: 10 });
  if (t !== undefined) o.timeoutMs = t;
  if (r !== undefined) o.maxRetries = r;
  return o;
};

async function printDryRun(captured, opts) {
  if (captured.length === 0) throw new CliError('dry run: the client sent no request', { exit: 1, code: 'InternalError' });
  const shown = captured.map((c) => {
    let body = c.body;
    if (body !== undefined) {
      try { body = JSON.parse(body); } catch {}
    }
    return { ...c, ...(body !== undefined ? { body } : {}) };
  });
  if (opts.json) {
    await write(redact(JSON.stringify(shown.length === 1 ? shown[0] : shown)) + '\n');
    return;
  }
  const parts = captured.map((c) => {
    const lines = [`${c.method} ${c.url}`, ...Object.entries(c.headers).map(([k, v]) => `${k}: ${v}`)];
    if (c.body !== undefined) {
      let body = c.body;
      try { body = JSON.stringify(JSON.parse(body), null, 2); } catch {}
      if (body.length > 4000) body = body.slice(0, 4000) + `\n… (${num(c.body.length)} characters in all)`;
      lines.push('', body);
    }
    return lines.join('\n');
  });
  await write(redact(parts.join('\n\n')) + '\n');
}

// ---------------------------------------------------------------------------------------------
// Confirmation of irreversible actions

async function confirm(entry, opts, what = entry.id) {
  if (opts.yes || opts['dry-run']) return;
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new CliError(`${what} is irreversible: pass --yes to run it without a terminal to confirm on`, { code: 'ConfirmationRequired' });
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await new Promise((resolve) => {
    rl.question(`${what} (${entry.title}) is irreversible. Run it? [y/N] `, resolve);
    rl.once('close', () => resolve(''));
  });
  rl.close();
  if (!/^y(es)?$/i.test(String(answer).trim())) throw new CliError('not confirmed; nothing was sent', { code: 'Cancelled', exit: 1 });
}

// ---------------------------------------------------------------------------------------------
// Commands

async function cmdActions(opts) {
  const { actions } = await loadPackage();
  if (opts.json) {
    const list = actions.map((a) => ({
      id: a.id, title: a.title, method: a.method, path: a.path, response: a.response,
      irreversible: a.irreversible, idempotent: a.idempotent, async: a.async,
      read: flagsOf(a).includes('read'), bulk: !!a.bulk, paginated: a.pagination?.style ?? null,
    }));
    await write(formatJson(list, opts) + '\n');
    return 0;
  }
  const w = Math.max(...actions.map((a) => a.id.length));
  const lines = actions.map((a) => `${a.id.padEnd(w)}  ${a.method.padEnd(6)}  ${a.title}${flagsOf(a).length ? `  [${flagsOf(a).join(', ')}]` : ''}`);
  await write(lines.join('\n') + `\n\n${actions.length} actions. \`${NAME} describe <id>\` for one; \`${NAME} <id> --help\` to run one.\n`);
  return 0;
}

function describeText(a) {
  const props = a.inputSchema?.properties ?? {};
  const required = new Set(a.inputSchema?.required ?? []);
  const rows = Object.entries(props).map(([k, s]) => {
    const type = [typeOf(s) ?? 'any', s.format ? `(${s.format})` : '', typeOf(s) === 'array' && s.items?.type ? `of ${s.items.type}` : ''].filter(Boolean).join(' ');
    const extra = [required.has(k) ? 'required' : 'optional', s['x-iterable-in'] ? `in ${s['x-iterable-in']}` : null].filter(Boolean).join(', ');
    const enumText = Array.isArray(s.enum) ? ` One of: ${s.enum.slice(0, 12).join(', ')}${s.enum.length > 12 ? ', …' : ''}.` : '';
    return { k, type, extra, desc: (s.description ?? '') + enumText };
  });
  const wk = Math.max(4, ...rows.map((r) => r.k.length));
  const wt = Math.max(4, ...rows.map((r) => r.type.length));
  const we = Math.max(4, ...rows.map((r) => r.extra.length));
  const out = [
    `${a.id} — ${a.title}`,
    `${a.method} ${a.path}`,
    '',
    a.description,
    '',
    'Params:',
    ...(rows.length ? rows.map((r) => `  ${r.k.padEnd(wk)}  ${r.type.padEnd(wt)}  ${r.extra.padEnd(we)}  ${r.desc}`) : ['  (none)']),
  ];
  if (a.requireOneOf?.length) {
    out.push('', 'Required groups (at least one of each):', ...a.requireOneOf.map((g) => `  ${g.join(' | ')}`));
  }
  const flags = [
    ...flagsOf(a),
    `response ${a.response}`,
    a.rateLimit ? `rate limit ${a.rateLimit}` : null,
    a.limits ? `limits: ${a.limits}` : null,
    a.pagination ? `pagination ${a.pagination.style}` : null,
    a.bulk ? `bulk items in "${a.bulk.items}"` : null,
  ].filter(Boolean);
  out.push('', `Flags: ${flags.join('; ')}`, '', 'Input schema (JSON Schema 2020-12):', JSON.stringify(a.inputSchema, null, 2));
  return out.join('\n') + '\n';
}

async function cmdDescribe(opts, positional) {
  if (positional.length !== 1) throw new CliError(`usage: ${NAME} describe <id>`);
  const entry = await findAction(positional[0]);
  await write(opts.json ? formatJson(entry, opts) + '\n' : describeText(entry));
  return 0;
}

async function streamOut(client, entry, input, opts, call) {
  const t0 = Date.now();
  const bar = progress(opts);
  const records = entry.response === 'jsonl' ? !opts.raw : !!opts.jsonl && !opts.raw;
  const showProgress = entry.response !== 'text';
  const s = client.stream(entry.id, input, call);
  if (records) {
    let n = 0;
    for await (const r of s) {
      await write(JSON.stringify(r) + '\n');
      n++;
      if (showProgress) bar.update(`${entry.id}: ${num(n)} records`);
    }
    if (showProgress) bar.done(`${entry.id}: ${num(n)} records in ${seconds(t0)}`);
    return;
  }
  const body = await s.body();
  const reader = body.getReader();
  let bytes = 0;
  let lines = 0;
  let lastByte = 10;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    for (let i = 0; i < value.length; i++) if (value[i] === 10) lines++;
    if (value.length) lastByte = value[value.length - 1];
    if (!process.stdout.write(value)) await new Promise((r) => process.stdout.once('drain', r));
    if (showProgress) bar.update(`${entry.id}: ${num(bytes)} bytes, ${num(lines)} lines`);
  }
  if (lastByte !== 10 && bytes > 0) await write('\n');
  if (showProgress) bar.done(`${entry.id}: ${num(bytes)} bytes, ${num(lines + (lastByte !== 10 && bytes > 0 ? 1 : 0))} lines in ${seconds(t0)}`);
}

async function paginateOut(client, entry, input, opts, call) {
  const t0 = Date.now();
  const bar = progress(opts);
  let items = 0;
  let pages = 0;
  for await (const page of client.paginate(entry.id, input, call).pages()) {
    pages++;
    const key = entry.pagination.items;
    const list = key ? (Array.isArray(page?.[key]) ? page[key] : []) : Array.isArray(page) ? page : [];
    for (const item of list) {
      await write(JSON.stringify(item) + '\n');
      items++;
    }
    bar.update(`${entry.id}: ${num(items)} items, ${num(pages)} pages`);
  }
  bar.done(`${entry.id}: ${num(items)} items, ${num(pages)} pages in ${seconds(t0)}`);
}

async function cmdRun(id, opts, positional) {
  const entry = await findAction(id);
  if (opts.help) {
    await write(describeText(entry) + '\n' + HELP.run + '\n');
    return 0;
  }
  const input = buildInput(entry, opts, positional);
  const dryRun = opts['dry-run'] ? [] : null;
  if (opts.all && (!entry.pagination || entry.pagination.style === 'limit')) {
    throw new CliError(`--all: ${entry.id} is not paginated (paginated actions: ${(await loadPackage()).actions.filter((a) => a.pagination && a.pagination.style !== 'limit').map((a) => a.id).join(', ')})`);
  }
  if (entry.irreversible) await confirm(entry, opts);
  const { client, save } = await makeClient(opts, { dryRun });
  const call = callOptions(opts);
  try {
    if (dryRun) {
      try {
        await client.execute(entry.id, input, call);
      } catch (e) {
        if (dryRun.length === 0) throw e; // rejected before sending (validation)
      }
      await printDryRun(dryRun, opts);
      return 0;
    }
    if (opts.all) {
      await paginateOut(client, entry, input, opts, call);
    } else if (STREAMED.has(entry.response) && typeof client.stream === 'function') {
      await streamOut(client, entry, input, opts, call);
    } else {
      await printResult(await client.execute(entry.id, input, call), opts);
    }
    return 0;
  } finally {
    await save();
  }
}

function readItems(file) {
  const text = readSource(file, '--file');
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed);
    } catch (e) {
      throw new CliError(`--file ${file}: not a valid JSON array (${e.message})`, { code: 'ValidationError' });
    }
  }
  const items = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    try {
      items.push(JSON.parse(line));
    } catch (e) {
      throw new CliError(`--file ${file}: line ${i + 1} is not valid JSON (${e.message})`, { code: 'ValidationError' });
    }
  }
  return items;
}

async function cmdBulk(opts, positional) {
  if (opts.help) {
    await write(HELP.bulk + '\n');
    return 0;
  }
  const [id, ...pairs] = positional;
  if (!id) throw new CliError(`usage: ${NAME} bulk <id> --file items.jsonl`);
  const entry = await findAction(id);
  if (!entry.bulk) {
    const { actions } = await loadPackage();
    throw new CliError(`${id} is not a bulk action; bulk actions: ${actions.filter((a) => a.bulk).map((a) => a.id).join(', ')}`, { code: 'ValidationError' });
  }
  if (!opts.file) throw new CliError('bulk needs --file items.jsonl (JSON lines, a JSON array, or - for stdin)');
  const input = buildInput(entry, opts, pairs);
  const items = readItems(opts.file);
  const concurrency = intOption(opts, 'concurrency', { min: 1, max: 16 });
  const dryRun = opts['dry-run'] ? [] : null;
  if (entry.irreversible) await confirm(entry, opts, `bulk ${entry.id}`);
  const { client, save } = await makeClient(opts, { dryRun });
  const bar = progress(opts);
  const t0 = Date.now();
  try {
    const report = await client.bulk(entry.id, items, {
      ...callOptions(opts),
      input,
      ...(concurrency ? { concurrency } : {}),
      onProgress: dryRun ? undefined : (p) => bar.update(`${entry.id}: ${p.done}/${p.requests} requests, ${num(p.sent)} items sent, ${num(p.succeeded)} succeeded, ${num(p.failed)} failed`, true),
    });
    if (dryRun) {
      await printDryRun(dryRun, opts);
      return 0;
    }
    bar.done(`${entry.id}: ${num(report.items)} items in ${report.requests} requests: ${num(report.succeeded)} succeeded, ${num(report.failed)} failed (${seconds(t0)})`);
    await printResult(report, opts);
    if (report.failed === 0) return 0;
    if (report.errors.some((e) => NETWORK_CODES.has(e.code))) return 4;
    return 3;
  } finally {
    await save();
  }
}

async function cmdExport(opts, positional) {
  if (opts.help) {
    await write(HELP.export + '\n');
    return 0;
  }
  const entry = await findAction('start_export');
  const input = buildInput(entry, opts, positional);
  const dryRun = opts['dry-run'] ? [] : null;
  const { client, save } = await makeClient(opts, { dryRun });
  const pollMs = intOption(opts, 'poll-ms', { min: 1, max: 600_000 });
  const bar = progress(opts);
  const t0 = Date.now();
  let n = 0;
  let last = null;
  try {
    const it = client.exportRecords(input, {
      ...callOptions(opts),
      ...(pollMs ? { pollMs } : {}),
      onProgress: (p) => {
        last = p;
        bar.update(`export job ${p.jobId}: ${p.state}, ${num(p.files)} files, ${num(p.records)} records`, true);
      },
    });
    try {
      for await (const r of it) {
        await write(JSON.stringify(r) + '\n');
        n++;
      }
    } catch (e) {
      if (dryRun && dryRun.length) {
        await printDryRun(dryRun, opts);
        return 0;
      }
      throw e;
    }
    bar.done(`export job ${last?.jobId ?? '?'}: ${last?.state ?? 'done'}, ${num(last?.files ?? 0)} files, ${num(n)} records in ${seconds(t0)}`);
    return 0;
  } finally {
    await save();
  }
}

async function cmdMcp(opts) {
  if (opts.help) {
    await write(HELP.mcp + '\n');
    return 0;
  }
  const { actions } = await loadPackage();
  const { createMcpServer } = await import('./mcp.js');
  for (const id of [...(opts.allow ?? []), ...(opts.deny ?? [])]) await findAction(id);
  const { client, save } = await makeClient(opts);
  // stdout carries the protocol only.
  console.log = console.info = console.debug = console.error;
  const log = (line) => process.stderr.write(`${NAME} mcp: ${redact(line)}\n`);
  const server = createMcpServer({
    client,
    actions,
    allowIrreversible: !!opts['allow-irreversible'],
    allow: opts.allow,
    deny: opts.deny,
    secrets,
    version: packageVersion(),
    log,
  });
  log(`serving ${server.tools.length} tools over stdio${opts.sandbox ? ' against the sandbox' : ''}; irreversible tools ${opts['allow-irreversible'] ? 'allowed' : 'refused'}`);
  const pending = new Set();
  let saving = Promise.resolve();
  const send = (answer) => {
    if (answer !== null) process.stdout.write(JSON.stringify(answer) + '\n');
  };
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on('line', (line) => {
    if (!line.trim()) return;
    const p = server.handleText(line).then(send, (e) => log(`internal error: ${e?.message ?? e}`));
    pending.add(p);
    p.finally(() => {
      pending.delete(p);
      // The emulator's state is saved after each call, so a killed server loses nothing.
      if (opts.sandbox && opts.state) saving = saving.then(save).catch((e) => log(`saving state: ${e?.message ?? e}`));
    });
  });
  await new Promise((resolve) => {
    rl.once('close', resolve);
    const stop = () => {
      server.abortAll();
      rl.close();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await Promise.allSettled([...pending]);
  await saving;
  await save().catch(() => {});
  return 0;
}

async function cmdSandbox(opts) {
  if (opts.help) {
    await write(HELP.sandbox + '\n');
    return 0;
  }
  let mod;
  try {
    mod = await import('./sandbox/server.js');
  } catch (e) {
    throw new CliError(`the sandbox server is not part of this build (${String(e?.message ?? e).split('\n')[0]})`, { code: 'SandboxUnavailable', exit: 1 });
  }
  if (typeof mod.serve !== 'function') throw new CliError('the sandbox server module has no serve() function', { code: 'SandboxUnavailable', exit: 1 });
  const port = intOption(opts, 'port', { min: 0, max: 65535 }) ?? 4010;
  const host = opts.host ?? '127.0.0.1';
  if (opts.state && existsSync(opts.state)) {
    try {
      JSON.parse(readFileSync(opts.state, 'utf8'));
    } catch (e) {
      throw new CliError(`--state ${opts.state} is not valid JSON (${e.message})`);
    }
  }
  // serve() loads the state file when present and rewrites it after every change.
  const srv = await mod.serve({ port, host, ...(opts.state ? { state: opts.state } : {}), log: opts.quiet ? undefined : (line) => process.stderr.write(`${line}\n`) });
  await write(`${srv.url}\n`);
  process.stderr.write(`${NAME} sandbox: serving the emulator at ${srv.url}${opts.state ? ` (state: ${opts.state})` : ''}; Ctrl-C to stop\n`);
  await new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await srv.close?.();
  return 0;
}

// ---------------------------------------------------------------------------------------------

async function main(argv) {
  const { opts, positional } = parseArgs(argv);
  if (opts.version) {
    await write(packageVersion() + '\n');
    return 0;
  }
  const [command, ...rest] = positional;
  if (!command || command === 'help') {
    const topic = command === 'help' ? rest[0] : undefined;
    if (!command && !opts.help) {
      process.stderr.write(HELP.main + '\n');
      return 2;
    }
    if (topic && !HELP[topic]) return cmdRun(topic, { ...opts, help: true }, []);
    await write((HELP[topic] ?? HELP.main) + '\n');
    return 0;
  }
  switch (command) {
    case 'actions':
      if (opts.help) { await write(HELP.actions + '\n'); return 0; }
      return cmdActions(opts);
    case 'describe':
      if (opts.help) { await write(HELP.describe + '\n'); return 0; }
      return cmdDescribe(opts, rest);
    case 'run':
      if (opts.help && rest.length === 0) { await write(HELP.run + '\n'); return 0; }
      if (!rest[0]) throw new CliError(`usage: ${NAME} run <id> [input]`);
      return cmdRun(rest[0], opts, rest.slice(1));
    case 'bulk':
      return cmdBulk(opts, rest);
    case 'export':
      return cmdExport(opts, rest);
    case 'mcp':
      return cmdMcp(opts);
    case 'sandbox':
      return cmdSandbox(opts);
    default:
      return cmdRun(command, opts, rest);
  }
}

const argv = process.argv.slice(2);
const jsonErrors = argv.includes('--json-errors');
process.stdout.on?.('error', (e) => {
  if (e?.code === 'EPIPE') process.exit(0);
});
let code;
try {
  code = await main(argv);
} catch (e) {
  code = reportError(e, jsonErrors);
}
await new Promise((r) => process.stdout.write('', r));
process.exit(code);
