// Large-work suite in Node, through the package's node entry (pkg/index.node.js).
// Run: node tests/large/node.mjs [--quick]   (LARGE_VERBOSE=1 prints each check as it ends)
//   full:   pagination 60 pages per style, a 1 GiB JSON-lines stream (RSS sampled), a ≥ 50 MB CSV,
//           the export workflow, bulk 100,000 users and 100,000 events
//   --quick: the same checks on small data
import { statSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { run, importPackage } from './suite.mjs';

const quick = process.argv.includes('--quick');
const MB = 1024 * 1024;
const sizes = quick
  ? { pages: 50, jsonlBytes: 32 * MB, bodyBytes: 32 * MB, jsonlLimitMs: 60_000, csvRows: 20_000, csvMinMB: 1, csvLimitMs: 30_000, bulkUsers: 10_000, bulkEvents: 10_000, bulkLimitMs: 30_000 }
  : { pages: 60, jsonlBytes: 1024 * MB, bodyBytes: 256 * MB, jsonlLimitMs: 120_000, csvRows: 560_000, csvMinMB: 50, csvLimitMs: 60_000, bulkUsers: 100_000, bulkEvents: 100_000, bulkLimitMs: 60_000 };

// A real GC before the RSS baseline (no command-line flag needed).
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const pkgDir = new URL(process.env.ITERABLE_WASM_PKG ? `file://${process.env.ITERABLE_WASM_PKG.replace(/\/?$/, '/')}` : '../../pkg/', import.meta.url);
const mtime = (u) => { try { return statSync(u).mtimeMs; } catch { return null; } };
const { failed, rows } = await run({
  importPkg: () => importPackage(pkgDir, 'index.node.js', { mtime }),
  label: `node ${process.version}${quick ? ' --quick' : ''}`,
  sizes,
  rss: () => process.memoryUsage.rss(),
  gc,
});
process.exit(failed || rows.length === 0 ? 1 : 0);
