import type { Sandbox, SandboxOptions } from './index.js';

export interface ServeOptions extends Omit<SandboxOptions, 'state'> {
  /** Default 4010; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** JSON file: loaded at start when present, rewritten after every request that changed the state. */
  state?: string;
  /** true: one line per request on stderr; or a function receiving each line. */
  log?: boolean | ((line: string) => void);
}

/** Serves the emulator over HTTP (node:http; also runs in Deno). */
export function serve(options?: ServeOptions): Promise<{ url: string; sandbox: Sandbox; close(): Promise<void> }>;
