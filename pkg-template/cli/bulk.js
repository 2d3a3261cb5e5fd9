// `bulk <id> --file items.jsonl`: reads the items (JSON lines or one JSON array, - for stdin) and
// sends them through the client's bulk(), with progress on stderr and the report on stdout; exits
// 3 or 4 when some items failed.
import { buildInput, intOption, sourceChunks } from './args.js';
import { catalogActions } from './catalog.cjs';
import { findAction } from './find.js';
import { confirm, summarize } from './call.js';
import { callOptions, makeClient } from './client.js';
import { printHelp } from './help.cjs';
import process from 'node:process';
import { Buffer } from 'node:buffer';
import { CliError, NAME, NETWORK_CODES, num, plural, printDryRun, progress, seconds } from './output.js';
import { columnsOf, outputFormat, printResult } from './format.js';

/** The items of --file: one JSON array, or JSON lines (blank lines skipped), parsed as the
 * pieces arrive; `onRead(text)` after each piece says how far it got ("12,000 items"). */
async function readItems(file, onRead) {
  const items = [];
  let rest = '';
  let array = null; // the text of a JSON array, once the first character said it is one
  let line = 0;
  let bytes = 0;
  const parse = (text) => {
    line++;
    if (!text.trim()) return;
    try {
      items.push(JSON.parse(text));
    } catch (e) {
      throw new CliError(`--file ${file}: line ${line} is not valid JSON (${e.message})`, { code: 'ValidationError' });
    }
  };
  for await (const chunk of sourceChunks(file, '--file')) {
    bytes += Buffer.byteLength(chunk);
    if (array === null) {
      const head = (rest + chunk).trimStart();
      if (!head) {
        rest += chunk;
        continue;
      }
      array = head.startsWith('[') ? '' : false;
    }
    if (array !== false) {
      array += rest + chunk;
      rest = '';
      onRead(`${(bytes / 1048576).toFixed(1)} MiB`);
      continue;
    }
    const lines = (rest + chunk).split('\n');
    rest = lines.pop();
    for (const l of lines) parse(l);
    onRead(plural(items.length, 'item'));
  }
  if (typeof array === 'string') {
    try {
      return JSON.parse(array.trimStart());
    } catch (e) {
      throw new CliError(`--file ${file}: not a valid JSON array (${e.message})`, { code: 'ValidationError' });
    }
  }
  parse(rest);
  return items;
}

export async function cmdBulk(opts, positional) {
  if (opts.help) return printHelp('bulk');
  const [id, ...pairs] = positional;
  if (!id) throw new CliError(`usage: ${NAME} bulk <id> --file items.jsonl`);
  const entry = await findAction(id);
  if (!entry.bulk) {
    throw new CliError(`${id} is not a bulk action; bulk actions: ${catalogActions().filter((a) => a.bulk).map((a) => a.id).join(', ')}`, { code: 'ValidationError' });
  }
  if (!opts.file) throw new CliError('bulk needs --file items.jsonl (JSON lines, a JSON array, or - for stdin)');
  // Options first, then the input (which may wait on stdin).
  const concurrency = intOption(opts, 'concurrency', { min: 1, max: 16 });
  columnsOf(opts, outputFormat(opts));
  const input = await buildInput(entry, opts, pairs);
  const source = opts.file === '-' ? 'stdin' : opts.file;
  // On a terminal the line says what is under way from the start, with the time so far: while
  // the file is read (the items so far, as each piece is parsed), and every second while the
  // requests are planned and in flight. (Not while stdin is read from the terminal: the user types.)
  const t0 = Date.now();
  const bar = progress(opts);
  let status = `${entry.id}: reading ${source}…`;
  const typed = opts.file === '-' && process.stdin.isTTY;
  if (!typed) bar.tick(t0, () => status);
  const items = await readItems(opts.file, (sofar) => {
    status = `${entry.id}: reading ${source}: ${sofar}…`;
    if (!typed) bar.update(`${status} ${seconds(t0)}`, true);
  });
  bar.stop();
  if (items.length === 0) throw new CliError(`--file ${opts.file}: no items`, { code: 'ValidationError' });
  const dryRun = opts['dry-run'] ? [] : null;
  const { client, save } = await makeClient(opts, { dryRun });
  let ok = false;
  try {
    const sends = !!entry.sends;
    if (entry.irreversible || sends) {
      const extra = Object.keys(input).length ? ` with ${summarize(input)}` : '';
      bar.clear();
      await confirm(entry, opts, `${plural(items.length, 'item')} from ${source} through ${entry.id} (${entry.title})${extra}`, sends);
    }
    // Shown before the requests are planned (a synchronous step, about a second for 200,000
    // items), then moved on every second and by each request's answer.
    status = `${entry.id}: sending ${plural(items.length, 'item')}…`;
    if (!dryRun) bar.tick(t0, () => status);
    const report = await client.bulk(entry.id, items, {
      ...callOptions(opts),
      input,
      ...(concurrency ? { concurrency } : {}),
      onProgress: dryRun ? undefined : (p) => {
        status = `${entry.id}: ${p.done}/${plural(p.requests, 'request')}, ${plural(p.sent, 'item')} sent, ${num(p.succeeded)} succeeded, ${num(p.failed)} failed,`;
        bar.update(`${status} ${seconds(t0)}`, true);
      },
    }).finally(() => bar.stop());
    if (dryRun) {
      await printDryRun(dryRun, opts);
      return 0;
    }
    ok = true;
    bar.done(`${entry.id}: ${plural(report.items, 'item')} in ${plural(report.requests, 'request')}: ${num(report.succeeded)} succeeded, ${num(report.failed)} failed (${seconds(t0)})`);
    await printResult(report, opts);
    if (report.failed === 0) return 0;
    if (report.errors.some((e) => NETWORK_CODES.has(e.code))) return 4;
    return 3;
  } finally {
    await save(ok);
  }
}
