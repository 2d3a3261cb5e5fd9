// Deno: the package through its "deno" export condition, installed two real ways, both offline:
//  1. node_modules (Deno's "manual"/BYONM mode): `npm pack` + `npm install` into a clean temp project,
//     then a module there imports "iterable-wasm" by name; Deno resolves it with the "deno" condition.
//  2. an `npm:iterable-wasm@0.1.0` specifier, fetched by Deno itself from a one-package registry on
//     127.0.0.1 (tests/support/registry.mjs) into a fresh DENO_DIR, in a subprocess.
// Each runs the shared scenario against the fake Iterable server. The subprocess runs start with
// --allow-net=127.0.0.1 only, to find out whether the wasm load (Deno.readFileSync in load.deno.js)
// needs --allow-read; see REQUIRE_NO_READ.
//
// Run: npx deno test -A --no-lock --node-modules-dir=manual tests/engines/deno.test.mjs
// (--node-modules-dir=manual: bare "iterable-wasm" in the temp project resolves through its
// node_modules, as Deno does for any project with a package.json and an npm-installed node_modules.)
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startServer } from '../support/server.mjs';
import { packAndInstall, PKG_DIR } from '../support/install.mjs';
import { startRegistry } from '../support/registry.mjs';
import { runScenario } from '../support/scenario.mjs';
import { checkRequests, checkResult } from '../support/checks.mjs';

const SCENARIO_URL = new URL('../support/scenario.mjs', import.meta.url).href;

async function deno(args, { cwd, env = {} } = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args, cwd, env: { NO_COLOR: '1', ...env }, stdout: 'piped', stderr: 'piped',
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

// A script that imports the package by the given specifier, runs the scenario, prints JSON.
const scenarioScript = (specifier) => `
import * as mod from ${JSON.stringify(specifier)};
import { runScenario } from ${JSON.stringify(SCENARIO_URL)};
const result = await runScenario(mod, Deno.args[0], 'deno-subprocess');
result.resolved = import.meta.resolve(${JSON.stringify(specifier)});
console.log(JSON.stringify(result));
`;

// Importing the package must work with no read permission at all: load.deno.js imports the
// .wasm as a compiled module (`import source`). ITERABLE_DENO_REQUIRE_NO_READ=0 relaxes this
// (only for trying an older loader).
const REQUIRE_NO_READ = Deno.env.get('ITERABLE_DENO_REQUIRE_NO_READ') !== '0';

/**
 * Runs script first with only the given flags (no --allow-read); if Deno refuses the wasm read, records
 * that and runs it again with --allow-read=readPath, which must work. Returns the scenario result and
 * the requests the server got for the successful run.
 */
async function runPermissionProbe(label, flags, script, readPath, opts) {
  server.reset();
  const bare = await deno([...flags, script, server.url], opts);
  if (bare.code === 0) {
    console.log(`[deno] ${label}: works without --allow-read`);
    return { result: JSON.parse(bare.stdout), requests: [...server.requests], trap: [...server.trap.requests] };
  }
  assert.match(bare.stderr, /NotCapable: Requires read access to ".*iterable_wasm_bg\.wasm"/, bare.stderr);
  assert.ok(!REQUIRE_NO_READ, `${label}: the wasm load needs --allow-read:\n${bare.stderr}`);
  console.log(`[deno] ${label}: needs --allow-read (Deno.readFileSync of iterable_wasm_bg.wasm in load.deno.js)`);
  server.reset();
  const withRead = await deno([...flags, `--allow-read=${readPath}`, script, server.url], opts);
  assert.equal(withRead.code, 0, withRead.stderr);
  return { result: JSON.parse(withRead.stdout), requests: [...server.requests], trap: [...server.trap.requests] };
}

let server;

Deno.test('iterable-wasm in Deno', async (t) => {
  server = await startServer();
  const project = packAndInstall({ prefix: 'iterable-wasm-deno-' });
  const denoDir = mkdtempSync(join(tmpdir(), 'iterable-wasm-denodir-'));
  let registry;
  try {
    writeFileSync(join(project.dir, 'consumer.mjs'),
      'export * from "iterable-wasm";\nexport const resolved = import.meta.resolve("iterable-wasm");\n');

    await t.step('node_modules install: import "iterable-wasm" resolves to index.deno.js and works', async () => {
      const mod = await import(pathToFileURL(join(project.dir, 'consumer.mjs')).href);
      assert.match(mod.resolved, /\/node_modules\/iterable-wasm\/index\.deno\.js$/);
      server.reset();
      const result = await runScenario(mod, server.url, 'deno');
      checkResult(result);
      checkRequests(server.requests, server.trap.requests);
    });

    await t.step('npm: specifier, installed by Deno from a local registry', async () => {
      const manifest = JSON.parse(readFileSync(join(PKG_DIR, 'package.json'), 'utf8'));
      registry = await startRegistry({ tarball: project.tarball, manifest });
      const script = join(project.dir, 'npm-specifier.mjs');
      writeFileSync(script, scenarioScript(`npm:iterable-wasm@${manifest.version}`));
      const env = { DENO_DIR: denoDir, NPM_CONFIG_REGISTRY: registry.url };
      const { result, requests, trap } = await runPermissionProbe('npm: specifier',
        ['run', '--no-config', '--allow-net=127.0.0.1'], script, denoDir, { env });
      assert.match(result.resolved, /\/npm\/.*\/iterable-wasm\/[^/]+\/index\.deno\.js$/);
      checkResult(result);
      checkRequests(requests, trap);
      assert.ok(registry.hits.some((h) => h.endsWith('.tgz')), `registry hits: ${registry.hits}`);
    });

    await t.step('node_modules install, in a subprocess with minimal permissions', async () => {
      const script = join(project.dir, 'byonm.mjs');
      writeFileSync(script, scenarioScript('iterable-wasm'));
      const { result, requests, trap } = await runPermissionProbe('node_modules',
        ['run', '--no-config', '--node-modules-dir=manual', '--allow-net=127.0.0.1'], script,
        join(project.dir, 'node_modules', 'iterable-wasm'), { cwd: project.dir });
      assert.match(result.resolved, /\/node_modules\/iterable-wasm\/index\.deno\.js$/);
      checkResult(result);
      checkRequests(requests, trap);
    });
  } finally {
    await registry?.close();
    await server.close();
    project.cleanup();
    rmSync(denoDir, { recursive: true, force: true });
  }
});
