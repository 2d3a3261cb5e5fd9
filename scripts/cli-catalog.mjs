#!/usr/bin/env node
// The CLI's catalog as a plain data file, pkg/cli/catalog.jsonl, so `actions`, `describe`,
// `--help`, completion and "did you mean" read one file and never load the wasm. Written from the
// built package's published `actions` (the same entries, in catalog order):
//   line 1: the index, an array with one short entry per action: what listing, look-up, resource
//           commands and completion need (id, methodName, title, resource, method, path,
//           response, pagination, flags, the required params and "one of" groups);
//   line 2 on: each action's whole published entry, one per line, in the index's order (parsed
//           only for the action a command names).
// Called by scripts/build.mjs; standalone: `node scripts/cli-catalog.mjs [pkg dir]`. The CLI
// tests check the file still agrees with the package's `actions`.
import { renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const pkg = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'pkg'));
const { actions, ready } = await import(pathToFileURL(join(pkg, 'index.node.js')).href);
await ready();
const SHORT = ['id', 'methodName', 'title', 'resource', 'method', 'path', 'response', 'pagination', 'irreversible', 'idempotent', 'async', 'sends', 'sendsWhen', 'bulk', 'requireOneOf'];
const index = actions.map((a) => ({ ...Object.fromEntries(SHORT.map((k) => [k, a[k]])), required: a.inputSchema?.required ?? [] }));
const out = join(pkg, 'cli', 'catalog.jsonl');
writeFileSync(`${out}.tmp`, [index, ...actions].map((x) => JSON.stringify(x)).join('\n') + '\n');
renameSync(`${out}.tmp`, out);
console.log(`cli/catalog.jsonl: ${actions.length} actions`);
