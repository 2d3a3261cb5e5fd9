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
import { callLines, callSends, sendsText, summarizeInput } from './sends.js';
export { callLines, callSends, sendsText, summarizeInput };

/** Protocol versions this server speaks, newest first. */
export const PROTOCOL_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];
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

/** The leading verbs of writes that delete or overwrite what is stored (besides the DELETE, PUT
 * and PATCH methods and irreversible actions). */
export const OVERWRITING_VERBS = ['update', 'upsert', 'replace', 'bulk_update', 'merge', 'forget', 'delete', 'bulk_delete', 'unsubscribe', 'deactivate', 'disable'];

/** Whether a write deletes or overwrites data (destructiveHint): irreversible, a DELETE, PUT or
 * PATCH, or an action whose id starts with one of OVERWRITING_VERBS. Reads never are. */
export const isDestructive = (a) =>
  !isRead(a) && (!!a.irreversible || ['DELETE', 'PUT', 'PATCH'].includes(a.method) || OVERWRITING_VERBS.some((v) => a.id.startsWith(v + '_')));

/** Most tools a preset may expose (several clients refuse more). */
export const MAX_TOOLS = 100;

/** The flags of an action, as search_actions filters and describe_action shows them. */
export const flagsOf = (a) => [
  isRead(a) ? 'read' : 'write',
  isDestructive(a) ? 'destructive' : null,
  a.irreversible ? 'irreversible' : null,
  a.sends ? (a.sendsWhen ? `sends(with ${a.sendsWhen.given})` : 'sends') : null,
  a.idempotent ? 'idempotent' : null,
  a.async ? 'async' : null,
  a.bulk ? 'bulk' : null,
  a.pagination ? 'paginated' : null,
].filter(Boolean);
const FLAG_WORDS = ['read', 'write', 'destructive', 'irreversible', 'sends', 'idempotent', 'async', 'bulk', 'paginated'];

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

function toolDescription(a, allowIrreversible, how, allowSends = false, sendsHow = '--allow-sends') {
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
  const what = sendsText(a);
  if (what) {
    notes.push(allowSends ? what : `${what}: refused unless the server runs with ${sendsHow}`);
  }
  if (a.rateLimit) notes.push(`Rate limit: ${a.rateLimit}`);
  if (a.limits) notes.push(`Limits: ${a.limits}`);
  return [a.description, ...notes].filter(Boolean).join('\n');
}

/** The catalog narrowed by allow / deny lists of ids, toolsets (resources) and readOnly. An
 * unknown toolset is a TypeError naming the known ones. */
export function selectActions(actions, { allow, deny, toolsets, readOnly = false } = {}) {
  const allowSet = allow && allow.length ? new Set(allow) : null;
  const denySet = new Set(deny ?? []);
  let sets = null;
  if (toolsets && toolsets.length) {
    const known = [...new Set(actions.map((a) => a.resource))].sort();
    const bad = toolsets.filter((t) => !known.includes(t));
    if (bad.length) throw new TypeError(`unknown toolset ${bad.join(', ')}; the toolsets are the catalog's resources: ${known.join(', ')}`);
    sets = new Set(toolsets);
  }
  return actions.filter((a) => (!allowSet || allowSet.has(a.id)) && !denySet.has(a.id) && (!sets || sets.has(a.resource)) && (!readOnly || isRead(a)));
}

/** An action's annotations: from its method and flags. */
const annotationsOf = (a) => ({
  title: a.title,
  readOnlyHint: isRead(a),
  destructiveHint: isDestructive(a),
  idempotentHint: !!a.idempotent,
  openWorldHint: true,
});

/** An output schema for MCP (an object schema, without $schema), or undefined. */
const outputSchemaOf = (results, a) => {
  const r = results?.[a.id];
  if (a.response !== 'json' || !r || r.type !== 'object') return undefined;
  const { $schema, ...rest } = r;
  return rest;
};

/** The tools for a catalog (one per action), narrowed by allow / deny / toolsets / readOnly. With
 * `results` (pkg/results.json), JSON actions get an outputSchema. */
export function toolsFromCatalog(actions, { allowIrreversible = false, irreversibleHint = '--allow-irreversible', allowSends = false, sendsHint = '--allow-sends', results, ...narrow } = {}) {
  return selectActions(actions, narrow).map((a) => {
    const outputSchema = outputSchemaOf(results, a);
    return {
      name: a.id,
      title: a.title,
      description: toolDescription(a, allowIrreversible, irreversibleHint, allowSends, sendsHint),
      inputSchema: toolSchema(a.inputSchema),
      ...(outputSchema ? { outputSchema } : {}),
      annotations: annotationsOf(a),
    };
  });
}

/** The meta-tools of discovery mode: search the catalog, describe one action, run one. */
export function discoveryTools(actions) {
  const resources = [...new Set(actions.map((a) => a.resource))].sort();
  return [
    {
      name: 'search_actions',
      title: 'Search Iterable API actions',
      description:
        'Finds Iterable API actions by words such as "add user to list", by resource or by flags, and returns their ids, flags and one-line summaries (with no arguments, the resources too). ' +
        'Then call describe_action with an id to learn its arguments, and run_action to run it.',
      inputSchema: {
        type: 'object',
        properties: {
          query: { type: 'string', description: 'words to look for in ids, titles and descriptions' },
          resource: { type: 'string', enum: resources },
          flags: { type: 'array', items: { type: 'string', enum: FLAG_WORDS }, description: 'only actions with all these flags' },
          limit: { type: 'integer', minimum: 1, maximum: 50, default: 15 },
        },
        additionalProperties: false,
      },
      annotations: { title: 'Search Iterable API actions', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    {
      name: 'describe_action',
      title: 'Describe an Iterable API action',
      description:
        "Returns one action's description, flags, annotations and input JSON Schema (and its result's schema where known), by the id search_actions gave. " +
        'Read it before run_action so the arguments you send match the schema.',
      inputSchema: { type: 'object', properties: { id: { type: 'string', description: 'the action id, e.g. get_user_by_email' } }, required: ['id'], additionalProperties: false },
      annotations: { title: 'Describe an Iterable API action', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    {
      name: 'run_action',
      title: 'Run an Iterable API action',
      description:
        "Runs one action by id with its arguments as an object, checked against the action's schema before anything is sent, and returns Iterable's answer or an error naming what to fix. " +
        'Actions flagged irreversible or sends are refused unless this server allows them; read-only ones are safe to retry.',
      inputSchema: {
        type: 'object',
        properties: { id: { type: 'string', description: 'the action id' }, arguments: { type: 'object', description: "the action's input, as describe_action's inputSchema says", additionalProperties: true } },
        required: ['id'],
        additionalProperties: false,
      },
      annotations: { title: 'Run an Iterable API action', readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
  ];
}

const words = (t) => String(t ?? '').toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 1);
const stem = (w) => w.replace(/(ies|es|s)$/, (m) => (m === 'ies' ? 'y' : '')).replace(/ing$/, '');
const firstSentence = (t) => (String(t ?? '').match(/^.*?[.!?](?=\s+[A-Z(]|$)/)?.[0] ?? String(t ?? '')).trim();

/** search_actions over a catalog: each query word found in the id or title scores 3, in the
 * description 1, and 2 more when it names the action's resource; filters by resource and flags; best first, then by id. */
export function searchActions(actions, { query, resource, flags, limit = 15 } = {}) {
  const q = [...new Set(words(query).map(stem))];
  const want = Array.isArray(flags) ? flags : [];
  const scored = [];
  for (const a of actions) {
    if (resource && a.resource !== resource) continue;
    const f = flagsOf(a);
    if (!want.every((w) => f.some((x) => x === w || x.startsWith(w + '(')))) continue;
    let score = 0;
    if (q.length) {
      const head = new Set([...words(a.id), ...words(a.title), ...words(a.resource)].map(stem));
      const body = new Set(words(a.description).map(stem));
      const res = stem(a.resource.toLowerCase());
      for (const w of q) score += (w === res ? 2 : 0) + (head.has(w) ? 3 : body.has(w) ? 1 : 0);
      if (score === 0) continue;
    }
    scored.push([score, a, f]);
  }
  scored.sort((x, y) => y[0] - x[0] || (x[1].id < y[1].id ? -1 : 1));
  const n = Math.max(1, Math.min(50, Number.isInteger(limit) ? limit : 15));
  const out = {
    total: scored.length,
    actions: scored.slice(0, n).map(([, a, f]) => ({ id: a.id, resource: a.resource, flags: f, summary: firstSentence(a.description) })),
  };
  if (!q.length && !resource && !want.length) {
    out.resources = {};
    for (const a of actions) out.resources[a.resource] = (out.resources[a.resource] ?? 0) + 1;
  }
  return out;
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
 *   tools             'discover' (three meta-tools: search_actions, describe_action, run_action,
 *                     over the narrowed catalog) or 'all' (one tool per action). Default:
 *                     'discover', or one tool per action when allow or toolsets name the actions
 *   toolsets          catalog resources (users, lists, events, ...) whose actions are served
 *   readOnly          only actions that read
 *   allowIrreversible let irreversible tools run (default false)
 *   allowSends        let tools run that make Iterable send messages to people (default false;
 *                     the catalog's `sends` flag says which)
 *                     Without allowIrreversible / allowSends, a client that declared the
 *                     `elicitation` capability at initialize is asked (elicitation/create: what
 *                     will be sent or deleted and to whom, a yes/no) and the call runs only on a
 *                     yes; other clients get the refusal. Over HTTP this needs sessions.
 *   elicitTimeoutMs   how long such a question waits for the user (default 10 minutes)
 *   allow, deny       arrays of action ids narrowing the tools
 *   results           the result schemas (pkg/results.json): JSON tools get an outputSchema
 *   secrets           strings that must never appear in output (the API key); redacted if they do
 *   name, version     the serverInfo
 *   maxResultChars    longer result texts are cut with a note (default 200000)
 *   maxBatch          most messages in one JSON-RPC batch (default 50); batches are refused
 *                     outright from protocol version 2025-06-18 on, which dropped them
 *   maxAnswerChars    longest answer (one message or a whole batch) in characters (default
 *                     4,000,000): past it, messages are answered with an error instead
 *   irreversibleHint  how to allow irreversible tools, named in refusals (default "--allow-irreversible")
 *   sendsHint         how to allow sends, named in refusals (default "--allow-sends")
 *   progressIntervalMs while a tool call waits (client-side rate limiter, retries, a long export),
 *                     a notifications/progress every this many ms to a request that sent a
 *                     progressToken (default 5000), through the transport's context.notify
 *   log               (line) => void for diagnostics (stderr in the CLI)
 * Returns { tools, handle(message, context) => Promise<response | array | null>, respond(text,
 * context) => Promise<JSON text | null>, ... }. `context` ({ session, protocolVersion, signal,
 * notify(message) }) is the transport's: cancellations only reach calls of the same session; without a
 * protocolVersion, the one agreed at the last initialize applies (stdio).
 */
export function createMcpServer(options) {
  const { actions, allowIrreversible = false, allow, deny, name = 'iterable-wasm', version = '0.0.0', maxResultChars = 200_000, maxBatch = 50, maxAnswerChars = 4_000_000, irreversibleHint = '--allow-irreversible', log = () => {} } = options;
  if (!Array.isArray(actions)) throw new TypeError('createMcpServer: actions (the catalog) is required');
  const getClient = typeof options.client === 'function' ? options.client : () => options.client;
  const redact = redactor(options.secrets ?? []);
  const { allowSends = false, sendsHint = '--allow-sends', toolsets, readOnly = false, results, progressIntervalMs = 5000, elicitTimeoutMs = 600_000 } = options;
  const mode = options.tools ?? ((allow && allow.length) || (toolsets && toolsets.length) ? 'all' : 'discover');
  if (mode !== 'all' && mode !== 'discover') throw new TypeError(`createMcpServer: tools must be "discover" or "all", not ${JSON.stringify(mode)}`);
  const served = selectActions(actions, { allow, deny, toolsets, readOnly });
  if (mode === 'all' && options.tools === undefined && served.length > MAX_TOOLS) {
    throw new TypeError(`createMcpServer: these toolsets make ${served.length} tools, more than ${MAX_TOOLS} (several clients refuse that many); name fewer, or use tools: "discover" (or "all" to serve them anyway)`);
  }
  const tools = mode === 'all' ? toolsFromCatalog(served, { allowIrreversible, irreversibleHint, allowSends, sendsHint, results }) : discoveryTools(served);
  const toolNames = new Set(tools.map((t) => t.name));
  const byId = new Map(served.map((a) => [a.id, a]));
  const inFlight = new Map(); // session + request id -> AbortController
  const flightKey = (session, id) => `${String(session ?? '')}\u0000${typeof id}:${String(id)}`;
  let protocolVersion = null;
  let logLevel = 'info';
  const clientCaps = new Map(); // session -> the capabilities its client declared at initialize
  const asking = new Map(); // session + our request id -> (the client's answer) => void
  let asks = 0;
  const sessionOf = (ctx) => String(ctx.session ?? '');

  /** Whether the client of this context can be asked a yes/no (form elicitation). */
  function canElicit(ctx) {
    const e = clientCaps.get(sessionOf(ctx))?.elicitation;
    return !!e && typeof e === 'object' && (Object.keys(e).length === 0 || !!e.form) && typeof ctx.notify === 'function';
  }

  /** Asks the client's user to confirm (elicitation/create); resolves to the client's result
   * ({ action, content }), { action: 'cancel' } when the call is cancelled or the user does not
   * answer in time, or { action: 'error', error } when the client could not ask. */
  function elicit(ctx, message, signal) {
    const id = `confirm-${++asks}`;
    const key = flightKey(ctx.session, id);
    return new Promise((resolve) => {
      let timer;
      const done = (answer) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        asking.delete(key);
        resolve(answer);
      };
      const onAbort = () => done({ action: 'cancel' });
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(() => done({ action: 'cancel', timedOut: true }), elicitTimeoutMs);
      asking.set(key, (m) => done(m.error ? { action: 'error', error: m.error } : isObject(m.result) ? m.result : { action: 'error', error: { message: 'no result' } }));
      try {
        ctx.notify({
          jsonrpc: '2.0',
          id,
          method: 'elicitation/create',
          params: {
            message: redact(message),
            requestedSchema: {
              type: 'object',
              properties: { confirm: { type: 'boolean', title: 'Run it', description: 'Yes runs this call as shown; no sends nothing', default: false } },
              required: ['confirm'],
            },
          },
        });
      } catch (e) {
        done({ action: 'error', error: { message: String(e?.message ?? e) } });
      }
    });
  }

  const ok = (id, result) => ({ jsonrpc: '2.0', id, result });
  const fail = (id, code, message, data) => ({ jsonrpc: '2.0', id, error: { code, message: redact(message), ...(data === undefined ? {} : { data }) } });
  const toolError = (error) => ({
    isError: true,
    content: [{ type: 'text', text: redact(JSON.stringify({ error })) }],
  });

  function resultText(value) {
    let text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
    if (text.length > maxResultChars) {
      text = text.slice(0, maxResultChars) + `\n[truncated: ${text.length - maxResultChars} more characters; narrow the input to get less]`;
    }
    return redact(text);
  }

  /** A JSON result: compact text, and structuredContent when it is an object. */
  const jsonResult = (value) => ({
    content: [{ type: 'text', text: resultText(value) }],
    ...(value && typeof value === 'object' && !Array.isArray(value) ? { structuredContent: JSON.parse(redact(JSON.stringify(value))) } : {}),
  });

  const isObject = (v) => v && typeof v === 'object' && !Array.isArray(v);

  /** A tool error for an id that is not served, with near ids. */
  const unknownAction = (id) => {
    const text = String(id ?? '').slice(0, 80);
    const near = served.filter((a) => text && (a.id.includes(text) || text.includes(a.id))).slice(0, 3).map((a) => a.id);
    return { result: toolError({ code: 'UnknownAction', action: text, message: `no action "${text}" on this server${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}; find ids with search_actions` }) };
  };

  async function callTool(params, requestId, ctx) {
    const toolName = params?.name;
    if (typeof toolName !== 'string' || !toolNames.has(toolName)) {
      return { error: [INVALID_PARAMS, `Unknown tool: ${String(toolName).slice(0, 80)}`] };
    }
    const args = params.arguments ?? {};
    if (!isObject(args)) {
      return { result: toolError({ code: 'ValidationError', action: toolName, message: 'arguments must be an object' }) };
    }
    if (mode === 'discover') {
      if (toolName === 'search_actions') {
        if (args.flags !== undefined && !Array.isArray(args.flags)) return { result: toolError({ code: 'ValidationError', action: toolName, message: `flags must be an array of ${FLAG_WORDS.join(', ')}` }) };
        return { result: jsonResult(searchActions(served, args)) };
      }
      const entry = byId.get(args.id);
      if (!entry) return unknownAction(args.id);
      if (toolName === 'describe_action') {
        const outputSchema = outputSchemaOf(results, entry);
        return {
          result: jsonResult({
            id: entry.id,
            title: entry.title,
            resource: entry.resource,
            method: entry.method,
            path: entry.path,
            flags: flagsOf(entry),
            description: toolDescription(entry, allowIrreversible, irreversibleHint, allowSends, sendsHint),
            annotations: annotationsOf(entry),
            inputSchema: toolSchema(entry.inputSchema),
            ...(outputSchema ? { outputSchema } : {}),
          }),
        };
      }
      const input = args.arguments ?? {};
      if (!isObject(input)) return { result: toolError({ code: 'ValidationError', action: entry.id, message: 'arguments must be an object' }) };
      return runAction(entry, input, requestId, ctx);
    }
    return runAction(byId.get(toolName), args, requestId, ctx);
  }

  /** A gated call's question: what it will do, to whom, and why it asks. */
  function question(entry, args, needs, sends) {
    const path = entry.path.replace(/\{(\w+)\}/g, (m, k) => (args[k] != null ? encodeURIComponent(String(args[k])) : m));
    return [`Run ${entry.id} (${entry.title}: ${entry.method} ${path})? It ${needs.map((n) => n[1]).join(' and ')}.`, ...callLines(args, sends)].join('\n');
  }

  async function runAction(entry, args, requestId, ctx) {
    const toolName = entry.id;
    const needs = [];
    const sends = callSends(entry, args);
    if (entry.irreversible && !allowIrreversible) needs.push([irreversibleHint, 'is irreversible']);
    if (sends && !allowSends) needs.push([sendsHint, 'makes Iterable send messages to people']);
    const refusal = (why = '') => ({
      result: toolError({
        code: entry.irreversible && !allowIrreversible ? 'IrreversibleNotAllowed' : 'SendsNotAllowed',
        action: toolName,
        message: `${toolName} ${needs.map((n) => n[1]).join(' and ')}, and this server refuses it (start it with ${needs.map((n) => n[0]).join(' and ')})${why}; nothing was sent`,
      }),
    });
    if (needs.length && !canElicit(ctx)) return refusal();
    const controller = new AbortController();
    const key = flightKey(ctx.session, requestId);
    let ticker;
    inFlight.set(key, controller);
    const onGone = () => controller.abort(ctx.signal?.reason);
    if (ctx.signal?.aborted) onGone();
    else ctx.signal?.addEventListener?.('abort', onGone, { once: true });
    try {
      if (needs.length) {
        // The client can ask its user: the call runs on a yes, and only then.
        const answer = await elicit(ctx, question(entry, args, needs, sends), controller.signal);
        if (controller.signal.aborted) return { cancelled: true };
        if (answer.action === 'error') return refusal(`, and asking the user failed: ${String(answer.error?.message ?? 'no answer').slice(0, 200)}`);
        if (answer.action !== 'accept' || answer.content?.confirm !== true) {
          const how = answer.timedOut ? 'did not answer in time' : answer.action === 'accept' ? 'did not confirm it' : answer.action === 'decline' ? 'declined it' : 'cancelled the question';
          log(`tool ${toolName}: the user ${how}`);
          return { result: toolError({ code: 'NotConfirmed', action: toolName, message: `${toolName} ${needs.map((n) => n[1]).join(' and ')}; the user ${how}, so nothing was sent` }) };
        }
      }
      // Progress while the call waits, so clients that reset their timeout on progress keep waiting.
      const token = ctx.progressToken;
      if ((typeof token === 'string' || typeof token === 'number') && typeof ctx.notify === 'function' && progressIntervalMs > 0) {
        const started = Date.now();
        let n = 0;
        ticker = setInterval(() => {
          if (controller.signal.aborted) return;
          const s = Math.round((Date.now() - started) / 1000);
          try {
            ctx.notify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: ++n, message: `${toolName}: waiting ${s} s (rate limit, retries or a long export)` } });
          } catch (e) {
            log(`progress not sent: ${redact(e?.message ?? e)}`);
          }
        }, progressIntervalMs);
      }
      const value = await getClient().execute(toolName, args, { signal: controller.signal });
      if (controller.signal.aborted) return { cancelled: true };
      return { result: entry.response === 'json' ? jsonResult(value) : { content: [{ type: 'text', text: resultText(value) }] } };
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
      if (ticker) clearInterval(ticker);
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
      // A response from the client (to an elicitation/create of the same session), or something malformed.
      if ('result' in msg || 'error' in msg) {
        if (typeof msg.id === 'string') asking.get(flightKey(ctx.session, msg.id))?.(msg);
        return null;
      }
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
          clientCaps.delete(sessionOf(ctx));
          clientCaps.set(sessionOf(ctx), isObject(params?.capabilities) ? params.capabilities : {});
          if (clientCaps.size > 1000) clientCaps.delete(clientCaps.keys().next().value);
          return ok(id, {
            protocolVersion: agreed,
            capabilities: { tools: { listChanged: false }, logging: {} },
            serverInfo: { name, title: 'Iterable API (iterable-wasm)', version },
            instructions:
              (mode === 'discover'
                ? `The Iterable API's ${served.length} actions through three tools: search_actions finds ids, describe_action gives one action's input schema, run_action runs it. `
                : 'Iterable API actions as tools (name = action id). Tools marked readOnlyHint only read; ') +
              (allowIrreversible ? 'irreversible tools (destructiveHint) run when called; ' : 'irreversible tools (destructiveHint) are refused by this server; ') +
              (allowSends ? 'tools that send messages to people run when called.' : 'tools that send messages to people are refused by this server.') +
              (allowIrreversible && allowSends ? '' : ' A client that supports elicitation is asked to confirm such a call instead.'),
          });
        }
        case 'ping':
          return ok(id, {});
        case 'tools/list':
          return ok(id, { tools });
        case 'tools/call': {
          const out = await callTool(params, id, { ...ctx, progressToken: params?._meta?.progressToken });
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
    /** 'discover' or 'all'. */
    mode,
    /** The actions this server can run. */
    actions: served,
    handle,
    handleText,
    respond,
    encode,
    batchProblem,
    get protocolVersion() { return protocolVersion; },
    /** The level last set by logging/setLevel (default "info"). */
    get logLevel() { return logLevel; },
    /** Whether a call in this context may ask its user (the client declared elicitation). */
    canElicit,
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

  /** A tools/call with a progressToken, or from a client that may be asked to confirm (it
   * declared elicitation), answered as a server-sent event stream: progress notifications and
   * elicitation/create requests while it runs (the client POSTs its answers to those), then its
   * answer (none if it was cancelled), then the end. The client closing the stream aborts the call. */
  function eventStream(message, ctx, extra) {
    const bytes = new TextEncoder();
    const gone = new AbortController();
    const onAbort = () => gone.abort(ctx.signal?.reason);
    if (ctx.signal?.aborted) onAbort();
    else ctx.signal?.addEventListener?.('abort', onAbort, { once: true });
    let out;
    let open = true;
    const send = (text) => {
      if (!open) return;
      try {
        out.enqueue(bytes.encode(`event: message\ndata: ${text}\n\n`));
      } catch {
        open = false;
      }
    };
    const body = new ReadableStream({
      start(c) {
        out = c;
        server
          .handle(message, { ...ctx, signal: gone.signal, notify: (m) => send(JSON.stringify(m)) })
          .then((answer) => {
            const text = server.encode ? server.encode(answer) : answer === null ? null : JSON.stringify(answer);
            if (text !== null) send(text);
          })
          .catch(() => send(JSON.stringify({ jsonrpc: '2.0', id: message.id ?? null, error: { code: INTERNAL_ERROR, message: 'Internal error' } })))
          .finally(() => {
            ctx.signal?.removeEventListener?.('abort', onAbort);
            if (open) {
              open = false;
              try {
                out.close();
              } catch {}
            }
          });
      },
      cancel() {
        open = false;
        gone.abort(new Error('the client closed the stream'));
      },
    });
    return new Response(body, { status: 200, headers: { ...extra, 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } });
  }

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
    const accept = request.headers.get('accept') ?? '';
    if (!Array.isArray(message) && message?.method === 'tools/call' && (message.params?._meta?.progressToken !== undefined || server.canElicit?.({ ...ctx, notify: () => {} })) && /text\/event-stream/i.test(accept)) {
      return eventStream(message, ctx, extra);
    }
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
