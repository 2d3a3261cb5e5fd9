/** Options of the offline Iterable emulator. */
export interface SandboxOptions {
  /** Seed of the ids, message ids, codes, samples and fault draws (default 1), or `"demo"`: start
   * from the demo project (thousands of users with events, lists, templates of each channel,
   * campaigns in every state, a catalog, journeys, a finished export), built the same way every time. */
  seed?: number | 'demo';
  /** Start of the simulated clock: ISO string or epoch ms (default: now). Each request advances it by `stepMs`. */
  clock?: string | number | Date;
  /** Simulated milliseconds per request (default 1000). */
  stepMs?: number;
  /** Injected failures: a share of requests (0..1) answered with one of `statuses`; `latencyMs` delays every answer. */
  faults?: { rate?: number; statuses?: number[]; latencyMs?: number };
  /** Answer 429 RateLimitExceeded past each action's documented limit (on the simulated clock). */
  rateLimits?: boolean;
  /** A dump() to start from (object or JSON text). */
  state?: object | string;
  /** The only API keys accepted; any other answers 401 BadApiKey. Default: any non-empty key. */
  apiKeys?: string[];
  /** JWT-enabled keys: requests with `key` also need `Authorization: Bearer <jwt>`, an HS256 JWT
   * signed with `secret` naming one user (`email` or `userId`) with an `exp`. */
  jwtKeys?: { key: string; secret: string }[];
}

/** A message the project would have sent (campaign send, targeted send, proof, verification code...). */
export interface OutboxMessage {
  messageId: string;
  scheduledMessageId: number;
  channel: 'email' | 'push' | 'sms' | 'inApp' | 'embedded' | 'webPush' | 'whatsApp' | 'journey';
  source: 'campaign' | 'trigger' | 'target' | 'proof' | 'journey' | 'verification' | 'doubleOptIn';
  status: 'sent' | 'scheduled' | 'cancelled';
  createdAt: string;
  sendAt?: string;
  campaignId?: number;
  templateId?: number;
  email?: string;
  userId?: string;
  dataFields: Record<string, unknown>;
  content: Record<string, unknown>;
}

/** What a request changed: `tick` when time moved campaigns or exports, `req` when it was an accepted write. */
export interface SandboxChange {
  tick?: { clock: number; rng: string };
  req?: { clock: number; rng: string };
}
export interface SandboxChangeRequest {
  method: string;
  url: string;
  accept?: string;
  body?: string;
}

export interface Sandbox {
  /** A fetch that answers as Iterable would, from the emulator's state; nothing leaves the process. */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** The whole state as a plain object. */
  dump(): Record<string, unknown>;
  /** The same state as JSON text (what a state file holds). */
  dumpText(): string;
  /** The same text handed to `write` in pieces (about 1 MiB each, whole characters) as it is made: a large state never exists as one string. */
  dumpTo(write: (piece: string) => void): void;
  /** Replaces the state (a dump(), object or JSON text; missing collections keep their defaults). */
  load(state: object | string): void;
  /** Back to the seeded initial state. */
  reset(): void;
  /** The state as UTF-8 JSON bytes (also a state past a string's ~512 MB limit). */
  dumpBytes(): Uint8Array;
  /** Replaces the state from UTF-8 JSON bytes (what dumpBytes gives). */
  loadBytes(bytes: Uint8Array): void;
  /** Replaces the state from JSON read a piece at a time from `source`, twice from its start (`rewind()` goes back to it; `read(max)` gives the next bytes, at most `max`, and an empty array at the end): the text is never held whole, so a state file larger than a string, or than the memory left for a second copy, loads. */
  loadFrom(source: { rewind(): void; read(max: number): Uint8Array }): void;
  /** Applies one record of a journal of changes (JSON text); the handler's status. */
  replay(record: string): number;
  /** `{"clock": epoch ms, "rng": "decimal"}` as JSON text, without a dump. */
  clockState(): string;
  /** Called after each request with what it changed (null: nothing) and the request; a promise it returns is awaited before the answer. null removes it. */
  track(fn: ((change: SandboxChange | null, request: SandboxChangeRequest | null) => void | Promise<void>) | null): void;
  /** Every message the project would have sent, oldest first. */
  outbox(): OutboxMessage[];
  /** Ids of every action the emulator routes. */
  actionIds(): string[];
}

/** `instantiate` comes from ./load.node.js, ./load.deno.js, ./load.browser.js or ./load.workerd.js. */
export function createSandbox(options: SandboxOptions | true | undefined, instantiate: () => Promise<unknown>): Promise<Sandbox>;
