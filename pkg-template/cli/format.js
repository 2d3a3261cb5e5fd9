// The result formats of --output: json (compact, raw), pretty (indented; colour on a terminal
// unless NO_COLOR; epoch-millisecond dates shown as dates), table (the result's list, or an
// object's fields, in columns; --columns picks them) and jsonl (one list item per line). Dates
// are only rewritten for people (pretty, table), never in json or jsonl.
import process from 'node:process';
import { CliError, jsonPieces, write } from './output.js';

export const FORMATS = ['json', 'pretty', 'table', 'jsonl'];

/** The format asked for: --output, else --json / --pretty / --jsonl, else pretty on a terminal. */
export function outputFormat(opts) {
  if (opts.output !== undefined) {
    if (!FORMATS.includes(opts.output)) throw new CliError(`--output must be one of ${FORMATS.join(', ')}, got "${String(opts.output).slice(0, 20)}"`);
    return opts.output;
  }
  if (opts.json) return 'json';
  if (opts.pretty) return 'pretty';
  if (opts.jsonl) return 'jsonl';
  return process.stdout.isTTY ? 'pretty' : 'json';
}

/** --columns as a list (comma separated), checked to go with table or jsonl. */
export function columnsOf(opts, format) {
  if (opts.columns === undefined) return undefined;
  if (format !== 'table' && format !== 'jsonl') throw new CliError('--columns goes with --output table or --output jsonl');
  const cols = opts.columns.split(',').map((s) => s.trim()).filter(Boolean);
  if (!cols.length) throw new CliError('--columns needs at least one field name');
  return cols;
}

/** Colour on stdout: a terminal, and NO_COLOR unset or empty (https://no-color.org). */
export const useColor = () => !!process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (on, code, s) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

const DATE_KEY = /(At|Date|Time|date|time|Timestamp|timestamp)$/;
/** An epoch-millisecond number under a date-like key, as "2023-11-14 22:13:20Z"; else undefined. */
export function readableDate(key, v) {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1e11 || v > 1e14 || !DATE_KEY.test(String(key))) return undefined;
  return new Date(v).toISOString().replace('T', ' ').replace(/\.000Z$/, 'Z');
}

/** Indented JSON with dates made readable and, on a terminal, coloured. */
export function prettyJson(value, color = useColor(), indent = '', key = '') {
  const next = indent + '  ';
  if (Array.isArray(value)) {
    if (!value.length) return '[]';
    return `[\n${value.map((v) => next + prettyJson(v, color, next, key)).join(',\n')}\n${indent}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    if (!entries.length) return '{}';
    return `{\n${entries.map(([k, v]) => `${next}${paint(color, 36, JSON.stringify(k))}: ${prettyJson(v, color, next, k)}`).join(',\n')}\n${indent}}`;
  }
  const date = readableDate(key, value);
  if (date) return paint(color, 32, JSON.stringify(date));
  if (typeof value === 'string') return paint(color, 32, JSON.stringify(value));
  if (typeof value === 'number') return paint(color, 33, JSON.stringify(value));
  return paint(color, 35, JSON.stringify(value ?? null));
}

/** The list in a result: the result itself, or its one array property ({lists: [...]}). */
export function listOf(value) {
  if (Array.isArray(value)) return value;
  if (value && typeof value === 'object') {
    const arrays = Object.values(value).filter(Array.isArray);
    if (arrays.length === 1) return arrays[0];
  }
  return undefined;
}

const cellText = (key, v) => {
  const d = readableDate(key, v);
  if (d) return d;
  if (v === undefined || v === null) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
};

/** Rows (objects or scalars) as aligned columns; cells clipped at 40 characters. */
export function table(rows, columns, color = useColor()) {
  const objects = rows.map((r) => (r && typeof r === 'object' && !Array.isArray(r) ? r : { value: r }));
  let cols = columns;
  if (!cols) {
    const seen = new Set();
    for (const r of objects.slice(0, 200)) for (const k of Object.keys(r)) seen.add(k);
    cols = [...seen];
  }
  const clip = (s) => (s.length > 40 ? s.slice(0, 39) + '…' : s).replace(/\s+/g, ' ');
  const cells = objects.map((r) => cols.map((c) => clip(cellText(c, r[c]))));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (row) => row.map((s, i) => (i === row.length - 1 ? s : s.padEnd(widths[i]))).join('  ').trimEnd();
  return [paint(color, 1, line(cols)), ...cells.map(line)].join('\n') + '\n';
}

/** A result as text in `format` (ends with a newline). */
export function formatResult(value, format, columns) {
  if (value === undefined) value = null;
  if (typeof value === 'string') {
    // A text body (CSV, HTML) as it is; in jsonl one JSON string a line. (A text result's json
    // form, one JSON string, is written as it streams: call.js.)
    if (format !== 'jsonl') return value.endsWith('\n') || value === '' ? value : value + '\n';
    return value.split(/\r?\n/).filter((l) => l.trim() !== '').map((l) => JSON.stringify(l) + '\n').join('');
  }
  const pick = (r) => (columns && r && typeof r === 'object' ? Object.fromEntries(columns.map((c) => [c, r[c] ?? null])) : r);
  switch (format) {
    case 'json':
      return JSON.stringify(value) + '\n';
    case 'pretty':
      return prettyJson(value) + '\n';
    case 'jsonl': {
      const list = listOf(value);
      return (list ?? [value]).map((r) => JSON.stringify(pick(r)) + '\n').join('');
    }
    case 'table': {
      const list = listOf(value);
      if (list) return list.length ? table(list, columns) : '(no items)\n';
      // One object (unwrapped from a single key such as {user: {...}}): its fields, one a row.
      let obj = value;
      const keys = obj && typeof obj === 'object' ? Object.keys(obj) : [];
      if (keys.length === 1 && obj[keys[0]] && typeof obj[keys[0]] === 'object' && !Array.isArray(obj[keys[0]])) obj = obj[keys[0]];
      if (!obj || typeof obj !== 'object') return String(obj) + '\n';
      const fields = columns ?? Object.keys(obj);
      return table(fields.map((k) => ({ field: k, value: cellText(k, obj[k]) })), ['field', 'value']);
    }
    default:
      throw new CliError(`unknown output format ${format}`);
  }
}

/** Prints a result on stdout in the format --output (and --columns) ask for. */
export async function printResult(value, opts) {
  const format = outputFormat(opts);
  let text;
  try {
    text = formatResult(value, format, columnsOf(opts, format));
  } catch (e) {
    // A result nested deeper (or printing longer) than JSON.stringify can manage: compact JSON,
    // written in pieces.
    if (!(e instanceof RangeError) || typeof value === 'string') throw e;
    for (const piece of jsonPieces(value)) await write(piece);
    return write('\n');
  }
  await write(text);
}
