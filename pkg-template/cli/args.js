// Reading the command line: the option parser (which options take a value, which are flags),
// integer options, and an action's input from --input (JSON, @file, - for stdin) and key=value
// pairs converted by the param's JSON Schema type.
import { readFileSync } from 'node:fs';
import { hostList, originList } from '../server/guard.js';
import { CliError } from './output.js';

// ---------------------------------------------------------------------------------------------
// Arguments

const VALUE_OPTIONS = new Set(['input', 'region', 'base-url', 'timeout', 'max-retries', 'max-response-bytes', 'state', 'file', 'concurrency', 'port', 'host', 'allow', 'deny', 'poll-ms', 'api-key', 'seed', 'allow-host', 'cors-origin', 'max-body', 'token', 'headers-timeout', 'request-timeout', 'max-connections', 'tools', 'toolsets']);
const FLAG_OPTIONS = new Set(['all', 'json', 'yes', 'dry-run', 'sandbox', 'json-errors', 'help', 'raw', 'jsonl', 'quiet', 'allow-irreversible', 'version', 'pretty', 'compact', 'http', 'read-only', 'allow-sends']);
/** Options that are comma lists and may be repeated. */
const LIST_OPTIONS = new Set(['allow', 'deny', 'allow-host', 'cors-origin', 'toolsets', 'api-key']);

export function parseArgs(argv) {
  const opts = {};
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a === '-h') { opts.help = true; continue; }
    if (a === '-y') { opts.yes = true; continue; }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (VALUE_OPTIONS.has(name)) {
        let value;
        if (eq > 0) value = a.slice(eq + 1);
        else if (i + 1 < argv.length) value = argv[++i];
        else throw new CliError(`--${name} needs a value`);
        if (LIST_OPTIONS.has(name)) (opts[name] ??= []).push(...value.split(',').map((s) => s.trim()).filter(Boolean));
        else opts[name] = value;
      } else if (FLAG_OPTIONS.has(name)) {
        if (eq > 0) throw new CliError(`--${name} takes no value`);
        opts[name] = true;
      } else {
        throw new CliError(`unknown option --${name} (see --help)`);
      }
      continue;
    }
    positional.push(a);
  }
  return { opts, positional };
}

/** The local-server options shared by `sandbox` and `mcp --http` (--allow-host, --cors-origin,
 * --max-body, --headers-timeout, --request-timeout, --max-connections), checked; unset ones are
 * left out so the server's defaults apply. */
export function serverOptions(opts) {
  const out = {};
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

export function readSource(spec, what) {
  try {
    if (spec === '-') return readFileSync(0, 'utf8');
    return readFileSync(spec, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${what} ${spec === '-' ? 'from stdin' : `"${spec}"`}: ${e.code ?? e.message}`);
  }
}

/** A JSON Schema's type, without "null" (nullable params). */
export const typeOf = (schema) => {
  const t = schema?.type;
  return Array.isArray(t) ? t.find((x) => x !== 'null') : t;
};

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
export function buildInput(entry, opts, pairs) {
  let input = {};
  if (opts.input !== undefined) {
    const text = opts.input === '-' ? readSource('-', '--input') : opts.input.startsWith('@') ? readSource(opts.input.slice(1), '--input file') : opts.input;
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
    if (!m) throw new CliError(`expected key=value, got "${pair.slice(0, 60)}"`);
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
