// The IterableClient the commands share: the key from ITERABLE_API_KEY (added to the redacted
// secrets), the connection options, --dry-run's capturing fetch, and --sandbox with its --state
// file (locked and loaded before the command, each change journaled as it is made, ended by the
// returned save(); see ../server/state-file.js).
import process from 'node:process';
import { openState } from '../server/state-file.js';
import { intOption } from './args.js';
import { loadPackage } from './catalog.cjs';
import { profileFor } from './keys.js';
import { CliError, NAME, redact, secrets } from './output.js';

/** How long a CLI run waits for another process's lock on its --state file. */
export const STATE_LOCK_WAIT_MS = 10_000;

const REDACTED_HEADERS = new Set(['api-key', 'authorization']);

/** A fetch that records each request and sends nothing (for --dry-run). */
export function captureFetch(captured) {
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

/** How much --verbose / ITERABLE_DEBUG logs: 0 nothing, 1 each attempt, 2 with bodies
 * (ITERABLE_DEBUG=body). */
export function debugLevel(opts, env = process.env) {
  const d = String(env.ITERABLE_DEBUG ?? '').trim().toLowerCase();
  if (d === 'body' || d === 'bodies') return 2;
  if (opts.verbose || (d && d !== '0' && d !== 'false' && d !== 'no')) return 1;
  return 0;
}

const clipBody = (t) => (t.length > 2000 ? `${t.slice(0, 2000)}… (${t.length} characters)` : t);

/** The client hooks that log each attempt on stderr (key redacted): onRequest, onResponse,
 * onRetry, and with bodies a fetch that logs each response body. */
function debugHooks(level, log = (line) => process.stderr.write(redact(`[${NAME}] ${line}`) + '\n')) {
  const hooks = {
    onRequest: (r) => {
      log(`→ ${r.method} ${r.url} (${r.action}, attempt ${r.attempt})`);
      if (level >= 2 && r.body !== undefined) log(`  request body: ${clipBody(String(r.body))}`);
    },
    onResponse: (r) => log(`← ${r.status} ${r.method} ${r.url} in ${r.durationMs} ms (${r.action}, attempt ${r.attempt})`),
    onRetry: (r) => {
      const e = r.error ?? {};
      log(`↻ ${r.action}: attempt ${r.attempt} failed (${e.code ?? 'error'}${e.status ? ` ${e.status}` : ''}: ${String(e.message ?? '').slice(0, 160)}); retrying in ${r.delayMs} ms`);
    },
  };
  if (level >= 2) {
    hooks.fetch = async (url, init) => {
      const res = await globalThis.fetch(url, init);
      try {
        log(`  response body (${res.status}): ${clipBody(await res.clone().text())}`);
      } catch {}
      return res;
    };
  }
  return hooks;
}

/** The per-call options: --timeout and --max-retries. */
export const callOptions = (opts) => {
  const o = {};
  const t = intOption(opts, 'timeout', { min: 1, max: 3_600_000 });
  const r = intOption(opts, 'max-retries', { min: 0, max: 10 });
  if (t !== undefined) o.timeoutMs = t;
  if (r !== undefined) o.maxRetries = r;
  return o;
};

/**
 * Resolves to { client, save }. With --sandbox --state FILE, FILE is locked for this process
 * first: a short run (the default) waits up to STATE_LOCK_WAIT_MS for another holder, a
 * long-running one (`longRunning`: mcp) fails at once naming it. Each change the emulator makes
 * is appended to FILE's journal and on disk before the call that made it returns.
 *   save(ok): the end: a short run that succeeded and moved the emulator's clock records it (the
 *     clock is how exports and campaigns progress from one run to the next; a refused command
 *     writes nothing); a long-running one writes a snapshot. Then the lock is released.
 */
export async function makeClient(opts, { dryRun = null, longRunning = false } = {}) {
  const loaded = await loadPackage();
  const { IterableClient } = loaded;
  const env = process.env;
  // ITERABLE_API_KEY wins; else the profile (--profile, ITERABLE_PROFILE, or the one in use).
  const profile = env.ITERABLE_API_KEY || opts.sandbox ? undefined : profileFor(opts, env);
  const apiKey = env.ITERABLE_API_KEY || profile?.apiKey;
  if (apiKey) secrets.push(apiKey);
  if (!apiKey && !opts.sandbox && !dryRun) {
    throw new CliError(`set ITERABLE_API_KEY to your Iterable API key, or add a profile (\`${NAME} keys add <name>\`); or use --sandbox, or --dry-run`, { code: 'MissingApiKey' });
  }
  const region = opts.region ?? (env.ITERABLE_REGION || profile?.region || undefined);
  if (region !== undefined && region !== 'us' && region !== 'eu') throw new CliError(`--region must be us or eu, got "${String(region).slice(0, 20)}"`);
  const baseUrl = opts['base-url'] ?? (env.ITERABLE_BASE_URL || (opts.region || env.ITERABLE_REGION ? undefined : profile?.baseUrl) || undefined);
  const options = {
    apiKey: apiKey || (opts.sandbox ? 'sandbox-key' : 'dry-run-key'),
    ...(region ? { region } : {}),
    ...(baseUrl ? { baseUrl } : {}),
    ...callOptions(opts),
  };
  // Bodies longer than this reject with ResponseTooLarge instead of filling memory (default 64 MiB).
  const maxBytes = intOption(opts, 'max-response-bytes', { min: 1, max: 500 * 1024 * 1024 });
  if (maxBytes !== undefined) options.maxResponseBytes = maxBytes;
  const level = debugLevel(opts);
  if (level && !dryRun) {
    const hooks = debugHooks(level);
    // The sandbox answers through its own fetch: bodies are logged for the network only.
    if (opts.sandbox) delete hooks.fetch;
    Object.assign(options, hooks);
  }
  if (dryRun) {
    const f = captureFetch(dryRun);
    options.fetch = f;
    options.maxRetries = 0;
    options.rateLimit = false;
    // Also the global fetch: a build whose client has no `fetch` option must not send either.
    globalThis.fetch = f;
  }
  let stateFile;
  let emulator;
  if (opts.sandbox && dryRun) {
    throw new CliError('--dry-run and --sandbox do not go together (the sandbox sends nothing anyway)');
  } else if (opts.sandbox && opts.state) {
    // The emulator made here rather than by the client: its journal hook and byte-wise load.
    stateFile = opts.state;
    try {
      const [{ createSandbox }, { instantiate }] = await Promise.all([import('../sandbox/index.js'), import(typeof globalThis.Deno !== 'undefined' ? '../sandbox/load.deno.js' : '../sandbox/load.node.js')]);
      emulator = await createSandbox({}, instantiate);
    } catch (e) {
      throw new CliError(`--sandbox: the emulator did not start (${String(e?.message ?? e).split('\n')[0]})`, { code: 'SandboxUnavailable', exit: 1 });
    }
    options.fetch = emulator.fetch;
  } else if (opts.sandbox) {
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
  if (opts.sandbox && !emulator) {
    if (!client.sandbox || typeof client.sandbox.dump !== 'function') {
      throw new CliError('--sandbox: this build of iterable-wasm has no sandbox emulator (client.sandbox is missing)', { code: 'SandboxUnavailable', exit: 1 });
    }
    // The emulator loads on first use: load it now, so that a broken one fails here, clearly.
    try {
      await client.sandbox.dump();
    } catch (e) {
      throw new CliError(`--sandbox: the emulator did not start (${e?.message ?? e})`, { code: 'SandboxUnavailable', exit: 1 });
    }
  }
  if (!stateFile) return { client, save: async () => {} };

  let state;
  try {
    state = await openState(stateFile, emulator, { wait: longRunning ? 0 : STATE_LOCK_WAIT_MS, longRunning, log: (line) => process.stderr.write(redact(`[${NAME}] ${line}`) + '\n') });
  } catch (e) {
    if (e?.code === 'StateFileBusy') throw new CliError(`--state ${e.message}`, { code: 'StateFileBusy', exit: 1, extra: { pid: e.pid } });
    const msg = String(e?.message ?? e);
    throw new CliError(msg.startsWith('state file ') ? `--${msg}` : `--state ${stateFile}: ${msg}`, { code: 'BadStateFile', exit: 1 });
  }
  return { client, save: (ok = true) => state.close({ ok }) };
}
