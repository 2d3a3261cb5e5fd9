// The Rust client's size in a browser module: builds two small cdylib crates for wasm32 (release,
// opt-level "z", LTO, panic=abort, as a user would ship), each one async `#[wasm_bindgen]` export
// calling iterable-client, then runs the installed wasm-bindgen CLI (--target web), and prints the
// .wasm's bytes raw and gzip -9 (no wasm-opt):
//   one: `track_event`, the typed method of one action;
//   all: every action's typed method, in one export (generated from defs/actions.json).
//
//   node scripts/rust-wasm-size.mjs [--json] [--client DIR] [--out NAME]
//
// The crates are written under target/rust-size/[NAME/] (not committed); builds are incremental.
// --client measures another copy of the crate (e.g. one with another wasm transport).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
const arg = (name) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
const client = resolve(arg('--client') ?? join(root, 'client'));
const work = join(root, 'target/rust-size', arg('--out') ?? '');
const actions = JSON.parse(readFileSync(join(root, 'defs/actions.json'), 'utf8'));
const pascal = (id) => id.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');

const manifest = (name) => `[package]
name = "${name}"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[lib]
crate-type = ["cdylib"]
path = "lib.rs"

[dependencies]
iterable-client = { path = ${JSON.stringify(client)}, default-features = false }
wasm-bindgen = "=0.2.130"
wasm-bindgen-futures = "0.4.80"

[profile.release]
opt-level = "z"
lto = true
codegen-units = 1
panic = "abort"
`;

const head = `use iterable_client::{actions::*, Client};
use wasm_bindgen::prelude::*;
`;
const sources = {
  one: `${head}
#[wasm_bindgen]
pub async fn call(key: String) -> Result<(), String> {
    let client = Client::new(key).map_err(|e| e.to_string())?;
    let input = TrackEventInput { email: Some("ada@example.com".into()), event_name: Some("signup".into()), ..Default::default() };
    client.track_event(input).await.map(|_| ()).map_err(|e| e.to_string())
}
`,
  all: `${head}
#[wasm_bindgen]
pub async fn call(key: String) -> Result<u32, String> {
    let client = Client::new(key).map_err(|e| e.to_string())?;
    let mut failed = 0;
${actions.map((a) => `    failed += client.${a.id}(${pascal(a.id)}Input::default()).await.is_err() as u32;`).join('\n')}
    Ok(failed)
}
`,
};

const results = {};
for (const [variant, source] of Object.entries(sources)) {
  const dir = join(work, variant);
  const name = `iterable_size_${variant}`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Cargo.toml'), manifest(name.replaceAll('_', '-')));
  writeFileSync(join(dir, 'lib.rs'), source);
  const target = join(work, 'target');
  execFileSync('cargo', ['build', '--quiet', '--release', '--target', 'wasm32-unknown-unknown'], {
    cwd: dir,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, CARGO_TARGET_DIR: target },
  });
  const out = join(dir, 'pkg');
  execFileSync('wasm-bindgen', ['--target', 'web', '--out-dir', out, join(target, 'wasm32-unknown-unknown/release', `${name}.wasm`)], { stdio: 'inherit' });
  const wasm = readFileSync(join(out, `${name}_bg.wasm`));
  results[variant] = { bytes: statSync(join(out, `${name}_bg.wasm`)).size, gzip: gzipSync(wasm, { level: 9 }).length };
}

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(results));
} else {
  for (const [variant, r] of Object.entries(results)) {
    const what = variant === 'one' ? 'one action (track_event)' : `all ${actions.length} actions`;
    console.log(`${what}: ${r.bytes.toLocaleString('en')} bytes, ${r.gzip.toLocaleString('en')} gzip -9`);
  }
}
