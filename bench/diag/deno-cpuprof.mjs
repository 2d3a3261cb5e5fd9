// Diagnostic (not part of run.mjs): a V8 CPU profile of a Deno script, through the inspector
// (this Deno has no --cpu-prof). Starts `deno run -A --inspect-wait=127.0.0.1:PORT SCRIPT ARGS...`,
// attaches over the DevTools protocol, profiles the whole run and writes OUT.cpuprofile
// (summarize with bench/lib/profile.mjs).
//   node bench/diag/deno-cpuprof.mjs OUT.cpuprofile bench/lib/percall.mjs --url U --pkg DIR ... --out FILE
// (the worker must take --out and hold BENCH_HOLD_MS after writing it, as percall.mjs does)
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const [out, script, ...args] = process.argv.slice(2);
const DENO = fileURLToPath(new URL('../../node_modules/.bin/deno', import.meta.url));
const port = 9229 + Math.floor(Math.random() * 500);
const child = spawn(DENO, ['run', '-A', `--inspect-wait=127.0.0.1:${port}`, script, ...args], { stdio: ['ignore', 'inherit', 'pipe'], env: { ...process.env, BENCH_HOLD_MS: '3000' } });
const wsUrl = await new Promise((resolve, reject) => {
  let buf = '';
  child.stderr.on('data', (d) => {
    buf += d;
    const m = /(ws:\/\/[^\s]+)/.exec(buf);
    if (m) resolve(m[1]);
  });
  child.once('exit', (c) => reject(new Error(`deno exited ${c}: ${buf}`)));
});
const ws = new WebSocket(wsUrl);
await new Promise((r) => ws.once('open', r));
let id = 0;
const pending = new Map();
ws.on('message', (data) => {
  const msg = JSON.parse(data);
  if (msg.id && pending.has(msg.id)) { pending.get(msg.id)(msg); pending.delete(msg.id); }
});
const send = (method, params = {}) => new Promise((r) => { const i = ++id; pending.set(i, r); ws.send(JSON.stringify({ id: i, method, params })); });
await send('Profiler.enable');
await send('Profiler.setSamplingInterval', { interval: 200 });
await send('Runtime.enable');
await send('Profiler.start');
const exited = new Promise((r) => child.once('exit', r));
await send('Runtime.runIfWaitingForDebugger');
// The worker writes its --out file when done and then holds (BENCH_HOLD_MS); stop then.
const outFile = args[args.indexOf('--out') + 1];
const { existsSync } = await import('node:fs');
while (!existsSync(outFile)) {
  if (await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 100))])) throw new Error('deno exited before the profile was taken');
}
const res = await send('Profiler.stop');
writeFileSync(out, JSON.stringify(res.result.profile));
child.kill();
ws.close();
console.error(`wrote ${out}`);
