#!/usr/bin/env node
'use strict';
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
//
// This file (the package's bin; ./cli.js runs it too) is the dispatcher, and loads nothing
// before it has read the command line. The commands a newcomer types first, given without
// options (`--help`, `help <command>`, `actions [word ...]`, `version`), are answered by a few
// small CommonJS files (./cli/help.cjs, listing.cjs, catalog.cjs, base.cjs): the start-up budget
// is 1.3× an empty Node process (bench part startup-cli), and Node starts CommonJS without its ES
// module loader (which alone costs ~5 % of an empty process) and loads ES modules one file at a
// time. `describe <id>` takes its ES modules directly. Everything else, and any of those that
// fails (an unknown word, a missing file), goes through ./cli/main.js: the option parser, the
// checks, one module per command, and the error reports with their exit codes.
const argv = process.argv.slice(2);

/** Answers `argv` on the quick path; resolves to false when main.js must (then nothing was written). */
async function quick([command, ...rest]) {
  if (argv.some((a, i) => a.startsWith('-') && !(argv.length === 1 && i === 0))) return false;
  const out = async (text) => {
    process.stdout.on('error', (e) => {
      if (e?.code === 'EPIPE') process.exit(0);
    });
    await require('./cli/base.cjs').write(text);
    return true;
  };
  switch (command) {
    case '--help':
    case '-h':
    case 'help': {
      const { HELP } = require('./cli/help.cjs');
      const topic = rest.length === 0 ? 'main' : rest.length === 1 && Object.hasOwn(HELP, rest[0]) ? rest[0] : null;
      return topic !== null && out(HELP[topic] + '\n');
    }
    case 'actions':
      return out(await require('./cli/listing.cjs').listed(rest));
    case 'describe':
      return rest.length === 1 && out((await import('./cli/describe.js')).describeText(await (await import('./cli/find.js')).findAction(rest[0])));
    case 'version':
    case '--version':
    case '-V':
      return rest.length === 0 && out(require('./cli/catalog.cjs').packageVersion() + '\n');
    default:
      return false;
  }
}

(async () => {
  let answered = false;
  try {
    answered = argv.length > 0 && (await quick(argv));
  } catch {
    // main.js runs the command again and reports the error.
  }
  if (!answered) await (await import('./cli/main.js')).run();
})();
