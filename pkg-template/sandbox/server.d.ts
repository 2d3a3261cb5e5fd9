import type { Sandbox, SandboxOptions } from './index.js';

export interface ServeOptions extends Omit<SandboxOptions, 'state'> {
  /** Default 4010; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * JSON file: locked for this process (a second process on it fails, naming the holder's pid),
   * loaded at start when present, saved atomically within `saveIntervalMs` after a change and on
   * close(). Reads and refused requests never write it.
   */
  state?: string;
  /** At most one snapshot per this many ms while changes come (default 1000). */
  saveIntervalMs?: number;
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
  /** Writes pending changes to the state file now. */
  save(): Promise<void>;
  /** Stops serving, writes pending changes, releases the state file. */
  close(): Promise<void>;
}

/** Serves the emulator over HTTP (node:http; also runs in Deno). */
export function serve(options?: ServeOptions): Promise<SandboxServer>;
