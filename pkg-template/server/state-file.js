// The sandbox's state file, for every process that keeps one (the sandbox server, the CLI's
// `--sandbox --state`, `mcp --sandbox --state`):
//   - one writer at a time: `<file>.lock` is created exclusively and holds the owner's pid and
//     host; a lock whose process is gone is taken over; a live one makes a long-running process
//     fail at once (naming the pid) and a short CLI run wait for it (bounded);
//   - `<file>` is a snapshot (the emulator's dump) and `<file>.journal` the changes made since:
//     each accepted change is appended as one record, so its cost does not grow with the state
//     (see openState below);
//   - every rewrite is atomic: a temporary file in the same folder, flushed to disk, renamed over
//     the file, then the folder flushed, so a kill at any moment leaves the last good state;
//   - temporary files left by a killed writer are removed when the lock is taken.
import { closeSync, fdatasync, fsync, fsyncSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { frameRecord, parseJournal } from './journal-records.js';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import process from 'node:process';

/** Another live process holds the state file's lock. */
export class StateFileBusy extends Error {
  constructor(file, pid, waitedMs) {
    super(`state file ${file} is in use by process ${pid ?? '(unknown)'}${waitedMs ? ` (waited ${Math.round(waitedMs / 1000)} s)` : ''}; stop that process, or use another file (if no such process runs, remove ${file}.lock)`);
    this.name = 'StateFileBusy';
    this.code = 'StateFileBusy';
    this.file = file;
    this.pid = pid;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** After a snapshot that took T ms, the next waits at least this many times T. */
const DUMP_SHARE = 4;
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Creates `p` (it must not exist) holding `text`, flushed to disk. */
function writeNew(p, text) {
  const fd = openSync(p, 'wx');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Whether a process runs on this machine (EPERM: it runs, as another user). */
function alive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e?.code === 'EPERM';
  }
}

/** The lock's holder { pid, host }, null when the lock is gone, or { pid: null } if unreadable. */
function holderOf(lock) {
  let text;
  try {
    text = readFileSync(lock, 'utf8');
  } catch (e) {
    if (e.code === 'ENOENT') return null;
    throw e;
  }
  const [pid, host] = text.split('\n');
  return { pid: /^\d+$/.test(pid ?? '') ? Number(pid) : null, host: host ?? '', text };
}

/** A holder that can no longer write: a dead process of this machine, or a lock left empty by a
 * process killed while creating it (given a moment, as its creator may be writing it now). */
function stale(lock, h) {
  if (h.pid === null) {
    try {
      return Date.now() - statSync(lock).mtimeMs > 2000;
    } catch {
      return true;
    }
  }
  return h.host === hostname() && h.pid !== process.pid && !alive(h.pid);
}

/** Removes a stale lock, one breaker at a time (`.break` is created exclusively), and only if it
 * is still the same stale lock once inside. */
function breakStale(lock, seen) {
  const guard = `${lock}.break`;
  let fd;
  try {
    fd = openSync(guard, 'wx');
  } catch (e) {
    if (e.code !== 'EEXIST') throw e;
    // A breaker killed halfway leaves its guard: old ones are removed.
    try {
      if (Date.now() - statSync(guard).mtimeMs > 5000) unlinkSync(guard);
    } catch {}
    return;
  }
  try {
    const now = holderOf(lock);
    if (now && now.text === seen.text && stale(lock, now)) unlinkSync(lock);
  } finally {
    closeSync(fd);
    try {
      unlinkSync(guard);
    } catch {}
  }
}

/**
 * Takes the lock of `file` and returns the state file's handle. `wait` (ms): how long to wait for
 * another live holder (0: fail at once with StateFileBusy). Stale temporary files are removed.
 */
export async function openStateFile(file, { wait = 0 } = {}) {
  const path = resolve(file);
  const dir = dirname(path);
  const base = basename(path);
  const lock = `${path}.lock`;
  const me = `${process.pid}\n${hostname()}\n`;
  const t0 = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      writeNew(lock, me);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw new Error(`cannot lock state file ${file}: ${e.code ?? e.message}`);
    }
    const h = holderOf(lock);
    if (h === null) continue;
    const waited = Date.now() - t0;
    if (stale(lock, h) && waited < Math.max(wait, 5000)) {
      breakStale(lock, h);
      if (attempt > 2) await sleep(10);
      continue;
    }
    if (waited >= wait) throw new StateFileBusy(file, h.pid, waited);
    await sleep(Math.min(wait - waited, 20 + Math.random() * 40));
  }
  let held = true;
  const releaseSync = () => {
    if (!held) return;
    held = false;
    process.off('exit', releaseSync);
    try {
      if (readFileSync(lock, 'utf8') === me) unlinkSync(lock);
    } catch {}
  };
  process.on('exit', releaseSync);

  // Temporary files of this state file are ours to remove now: their writers are gone.
  const tmpName = new RegExp(`^${escapeRe(base)}(\\.journal)?\\.\\d+(-\\d+)?\\.tmp$`);
  for (const f of readdirSync(dir)) {
    if (tmpName.test(f)) {
      try {
        unlinkSync(join(dir, f));
      } catch {}
    }
  }

  let n = 0;
  const tmpPath = () => join(dir, `${base}.${process.pid}-${++n}.tmp`);
  const syncDir = () => {
    // Makes the rename itself durable; some systems cannot open a folder (then there is nothing to do).
    try {
      const fd = openSync(dir, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch {}
  };
  return {
    file,
    path,
    /**
     * Loads the file into `sandbox` a piece at a time (never whole in memory); its identity
     * ({size, sha256}), or undefined when it does not exist yet.
     */
    loadInto(sandbox) {
      let fd;
      try {
        fd = openSync(path, 'r');
      } catch (e) {
        if (e.code === 'ENOENT') return undefined;
        throw e;
      }
      try {
        const id = identityOf(fd);
        sandbox.loadFrom(fileSource(fd));
        return id;
      } finally {
        closeSync(fd);
      }
    },
    /**
     * Writes what `produce(write)` hands to write(piece) (synchronously) to a temporary file
     * beside the file, hashing it as it goes. Returns { id: {size, sha256}, commit() (flushes it
     * and renames it over the file: a promise), abort() (removes it) }.
     */
    writeFrom(produce) {
      const tmp = tmpPath();
      const fd = openSync(tmp, 'wx');
      const hash = createHash('sha256');
      let size = 0;
      const abort = () => {
        try {
          closeSync(fd);
        } catch {}
        try {
          unlinkSync(tmp);
        } catch {}
      };
      try {
        produce((piece) => {
          const b = Buffer.from(piece);
          hash.update(b);
          size += b.length;
          for (let at = 0; at < b.length; ) at += writeSync(fd, b, at);
        });
      } catch (e) {
        abort();
        throw e;
      }
      return {
        id: { size, sha256: hash.digest('hex') },
        async commit() {
          await new Promise((res, rej) => fsync(fd, (e) => (e ? rej(e) : res())));
          closeSync(fd);
          await rename(tmp, path);
          syncDir();
        },
        abort,
      };
    },
    /** The same, synchronously; `target` (default: the file) is the file or one beside it. */
    writeSync(text, target = path) {
      const tmp = target === path ? tmpPath() : join(dir, `${basename(target)}.${process.pid}-${++n}.tmp`);
      try {
        writeNew(tmp, text);
        renameSync(tmp, target);
      } catch (e) {
        try {
          unlinkSync(tmp);
        } catch {}
        throw e;
      }
      syncDir();
    },
    /** Gives the lock back (also done when the process exits). */
    release: releaseSync,
  };
}

// ---------------------------------------------------------------------------------------------
// The journal (its records' framing is in journal-records.js)
//
// `<file>.journal` holds records, each framed as `<byte length> <check> <JSON>\n`, where check is
// the first 8 hex digits of the JSON's SHA-256: a record cut short by a kill (or a torn write) is
// detected and dropped with what follows it, and the file is cut back to the last whole record;
// a damaged journal never stops a start. The first record names the snapshot the journal applies
// to: {"k":"base","size","sha256","at"} (`<file>`'s size and SHA-256, when the journal began). Then:
//   {"k":"req","clock","rng","method","url","accept","body"}  an accepted write, replayed through
//       the emulator's handler at the clock and PRNG it ran at (Sandbox::replay);
//   {"k":"tick","clock","rng"}   time moving campaigns or exports (during any request);
//   {"k":"clock","clock","rng"}  a CLI run that only moved the clock;
//   {"k":"compact","size","sha256"}  a snapshot of the state as of this point is being written.
// The emulator is deterministic given its state, clock and PRNG (ids come from its sequence,
// message ids and draws from its PRNG, time from its clock), so loading the snapshot and
// replaying the records gives the state the writer had.
//
// Durability: a change's records are written (one write) and then flushed with fdatasync before
// the request that made it is answered (one flush for all the changes that arrive while one is
// under way). A change is *acknowledged* when its answer is given (the HTTP response is sent, the
// CLI command or MCP tool call returns): it is on disk by then, and survives kill -9 and power
// loss alike. Reads and refused requests write nothing.
//
// Compaction writes a new snapshot when the journal outgrows max(compactBytes, the snapshot's
// size) (so its cost, which grows with the state, is spread over at least as many bytes of
// changes), when the journal began compactAgeMs ago and holds at least a sixteenth of the
// snapshot's size in changes (so a large state is not rewritten for a few small ones), and on a
// long-running process's clean exit: the state is dumped (between two requests) a piece at a
// time into a temporary file beside the snapshot (so it is never whole in memory), a "compact"
// record marks the point, the temporary file is flushed and renamed over the snapshot (then the
// folder flushed), then the journal is rewritten atomically as a new base plus the records appended meanwhile. A kill at any moment
// of it leaves either the old snapshot with the whole journal, or the new snapshot with the
// journal's records after the matching "compact" mark.

const EMPTY_SHA = createHash('sha256').digest('hex');
/** What a journal's records apply to: the snapshot's size and SHA-256. */
const identity = (bytes) => ({ size: bytes ? bytes.length : 0, sha256: bytes ? createHash('sha256').update(bytes).digest('hex') : EMPTY_SHA });
/** An open file as a sandbox's loadFrom source: read from its start, a piece at a time. */
export function fileSource(fd) {
  let pos = 0;
  return {
    rewind: () => (pos = 0),
    read(max) {
      const buf = Buffer.allocUnsafe(max);
      const n = readSync(fd, buf, 0, max, pos);
      pos += n;
      return buf.subarray(0, n);
    },
  };
}

/** The identity of an open file's contents, read a piece at a time. */
function identityOf(fd) {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(1 << 20);
  let size = 0;
  for (let n; (n = readSync(fd, buf, 0, buf.length, size)) > 0; size += n) hash.update(buf.subarray(0, n));
  return { size, sha256: size ? hash.digest('hex') : EMPTY_SHA };
}
const sameSnapshot = (r, id) => r.size === id.size && r.sha256 === id.sha256;

/** The records of one request's change (what the emulator reported, see Response::change). */
function changeRecords(change, request) {
  const out = [];
  if (change.tick) out.push({ k: 'tick', ...change.tick });
  if (change.req) out.push({ k: 'req', ...change.req, method: request.method, url: request.url, ...(request.accept ? { accept: request.accept } : {}), ...(request.body !== undefined ? { body: request.body } : {}) });
  return out;
}

/**
 * The state file of a process that runs the emulator: locks `file` (see openStateFile; `wait`),
 * loads the snapshot and replays the journal into `sandbox` (createSandbox's object), then
 * journals each change the sandbox reports. Options: log(line), compactBytes (default 16 MiB),
 * compactAgeMs (10 minutes), longRunning (compaction in the background as the thresholds are
 * passed, and on close; a short run compacts only when close finds a threshold passed).
 * Returns { loaded: {replayed, refused, dropped}, compact(), flush(), close({ok}), journalBytes }.
 */
export async function openState(file, sandbox, { wait = 0, log = () => {}, compactBytes = 16 * 1024 * 1024, compactAgeMs = 10 * 60_000, longRunning = false } = {}) {
  const store = await openStateFile(file, { wait });
  const jpath = `${store.path}.journal`;
  let fd = null;
  let snapshotId;
  let journalBytes = 0;
  let firstAt = 0; // when the oldest record since the base was appended (0: none)
  let touched = false; // a request was handled since the last compaction (a read moves the clock)
  const loaded = { replayed: 0, refused: 0, dropped: null };
  try {
    let snap;
    try {
      snap = store.loadInto(sandbox);
    } catch (e) {
      throw new Error(`state file ${file}: ${e?.message ?? e}`);
    }
    snapshotId = snap ?? identity(undefined);
    let journal;
    try {
      journal = readFileSync(jpath);
    } catch (e) {
      if (e.code !== 'ENOENT') throw e;
    }
    let keep = []; // the records (after the base) that apply to the snapshot
    let rewrite = journal === undefined;
    let began = Date.now();
    if (journal) {
      const { records, torn } = parseJournal(journal);
      if (torn) {
        loaded.dropped = torn;
        log(`state file ${file}: dropped the journal's unfinished last record (${torn})`);
        rewrite = true;
      }
      let from = -1;
      if (records[0]?.record.k === 'base' && sameSnapshot(records[0].record, snapshotId)) {
        from = 1;
        if (Number.isFinite(records[0].record.at)) began = records[0].record.at;
      } else {
        // A compaction was cut short after its snapshot was written: the records after its mark.
        for (let i = records.length - 1; i >= 0; i--) {
          if (records[i].record.k === 'compact' && sameSnapshot(records[i].record, snapshotId)) {
            from = i + 1;
            break;
          }
        }
        rewrite = true;
        if (from < 0 && records.length > 0) {
          // Not this snapshot's journal (the file was replaced by hand): kept aside, not applied.
          const aside = `${jpath}.orphan-${Date.now()}`;
          renameSync(jpath, aside);
          log(`state file ${file}: its journal belongs to another snapshot; moved it to ${aside}`);
        }
      }
      if (from > 0) keep = records.slice(from).filter((r) => r.record.k !== 'compact' && r.record.k !== 'base');
    }
    for (const r of keep) {
      const status = sandbox.replay(r.text);
      loaded.replayed++;
      if (status >= 400) loaded.refused++;
    }
    if (!snap) {
      // A new file: its first snapshot now (a fresh emulator's state depends on when and how it
      // was made, so replay needs the one the records were made on).
      const bytes = sandbox.dumpBytes();
      store.writeSync(bytes);
      snapshotId = identity(bytes);
      keep = [];
      rewrite = true;
    }
    if (loaded.refused) log(`state file ${file}: ${loaded.refused} of ${loaded.replayed} journal records were refused on replay (the emulator's rules changed since they were accepted)`);
    if (rewrite) {
      store.writeSync(Buffer.concat([frameRecord({ k: 'base', ...snapshotId, at: began }), ...keep.map((r) => frameRecord(r.record))]), jpath);
    }
    fd = openSync(jpath, 'a+');
    journalBytes = statSync(jpath).size;
    if (keep.length) firstAt = began;
  } catch (e) {
    if (fd !== null) closeSync(fd);
    store.release();
    throw e;
  }

  // Group commit: every append waits for an fdatasync that began after it was written.
  let inflight = null;
  let queued = null;
  const datasync = (f) => new Promise((res, rej) => fdatasync(f, (e) => (e ? rej(e) : res())));
  const durable = () => {
    if (inflight) return (queued ??= inflight.catch(() => {}).then(() => ((queued = null), durable())));
    const f = fd;
    inflight = datasync(f).finally(() => (inflight = null));
    return inflight;
  };

  let compacting = null;
  let again = false;
  let timer = null;
  let lastError = null;
  const due = () => journalBytes > Math.max(compactBytes, snapshotId.size) || (firstAt > 0 && Date.now() - firstAt >= compactAgeMs && journalBytes >= snapshotId.size / 16);
  const schedule = () => {
    if (!longRunning || compacting) return;
    if (timer && due()) {
      clearTimeout(timer);
      timer = null;
    }
    if (timer) return;
    const wait = due() ? 0 : firstAt > 0 ? Math.max(0, firstAt + compactAgeMs - Date.now()) : null;
    if (wait === null) return;
    timer = setTimeout(() => {
      timer = null;
      if (due()) compact().catch(() => {});
      else schedule();
    }, wait);
    timer.unref?.();
  };
  setImmediate(schedule);
  let last = null; // the clock and PRNG of the last record appended
  const appendFrames = (buf) => {
    writeSync(fd, buf);
    journalBytes += buf.length;
  };

  /** A snapshot of the state now (once the one under way, if any, is done); the journal then
   * holds only what came after. */
  function compact() {
    if (compacting) {
      again = true;
      return compacting.catch(() => {}).then(() => compact());
    }
    again = false;
    return (compacting = (async () => {
      // The state now, written to a temporary file as it is dumped (never whole in memory).
      const pending = store.writeFrom((write) => sandbox.dumpTo(write));
      const id = pending.id;
      // Everything before this mark is in the new snapshot.
      appendFrames(frameRecord({ k: 'compact', ...id }));
      const markEnd = journalBytes;
      const since = { firstAt, touched };
      touched = false;
      firstAt = 0;
      try {
        await durable();
        await pending.commit();
      } catch (e) {
        pending.abort();
        touched ||= since.touched;
        firstAt ||= since.firstAt;
        throw e;
      }
      snapshotId = id;
      // The journal again: a base for the new snapshot and the records appended since the mark.
      const tail = Buffer.alloc(journalBytes - markEnd);
      if (tail.length) readSync(fd, tail, 0, tail.length, markEnd);
      const began = Date.now();
      store.writeSync(Buffer.concat([frameRecord({ k: 'base', ...id, at: began }), tail]), jpath);
      const old = fd;
      fd = openSync(jpath, 'a+');
      journalBytes = statSync(jpath).size;
      Promise.resolve(inflight).catch(() => {}).then(() => closeSync(old));
      if (tail.length && !firstAt) firstAt = began;
    })()
      .then(
        () => {
          lastError = null;
        },
        (e) => {
          lastError = e;
          log(`state not compacted into ${file} (the journal keeps every change): ${e?.message ?? e}`);
          throw e;
        },
      )
      .finally(() => {
        compacting = null;
        if (!again) schedule();
      }));
  }

  let closed = false;
  sandbox.track((change, request) => {
    if (closed) return undefined;
    touched = true;
    if (!change) return undefined;
    const records = changeRecords(change, request);
    if (!records.length) return undefined;
    last = records.at(-1);
    appendFrames(Buffer.concat(records.map(frameRecord)));
    if (!firstAt) firstAt = Date.now();
    schedule();
    return durable();
  });

  return {
    file,
    loaded,
    get journalBytes() {
      return journalBytes;
    },
    get snapshotBytes() {
      return snapshotId.size;
    },
    get lastError() {
      return lastError;
    },
    compact,
    /** The state was replaced outside the journal (a load or reset): a snapshot of it now, and
     * one more on close. */
    replaced() {
      touched = true;
      return compact();
    },
    /** Resolves when every change so far is on disk. */
    flush: () => (compacting ?? Promise.resolve()).catch(() => {}).then(durable),
    /**
     * Ends: a long-running process compacts if anything happened since the last snapshot (its
     * reads moved the clock); a short run (the CLI) that succeeded (`ok`) and moved the clock
     * records the clock (the next run goes on from it), and compacts only when a threshold is
     * passed. Then the journal is flushed and the lock released.
     */
    async close({ ok = true } = {}) {
      if (closed) return;
      try {
        if (timer) clearTimeout(timer);
        timer = null;
        await (compacting ?? Promise.resolve()).catch(() => {});
        if (!longRunning && ok && touched) {
          const now = JSON.parse(sandbox.clockState());
          if (now.clock !== last?.clock || now.rng !== last?.rng) {
            appendFrames(frameRecord({ k: 'clock', ...now }));
            if (!firstAt) firstAt = Date.now();
          }
        }
        if (longRunning ? touched || firstAt > 0 : due()) await compact().catch(() => {});
        await durable();
      } finally {
        closed = true;
        sandbox.track(null);
        const f = fd;
        await Promise.resolve(inflight).catch(() => {});
        try {
          closeSync(f);
        } catch {}
        store.release();
      }
    },
  };
}

export { frameRecord, parseJournal };
