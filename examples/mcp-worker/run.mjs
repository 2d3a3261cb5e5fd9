// Runs worker.js locally in workerd (the Workers runtime) through miniflare and serves the MCP
// endpoint on 127.0.0.1 until Ctrl-C; point an MCP client at the printed URL.
//
//   ITERABLE_API_KEY=... MCP_TOKEN=... node examples/mcp-worker/run.mjs [--port 8788]
//
// Other bindings are taken from the environment when set: ITERABLE_REGION, ITERABLE_BASE_URL,
// MCP_ALLOW_IRREVERSIBLE, MCP_ALLOW, MCP_DENY, ITERABLE_SANDBOX. ITERABLE_WASM_PKG: the package
// folder (default: node_modules/iterable-wasm, else the repo's pkg/).
//
// Miniflare does not bundle, so this does what wrangler's bundler does: resolve "iterable-wasm"
// and "iterable-wasm/mcp" through the package's exports map (workerd condition), every .js of the
// package as an ES module and the .wasm files as compiled WebAssembly modules.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';

const here = fileURLToPath(new URL('.', import.meta.url));
export const BINDING_NAMES = ['ITERABLE_API_KEY', 'MCP_TOKEN', 'ITERABLE_REGION', 'ITERABLE_BASE_URL', 'MCP_ALLOW_IRREVERSIBLE', 'MCP_ALLOW', 'MCP_DENY', 'ITERABLE_SANDBOX', 'MCP_ALLOWED_HOSTS', 'MCP_ALLOWED_ORIGINS'];

/** Starts the worker; resolves to {url (of /mcp), mf, dispose()}. */
export async function startWorker({ bindings = {}, port = 0, pkgDir } = {}) {
  pkgDir ??= [process.env.ITERABLE_WASM_PKG, join(here, 'node_modules/iterable-wasm'), join(here, '../../pkg')]
    .find((d) => d && existsSync(join(d, 'package.json')));
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const entry = manifest.exports['.'].workerd;
  const mcp = manifest.exports['./mcp'];
  const mcpEntry = typeof mcp === 'string' ? mcp : mcp.workerd ?? mcp.default;
  const files = (dir) => readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
  const pkgModules = files(pkgDir)
    .filter((p) => /\.(js|wasm)$/.test(p) && !p.endsWith('cli.js'))
    .map((p) => ({
      type: p.endsWith('.wasm') ? 'CompiledWasm' : 'ESModule',
      path: join(here, 'node_modules/iterable-wasm', relative(pkgDir, p)),
      contents: readFileSync(p),
    }));
  const forward = (name, target) => ({
    type: 'ESModule',
    path: join(here, name),
    contents: `export * from ${JSON.stringify(`${name.includes('/') ? '../' : './'}node_modules/iterable-wasm/${target.replace(/^\.\//, '')}`)};`,
  });
  const mf = new Miniflare({
    host: '127.0.0.1',
    port,
    modulesRoot: here,
    modules: [
      { type: 'ESModule', path: join(here, 'worker.js'), contents: readFileSync(join(here, 'worker.js'), 'utf8') },
      forward('iterable-wasm', entry),
      forward('iterable-wasm/mcp', mcpEntry),
      forward('iterable-wasm/sandbox', manifest.exports['./sandbox'].workerd),
      { type: 'ESModule', path: join(here, 'iterable-wasm/results'), contents: `export { default } from '../node_modules/iterable-wasm/${manifest.exports['./results'].default.replace(/^\.\//, '')}';` },
      ...pkgModules,
    ],
    compatibilityDate: '2025-01-01',
    bindings: Object.fromEntries(Object.entries(bindings).filter(([, v]) => v !== undefined && v !== '')),
  });
  const base = await mf.ready;
  return { url: new URL('/mcp', base).href, mf, dispose: () => mf.dispose() };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (!process.env.ITERABLE_API_KEY && process.env.ITERABLE_SANDBOX !== '1') {
    console.error('Set ITERABLE_API_KEY (or ITERABLE_SANDBOX=1) and MCP_TOKEN.');
    process.exit(2);
  }
  if (!process.env.MCP_TOKEN) {
    console.error('Set MCP_TOKEN: the bearer token MCP clients must send.');
    process.exit(2);
  }
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : 8788;
  const bindings = Object.fromEntries(BINDING_NAMES.map((n) => [n, process.env[n]]));
  const w = await startWorker({ bindings, port });
  console.log(`MCP endpoint: ${w.url} (Authorization: Bearer $MCP_TOKEN); Ctrl-C to stop`);
  const stop = async () => {
    await w.dispose();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
