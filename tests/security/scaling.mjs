// The cost of one change against the size of the state (issue 24.4): for each size (MB, default
// 10 100 1024), a state file of 16 users with large dataFields is written (streamed: no string
// holds it), a sandbox server loads it (--state), 50 changes are sent one after another (each
// answered once its journal record is on disk), then the server is stopped (SIGINT: a final
// snapshot of the whole state). Prints one JSON line per size: load time, per-change median and
// p90 ms, the journal's growth, the final snapshot's time and the server's peak RSS.
//   node tests/security/scaling.mjs [sizeMB ...]
// Not part of the test run (a 1 GB state needs ~4 GB of memory and a minute); the suite's
// journal.test.mjs compares a 1 MB and a 96 MB state.
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MB, timedFetch, watchRss } from './lib.mjs';
import { TARGETS } from './attacks.mjs';

const sizes = process.argv.slice(2).map(Number);
const USERS = 16;

/** Writes a state of about `sizeMB` to `file` in pieces. */
function writeState(file, sizeMB) {
  const fd = openSync(file, 'w');
  const pad = Buffer.alloc(Math.ceil((sizeMB * MB) / USERS), 'q');
  writeSync(fd, '{"users":[');
  for (let i = 0; i < USERS; i++) {
    writeSync(fd, `${i ? ',' : ''}{"email":"big${i}@example.com","dataFields":{"pad":"`);
    writeSync(fd, pad);
    writeSync(fd, '"}}');
  }
  writeSync(fd, ']}');
  closeSync(fd);
}

for (const sizeMB of sizes.length ? sizes : [10, 100, 1024]) {
  const dir = mkdtempSync(join(tmpdir(), 'sec-scale-'));
  const file = join(dir, 'state.json');
  try {
    writeState(file, sizeMB);
    const t0 = Date.now();
    const srv = await TARGETS.sandbox.start(['--state', file], { timeoutMs: 600_000 });
    const loadMs = Date.now() - t0;
    const watch = watchRss(srv.pid);
    const journal = () => statSync(`${file}.journal`).size;
    const j0 = journal();
    const ms = [];
    for (let i = 0; i < 50; i++) {
      const body = JSON.stringify({ email: `big${i % USERS}@example.com`, eventName: 'e', dataFields: { n: i } });
      const r = await timedFetch(`${srv.url}/api/events/track`, { method: 'POST', headers: { 'Api-Key': 'k', 'content-type': 'application/json' }, body }, 120_000);
      if (r.status !== 200) throw new Error(`change ${i}: ${r.status} ${r.text ?? r.error}`);
      ms.push(r.ms);
    }
    const grew = journal() - j0;
    const t1 = Date.now();
    const code = await srv.stop();
    const stopMs = Date.now() - t1;
    const m = watch.stop();
    ms.sort((a, b) => a - b);
    console.log(JSON.stringify({ stateMB: Math.round(statSync(file).size / MB), loadMs, perChangeMedianMs: ms[25], perChangeP90Ms: ms[45], perChangeMaxMs: ms[49], journalBytesPerChange: Math.round(grew / 50), finalSnapshotMs: stopMs, exit: code, peakRssMB: Math.round(m.peak / MB) }));
  } catch (e) {
    console.log(JSON.stringify({ sizeMB, error: String(e?.message ?? e).slice(0, 300) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
