#!/usr/bin/env node
// iterable-wasm on the command line, as an ES module: `node cli.js` and `deno run -A cli.js`
// run the dispatcher ./cli.cjs (the package's bin, CommonJS for a fast start; it says why).
import './cli.cjs';
