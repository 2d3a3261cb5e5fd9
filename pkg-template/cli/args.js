// Reading the command line: the option parser (which options take a value, which are flags),
// integer options, and an action's input from --input (JSON, @file, - for stdin) and key=value
// pairs converted by the param's JSON Schema type.
import { builtin, parseArgs as utilParseArgs } from './builtins.js';
import { typeOf } from './catalog.cjs';
import { positionalParam } from './find.js';
import { CliError } from './output.js';

// ---------------------------------------------------------------------------------------------
// Arguments

/** Every option: its kind, and the commands it belongs to (`*`: every command; `run`: running an
 * action, by id or resource command). An option given to a command it does not belong to is an
 * error naming the commands it belongs to. */
const SERVER = ['sandbox', 'mcp'];
const CONNECT = ['run', 'bulk', 'export', 'mcp'];
export const OPTIONS = {
  help: { type: 'boolean', short: 'h', for: ['*'] },
  version: { type: 'boolean', short: 'V', for: ['*'] },
  'json-errors': { type: 'boolean', for: ['*'] },
  quiet: { type: 'boolean', for: ['run', 'bulk', 'export', 'mcp', 'sandbox', 'sync'] },
  verbose: { type: 'boolean', short: 'v', for: CONNECT },
  profile: { type: 'string', for: CONNECT },
  region: { type: 'string', for: [...CONNECT, 'keys'] },
  'base-url': { type: 'string', for: [...CONNECT, 'keys'] },
  timeout: { type: 'string', for: [...CONNECT, 'sync'] },
  'max-retries': { type: 'string', for: CONNECT },
  'max-response-bytes': { type: 'string', for: CONNECT },
  sandbox: { type: 'boolean', for: CONNECT },
  state: { type: 'string', for: [...CONNECT, 'sandbox'] },
  input: { type: 'string', for: ['run', 'bulk', 'export'] },
  'dry-run': { type: 'boolean', for: ['run', 'bulk', 'export', 'sync'] },
  yes: { type: 'boolean', short: 'y', for: ['run', 'bulk'] },
  all: { type: 'boolean', for: ['run'] },
  raw: { type: 'boolean', for: ['run'] },
  jsonl: { type: 'boolean', for: ['run'] },
  output: { type: 'string', short: 'o', for: ['run', 'bulk', 'actions'] },
  columns: { type: 'string', for: ['run', 'actions'] },
  json: { type: 'boolean', for: ['run', 'bulk', 'actions', 'describe', 'keys', 'sync'] },
  pretty: { type: 'boolean', for: ['run', 'bulk', 'actions', 'describe', 'sync'] },
  file: { type: 'string', short: 'f', for: ['bulk'] },
  concurrency: { type: 'string', for: ['bulk'] },
  'poll-ms': { type: 'string', for: ['export'] },
  url: { type: 'string', for: ['sync'] },
  export: { type: 'boolean', for: ['sync'] },
  watch: { type: 'boolean', for: ['sync'] },
  'interval-ms': { type: 'string', for: ['sync'] },
  'allow-irreversible': { type: 'boolean', for: ['mcp'] },
  allow: { type: 'string', multiple: true, list: true, for: ['mcp'] },
  deny: { type: 'string', multiple: true, list: true, for: ['mcp'] },
  http: { type: 'boolean', for: ['mcp'] },
  token: { type: 'string', for: ['mcp'] },
  tools: { type: 'string', for: ['mcp'] },
  toolsets: { type: 'string', multiple: true, list: true, for: ['mcp'] },
  'read-only': { type: 'boolean', for: ['mcp'] },
  'allow-sends': { type: 'boolean', for: ['mcp'] },
  'api-key': { type: 'string', multiple: true, list: true, for: ['sandbox'] },
  seed: { type: 'string', for: ['sandbox'] },
  port: { type: 'string', for: SERVER },
  host: { type: 'string', for: SERVER },
  'allow-host': { type: 'string', multiple: true, list: true, for: SERVER },
  'cors-origin': { type: 'string', multiple: true, list: true, for: SERVER },
  'max-body': { type: 'string', for: SERVER },
  'headers-timeout': { type: 'string', for: SERVER },
  'request-timeout': { type: 'string', for: SERVER },
  'max-connections': { type: 'string', for: SERVER },
};

const PARSE_OPTIONS = Object.fromEntries(Object.entries(OPTIONS).map(([k, o]) => [k, { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }]));

/** The command line as { opts, positional } (node:util's parseArgs, strict; its errors as usage
 * errors). List options (comma lists, repeatable) are flattened. */
export function parseArgs(argv) {
  let parsed;
  try {
    parsed = utilParseArgs({ args: argv, options: PARSE_OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    const name = /'(-{1,2}[^' <]+)/.exec(String(e?.message))?.[1] ?? '';
    if (e?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new CliError(`unknown option ${name} (see --help)`);
    if (/argument missing/.test(e?.message)) throw new CliError(`${name} needs a value`);
    if (/does not take an argument/.test(e?.message)) throw new CliError(`${name} takes no value`);
    throw new CliError(String(e?.message ?? e));
  }
  const opts = {};
  for (const [k, v] of Object.entries(parsed.values)) {
    opts[k] = OPTIONS[k]?.list ? v.flatMap((x) => x.split(',').map((s) => s.trim()).filter(Boolean)) : v;
  }
  return { opts, positional: parsed.positionals };
}

/** Throws when an option given does not belong to `command` (a key of OPTIONS[*].for). */
export function checkOptions(opts, command) {
  for (const name of Object.keys(opts)) {
    const belongs = OPTIONS[name]?.for ?? ['*'];
    if (belongs.includes('*') || belongs.includes(command)) continue;
    const where = belongs.map((c) => (c === 'run' ? '<action>' : c)).join(', ');
    throw new CliError(`--${name} does not apply to ${command === 'run' ? 'running an action' : command}; it belongs to: ${where}`);
  }
}

/** The local-server options shared by `sandbox` and `mcp --http` (--allow-host, --cors-origin,
 * --max-body, --headers-timeout, --request-timeout, --max-connections), checked; unset ones are
 * left out so the server's defaults apply. (The servers' guard module is loaded here, not at
 * start-up: the commands that list and describe stay fast.) */
export async function serverOptions(opts) {
  const out = {};
  const { hostList, originList } = await import('../server/guard.js');
  try {
    if (opts['allow-host']) out.allowHosts = hostList(opts['allow-host'], '--allow-host');
    if (opts['cors-origin']) out.corsOrigins = originList(opts['cors-origin'], '--cors-origin');
  } catch (e) {
    throw new CliError(e.message);
  }
  const n = (name, key, min, max) => {
    const v = intOption(opts, name, { min, max });
    if (v !== undefined) out[key] = v;
  };
  n('max-body', 'maxBody', 1, 1 << 30);
  n('headers-timeout', 'headersTimeoutMs', 100, 600_000);
  n('request-timeout', 'requestTimeoutMs', 100, 3_600_000);
  n('max-connections', 'maxConnections', 1, 100_000);
  return out;
}

export const intOption = (opts, name, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}) => {
  if (opts[name] === undefined) return undefined;
  const n = Number(opts[name]);
  if (!Number.isInteger(n) || n < min || n > max) throw new CliError(`--${name} must be an integer from ${min} to ${max}, got "${String(opts[name]).slice(0, 40)}"`);
  return n;
};

// ---------------------------------------------------------------------------------------------
// Input

/** The text of a file, or of stdin for "-": read as a stream, so a terminal works too (with a
 * hint on stderr; Ctrl-D ends it). */
let stdinRead = false;
/** Whether stdin carried an input (then it cannot answer a prompt). */
export const stdinUsed = () => stdinRead;

/** The text of a file, or of stdin for "-", in pieces as they are read (a large --file shows
 * progress while it is read); on a terminal with a hint on stderr (Ctrl-D ends it). A file or
 * stdin that cannot be read: a usage error naming it. */
export async function* sourceChunks(spec, what) {
  const source = spec === '-' ? process.stdin : builtin('node:fs').createReadStream(spec, { highWaterMark: 256 * 1024 });
  if (spec === '-') {
    stdinRead = true;
    if (process.stdin.isTTY) process.stderr.write(`reading ${what} from the terminal; end with Ctrl-D (Ctrl-Z Enter on Windows)\n`);
  }
  source.setEncoding('utf8');
  try {
    for await (const chunk of source) yield chunk;
  } catch (e) {
    throw new CliError(`cannot read ${what} ${spec === '-' ? 'from stdin' : `"${spec}"`}: ${e.code ?? e.message}`);
  }
}

export async function readSource(spec, what) {
  let text = '';
  for await (const chunk of sourceChunks(spec, what)) text += chunk;
  return text;
}


function coerce(raw, schema, key) {
  const type = typeOf(schema);
  const bad = (what) => new CliError(`${key}: expected ${what}, got "${raw.slice(0, 60)}"`, { code: 'ValidationError' });
  switch (type) {
    case 'integer': {
      if (!/^[-+]?\d+$/.test(raw.trim())) throw bad('an integer');
      return Number(raw);
    }
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw bad('a number');
      return n;
    }
    case 'boolean': {
      const v = raw.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      throw bad('true or false');
    }
    case 'array': {
      const t = raw.trim();
      if (t.startsWith('[')) {
        try {
          return JSON.parse(t);
        } catch {
          throw bad('a JSON array');
        }
      }
      if (t === '') return [];
      return t.split(',').map((s, i) => coerce(s.trim(), schema.items, `${key}[${i}]`));
    }
    case 'object': {
      try {
        const v = JSON.parse(raw);
        if (v && typeof v === 'object' && !Array.isArray(v)) return v;
      } catch {}
      throw bad('a JSON object');
    }
    default:
      return raw;
  }
}

/** An action's input: --input's object with the key=value / key:=<json> pairs merged over it. */
export async function buildInput(entry, opts, pairs) {
  let input = {};
  if (opts.input !== undefined) {
    const text = opts.input === '-' ? await readSource('-', '--input') : opts.input.startsWith('@') ? await readSource(opts.input.slice(1), '--input file') : opts.input;
    try {
      input = JSON.parse(text);
    } catch (e) {
      throw new CliError(`--input is not valid JSON (${e.message})`, { code: 'ValidationError' });
    }
    if (!input || typeof input !== 'object' || Array.isArray(input)) throw new CliError('--input must be a JSON object', { code: 'ValidationError' });
  }
  const props = entry?.inputSchema?.properties ?? {};
  for (const pair of pairs) {
    const m = /^([^=:]+?)(:=|=)([\s\S]*)$/.exec(pair);
    const param = entry && positionalParam(entry);
    if (!m || (param && !/^[A-Za-z_$][\w.$-]*$/.test(m[1]))) {
      // A bare value fills the action's one required id (get_user_by_email ada@example.com).
      if (param && input[param] === undefined) {
        input[param] = coerce(pair, props[param], param);
        continue;
      }
      throw new CliError(`expected key=value, got "${pair.slice(0, 60)}"${param ? ` (${param} is already given)` : ''}`);
    }
    const [, key, op, raw] = m;
    if (op === ':=') {
      try {
        input[key] = JSON.parse(raw);
      } catch {
        throw new CliError(`${key}:= expects JSON, got "${raw.slice(0, 60)}"`, { code: 'ValidationError' });
      }
    } else {
      input[key] = coerce(raw, props[key], key);
    }
  }
  return input;
}
