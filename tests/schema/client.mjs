// The client as a validation oracle: every input goes through `execute` with a stub fetch that
// answers 200. Rejected = a ValidationError with no request sent; accepted = a request was sent.
// Shared by tests/schema/agree.mjs and tests/schema/differential.mjs.

/** Returns { accepts(id, input) -> Promise<{ ok, error? }>, sent() -> requests sent so far }. */
export function clientOracle(IterableClient) {
  let sent = 0;
  const client = new IterableClient({
    apiKey: 'fake-key-for-tests',
    maxRetries: 0,
    rateLimit: false,
    fetch: async () => {
      sent++;
      return new Response('{"msg":"","code":"Success","params":null}', { status: 200, headers: { 'content-type': 'application/json' } });
    },
  });
  async function accepts(id, input) {
    const before = sent;
    try {
      await client.execute(id, input);
    } catch (e) {
      if (e?.code === 'ValidationError') {
        if (sent !== before) throw new Error(`${id}: ValidationError after a request was sent`);
        return { ok: false, error: e };
      }
    }
    if (sent === before) throw new Error(`${id}: neither rejected nor sent`);
    return { ok: true };
  }
  return { accepts, sent: () => sent };
}
