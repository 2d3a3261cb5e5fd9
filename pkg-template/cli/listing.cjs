// `actions`: the catalog grouped by resource, sorted, filtered by words; or JSON. The plain
// listing is on the start-up budget (within 1.3× of an empty Node process, bench part
// startup-cli), so it reads the catalog's index line alone and loads two small CommonJS modules
// (./catalog.cjs, ./base.cjs); a filter word loads ./find.js, --json ./format.js.
'use strict';

const { byText, catalogActions, flagsOf, isPaginated, resourceName, STREAMED } = require('./catalog.cjs');
const { CliError, NAME, WIDTH, clip, write } = require('./base.cjs');

/** The flag marks of the listing (read and idempotent are in describe). */
const MARKS = [
  ['!', (a) => a.irreversible, 'irreversible (asks first)'],
  ['@', (a) => a.sends, 'sends messages to people (asks first)'],
  ['b', (a) => !!a.bulk, 'bulk'],
  ['p', isPaginated, 'pages with --all'],
  ['s', (a) => STREAMED.has(a.response), 'streamed'],
];
/** An action's marks, e.g. "!  p ". (Indexing, not destructuring: this runs for every action at
 * start-up, and an array pattern allocates an iterator per call until the code is optimized.) */
const marksOf = (a) => {
  let s = '';
  for (let i = 0; i < MARKS.length; i++) s += MARKS[i][1](a) ? MARKS[i][0] : ' ';
  return s;
};

/** The actions the filter words keep (every word must match: a resource, or a part of an id,
 * method name or title). */
async function filtered(actions, words) {
  if (!words.length) return actions;
  const { findResource, normalizeId } = await import('./find.js');
  const tests = words.map((w) => {
    const r = findResource(actions, w);
    const n = normalizeId(w);
    const lower = w.toLowerCase();
    return (a) => (r && r.resource === a.resource) || normalizeId(a.id).includes(n) || a.title.toLowerCase().includes(lower);
  });
  const shown = actions.filter((a) => tests.every((t) => t(a)));
  if (shown.length === 0) throw new CliError(`no action matches "${words.join(' ')}"; see \`${NAME} actions\``);
  return shown;
}

/** The listing as text: a legend, then per resource a heading and one line per action. */
function listingText(shown, total) {
  const groups = new Map(); // by resource (its catalog name), as the command names it
  const names = new Map();
  for (const a of shown) {
    let name = names.get(a.resource);
    if (name === undefined) names.set(a.resource, (name = resourceName(a.resource)));
    (groups.get(name) ?? groups.set(name, []).get(name)).push(a);
  }
  const legend = MARKS.map((m) => `${m[0]} ${m[2]}`);
  const out = [`flags: ${legend.slice(0, 2).join(', ')},`, `${legend.slice(2).join(', ')}`];
  for (const name of [...groups.keys()].sort(byText)) {
    const list = groups.get(name).sort((x, y) => byText(x.id, y.id));
    out.push('', `${name} (${list.length}): ${NAME} ${name} --help`);
    let w = 0;
    for (const a of list) w = Math.max(w, a.id.length);
    for (const a of list) {
      const head = `  ${a.id.padEnd(w)}  ${a.method.padEnd(6)} ${marksOf(a)} `;
      out.push(clip(head + clip(a.title, WIDTH - head.length)));
    }
  }
  out.push('', `${shown.length} of ${total} actions. \`${NAME} describe <id>\` for one;`, `\`${NAME} actions <word>\` to filter.`);
  return out.join('\n') + '\n';
}

/** The plain listing of the actions the words keep (the dispatcher's quick path, ../cli.js). */
async function listed(words = []) {
  const actions = catalogActions();
  return listingText(await filtered(actions, words), actions.length);
}

async function cmdActions(opts, words = []) {
  const actions = catalogActions();
  const shown = await filtered(actions, words);
  if (opts.json || opts.output) {
    const list = shown.map((a) => ({
      id: a.id, methodName: a.methodName, resource: a.resource, title: a.title, method: a.method, path: a.path, response: a.response,
      irreversible: a.irreversible, sends: a.sends, sendsWhen: a.sendsWhen, idempotent: a.idempotent, async: a.async,
      read: flagsOf(a).includes('read'), bulk: !!a.bulk, paginated: isPaginated(a) ? a.pagination.style : null,
    }));
    const { printResult } = await import('./format.js');
    await printResult(list, opts.output ? opts : { ...opts, output: opts.pretty ? 'pretty' : 'json' });
    return 0;
  }
  await write(listingText(shown, actions.length));
  return 0;
}

module.exports = { listingText, listed, cmdActions };
