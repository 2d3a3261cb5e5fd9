// `export [input]`: start_export, then the client's exportRecords() polls the job and streams
// every file's records to stdout as JSON lines, with the job's progress on stderr.
import { buildInput, intOption } from './args.js';
import { findAction } from './find.js';
import { callOptions, makeClient } from './client.js';
import { printHelp } from './help.cjs';
import { plural, printDryRun, progress, seconds, write } from './output.js';

export async function cmdExport(opts, positional) {
  if (opts.help) return printHelp('export');
  const entry = await findAction('start_export');
  const input = await buildInput(entry, opts, positional);
  const dryRun = opts['dry-run'] ? [] : null;
  const { client, save } = await makeClient(opts, { dryRun });
  const pollMs = intOption(opts, 'poll-ms', { min: 1, max: 600_000 });
  const bar = progress(opts);
  const t0 = Date.now();
  let n = 0;
  let last = null;
  let ok = false;
  try {
    const it = client.exportRecords(input, {
      ...callOptions(opts),
      ...(pollMs ? { pollMs } : {}),
      onProgress: (p) => {
        last = p;
        bar.update(`export job ${p.jobId}: ${p.state}, ${plural(p.files, 'file')}, ${plural(p.records, 'record')}`, true);
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
    ok = true;
    bar.done(`export job ${last?.jobId ?? '?'}: ${last?.state ?? 'done'}, ${plural(last?.files ?? 0, 'file')}, ${plural(n, 'record')} in ${seconds(t0)}`);
    return 0;
  } finally {
    await save(ok);
  }
}
