import type { Sandbox, SandboxOptions } from './index.js';

export interface ServeOptions extends Omit<SandboxOptions, 'state'> {
  /** Default 4010; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * JSON file: locked for this process (a second process on it fails, naming the holder's pid),
   * loaded at start when present (with its journal, `<state>.journal`, replayed). Each accepted
   * change is appended to the journal and flushed to disk before it is answered; a snapshot is
   * written atomically when the journal outgrows `compactBytes` (or the snapshot), when its
   * oldest change is `compactAgeMs` old, and on close(). Reads and refused requests never write.
   */
  state?: string;
  /** Journal size past which a snapshot is written (default 16 MiB, or the snapshot's size if larger). */
  compactBytes?: number;
  /** Age of the journal past which a snapshot is written, once its changes reach a sixteenth of the snapshot's size (default 10 minutes). */
  compactAgeMs?: number;
  /** Host names served besides loopback ones ("name" or "name:port"); others get 403. */
  allowHosts?: string[];
  /** Browser origins allowed besides loopback ones (e.g. "https://app.example.com"); never "*". */
  corsOrigins?: string[];
  /** Largest request body in bytes (default 8 MB); larger ones get 413 as soon as the count passes it. */
  maxBody?: number;
  /** Time to receive a request's headers (default 10000 ms) and the whole request (default 60000 ms). */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** A connection with no traffic either way for this long is closed (default 300000 ms). */
  idleTimeoutMs?: number;
  /** Connections at once (default 256); more are closed at once. */
  maxConnections?: number;
  /** true: one line per request on stderr; or a function receiving each line. */
  log?: boolean | ((line: string) => void);
}

export interface SandboxServer {
  url: string;
  sandbox: Sandbox;
  /** Writes a snapshot of the state now (every change is already in the journal). */
  save(): Promise<void>;
  /** Stops serving, writes a snapshot if anything happened, releases the state file. */
  close(): Promise<void>;
}

/** Serves the emulator over HTTP (node:http; also runs in Deno). */
export function serve(options?: ServeOptions): Promise<SandboxServer>;
