// The rust-client part of bench/run.mjs: the Rust crate `iterable-client` per call, natively,
// against a bare `reqwest` call to the same local keep-alive server, interleaved call by call in
// one process (client/examples/bench.rs does the measuring; this builds and runs it).
//
// Full run: the `bench` cargo profile (optimized, see Cargo.toml), several rounds of thousands of
// calls per side and method; the figure is the ratio of medians (crate ÷ bare) with the spread of
// the per-round ratios. Smoke run: the dev profile (already built by `cargo test`) and tiny
// counts, to prove the part still runs; its figures mean nothing.
import { join } from 'node:path';

export const RUST_TARGET = 1.05;

export async function partRustClient(ctx, runJson, { smoke, root }) {
  const cargo = process.env.CARGO ?? 'cargo';
  const profile = smoke ? [] : ['--profile', 'bench'];
  const counts = smoke ? ['--calls', '60', '--rounds', '2'] : ['--calls', '3000', '--rounds', '5'];
  // -j 1 and a low priority: the machine is shared; a first full build takes minutes.
  const args = ['run', '--quiet', '-j', '1', ...profile, '-p', 'iterable-client', '--example', 'bench', '--', ...counts];
  const r = await runJson(cargo, args, { timeoutMs: smoke ? 600_000 : 3_600_000, cwd: root });
  for (const m of ['GET', 'POST']) {
    const x = r[m];
    console.log(`[rust-client] ${m}: bare reqwest ${x.bareUs.toFixed(1)} µs, iterable-client ${x.crateUs.toFixed(1)} µs → ${x.ratio.toFixed(3)} (rounds ${x.ratioMin.toFixed(3)}–${x.ratioMax.toFixed(3)})`);
  }
  return { ...r, profile: smoke ? 'dev' : 'bench', root: join(root) };
}
