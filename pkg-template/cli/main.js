// The dispatch: parses the arguments, handles --version and help, hands each command to its
// module, and turns a thrown error into its report on stderr and the exit code (run()).
import { checkOptions, parseArgs } from './args.js';
import { packageVersion } from './catalog.cjs';
import { HELP, printHelp } from './help.cjs';
import { CliError, NAME, reportError, write } from './output.js';

// Each command's module is loaded when it runs (a fast --help).
const cmdRun = async (...a) => (await import('./call.js')).cmdRun(...a);

/** The commands with their own module; anything else is an action id (or a near miss). */
const COMMANDS = new Set(['actions', 'describe', 'run', 'bulk', 'export', 'sync', 'mcp', 'sandbox', 'completion', 'keys', 'help', 'version']);

async function main(argv) {
  const { opts, positional } = parseArgs(argv);
  const [command, ...rest] = positional;
  if (opts.version || command === 'version') {
    await write(packageVersion() + '\n');
    return 0;
  }
  if (!command || command === 'help') {
    const topic = command === 'help' ? rest[0] : undefined;
    if (!command && !opts.help) {
      process.stderr.write(HELP.main + '\n');
      return 2;
    }
    if (topic && !Object.hasOwn(HELP, topic)) {
      const r = await (await import('./resource.js')).resourceNamed(topic);
      if (r) return (await import('./resource.js')).cmdResource(r, { ...opts, help: true }, rest.slice(1));
      return cmdRun(topic, { ...opts, help: true }, []);
    }
    await write((topic ? HELP[topic] : HELP.main) + '\n');
    return 0;
  }
  const resource = COMMANDS.has(command) ? undefined : await (await import('./resource.js')).resourceNamed(command);
  checkOptions(opts, COMMANDS.has(command) ? command : 'run');
  if (resource) return (await import('./resource.js')).cmdResource(resource, opts, rest);
  switch (command) {
    case 'actions':
      if (opts.help) return printHelp('actions');
      return (await import('./listing.cjs')).cmdActions(opts, rest);
    case 'describe':
      if (opts.help) return printHelp('describe');
      return (await import('./describe.js')).cmdDescribe(opts, rest);
    case 'run':
      if (opts.help && rest.length === 0) return printHelp('run');
      if (!rest[0]) throw new CliError(`usage: ${NAME} run <id> [input]`);
      return cmdRun(rest[0], opts, rest.slice(1));
    case 'bulk':
      return (await import('./bulk.js')).cmdBulk(opts, rest);
    case 'export':
      return (await import('./export.js')).cmdExport(opts, rest);
    case 'sync':
      return (await import('./sync.js')).cmdSync(opts, rest);
    case 'mcp':
      return (await import('./mcp.js')).cmdMcp(opts);
    case 'sandbox':
      return (await import('./sandbox.js')).cmdSandbox(opts);
    case 'keys':
      return (await import('./keys.js')).cmdKeys(opts, rest);
    case 'completion':
      return (await import('./completion.js')).cmdCompletion(opts, rest);
    default:
      return cmdRun(command, opts, rest);
  }
}

/** Runs the command line in process.argv, then exits the process with the command's exit code. */
export async function run() {
  const argv = process.argv.slice(2);
  const jsonErrors = argv.includes('--json-errors');
  process.stdout.on?.('error', (e) => {
    if (e?.code === 'EPIPE') process.exit(0);
  });
  let code;
  try {
    code = await main(argv);
  } catch (e) {
    code = reportError(e, jsonErrors);
  }
  await new Promise((r) => process.stdout.write('', r));
  process.exit(code);
}
