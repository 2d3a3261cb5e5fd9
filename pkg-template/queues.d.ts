// Types of iterable-wasm/queues: bulk syncs over Cloudflare Queues with a shared rate limit.
// The Cloudflare types are written structurally here, so this file compiles with or without
// @cloudflare/workers-types.
import type { IterableClient } from './iterable_wasm.js';

/** Cloudflare Queues' limit for one message, in bytes (128 KB). */
export declare const QUEUE_MESSAGE_LIMIT: number;

/** Errors of this module (bad options, a re-run that does not match, a Durable Object failure). */
export declare class IterableQueuesError extends Error {
  readonly code: 'ValidationError' | 'SyncMismatch' | 'PlanError' | 'DurableObjectError' | (string & {});
}

/** A Queue producer binding (what `env.MY_QUEUE` is). */
export interface QueueLike {
  send(body: unknown, options?: { contentType?: string; delaySeconds?: number }): Promise<void>;
  sendBatch(messages: Iterable<{ body: unknown; contentType?: string; delaySeconds?: number }>): Promise<void>;
}
/** A Durable Object namespace binding. */
export interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  get(id: any): { fetch(input: string, init?: RequestInit): Promise<Response> };
}
/** One delivered message (what a queue handler's batch holds). */
export interface QueueMessageLike {
  readonly id: string;
  readonly body: unknown;
  readonly attempts: number;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}
export interface MessageBatchLike {
  readonly queue: string;
  readonly messages: readonly QueueMessageLike[];
}

/** A catalog rate limit as numbers: `limit` requests per `windowMs`, counted per project or per API key. */
export interface RateLimit {
  limit: number;
  windowMs: number;
  scope: 'project' | 'apiKey' | 'organization';
}
/** "5 requests/second, per project" → { limit: 5, windowMs: 1000, scope: "project" }; null when there is no number. */
export declare function parseRateLimit(text: string | null | undefined): RateLimit | null;

/** An item that was not enqueued, by its index in `items`, with the reason. */
export interface RejectedItem {
  index: number;
  id: string | null;
  reason: string;
}

export interface EnqueueBulkOptions {
  /** The sync's name: a re-run with the same name sends only the batches not yet done. 1-128 of [A-Za-z0-9_.:-]. */
  syncId: string;
  /** A client of this package: its catalog and bulk planner plan the batches (nothing is sent by it). */
  client: IterableClient;
  /** IterableSyncProgress's namespace: the plan, event ids and progress are recorded there. */
  progress: DurableObjectNamespaceLike;
  /** Where invalid items go, each with its index and reason (they are never enqueued). */
  deadLetter?: QueueLike;
  /** The action's other params (e.g. `{ createNewFields: true }`). */
  input?: Record<string, unknown>;
  /** The Iterable project these sends count against (one limiter per project and action). Default "default". */
  project?: string;
  /** The most JSON bytes of one message (default and at most 120,000: below the 128 KB queue limit). */
  messageBytes?: number;
  /** Delay every message by this many seconds. */
  delaySeconds?: number;
}

export interface EnqueueBulkResult {
  syncId: string;
  action: string;
  items: number;
  /** Messages planned (one request each). */
  batches: number;
  /** Messages sent to the queue now. */
  enqueued: number;
  /** Batches a previous run finished (not sent again). */
  alreadyDone: number;
  /** Items rejected before anything was enqueued. */
  invalid: RejectedItem[];
  /** True when the sync had been started before (event ids were taken from its record). */
  rerun: boolean;
}

/**
 * Validates, plans (within the action's documented count and byte limits and the queue's message
 * size) and enqueues a bulk sync. Events get their ids now and keep them across re-runs.
 * `queue` may be several queues: batches are spread over them.
 */
export declare function enqueueBulk(queue: QueueLike | QueueLike[], actionId: string, items: unknown[], options: EnqueueBulkOptions): Promise<EnqueueBulkResult>;

type PerEnv<T> = T | ((env: any, project: string) => T);
export interface BulkConsumerOptions {
  /** The client, or a function (env, project) => client: one API key per Iterable project (the message's `project`). */
  client: PerEnv<IterableClient>;
  progress: PerEnv<DurableObjectNamespaceLike>;
  /** IterableRateLimiter's namespace: every consumer's send takes a slot from it. */
  limiter?: PerEnv<DurableObjectNamespaceLike>;
  /** Where items that can never succeed go, each with its reason. */
  deadLetter?: PerEnv<QueueLike>;
  /** Attempts of one message before its items are dead-lettered (default 10). */
  maxAttempts?: number;
  /** First retry delay (default 2 s), doubled per attempt, at most maxDelaySeconds (300). */
  baseDelaySeconds?: number;
  maxDelaySeconds?: number;
  /** Added to each rate window (default 400 ms): room for the varying time between a send's turn and Iterable counting it (turns are spaced (window + margin) / limit apart: 280 ms, 3.6 a second, for a limit of 5). */
  marginMs?: number;
  /** How late after its turn (by the consumer's clock) a send may still go (default 100 ms); a consumer
   * that woke later asks for a new turn, so a late send never bunches with the next one. */
  lateMs?: number;
  /** Per request (default 30000). */
  timeoutMs?: number;
  /** How long a consumer holds a batch it is sending before another may take it (default 120000). */
  leaseMs?: number;
}
/** A queue handler: `export default { queue: createBulkConsumer({ ... }) }`. */
export declare function createBulkConsumer(options: BulkConsumerOptions): (batch: MessageBatchLike, env: any) => Promise<void>;

export interface SyncStatus {
  syncId: string;
  action: string;
  project: string;
  items: number;
  batches: number;
  batchesDone: number;
  batchesDead: number;
  batchesPending: number;
  /** Items sent to Iterable. */
  sent: number;
  succeeded: number;
  /** Items rejected (by validation, by Iterable) or dead-lettered. */
  failed: number;
  invalid: number;
  /** Sends retried, and why (HTTP status or error code → count). */
  retried: number;
  retryReasons: Record<string, number>;
  /** Messages delivered again after their batch was done (acked without a send). */
  duplicateDeliveries: number;
  rate: RateLimit | null;
  complete: boolean;
  /** With `{ failures: true }`: every failed item by index. */
  failures?: { index: number; id?: string | null; reason: string }[];
}
/** The progress of a sync (null for an unknown one), from `env.SYNC_PROGRESS` unless `binding` names another. */
export declare function getSyncStatus(env: Record<string, unknown>, syncId: string, options?: { binding?: string; failures?: boolean }): Promise<SyncStatus | null>;

/** Durable Object: the shared rate limit of one project and action. Export it from your Worker and bind it. */
export declare class IterableRateLimiter {
  constructor(state: any, env: any);
  fetch(request: Request): Promise<Response>;
}
/** Durable Object: the progress record of one sync. Export it from your Worker and bind it (SYNC_PROGRESS). */
export declare class IterableSyncProgress {
  constructor(state: any, env: any);
  fetch(request: Request): Promise<Response>;
}

/** An R2 bucket binding (what `env.MY_BUCKET` is), as far as export syncs use it. */
export interface R2BucketLike {
  put(key: string, value: ArrayBuffer | ArrayBufferView | string | ReadableStream, options?: { httpMetadata?: { contentType?: string }; customMetadata?: Record<string, string> }): Promise<unknown>;
}

export interface ExportSyncOptions {
  /** The IterableClient of the project, from the object's env. */
  client: (env: any) => IterableClient;
  /** The R2 bucket each file of the export job is written to, from the object's env. */
  bucket: (env: any) => R2BucketLike;
  /** IterableRateLimiter's namespace: start_export and list_export_files take a slot there. */
  limiter?: (env: any) => DurableObjectNamespaceLike;
  /** R2 key prefix (default "exports/"): files go to <prefix><syncId>/<file>, the manifest to <prefix><syncId>/manifest.json. */
  prefix?: string;
  /** The first wait between polls of a running job (default 5000 ms), doubled per empty poll up to maxPollMs (60000). */
  pollMs?: number;
  maxPollMs?: number;
  /** Files written per alarm run (default 4; each at most 10 MB). */
  filesPerAlarm?: number;
  /** Failed attempts of one step (start, poll, a file) before the sync stops as failed (default 10). */
  maxAttempts?: number;
  /** Added to each rate window (default 400 ms), as for createBulkConsumer. */
  marginMs?: number;
  /** Downloads a file link (default: the global fetch). No API key goes with it. */
  fetch?: (url: string) => Promise<Response>;
}

export interface ExportSyncStatus {
  syncId: string;
  project: string;
  /** starting (job not started yet), running, complete, failed (see error; start it again to resume), cancelled. */
  state: 'starting' | 'running' | 'complete' | 'failed' | 'cancelled';
  jobId: number | null;
  /** The export job's state as Iterable last reported it (lower case). */
  jobState: string | null;
  /** Files listed so far, stored in R2, and listed but not yet stored. */
  files: number;
  filesStored: number;
  filesPending: number;
  /** Records (lines; CSV without its header) and bytes stored. */
  records: number;
  bytes: number;
  /** Steps retried (429/5xx, timeouts, an expired link). */
  retried: number;
  /** The R2 keys of the stored files. */
  keys: string[];
  /** The R2 key of the manifest, once complete. */
  manifest: string | null;
  /** The last error (while retrying, or why the sync failed). */
  error: string | null;
  startedAt: string;
  complete: boolean;
}

/**
 * The Durable Object class of export syncs: export it from your Worker (`export const ExportSync =
 * defineExportSync({...})`) and bind it (EXPORTS). Each sync starts one export job, polls it from
 * the object's alarm and writes each file to R2 once; a failed sync started again goes on from the
 * first file not stored.
 */
export declare function defineExportSync(options: ExportSyncOptions): {
  new (state: any, env: any): { fetch(request: Request): Promise<Response>; alarm(): Promise<void> };
};
/** Starts an export sync (`input` is start_export's), or returns the one of this syncId, resuming it if it failed. */
export declare function startExportSync(env: Record<string, unknown>, syncId: string, input: Record<string, unknown>, options?: { binding?: string; project?: string }): Promise<ExportSyncStatus & { existed: boolean }>;
/** The status of an export sync (null for an unknown syncId), from `env.EXPORTS` unless `binding` names another. */
export declare function getExportStatus(env: Record<string, unknown>, syncId: string, options?: { binding?: string }): Promise<ExportSyncStatus | null>;
/** Cancels an export sync: the job, if it still runs, and the polling. Files already stored stay. */
export declare function cancelExportSync(env: Record<string, unknown>, syncId: string, options?: { binding?: string }): Promise<ExportSyncStatus | null>;
