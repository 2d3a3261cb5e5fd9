// Large-work suite in Deno, through the package's deno entry (pkg/index.deno.js); the fake server
// runs as a child node process, as in node.mjs.
// Run: npx deno run -A tests/large/deno.mjs [--quick]
//   smaller data than node.mjs: 60 pages per style, a 96 MB JSON-lines stream (RSS sampled), the
//   ≥ 50 MB CSV, the export workflow, bulk 20,000 users and 20,000 events
import { run, importPackage } from './suite.mjs';

const quick = Deno.args.includes('--quick');
const MB = 1024 * 1024;
const sizes = quick
  ? { pages: 50, jsonlBytes: 16 * MB, bodyBytes: 16 * MB, jsonlLimitMs: 60_000, csvRows: 20_000, csvMinMB: 1, csvLimitMs: 30_000, bulkUsers: 5_000, bulkEvents: 5_000, bulkLimitMs: 30_000 }
  : { pages: 60, jsonlBytes: 96 * MB, bodyBytes: 96 * MB, jsonlLimitMs: 60_000, csvRows: 560_000, csvMinMB: 50, csvLimitMs: 60_000, bulkUsers: 20_000, bulkEvents: 20_000, bulkLimitMs: 30_000 };

const env = Deno.env.get('ITERABLE_WASM_PKG');
const pkgDir = env ? new URL(`file://${env.replace(/\/?$/, '/')}`) : new URL('../../pkg/', import.meta.url);
const mtime = (u) => { try { return Deno.statSync(u).mtime?.getTime() ?? 0; } catch { return null; } };
const { failed, rows } = await run({
  importPkg: () => importPackage(pkgDir, 'index.deno.js', { mtime }),
  label: `deno ${Deno.version.deno}${quick ? ' --quick' : ''}`,
  sizes,
  rss: () => Deno.memoryUsage().rss,
  // With --v8-flags=--expose-gc (run.sh passes it) the GC-sensitive abort checks run a real GC.
  gc: typeof globalThis.gc === 'function' ? () => globalThis.gc() : undefined,
});
Deno.exit(failed || rows.length === 0 ? 1 : 0);
