// The Model Context Protocol over the action catalog, with no dependency and no runtime-specific
// API: JSON-RPC 2.0 messages in, JSON-RPC messages out. Two transports on top of it:
//   - stdio (newline-delimited JSON), run by `iterable-wasm mcp` (cli.js);
//   - streamable HTTP: createMcpHttpHandler(...) gives a `handle(request) => Promise<Response>`
//     for a Cloudflare Worker, Deno.serve or any fetch-style server.
//
//   import { IterableClient, actions } from 'iterable-wasm';
//   import { createMcpServer, createMcpHttpHandler } from 'iterable-wasm/mcp';
//   const server = createMcpServer({ client: new IterableClient({ apiKey }), actions });
//   const handle = createMcpHttpHandler(server);
//
// Tools are the catalog: name = action id, inputSchema = the action's JSON Schema (object at the
// top, without the catalog's own x-iterable-* keywords), annotations from its flags. Irreversible
// tools are listed but refuse to run unless allowIrreversible is set. Every failure of a call is a
// tool result with isError (Iterable's code and message); the API key never appears in any output.

/** Protocol versions this server speaks, newest first. */
export const PROTOCOL_VERSIONS = ['2025-06-18', '2025-03-26', '2024-11-05'];

const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const METHOD_NOT_FOUND = -32601;
const INVALID_PARAMS = -32602;
const INTERNAL_ERROR = -32603;

/** Whether an action only reads: a GET, or an entry flagged as a read by the catalog. */
export const isRead = (a) => a.method === 'GET' || a.readOnly === true || a.read === true;

/** A copy of a catalog schema as MCP clients expect it: `type: "object"` at the top, no `$schema`
 * (older validators reject the 2020-12 meta-schema URI), no `x-iterable-*` keywords, and no
 * anyOf / allOf / oneOf / not / dependentRequired at the top level, which several model APIs
 * refuse in a tool's input schema: those rules between params are stated in the tool's
 * description instead, and the client still enforces them (a call breaking one gets a
 * ValidationError tool result). Nested objects keep theirs. */
export function toolSchema(schema) {
  const clean = (v) => {
    if (Array.isArray(v)) return v.map(clean);
    if (!v || typeof v !== 'object') return v;
    const out = {};
    for (const [k, x] of Object.entries(v)) if (!k.startsWith('x-iterable')) out[k] = clean(x);
    return out;
  };
  const s = clean(schema ?? {});
  delete s.$schema;
  for (const k of ['anyOf', 'allOf', 'oneOf', 'not', 'dependentRequired']) delete s[k];
  s.type = 'object';
  if (!s.properties || typeof s.properties !== 'object') s.properties = {};
  if (Array.isArray(s.required) && s.required.length === 0) delete s.required;
  return s;
}

function toolDescription(a, allowIrreversible, how) {
  const notes = [];
  const exactly = (g) => (a.exclusive ?? []).some((x) => x.join() === g.join());
  if (a.requireOneOf?.length) notes.push('Required: ' + a.requireOneOf.map((g) => `at least one of ${g.join(', ')}${exactly(g) ? ' (exactly one)' : ''}`).join('; and '));
  const rules = [
    ...(a.exclusive ?? []).filter((g) => !(a.requireOneOf ?? []).some((r) => r.join() === g.join())).map((g) => `not both ${g.join(' and ')}`),
    ...(a.together ?? []).map((g) => `${g.join(' and ')} together or not at all`),
    ...(a.preferOne ?? []).map((g) => `preferably one of ${g.join(', ')}, not several`),
  ];
  if (rules.length) notes.push(`Rules: ${rules.join('; ')}`);
  if (a.irreversible) {
    notes.push(allowIrreversible ? 'Irreversible' : `Irreversible: refused unless the server runs with ${how}`);
  }
  if (a.rateLimit) notes.push(`Rate limit: ${a.rateLimit}`);
  if (a.limits) notes.push(`Limits: ${a.limits}`);
  return [a.description, ...notes].filter(Boolean).join('\n');
}

/** The tools for a catalog, narrowed by allow / deny lists of ids. */
export function toolsFromCatalog(actions, { allow, deny, allowIrreversible = false, irreversibleHint = '--allow-irreversible' } = {}) {
  const allowSet = allow && allow.length ? new Set(allow) : null;
  const denySet = new Set(deny ?? []);
  return actions
    .filter((a) => (!allowSet || allowSet.has(a.id)) && !denySet.has(a.id))
    .map((a) => ({
      name: a.id,
      title: a.title,
      description: toolDescription(a, allowIrreversible, irreversibleHint),
      inputSchema: toolSchema(a.inputSchema),
      annotations: {
        title: a.title,
        readOnlyHint: isRead(a),
        destructiveHint: !isRead(a) && !!a.irreversible,
        idempotentHint: !!a.idempotent,
        openWorldHint: true,
      },
    }));
}

const redactor = (secrets) => {
  const list = secrets.filter((s) => typeof s === 'string' && s.length >= 4);
  return (text) => {
    let t = String(text);
    for (const s of list) t = t.split(s).join('[REDACTED]');
    return t;
  };
};

/**
 * A protocol server. Options:
 *   client            an IterableClient (or a function returning one, called per tool call)
 *   actions           the catalog
 *   allowIrreversible let irreversible tools run (default false)
 *   allow, deny       arrays of action ids narrowing the tools
 *   secrets           strings that must never appear in output (the API key); redacted if they do
 *   name, version     the serverInfo
 *   maxResultChars    longer result texts are cut with a note (default 200000)
 *   irreversibleHint  how to allow irreversible tools, named in refusals (default "--allow-irreversible")
 *   log               (line) => void for diagnostics (stderr in the CLI)
 * Returns { tools, handle(message) => Promise<response | array | null> }.
 */
export function createMcpServer(options) {
  const { actions, allowIrreversible = false, allow, deny, name = 'iterable-wasm', version = '0.0.0', maxResultChars = 200_000, irreversibleHint = '--allow-irreversible', log = () => {} } = options;
  if (!Array.isArray(actions)) throw new TypeError('createMcpServer: actions (the catalog) is required');
  const getClient = typeof options.client === 'function' ? options.client : () => options.client;
  const redact = redactor(options.secrets ?? []);
  const tools = toolsFromCatalog(actions, { allow, deny, allowIrreversible, irreversibleHint });
  const toolNames = new Set(tools.map((t) => t.name));
  const byId = new Map(actions.map((a) => [a.id, a]));
  const inFlight = new Map(); // request id -> AbortController
  let protocolVersion = null;

  const ok = (id, result) => ({ jsonrpc: '2.0', id, result });
  const fail = (id, code, message, data) => ({ jsonrpc: '2.0', id, error: { code, message: redact(message), ...(data === undefined ? {} : { data }) } });
  const toolError = (error) => ({
    isError: true,
    content: [{ type: 'text', text: redact(JSON.stringify({ error })) }],
  });

  function resultText(value) {
    let text = typeof value === 'string' ? value : JSON.stringify(value ?? null, null, 2);
    if (text.length > maxResultChars) {
      text = text.slice(0, maxResultChars) + `\n[truncated: ${text.length - maxResultChars} more characters; narrow the input to get less]`;
    }
    return redact(text);
  }

  async function callTool(params, requestId) {
    const toolName = params?.name;
    if (typeof toolName !== 'string' || !toolNames.has(toolName)) {
      return { error: [INVALID_PARAMS, `Unknown tool: ${String(toolName).slice(0, 80)}`] };
    }
    const entry = byId.get(toolName);
    const args = params.arguments ?? {};
    if (!args || typeof args !== 'object' || Array.isArray(args)) {
      return { result: toolError({ code: 'ValidationError', action: toolName, message: 'arguments must be an object' }) };
    }
    if (entry.irreversible && !allowIrreversible) {
      return {
        result: toolError({
          code: 'IrreversibleNotAllowed',
          action: toolName,
          message: `${toolName} is irreversible and this server does not allow irreversible tools (start it with ${irreversibleHint}); nothing was sent`,
        }),
      };
    }
    const controller = new AbortController();
    if (requestId !== undefined) inFlight.set(requestId, controller);
    try {
      const value = await getClient().execute(toolName, args, { signal: controller.signal });
      return { result: { content: [{ type: 'text', text: resultText(value) }] } };
    } catch (e) {
      const error = e && typeof e === 'object' && typeof e.code === 'string'
        ? {
            code: e.code,
            message: String(e.message ?? ''),
            action: e.action ?? toolName,
            ...(e.status !== undefined ? { status: e.status } : {}),
            ...(e.retryable !== undefined ? { retryable: e.retryable } : {}),
            ...(e.issues ? { issues: e.issues } : {}),
            ...(e.params != null ? { params: e.params } : {}),
          }
        : { code: 'InternalError', action: toolName, message: String(e?.message ?? e) };
      log(`tool ${toolName} failed: ${redact(error.code)}: ${redact(error.message)}`);
      return { result: toolError(error) };
    } finally {
      if (requestId !== undefined) inFlight.delete(requestId);
    }
  }

  async function handleOne(msg) {
    if (!msg || typeof msg !== 'object' || Array.isArray(msg) || msg.jsonrpc !== '2.0') {
      return fail(msg && typeof msg === 'object' && 'id' in msg ? msg.id ?? null : null, INVALID_REQUEST, 'Invalid Request');
    }
    const isRequest = 'id' in msg && msg.id !== undefined && typeof msg.method === 'string';
    const isNotification = !('id' in msg) && typeof msg.method === 'string';
    if (!isRequest && !isNotification) {
      // A response from the client (we send no requests) or something malformed.
      if ('result' in msg || 'error' in msg) return null;
      return fail(msg.id ?? null, INVALID_REQUEST, 'Invalid Request');
    }
    const { id, method, params } = msg;
    if (isNotification) {
      if (method === 'notifications/cancelled') inFlight.get(params?.requestId)?.abort();
      return null; // notifications/initialized and others: nothing to answer
    }
    if (typeof id !== 'string' && typeof id !== 'number') return fail(null, INVALID_REQUEST, 'Invalid Request: id must be a string or a number');
    try {
      switch (method) {
        case 'initialize': {
          const asked = params?.protocolVersion;
          protocolVersion = PROTOCOL_VERSIONS.includes(asked) ? asked : PROTOCOL_VERSIONS[0];
          return ok(id, {
            protocolVersion,
            capabilities: { tools: { listChanged: false } },
            serverInfo: { name, title: 'Iterable API (iterable-wasm)', version },
            instructions:
              'Every Iterable API action as a tool (name = action id). Tools marked readOnlyHint only read; ' +
              (allowIrreversible ? 'irreversible tools (destructiveHint) run when called.' : 'irreversible tools (destructiveHint) are refused by this server.'),
          });
        }
        case 'ping':
          return ok(id, {});
        case 'tools/list':
          return ok(id, { tools });
        case 'tools/call': {
          const out = await callTool(params, id);
          return out.error ? fail(id, out.error[0], out.error[1]) : ok(id, out.result);
        }
        case 'resources/list':
          return ok(id, { resources: [] });
        case 'prompts/list':
          return ok(id, { prompts: [] });
        default:
          return fail(id, METHOD_NOT_FOUND, `Method not found: ${String(method).slice(0, 80)}`);
      }
    } catch (e) {
      log(`internal error in ${method}: ${redact(e?.message ?? e)}`);
      return fail(id, INTERNAL_ERROR, 'Internal error');
    }
  }

  /** One parsed JSON-RPC message (or a batch); resolves with the answer, or null when none is due. */
  async function handle(message) {
    if (Array.isArray(message)) {
      if (message.length === 0) return fail(null, INVALID_REQUEST, 'Invalid Request: empty batch');
      const out = (await Promise.all(message.map(handleOne))).filter(Boolean);
      return out.length ? out : null;
    }
    return handleOne(message);
  }

  /** A line or body of JSON text; resolves with the answer, or null. */
  async function handleText(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return fail(null, PARSE_ERROR, 'Parse error');
    }
    return handle(message);
  }

  return {
    tools,
    handle,
    handleText,
    get protocolVersion() { return protocolVersion; },
    /** Aborts every tool call in flight (on shutdown). */
    abortAll() { for (const c of inFlight.values()) c.abort(); },
  };
}

/**
 * Streamable HTTP: `handle(request) => Promise<Response>`. POST carries JSON-RPC (answered as
 * application/json; 202 when only notifications came); GET answers 405 (no server-initiated
 * stream). Options:
 *   sessions        issue an Mcp-Session-Id at initialize and require it afterwards (in-memory, so
 *                   only for a single long-lived process; default false: stateless, as a Worker
 *                   needs)
 *   allowedOrigins  if given, requests with an Origin header not in it get 403
 *   authorize       (request) => boolean | Promise<boolean>; false answers 401
 */
export function createMcpHttpHandler(server, options = {}) {
  const { sessions = false, allowedOrigins, authorize } = options;
  if (sessions && typeof globalThis.crypto?.randomUUID !== 'function') {
    throw new TypeError('createMcpHttpHandler: sessions need the Web Crypto API (globalThis.crypto.randomUUID)');
  }
  const live = new Set();
  const json = (status, body, headers = {}) =>
    new Response(body === null ? null : JSON.stringify(body), { status, headers: { ...(body === null ? {} : { 'content-type': 'application/json' }), ...headers } });
  const rpcError = (status, code, message) => json(status, { jsonrpc: '2.0', id: null, error: { code, message } });

  return async function handle(request) {
    const origin = request.headers.get('origin');
    if (origin && allowedOrigins && !allowedOrigins.includes(origin) && !allowedOrigins.includes('*')) {
      return rpcError(403, INVALID_REQUEST, 'Forbidden: origin not allowed');
    }
    if (authorize && !(await authorize(request))) {
      return rpcError(401, INVALID_REQUEST, 'Unauthorized');
    }
    const version = request.headers.get('mcp-protocol-version');
    if (version && !PROTOCOL_VERSIONS.includes(version) && version !== '2025-11-25') {
      return rpcError(400, INVALID_REQUEST, `Bad Request: unsupported MCP-Protocol-Version ${version.slice(0, 40)}`);
    }
    const sessionId = request.headers.get('mcp-session-id');
    if (request.method === 'DELETE') {
      if (!sessions) return json(405, null, { allow: 'POST' });
      if (!sessionId || !live.has(sessionId)) return rpcError(404, INVALID_REQUEST, 'Session not found');
      live.delete(sessionId);
      return new Response(null, { status: 204 });
    }
    if (request.method !== 'POST') {
      return json(405, null, { allow: sessions ? 'POST, DELETE' : 'POST' });
    }
    let message;
    try {
      message = JSON.parse(await request.text());
    } catch {
      return rpcError(400, PARSE_ERROR, 'Parse error');
    }
    const list = Array.isArray(message) ? message : [message];
    const initializing = list.some((m) => m && m.method === 'initialize');
    let newSession;
    if (sessions) {
      if (initializing) {
        newSession = crypto.randomUUID();
      } else if (!sessionId) {
        return rpcError(400, INVALID_REQUEST, 'Bad Request: Mcp-Session-Id header required');
      } else if (!live.has(sessionId)) {
        return rpcError(404, INVALID_REQUEST, 'Session not found');
      }
    }
    const answer = await server.handle(message);
    if (newSession) live.add(newSession);
    const headers = newSession ? { 'mcp-session-id': newSession } : {};
    if (answer === null) return new Response(null, { status: 202, headers });
    return json(200, answer, headers);
  };
}
