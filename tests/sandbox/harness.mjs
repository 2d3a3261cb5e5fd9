// A tiny test harness shared by the sandbox test files: test(name, fn), then report() prints
// "<label>: N passed, M failed" and sets the exit code.
const results = [];
const queue = [];
export function test(name, fn) {
  queue.push([name, fn]);
}
export async function run(label) {
  for (const [name, fn] of queue) {
    try {
      await fn();
      results.push([name, null]);
      console.log(`ok - ${name}`);
    } catch (e) {
      results.push([name, e]);
      console.log(`not ok - ${name}\n  ${String(e?.stack ?? e).split('\n').slice(0, 6).join('\n  ')}`);
    }
  }
  const failed = results.filter(([, e]) => e).length;
  console.log(`${label}: ${results.length - failed} passed, ${failed} failed`);
  if (failed) process.exitCode = 1;
  return { passed: results.length - failed, failed };
}
