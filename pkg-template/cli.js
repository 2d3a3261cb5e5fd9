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
//
// This file is the dispatcher, and imports nothing before it has read the command line. The
// commands a newcomer types first, given without options (`--help`, `help <command>`,
// `actions [word ...]`, `describe <id>`, `version`), are answered with only the modules they
// need: the start-up budget is 1.3× an empty Node process (bench part startup-cli), and Node
// loads ES modules one file at a time. Everything else, and any of those that fails (an unknown
// word, a missing file), goes through ./cli/main.js: the option parser, the checks, one module
// per command, and the error reports with their exit codes.
const argv = process.argv.slice(2);

/** Answers `argv` on the quick path; resolves to false when main.js must (then nothing was written). */
async function quick([command, ...rest]) {
  if (argv.some((a, i) => a.startsWith('-') && !(argv.length === 1 && i === 0))) return false;
  const out = async (text) => {
    process.stdout.on('error', (e) => {
      if (e?.code === 'EPIPE') process.exit(0);
    });
    await (await import('./cli/output.js')).write(text);
    return true;
  };
  switch (command) {
    case '--help':
    case '-h':
    case 'help': {
      const { HELP } = await import('./cli/help.js');
      const topic = rest.length === 0 ? 'main' : rest.length === 1 && Object.hasOwn(HELP, rest[0]) ? rest[0] : null;
      return topic !== null && out(HELP[topic] + '\n');
    }
    case 'actions': {
      const { listed } = await import('./cli/listing.js');
      return out(await listed(rest));
    }
    case 'describe':
      return rest.length === 1 && out((await import('./cli/describe.js')).describeText(await (await import('./cli/find.js')).findAction(rest[0])));
    case 'version':
    case '--version':
    case '-V':
      return rest.length === 0 && out((await import('./cli/catalog.js')).packageVersion() + '\n');
    default:
      return false;
  }
}

let answered = false;
try {
  answered = argv.length > 0 && (await quick(argv));
} catch {
  // main.js runs the command again and reports the error.
}
if (!answered) await (await import('./cli/main.js')).run();
