// Profiles: `keys add|list|use|remove`. Each profile keeps an API key with its region or base URL
// in one file under the user's config directory (profiles.json, mode 0600 in a 0700 folder,
// written atomically). --profile NAME (or ITERABLE_PROFILE) picks one for a command, else the
// one `keys use` chose; ITERABLE_API_KEY, when set, still wins. A key is never printed: it is
// read from stdin (typed without echo on a terminal) and `keys list` shows only where it goes.
import process from 'node:process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createInterface } from 'node:readline';
import { readSource } from './args.js';
import { printHelp } from './help.cjs';
import { CliError, NAME, secrets, write } from './output.js';

/** The profiles file: $ITERABLE_CONFIG_DIR, else the platform's config folder + iterable-wasm. */
export function profilesPath(env = process.env) {
  const base = env.ITERABLE_CONFIG_DIR
    || (process.platform === 'win32' ? env.APPDATA || join(homedir(), 'AppData', 'Roaming') : null)
    || join(env.XDG_CONFIG_HOME || join(homedir(), '.config'));
  return env.ITERABLE_CONFIG_DIR ? join(base, 'profiles.json') : join(base, NAME, 'profiles.json');
}

export function readProfiles(file = profilesPath()) {
  if (!existsSync(file)) return { current: null, profiles: {} };
  try {
    const data = JSON.parse(readFileSync(file, 'utf8'));
    return { current: data.current ?? null, profiles: data.profiles && typeof data.profiles === 'object' ? data.profiles : {} };
  } catch (e) {
    throw new CliError(`${file} is not valid JSON (${e.message}); fix or remove it`);
  }
}

function saveProfiles(data, file = profilesPath()) {
  const dir = join(file, '..');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(data, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

const NAME_RE = /^[A-Za-z0-9][\w.-]{0,63}$/;
const checkName = (name) => {
  if (!name || !NAME_RE.test(name)) throw new CliError(`a profile name is letters, digits, ".", "_" or "-" (up to 64), got "${String(name ?? '').slice(0, 40)}"`);
  return name;
};

/** The connection a command uses without ITERABLE_API_KEY: the profile asked for, or the current
 * one; undefined when there is none. */
export function profileFor(opts, env = process.env) {
  const asked = opts.profile ?? (env.ITERABLE_PROFILE || undefined);
  const file = profilesPath(env);
  if (!asked && !existsSync(file)) return undefined;
  const { current, profiles } = readProfiles(file);
  const name = asked ?? current;
  if (!name) return undefined;
  const p = Object.hasOwn(profiles, name) ? profiles[name] : undefined;
  if (!p) throw new CliError(`no profile "${String(name).slice(0, 64)}" (profiles: ${Object.keys(profiles).join(', ') || 'none'}; \`${NAME} keys add ${name}\`)`, { code: 'MissingApiKey' });
  if (p.apiKey) secrets.push(p.apiKey);
  return { name, ...p };
}

/** A key from stdin: typed without echo on a terminal, else the first line piped in. */
async function readKey(name) {
  if (!process.stdin.isTTY) return (await readSource('-', 'the API key')).split(/\r?\n/)[0].trim();
  process.stderr.write(`API key for profile "${name}" (not shown): `);
  const rl = createInterface({ input: process.stdin, output: new Writable({ write: (c, e, cb) => cb() }), terminal: true });
  const key = await new Promise((resolve) => {
    rl.once('line', resolve);
    rl.once('close', () => resolve(''));
  });
  rl.close();
  process.stderr.write('\n');
  return String(key).trim();
}

export async function cmdKeys(opts, [verb, name, ...extra]) {
  if (opts.help || !verb) return printHelp('keys');
  if (extra.length) throw new CliError(`usage: ${NAME} keys add|list|use|remove [name]`);
  const file = profilesPath();
  const data = readProfiles(file);
  switch (verb) {
    case 'add': {
      checkName(name);
      if (opts.region !== undefined && opts.region !== 'us' && opts.region !== 'eu') throw new CliError(`--region must be us or eu, got "${String(opts.region).slice(0, 20)}"`);
      const apiKey = await readKey(name);
      if (!apiKey) throw new CliError('no API key given (pipe it in, or type it when asked)');
      const existed = Object.hasOwn(data.profiles, name);
      data.profiles[name] = { apiKey, ...(opts.region ? { region: opts.region } : {}), ...(opts['base-url'] ? { baseUrl: opts['base-url'] } : {}) };
      if (!data.current) data.current = name;
      saveProfiles(data, file);
      process.stderr.write(`${existed ? 'replaced' : 'added'} profile "${name}"${data.current === name ? ' (in use)' : `; \`${NAME} keys use ${name}\` to use it`} in ${file}\n`);
      return 0;
    }
    case 'list': {
      const rows = Object.entries(data.profiles).map(([n, p]) => ({ name: n, current: n === data.current, region: p.region ?? (p.baseUrl ? null : 'us'), baseUrl: p.baseUrl ?? null }));
      if (opts.json) await write(JSON.stringify(rows) + '\n');
      else if (!rows.length) await write(`no profiles; add one: ${NAME} keys add <name> [--region eu]\n`);
      else await write(rows.map((r) => `${r.current ? '*' : ' '} ${r.name}  ${r.baseUrl ?? r.region}`).join('\n') + '\n');
      return 0;
    }
    case 'use': {
      checkName(name);
      if (!Object.hasOwn(data.profiles, name)) throw new CliError(`no profile "${name}" (profiles: ${Object.keys(data.profiles).join(', ') || 'none'})`);
      data.current = name;
      saveProfiles(data, file);
      process.stderr.write(`using profile "${name}"\n`);
      return 0;
    }
    case 'remove': {
      checkName(name);
      if (!Object.hasOwn(data.profiles, name)) throw new CliError(`no profile "${name}"`);
      delete data.profiles[name];
      if (data.current === name) data.current = null;
      saveProfiles(data, file);
      process.stderr.write(`removed profile "${name}"\n`);
      return 0;
    }
    default:
      throw new CliError(`usage: ${NAME} keys add|list|use|remove [name] (got "${String(verb).slice(0, 20)}")`);
  }
}
