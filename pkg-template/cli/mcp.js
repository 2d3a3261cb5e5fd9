// `mcp`: the Model Context Protocol server (../mcp.js) over stdio: JSON-RPC lines on stdin and
// stdout, logs on stderr, the sandbox's --state saved after each call; stops on end of input,
// SIGINT or SIGTERM.
import process from 'node:process';
import { createInterface } from 'node:readline';
import { findAction, loadPackage, packageVersion } from './catalog.js';
import { makeClient } from './client.js';
import { printHelp } from './help.js';
import { NAME, redact, secrets } from './output.js';

export async function cmdMcp(opts) {
  if (opts.help) return printHelp('mcp');
  const { actions } = await loadPackage();
  const { createMcpServer } = await import('../mcp.js');
  for (const id of [...(opts.allow ?? []), ...(opts.deny ?? [])]) await findAction(id);
  const { client, save } = await makeClient(opts);
  // stdout carries the protocol only.
  console.log = console.info = console.debug = console.error;
  const log = (line) => process.stderr.write(`${NAME} mcp: ${redact(line)}\n`);
  const server = createMcpServer({
    client,
    actions,
    allowIrreversible: !!opts['allow-irreversible'],
    allow: opts.allow,
    deny: opts.deny,
    secrets,
    version: packageVersion(),
    log,
  });
  log(`serving ${server.tools.length} tools over stdio${opts.sandbox ? ' against the sandbox' : ''}; irreversible tools ${opts['allow-irreversible'] ? 'allowed' : 'refused'}`);
  const pending = new Set();
  let saving = Promise.resolve();
  const send = (answer) => {
    if (answer !== null) process.stdout.write(JSON.stringify(answer) + '\n');
  };
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on('line', (line) => {
    if (!line.trim()) return;
    const p = server.handleText(line).then(send, (e) => log(`internal error: ${e?.message ?? e}`));
    pending.add(p);
    p.finally(() => {
      pending.delete(p);
      // The emulator's state is saved after each call, so a killed server loses nothing.
      if (opts.sandbox && opts.state) saving = saving.then(save).catch((e) => log(`saving state: ${e?.message ?? e}`));
    });
  });
  await new Promise((resolve) => {
    rl.once('close', resolve);
    const stop = () => {
      server.abortAll();
      rl.close();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await Promise.allSettled([...pending]);
  await saving;
  await save().catch(() => {});
  return 0;
}
