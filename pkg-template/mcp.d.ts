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
  annotations: { title: string; readOnlyHint: boolean; destructiveHint: boolean; idempotentHint: boolean; openWorldHint: boolean };
}

export interface McpServerOptions {
  /** The client tools run on, or a function returning it (called per tool call). */
  client: Pick<IterableClient, 'execute'> | (() => Pick<IterableClient, 'execute'>);
  /** The catalog (`actions` from "iterable-wasm"). */
  actions: readonly CatalogEntry[];
  /** Let irreversible tools run (default false: they answer a tool error and send nothing). */
  allowIrreversible?: boolean;
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
  /** Diagnostics, one line at a time (never protocol output). */
  log?: (line: string) => void;
}

/** A JSON-RPC 2.0 message, or a batch of them. */
export type JsonRpcMessage = Record<string, unknown>;

export interface McpServer {
  readonly tools: McpTool[];
  /** One parsed message or batch; resolves with the answer, or null when none is due (notifications). */
  handle(message: JsonRpcMessage | JsonRpcMessage[]): Promise<JsonRpcMessage | JsonRpcMessage[] | null>;
  /** The same for JSON text (a stdio line, an HTTP body); a parse error is answered, never thrown. */
  handleText(text: string): Promise<JsonRpcMessage | JsonRpcMessage[] | null>;
  /** The version agreed at the last initialize. */
  readonly protocolVersion: string | null;
  /** Aborts every tool call in flight. */
  abortAll(): void;
}

export declare function createMcpServer(options: McpServerOptions): McpServer;

export interface McpHttpOptions {
  /** Issue an Mcp-Session-Id at initialize and require it afterwards (in memory; default false: stateless). */
  sessions?: boolean;
  /** Requests with an Origin header outside this list are refused (403). */
  allowedOrigins?: string[];
  /** false refuses the request (401), e.g. a bearer token check. */
  authorize?: (request: Request) => boolean | Promise<boolean>;
}

/** Streamable HTTP: POST JSON-RPC → JSON (202 for notifications only), GET → 405. For Workers, Deno.serve, ... */
export declare function createMcpHttpHandler(server: McpServer, options?: McpHttpOptions): (request: Request) => Promise<Response>;

/** The tools for a catalog (what tools/list answers), narrowed by allow / deny. */
export declare function toolsFromCatalog(actions: readonly CatalogEntry[], options?: { allow?: string[]; deny?: string[]; allowIrreversible?: boolean; irreversibleHint?: string }): McpTool[];

/** A catalog input schema as MCP clients expect it (object at the top, no $schema, no x-iterable-* keywords). */
export declare function toolSchema(schema: Record<string, unknown>): McpTool['inputSchema'];

/** Whether an action only reads (a GET, or flagged as a read). */
export declare function isRead(action: CatalogEntry): boolean;
