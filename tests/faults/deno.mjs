// Fault-injection suite in Deno, through the package's deno entry (pkg/index.deno.js); the fault
// server runs in Deno too (node:net).
// Run: npx deno run -A tests/faults/deno.mjs   (FAULTS_ONLY=<regex> for a subset)
import { run } from './scenarios.mjs';

const { failed, rows } = await run(() => import('../../pkg/index.deno.js'), { label: `deno ${Deno.version.deno}` });
Deno.exit(failed || rows.length === 0 ? 1 : 0);
