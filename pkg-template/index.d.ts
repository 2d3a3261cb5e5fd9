// Types of iterable-wasm (every entry point has the same surface).
export type * from './iterable_wasm.js';
import type { CatalogEntry, ClientOptions, IterableClient as Client, SandboxControls, SandboxOptions } from './iterable_wasm.js';

/** A client for one Iterable project (one API key, one region), or for the in-process sandbox. */
export type IterableClient = Client;
export declare const IterableClient: {
  /** A sandbox client: `client.sandbox` is there (dump, load, reset, outbox). */
  new (options: ClientOptions & { sandbox: true | SandboxOptions }): Client & { readonly sandbox: SandboxControls };
  /** Creates a client. Throws an `IterableError` (ValidationError) for bad options. */
  new (options: ClientOptions): Client;
  readonly prototype: Client;
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
   * --allow-net for the host: not retried).
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
