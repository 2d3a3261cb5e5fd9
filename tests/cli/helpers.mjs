// Shared by the CLI and MCP tests: where the built CLI is, the fake key, and a runner that drives
// the real binary in a subprocess (asynchronously, so a fake server in the test process answers).
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
export const PKG_DIR = process.env.ITERABLE_WASM_PKG || join(ROOT, 'pkg');
/** The bin (package.json), as `iterable-wasm` and `npx iterable-wasm` run it. */
export const CLI = join(PKG_DIR, 'cli.cjs');
/** A fake key: every run checks it never shows up in stdout or stderr. */
export const KEY = 'fake-key-5f3c9a1e7b2d4c6e8a0b';
export const DENO = [join(ROOT, 'node_modules/.bin/deno'), 'deno'].find((p) => p === 'deno' || existsSync(p));

/**
 * Runs the CLI: `run(args, {env, stdin, stdoutFile, cwd, timeoutMs, runtime: 'node' | 'deno', command})`.
 * Resolves to {code, stdout, stderr}. env entries set to undefined are removed. The key check is
 * built in: a run whose output contains KEY rejects.
 */
export function run(args, options = {}) {
  const { stdin, stdoutFile, timeoutMs = 60_000, runtime = 'node', command } = options;
  const env = { ...process.env, ITERABLE_API_KEY: KEY, NO_COLOR: '1' };
  delete env.ITERABLE_BASE_URL;
  delete env.ITERABLE_REGION;
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const [cmd, cmdArgs] = command
    ? command(args)
    : runtime === 'deno'
      ? [DENO, ['run', '-A', '--quiet', CLI, ...args]]
      : [process.execPath, [CLI, ...args]];
  const outFd = stdoutFile ? openSync(stdoutFile, 'w') : null;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, cmdArgs, { env, cwd: options.cwd, stdio: ['pipe', outFd ?? 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (outFd !== null) closeSync(outFd);
      if (stdout.includes(KEY) || stderr.includes(KEY)) return reject(new Error('the API key was printed'));
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr });
    });
    if (stdin !== undefined) child.stdin.end(stdin);
    else child.stdin.end();
  });
}

/** The catalog, from the built package. */
export async function catalog() {
  const { actions } = await import(join(PKG_DIR, 'index.node.js'));
  return actions;
}

/** Whether the built package's sandbox works (a build without pkg/sandbox/ must fail clearly instead). */
export async function sandboxBuilt() {
  const { IterableClient } = await import(join(PKG_DIR, 'index.node.js'));
  try {
    await new IterableClient({ apiKey: 'x', sandbox: true }).execute('list_channels', {});
    return true;
  } catch {
    return false;
  }
}
