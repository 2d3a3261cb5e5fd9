// Running one action (`<id> [input]` and `run <id>`): its input, the confirmation an irreversible
// action asks for (also used by `bulk`), --dry-run, and the output: one result, --all's pages as
// JSON lines, or a streamed body (JSON lines, CSV, text) with progress on stderr.
import process from 'node:process';
import { createInterface } from 'node:readline';
import { buildInput } from './args.js';
import { STREAMED, findAction, loadPackage } from './catalog.js';
import { callOptions, makeClient } from './client.js';
import { describeText } from './describe.js';
import { HELP } from './help.js';
import { CliError, num, printDryRun, printResult, progress, seconds, write } from './output.js';

export async function confirm(entry, opts, what = entry.id) {
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

export async function cmdRun(id, opts, positional) {
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
  let ok = false;
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
    ok = true;
    return 0;
  } finally {
    await save(ok);
  }
}
