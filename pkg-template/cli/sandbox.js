// `sandbox`: serves the Iterable emulator (../sandbox/server.js) over HTTP, prints its URL, and
// runs until SIGINT or SIGTERM; --state is locked, loaded and kept by serve() (each change
// journaled before it is answered, a snapshot on the way out).
import process from 'node:process';
import { intOption, serverOptions } from './args.js';
import { printHelp } from './help.cjs';
import { CliError, NAME, write } from './output.js';

export async function cmdSandbox(opts) {
  if (opts.help) return printHelp('sandbox');
  let mod;
  try {
    mod = await import('../sandbox/server.js');
  } catch (e) {
    throw new CliError(`the sandbox server is not part of this build (${String(e?.message ?? e).split('\n')[0]})`, { code: 'SandboxUnavailable', exit: 1 });
  }
  if (typeof mod.serve !== 'function') throw new CliError('the sandbox server module has no serve() function', { code: 'SandboxUnavailable', exit: 1 });
  const port = intOption(opts, 'port', { min: 0, max: 65535 }) ?? 4010;
  const host = opts.host ?? '127.0.0.1';
  const limits = await serverOptions(opts);
  // --api-key KEY (repeatable): only those keys are accepted; --seed demo: the demo project.
  const keys = opts['api-key']?.length ? { apiKeys: opts['api-key'] } : {};
  let srv;
  try {
    srv = await mod.serve({ port, host, ...limits, ...(opts.state ? { state: opts.state } : {}), ...keys, ...(opts.seed !== undefined ? { seed: opts.seed } : {}), log: opts.quiet ? undefined : (line) => process.stderr.write(`${line}\n`) });
  } catch (e) {
    if (e?.code === 'StateFileBusy') throw new CliError(`--state ${e.message}`, { code: 'StateFileBusy', exit: 1, extra: { pid: e.pid } });
    if (opts.state && String(e?.message).startsWith(`state file ${opts.state}: `)) throw new CliError(`--${e.message}`, { code: 'BadStateFile', exit: 1 });
    if (e?.code === 'EADDRINUSE') throw new CliError(`port ${port} on ${host} is in use (--port N, or 0 for any free port)`, { code: 'AddressInUse', exit: 1 });
    throw e;
  }
  await write(`${srv.url}\n`);
  process.stderr.write(`${NAME} sandbox: serving the emulator at ${srv.url}${opts.state ? ` (state: ${opts.state})` : ''}; Ctrl-C to stop\n`);
  await new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await srv.close();
  return 0;
}
