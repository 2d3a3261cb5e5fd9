// Packs pkg/ with `npm pack` and installs the tarball into a clean temporary project, as a user would.
// Works under Node and Deno (-A). Offline: the package has no dependencies.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
// ITERABLE_WASM_PKG overrides the package folder (e.g. to try a patched build without touching pkg/).
export const PKG_DIR = process.env.ITERABLE_WASM_PKG || join(ROOT, 'pkg');

const npmEnv = () => ({
  ...process.env,
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  npm_config_loglevel: 'error',
});

const NEEDED = ['package.json', 'iterable_wasm.js', 'iterable_wasm_bg.wasm', 'api.js'];

/**
 * Waits (up to timeoutMs) until pkg/ holds a complete build: `npm run build` rewrites it, and a
 * rebuild running at the same moment as a test would otherwise fail it for no reason.
 */
export function waitForPkg(pkgDir = PKG_DIR, timeoutMs = 90_000) {
  const end = Date.now() + timeoutMs;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    const missing = NEEDED.filter((f) => !existsSync(join(pkgDir, f)));
    if (missing.length === 0) {
      // Settle: a build in progress may still be writing.
      Atomics.wait(sleeper, 0, 0, 300);
      if (NEEDED.every((f) => existsSync(join(pkgDir, f)))) return;
    } else if (Date.now() > end) {
      throw new Error(`${pkgDir} is incomplete (missing ${missing.join(', ')}): run \`npm run build\``);
    } else {
      Atomics.wait(sleeper, 0, 0, 500);
    }
  }
}

/** `npm pack` pkg/ into dir; returns {tarball, info} (info = npm's --json description, incl. files). */
export function pack(dir, pkgDir = PKG_DIR) {
  waitForPkg(pkgDir);
  const out = execFileSync('npm', ['pack', pkgDir, '--json', '--pack-destination', dir], {
    encoding: 'utf8', env: npmEnv(), stdio: ['ignore', 'pipe', 'pipe'],
  });
  const info = JSON.parse(out)[0];
  return { tarball: join(dir, info.filename), info };
}

/**
 * Creates a temp project, packs pkg/ into it and `npm install`s the tarball (offline).
 * Returns {dir, tarball, info, cleanup()}.
 */
export function packAndInstall({ prefix = 'iterable-wasm-', pkgDir = PKG_DIR } = {}) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, 'package.json'),
    JSON.stringify({ name: 'clean-consumer', private: true, type: 'module' }, null, 2));
  let tarball, info;
  try {
    ({ tarball, info } = pack(dir, pkgDir));
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], {
      cwd: dir, env: npmEnv(), stdio: ['ignore', 'pipe', 'pipe'],
    });
    const installed = JSON.parse(readFileSync(join(dir, 'node_modules/iterable-wasm/package.json'), 'utf8'));
    if (installed.name !== 'iterable-wasm') throw new Error('install did not produce node_modules/iterable-wasm');
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return { dir, tarball, info, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
