// What tests compare counts with: the definitions themselves (defs/actions.json), so that adding
// an action never means editing a number in a test.
import { readFileSync } from 'node:fs';

export const DEFS = JSON.parse(readFileSync(new URL('../../defs/actions.json', import.meta.url), 'utf8'));
/** Every action of the catalog. */
export const ACTION_COUNT = DEFS.length;
/** Those flagged irreversible. */
export const IRREVERSIBLE_COUNT = DEFS.filter((a) => a.irreversible).length;
