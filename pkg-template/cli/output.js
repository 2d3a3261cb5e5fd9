// Everything the CLI prints: the CliError class and exit codes, error reports (text or
// --json-errors, secrets redacted), results on stdout (JSON pretty on a terminal), the dry-run
// listing of captured requests, and the progress line on stderr. (The name, width, CliError and
// write() live in ./base.cjs, shared with the start-up path; re-exported here.)
import { CliError, NAME, WIDTH, clip, write } from './base.cjs';

export { CliError, NAME, WIDTH, clip, write };


// ---------------------------------------------------------------------------------------------
// Errors and exit codes

export const NETWORK_CODES = new Set(['NetworkError', 'Timeout', 'Aborted']);
const exitCodeOf = (e) => {
  if (e instanceof CliError) return e.exit;
  if (e?.name === 'IterableError' || (e && typeof e.code === 'string' && 'attempts' in e)) {
    if (e.code === 'ValidationError') return 2;
    if (NETWORK_CODES.has(e.code)) return 4;
    return 3;
  }
  return 1;
};

/** Strings never printed (the API key, once a client is made): replaced by [REDACTED]. */
export const secrets = [];
export const redact = (text) => {
  let t = String(text);
  for (const s of secrets) if (s && s.length >= 4) t = t.split(s).join('[REDACTED]');
  return t;
};

export function reportError(e, jsonErrors) {
  const exit = exitCodeOf(e);
  const isApi = e?.name === 'IterableError';
  const info = {
    code: e?.code ?? 'InternalError',
    // An IterableError's message already leads with action, status and code; JSON gives those
    // as fields and the bare detail here.
    message: isApi && typeof e.detail === 'string' ? e.detail : String(e?.message ?? e),
    ...(isApi && e.status !== undefined ? { status: e.status } : {}),
    ...(isApi && e.action ? { action: e.action } : {}),
    ...(isApi ? { attempts: e.attempts, retryable: e.retryable } : {}),
    ...(isApi && e.issues ? { issues: e.issues } : {}),
    ...(isApi && e.params != null ? { params: e.params } : {}),
    ...(e?.extra ?? {}),
    exitCode: exit,
  };
  if (jsonErrors) {
    process.stderr.write(redact(JSON.stringify({ error: info })) + '\n');
  } else {
    // Each problem once: "iterable-wasm: update_user → 400 BadParams: User update failed".
    const text = isApi ? String(e.message) : `${info.code}: ${info.message}`;
    const line = `${NAME}: ${text}`.replace(/\s*\r?\n\s*/g, ' ');
    process.stderr.write(redact(line) + '\n');
  }
  return exit;
}

// ---------------------------------------------------------------------------------------------
// Results on stdout

const stdoutIsTTY = () => !!process.stdout.isTTY;

export function formatJson(value, opts) {
  const pretty = opts.pretty || (!opts.json && stdoutIsTTY());
  return JSON.stringify(value, null, pretty ? 2 : 0);
}

/** Compact JSON text of a parsed result in pieces, without recursion: for a result nested deeper
 * (or printing longer) than JSON.stringify can manage, which throws a RangeError there. */
export function* jsonPieces(value) {
  const stack = [];
  let out = '';
  for (;;) {
    if (value !== null && typeof value === 'object') {
      const keys = Array.isArray(value) ? null : Object.keys(value);
      if ((keys ?? value).length === 0) out += keys ? '{}' : '[]';
      else {
        out += keys ? '{' : '[';
        stack.push({ value, keys, i: 0 });
      }
    } else out += JSON.stringify(value) ?? 'null';
    for (;;) {
      const top = stack.at(-1);
      if (!top) return yield out;
      if (top.i === (top.keys ?? top.value).length) {
        stack.pop();
        out += top.keys ? '}' : ']';
        continue;
      }
      if (top.i) out += ',';
      const key = top.keys?.[top.i];
      if (top.keys) out += JSON.stringify(key) + ':';
      value = top.keys ? top.value[key] : top.value[top.i];
      top.i++;
      break;
    }
    if (out.length >= 1 << 16) {
      yield out;
      out = '';
    }
  }
}

/** --dry-run's output: the requests captureFetch (client.js) recorded, as JSON or as text. */
export async function printDryRun(captured, opts) {
  if (captured.length === 0) throw new CliError('dry run: the client sent no request', { exit: 1, code: 'InternalError' });
  const shown = captured.map((c) => {
    let body = c.body;
    if (body !== undefined) {
      try { body = JSON.parse(body); } catch {}
    }
    return { ...c, ...(body !== undefined ? { body } : {}) };
  });
  if (opts.json) {
    await write(redact(JSON.stringify(shown.length === 1 ? shown[0] : shown)) + '\n');
    return;
  }
  const parts = captured.map((c) => {
    const lines = [`${c.method} ${c.url}`, ...Object.entries(c.headers).map(([k, v]) => `${k}: ${v}`)];
    if (c.body !== undefined) {
      let body = c.body;
      try { body = JSON.stringify(JSON.parse(body), null, 2); } catch {}
      if (body.length > 4000) body = body.slice(0, 4000) + `\n… (${num(c.body.length)} characters in all)`;
      lines.push('', body);
    }
    return lines.join('\n');
  });
  await write(redact(parts.join('\n\n')) + '\n');
}

// ---------------------------------------------------------------------------------------------
// Progress on stderr

/** Progress on stderr: rewritten in place on a terminal (the first update at once, then at most
 * five a second); without a terminal only the closing line. */
export function progress(opts) {
  const quiet = !!opts.quiet;
  const tty = !!process.stderr.isTTY;
  let last = 0;
  let shown = false;
  let timer = null;
  const bar = {
    update(text, force = false) {
      if (quiet || !tty) return;
      const now = Date.now();
      if (!force && now - last < 200) return;
      last = now;
      shown = true;
      process.stderr.write(`\r\x1b[2K${text}`);
    },
    /** Keeps the line moving while nothing else reports: `status()` with the time since `t0`,
     * now and every second (on a terminal; the timer never holds the process open). */
    tick(t0, status) {
      if (quiet || !tty || timer) return;
      const show = () => bar.update(`${status()} ${seconds(t0)}`, true);
      show();
      timer = setInterval(show, 1000);
      timer.unref?.();
    },
    /** Stops the ticking; the line stays until done() or the next output. */
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
    /** Stops the ticking and erases the line (before a prompt). */
    clear() {
      bar.stop();
      if (shown) process.stderr.write('\r\x1b[2K');
      shown = false;
    },
    done(text) {
      bar.stop();
      if (quiet) return;
      process.stderr.write(tty && shown ? `\r\x1b[2K${text}\n` : `${text}\n`);
    },
  };
  return bar;
}

export const num = (n) => n.toLocaleString('en-US');
/** "1 record", "2 records" (and "1,024 records"). */
export const plural = (n, word) => `${num(n)} ${word}${n === 1 ? '' : 's'}`;
export const seconds = (t0) => ((Date.now() - t0) / 1000).toFixed(1) + ' s';
