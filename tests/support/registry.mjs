// A one-package npm registry on 127.0.0.1, serving a tarball made by `npm pack`, so that a client
// (Deno's `npm:` specifiers, npm itself) can install "iterable-wasm" the registry way, offline.
//
//   const reg = await startRegistry({ tarball, manifest });   // manifest = the package.json object
//   NPM_CONFIG_REGISTRY=reg.url deno run main.ts               // import "npm:iterable-wasm@0.1.0"
import http from 'node:http';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export function startRegistry({ tarball, manifest }) {
  const data = readFileSync(tarball);
  const integrity = 'sha512-' + createHash('sha512').update(data).digest('base64');
  const shasum = createHash('sha1').update(data).digest('hex');
  const { name, version } = manifest;
  const file = `${name}-${version}.tgz`;
  const hits = [];
  const server = http.createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    hits.push(`${req.method} ${path}`);
    const base = `http://127.0.0.1:${server.address().port}`;
    if (path === `/${name}`) {
      const doc = {
        name,
        'dist-tags': { latest: version },
        versions: {
          [version]: { ...manifest, dist: { tarball: `${base}/${name}/-/${file}`, integrity, shasum } },
        },
        time: { [version]: '2025-01-01T00:00:00.000Z' },
      };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(doc));
    } else if (path === `/${name}/-/${file}`) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
      res.end(data);
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"Not found"}');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}/`,
        hits,
        close: () => new Promise((r) => { server.close(() => r()); server.closeAllConnections?.(); }),
      });
    });
  });
}
