// The large-work checks (pagination, streaming, the export workflow, bulk), shared by node.mjs and
// deno.mjs. The fake Iterable (server.mjs) runs as a child `node` process, so the client's RSS is
// measured alone and the server has its own core.
//
//   import { run } from './suite.mjs';
//   const { failed } = await run({ importPkg, label, sizes, rss, gc });
//
// Every check asserts the documented contract (the brief of this suite, the .d.ts): a failing
// row is a client behaviour that contradicts it. Nothing is weakened to make a row pass.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  jsonlExpect, jsonlPadLen, fold, FOLD_SEED, jsonlEventName, csvFields, CSV_HEADER,
  EXPORT_FILES, EXPORT_RECORDS_PER_FILE, exportFileName,
} from './server.mjs';

const KEY = 'fake-key-123';
const MB = 1024 * 1024;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

/** Starts server.mjs as a child node process; resolves {url, ctl(path, body?), log(path), stop()}. */
async function startServer() {
  const file = fileURLToPath(new URL('./server.mjs', import.meta.url));
  const child = spawn('node', [file], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('server.mjs did not start in 10 s')), 10_000);
    child.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(JSON.parse(buf.slice(0, nl)).url);
      }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server.mjs exited (${code})`)); });
  });
  const ctl = async (path, body) => {
    const r = await fetch(url + path, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
    return r.json();
  };
  return {
    url,
    ctl,
    reset: (config) => ctl('/_test/reset', {}).then(() => (config ? ctl('/_test/config', config) : null)),
    log: async (path = '') => (await ctl(`/_test/log?path=${encodeURIComponent(path)}`)).entries,
    stop: () => {
      try { child.stdin.end(); } catch { /* gone */ }
      child.kill();
    },
  };
}

/** Imports the package, waiting out a rebuild in progress (files missing or changing). */
export async function importPackage(dir, entry, { exists, mtime }) {
  const files = [entry, 'api.js', 'iterable_wasm.js', 'iterable_wasm_bg.wasm'];
  let lastError;
  for (let attempt = 0; attempt < 40; attempt++) {
    try {
      const before = files.map((f) => mtime(new URL(f, dir)));
      if (before.some((t) => t === null)) throw new Error('package files missing (rebuild in progress?)');
      await sleep(attempt === 0 ? 0 : 500);
      const after = files.map((f) => mtime(new URL(f, dir)));
      if (after.some((t, i) => t !== before[i])) throw new Error('package files changing (rebuild in progress?)');
      const mod = await import(new URL(entry, dir).href + (attempt ? `?retry=${attempt}` : ''));
      if (typeof mod.IterableClient !== 'function') throw new Error('no IterableClient export');
      return mod;
    } catch (e) {
      lastError = e;
      await sleep(1500);
    }
  }
  throw new Error(`could not import the package: ${lastError?.message ?? lastError}`);
}

class T {
  constructor(name) {
    this.name = name;
    this.failures = [];
    this.figures = '';
  }
  check(cond, msg) {
    if (!cond) this.failures.push(msg);
    return Boolean(cond);
  }
  eq(actual, expected, msg) {
    const a = JSON.stringify(actual);
    const e = JSON.stringify(expected);
    return this.check(a === e, `${msg}: got ${a?.slice(0, 300)}, expected ${e?.slice(0, 300)}`);
  }
}

/** Settles an async function into {ok, value | error, ms}. */
async function settle(fn) {
  const t0 = performance.now();
  try {
    return { ok: true, value: await fn(), ms: performance.now() - t0 };
  } catch (error) {
    return { ok: false, error, ms: performance.now() - t0 };
  }
}
const errText = (e) => `${e?.code ?? e?.name ?? 'error'}: ${String(e?.message ?? e).slice(0, 200)}`;

/** Samples rss() every ~100 ms until stopped; {stop() → {peak, samples}}. */
function sampler(rss) {
  let peak = rss();
  let samples = 1;
  const timer = setInterval(() => {
    const v = rss();
    samples++;
    if (v > peak) peak = v;
  }, 100);
  return {
    touch() { const v = rss(); if (v > peak) peak = v; },
    stop() {
      clearInterval(timer);
      const v = rss();
      if (v > peak) peak = v;
      return { peak, samples };
    },
  };
}

/** Checks that every id 0..n-1 appears exactly once across `lists` (arrays of ids). */
function exactlyOnce(lists, n) {
  const seen = new Uint8Array(n);
  let dup = 0, out = 0, firstDup = null;
  for (const ids of lists) {
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= n) { out++; continue; }
      if (seen[id]) { dup++; firstDup ??= id; }
      seen[id] = 1;
    }
  }
  let missing = 0, firstMissing = null;
  for (let i = 0; i < n; i++) if (!seen[i]) { missing++; firstMissing ??= i; }
  return { dup, missing, out, firstDup, firstMissing };
}

/** Whether each list is in caller order (strictly increasing and contiguous). */
const inOrder = (ids) => ids.every((id, j) => j === 0 || id === ids[j - 1] + 1);

// ---------------------------------------------------------------------------------------------

export async function run({ importPkg, label, sizes, rss, gc: gcFn, log = console.log }) {
  const gcAvailable = typeof gcFn === 'function';
  const gc = gcAvailable ? gcFn : () => {};
  const tStart = performance.now();
  const mod = await importPkg();
  const { IterableClient, IterableError } = mod;
  const srv = await startServer();
  const client = (extra = {}) => new IterableClient({ apiKey: KEY, baseUrl: srv.url, rateLimit: false, ...extra });
  const c = client();
  const rows = [];
  const t0 = performance.now();
  const setupSecs = (t0 - tStart) / 1000;
  const N = sizes.pages;

  async function check(name, limitMs, fn) {
    const t = new T(name);
    const started = performance.now();
    let timer;
    try {
      await srv.reset();
      const guard = new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`still running after ${limitMs} ms`)), limitMs); });
      await Promise.race([fn(t), guard]);
    } catch (e) {
      t.failures.push(`threw ${errText(e)}`);
    } finally {
      clearTimeout(timer);
    }
    const ms = Math.round(performance.now() - started);
    rows.push({ name, figures: t.figures, ok: t.failures.length === 0, failures: t.failures, ms });
    if (globalThis.process?.env?.LARGE_VERBOSE) log(`  ${t.failures.length ? 'FAIL' : 'ok  '} ${name} (${ms} ms) ${t.figures}`);
  }

  // ------------------------------------------------------------------ pagination
  await check(`paginate page style (list_all_campaigns, ${N} pages)`, 30_000, async (t) => {
    await srv.ctl('/_test/config', { pages: N });
    const ids = [];
    for await (const item of c.paginate('list_all_campaigns', { pageSize: 20 })) ids.push(item.id);
    const reqs = await srv.log('/api/campaigns');
    t.eq(ids.length, N * 20, 'items');
    t.check(ids.every((id, i) => id === i), 'items not each once in order');
    t.eq(reqs.length, N, 'requests');
    t.eq(reqs.map((r) => r.query.page), Array.from({ length: N }, (_, i) => String(i + 1)), 'page params');
    t.check(reqs.every((r) => r.query.pageSize === '20'), 'pageSize kept on every page');
    t.figures = `${ids.length} items, ${reqs.length} requests`;
  });

  await check(`paginate startAfter style (list_export_files, ${N}+1 pages)`, 30_000, async (t) => {
    await srv.ctl('/_test/config', { pages: N, filesPerPage: 3 });
    const files = [];
    for await (const f of c.paginate('list_export_files', { jobId: 900 })) files.push(f.file);
    const reqs = await srv.log('/api/export/900/files');
    const want = Array.from({ length: N * 3 }, (_, k) => `export/900/part-${String(k).padStart(5, '0')}.json`);
    t.eq(files.length, want.length, 'files');
    t.check(files.every((f, i) => f === want[i]), 'files not each once in order');
    t.eq(reqs.length, N + 1, 'requests (the last one answers no files)');
    t.eq(reqs.map((r) => r.query.startAfter ?? null), [null, ...Array.from({ length: N }, (_, p) => want[p * 3 + 2])], 'startAfter = the last file of the previous page');
    t.figures = `${files.length} files, ${reqs.length} requests`;
  });

  await check(`paginate nextMarker style (list_metadata_keys, ${N} pages)`, 30_000, async (t) => {
    await srv.ctl('/_test/config', { pages: N, metaPerPage: 10 });
    const keys = [];
    for await (const r of c.paginate('list_metadata_keys', { table: 'users' })) keys.push(r.key);
    const reqs = await srv.log('/api/metadata/users');
    t.eq(keys.length, N * 10, 'items');
    t.check(keys.every((k, i) => k === `key-${i}`), 'items not each once in order');
    t.eq(reqs.length, N, 'requests');
    t.check(reqs[0] && reqs[0].query.nextMarker === undefined, 'first request has no nextMarker');
    t.check(reqs.slice(1).every((r, i) => r.query.nextMarker?.startsWith(`mk_${i + 2}_`)), 'nextMarker passed on from each page');
    t.figures = `${keys.length} items, ${reqs.length} requests`;
  });

  await check('paginate limit style: one request (get_user_events, get_inapp_messages)', 10_000, async (t) => {
    for await (const _ of c.paginate('get_user_events', { userId: 'u-1', limit: 25 })) { /* drain */ }
    for await (const _ of c.paginate('get_inapp_messages', { email: 'a@example.com', count: 5 })) { /* drain */ }
    const a = await srv.log('/api/events/byUserId/');
    const b = await srv.log('/api/inApp/getMessages');
    t.eq([a.length, b.length], [1, 1], 'requests');
    t.eq([a[0]?.query.limit, b[0]?.query.count], ['25', '5'], 'the capped page size is sent');
    t.figures = `${a.length}+${b.length} requests`;
  });

  await check('paginate limit style: yields the page\'s items', 10_000, async (t) => {
    const events = [];
    for await (const e of c.paginate('get_user_events', { userId: 'u-1', limit: 25 })) events.push(e);
    const msgs = [];
    for await (const m of c.paginate('get_inapp_messages', { email: 'a@example.com', count: 5 })) msgs.push(m);
    const pages = [];
    for await (const p of c.paginate('get_user_events', { userId: 'u-1', limit: 25 }).pages()) pages.push(p);
    t.eq(events.map((e) => e?.n), Array.from({ length: 25 }, (_, i) => i), 'get_user_events items (server answered {events: [25]})');
    t.eq(msgs.map((m) => m?.messageId), Array.from({ length: 5 }, (_, i) => `msg-${i}`), 'get_inapp_messages items (server answered {inAppMessages: [5]})');
    t.eq(pages.length === 1 && pages[0]?.events?.length, 25, '.pages() gives the one page');
    t.figures = `${events.length} events, ${msgs.length} messages`;
  });

  await check('paginate .pages() and maxPages', 30_000, async (t) => {
    await srv.ctl('/_test/config', { pages: N, metaPerPage: 10 });
    const pages = [];
    for await (const p of c.paginate('list_all_campaigns', { pageSize: 20 }).pages()) pages.push(p);
    t.eq(pages.length, N, '.pages() count (page style)');
    t.check(pages.every((p, i) => p.campaigns?.length === 20 && p.campaigns[0].id === i * 20), 'each page whole, in order');
    // Every page yielded has items: the listing's empty end is not a page.
    let mp = 0;
    for await (const p of c.paginate('list_metadata_keys', { table: 'users' }).pages()) mp += p.results?.length ? 1 : 1000;
    t.eq(mp, N, '.pages() count (nextMarker style)');
    await srv.ctl('/_test/config', { pages: N, filesPerPage: 3 });
    let sp = 0;
    for await (const p of c.paginate('list_export_files', { jobId: 901 }).pages()) sp += p.files?.length ? 1 : 1000;
    t.eq(sp, N, '.pages() count (startAfter style: N full pages, then the empty answer not yielded)');
    await srv.reset({ pages: N });
    const items = [];
    for await (const it of c.paginate('list_all_campaigns', { pageSize: 20 }, { maxPages: 7 })) items.push(it.id);
    t.eq(items.length, 140, 'maxPages 7 → 7 pages of items');
    t.eq((await srv.log('/api/campaigns')).length, 7, 'maxPages 7 → requests');
    t.figures = `${pages.length} + ${mp} + ${sp} pages; maxPages 7 → ${items.length} items`;
  });

  await check('paginate: break / abort stop requests', 20_000, async (t) => {
    await srv.ctl('/_test/config', { pages: N });
    // 1. break out of the loop after page 5.
    let n = 0;
    for await (const _ of c.paginate('list_all_campaigns', { pageSize: 20 })) if (++n === 100) break;
    await sleep(300);
    t.eq((await srv.log('/api/campaigns')).length, 5, 'requests after break at page 5');
    // 2. abort between pages: the next page is not requested, the loop rejects with Aborted.
    await srv.reset({ pages: N });
    const ac = new AbortController();
    n = 0;
    const between = await settle(async () => {
      for await (const _ of c.paginate('list_all_campaigns', { pageSize: 20 }, { signal: ac.signal })) if (++n === 100) ac.abort();
    });
    await sleep(300);
    t.check(!between.ok && between.error instanceof IterableError && between.error.code === 'Aborted',
      `abort between pages: ${between.ok ? 'loop ended without an error' : errText(between.error)} (expected IterableError Aborted)`);
    t.eq(n, 100, 'items consumed before the abort');
    t.eq((await srv.log('/api/campaigns')).length, 5, 'requests after abort between pages');
    // 3. abort while page 6 is in flight (the server holds it 1.5 s).
    await srv.reset({ pages: N, pageDelay: { path: '/api/campaigns', page: 6, ms: 1500 } });
    const ac2 = new AbortController();
    n = 0;
    const inflight = await settle(async () => {
      for await (const _ of c.paginate('list_all_campaigns', { pageSize: 20 }, { signal: ac2.signal })) {
        if (++n === 100) setTimeout(() => ac2.abort(), 100);
      }
    });
    t.check(!inflight.ok && inflight.error?.code === 'Aborted', `abort in flight: ${inflight.ok ? 'no error' : errText(inflight.error)}`);
    t.check(inflight.ms < 1400, `abort in flight took ${Math.round(inflight.ms)} ms (server holds the page 1500 ms)`);
    await sleep(1700);
    const reqs = await srv.log('/api/campaigns');
    t.eq(reqs.length, 6, 'requests after abort in flight (page 6 was in flight)');
    t.figures = `break → 5 req; abort → ${between.error?.code ?? 'ok'}; in flight → ${inflight.error?.code ?? 'ok'} in ${Math.round(inflight.ms)} ms`;
  });

  // ------------------------------------------------------------------ streaming
  const jb = sizes.jsonlBytes;
  const expectJ = jsonlExpect(jb);
  await check(`stream JSON lines ${fmt(jb / MB, 0)} MB (export_campaign_data_to_json), flat memory`, sizes.jsonlLimitMs, async (t) => {
    await srv.ctl('/_test/config', { jsonlBytes: jb });
    gc();
    await sleep(200);
    gc();
    const baseline = rss();
    const mem = sampler(rss);
    let count = 0, h = FOLD_SEED, bad = 0, firstBad = null;
    const started = performance.now();
    for await (const r of c.stream('export_campaign_data_to_json', { dataTypeName: 'emailSend', range: 'All' })) {
      const n = count++;
      if (r.n !== n || r.email !== `user${n}@example.com` || r.eventName !== (n % 1000 === 0 ? jsonlEventName(n) : 'e')) {
        bad++;
        firstBad ??= `#${n}: ${JSON.stringify(r).slice(0, 120)}`;
      }
      h = fold(h, r.n, r.pad.length, r.pad.charCodeAt(0));
      if ((count & 0xffff) === 0) mem.touch();
    }
    const secs = (performance.now() - started) / 1000;
    const { peak, samples } = mem.stop();
    const growth = (peak - baseline) / MB;
    const [entry] = await srv.log('/api/export/data.json');
    t.eq(count, expectJ.records, 'records');
    t.check(bad === 0, `${bad} records differ from what was sent, first ${firstBad}`);
    t.eq(h, expectJ.checksum, 'checksum');
    t.check(entry?.complete && entry.sentBytes === expectJ.bytes, `server sent ${entry?.sentBytes} of ${expectJ.bytes} bytes`);
    t.check(samples >= Math.min(10, secs * 5), `only ${samples} RSS samples in ${fmt(secs)} s`);
    t.check(growth <= 64, `peak RSS growth ${fmt(growth)} MB > 64 MB (baseline ${fmt(baseline / MB)} MB, peak ${fmt(peak / MB)} MB)`);
    t.figures = `${fmt(expectJ.bytes / MB / secs)} MB/s, ${fmt(count / secs / 1000, 0)}k rec/s, ${fmt(secs)} s; RSS +${fmt(growth)} MB (base ${fmt(baseline / MB, 0)}, peak ${fmt(peak / MB, 0)}, ${samples} samples)`;
    t.metrics = { mbps: expectJ.bytes / MB / secs };
  });

  await check(`stream .body(): raw ReadableStream, ${fmt(sizes.bodyBytes / MB, 0)} MB`, sizes.jsonlLimitMs, async (t) => {
    const expect = jsonlExpect(sizes.bodyBytes);
    await srv.ctl('/_test/config', { jsonlBytes: sizes.bodyBytes });
    const body = await c.stream('export_campaign_data_to_json', { dataTypeName: 'emailSend', range: 'All' }).body();
    t.check(body instanceof ReadableStream, `body() is not a ReadableStream: ${Object.prototype.toString.call(body)}`);
    const reader = body.getReader();
    let bytes = 0, lines = 0;
    const started = performance.now();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      for (let i = value.indexOf(10); i >= 0; i = value.indexOf(10, i + 1)) lines++;
    }
    const secs = (performance.now() - started) / 1000;
    t.eq(bytes, expect.bytes, 'bytes');
    t.eq(lines, expect.records, 'lines');
    t.figures = `${bytes} bytes, ${fmt(bytes / MB / secs)} MB/s`;
  });

  // Aborting a stream: the download must stop (also when a GC ran meanwhile: undici's Request
  // signal following is weak), the loop must reject with IterableError Aborted and yield
  // nothing once abort() was called; break must stop the download too.
  const JSONL_INPUT = { dataTypeName: 'emailSend', range: 'All' };
  await check(`stream: abort mid-body stops the download (${gcAvailable ? 'with' : 'without'} a GC first)`, 30_000, async (t) => {
    await srv.ctl('/_test/config', { jsonlBytes: 512 * MB });
    const ac = new AbortController();
    let n = 0, bailed = false;
    const r = await settle(async () => {
      for await (const _ of c.stream('export_campaign_data_to_json', JSONL_INPUT, { signal: ac.signal })) {
        if (++n === 5_000) { gc(); await sleep(20); gc(); }
        if (n === 10_000) ac.abort();
        if (n === 60_000) { bailed = true; break; } // 50,000 records after abort(): it did not stop
      }
    });
    await sleep(500);
    const [e] = await srv.log('/api/export/data.json');
    t.check(!bailed, `the loop went on yielding after abort(): 50,000 more records (then the test broke out); the server had sent ${fmt((e?.sentBytes ?? 0) / MB)} MB`);
    if (!bailed) t.check(e?.closedEarly && !e.complete && e.sentBytes < 64 * MB, `the server kept sending after abort(): ${fmt((e?.sentBytes ?? 0) / MB)} MB, complete ${e?.complete}`);
    t.figures = bailed ? `abort() ignored: ${n - 10_000}+ records after it (test broke out)` : `${r.ok ? 'no error' : r.error?.code}; server sent ${fmt((e?.sentBytes ?? 0) / MB)} of 512 MB`;
  });

  await check('stream: abort → IterableError Aborted, no record after abort()', 20_000, async (t) => {
    await srv.ctl('/_test/config', { jsonlBytes: 512 * MB });
    const ac = new AbortController();
    let n = 0;
    const r = await settle(async () => {
      for await (const _ of c.stream('export_campaign_data_to_json', JSONL_INPUT, { signal: ac.signal })) {
        if (++n === 10_000) ac.abort();
        if (n === 60_000) break; // abort() ignored (see the GC row)
      }
    });
    t.check(!r.ok && r.error instanceof IterableError && r.error.code === 'Aborted',
      `abort mid-body: ${r.ok ? 'loop ended without an error' : `${errText(r.error)} (retryable: ${r.error?.retryable})`} — expected IterableError Aborted`);
    t.eq(n, 10_000, 'records yielded (abort() was called at record 10000)');
    t.figures = `${r.ok ? 'no error' : `${r.error?.code} (retryable ${r.error?.retryable})`}, ${n - 10_000} records after abort()`;
  });

  await check('stream: break stops the download', 20_000, async (t) => {
    await srv.ctl('/_test/config', { jsonlBytes: 512 * MB });
    let n = 0;
    for await (const _ of c.stream('export_campaign_data_to_json', JSONL_INPUT)) if (++n === 10_000) break;
    await sleep(500);
    const [e] = await srv.log('/api/export/data.json');
    t.check(e?.closedEarly && !e.complete && e.sentBytes < 64 * MB, `the server kept sending after break: ${fmt((e?.sentBytes ?? 0) / MB)} MB, complete ${e?.complete}`);
    t.figures = `server sent ${fmt((e?.sentBytes ?? 0) / MB)} of 512 MB`;
  });

  await check(`stream CSV ${sizes.csvRows} rows (export_data_to_csv): quoted, multi-line, exact values`, sizes.csvLimitMs, async (t) => {
    await srv.ctl('/_test/config', { csvRows: sizes.csvRows });
    let count = 0, bad = 0, firstBad = null;
    const started = performance.now();
    for await (const r of c.stream('export_data_to_csv', { dataTypeName: 'user', range: 'All' })) {
      const n = count++;
      const want = csvFields(n);
      const keys = Object.keys(r);
      let ok = keys.length === CSV_HEADER.length;
      for (let i = 0; ok && i < CSV_HEADER.length; i++) ok = keys[i] === CSV_HEADER[i] && r[CSV_HEADER[i]] === want[i];
      if (!ok) { bad++; firstBad ??= `#${n}: ${JSON.stringify(r).slice(0, 200)} vs ${JSON.stringify(want)}`; }
    }
    const secs = (performance.now() - started) / 1000;
    const [entry] = await srv.log('/api/export/data.csv');
    t.eq(count, sizes.csvRows, 'records');
    t.check(bad === 0, `${bad} records differ, first ${firstBad}`);
    t.check(entry?.complete, 'server did not finish sending');
    const mb = (entry?.sentBytes ?? 0) / MB;
    t.check(mb >= sizes.csvMinMB, `CSV was only ${fmt(mb)} MB (want ≥ ${sizes.csvMinMB})`);
    t.figures = `${fmt(mb)} MB, ${fmt(mb / secs)} MB/s, ${fmt(count / secs / 1000, 0)}k rec/s`;
  });

  await check('stream CSV with delimiter ";" (export_data_to_csv)', 10_000, async (t) => {
    await srv.ctl('/_test/config', { csvRows: 2000 });
    let count = 0, bad = 0, firstBad = null;
    for await (const r of c.stream('export_data_to_csv', { dataTypeName: 'user', range: 'All', delimiter: ';' })) {
      const n = count++;
      const want = csvFields(n);
      if (CSV_HEADER.some((k, i) => r[k] !== want[i])) { bad++; firstBad ??= JSON.stringify(r).slice(0, 160); }
    }
    t.eq(count, 2000, 'records');
    t.check(bad === 0, `${bad} records differ, first ${firstBad}`);
    t.figures = `${count} records`;
  });

  // ------------------------------------------------------------------ export workflow
  const exportCheck = (format, extra = {}, opts = {}) => async (t) => {
    if (opts.config) await srv.ctl('/_test/config', opts.config);
    const csv = format === 'text/csv';
    const progress = [];
    let count = 0, bad = 0, firstBad = null;
    const started = performance.now();
    for await (const r of c.exportRecords({ dataTypeName: 'user', outputFormat: format, ...extra }, { pollMs: 15, maxPollMs: 60, onProgress: (p) => progress.push({ ...p }) })) {
      const n = count++;
      if (csv) {
        const want = csvFields(n);
        if (CSV_HEADER.some((k, i) => r[k] !== want[i]) || Object.keys(r).length !== CSV_HEADER.length) { bad++; firstBad ??= JSON.stringify(r).slice(0, 200); }
      } else if (r.n !== n || r.email !== `user${n}@example.com` || r.pad?.length !== jsonlPadLen(n)) {
        bad++; firstBad ??= JSON.stringify(r).slice(0, 200);
      }
    }
    const secs = (performance.now() - started) / 1000;
    const total = EXPORT_FILES * EXPORT_RECORDS_PER_FILE;
    t.eq(count, total, 'records');
    t.check(bad === 0, `${bad} records differ, first ${firstBad}`);
    const starts = await srv.log('/api/export/start');
    t.eq(starts.length, 1, 'start_export requests');
    t.eq(starts[0]?.body?.outputFormat, format, 'outputFormat sent');
    const jobId = 1;
    const polls = await srv.log(`/api/export/${jobId}/files`);
    const files = await srv.log(`/files/${jobId}/`);
    t.eq(files.map((f) => f.path), Array.from({ length: EXPORT_FILES }, (_, k) => `/files/${jobId}/${k}`), 'file downloads (each once, in order)');
    t.check(files.every((f) => f.apiKey === null), 'a file URL was fetched with the Api-Key');
    t.check(polls.every((p) => p.apiKey === KEY), 'a poll went without the Api-Key');
    // startAfter: the last file handed out so far.
    const names = Array.from({ length: EXPORT_FILES }, (_, k) => exportFileName(jobId, k, csv));
    t.check(polls.every((p) => p.query.startAfter === undefined || names.includes(p.query.startAfter)), 'startAfter not a file name');
    const states = [...new Set(progress.map((p) => p.state))];
    t.eq(states, opts.states ?? ['enqueued', 'running', 'completed'], 'job states seen by onProgress, in order (as the server sent them)');
    const fileCounts = progress.map((p) => p.files);
    t.check(fileCounts.every((f, i) => i === 0 || f >= fileCounts[i - 1]), 'progress.files went down');
    t.eq(progress.at(-1), { jobId, state: (opts.states ?? ['completed']).at(-1), files: EXPORT_FILES, records: total }, 'last progress');
    t.check(progress.every((p) => p.jobId === jobId), 'progress jobId');
    t.figures = `${count} records, ${EXPORT_FILES} files, ${polls.length} polls, ${progress.length} progress calls, ${fmt(secs, 2)} s`;
  };
  await check('exportRecords JSON lines (start → enqueued → running → completed, 5 files)', 20_000, exportCheck('application/x-json-stream'));
  await check('exportRecords: states in the spec file\'s casing (Enqueued → Running → Completed) end the job too', 20_000,
    exportCheck('application/x-json-stream', {}, { config: { exportSpecCase: true }, states: ['Enqueued', 'Running', 'Completed'] }));
  await check('exportRecords CSV (quoted, multi-line fields)', 20_000, exportCheck('text/csv'));
  await check('exportRecords CSV with delimiter ";"', 20_000, exportCheck('text/csv', { delimiter: ';' }));

  await check('exportRecords: a failed or cancelling job rejects (ExportFailed); abort while polling', 20_000, async (t) => {
    await srv.ctl('/_test/config', { exportFail: true });
    let n = 0;
    const r = await settle(async () => {
      for await (const _ of c.exportRecords({ dataTypeName: 'user', outputFormat: 'application/x-json-stream' }, { pollMs: 10, maxPollMs: 40 })) n++;
    });
    t.check(!r.ok && r.error instanceof IterableError && r.error.code === 'ExportFailed', `Failed job: ${r.ok ? 'resolved' : errText(r.error)}`);
    t.eq(n, 3 * EXPORT_RECORDS_PER_FILE, 'records of the 3 files listed before the failure');
    // A job being cancelled will never complete: it rejects too, in either casing.
    for (const [state, config] of [['cancelling', { exportFail: 'cancelling' }], ['Failed', { exportFail: true, exportSpecCase: true }]]) {
      await srv.reset(config);
      const x = await settle(async () => {
        for await (const _ of c.exportRecords({ dataTypeName: 'user', outputFormat: 'application/x-json-stream' }, { pollMs: 10, maxPollMs: 40 })) { /* records */ }
      });
      t.check(!x.ok && x.error?.code === 'ExportFailed', `job ending ${state}: ${x.ok ? 'resolved' : errText(x.error)}`);
    }
    await srv.reset();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    const a = await settle(async () => {
      for await (const _ of c.exportRecords({ dataTypeName: 'user', outputFormat: 'application/x-json-stream' }, { pollMs: 2000, signal: ac.signal })) { /* none */ }
    });
    t.check(!a.ok && a.error?.code === 'Aborted' && a.ms < 1500, `abort while polling: ${a.ok ? 'resolved' : errText(a.error)} after ${Math.round(a.ms)} ms`);
    await sleep(200);
    t.eq((await srv.log('/api/export/1/files')).length, 1, 'polls after the abort');
    t.figures = `failed → ${r.error?.code}; abort → ${a.error?.code} in ${Math.round(a.ms)} ms`;
  });

  await check(`exportRecords: abort mid-file stops the download (${gcAvailable ? 'with' : 'without'} a GC first)`, 30_000, async (t) => {
    await srv.ctl('/_test/config', { exportRecordsPerFile: 2_000_000 }); // 512 MB files
    const ac = new AbortController();
    let n = 0;
    const r = await settle(async () => {
      for await (const _ of c.exportRecords({ dataTypeName: 'user', outputFormat: 'application/x-json-stream' }, { pollMs: 10, maxPollMs: 40, signal: ac.signal })) {
        if (++n === 5_000) { gc(); await sleep(20); gc(); }
        if (n === 10_000) ac.abort();
        if (n === 60_000) break; // abort() ignored
      }
    });
    await sleep(500);
    const files = await srv.log('/files/1/');
    t.check(!r.ok, `exportRecords ran on after abort(): ${n} records`);
    t.check(!r.ok && r.error?.code === 'Aborted', `abort mid-file: ${r.ok ? 'no error' : `${errText(r.error)} (retryable: ${r.error?.retryable})`} — expected Aborted`);
    t.check(files.length >= 1 && files.every((f) => f.closedEarly && !f.complete) && files.length === 1, `file downloads after abort(): ${JSON.stringify(files.map((f) => [f.path, fmt((f.sentBytes ?? 0) / MB), f.complete]))}`);
    t.figures = `${r.ok ? 'no error' : r.error?.code}; ${files.length} file(s), ${fmt((files[0]?.sentBytes ?? 0) / MB)} MB sent; ${n} records`;
  });

  await check('exportRecords: a file download that fails (403, connection reset) rejects with an IterableError', 20_000, async (t) => {
    const outcomes = [];
    for (const kind of [403, 'reset']) {
      await srv.reset({ fileFault: { k: 1, kind } });
      let n = 0;
      const r = await settle(async () => {
        for await (const _ of c.exportRecords({ dataTypeName: 'user', outputFormat: 'application/x-json-stream' }, { pollMs: 10, maxPollMs: 40 })) n++;
      });
      outcomes.push(`${kind} → ${r.ok ? 'resolved' : r.error?.code ?? r.error?.name}`);
      t.check(!r.ok, `file ${kind}: resolved`);
      t.check(r.error instanceof IterableError, `file ${kind}: rejected with a ${r.error?.constructor?.name} (${errText(r.error)}), not an IterableError`);
      if (kind === 403) t.check(r.error?.code === 'HttpError' && r.error?.status === 403, `file 403: ${errText(r.error)} status ${r.error?.status}`);
      else t.check(r.error?.code === 'NetworkError', `file reset: code ${r.error?.code}`);
      t.check(r.error && !String(r.error.message).includes(KEY), 'API key in the error');
      t.eq(n, EXPORT_RECORDS_PER_FILE, `file ${kind}: records of file 0 before the failure`);
    }
    t.figures = outcomes.join('; ');
  });

  // ------------------------------------------------------------------ bulk
  const perf = [];
  const U = sizes.bulkUsers;
  await check(`bulk_update_users ${U} users (rateLimit on): exactly once, in order, ≤ 4 MB, failures by item`, sizes.bulkLimitMs, async (t) => {
    const pad = 'x'.repeat(Math.max(100, Math.floor(12e6 / U))); // several requests at any size
    const users = Array.from({ length: U }, (_, i) => (i % 1000 === 500
      ? { userId: `uid-${i}`, dataFields: { k: i, name: `Námé ${i} ✓`, plan: 'gold', score: i % 97, bio: pad } }
      : { email: `user${i}@example.com`, dataFields: { k: i, name: `Námé ${i} ✓`, plan: 'gold', score: i % 97, bio: pad } }));
    const pick = (f) => Math.floor(U * f);
    const invalid = [pick(0.3) + 1, pick(0.3) + 2, pick(0.3) + 777].map((i) => (i % 1000 === 500 ? i + 1 : i));
    const notFound = Math.floor(U * 0.5 / 1000) * 1000 + 500;
    const conflict = U - 1;
    const retried = pick(0.7);
    await srv.ctl('/_test/config', {
      bulkFaults: {
        '/api/users/bulkUpdate': {
          lists: [
            { name: 'failedUpdates.invalidEmails', field: 'email', ids: invalid },
            { name: 'invalidEmails', field: 'email', ids: invalid }, // the deprecated top-level copy
            { name: 'failedUpdates.notFoundUserIds', field: 'userId', ids: [notFound] },
            { name: 'failedUpdates.conflictEmails', field: 'email', ids: [conflict] },
          ],
          fail500Once: retried,
        },
      },
    });
    const progress = [];
    // When each attempt left the limiter: onRequest runs right after the limiter's wait, as the
    // request is handed to fetch.
    const dispatched = [];
    const started = performance.now();
    const report = await client({ rateLimit: true, onRequest: () => dispatched.push(performance.now()) })
      .bulk('bulk_update_users', users, { input: { createNewFields: true }, onProgress: (p) => progress.push(p) });
    const secs = (performance.now() - started) / 1000;
    const reqs = await srv.log('/api/users/bulkUpdate');
    const ok = reqs.filter((r) => r.status === 200);
    const five = reqs.filter((r) => r.status === 500);
    const once = exactlyOnce(ok.map((r) => r.ids), U);
    t.check(once.dup === 0 && once.missing === 0 && once.out === 0, `processed items: ${once.dup} duplicated (first ${once.firstDup}), ${once.missing} missing (first ${once.firstMissing}), ${once.out} unknown`);
    t.check(reqs.every((r) => inOrder(r.ids)), 'items out of order within a request');
    const maxBytes = Math.max(...reqs.map((r) => r.bytes));
    t.check(maxBytes <= 4_000_000, `a request took ${maxBytes} bytes`);
    t.check(reqs.every((r) => r.other?.createNewFields === true), 'input.createNewFields missing from a request');
    t.eq(five.length, 1, 'requests answered 500');
    t.check(five[0] && ok.some((r) => JSON.stringify(r.ids) === JSON.stringify(five[0].ids)), 'the 500 request (idempotent) was not re-sent with the same items');
    t.eq(report.requests, ok.length, 'report.requests vs requests the server took');
    const expected = [
      ...invalid.map((i) => ({ index: i, id: `user${i}@example.com`, reason: 'failedUpdates.invalidEmails' })),
      { index: notFound, id: `uid-${notFound}`, reason: 'failedUpdates.notFoundUserIds' },
      { index: conflict, id: `user${conflict}@example.com`, reason: 'failedUpdates.conflictEmails' },
    ].sort((a, b) => a.index - b.index);
    t.eq(report.failures, expected, 'failures');
    t.eq({ items: report.items, sent: report.sent, succeeded: report.succeeded, failed: report.failed, notSent: report.notSent, errors: report.errors.length },
      { items: U, sent: U, succeeded: U - expected.length, failed: expected.length, notSent: 0, errors: 0 }, 'report counts');
    t.eq(progress.at(-1), { requests: report.requests, done: report.requests, sent: U, succeeded: U - expected.length, failed: expected.length }, 'last onProgress');
    // Rate limit "5 requests/second" as the client documents it (GCRA: a burst of 5, then one
    // every 200 ms), checked on what the limiter controls: when each attempt leaves it. The k-th
    // attempt (0-based) leaves no earlier than (k - 4) × 200 ms after the first, which left at
    // once; a dispatch delayed by a busy event loop only adds margin. The server's arrival clock
    // is not that measure: an arrival (the end of a 4 MB upload) lags its dispatch by a varying
    // 20-800 ms (the first requests' uploads wait while the event loop builds the other 4 MB
    // bodies), so arrivals bunch up and a pairwise window on them failed while the schedule held
    // ("requests 0..6 within 303 ms" with the dispatches 539 ms apart, ≥ 400 required).
    const sends = [...dispatched].sort((a, b) => a - b);
    t.eq(sends.length, reqs.length, 'attempts dispatched vs requests the server saw');
    const early = sends.map((x, k) => ({ k, at: x - sends[0], due: (k - 4) * 200 })).filter((s) => s.k >= 5 && s.at < s.due - 5);
    t.check(early.length === 0, `rate limit (burst 5, then 200 ms apart) broken: ${early.map((s) => `attempt ${s.k} left ${Math.round(s.at)} ms after the first, due ≥ ${s.due} ms`).join('; ')}`);
    const times = reqs.map((r) => r.t).sort((a, b) => a - b);
    const firstSecond = times.filter((x) => x - times[0] < 1000).length;
    perf.push({ what: `bulk_update_users ${label}`, rate: U / secs });
    const margin = Math.min(...sends.map((x, k) => (k >= 5 ? x - sends[0] - (k - 4) * 200 : Infinity)));
    t.figures = `${fmt(U / secs / 1000)}k items/s, ${fmt(secs, 2)} s, ${reqs.length} requests (${five.length}×500, ${firstSecond} arrived in the first second), max ${fmt(maxBytes / 1e6, 2)} MB, schedule margin ${Number.isFinite(margin) ? `${Math.round(margin)} ms` : 'n/a'}`;
  });

  const E = sizes.bulkEvents;
  await check(`track_events_in_bulk ${E} events: exactly once, 5xx not retried (maybeProcessed), failures by item`, sizes.bulkLimitMs, async (t) => {
    const note = 'y'.repeat(Math.max(80, Math.floor(12e6 / E))); // several requests at any size
    const pick = (f) => Math.floor(E * f);
    const forbidden = new Set([pick(0.2) + 10, pick(0.2) + 20, pick(0.2) + 33]);
    const events = Array.from({ length: E }, (_, i) => ({
      email: `user${i % 5000}@example.com`,
      eventName: forbidden.has(i) ? 'forbidden_evt' : i % 10 === 0 ? 'purchase' : 'open',
      createdAt: 1700000000 + i,
      dataFields: { k: i, amount: i % 100, note },
    }));
    const badEmailOf = pick(0.45) - (pick(0.45) % 5000); // user0@example.com
    const failing = pick(0.6);
    const throttled = pick(0.9);
    await srv.ctl('/_test/config', {
      bulkFaults: {
        '/api/events/trackBulk': {
          lists: [
            { name: 'disallowedEventNames', field: 'eventName', value: 'forbidden_evt' },
            { name: 'failedUpdates.invalidEmails', field: 'email', ids: [badEmailOf] },
          ],
          fail500Once: failing,
          fail429Once: throttled, // 429: not processed, so re-sent even though not idempotent
        },
      },
    });
    const started = performance.now();
    const report = await c.bulk('track_events_in_bulk', events, { concurrency: 4 });
    const secs = (performance.now() - started) / 1000;
    const all = await srv.log('/api/events/trackBulk');
    const reqs = all.filter((r) => r.status !== 429);
    const throttledReqs = all.filter((r) => r.status === 429);
    t.eq(throttledReqs.length, 1, 'requests answered 429');
    t.check(throttledReqs[0] && reqs.some((r) => r.status === 200 && JSON.stringify(r.ids) === JSON.stringify(throttledReqs[0].ids)), 'the 429 request was not re-sent');
    const five = reqs.filter((r) => r.status === 500);
    const once = exactlyOnce(reqs.map((r) => r.ids), E);
    t.check(once.dup === 0 && once.missing === 0 && once.out === 0, `received items: ${once.dup} duplicated (first ${once.firstDup}), ${once.missing} missing (first ${once.firstMissing}), ${once.out} unknown`);
    t.check(reqs.every((r) => inOrder(r.ids)), 'items out of order within a request');
    const maxBytes = Math.max(...reqs.map((r) => r.bytes));
    t.check(maxBytes <= 4_000_000, `a request took ${maxBytes} bytes`);
    t.eq(five.length, 1, 'requests answered 500 (seen once: not retried)');
    t.eq(reqs.length, report.requests, 'requests seen (429 aside) vs report.requests (no retry of the non-idempotent 5xx)');
    // Expected failures, from what each request held: the 500 request's items as a whole
    // (maybeProcessed); elsewhere failedUpdates.invalidEmails first, then disallowedEventNames.
    const badEmail = `user${badEmailOf % 5000}@example.com`;
    const expected = [];
    for (const r of reqs) {
      if (r.status === 500) {
        for (const i of r.ids) expected.push({ index: i, id: events[i].email, reason: 'GenericError', maybeProcessed: true });
        continue;
      }
      const hasBad = r.ids.includes(badEmailOf);
      for (const i of r.ids) {
        if (hasBad && events[i].email === badEmail) expected.push({ index: i, id: badEmail, reason: 'failedUpdates.invalidEmails' });
        else if (forbidden.has(i)) expected.push({ index: i, id: 'forbidden_evt', reason: 'disallowedEventNames' });
      }
    }
    expected.sort((a, b) => a.index - b.index);
    t.eq(report.failures.length, expected.length, 'failures count');
    const diff = expected.findIndex((e, i) => JSON.stringify(e) !== JSON.stringify(report.failures[i]));
    t.check(diff < 0, `failure #${diff}: got ${JSON.stringify(report.failures[diff])}, expected ${JSON.stringify(expected[diff])}`);
    const fiveCount = five[0]?.ids.length ?? 0;
    // The request's error code is Iterable's code from the 500 body (GenericError).
    t.eq(report.errors.map((e) => [e.request >= 0, e.code, e.status]), [[true, 'GenericError', 500]], 'report.errors');
    t.eq({ items: report.items, sent: report.sent, succeeded: report.succeeded, failed: report.failed, notSent: report.notSent },
      { items: E, sent: E, succeeded: E - expected.length, failed: expected.length, notSent: 0 }, 'report counts');
    perf.push({ what: `track_events_in_bulk ${label}`, rate: E / secs });
    t.figures = `${fmt(E / secs / 1000)}k items/s, ${fmt(secs, 2)} s, ${all.length} requests (1×500, 1×429), ${expected.length} failures (${fiveCount} maybeProcessed)`;
  });

  await check('create_catalog_items 5,500 documents (≤ 1000 per request) and subscribe_to_list (input listId)', 30_000, async (t) => {
    const docs = {};
    for (let i = 0; i < 5500; i++) docs[`item-${i}`] = { k: i, name: `Shoe ${i}`, price: i % 300 };
    const rep = await c.bulk('create_catalog_items', docs, { input: { catalogName: 'shoes', replaceUploadedFieldsOnly: false } });
    const reqs = await srv.log('/api/catalogs/shoes/items');
    reqs.sort((a, b) => Number(a.ids[0].slice(5)) - Number(b.ids[0].slice(5))); // arrival order varies (concurrency 4)
    t.eq(reqs.map((r) => r.ids.length), [1000, 1000, 1000, 1000, 1000, 500], 'documents per request');
    const once = exactlyOnce(reqs.map((r) => r.ids.map((k) => Number(k.slice(5)))), 5500);
    t.check(once.dup === 0 && once.missing === 0, `documents: ${once.dup} duplicated, ${once.missing} missing`);
    t.check(reqs.every((r) => inOrder(r.ids.map((k) => Number(k.slice(5))))), 'documents out of order within a request');
    t.check(reqs.every((r) => r.other?.replaceUploadedFieldsOnly === false && r.other?.catalogName === undefined), 'catalog body params');
    t.eq([rep.items, rep.requests, rep.succeeded, rep.failed], [5500, 6, 5500, 0], 'catalog report');
    await srv.reset({ bulkFaults: { '/api/lists/subscribe': { lists: [{ name: 'failedUpdates.notFoundEmails', field: 'email', ids: [123, 9876] }] } } });
    const subs = Array.from({ length: 20_000 }, (_, i) => ({ email: `s${i}@example.com`, dataFields: { k: i, blob: 'z'.repeat(300) } }));
    const sr = await c.bulk('subscribe_to_list', subs, { input: { listId: 42, updateExistingUsersOnly: false } });
    const sreqs = await srv.log('/api/lists/subscribe');
    const sonce = exactlyOnce(sreqs.map((r) => r.ids), 20_000);
    t.check(sonce.dup === 0 && sonce.missing === 0, `subscribers: ${sonce.dup} duplicated, ${sonce.missing} missing`);
    t.check(sreqs.length >= 2 && sreqs.every((r) => r.other?.listId === 42 && r.other?.updateExistingUsersOnly === false), 'listId on every request');
    t.eq(sr.failures, [123, 9876].map((i) => ({ index: i, id: `s${i}@example.com`, reason: 'failedUpdates.notFoundEmails' })), 'subscribe failures');
    t.eq([sr.requests, sr.succeeded, sr.failed], [sreqs.length, 19_998, 2], 'subscribe report');
    t.figures = `catalog ${reqs.length} requests; subscribe ${sreqs.length} requests`;
  });

  await check('bulk: abort after the first request; an oversize item refused alone', 30_000, async (t) => {
    const big = 'b'.repeat(1000);
    const n = 20_000;
    const users = Array.from({ length: n }, (_, i) => ({ email: `user${i}@example.com`, dataFields: { k: i, big } }));
    const ac = new AbortController();
    const rep = await c.bulk('bulk_update_users', users, { concurrency: 1, signal: ac.signal, onProgress: () => ac.abort() });
    await sleep(200);
    const reqs = await srv.log('/api/users/bulkUpdate');
    t.eq(reqs.length, 1, 'requests after the abort');
    const first = reqs[0]?.ids.length ?? 0;
    t.eq([rep.sent, rep.succeeded, rep.notSent, rep.failed, rep.sent + rep.notSent], [first, first, n - first, n - first, n], 'report after abort');
    t.check(rep.failures.length === n - first && rep.failures.every((f, j) => f.index === first + j && f.reason === 'NotSent: aborted' && f.id === `user${f.index}@example.com`),
      `not-sent failures: ${JSON.stringify(rep.failures.slice(0, 2))}`);
    await srv.reset();
    const items = [{ email: 'a@example.com', dataFields: { k: 0 } }, { email: 'huge@example.com', dataFields: { k: 1, blob: 'h'.repeat(4_100_000) } }, { email: 'c@example.com', dataFields: { k: 2 } }];
    const r2 = await c.bulk('bulk_update_users', items);
    const reqs2 = await srv.log('/api/users/bulkUpdate');
    t.eq(reqs2.map((r) => r.ids), [[0, 2]], 'requests with the oversize item left out');
    t.check(r2.failures.length === 1 && r2.failures[0].index === 1 && /^TooLarge/.test(r2.failures[0].reason) && r2.failures[0].id === 'huge@example.com',
      `oversize failure: ${JSON.stringify(r2.failures).slice(0, 200)}`);
    t.eq([r2.items, r2.sent, r2.succeeded, r2.failed], [3, 2, 2, 1], 'oversize report counts');
    t.figures = `abort: ${first} sent, ${rep.notSent} not sent; oversize → ${r2.failures[0]?.reason?.slice(0, 20)}`;
  });

  await check('bulk: an item breaking a rule is reported by index with its issues and left out; the rest go; a single call names the path', 20_000, async (t) => {
    await srv.reset();
    // users: a bad email, neither email nor userId, a wrong type; the others are sent
    const users = Array.from({ length: 6 }, (_, k) => ({ email: `u${k}@example.com`, dataFields: { k } }));
    users[1].email = 'not-an-email';
    delete users[3].email;
    users[4].preferUserId = 'yes';
    const r = await c.bulk('bulk_update_users', users);
    const sent = (await srv.log('/api/users/bulkUpdate')).map((q) => q.ids);
    t.eq(sent, [[0, 2, 5]], 'users sent (the valid ones, in order)');
    t.eq(r.failures.map((f) => [f.index, f.reason]), [
      [1, 'users[1].email: "not-an-email" is not an email address'],
      [3, 'users[3].email|users[3].userId: give at least one of users[3].email, users[3].userId'],
      [4, 'users[4].preferUserId: expected a boolean, got string'],
    ], 'users refused by index with their issues');
    t.eq([r.items, r.sent, r.succeeded, r.failed], [6, 3, 3, 3], 'users report');
    // events: one without email or userId
    const events = [{ email: 'a@example.com', eventName: 'e', dataFields: { k: 0 } }, { eventName: 'e', dataFields: { k: 1 } }, { userId: 'u2', eventName: 'e', dataFields: { k: 2 } }];
    const re = await c.bulk('track_events_in_bulk', events);
    t.eq((await srv.log('/api/events/trackBulk')).map((q) => q.ids), [[0, 2]], 'events sent');
    t.eq(re.failures.map((f) => [f.index, f.reason]), [[1, 'events[1].email|events[1].userId: give at least one of events[1].email, events[1].userId']], 'event refused');
    // catalog documents (a map): a bad item ID and a field name with a period, reported by index and key
    const docs = { 'item-0': { n: 0 }, 'bad id': { n: 1 }, 'item-2': { 'a.b': 2 }, 'item-3': { n: 3 } };
    const rc = await c.bulk('create_catalog_items', docs, { input: { catalogName: 'shop', replaceUploadedFieldsOnly: false } });
    t.eq((await srv.log('/api/catalogs/shop/items')).map((q) => q.ids), [['item-0', 'item-3']], 'documents sent');
    t.eq(rc.failures.map((f) => [f.index, f.id, f.reason]), [
      [1, 'bad id', "documents.bad id: the key holds ' '; only the characters [a-zA-Z0-9-] are allowed"],
      [2, 'item-2', "documents.item-2.a.b: the key holds '.'; none of the characters [.] are allowed"],
    ], 'documents refused by index and key');
    // a single call with the same bad value: a ValidationError naming the path, nothing sent
    const before = (await srv.log('/api/users/bulkUpdate')).length;
    let err;
    try { await c.bulkUpdateUsers({ users: [users[0], users[2], users[5], { email: 12345 }] }); } catch (e) { err = e; }
    t.eq([err?.code, err?.issues?.[0]?.param], ['ValidationError', 'users[3].email'], 'single call: the path of the value');
    try { await c.createCatalogItems({ catalogName: 'shop', documents: { 'item-0': { 'a.b': 1 } } }); err = null; } catch (e) { err = e; }
    t.eq([err?.code, err?.issues?.[0]?.param], ['ValidationError', 'documents.item-0.a.b'], 'single call: the path of a document field');
    t.eq((await srv.log('/api/users/bulkUpdate')).length, before, 'nothing sent by the refused single calls');
    t.figures = `${r.failures.length + re.failures.length + rc.failures.length} items refused, the rest sent`;
  });

  await check('bulk_update_users: a request answering 500 on every attempt → its items failed, maybeProcessed', 20_000, async (t) => {
    const users = Array.from({ length: 30_000 }, (_, i) => ({ email: `user${i}@example.com`, dataFields: { k: i, blob: 'q'.repeat(300) } }));
    await srv.ctl('/_test/config', { bulkFaults: { '/api/users/bulkUpdate': { fail500Always: 15_000 } } });
    const rep = await c.bulk('bulk_update_users', users, { maxRetries: 1 });
    const reqs = await srv.log('/api/users/bulkUpdate');
    const bad = reqs.filter((r) => r.status === 500);
    t.eq(bad.length, 2, 'attempts of the failing request (maxRetries 1)');
    t.check(bad.length === 2 && JSON.stringify(bad[0].ids) === JSON.stringify(bad[1].ids), 'the retry carried other items');
    const failedIds = bad[0]?.ids ?? [];
    t.eq(rep.failures.length, failedIds.length, 'failures');
    t.check(rep.failures.every((f, j) => f.index === failedIds[j] && f.maybeProcessed === true && f.reason === rep.errors[0]?.code && f.id === `user${f.index}@example.com`),
      `failures: ${JSON.stringify(rep.failures.slice(0, 2))}`);
    t.eq([rep.sent, rep.failed, rep.succeeded, rep.notSent, rep.errors.length, rep.errors[0]?.status], [30_000, failedIds.length, 30_000 - failedIds.length, 0, 1, 500], 'report');
    const once = exactlyOnce(reqs.filter((r) => r.status === 200).map((r) => r.ids), 30_000);
    t.eq([once.dup, once.missing], [0, failedIds.length], 'duplicates / items not processed');
    t.figures = `${reqs.length} requests, ${failedIds.length} items failed (${rep.errors[0]?.code})`;
  });

  srv.stop();

  // ------------------------------------------------------------------ table
  const head = ['check', 'figures', 'ms', 'ok'];
  const cells = rows.map((r) => [r.name, r.figures || '-', r.ms, r.ok ? 'ok' : 'FAIL']);
  const widths = head.map((h, i) => Math.min(i === 1 ? 110 : 200, Math.max(h.length, ...cells.map((c) => String(c[i]).length))));
  const line = (cs) => cs.map((c, i) => String(c).padEnd(widths[i])).join(' | ');
  log(`\nlarge work [${label}]`);
  log(line(head));
  log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const c of cells) log(line(c));
  const failed = rows.filter((r) => !r.ok);
  if (failed.length) {
    log('\nfailures:');
    for (const r of failed) for (const f of r.failures) log(`  ${r.name}: ${f}`);
  }
  const passed = rows.length - failed.length;
  log(`\n[${label}] checks ${fmt((performance.now() - t0) / 1000)} s (import + server start ${fmt(setupSecs)} s)`);
  log(`large: ${passed} passed, ${failed.length} failed`);
  return { passed, failed: failed.length, rows };
}
