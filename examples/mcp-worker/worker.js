// The iterable-wasm MCP server in a Cloudflare Worker: the Iterable actions (by default through
// three discovery tools: search_actions, describe_action, run_action), over the Model Context
// Protocol's streamable HTTP transport at POST /mcp (stateless: no session to keep between
// isolates). JSON tools carry an outputSchema (iterable-wasm/results, the result schemas as a
// module: about 14 KB gzip more in the upload, nothing in a browser's load) and their results
// come with structuredContent.
//
// Bindings (secrets: `npx wrangler secret put NAME`):
//   ITERABLE_API_KEY        Iterable server-side API key (secret)
//   MCP_TOKEN               the bearer token agents must send (secret): Authorization: Bearer <MCP_TOKEN>
//   ITERABLE_REGION         "us" (default) or "eu"
//   ITERABLE_BASE_URL       another base URL (e.g. a local mock)
//   MCP_TOOLS               "discover" (default: three meta-tools) or "all" (one tool per action)
//   MCP_TOOLSETS            comma list of catalog resources (users, lists, ...): one tool per action of those
//   MCP_READ_ONLY           "1" serves only actions that read
//   MCP_ALLOW_IRREVERSIBLE  "1" lets irreversible tools run (refused otherwise)
//   MCP_ALLOW_SENDS         "1" lets tools run that make Iterable send messages to people (refused otherwise)
//   MCP_ALLOW, MCP_DENY     comma lists of action ids narrowing the tools
//   ITERABLE_SANDBOX        "1" runs every tool against the built-in emulator instead of Iterable
//   MCP_ALLOWED_HOSTS       comma list of the Host names this Worker answers on besides loopback
//                           ones (e.g. "iterable-mcp.example.workers.dev"); others get 403
//   MCP_ALLOWED_ORIGINS     comma list of browser origins allowed to call (loopback ones always may)
import { IterableClient, actions } from 'iterable-wasm';
import { createMcpServer, createMcpHttpHandler } from 'iterable-wasm/mcp';
import results from 'iterable-wasm/results';
// Enables ITERABLE_SANDBOX (the emulator, ~220 KB gzip more in the upload). Without this line the
// Worker stays lean and `sandbox: true` fails with a clear message.
import 'iterable-wasm/sandbox';

const list = (s) => (s ? String(s).split(',').map((x) => x.trim()).filter(Boolean) : undefined);

// One client and protocol server per isolate (the bindings do not change between requests).
let handler;
function handlerFor(env) {
  if (handler) return handler;
  const sandbox = env.ITERABLE_SANDBOX === '1';
  const client = new IterableClient({
    ...(env.ITERABLE_API_KEY ? { apiKey: env.ITERABLE_API_KEY } : {}),
    region: env.ITERABLE_REGION === 'eu' ? 'eu' : 'us',
    ...(env.ITERABLE_BASE_URL ? { baseUrl: env.ITERABLE_BASE_URL } : {}),
    ...(sandbox ? { sandbox: true } : {}),
  });
  const server = createMcpServer({
    client,
    actions,
    results,
    ...(env.MCP_TOOLS ? { tools: env.MCP_TOOLS } : {}),
    toolsets: list(env.MCP_TOOLSETS),
    readOnly: env.MCP_READ_ONLY === '1',
    allowIrreversible: env.MCP_ALLOW_IRREVERSIBLE === '1',
    irreversibleHint: 'the binding MCP_ALLOW_IRREVERSIBLE = "1"',
    allowSends: env.MCP_ALLOW_SENDS === '1',
    sendsHint: 'the binding MCP_ALLOW_SENDS = "1"',
    allow: list(env.MCP_ALLOW),
    deny: list(env.MCP_DENY),
    secrets: [env.ITERABLE_API_KEY, env.MCP_TOKEN],
    name: 'iterable-wasm-worker',
  });
  handler = createMcpHttpHandler(server, {
    // The token is compared in constant time. No token configured: refuse everything rather than
    // hand out the Iterable key's powers.
    ...(env.MCP_TOKEN ? { token: env.MCP_TOKEN } : { authorize: () => false }),
    allowedHosts: list(env.MCP_ALLOWED_HOSTS),
    allowedOrigins: list(env.MCP_ALLOWED_ORIGINS),
  });
  return handler;
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname !== '/mcp') return Response.json({ error: 'not found; the MCP endpoint is /mcp' }, { status: 404 });
    let handle;
    try {
      handle = handlerFor(env);
    } catch (e) {
      // A configuration problem (e.g. no ITERABLE_API_KEY binding); the message never holds the key.
      return Response.json({ jsonrpc: '2.0', id: null, error: { code: -32603, message: `server misconfigured: ${e?.message ?? e}` } }, { status: 500 });
    }
    return handle(request);
  },
};
