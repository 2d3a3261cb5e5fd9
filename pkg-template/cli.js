#!/usr/bin/env node
// iterable-wasm on the command line (Node >= 18 and Deno 2: only node: modules both provide).
//
//   npx iterable-wasm actions [--json]
//   npx iterable-wasm describe <id> [--json]
//   npx iterable-wasm <id> [--input '<json>' | --input @file.json | key=value ...] [options]
//   npx iterable-wasm bulk <id> --file items.jsonl [--input ...] [--concurrency N]
//   npx iterable-wasm export [start_export input] > out.jsonl
//   npx iterable-wasm mcp [--allow-irreversible] [--allow ids] [--deny ids] [--sandbox]
//   npx iterable-wasm sandbox [--port 4010] [--state file.json]
//
// Exit codes: 0 success, 1 cancelled or internal error, 2 bad input (usage, validation, an
// unconfirmed irreversible action), 3 API error, 4 network error or timeout.
// The API key comes from ITERABLE_API_KEY and is never printed.
// The commands live in ./cli/ (main.js dispatches to one module per command).
import { run } from './cli/main.js';

await run();
