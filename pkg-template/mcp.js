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

import { MCP_MAX_BODY, Refusal, corsHeaders, decodeUtf8, bearer, hostList, mediaType, originList, readBody, screen } from './server/guard.js';

/** Protocol versions this server speaks, newest first. */
export const PROTOCOL_VERSIONS = ['2025-06-18', '2025-03-26', '2024-11-05'];
/** From this version on, MCP has no JSON-RPC batches. */
const NO_BATCHES_FROM = '2025-06-18';
/** What the streamable HTTP transport assumes when a client names no version (the spec's rule). */
const DEFAULT_HTTP_VERSION = '2025-03-26';
const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const METHOD_NOT_FOUND = -32601;
const INVALID_PARAMS = -32602;
const INTERNAL_ERROR = -32603;
/** Server-defined: the answer would be larger than maxAnswerChars. */
const ANSWER_TOO_LARGE = -32001;

/** Whether an action only reads: a GET, or an entry flagged as a read by the catalog. */
export const isRead = (a) => a.method === 'GET' || a.readOnly === true || a.read === true;

/** A copy of a catalog schema as MCP clients expect it: `type: "object"` at the top, no `$schema`
 * (older validators reject the 2020-12 meta-schema URI), no `x-iterable-*` keywords, and no
 * anyOf / allOf / oneOf at the top level, which several model APIs refuse in a tool's input
 * schema: those "one of" groups are stated in the tool's description instead, and the client
 * still enforces them (a call missing one gets a ValidationError tool result). */
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
  delete s.anyOf;
  delete s.allOf;
  delete s.oneOf;
  s.type = 'object';
  if (!s.properties || typeof s.properties !== 'object') s.properties = {};
  if (Array.isArray(s.required) && s.required.length === 0) delete s.required;
  return s;
}

function toolDescription(a, allowIrreversible, how) {
  const notes = [];
  if (a.requireOneOf?.length) notes.push('Required: ' + a.requireOneOf.map((g) => `at least one of ${g.join(', ')}`).join('; and '));
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
 *   maxBatch          most messages in one JSON-RPC batch (default 50); batches are refused
 *                     outright from protocol version 2025-06-18 on, which dropped them
 *   maxAnswerChars    longest answer (one message or a whole batch) in characters (default
 *                     4,000,000): past it, messages are answered with an error instead
 *   irreversibleHint  how to allow irreversible tools, named in refusals (default "--allow-irreversible")
 *   log               (line) => void for diagnostics (stderr in the CLI)
 * Returns { tools, handle(message, context) => Promise<response | array | null>, respond(text,
 * context) => Promise<JSON text | null>, ... }. `context` ({ session, protocolVersion, signal })
 * is the transport's: cancellations only reach calls of the same session; without a
 * protocolVersion, the one agreed at the last initialize applies (stdio).
 */
export function createMcpServer(options) {
  const { actions, allowIrreversible = false, allow, deny, name = 'iterable-wasm', version = '0.0.0', maxResultChars = 200_000, maxBatch = 50, maxAnswerChars = 4_000_000, irreversibleHint = '--allow-irreversible', log = () => {} } = options;
  if (!Array.isArray(actions)) throw new TypeError('createMcpServer: actions (the catalog) is required');
  const getClient = typeof options.client === 'function' ? options.client : () => options.client;
  const redact = redactor(options.secrets ?? []);
  const tools = toolsFromCatalog(actions, { allow, deny, allowIrreversible, irreversibleHint });
  const toolNames = new Set(tools.map((t) => t.name));
  const byId = new Map(actions.map((a) => [a.id, a]));
  const inFlight = new Map(); // session + request id -> AbortController
  const flightKey = (session, id) => `${String(session ?? '')}\u0000${typeof id}:${String(id)}`;
  let protocolVersion = null;
  let logLevel = 'info';

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

  async function callTool(params, requestId, ctx) {
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
    const key = flightKey(ctx.session, requestId);
    inFlight.set(key, controller);
    const onGone = () => controller.abort(ctx.signal?.reason);
    if (ctx.signal?.aborted) onGone();
    else ctx.signal?.addEventListener?.('abort', onGone, { once: true });
    try {
      const value = await getClient().execute(toolName, args, { signal: controller.signal });
      if (controller.signal.aborted) return { cancelled: true };
      return { result: { content: [{ type: 'text', text: resultText(value) }] } };
    } catch (e) {
      // A cancelled request gets no answer at all.
      if (controller.signal.aborted) return { cancelled: true };
      const error = e && typeof e === 'object' && typeof e.code === 'string'
        ? {
            code: e.code,
            // The code, status and action are fields here: the bare detail, not the summary.
            message: String(e.detail ?? e.message ?? ''),
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
      if (inFlight.get(key) === controller) inFlight.delete(key);
      ctx.signal?.removeEventListener?.('abort', onGone);
    }
  }

  async function handleOne(msg, ctx, inBatch) {
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
      if (method === 'notifications/cancelled') {
        const target = params?.requestId;
        if (typeof target === 'string' || typeof target === 'number') inFlight.get(flightKey(ctx.session, target))?.abort(new Error(`cancelled by the client${typeof params?.reason === 'string' ? `: ${params.reason.slice(0, 200)}` : ''}`));
      }
      return null; // notifications/initialized and others: nothing to answer
    }
    if (typeof id !== 'string' && typeof id !== 'number') return fail(null, INVALID_REQUEST, 'Invalid Request: id must be a string or a number');
    try {
      switch (method) {
        case 'initialize': {
          if (inBatch) return fail(id, INVALID_REQUEST, 'Invalid Request: initialize must be sent on its own, not in a batch');
          const asked = params?.protocolVersion;
          const agreed = PROTOCOL_VERSIONS.includes(asked) ? asked : PROTOCOL_VERSIONS[0];
          if (ctx.protocolVersion === undefined) protocolVersion = agreed;
          return ok(id, {
            protocolVersion: agreed,
            capabilities: { tools: { listChanged: false }, logging: {} },
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
          const out = await callTool(params, id, ctx);
          if (out.cancelled) return null;
          return out.error ? fail(id, out.error[0], out.error[1]) : ok(id, out.result);
        }
        case 'logging/setLevel': {
          const level = params?.level;
          if (!LOG_LEVELS.includes(level)) return fail(id, INVALID_PARAMS, `level must be one of ${LOG_LEVELS.join(', ')}`);
          logLevel = level;
          return ok(id, {});
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

  /** Why a batch is refused as a whole (null: it is not): empty, too long, or a protocol
   * version without batches. */
  function batchProblem(message, ctx = {}) {
    if (!Array.isArray(message)) return null;
    const v = ctx.protocolVersion ?? protocolVersion;
    if (v && v >= NO_BATCHES_FROM) return `Invalid Request: MCP ${v} has no JSON-RPC batches; send one message per request`;
    if (message.length === 0) return 'Invalid Request: empty batch';
    if (message.length > maxBatch) return `Invalid Request: a batch of ${message.length} messages; this server takes at most ${maxBatch}`;
    return null;
  }

  /** One parsed JSON-RPC message (or a batch); resolves with the answer, or null when none is due. */
  async function handle(message, ctx = {}) {
    if (Array.isArray(message)) {
      const problem = batchProblem(message, ctx);
      if (problem) return fail(null, INVALID_REQUEST, problem);
      const out = (await Promise.all(message.map((m) => handleOne(m, ctx, true)))).filter(Boolean);
      return out.length ? out : null;
    }
    return handleOne(message, ctx, false);
  }

  const parse = (text) => {
    try {
      return { message: JSON.parse(text) };
    } catch {
      return { answer: fail(null, PARSE_ERROR, 'Parse error') };
    }
  };

  /** A line or body of JSON text; resolves with the answer, or null. */
  async function handleText(text, ctx = {}) {
    const p = parse(text);
    return p.answer ?? handle(p.message, ctx);
  }

  /** One answer as JSON text, never longer than maxAnswerChars: a message that would not fit
   * (or cannot be written as JSON) is replaced by a short error naming the limit. */
  function encode(answer) {
    if (answer === null || answer === undefined) return null;
    const one = (m, room) => {
      let t;
      try {
        t = JSON.stringify(m);
      } catch (e) {
        log(`answer not encodable: ${redact(e?.message ?? e)}`);
        t = undefined;
      }
      if (t !== undefined && t.length <= room) return t;
      const id = m && typeof m === 'object' && (typeof m.id === 'string' || typeof m.id === 'number') ? m.id : null;
      const why = t === undefined ? 'the answer could not be encoded' : `the answer is larger than this server's limit of ${maxAnswerChars} characters; ask for less (fewer messages per batch, narrower input)`;
      return JSON.stringify(fail(id, t === undefined ? INTERNAL_ERROR : ANSWER_TOO_LARGE, why));
    };
    if (!Array.isArray(answer)) return one(answer, maxAnswerChars);
    const parts = [];
    let used = 2;
    for (const m of answer) {
      const t = one(m, maxAnswerChars - used - 1);
      used += t.length + 1;
      parts.push(t);
    }
    return `[${parts.join(',')}]`;
  }

  /** JSON text in, the answer's JSON text out (null when none is due): what transports use. */
  async function respond(text, ctx = {}) {
    const p = parse(text);
    return encode(p.answer ?? (await handle(p.message, ctx)));
  }

  return {
    tools,
    handle,
    handleText,
    respond,
    encode,
    batchProblem,
    get protocolVersion() { return protocolVersion; },
    /** The level last set by logging/setLevel (default "info"). */
    get logLevel() { return logLevel; },
    /** Aborts every tool call in flight (on shutdown). */
    abortAll() { for (const c of inFlight.values()) c.abort(); },
  };
}

/**
 * Streamable HTTP: `handle(request) => Promise<Response>`. POST carries JSON-RPC (answered as
 * application/json; 202 when only notifications came, or the request was cancelled); GET answers
 * 405 (no server-initiated stream); OPTIONS answers CORS preflights of allowed origins. Every
 * request is screened first, as a local server must be (./server/guard.js): a Host that is not a
 * loopback name or listed in allowedHosts → 403 (DNS rebinding); an Origin that is not a loopback
 * origin or listed in allowedOrigins → 403; no valid token → 401; a POST that is not
 * application/json → 415; a body over maxBodyBytes → 413 (counted as it is read); invalid UTF-8
 * or JSON → 400. Options:
 *   allowedHosts    Host names served besides loopback ones ("name" or "name:port"), e.g. the
 *                   Worker's own "my-mcp.example.workers.dev"
 *   allowedOrigins  browser origins allowed besides loopback ones ("*" is refused)
 *   token           the bearer token every request must carry (Authorization: Bearer <token>),
 *                   compared in constant time (tokenEqual: another constant-time (a, b) =>
 *                   boolean | Promise<boolean>, e.g. on node:crypto); or
 *   authorize       (request) => boolean | Promise<boolean>; false answers 401
 *   maxBodyBytes    largest body (default 1 MB)
 *   sessions        issue an Mcp-Session-Id at initialize and require it afterwards (in memory,
 *                   so only for a single long-lived process; default false: stateless, as a
 *                   Worker needs). Cancellations reach only calls of the same session; stateless,
 *                   a call ends when its HTTP request is aborted.
 *   sessionIdleMs   a session unused this long ends (default 30 minutes)
 *   maxSessions     sessions at once (default 100); a new one ends the least recently used
 */
export function createMcpHttpHandler(server, options = {}) {
  const { sessions = false, authorize, token, maxBodyBytes = MCP_MAX_BODY, sessionIdleMs = 30 * 60_000, maxSessions = 100 } = options;
  if (sessions && typeof globalThis.crypto?.randomUUID !== 'function') {
    throw new TypeError('createMcpHttpHandler: sessions need the Web Crypto API (globalThis.crypto.randomUUID)');
  }
  const policy = {
    allowHosts: hostList(options.allowedHosts, 'createMcpHttpHandler: allowedHosts entry'),
    corsOrigins: originList(options.allowedOrigins, 'createMcpHttpHandler: allowedOrigins entry'),
    maxBody: maxBodyBytes,
  };
  if (token !== undefined && authorize) throw new TypeError('createMcpHttpHandler: give token or authorize, not both');
  const allowed = token !== undefined ? bearer(token, options.tokenEqual) : authorize;
  const live = new Map(); // session id -> { version, last }, least recently used first
  const cors = { methods: 'POST, GET, DELETE, OPTIONS', headers: 'Content-Type, Authorization, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID', expose: 'Mcp-Session-Id' };
  let stateless = 0;

  const sweep = (now) => {
    for (const [id, s] of live) {
      if (now - s.last <= sessionIdleMs) break;
      live.delete(id);
    }
  };

  return async function handle(request) {
    const origin = request.headers.get('origin');
    const extra = origin ? corsHeaders(origin, { expose: cors.expose }) : {};
    const json = (status, body, headers = {}) =>
      new Response(body === null ? null : body, { status, headers: { ...extra, ...(body === null ? {} : { 'content-type': 'application/json' }), ...headers } });
    const rpcError = (status, code, message, headers) => json(status, JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } }), headers);
    const refused = (r) => rpcError(r.status, r.status === 400 ? PARSE_ERROR : INVALID_REQUEST, r.message, r.headers);

    let host = request.headers.get('host');
    if (!host) {
      try {
        host = new URL(request.url).host;
      } catch {}
    }
    const first = screen({ host, origin, contentLength: request.method === 'POST' ? request.headers.get('content-length') : null }, policy);
    if (first) {
      if (first.status === 403) return new Response(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: INVALID_REQUEST, message: `Forbidden: ${first.message}` } }), { status: 403, headers: { 'content-type': 'application/json' } });
      return refused(first);
    }
    if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: corsHeaders(origin, cors) });
    if (allowed && !(await allowed(request))) {
      return rpcError(401, INVALID_REQUEST, 'Unauthorized', { 'www-authenticate': 'Bearer' });
    }
    const version = request.headers.get('mcp-protocol-version');
    if (version && !PROTOCOL_VERSIONS.includes(version) && version !== '2025-11-25') {
      return rpcError(400, INVALID_REQUEST, `Bad Request: unsupported MCP-Protocol-Version ${version.slice(0, 40)}`);
    }
    const now = Date.now();
    if (sessions) sweep(now);
    const sessionId = request.headers.get('mcp-session-id');
    if (request.method === 'DELETE') {
      if (!sessions) return json(405, null, { allow: 'POST' });
      if (!sessionId || !live.has(sessionId)) return rpcError(404, INVALID_REQUEST, 'Session not found');
      live.delete(sessionId);
      return new Response(null, { status: 204, headers: extra });
    }
    if (request.method !== 'POST') {
      return json(405, null, { allow: sessions ? 'POST, DELETE' : 'POST' });
    }
    if (mediaType(request.headers.get('content-type')) !== 'application/json') {
      return rpcError(415, INVALID_REQUEST, 'Unsupported Media Type: POST a JSON-RPC message as Content-Type: application/json');
    }
    let message;
    try {
      message = JSON.parse(decodeUtf8(await readBody(request.body, maxBodyBytes)));
    } catch (e) {
      if (e instanceof Refusal) return refused(e);
      return rpcError(400, PARSE_ERROR, 'Parse error');
    }
    // initialize opens a session only on its own: inside a batch it is refused (below) and the
    // batch needs a session like any other request.
    const initializing = !Array.isArray(message) && message?.method === 'initialize';
    let session;
    let newSession;
    if (sessions) {
      if (initializing) {
        newSession = crypto.randomUUID();
      } else if (!sessionId) {
        return rpcError(400, INVALID_REQUEST, 'Bad Request: Mcp-Session-Id header required');
      } else if (!(session = live.get(sessionId))) {
        return rpcError(404, INVALID_REQUEST, 'Session not found');
      } else {
        live.delete(sessionId);
        session.last = now;
        live.set(sessionId, session);
      }
    }
    const ctx = {
      // Stateless, each request is its own scope: no other request can cancel its calls.
      session: sessions ? newSession ?? sessionId : `stateless-${++stateless}`,
      protocolVersion: version ?? session?.version ?? DEFAULT_HTTP_VERSION,
      signal: request.signal,
    };
    const problem = server.batchProblem?.(message, ctx);
    if (problem) return rpcError(400, INVALID_REQUEST, problem);
    const answer = await server.handle(message, ctx);
    if (newSession && answer?.result) {
      if (live.size >= maxSessions) live.delete(live.keys().next().value);
      live.set(newSession, { version: answer.result.protocolVersion, last: now });
    }
    const headers = newSession && answer?.result ? { 'mcp-session-id': newSession } : {};
    const text = server.encode ? server.encode(answer) : answer === null ? null : JSON.stringify(answer);
    if (text === null) return new Response(null, { status: 202, headers: { ...extra, ...headers } });
    return json(200, text, headers);
  };
}
