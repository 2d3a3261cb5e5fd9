// The bench's instant fake Iterable: node:http, keep-alive, 127.0.0.1 only, fixed answers.
// Runs as its own child process (`node bench/lib/server.mjs` prints {"url": ...} on stdout and exits
// when stdin closes), so the client under test is measured without the server in its process.
//
//   GET  /api/channels            → a fixed channels body (list_channels)
//   POST /api/events/track        → drains the body, {"msg","code":"Success","params"} (track_event)
//   POST /api/events/trackBulk    → drains the body, a fixed all-success bulk body
//   POST /_bench/count  {"on":b}  → while on, trackBulk bodies are parsed and their item counts logged
//   GET  /_bench/counts           → {"counts":[...], "bytes":[...]} logged since the last /_bench/count
//   GET  /_bench/stats            → {"requests": n}
// Anything else: 404 JSON. No Api-Key check (every contender sends one; the check is not measured).
import http from 'node:http';
import { pathToFileURL } from 'node:url';

export const CHANNELS_BODY = JSON.stringify({
  channels: [
    { id: 1, name: 'Marketing', channelType: 'Marketing', messageMedium: 'Email' },
    { id: 2, name: 'Transactional', channelType: 'Transactional', messageMedium: 'Email' },
    { id: 3, name: 'Push Marketing', channelType: 'Marketing', messageMedium: 'Push' },
  ],
});
export const TRACK_BODY = JSON.stringify({ msg: 'Event with id: 5f2b tracked.', code: 'Success', params: { id: '5f2b' } });
export const BULK_BODY = JSON.stringify({
  successCount: 0, failCount: 0, invalidEmails: [], invalidUserIds: [], filteredOutFields: [], createdFields: [],
  disallowedEventNames: [],
  failedUpdates: { invalidEmails: [], invalidUserIds: [], notFoundEmails: [], notFoundUserIds: [], forgottenEmails: [], forgottenUserIds: [], conflictEmails: [], conflictUserIds: [], invalidDataEmails: [], invalidDataUserIds: [] },
});

export function startBenchServer({ host = '127.0.0.1', port = 0 } = {}) {
  let counting = false;
  let counts = [];
  let bytes = [];
  let requests = 0;
  const bodies = {
    channels: Buffer.from(CHANNELS_BODY),
    track: Buffer.from(TRACK_BODY),
    bulk: Buffer.from(BULK_BODY),
  };
  const send = (res, status, buf) => {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': buf.length });
    res.end(buf);
  };
  const server = http.createServer({ keepAlive: true }, (req, res) => {
    requests++;
    const url = req.url;
    if (req.method === 'GET' && url === '/api/channels') {
      req.resume();
      return send(res, 200, bodies.channels);
    }
    if (req.method === 'POST' && url === '/api/events/track') {
      req.resume();
      req.on('end', () => send(res, 200, bodies.track));
      return;
    }
    if (req.method === 'POST' && url === '/api/events/trackBulk') {
      if (!counting) {
        let n = 0;
        req.on('data', (c) => { n += c.length; });
        req.on('end', () => send(res, 200, bodies.bulk));
        return;
      }
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        let n = -1;
        try { n = JSON.parse(raw.toString('utf8')).events.length; } catch { /* logged as -1 */ }
        counts.push(n);
        bytes.push(raw.length);
        send(res, 200, bodies.bulk);
      });
      return;
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (url === '/_bench/count') {
        counting = !!JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}').on;
        counts = [];
        bytes = [];
        return send(res, 200, Buffer.from('{"ok":true}'));
      }
      if (url === '/_bench/counts') return send(res, 200, Buffer.from(JSON.stringify({ counts, bytes })));
      if (url === '/_bench/stats') return send(res, 200, Buffer.from(JSON.stringify({ requests })));
      send(res, 404, Buffer.from(JSON.stringify({ msg: `no route ${req.method} ${url}`, code: 'NotFound', params: null })));
    });
  });
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 130_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const url = `http://${host}:${server.address().port}`;
      resolve({ url, close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }) });
    });
  });
}

const isMain = (() => {
  try { return typeof Deno === 'undefined' && import.meta.url === pathToFileURL(process.argv[1]).href; } catch { return false; }
})();
if (isMain) {
  const srv = await startBenchServer();
  process.stdout.write(JSON.stringify({ url: srv.url }) + '\n');
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}
