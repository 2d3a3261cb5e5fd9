// A fake Iterable for the large-work suite (pagination, streaming exports, the export job
// workflow, bulk endpoints). Node and Deno (node:http); binds 127.0.0.1 only.
//
//   node tests/large/server.mjs [--port N]   → prints {"url": "http://127.0.0.1:PORT"} on stdout
//   import { startLargeServer } from './server.mjs'; const srv = await startLargeServer();
//
// The suites run it as a child process, so the client's memory (RSS) is measured without the
// server's, and drive it over HTTP through /_test/ routes:
//   POST /_test/reset            forget the log, jobs and one-shot faults; config back to defaults
//   POST /_test/config  {…}      merge into the config (see DEFAULTS)
//   GET  /_test/log[?path=P]     the request log (entries whose path starts with P): {entries: […]}
//                                each {seq, t, method, path, query, apiKey, status, bytes?, ids?,
//                                sentBytes?, complete?, closedEarly?}
//
// Routes (Api-Key required on /api/*, 401 otherwise; /files/* must come WITHOUT it):
//   page style        GET /api/campaigns?page&pageSize          {campaigns, nextPageUrl?, previousPageUrl?, totalCampaignsCount}
//   startAfter style  GET /api/export/{jobId}/files?startAfter  jobs ≥ 900: a static completed job with
//                                                               pages × filesPerPage files; others: the export jobs below
//   nextMarker style  GET /api/metadata/{table}?nextMarker      {results, nextMarker?}
//   limit style       GET /api/events/byUserId/{userId}?limit    {events: [limit events]}
//                     GET /api/inApp/getMessages?count           {inAppMessages: [count messages]}
//   JSON lines        GET /api/export/data.json                  config.jsonlBytes bytes of 256-byte lines (jsonlLine)
//   CSV               GET /api/export/data.csv                   header + config.csvRows rows (csvFields), CRLF,
//                                                               quoted fields, "" escapes, multi-line fields
//   export job        POST /api/export/start → {jobId}; GET /api/export/{jobId}/files: state by poll number
//                     (EXPORT_SCHEDULE), files → {file, url: BASE/files/{jobId}/{name}?X-Amz-…}
//   export files      GET /files/{jobId}/{name}                  file k: records k*R … (k+1)*R-1 (JSONL or CSV)
//   bulk              POST /api/users/bulkUpdate, /api/events/trackBulk, /api/lists/subscribe,
//                     POST /api/catalogs/{name}/items: every item's id (dataFields.k, or the document
//                     key) logged with the request, in the order received; faults from
//                     config.bulkFaults[path]: identifier lists in the answer (failedUpdates.* or
//                     top level) naming chosen items, 500 once / always or 429 once for the request
//                     holding a chosen item
// Export job states are sent in lower case, as Iterable sends them (enqueued, running, completed).
// Faults elsewhere: config.pageDelay (hold one page), exportFail (job ends failed), fileFault
// (an export file answers 403 or resets the connection).
// Everything streamed is generated as it is written, with backpressure (nothing held whole).
import http from 'node:http';
import { pathToFileURL } from 'node:url';

// ---------------------------------------------------------------------------------------------
// Deterministic data, shared with the suites (they import these to compute what to expect).
// ---------------------------------------------------------------------------------------------

export const JSONL_LINE = 256;
const PADS = Array.from({ length: 26 }, (_, i) => String.fromCharCode(97 + i).repeat(JSONL_LINE));
const ODD_EVENT = 'quote"back\\slash é';

/** The eventName of JSON-lines record n. */
export const jsonlEventName = (n) => (n % 1000 === 0 ? ODD_EVENT : 'e');
const prefixOf = (n) => `{"email":"user${n}@example.com","eventName":${JSON.stringify(jsonlEventName(n))},"n":${n},"pad":"`;
const utf8Len = (s) => {
  let b = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    b += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c < 0xdc00 ? (i++, 4) : 3;
  }
  return b;
};
const FIXED = utf8Len('{"email":"user@example.com","eventName":,"n":,"pad":"') + 3;
const ODD_LEN = utf8Len(JSON.stringify(ODD_EVENT));
const digits = (n) => String(n).length;
/** Pad length of record n (the line is exactly JSONL_LINE bytes with its "\n"). */
export const jsonlPadLen = (n) => JSONL_LINE - FIXED - 2 * digits(n) - (n % 1000 === 0 ? ODD_LEN : 3);
/** The pad character of record n. */
export const jsonlPadChar = (n) => String.fromCharCode(97 + (n % 26));
/** Line n of the JSON-lines export (with its "\n"). */
export const jsonlLine = (n) => prefixOf(n) + PADS[n % 26].slice(0, jsonlPadLen(n)) + '"}\n';
/** FNV-1a style fold of one record into the checksum (order-sensitive). */
export const fold = (h, n, padLen, padCode) => {
  h = Math.imul(h ^ n, 16777619);
  h = Math.imul(h ^ padLen, 16777619);
  return Math.imul(h ^ padCode, 16777619) >>> 0;
};
export const FOLD_SEED = 2166136261;
/** Records, bytes and checksum of a JSON-lines export of `bytes` bytes (records n = 0 … count-1). */
export function jsonlExpect(bytes) {
  const records = Math.floor(bytes / JSONL_LINE);
  let h = FOLD_SEED;
  for (let n = 0; n < records; n++) h = fold(h, n, jsonlPadLen(n), 97 + (n % 26));
  return { records, bytes: records * JSONL_LINE, checksum: h };
}

export const CSV_HEADER = ['email', 'n', 'name', 'note', 'multi', 'empty', 'unicode'];
/** The field values of CSV data row n (exactly what a parser must give back). */
export function csvFields(n) {
  return [
    `user${n}@example.com`,
    String(n),
    `Doe${n}, Jane`,
    n % 13 === 0 ? '"' : n % 3 === 0 ? `say "hello" #${n}, twice ""` : `plain ${n}`,
    n % 5 === 0 ? `first line ${n}\nsecond, line\r\nthird "q"\n` : `m${n}`,
    n % 7 === 0 ? '' : `e${n}`,
    n % 11 === 0 ? `café ✓ 𝄞 ${n}` : `u${n}`,
  ];
}
/** One CSV record (with CRLF), quoting fields that need it (RFC 4180). */
export function csvEncode(fields, delimiter = ',') {
  return fields.map((f) => (/["\r\n]/.test(f) || f.includes(delimiter) ? `"${f.replaceAll('"', '""')}"` : f)).join(delimiter) + '\r\n';
}
/** csvEncode(csvFields(n), d) for d "," or ";", fast (the server writes 50+ MB of these). */
export function csvLine(n, d = ',') {
  const q = d === ',' ? '"' : '';
  const note = n % 13 === 0 ? '""""' : n % 3 === 0 ? `"say ""hello"" #${n}, twice """""` : `plain ${n}`;
  const multi = n % 5 === 0 ? `"first line ${n}\nsecond, line\r\nthird ""q""\n"` : `m${n}`;
  return `user${n}@example.com${d}${n}${d}${q}Doe${n}, Jane${q}${d}${note}${d}${multi}${d}${n % 7 === 0 ? '' : `e${n}`}${d}${n % 11 === 0 ? `café ✓ 𝄞 ${n}` : `u${n}`}\r\n`;
}
export const csvRecord = (n) => Object.fromEntries(CSV_HEADER.map((k, i) => [k, csvFields(n)[i]]));

/** Export job files: R records per file, FILES files. */
export const EXPORT_RECORDS_PER_FILE = 2500;
export const EXPORT_FILES = 5;
/** By poll number (1-based; the last entry repeats): the job state and how many files exist. */
export const EXPORT_SCHEDULE = [
  { state: 'enqueued', files: 0 },
  { state: 'enqueued', files: 0 },
  { state: 'running', files: 0 },
  { state: 'running', files: 1 },
  { state: 'running', files: 1 },
  { state: 'running', files: 3 },
  { state: 'running', files: 3 },
  { state: 'completed', files: 5 },
];
/** Files returned per list_export_files page. */
export const EXPORT_FILES_PER_PAGE = 2;
export const exportFileName = (jobId, k, csv) => `export/${jobId}/part-${String(k).padStart(5, '0')}.${csv ? 'csv' : 'json'}`;

export const DEFAULTS = {
  pages: 60, // pages of each paginated style
  filesPerPage: 3, // startAfter style (static job)
  metaPerPage: 10, // nextMarker style
  pageDelay: null, // {path, page, ms}: delay that page's answer (abort tests)
  jsonlBytes: 64 * 1024 * 1024,
  csvRows: 1000,
  exportFail: false, // export jobs end in 'failed' (true) or in the state given (e.g. 'cancelling')
  exportSpecCase: false, // job states capitalized as the spec file writes them, not as Iterable sends them
  fileFault: null, // {k, kind: 'reset' | 403}: how export file k of a job is answered
  exportRecordsPerFile: EXPORT_RECORDS_PER_FILE,
  bulkFaults: {}, // path → {lists: [{name, field, ids?, value?}], fail500Once: id, fail500Always: id, fail429Once: id}
};

// ---------------------------------------------------------------------------------------------
// The server.
// ---------------------------------------------------------------------------------------------

const json = (res, status, body, headers = {}) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
};

/** Writes chunks from `next()` (a string or null at the end) with backpressure. */
async function pump(res, entry, next) {
  let stop = false;
  let wake = null;
  res.on('close', () => {
    stop = true;
    if (!entry.complete) entry.closedEarly = true;
    wake?.();
  });
  res.on('drain', () => wake?.());
  const drained = () => new Promise((r) => { wake = () => { wake = null; r(); }; });
  entry.sentBytes = 0;
  for (;;) {
    if (stop) return;
    const s = next();
    if (s === null) break;
    const buf = Buffer.from(s, 'utf8');
    entry.sentBytes += buf.length;
    if (!res.write(buf)) await drained();
  }
  entry.complete = true;
  res.end();
}

function jsonlBody(res, entry, totalBytes, first = 0, count = Math.floor(totalBytes / JSONL_LINE)) {
  res.writeHead(200, { 'content-type': 'application/x-json-stream' });
  let n = first;
  const end = first + count;
  return pump(res, entry, () => {
    if (n >= end) return null;
    let s = '';
    for (let i = 0; i < 1024 && n < end; i++, n++) s += jsonlLine(n);
    return s;
  });
}

function csvBody(res, entry, first, count, delimiter = ',') {
  res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8' });
  let n = first;
  const end = first + count;
  let head = true;
  const fast = delimiter === ',' || delimiter === ';';
  return pump(res, entry, () => {
    if (head) {
      head = false;
      return '\ufeff' + csvEncode(CSV_HEADER, delimiter); // with a BOM, as spreadsheet exports have
    }
    if (n >= end) return null;
    let s = '';
    for (let i = 0; i < 512 && n < end; i++, n++) s += fast ? csvLine(n, delimiter) : csvEncode(csvFields(n), delimiter);
    return s;
  });
}

const marker = (page) => `mk_${page}_${((page * 2654435761) >>> 0).toString(36)}`;
const pageOfMarker = (m) => {
  const match = /^mk_(\d+)_([0-9a-z]+)$/.exec(m ?? '');
  return match && marker(Number(match[1])) === m ? Number(match[1]) : null;
};

export function startLargeServer({ host = '127.0.0.1', port = 0 } = {}) {
  let config = structuredClone(DEFAULTS);
  let log = [];
  let seq = 0;
  let jobs = new Map(); // jobId → {format, delimiter, polls, csv}
  let nextJob = 1;
  let fired = new Set(); // one-shot faults already used
  const t0 = performance.now();
  let base = '';

  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://127.0.0.1');
    const path = u.pathname;
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      handle(req, res, u, path, raw).catch((e) => {
        try { json(res, 500, { msg: `server bug: ${e?.stack ?? e}`, code: 'ServerBug', params: null }); } catch { /* gone */ }
      });
    });
  });

  async function handle(req, res, u, path, raw) {
    if (path.startsWith('/_test/')) return control(req, res, u, path, raw);
    const query = Object.fromEntries(u.searchParams);
    const entry = { seq: ++seq, t: Math.round(performance.now() - t0), method: req.method, path, query, apiKey: req.headers['api-key'] ?? null };
    log.push(entry);
    const reply = (status, body, headers) => { entry.status = status; json(res, status, body, headers); };
    const delay = config.pageDelay;
    if (delay && path === delay.path && Number(query.page ?? query.n ?? 0) === delay.page) {
      await new Promise((r) => setTimeout(r, delay.ms));
      if (res.destroyed || req.socket.destroyed) { entry.closedEarly = true; return; }
    }

    if (path.startsWith('/files/')) {
      if (entry.apiKey) return reply(403, { msg: 'pre-signed URLs take no Api-Key', code: 'Forbidden' });
      return exportFile(req, res, entry, u, path);
    }
    if (!path.startsWith('/api/')) return reply(404, { msg: 'no route', code: 'NotFound', params: null });
    if (entry.apiKey !== 'fake-key-123') return reply(401, { msg: 'Invalid API key', code: 'BadApiKey', params: null });
    const m = req.method;
    let mm;

    if (m === 'GET' && path === '/api/campaigns') {
      const page = Number(query.page ?? 1);
      const size = Number(query.pageSize ?? 20);
      const last = config.pages;
      const campaigns = page >= 1 && page <= last ? Array.from({ length: size }, (_, j) => ({ id: (page - 1) * size + j, name: `campaign ${(page - 1) * size + j}` })) : [];
      const at = (p) => `${base}/api/campaigns?page=${p}&pageSize=${size}`;
      return reply(200, { campaigns, totalCampaignsCount: last * size, ...(page < last ? { nextPageUrl: at(page + 1) } : {}), ...(page > 1 ? { previousPageUrl: at(page - 1) } : {}) });
    }
    if (m === 'GET' && (mm = /^\/api\/export\/(\d+)\/files$/.exec(path))) {
      const jobId = Number(mm[1]);
      if (jobId >= 900) return staticJobFiles(reply, jobId, query);
      return jobFiles(reply, jobId, query);
    }
    if (m === 'GET' && (mm = /^\/api\/metadata\/([^/]+)$/.exec(path))) {
      const table = decodeURIComponent(mm[1]);
      let page = 1;
      if (query.nextMarker !== undefined) {
        page = pageOfMarker(query.nextMarker);
        if (page === null) return reply(400, { msg: `bad marker ${query.nextMarker}`, code: 'BadParams', params: null });
      }
      const per = config.metaPerPage;
      const results = Array.from({ length: per }, (_, j) => ({ table, key: `key-${(page - 1) * per + j}`, size: 10 + j, lastModified: '2024-01-01T00:00:00Z' }));
      return reply(200, { results, ...(page < config.pages ? { nextMarker: marker(page + 1) } : {}) });
    }
    if (m === 'GET' && (mm = /^\/api\/events\/byUserId\/([^/]+)$/.exec(path))) {
      const limit = Number(query.limit ?? 30);
      return reply(200, { events: Array.from({ length: limit }, (_, j) => ({ eventName: 'open', userId: decodeURIComponent(mm[1]), n: j })) });
    }
    if (m === 'GET' && path === '/api/inApp/getMessages') {
      const count = Number(query.count ?? 1);
      return reply(200, { inAppMessages: Array.from({ length: count }, (_, j) => ({ messageId: `msg-${j}`, priorityLevel: 300.5 })) });
    }
    if (m === 'GET' && path === '/api/export/data.json') {
      entry.status = 200;
      return jsonlBody(res, entry, config.jsonlBytes);
    }
    if (m === 'GET' && path === '/api/export/data.csv') {
      entry.status = 200;
      return csvBody(res, entry, 0, config.csvRows, query.delimiter ?? ',');
    }
    if (m === 'POST' && path === '/api/export/start') {
      let body;
      try { body = JSON.parse(raw.toString('utf8')); } catch { return reply(400, { msg: 'bad JSON', code: 'BadJsonBody', params: null }); }
      const jobId = nextJob++;
      const csv = body.outputFormat === 'text/csv';
      jobs.set(jobId, { csv, delimiter: body.delimiter ?? ',', polls: 0, body });
      entry.body = body;
      return reply(200, { msg: '', code: 'Success', params: null, jobId });
    }
    if (m === 'POST') {
      const bulk = bulkKind(path);
      if (bulk) return bulkRequest(reply, entry, path, raw, bulk);
    }
    return reply(404, { msg: `No route for ${m} ${path}`, code: 'NotFound', params: null });
  }

  function staticJobFiles(reply, jobId, query) {
    const total = config.pages * config.filesPerPage;
    const name = (k) => `export/${jobId}/part-${String(k).padStart(5, '0')}.json`;
    let from = 0;
    if (query.startAfter !== undefined) {
      // Names sort like their numbers: the first file after the given name.
      while (from < total && name(from) <= query.startAfter) from++;
    }
    const files = [];
    for (let k = from; k < Math.min(total, from + config.filesPerPage); k++) files.push({ file: name(k), url: `${base}/files/${jobId}/${k}?X-Amz-Signature=s${k}` });
    return reply(200, { jobId, jobState: 'completed', exportTruncated: false, files });
  }

  function jobFiles(reply, jobId, query) {
    const job = jobs.get(jobId);
    if (!job) return reply(400, { msg: `no job ${jobId}`, code: 'BadParams', params: null });
    job.polls++;
    const step = EXPORT_SCHEDULE[Math.min(job.polls, EXPORT_SCHEDULE.length) - 1];
    let state = step.state;
    if (config.exportFail && state === 'completed') state = config.exportFail === true ? 'failed' : config.exportFail;
    // A failed job hands out no more files than it had while running.
    const available = state !== step.state ? EXPORT_SCHEDULE.at(-2).files : step.files;
    // Iterable sends states in lower case; the spec file capitalizes them (exportSpecCase).
    if (config.exportSpecCase) state = state[0].toUpperCase() + state.slice(1);
    const names = Array.from({ length: available }, (_, k) => exportFileName(jobId, k, job.csv));
    const after = query.startAfter;
    const files = names
      .map((file, k) => ({ file, k }))
      .filter(({ file }) => after === undefined || file > after)
      .slice(0, EXPORT_FILES_PER_PAGE)
      .map(({ file, k }) => ({ file, url: `${base}/files/${jobId}/${k}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=${(jobId * 7919 + k).toString(16)}` }));
    return reply(200, { jobId, jobState: state, exportTruncated: false, files });
  }

  function exportFile(req, res, entry, u, path) {
    const mm = /^\/files\/(\d+)\/(\d+)$/.exec(path);
    if (!mm) return json(res, 404, { msg: 'no file' });
    const jobId = Number(mm[1]);
    const k = Number(mm[2]);
    entry.status = 200;
    if (jobId >= 900) {
      res.writeHead(200, { 'content-type': 'application/x-json-stream' });
      entry.complete = true;
      return res.end(jsonlLine(k));
    }
    const job = jobs.get(jobId);
    if (!job || !u.searchParams.get('X-Amz-Signature')) return json(res, 403, { msg: 'bad signature' });
    const fault = config.fileFault;
    if (fault && fault.k === k) {
      entry.status = fault.kind;
      if (fault.kind === 'reset') return req.socket.destroy();
      res.writeHead(403, { 'content-type': 'application/xml' });
      return res.end('<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
    }
    const per = config.exportRecordsPerFile;
    const first = k * per;
    if (job.csv) return csvBody(res, entry, first, per, job.delimiter);
    return jsonlBody(res, entry, 0, first, per);
  }

  // Bulk: which field holds the items and how an item's id is read.
  function bulkKind(path) {
    if (path === '/api/users/bulkUpdate') return { items: 'users' };
    if (path === '/api/events/trackBulk') return { items: 'events' };
    if (path === '/api/lists/subscribe') return { items: 'subscribers' };
    if (/^\/api\/catalogs\/[^/]+\/items$/.test(path)) return { items: 'documents', map: true };
    return null;
  }

  function bulkRequest(reply, entry, path, raw, kind) {
    entry.bytes = raw.length;
    let body;
    try { body = JSON.parse(raw.toString('utf8')); } catch { return reply(400, { msg: 'bad JSON', code: 'BadJsonBody', params: null }); }
    const list = body[kind.items];
    const pairs = kind.map ? Object.entries(list ?? {}).map(([key, v]) => [key, v]) : (Array.isArray(list) ? list.map((it) => [it?.dataFields?.k, it]) : []);
    entry.ids = pairs.map(([id]) => id);
    entry.other = Object.fromEntries(Object.entries(body).filter(([k]) => k !== kind.items));
    if (raw.length > 4_000_000) return reply(413, { msg: 'request body too large', code: 'BadParams', params: null });
    const faults = config.bulkFaults[path] ?? {};
    const has = (id) => entry.ids.includes(id);
    if (faults.fail500Always !== undefined && has(faults.fail500Always)) {
      return reply(500, { msg: 'Internal server error', code: 'GenericError', params: null });
    }
    if (faults.fail429Once !== undefined && has(faults.fail429Once) && !fired.has(`${path}:429`)) {
      fired.add(`${path}:429`);
      return reply(429, { msg: 'Rate limit exceeded', code: 'RateLimitExceeded', params: null }, { 'retry-after': '0' });
    }
    if (faults.fail500Once !== undefined && has(faults.fail500Once) && !fired.has(`${path}:500`)) {
      fired.add(`${path}:500`);
      return reply(500, { msg: 'Internal server error', code: 'GenericError', params: null });
    }
    const failedUpdates = {};
    const top = {};
    const failed = new Set();
    for (const rule of faults.lists ?? []) {
      const values = [];
      for (const [id, item] of pairs) {
        if ((rule.ids && rule.ids.includes(id)) || (rule.value !== undefined && item?.[rule.field] === rule.value)) {
          const v = item?.[rule.field];
          if (v !== undefined && !values.includes(v)) values.push(v);
          failed.add(id);
        }
      }
      if (!values.length && !rule.always) continue;
      if (rule.name.startsWith('failedUpdates.')) failedUpdates[rule.name.slice(14)] = values;
      else top[rule.name] = values;
    }
    const failCount = failed.size;
    const resp = kind.items === 'documents'
      ? { msg: '', code: 'Success', params: null }
      : {
          successCount: pairs.length - failCount, failCount,
          invalidEmails: [], invalidUserIds: [], filteredOutFields: [], createdFields: [],
          ...top,
          failedUpdates: { invalidEmails: [], invalidUserIds: [], notFoundEmails: [], notFoundUserIds: [], forgottenEmails: [], forgottenUserIds: [], conflictEmails: [], conflictUserIds: [], invalidDataEmails: [], invalidDataUserIds: [], ...failedUpdates },
        };
    return reply(200, resp);
  }

  function control(req, res, u, path, raw) {
    if (path === '/_test/reset') {
      config = structuredClone(DEFAULTS);
      log = [];
      jobs = new Map();
      nextJob = 1;
      fired = new Set();
      return json(res, 200, { ok: true });
    }
    if (path === '/_test/config') {
      Object.assign(config, JSON.parse(raw.toString('utf8') || '{}'));
      return json(res, 200, config);
    }
    if (path === '/_test/log') {
      const p = u.searchParams.get('path') ?? '';
      return json(res, 200, { entries: log.filter((e) => e.path.startsWith(p)) });
    }
    return json(res, 404, { msg: 'no control route' });
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.keepAliveTimeout = 30_000;
    server.listen(port, host, () => {
      const p = server.address().port;
      base = `http://${host}:${p}`;
      resolve({
        url: base,
        port: p,
        close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
      });
    });
  });
}

// CLI: run as a child process of the suites.
const isMain = (() => {
  try {
    const argv1 = globalThis.process?.argv?.[1];
    return typeof Deno === 'undefined' && argv1 && import.meta.url === pathToFileURL(argv1).href;
  } catch { return false; }
})();
if (isMain) {
  const i = process.argv.indexOf('--port');
  const srv = await startLargeServer({ port: i > 0 ? Number(process.argv[i + 1]) : 0 });
  process.stdout.write(JSON.stringify({ url: srv.url }) + '\n');
  // Exit with the parent: stdin closes when it goes away.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}
