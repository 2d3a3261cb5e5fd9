// What the CLI's quick commands share with the rest (its name, the width its texts fit, the
// usage error, writing to stdout), in CommonJS like the rest of the start-up path (../cli.cjs):
// Node starts a CommonJS file without its ES module loader, the largest fixed cost `actions` and
// `--help` would add to an empty process (bench part startup-cli). ./output.js re-exports it all.
'use strict';

const NAME = 'iterable-wasm';
/** The width every listing and help text fits (tests/cli checks each line). */
const WIDTH = 80;
/** `s` cut to `n` columns, with an ellipsis when cut. */
const clip = (s, n = WIDTH) => (s.length > n ? s.slice(0, Math.max(0, n - 1)) + '…' : s);

/** A usage or input error: its code and exit code (2 unless said). */
class CliError extends Error {
  constructor(message, { code = 'UsageError', exit = 2, extra } = {}) {
    super(message);
    this.code = code;
    this.exit = exit;
    this.extra = extra;
  }
}

/** Writes `text` on stdout, waiting while the pipe is full. */
async function write(text) {
  if (!process.stdout.write(text)) await new Promise((r) => process.stdout.once('drain', r));
}

module.exports = { NAME, WIDTH, clip, CliError, write };
