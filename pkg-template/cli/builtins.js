// The Node built-ins of the CLI's start-up path (dispatch, options, help, listing, describe),
// taken through process.getBuiltinModule (Node >= 20.16, Deno 2), else `require`: an ES import
// of a built-in builds its whole module namespace, which for node:fs loads its streams and
// promises too, and node:process, node:fs and node:util cost ~4 ms of CPU that way (measured with
// bench/lib/startup-cli.mjs's processes), a sixth of what `actions` may add to an empty Node
// process. Even node:module (for createRequire) is imported only where getBuiltinModule is missing.
export const builtin = process.getBuiltinModule?.bind(process) ?? (await import('node:module')).createRequire(import.meta.url);
export const { readFileSync, openSync, readSync, closeSync } = builtin('node:fs');
/** node:util's parseArgs, loaded when first called (the quick commands never parse options). */
export const parseArgs = (...a) => builtin('node:util').parseArgs(...a);
