// The IterableClient the commands share: the key from ITERABLE_API_KEY (added to the redacted
// secrets), the connection options, --dry-run's capturing fetch, and --sandbox with its --state
// file (loaded before the command, saved by the returned save()).
import process from 'node:process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { intOption } from './args.js';
import { loadPackage } from './catalog.js';
import { CliError, secrets } from './output.js';

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

/** The emulator's state saved in --state FILE: undefined when FILE does not exist yet. */
export function readStateFile(file) {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliError(`--state ${file} is not valid JSON (${e.message})`);
  }
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

/** Resolves to { client, save }; save() writes the sandbox's state back to --state (else a no-op). */
export async function makeClient(opts, { dryRun = null } = {}) {
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
    ...callOptions(opts),
  };
  // Bodies longer than this reject with ResponseTooLarge instead of filling memory (default 64 MiB).
  const maxBytes = intOption(opts, 'max-response-bytes', { min: 1, max: 500 * 1024 * 1024 });
  if (maxBytes !== undefined) options.maxResponseBytes = maxBytes;
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
    const state = stateFile ? readStateFile(stateFile) : undefined;
    if (state !== undefined) {
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
