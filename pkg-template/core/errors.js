// The error every failure of iterable-wasm rejects with. Built by the wasm core from a JSON
// description that never holds credentials.
const FIELDS = ['code', 'status', 'retryable', 'action', 'attempts', 'params', 'issues', 'body'];

export class IterableError extends Error {
  // Kept through minification (build.mjs does not keep names).
  static {
    Object.defineProperty(this, 'name', { value: 'IterableError' });
  }

  constructor(message, fields = {}) {
    super(message);
    this.name = 'IterableError';
    /** Iterable's code (BadParams, NotFound, ...) or ours (ValidationError, NetworkError, Timeout, Aborted, HttpError, InvalidResponse, ResponseTooLarge, RateLimitExceeded, JwtError, RedirectRefused, ExportFailed). */
    this.code = fields.code ?? 'HttpError';
    /** HTTP status, or undefined when no response came. */
    this.status = fields.status ?? undefined;
    /** Whether the same request may succeed later. */
    this.retryable = Boolean(fields.retryable);
    this.action = fields.action ?? undefined;
    this.attempts = fields.attempts ?? 0;
    if (fields.params !== undefined) this.params = fields.params;
    if (fields.issues !== undefined) this.issues = fields.issues;
    if (fields.body !== undefined) this.body = fields.body;
  }

  toJSON() {
    const out = { name: this.name, message: this.message };
    for (const k of FIELDS) if (this[k] !== undefined) out[k] = this[k];
    return out;
  }
}

export function makeError(json) {
  let fields;
  try {
    fields = JSON.parse(json);
  } catch {
    fields = { code: 'HttpError', message: 'error' };
  }
  return new IterableError(fields.message, fields);
}
