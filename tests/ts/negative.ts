// MUST NOT compile: one deliberately wrong field type. tests/ts/run.mjs compiles this file on its own
// (tsconfig.negative.json) and passes only if tsc fails with an error that names the field `createdAt`.
import { IterableClient } from "iterable-wasm";

const client = new IterableClient({ apiKey: "server-side-key" });

// createdAt is a Unix epoch number (int64), not a date string
await client.trackEvent({ eventName: "productViewed", email: "ada@example.com", createdAt: "2024-01-01 00:00:00" });
