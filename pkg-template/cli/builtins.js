// The Node built-ins of the CLI's start-up path (dispatch, options, help, listing, describe),
// taken through `require`: an ES import of a built-in builds its whole module namespace, which
// for node:fs loads its streams and promises too, and node:process, node:fs and node:util cost
// ~4 ms of CPU that way (measured with bench/lib/startup-cli.mjs's processes), a sixth of what
// `actions` may add to an empty Node process. Deno provides createRequire and these modules too.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const process = require('node:process');
export const { readFileSync, openSync, readSync, closeSync } = require('node:fs');
export const { parseArgs } = require('node:util');
