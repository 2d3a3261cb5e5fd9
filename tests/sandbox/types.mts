// Type-checks the sandbox's declarations (run.sh copies this next to the built sandbox/ dir).
import { createSandbox, type OutboxMessage } from './sandbox/index.js';
import { instantiate } from './sandbox/load.node.js';
import { serve } from './sandbox/server.js';

const sb = await createSandbox({ seed: 1, clock: new Date(), faults: { rate: 0.1, statuses: [503], latencyMs: 5 }, rateLimits: true }, instantiate);
const r: Response = await sb.fetch(new URL('https://api.iterable.com/api/lists'), { headers: { 'Api-Key': 'k' } });
const first: OutboxMessage | undefined = sb.outbox()[0];
const channel: string | undefined = first?.channel;
sb.load(sb.dump());
sb.reset();
const s = await serve({ port: 0, state: 'state.json', log: (line: string) => void line });
const url: string = s.url;
await s.close();
// @ts-expect-error: the state of serve() is a file path
await serve({ state: {} });
export { r, channel, url };
