// Stoplight Prism as a child process for the tests: start on 127.0.0.1, wait until it answers,
// stop it with its whole process group. Used by suite.mjs (CI) and check-raw.mjs (a dev tool).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PRISM_ENTRY = join(ROOT, 'node_modules', '@stoplight', 'prism-cli', 'dist', 'index.js');

export function createPrism({ dynamic = false, verbose = false, keepLines = 300 } = {}) {
  let child = null;
  let exited = false;
  const log = [];

  const kill = (sig) => {
    try { process.kill(-child.pid, sig); } catch { try { child.kill(sig); } catch {} }
  };

  return {
    get exited() { return exited; },
    /** The last lines Prism printed. */
    tail(n = 30) { return log.slice(-n).join('\n'); },

    start(specPath, port) {
      if (!existsSync(PRISM_ENTRY)) throw new Error(`Prism not installed at ${PRISM_ENTRY}; run: bash scripts/setup.sh`);
      const args = [PRISM_ENTRY, 'mock', '-h', '127.0.0.1', '-p', String(port), specPath];
      if (dynamic) args.push('-d');
      child = spawn(process.execPath, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true, // own process group, so stop() also reaps anything Prism forks
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      });
      const keep = (chunk) => {
        for (const line of chunk.toString().split('\n')) {
          if (!line.trim()) continue;
          log.push(line);
          if (log.length > keepLines) log.shift();
        }
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.on('exit', (code, signal) => {
        exited = true;
        if (verbose) console.error(`prism exited code=${code} signal=${signal}`);
      });
    },

    /** Resolves once Prism answers a request on `base`; throws after `ms` or if it exits. */
    async waitReady(base, ms) {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        if (exited) throw new Error(`Prism exited during startup:\n${this.tail()}`);
        try {
          const r = await fetch(`${base}/api/lists`, {
            headers: { 'Api-Key': 'readiness-probe', Accept: 'application/json' },
            signal: AbortSignal.timeout(2000),
          });
          await r.arrayBuffer();
          return;
        } catch {
          await new Promise((r) => setTimeout(r, 300));
        }
      }
      throw new Error(`Prism did not answer within ${ms / 1000} s:\n${this.tail()}`);
    },

    /** SIGTERM to the process group, SIGKILL after 3 s. */
    stop() {
      if (!child || exited) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          kill('SIGKILL');
          setTimeout(resolve, 500);
        }, 3000);
        child.once('exit', () => { clearTimeout(timer); resolve(); });
        kill('SIGTERM');
      });
    },

    /** Synchronous last resort, for process 'exit' handlers. */
    killNow() {
      if (child && !exited) kill('SIGKILL');
    },
  };
}
