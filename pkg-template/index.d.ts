// Types of iterable-wasm (every entry point has the same surface).
export type * from './iterable_wasm.js';
import type { CatalogEntry, ClientOptions, IterableClient as Client, SandboxControls, SandboxOptions } from './iterable_wasm.js';

/** `client[Symbol.dispose]()` (for `using`), declared where the project's `lib` knows
 * `Symbol.dispose` (esnext, or @types/node), left out otherwise: the types need no `esnext`. */
type Disposal = SymbolConstructor extends { readonly dispose: infer D extends symbol } ? { [K in D]: () => void } : {};

/** A client for one Iterable project (one API key, one region), or for the in-process sandbox. */
export type IterableClient = Client & Disposal;
export declare const IterableClient: {
  /** A sandbox client: `client.sandbox` is there (dump, dumpText, load, reset, outbox). */
  new (options: ClientOptions & { sandbox: true | SandboxOptions }): IterableClient & { readonly sandbox: SandboxControls };
  /** Creates a client. Throws an `IterableError` (ValidationError) for bad options (in the browser
   * entry, before `ready()` has resolved, they reject the first call instead). */
  new (options: ClientOptions): IterableClient;
  readonly prototype: IterableClient;
};

/** The error every failure rejects with. */
export declare class IterableError extends Error {
  name: 'IterableError';
  /** One line: action, HTTP status and code, then the detail — "track_event → 401 BadApiKey: Invalid API key". */
  message: string;
  /**
   * Iterable's code from its `{msg, code, params}` body (BadParams, BadApiKey, NotFound, ...) or one of
   * ours: ValidationError, NetworkError, Timeout, Aborted, HttpError, InvalidResponse, RateLimitExceeded,
   * JwtError, RedirectRefused (a 3xx: never followed, so the key never leaves for another origin),
   * ExportFailed (exportRecords: the job failed or was cancelled), PermissionDenied (Deno without
   * --allow-net for the host: not retried), WasmLoadError (the package's .wasm file could not be
   * loaded: a bundler dropped it), NotReady (read synchronously before `ready()`).
   */
  code: string;
  /** HTTP status, or undefined when no response came. */
  status: number | undefined;
  /** Whether the same request may succeed if sent again later. */
  retryable: boolean;
  /** The action id, when known. */
  action: string | undefined;
  /** Requests sent for this call (0 when rejected before sending). */
  attempts: number;
  /** Iterable's `params` from the error body, when it sent one. */
  params?: unknown;
  /** Validation problems, one per parameter. */
  issues?: Array<{ param: string; message: string }>;
  /** A short excerpt of an unexpected response body (never credentials). */
  body?: string;
  /** What went wrong, without the action, status and code that `message` leads with. */
  detail: string;
  toJSON(): Record<string, unknown>;
}

/** The catalog: one entry per action. */
export declare const actions: readonly CatalogEntry[];

/**
 * Resolves once the wasm is instantiated; rejects with an `IterableError` (code `WasmLoadError`)
 * naming the file and what to do when it cannot be loaded. Optional: every call waits for it by
 * itself. Node, Deno, Workers and `iterable-wasm/inline` instantiate synchronously on first use;
 * the browser entry fetches its .wasm file (and, in a program that reads `actions`, the catalog's
 * descriptions, catalog.js), so there `actions`, `client.baseUrl` and `client.region` can be read
 * synchronously only once this has resolved.
 */
export declare function ready(): Promise<void>;
