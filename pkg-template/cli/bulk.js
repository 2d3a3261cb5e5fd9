// `bulk <id> --file items.jsonl`: reads the items (JSON lines or one JSON array, - for stdin) and
// sends them through the client's bulk(), with progress on stderr and the report on stdout; exits
// 3 or 4 when some items failed.
import { buildInput, intOption, readSource } from './args.js';
import { catalogActions, findAction } from './catalog.js';
import { confirm, summarize } from './call.js';
import { callOptions, makeClient } from './client.js';
import { printHelp } from './help.js';
import { CliError, NAME, NETWORK_CODES, num, plural, printDryRun, progress, seconds } from './output.js';
import { columnsOf, outputFormat, printResult } from './format.js';

/** The items of --file: one JSON array, or JSON lines (blank lines skipped). */
async function readItems(file) {
  const text = await readSource(file, '--file');
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
  // On a terminal the line says what is under way from the start, with the time so far, and
  // moves every second while a large file is read and planned or requests are in flight.
  const bar = progress(opts);
  if (opts.file !== '-') bar.update(`${entry.id}: reading ${source}…`, true);
  const items = await readItems(opts.file);
  if (items.length === 0) throw new CliError(`--file ${opts.file}: no items`, { code: 'ValidationError' });
  const dryRun = opts['dry-run'] ? [] : null;
  const { client, save } = await makeClient(opts, { dryRun });
  const t0 = Date.now();
  let ok = false;
  try {
    const sends = !!entry.sends;
    if (entry.irreversible || sends) {
      const extra = Object.keys(input).length ? ` with ${summarize(input)}` : '';
      await confirm(entry, opts, `${plural(items.length, 'item')} from ${source} through ${entry.id} (${entry.title})${extra}`, sends);
    }
    let status = `${entry.id}: sending ${plural(items.length, 'item')}…`;
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
