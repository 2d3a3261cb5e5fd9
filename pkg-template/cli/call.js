// Running one action (`<id> [input]` and `run <id>`): its input, the confirmation an irreversible
// action or a send asks for (also used by `bulk`), --dry-run, and the output: one result, --all's pages as
// JSON lines, or a streamed body (JSON lines, CSV, text) with progress on stderr.
import process from 'node:process';
import { createInterface } from 'node:readline';
import { buildInput, stdinUsed } from './args.js';
import { STREAMED, catalogActions, flagsOf, isPaginated, loadPackage } from './catalog.cjs';
import { findAction } from './find.js';
import { callOptions, captureFetch, makeClient } from './client.js';
import { describeText } from './describe.js';
import { HELP } from './help.cjs';
import { CliError, plural, printDryRun, progress, redact, seconds, write } from './output.js';
import { callLines, callSends, summarizeInput } from '../sends.js';
import { columnsOf, formatResult, outputFormat, printResult } from './format.js';

/** A short, redacted "key=value, key=value" of an input (what a prompt shows). */
export const summarize = (input, max = 160) => redact(summarizeInput(input, max));

/** Asks on the terminal before an irreversible action or a send (`sends`: this call makes
 * Iterable send messages to people); `what` says exactly what will happen. Without a terminal
 * (or when stdin carried the input) --yes is required. */
export async function confirm(entry, opts, what, sends = false) {
  if (opts.yes || opts['dry-run']) return;
  const why = [entry.irreversible ? 'is irreversible' : null, sends ? 'sends messages to people' : null].filter(Boolean).join(' and ');
  if (!process.stdin.isTTY || !process.stderr.isTTY || stdinUsed()) {
    throw new CliError(`${entry.id} ${why}: pass --yes to run it ${stdinUsed() ? 'when stdin carries the input' : 'without a terminal to confirm on'}`, { code: 'ConfirmationRequired' });
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await new Promise((resolve) => {
    rl.question(`${what}\nThis ${why} (${entry.id}). Run it? [y/N] `, resolve);
    rl.once('close', () => resolve(''));
  });
  rl.close();
  if (!/^y(es)?$/i.test(String(answer).trim())) throw new CliError('not confirmed; nothing was sent', { code: 'Cancelled', exit: 1 });
}

/** Validates an input and builds its request without sending (the client's own validation): an
 * invalid input throws here, before any prompt. Resolves to the request { method, url, body }. */
async function preflight(entry, input, call) {
  const { IterableClient } = await loadPackage();
  const captured = [];
  const client = new IterableClient({ apiKey: 'preflight-check', fetch: captureFetch(captured), maxRetries: 0, rateLimit: false });
  try {
    await client.execute(entry.id, input, call);
  } catch (e) {
    if (captured.length === 0) throw e;
  }
  return captured[0];
}

/** What a call will do, for its prompt: "Delete a list: DELETE /api/lists/10" and its input; for
 * a send, what goes out (the campaign, template, journey ids as resolved) and to whom. */
function describeRequest(entry, input, req, sends = false) {
  const target = req ? `${req.method} ${new URL(req.url).pathname}${new URL(req.url).search}` : entry.method;
  return [`${entry.title}: ${target}`, ...callLines(input, sends, summarize)].join('\n');
}

async function streamOut(client, entry, input, opts, call) {
  const t0 = Date.now();
  const bar = progress(opts);
  const records = entry.response === 'jsonl' ? !opts.raw : outputFormat(opts) === 'jsonl' && !opts.raw;
  const showProgress = entry.response !== 'text';
  const s = client.stream(entry.id, input, call);
  if (records) {
    let n = 0;
    for await (const r of s) {
      await write(JSON.stringify(r) + '\n');
      n++;
      if (showProgress) bar.update(`${entry.id}: ${plural(n, 'record')}`);
    }
    if (showProgress) bar.done(`${entry.id}: ${plural(n, 'record')} in ${seconds(t0)}`);
    return;
  }
  const body = await s.body();
  const reader = body.getReader();
  // A text result in json (the default in a pipe): one JSON string of the whole text, written as
  // it streams, so `| jq .` reads it (--raw: the body as sent).
  const asString = entry.response === 'text' && !opts.raw && outputFormat(opts) === 'json';
  const decoder = asString ? new TextDecoder() : null;
  if (asString) await write('"');
  let bytes = 0;
  let lines = 0;
  let lastByte = 10;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    for (let i = 0; i < value.length; i++) if (value[i] === 10) lines++;
    if (value.length) lastByte = value[value.length - 1];
    if (asString) await write(JSON.stringify(decoder.decode(value, { stream: true })).slice(1, -1));
    else if (!process.stdout.write(value)) await new Promise((r) => process.stdout.once('drain', r));
    if (showProgress) bar.update(`${entry.id}: ${plural(bytes, 'byte')}, ${plural(lines, 'line')}`);
  }
  if (asString) await write(JSON.stringify(decoder.decode()).slice(1, -1) + '"\n');
  else if (lastByte !== 10 && bytes > 0) await write('\n');
  if (showProgress) bar.done(`${entry.id}: ${plural(bytes, 'byte')}, ${plural(lines + (lastByte !== 10 && bytes > 0 ? 1 : 0), 'line')} in ${seconds(t0)}`);
}

async function paginateOut(client, entry, input, opts, call) {
  const t0 = Date.now();
  const bar = progress(opts);
  const format = outputFormat(opts);
  const columns = columnsOf(opts, format);
  const collected = format === 'table' ? [] : null;
  let items = 0;
  let pages = 0;
  for await (const page of client.paginate(entry.id, input, call).pages()) {
    pages++;
    const key = entry.pagination.items;
    const list = key ? (Array.isArray(page?.[key]) ? page[key] : []) : Array.isArray(page) ? page : [];
    for (const item of list) {
      if (collected) collected.push(item);
      else await write(formatResult([item], 'jsonl', columns));
      items++;
    }
    bar.update(`${entry.id}: ${plural(items, 'item')}, ${plural(pages, 'page')}`);
  }
  if (collected) await write(formatResult(collected, 'table', columns));
  bar.done(`${entry.id}: ${plural(items, 'item')}, ${plural(pages, 'page')} in ${seconds(t0)}`);
}

/** Under a table of one page: how to get the next one (the page after, or --all). */
function nextPageHint(entry, input, value) {
  const p = entry.pagination;
  if (!isPaginated(entry) || !value || typeof value !== 'object') return;
  let next;
  if (p.style === 'page' && value.nextPageUrl) next = `page=${(Number(input.page) || 1) + 1}`;
  else if (p.style === 'nextMarker' && value.nextMarker) next = `nextMarker=${value.nextMarker}`;
  if (next) process.stderr.write(`more items: add ${next} for the next page, or --all for every page\n`);
}

export async function cmdRun(id, opts, positional) {
  const entry = await findAction(id);
  if (opts.help) {
    await write(describeText(entry) + '\n' + HELP.run + '\n');
    return 0;
  }
  // Options first, then the input (which may wait on stdin).
  const dryRun = opts['dry-run'] ? [] : null;
  const call = callOptions(opts);
  const format = outputFormat(opts);
  columnsOf(opts, format);
  if (opts.all && !isPaginated(entry)) {
    throw new CliError(`--all: ${entry.id} is not paginated (paginated actions: ${catalogActions().filter(isPaginated).map((a) => a.id).join(', ')})`);
  }
  const input = await buildInput(entry, opts, positional);
  // Everything is checked before a prompt: the key and connection, then the input.
  const { client, save } = await makeClient(opts, { dryRun });
  let ok = false;
  try {
    const sends = callSends(entry, input);
    if ((entry.irreversible || sends) && !opts.yes && !dryRun) {
      const req = await preflight(entry, input, call);
      await confirm(entry, opts, describeRequest(entry, input, req, sends), sends);
    }
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
      const value = await client.execute(entry.id, input, call);
      await printResult(value, opts);
      if (format === 'table') nextPageHint(entry, input, value);
    }
    ok = true;
    if (opts.sandbox && !opts.state && !flagsOf(entry).includes('read') && process.stderr.isTTY && !opts.quiet) {
      process.stderr.write(`note: the in-process sandbox forgets this when the command ends; --state file.json keeps it for the next run\n`);
    }
    return 0;
  } finally {
    await save(ok);
  }
}
