// Types of iterable-wasm/mcp: the Model Context Protocol over the action catalog.
import type { CatalogEntry, IterableClient } from './iterable_wasm.js';

/** Protocol versions the server speaks, newest first. */
export declare const PROTOCOL_VERSIONS: readonly string[];

/** One MCP tool, as tools/list gives it. */
export interface McpTool {
  name: string;
  title: string;
  description: string;
  inputSchema: { type: 'object'; properties: Record<string, unknown>; required?: string[]; [k: string]: unknown };
  /** The JSON Schema of the result (JSON actions whose result schema is known, given `results`). */
  outputSchema?: { type: 'object'; [k: string]: unknown };
  annotations: { title: string; readOnlyHint: boolean; destructiveHint: boolean; idempotentHint: boolean; openWorldHint: boolean };
}

export interface McpServerOptions {
  /** The client tools run on, or a function returning it (called per tool call). */
  client: Pick<IterableClient, 'execute'> | (() => Pick<IterableClient, 'execute'>);
  /** The catalog (`actions` from "iterable-wasm"). */
  actions: readonly CatalogEntry[];
  /**
   * "discover": three meta-tools (search_actions, describe_action, run_action) over the narrowed
   * catalog, tools/list under 8 KB; "all": one tool per action. Default: "discover", or "all"
   * when `allow` or `toolsets` name the actions (then more than 100 tools is a TypeError).
   */
  tools?: 'discover' | 'all';
  /** Only the actions of these catalog resources ("users", "lists", "events", ...). */
  toolsets?: string[];
  /** Only actions that read. */
  readOnly?: boolean;
  /**
   * Let irreversible tools run (default false: they answer a tool error and send nothing). Without
   * it (or allowSends for sends), a client that declared the `elicitation` capability is asked
   * instead (elicitation/create: what will be sent or deleted and to whom, a yes/no) and the call
   * runs only on a yes. Over HTTP this needs `sessions`.
   */
  allowIrreversible?: boolean;
  /** Let tools run that make Iterable send messages to people (default false: refused or asked, as above). */
  allowSends?: boolean;
  /** How long a confirmation question waits for the user's answer (default 600000 ms; then nothing is sent). */
  elicitTimeoutMs?: number;
  /** How to allow sends, named in descriptions and refusals (default "--allow-sends"). */
  sendsHint?: string;
  /** Result schemas by action id (the package's results.json): JSON tools get an outputSchema. */
  results?: Record<string, Record<string, unknown>>;
  /** Only these action ids become tools. */
  allow?: string[];
  /** These action ids do not. */
  deny?: string[];
  /** Strings that must never appear in any output (the API key): redacted if they do. */
  secrets?: Array<string | undefined>;
  /** serverInfo.name (default "iterable-wasm") and serverInfo.version. */
  name?: string;
  version?: string;
  /** How to allow irreversible tools, named in descriptions and refusals (default "--allow-irreversible"). */
  irreversibleHint?: string;
  /** Longer result texts are cut, with a note (default 200000). */
  maxResultChars?: number;
  /** Most messages in one JSON-RPC batch (default 50). Batches are refused from protocol 2025-06-18 on. */
  maxBatch?: number;
  /** Longest answer (a message or a whole batch) in characters (default 4000000); past it, an error (-32001) answers instead. */
  maxAnswerChars?: number;
  /** While a tool call waits (rate limiter, retries, a long export), a notifications/progress every this many ms to a request that sent a progressToken (default 5000; 0: none). */
  progressIntervalMs?: number;
  /** Diagnostics, one line at a time (never protocol output). */
  log?: (line: string) => void;
}

/** A JSON-RPC 2.0 message, or a batch of them. */
export type JsonRpcMessage = Record<string, unknown>;

/** What a transport tells the server about a message. */
export interface McpContext {
  /** Calls are cancelled (notifications/cancelled) only from the same session. */
  session?: string;
  /** The protocol version in force (HTTP: the header or the session's); default: the last initialize's (stdio). */
  protocolVersion?: string;
  /** Aborted when the transport's request goes away: the calls it started are aborted too. */
  signal?: AbortSignal;
  /** Sends a message to the client while a request runs (progress notifications, elicitation/create requests); without it, none is sent and nothing is asked. */
  notify?: (message: JsonRpcMessage) => void;
}

export interface McpServer {
  readonly tools: McpTool[];
  /** "discover" or "all". */
  readonly mode: 'discover' | 'all';
  /** The catalog entries this server can run (after allow, deny, toolsets, readOnly). */
  readonly actions: readonly CatalogEntry[];
  /** One parsed message or batch; resolves with the answer, or null when none is due (notifications, a cancelled call). */
  handle(message: JsonRpcMessage | JsonRpcMessage[], context?: McpContext): Promise<JsonRpcMessage | JsonRpcMessage[] | null>;
  /** The same for JSON text (a stdio line, an HTTP body); a parse error is answered, never thrown. */
  handleText(text: string, context?: McpContext): Promise<JsonRpcMessage | JsonRpcMessage[] | null>;
  /** JSON text in, the answer as JSON text (at most maxAnswerChars) out, or null: what transports use. */
  respond(text: string, context?: McpContext): Promise<string | null>;
  /** An answer as JSON text within maxAnswerChars (messages that do not fit become errors). */
  encode(answer: JsonRpcMessage | JsonRpcMessage[] | null): string | null;
  /** Why a batch is refused as a whole (empty, over maxBatch, a version without batches), or null. */
  batchProblem(message: unknown, context?: McpContext): string | null;
  /** The version agreed at the last initialize (stdio). */
  readonly protocolVersion: string | null;
  /** The level last set by logging/setLevel (default "info"). */
  readonly logLevel: string;
  /** Aborts every tool call in flight. */
  abortAll(): void;
  /** Whether a call in this context may ask its user to confirm (its client declared elicitation at initialize). */
  canElicit(context: McpContext): boolean;
}

export declare function createMcpServer(options: McpServerOptions): McpServer;

export interface McpHttpOptions {
  /** Host names served besides loopback ones ("name" or "name:port"), e.g. a Worker's own host; others get 403. */
  allowedHosts?: string[];
  /** Browser origins allowed besides loopback ones (e.g. "https://app.example.com"); others get 403. "*" is refused. */
  allowedOrigins?: string[];
  /** The bearer token every request must send (Authorization: Bearer <token>), compared in constant time; 16+ characters. */
  token?: string;
  /** The constant-time comparison for `token` (default: SHA-256 digests via Web Crypto, compared without early exit). */
  tokenEqual?: (a: string, b: string) => boolean | Promise<boolean>;
  /** false refuses the request (401). Instead of `token`, for other schemes. */
  authorize?: (request: Request) => boolean | Promise<boolean>;
  /** Largest request body in bytes (default 1 MB); 413 past it, counted as the body is read. */
  maxBodyBytes?: number;
  /** Issue an Mcp-Session-Id at initialize and require it afterwards (in memory; default false: stateless). */
  sessions?: boolean;
  /** A session unused this long ends (default 30 minutes). */
  sessionIdleMs?: number;
  /** Sessions at once (default 100); a new one ends the least recently used. */
  maxSessions?: number;
}

/**
 * Streamable HTTP: POST JSON-RPC → JSON (202 for notifications only; a tools/call with a
 * progressToken from a client accepting text/event-stream → an event stream of progress, then the
 * answer), GET → 405, OPTIONS → CORS
 * preflight. Foreign Host or Origin → 403, no token → 401, not application/json → 415, body too
 * large → 413, invalid UTF-8 or JSON → 400. For Workers, Deno.serve, node:http, ...
 */
export declare function createMcpHttpHandler(server: McpServer, options?: McpHttpOptions): (request: Request) => Promise<Response>;

/** Options narrowing the catalog. */
export interface McpSelection {
  allow?: string[];
  deny?: string[];
  toolsets?: string[];
  readOnly?: boolean;
}

/** The tools for a catalog, one per action (what tools/list answers with tools: "all"). */
export declare function toolsFromCatalog(actions: readonly CatalogEntry[], options?: McpSelection & { allowIrreversible?: boolean; irreversibleHint?: string; allowSends?: boolean; sendsHint?: string; results?: Record<string, Record<string, unknown>> }): McpTool[];

/** The catalog narrowed by allow, deny, toolsets (an unknown one is a TypeError) and readOnly. */
export declare function selectActions(actions: readonly CatalogEntry[], options?: McpSelection): CatalogEntry[];

/** The meta-tools of discovery mode over these actions. */
export declare function discoveryTools(actions: readonly CatalogEntry[]): McpTool[];

/** What search_actions answers. */
export declare function searchActions(actions: readonly CatalogEntry[], query?: { query?: string; resource?: string; flags?: string[]; limit?: number }): {
  total: number;
  actions: Array<{ id: string; resource: string; flags: string[]; summary: string }>;
  resources?: Record<string, number>;
};

/** An action's flags: read|write, destructive, irreversible, sends (or "sends(with P)"), idempotent, async, bulk, paginated. */
export declare function flagsOf(action: CatalogEntry): string[];

/** Whether a write deletes or overwrites data (destructiveHint). */
export declare function isDestructive(action: CatalogEntry): boolean;

/** The leading id verbs that make a write destructive. */
export declare const OVERWRITING_VERBS: readonly string[];

/** When an action makes Iterable send messages to people, in words (from its catalog flags `sends` and `sendsWhen`); null when it never does. */
export declare function sendsText(action: CatalogEntry): string | null;

/** Whether a call (the action and its input) makes Iterable send messages to people. */
export declare function callSends(action: CatalogEntry, input?: Record<string, unknown>): boolean;

/** A short "key=value, key=value" of an input, cut at `max` characters (default 160). */
export declare function summarizeInput(input: Record<string, unknown>, max?: number): string;

/** The lines a confirmation shows under a call: for a send, what goes out and to whom; otherwise its input. */
export declare function callLines(input: Record<string, unknown>, sends: boolean, show?: (part: Record<string, unknown>) => string): string[];

/** Most tools a preset may expose. */
export declare const MAX_TOOLS: number;

/** A catalog input schema as MCP clients expect it (object at the top, no $schema, no x-iterable-* keywords). */
export declare function toolSchema(schema: Record<string, unknown>): McpTool['inputSchema'];

/** Whether an action only reads (a GET, or flagged as a read). */
export declare function isRead(action: CatalogEntry): boolean;
