// The usage texts: `iterable-wasm help [command]`, `<command> --help`, and the one printed on
// stderr when no command is given. COMMON (the connection options) ends most of them. Each text
// is written freely and fitted to 80 columns when first shown (fit(): prose reflowed, option
// tables' descriptions wrapped in their column).
'use strict';

const { NAME, WIDTH, write } = require('./base.cjs');

/** Words of `text` in lines of at most `width` columns: the first line starts with `first`, the
 * others with `indent` (a word longer than a line gets a line of its own). */
function wrapWords(text, width, first, indent) {
  const lines = [];
  let line = first;
  let empty = true;
  for (const word of text.split(' ').filter(Boolean)) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else line += (empty ? '' : ' ') + word;
    empty = false;
  }
  lines.push(line);
  return lines;
}

/**
 * A help text fitted to `width` columns. Lines at the left margin form paragraphs, reflowed (a
 * "Usage:" line stands alone, its continuation indented). Indented lines form blocks; in a block
 * laid out as a table (a description column after a gap of two or more spaces), a row's
 * description with its continuation lines is rewrapped in that column; other indented lines
 * wrap under their own indent.
 */
function fit(text, width = WIDTH) {
  const out = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; ) {
    const line = lines[i];
    if (line.trim() === '') {
      out.push('');
      i++;
    } else if (!line.startsWith(' ')) {
      let para = line;
      i++;
      if (!line.startsWith('Usage: ')) while (i < lines.length && lines[i].trim() !== '' && !lines[i].startsWith(' ') && !lines[i].startsWith('Usage: ')) para += ' ' + lines[i++];
      out.push(...wrapWords(para, width, '', line.startsWith('Usage: ') ? '       ' : ''));
    } else {
      const block = [];
      while (i < lines.length && lines[i].startsWith(' ')) block.push(lines[i++]);
      // The description column: where most gaps of two or more spaces end.
      const ends = new Map();
      for (const l of block) for (const m of l.trimStart().matchAll(/ {2,}(?=\S)/g)) {
        const c = l.length - l.trimStart().length + m.index + m[0].length;
        ends.set(c, (ends.get(c) ?? 0) + 1);
      }
      const col = [...ends].sort((a, b) => b[1] - a[1])[0]?.[0];
      const rows = [];
      for (const l of block) {
        const lead = l.length - l.trimStart().length;
        if (col !== undefined && lead >= col && rows.length && rows.at(-1).head !== null) {
          rows.at(-1).text += ' ' + l.trim();
          rows.at(-1).lines.push(l);
        } else if (col !== undefined && lead < col && l[col - 1] === ' ' && l[col] !== ' ' && l.length > col) rows.push({ head: l.slice(0, col), text: l.slice(col), lines: [l] });
        else rows.push({ head: null, text: l, lead });
      }
      for (const r of rows) {
        // A row that fits keeps its own line breaks.
        if (r.head !== null && r.lines.every((l) => l.length <= width)) out.push(...r.lines);
        else if (r.head !== null) out.push(...wrapWords(r.text, width, r.head, ' '.repeat(col)));
        else if (r.text.length <= width) out.push(r.text);
        else out.push(...wrapWords(r.text.trim(), width, ' '.repeat(r.lead), ' '.repeat(r.lead + 2)));
      }
    }
  }
  return out.join('\n');
}

const COMMON = `Connection options:
  --region us|eu         data center (default: ITERABLE_REGION or us)
  --base-url URL         another base URL (default: ITERABLE_BASE_URL); https, or http on loopback
  --timeout MS           time limit of each attempt (default 30000)
  --max-retries N        retries after the first attempt (default 2)
  --max-response-bytes N longest response body read (default 64 MiB); longer: ResponseTooLarge
  --profile NAME         the key and region of a saved profile (see: ${NAME} keys --help)
  --sandbox              run against the built-in emulator instead of Iterable (no key needed)
  --state FILE           with --sandbox: load the emulator's state from FILE, save it back after
                         (locked while in use; written atomically; waits up to 10 s for another
                         process using it)
  --json-errors          errors on stderr as one JSON line
  --verbose, -v          log each attempt on stderr: method, URL, status, time, retry reason
                         (key redacted); ITERABLE_DEBUG=1 does the same, ITERABLE_DEBUG=body adds
                         the request and response bodies
  --version, -V          the package version
Environment: ITERABLE_API_KEY (wins over profiles; a key or a profile is required unless
--sandbox or --dry-run), ITERABLE_PROFILE, ITERABLE_REGION, ITERABLE_BASE_URL, ITERABLE_DEBUG,
NO_COLOR (no colour on a terminal).`;

/** The options of the local HTTP servers (`sandbox`, `mcp --http`). */
const serverOptions = (body, maxBody) => `Server options:
  --allow-host NAME      serve this Host name too (name or name:port; comma list, repeatable)
  --cors-origin ORIGIN   let pages from this origin call (e.g. https://app.example.com); loopback
                         origins always may, "*" is never accepted
  --max-body BYTES       largest ${body} (default ${maxBody}); 413 past it
  --headers-timeout MS   time to send the request headers (default 10000)
  --request-timeout MS   time to send the whole request (default 60000)
  --max-connections N    connections at once (default 64)`;

const TEXTS = {
  main: `Usage: ${NAME} <command> [options]

Every Iterable API action from the terminal, and an MCP server for AI agents.

Commands:
  <resource> <command> [args]      e.g. \`users get ada@example.com\`, \`lists delete 12\`;
                                   \`${NAME} users --help\` lists a resource's commands
  actions [word] [--json]          the actions by resource (filtered by a word: \`actions user\`)
  describe <id> [--json]           an action: example, params, every enum value, flags
  <id> [value] [key=value ...]     run one action by id (get_user_by_email ada@example.com;
                                   trackEvent, track-event work too; see: ${NAME} run --help)
  bulk <id> --file items.jsonl     send a list through a bulk action, split within its limits
  export [input]                   start an export job, wait for it, stream its records (JSON lines)
  sync status <syncId> --url URL   the progress of a Queues sync run by a Worker (--watch: until done)
  mcp [--http] [options]           Model Context Protocol server over stdio, or HTTP on 127.0.0.1
  sandbox [--port N] [--state F]   serve the Iterable emulator over HTTP on 127.0.0.1 (default port 4010)
  keys add|list|use|remove NAME    keep API keys per profile (US and EU side by side)
  completion bash|zsh|fish         a shell completion script (see: ${NAME} help completion)
  version, -V, --version           the package version
  help [command]                   this text, or a command's

Exit codes: 0 success, 1 cancelled or internal error, 2 bad input (usage or validation),
3 API error, 4 network error or timeout.

${COMMON}`,
  actions: `Usage: ${NAME} actions [word ...] [--json]

Lists the actions grouped by resource, sorted: id, HTTP method, flag marks (! irreversible,
@ sends messages to people, b bulk, p pages with --all, s streamed) and title. Words filter: a resource (\`actions users\`)
or a part of an id or title (\`actions user\`). --json prints the list as JSON.`,
  describe: `Usage: ${NAME} describe <id> [--json]

Shows an action: its description, method and path, an example command line, params with their
types, every enum value, where they go (path, query, body), whether each is required or in a
"one of" group, and the flags. --json prints the whole catalog entry (with its JSON Schema).`,
  run: `Usage: ${NAME} <id> [value] [--input '<json>' | --input @file.json | --input -] [key=value ...] [options]

The id may be written as the client's method name (getUserByEmail), with hyphens or in any case.
A bare value fills the action's one required param: ${NAME} get_user_by_email ada@example.com.

Runs one action and prints its result: JSON (pretty on a terminal, compact otherwise); a text
result (one item a line, e.g. list_list_users) as one JSON string except on a terminal or with
--raw; CSV and HTML results as text. key=value pairs are merged over --input and converted by the param's
type: numbers, booleans (true/false), arrays (JSON or a comma list), objects (JSON). key:=<json>
gives any JSON value. JSON-lines actions (export_user_events, export_campaign_data_to_json) print
one record per line as they arrive, CSV and text actions stream their body; progress goes to
stderr.

Options:
  --dry-run              print the request (method, URL, headers, body; key redacted), send nothing
  --yes, -y              run an irreversible action or a send without asking (required
                         without a terminal)
  --all                  every page of a paginated action: its items as JSON lines
  --raw                  stream the response body as it comes (CSV, text, JSON lines)
  --jsonl                print the records of a CSV action as JSON lines
  --quiet                no progress on stderr
  --output, -o FORMAT    json (compact; a text result as one JSON string), pretty (indented,
                         coloured on a terminal, readable dates), table, or jsonl (a list's
                         items one a line; a text result's lines as JSON strings).
                         Default: pretty on a terminal, json otherwise
  --columns a,b          the fields a table or jsonl shows
  --json                 same as --output json; --pretty: --output pretty; --jsonl: --output jsonl

${COMMON}`,
  bulk: `Usage: ${NAME} bulk <id> --file items.jsonl [--input '<json>' | key=value ...] [--concurrency N]

Sends every item of the file (JSON lines, or one JSON array; "-" reads stdin) through a bulk
action (${'`'}${NAME} actions${'`'} marks them "bulk"), split into requests within its documented limits,
with bounded concurrency, retries and rate limits. Progress goes to stderr; the report (items,
requests, sent, succeeded, failed, failures) to stdout. --input / key=value give the action's
other params (e.g. listId=12). Exits 0 when every item succeeded, 3 when Iterable refused some,
4 when a request failed on the network.

Options:
  --concurrency N        requests in flight at once (default 4, at most 16)
  --yes, -y              confirm an irreversible or sending bulk action
  --dry-run              print each request (key redacted), send nothing
  --quiet                no progress on stderr

${COMMON}`,
  sync: `Usage: ${NAME} sync status <syncId> --url URL [--export] [--watch] [--interval-ms N]

The progress of a bulk or export sync run by a Cloudflare Worker with iterable-wasm/queues (as in
the package's examples/queues-sync), read from the Worker's status route: GET <URL>/syncs/<syncId>,
or <URL>/exports/<syncId> with --export. Prints the status as JSON: batches done, dead and pending,
items sent, succeeded and failed, retries (an export: files listed and stored, records, bytes).
The route's bearer token is read from SYNC_TOKEN and sent only to URL (https, or http on loopback).

Options:
  --url URL              the Worker's base URL (required)
  --export               an export sync (default: a bulk sync)
  --watch                poll until the sync is complete, progress on stderr; exits 3 if it failed
  --interval-ms N        time between polls with --watch (default 2000)
  --timeout MS           time limit of each request (default 30000)
  --json, --pretty       compact or indented JSON (default: indented on a terminal)
  --quiet                no progress on stderr
  --dry-run              print the request (token left out), send nothing
Exit codes: 0 read (with --watch: complete), 2 bad usage, 3 refused, unknown or failed sync,
4 network error or timeout.`,
  export: `Usage: ${NAME} export [--input '<json>' | key=value ...] > out.jsonl

The export workflow in one command: start_export, poll the job (with backoff) until it completes,
and stream every file's records to stdout as JSON lines as they appear. The input is
start_export's (dataTypeName, outputFormat, startDateTime/endDateTime, onlyFields, ...). Progress
(job state, files, records) goes to stderr.

Options:
  --poll-ms MS           first wait between polls (default 1000)
  --quiet                no progress on stderr

${COMMON}`,
  mcp: `Usage: ${NAME} mcp [--tools discover|all] [--toolsets users,lists,...]
           [--read-only] [--allow-irreversible] [--allow-sends]
           [--allow id,id] [--deny id,id] [--sandbox [--state F]]
       ${NAME} mcp --http [--port 4020] [--host 127.0.0.1] [--token T]
           [server options] [...]

A Model Context Protocol server over the action catalog.
  --tools discover       (the default) three small tools: search_actions finds actions by words,
                         resource or flags, describe_action gives one action's JSON Schema and
                         flags, run_action runs one by id (its input checked as in every call)
  --tools all            one tool per action (name = action id, its description and JSON Schema)
  --toolsets R,R         one tool per action of these catalog resources (users, lists, events,
                         campaigns, templates, catalogs, ...); at most 100 tools
  --read-only            only actions that read
  --allow, --deny        narrow the actions by id (comma lists, repeatable); --allow alone serves
                         those actions as tools
Annotations: readOnlyHint (reads), destructiveHint (writes that delete or overwrite),
idempotentHint, openWorldHint. Irreversible tools are refused unless --allow-irreversible; tools
that make Iterable send messages to people (campaign sends and triggers, sends to a target,
proofs: the catalog's sends flag) are refused unless --allow-sends. A refusal says so, and
nothing is sent. A client that supports elicitation is asked instead: its user sees what will
be sent or deleted and to whom, and the call runs on a yes only. JSON results
are compact text plus structuredContent (outputSchema where the result's schema is known).

Over stdio (the default): newline-delimited JSON-RPC on stdin/stdout, logs on stderr. A line
longer than --max-body bytes (default 1 MB) is dropped as it arrives and answered with an error.

Over HTTP (--http): the streamable HTTP transport at http://127.0.0.1:PORT/mcp (the URL is
printed on stdout), with sessions (Mcp-Session-Id; idle ones end after 30 minutes, at most 100).
Requests must carry a loopback Host (others: 403), come from no browser or a loopback origin
(others: 403), POST application/json (others: 415) within --max-body (others: 413).
  --port N               port (default 4020; 0 picks a free one)
  --host ADDR            address to bind (default 127.0.0.1); beyond loopback a token is required
  --token T              every request must send Authorization: Bearer T (16+ characters; the
                         environment variable MCP_TOKEN is the safer way to pass it)

${serverOptions('stdio line or HTTP body', 1048576)}

Agent configuration (e.g. Claude Desktop, Cursor):
  { "mcpServers": { "iterable": {
      "command": "npx", "args": ["-y", "${NAME}", "mcp"],
      "env": { "ITERABLE_API_KEY": "<server-side key>" } } } }

${COMMON}`,
  keys: `Usage: ${NAME} keys add <name> [--region us|eu | --base-url URL]
       ${NAME} keys list [--json] | use <name> | remove <name>

Profiles keep an API key with its region (or base URL) in profiles.json under your config
folder ($XDG_CONFIG_HOME or ~/.config/${NAME}/, %APPDATA%\\${NAME}\\ on Windows; or
$ITERABLE_CONFIG_DIR), readable by you only (0600), written atomically. \`keys add\` reads the key
from stdin: typed without echo on a terminal, or piped (printf %s "$KEY" | ${NAME} keys add eu
--region eu); it is never printed. The first profile added is the one in use; \`keys use\`
switches. A command uses --profile NAME, else ITERABLE_PROFILE, else the one in use; when
ITERABLE_API_KEY is set it wins over every profile.`,
  completion: `Usage: ${NAME} completion bash|zsh|fish

Prints a shell completion script for the commands, resources and their commands, action ids and
options (generated from the catalog of this version). Install:
  bash: ${NAME} completion bash \\
          > ~/.local/share/bash-completion/completions/${NAME}
        (or in ~/.bashrc: source <(${NAME} completion bash))
  zsh:  ${NAME} completion zsh > "\${fpath[1]}/_${NAME}"
        (or: source <(${NAME} completion zsh))
  fish: ${NAME} completion fish \\
          > ~/.config/fish/completions/${NAME}.fish
        (or: ${NAME} completion fish | source)`,
  sandbox: `Usage: ${NAME} sandbox [--port 4010] [--host 127.0.0.1] [--state file.json] [server options]

Serves the Iterable emulator over HTTP (on 127.0.0.1 unless --host) and prints its URL; point
--base-url (or ITERABLE_BASE_URL) at it. Runs until Ctrl-C (SIGINT) or SIGTERM. Each request is
logged on stderr (--quiet: not).

It is a local development tool and accepts any API key. It serves loopback Host names only
(others: 403, so a web page cannot reach it through DNS rebinding) and answers CORS for loopback
origins only (a local dev server on any port works; others: 403).

--state loads the emulator's state from a file (when present) and saves it after changes: within
a second of a write and on the way out; reads and refused requests do not write it. The file is
locked while the server runs (a second process on it fails, naming this one's pid) and written
atomically (a kill never leaves it half written).

${serverOptions('request body', 8388608)}`,
};

/** The help texts by topic (a command's name, or main), fitted to 80 columns when first read. */
const HELP = {};
for (const topic of Object.keys(TEXTS)) {
  let fitted;
  Object.defineProperty(HELP, topic, { enumerable: true, get: () => (fitted ??= fit(TEXTS[topic])) });
}

/** Prints HELP[topic] on stdout; resolves to the exit code 0. */
async function printHelp(topic) {
  await write(HELP[topic] + '\n');
  return 0;
}

module.exports = { fit, HELP, printHelp };
