// A fake of the Iterable API for the CLI and MCP tests: the routes those tests use, with
// streamed bodies, an export job, a bulk endpoint with partial failures and a route that never
// answers (for timeouts). Binds 127.0.0.1 only, on a free port.
//
//   const srv = await startFake();
//   srv.url, srv.requests (every request: {method, path, query, headers, body}), srv.reset(), srv.close()
//
// Routes (Api-Key "bad-key" on any /api request → 401 BadApiKey):
//   GET    /api/lists                 {lists}
//   GET    /api/channels              {channels}
//   GET    /api/lists/:id/size        text "2"
//   POST   /api/events/track          Success
//   POST   /api/users/update          Success; 400 BadParams for email exists@example.com
//   DELETE /api/lists/:id             Success; 404 NotFound for id 404
//   POST   /api/events/trackBulk      {successCount, failCount, failedUpdates: {invalidEmails}} (emails without "@", or at the domain "invalid" without a top-level domain, fail); an event named "slow" delays the answer 3 s
//   GET    /api/export/userEvents     JSON lines: `count` query (default 2500) records, sent in chunks
//   GET    /api/export/data.csv       CSV: 1200 rows, sent in chunks
//   POST   /api/export/start          {jobId: 77}
//   GET    /api/export/77/files       running with no files on the first poll, then completed with 2 files (lower case, as Iterable sends states)
//   GET    /files/:name               JSON lines of one export file (no key needed, like a pre-signed link)
//   GET    /api/campaigns             3 pages of 2 campaigns (nextPageUrl until page 3)
//   GET    /api/journeys              never answers (timeouts)
//   GET    /api/messageTypes          a JSON result nested DEEP (100,000) levels (DEEP_BODY)
//   GET    /api/webhooks              a 600 MB JSON body, chunked, generated as it is written (never held)
import http from 'node:http';

export const LISTS = [
  { id: 10, name: 'Newsletter', createdAt: 1700000000000, listType: 'Standard' },
  { id: 11, name: 'VIP', createdAt: 1700000001000, listType: 'Standard' },
];
export const CHANNELS = [{ id: 1, name: 'Email', channelType: 'Marketing', messageMedium: 'Email' }];
export const EXPORT_FILES = { 'part-0.json': 3, 'part-1.json': 2 };

const success = (msg) => ({ msg, code: 'Success', params: null });
export const DEEP = 100_000;
export const DEEP_BODY = `{"messageTypes":${'['.repeat(DEEP)}${']'.repeat(DEEP)}}`;

/** Writes a chunked JSON body of about `bytes` bytes, piece by piece under backpressure, until
 * done or the client goes away; resolves with the bytes written. */
async function huge(res, bytes) {
  res.writeHead(200, { 'content-type': 'application/json' });
  const piece = Buffer.from(`"${'x'.repeat(65_530)}",`);
  let sent = 0;
  res.write('[');
  while (sent < bytes && !res.destroyed) {
    sent += piece.length;
    if (!res.write(piece)) await new Promise((r) => { res.once('drain', r); res.once('close', r); });
  }
  if (!res.destroyed) res.end('0]');
  return sent;
}

export function startFake() {
  const requests = [];
  const hanging = new Set();
  let polls = 0;
  let base;

  async function stream(res, type, lines, chunk = 100) {
    res.writeHead(200, { 'content-type': type });
    for (let i = 0; i < lines.length; i += chunk) {
      res.write(lines.slice(i, i + chunk).join(''));
      await new Promise((r) => setTimeout(r, 2));
    }
    res.end();
  }

  function route(req, res, path, query, body) {
    const json = (status, value) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    const m = req.method;
    let match;
    if (m === 'GET' && (match = /^\/files\/([\w.-]+)$/.exec(path))) {
      const n = EXPORT_FILES[match[1]];
      if (!n) return json(404, { msg: 'no such file' });
      return stream(res, 'application/x-json-stream', Array.from({ length: n }, (_, i) => JSON.stringify({ file: match[1], n: i, email: `u${i}@example.com` }) + '\n'));
    }
    if (!path.startsWith('/api/')) return json(404, { msg: 'not found', code: 'NotFound', params: null });
    if (req.headers['api-key'] === 'bad-key') return json(401, { msg: 'Invalid API key', code: 'BadApiKey', params: null });
    if (m === 'GET' && path === '/api/lists') return json(200, { lists: LISTS });
    if (m === 'GET' && path === '/api/channels') return json(200, { channels: CHANNELS });
    if (m === 'GET' && /^\/api\/lists\/\d+\/size$/.test(path)) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end('2');
    }
    if (m === 'POST' && path === '/api/events/track') return json(200, success('Event with id: 1 tracked.'));
    if (m === 'POST' && path === '/api/users/update') {
      if (body?.email === 'exists@example.com') return json(400, { msg: 'User update failed: email already taken', code: 'BadParams', params: { email: body.email } });
      return json(200, success('User updated'));
    }
    if (m === 'DELETE' && (match = /^\/api\/lists\/(\d+)$/.exec(path))) {
      if (match[1] === '404') return json(404, { msg: 'List 404 not found', code: 'NotFound', params: null });
      return json(200, success(`List ${match[1]} deleted`));
    }
    if (m === 'POST' && path === '/api/events/trackBulk') {
      const events = Array.isArray(body?.events) ? body.events : [];
      // An event named "slow" makes the answer wait 3 s (a request in flight, for progress).
      if (events.some((e) => e?.eventName === 'slow') && !req.slowed) {
        req.slowed = true;
        return setTimeout(() => route(req, res, path, query, body), 3000);
      }
      const invalid = events.filter((e) => typeof e.email === 'string' && (!e.email.includes('@') || e.email.endsWith('@invalid'))).map((e) => e.email);
      return json(200, { successCount: events.length - invalid.length, failCount: invalid.length, invalidEmails: [], invalidUserIds: [], disallowedEventNames: [], filteredOutFields: [], createdFields: [], failedUpdates: { invalidEmails: invalid, invalidUserIds: [], notFoundEmails: [], notFoundUserIds: [], forgottenEmails: [], forgottenUserIds: [] } });
    }
    if (m === 'GET' && path === '/api/export/userEvents') {
      const count = Number(query.count ?? 2500);
      return stream(res, 'application/x-json-stream', Array.from({ length: count }, (_, i) => JSON.stringify({ eventName: 'e' + (i % 7), email: query.email, n: i, createdAt: 1700000000000 + i }) + '\n'));
    }
    if (m === 'GET' && path === '/api/export/data.csv') {
      return stream(res, 'text/csv', ['email,campaignId,n\n', ...Array.from({ length: 1200 }, (_, i) => `u${i}@example.com,5,${i}\n`)]);
    }
    if (m === 'POST' && path === '/api/export/start') {
      polls = 0;
      return json(200, { jobId: 77, msg: 'Export enqueued', code: 'Success' });
    }
    if (m === 'GET' && path === '/api/export/77/files') {
      polls++;
      if (polls === 1) return json(200, { exportTruncated: false, files: [], jobId: 77, jobState: 'running' });
      const names = Object.keys(EXPORT_FILES).filter((f) => !query.startAfter || f > query.startAfter);
      return json(200, { exportTruncated: false, files: names.map((file) => ({ file, url: `${base}/files/${file}` })), jobId: 77, jobState: 'completed' });
    }
    if (m === 'GET' && path === '/api/campaigns') {
      const page = Number(query.page ?? 1);
      const campaigns = page <= 3 ? [{ id: page * 10 + 1, name: `c${page}a` }, { id: page * 10 + 2, name: `c${page}b` }] : [];
      return json(200, { campaigns, totalCampaignsCount: 6, ...(page < 3 ? { nextPageUrl: `${base}/api/campaigns?page=${page + 1}` } : {}) });
    }
    if (m === 'GET' && path === '/api/messageTypes') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(DEEP_BODY);
    }
    if (m === 'GET' && path === '/api/webhooks') return huge(res, 600 * 1024 * 1024);
    if (m === 'GET' && path === '/api/journeys') {
      hanging.add(res);
      return undefined; // never answers
    }
    return json(404, { msg: `No route for ${m} ${path}`, code: 'NotFound', params: null });
  }

  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://127.0.0.1');
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body = null;
      if (raw) {
        try { body = JSON.parse(raw); } catch { body = raw; }
      }
      const query = Object.fromEntries(u.searchParams);
      requests.push({ method: req.method, path: u.pathname, query, headers: { ...req.headers }, body });
      Promise.resolve(route(req, res, u.pathname, query, body)).catch((e) => {
        res.writeHead(500);
        res.end(String(e));
      });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      base = `http://127.0.0.1:${port}`;
      resolve({
        url: base,
        port,
        requests,
        apiRequests: () => requests.filter((r) => r.path.startsWith('/api/')),
        reset() { requests.length = 0; },
        close() {
          for (const r of hanging) r.destroy();
          return new Promise((r) => {
            server.close(() => r());
            server.closeAllConnections?.();
          });
        },
      });
    });
  });
}

// CLI: node tests/cli/fake-iterable.mjs  → prints the URL, runs until killed.
if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  const srv = await startFake();
  console.log(srv.url);
}
