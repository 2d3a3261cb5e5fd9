// scripts/wasm-abi.mjs on a module written here byte by byte (these tests run before any build):
// the multivalue feature is taken out of target_features and nothing else changes, and the check
// finds exactly the exports that return more than one value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { multiValueExports, withoutTargetFeature } from '../../scripts/wasm-abi.mjs';

const str = (s) => [s.length, ...Buffer.from(s)];
const section = (id, bytes) => [id, bytes.length, ...bytes]; // every section here is < 128 bytes
const features = (list) => section(0, [...str('target_features'), list.length, ...list.flatMap((f) => [0x2b, ...str(f)])]);
const I32 = 0x7f;
const EXTERNREF = 0x6f;

/** Two functions: `pair` (externref) -> (i32, i32) and `one` () -> i32, an imported one before them. */
const moduleWith = (featureList) =>
  Buffer.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [3, 0x60, 1, EXTERNREF, 2, I32, I32, 0x60, 0, 1, I32, 0x60, 0, 0]),
    ...section(2, [1, ...str('env'), ...str('tick'), 0x00, 2]),
    ...section(3, [2, 0, 1]),
    ...section(7, [2, ...str('pair'), 0x00, 1, ...str('one'), 0x00, 2]),
    ...section(10, [2, 6, 0, 0x41, 1, 0x41, 2, 0x0b, 4, 0, 0x41, 1, 0x0b]),
    ...features(featureList),
  ]);

test('the module written here is valid wasm', () => {
  const m = new WebAssembly.Module(moduleWith(['multivalue', 'reference-types']));
  assert.deepEqual(WebAssembly.Module.exports(m).map((e) => e.name), ['pair', 'one']);
});

test('multiValueExports names the exports returning several values, only them', () => {
  assert.deepEqual(multiValueExports(moduleWith(['multivalue'])), ['pair']);
  assert.throws(() => multiValueExports(Buffer.from('not wasm at all')), /not a WebAssembly module/);
});

test('withoutTargetFeature leaves out the feature and keeps every other byte', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iterable-wasm-abi-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const input = join(dir, 'in.wasm');
  const output = join(dir, 'out.wasm');
  writeFileSync(input, moduleWith(['multivalue', 'reference-types']));
  assert.equal(withoutTargetFeature(input, output, 'multivalue'), true);
  assert.deepEqual(readFileSync(output), moduleWith(['reference-types']));
  new WebAssembly.Module(readFileSync(output));
  // Not listed: the module is written back unchanged.
  writeFileSync(input, moduleWith(['reference-types']));
  assert.equal(withoutTargetFeature(input, output, 'multivalue'), false);
  assert.deepEqual(readFileSync(output), moduleWith(['reference-types']));
});
