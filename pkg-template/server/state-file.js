// The sandbox's state file, for every process that keeps one (the sandbox server, the CLI's
// `--sandbox --state`, `mcp --sandbox --state`):
//   - one writer at a time: `<file>.lock` is created exclusively and holds the owner's pid and
//     host; a lock whose process is gone is taken over; a live one makes a long-running process
//     fail at once (naming the pid) and a short CLI run wait for it (bounded);
//   - every write is atomic: a temporary file in the same folder, flushed to disk, renamed over
//     the file, then the folder flushed, so a kill at any moment leaves the last good state;
//   - temporary files left by a killed writer are removed when the lock is taken;
//   - snapshots(): writes only after a change, at most one per interval while changes come, and
//     a final one on close, so a request's cost does not grow with the state.
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
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
  const tmpName = new RegExp(`^${escapeRe(base)}\\.\\d+(-\\d+)?\\.tmp$`);
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
  /** Fills a new temporary file through `fill(fileHandle)`, flushes it and renames it over the file. */
  const replace = async (fill) => {
    const tmp = tmpPath();
    try {
      const fh = await open(tmp, 'wx');
      try {
        await fill(fh);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
    } catch (e) {
      await unlink(tmp).catch(() => {});
      throw e;
    }
    syncDir();
  };
  return {
    file,
    /** The file's text, or undefined when it does not exist yet. */
    read() {
      try {
        return readFileSync(path, 'utf8');
      } catch (e) {
        if (e.code === 'ENOENT') return undefined;
        throw e;
      }
    },
    /** Replaces the file's contents atomically (temporary file, fsync, rename, folder fsync). */
    write: (text) => replace((fh) => fh.writeFile(text)),
    /** The same with the text made piece by piece: `produce(write)` calls write(piece) for each,
     * synchronously (a state's text is never one string); the pieces go to the page cache as
     * they come, the flush to disk is awaited as write()'s is. */
    writeFrom: (produce) => replace((fh) => produce((piece) => writeSync(fh.fd, piece))),
    /** The same, synchronously. */
    writeSync(text) {
      const tmp = tmpPath();
      try {
        writeNew(tmp, text);
        renameSync(tmp, path);
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

/**
 * Debounced snapshots of a long-running process's state. `dump()` returns (or resolves to) the
 * state's text; or, with the option `dumpTo(write)`, the text is written piece by piece as it is
 * made (store.writeFrom), never held whole.
 * changed('data') after a request that changed data: a write follows within `intervalMs`
 * (one per interval however many changes come); changed('clock') after one that only moved the
 * emulator's clock (a read): written with the next snapshot or on close, never on its own.
 * Taking a snapshot holds the process for a time that grows with the state (the emulator
 * serializes it), so the next one waits at least DUMP_SHARE times that long: at most a fifth
 * of the time goes to snapshots however large the state and however many the changes.
 * close() writes what is pending and releases the lock.
 */
export function snapshots(store, dump, { intervalMs = 1000, log = () => {}, dumpTo } = {}) {
  let data = false;
  let clock = false;
  let timer = null;
  let writing = Promise.resolve();
  let lastError = null;
  let notBefore = 0;
  const save = async () => {
    const t0 = Date.now();
    const spent = () => {
      notBefore = Date.now() + DUMP_SHARE * (Date.now() - t0);
    };
    if (dumpTo) {
      // Made and written in one synchronous pass: the time counted includes the writing.
      await store.writeFrom(dumpTo);
      return spent();
    }
    const text = await dump();
    spent();
    await store.write(text);
  };
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!data && !clock) return writing;
    data = clock = false;
    // The state is taken when the previous write is done, so it holds every change until then.
    writing = writing.then(save).then(
      () => {
        lastError = null;
      },
      (e) => {
        lastError = e;
        log(`state not saved to ${store.file}: ${e?.message ?? e}`);
      },
    );
    return writing;
  };
  return {
    changed(kind = 'data') {
      if (kind !== 'data') {
        clock = true;
        return;
      }
      data = true;
      if (!timer) {
        timer = setTimeout(flush, Math.max(intervalMs, notBefore - Date.now()));
        timer.unref?.();
      }
    },
    /** Writes what is pending now; resolves when it is on disk. */
    flush,
    get pending() {
      return data || clock || timer !== null;
    },
    get lastError() {
      return lastError;
    },
    async close() {
      await flush();
      await writing;
      store.release();
    },
  };
}
