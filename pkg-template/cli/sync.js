// `sync status <syncId> --url URL [--export] [--watch]`: the progress of a sync run by a Worker of
// iterable-wasm/queues, read from its status route (GET <url>/syncs/<syncId>, or /exports/<syncId>
// with --export: the routes of examples/queues-sync). The route's bearer token comes from the
// SYNC_TOKEN environment variable (never an option: options show in process lists), and goes only
// to the URL given. --watch polls until the sync is complete (or failed), with progress on stderr.
import { intOption } from './args.js';
import { process } from './builtins.js';
import { printHelp } from './help.js';
import { CliError, formatJson, num, plural, progress, secrets, seconds, write } from './output.js';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

function statusUrl(opts, syncId) {
  if (!opts.url) throw new CliError('sync status needs --url: the base URL of the Worker that runs the sync (e.g. https://sync.example.workers.dev)');
  let base;
  try {
    base = new URL(opts.url);
  } catch {
    throw new CliError(`--url ${JSON.stringify(String(opts.url).slice(0, 200))} is not a URL`);
  }
  if (base.protocol !== 'https:' && !(base.protocol === 'http:' && LOOPBACK.has(base.hostname))) {
    throw new CliError(`--url must be https (or http on 127.0.0.1, localhost or [::1]): the token goes with each request, got ${base.protocol}//${base.host}`);
  }
  if (base.username || base.password || base.search || base.hash) throw new CliError('--url must be a plain base URL (no credentials, query or fragment)');
  if (!/^[\w.:-]{1,128}$/.test(syncId ?? '')) throw new CliError('usage: iterable-wasm sync status <syncId> --url URL (a syncId is 1-128 of letters, digits, _ . : -)');
  const path = `${base.pathname.replace(/\/+$/, '')}/${opts.export ? 'exports' : 'syncs'}/${syncId}`;
  return new URL(path, base.origin).href;
}

async function read(url, token, timeoutMs) {
  let res;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const timedOut = e?.name === 'TimeoutError';
    throw new CliError(`${url}: ${timedOut ? `no answer within ${timeoutMs} ms` : String(e?.cause?.message ?? e?.message ?? e)}`, { code: timedOut ? 'Timeout' : 'NetworkError', exit: 4 });
  }
  const text = await res.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {}
  if (res.status === 401 || res.status === 403) throw new CliError(`${url}: ${res.status}: the Worker refused the token in SYNC_TOKEN`, { code: 'Unauthorized', exit: 3 });
  if (res.status === 404) throw new CliError(`${url}: no such sync (404${body?.error ? `: ${body.error}` : ''})`, { code: 'SyncNotFound', exit: 3 });
  if (!res.ok || body === null || typeof body !== 'object') throw new CliError(`${url}: HTTP ${res.status}: ${String(body?.error ?? text).slice(0, 300)}`, { code: 'HttpError', exit: 3 });
  return body;
}

/** One line of progress, for a bulk sync's status or an export sync's. */
function line(s) {
  if ('batchesDone' in s) {
    const pct = s.batches ? Math.floor(((s.batchesDone + s.batchesDead) / s.batches) * 100) : 100;
    return `sync ${s.syncId}: ${pct}% of ${plural(s.batches, 'batch')}, ${num(s.succeeded)} of ${plural(s.items, 'item')} sent, ${num(s.failed)} failed, ${plural(s.retried, 'retry')}`;
  }
  return `export ${s.syncId}: ${s.state}${s.jobState ? ` (job ${s.jobState})` : ''}, ${num(s.filesStored)} of ${plural(s.files, 'file')} stored, ${plural(s.records, 'record')}${s.error ? `, last error: ${s.error}` : ''}`;
}

export async function cmdSync(opts, [sub, syncId, ...extra]) {
  if (opts.help || !sub) return printHelp('sync');
  if (sub !== 'status') throw new CliError(`unknown sync command "${String(sub).slice(0, 40)}": sync status <syncId> --url URL`);
  if (extra.length) throw new CliError(`unexpected argument "${String(extra[0]).slice(0, 40)}"`);
  const url = statusUrl(opts, syncId);
  if (opts['dry-run']) {
    await write(`GET ${url}\nauthorization: Bearer [SYNC_TOKEN]\n`);
    return 0;
  }
  const token = process.env.SYNC_TOKEN;
  if (!token) throw new CliError('set SYNC_TOKEN to the bearer token of the Worker\'s status route');
  secrets.push(token);
  const interval = intOption(opts, 'interval-ms', { min: 100, max: 3_600_000 }) ?? 2000;
  const timeoutMs = intOption(opts, 'timeout', { min: 1, max: 600_000 }) ?? 30_000;
  const bar = progress(opts);
  const t0 = Date.now();
  let s = await read(url, token, timeoutMs);
  while (opts.watch && !s.complete && !['failed', 'cancelled'].includes(s.state)) {
    bar.update(`${line(s)} ${seconds(t0)}`, true);
    await new Promise((r) => setTimeout(r, interval));
    s = await read(url, token, timeoutMs);
  }
  if (opts.watch) bar.done(`${line(s)} in ${seconds(t0)}`);
  await write(formatJson(s, opts) + '\n');
  // A watched sync that ended without completing is an error; a status read is not.
  return opts.watch && !s.complete ? 3 : 0;
}
