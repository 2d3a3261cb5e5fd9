// Resource commands: `iterable-wasm users get <email|userId>`. The resources and their command
// names come from the catalog (./find.js); each command runs its action through cmdRun, a smart
// command first picks its action by the argument's shape. `<resource> --help` lists the
// commands, `<resource> <command> --help` shows the action (or the choice) with an example.
import { catalogActions, catalogEntry } from './catalog.cjs';
import { describeText, exampleLine, shellLines, wrap } from './describe.js';
import { byText, findResource, pickChoice, resourceTable, suggest } from './find.js';
import { CliError, NAME, WIDTH, write } from './output.js';

// The call path (client, transport, the package) is loaded only when a command runs.
const cmdRun = async (...a) => (await import('./call.js')).cmdRun(...a);

/** The resource `name` names, or undefined (then the word is an action id or a typo). */
export async function resourceNamed(name) {
  const actions = catalogActions();
  return findResource(actions, name);
}

function resourceHelp(r) {
  const cmds = [...r.commands.values()].sort((x, y) => byText(x.name, y.name));
  const w = Math.max(...cmds.map((c) => c.name.length));
  const lines = cmds.map((c) => {
    const what = c.action ? `${c.action.title} (${c.action.id})` : `by the argument: ${c.choices.map((x) => x.action.id).join(' or ')}`;
    return wrap(`${c.action?.irreversible ? '! ' : ''}${c.action?.sends ? '@ ' : ''}${what}`, WIDTH, ' '.repeat(w + 4), `  ${c.name.padEnd(w)}  `);
  });
  return `Usage: ${NAME} ${r.name} <command> [args] [options]

${wrap(`Commands (each runs one action; \`${NAME} ${r.name} <command> --help\` for its params; ! irreversible, @ sends messages to people: asks before running):`)}
${lines.join('\n')}
`;
}

function smartHelp(r, c) {
  const full = c.choices.map((x) => catalogEntry(x.action.id));
  const ex = full.map((a) => exampleLine(a, `${NAME} ${r.name} ${c.name}`));
  const rules = c.choices.map((x) => `  ${/email/i.test(x.param) ? 'an email address' : `a ${x.param}`} (or ${x.param}=…) runs ${x.action.id}`);
  return `${wrap(`Usage: ${NAME} ${r.name} ${c.name} <${c.choices.map((x) => x.param).join('|')}> [key=value ...] [options]`, WIDTH, '       ', '')}

Runs one of ${c.choices.length} actions, chosen by the argument:
${rules.map((l) => wrap(l, WIDTH, '    ', '  ')).join('\n')}

Examples:
${ex.flatMap((e) => shellLines(e)).join('\n')}

${full.map((a) => describeText(a)).join('\n')}`;
}

/** The command `name` of the resource `r` (hyphens or underscores, any case), or a usage error
 * with the nearest names. */
function commandOf(r, name) {
  const c = r.commands.get(name) ?? r.commands.get(name.replace(/_/g, '-').toLowerCase());
  if (c) return c;
  const near = suggest([...r.commands.keys()], name);
  throw new CliError(`${r.name} has no command "${String(name).slice(0, 40)}"${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}; see \`${NAME} ${r.name} --help\``);
}

/** `<resource> --help` (no command name) or `<resource> <command> --help`. */
export function resourceHelpText(r, name) {
  if (!name) return resourceHelp(r);
  const c = commandOf(r, name);
  const a = c.action && catalogEntry(c.action.id);
  return a ? describeText(a, { examples: [exampleLine(a, `${NAME} ${r.name} ${c.name}`), exampleLine(a)] }) : smartHelp(r, c);
}

/** `<resource> [command] [args]`. */
export async function cmdResource(r, opts, args) {
  const [name, ...rest] = args;
  if (!name || opts.help) {
    await write(resourceHelpText(r, name));
    return !name && !opts.help ? 2 : 0;
  }
  const c = commandOf(r, name);
  if (c.action) return cmdRun(c.action.id, opts, rest);
  const picked = pickChoice(c.choices, rest);
  if (!picked) throw new CliError(`${r.name} ${c.name} needs ${c.choices.map((x) => x.param).join(' or ')} (see \`${NAME} ${r.name} ${c.name} --help\`)`);
  return cmdRun(picked.choice.action.id, opts, picked.args);
}

/** Every resource's name and command names (for completion). */
export async function resourceNames() {
  const actions = catalogActions();
  return [...resourceTable(actions).values()].map((r) => ({ name: r.name, commands: [...r.commands.keys()].sort() }));
}
