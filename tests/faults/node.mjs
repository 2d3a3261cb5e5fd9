// Fault-injection suite in Node, through the package's node entry (pkg/index.node.js).
// Run: node tests/faults/node.mjs   (FAULTS_ONLY=<regex> for a subset)
import { run } from './scenarios.mjs';

const { failed, rows } = await run(() => import('../../pkg/index.node.js'), { label: `node ${process.version}` });
process.exit(failed || rows.length === 0 ? 1 : 0);
