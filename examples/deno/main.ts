// iterable-wasm in Deno: the catalog, a read, a write and error handling.
// "iterable-wasm" is mapped to npm:iterable-wasm in deno.json; Deno picks the package's "deno" entry.
//
//   ITERABLE_API_KEY=... deno run --allow-net --allow-env --allow-read main.ts
//
// --allow-read: the package reads its .wasm file next to its entry module.
// Environment: ITERABLE_API_KEY (required), ITERABLE_REGION ("us" | "eu"), ITERABLE_BASE_URL (e.g. a
// local mock), ITERABLE_DEMO_WRITE=1 to also track an event, ITERABLE_EMAIL (the event's user).
import { actions, IterableClient, IterableError } from "iterable-wasm";

const apiKey = Deno.env.get("ITERABLE_API_KEY");
if (!apiKey) {
  console.error("Set ITERABLE_API_KEY (and ITERABLE_BASE_URL for a local mock).");
  Deno.exit(2);
}
const baseUrl = Deno.env.get("ITERABLE_BASE_URL");

const client = new IterableClient({
  apiKey,
  region: Deno.env.get("ITERABLE_REGION") === "eu" ? "eu" : "us",
  ...(baseUrl ? { baseUrl } : {}),
});
console.log(`client: ${client}`); // never shows the key

// The catalog: every action, with its JSON Schema; no request involved.
const irreversible = actions.filter((a) => a.irreversible).length;
console.log(`catalog: ${actions.length} actions (${irreversible} irreversible), e.g. ${actions[0].id}`);

// Bad input is rejected before anything is sent.
try {
  // @ts-expect-error: email or userId is missing on purpose
  await client.trackEvent({ eventName: "no_user_given" });
} catch (e) {
  if (!(e instanceof IterableError)) throw e;
  console.log(`validation: ${e.code}, ${e.attempts} requests sent: ${e.issues?.map((i) => i.param).join(", ")}`);
}

try {
  // A read.
  const { channels = [] } = await client.listChannels();
  console.log(`read: ${channels.length} channels: ${channels.map((c) => c.name).join(", ")}`);

  // A write, only when asked for.
  if (Deno.env.get("ITERABLE_DEMO_WRITE") === "1") {
    const res = await client.trackEvent({
      email: Deno.env.get("ITERABLE_EMAIL") ?? "example@example.com",
      eventName: "iterable_wasm_example",
      dataFields: { runtime: "deno", at: new Date().toISOString() },
    });
    console.log(`write: trackEvent -> ${res.code}`);
  } else {
    console.log("write: skipped (set ITERABLE_DEMO_WRITE=1)");
  }

  // The same read by action id, as a generic caller or an agent would do it.
  const byId = await client.execute("list_channels", {});
  console.log(`execute: list_channels -> ${byId.channels?.length ?? 0} channels`);
} catch (e) {
  if (!(e instanceof IterableError)) throw e;
  // The message leads with action, HTTP status and code: "list_lists → 401 BadApiKey: ...".
  // e.code is Iterable's own (BadApiKey, BadParams, ...) or ours (NetworkError, Timeout, ...).
  console.error(`error: ${e.message} (retryable: ${e.retryable})`);
  Deno.exit(1);
}
console.log("done");
