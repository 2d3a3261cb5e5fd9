// The error every failure of iterable-wasm rejects with. Built by the wasm core from a JSON
// description that never holds credentials.
const FIELDS = ['code', 'status', 'retryable', 'action', 'attempts', 'params', 'issues', 'body', 'detail'];

/**
 * The one line `err.message` and `String(err)` give: the action, the HTTP status and the code,
 * then what went wrong — "track_event → 401 BadApiKey: Invalid API key".
 */
const summary = (detail, action, status, code) => {
  const head = (status === undefined ? '' : `${status} `) + code;
  return `${action ? `${action} → ` : ''}${head}: ${detail}`;
};

export class IterableError extends Error {
  // The name is kept through minification (build.mjs does not keep names).
  static {
    Object.defineProperty(this, 'name', { value: 'IterableError' });
  }

  /**
   * message: what went wrong, in words (kept as `detail`); fields: code, status, action, ...
   * and `cause` (the original error, e.g. fetch's). Fields from toJSON() rebuild the same error.
   */
  constructor(message, fields = {}) {
    const detail = typeof fields.detail === 'string' ? fields.detail : String(message ?? '');
    const code = fields.code ?? 'HttpError';
    super(summary(detail, fields.action, fields.status ?? undefined, code), fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = 'IterableError';
    /** Iterable's code (BadParams, NotFound, ...) or ours (ValidationError, NetworkError, Timeout, Aborted, HttpError, InvalidResponse, ResponseTooLarge, RateLimitExceeded, JwtError, RedirectRefused, ExportFailed, PermissionDenied). */
    this.code = code;
    /** HTTP status, or undefined when no response came. */
    this.status = fields.status ?? undefined;
    /** Whether the same request may succeed later. */
    this.retryable = Boolean(fields.retryable);
    this.action = fields.action ?? undefined;
    this.attempts = fields.attempts ?? 0;
    if (fields.params !== undefined) this.params = fields.params;
    if (fields.issues !== undefined) this.issues = fields.issues;
    if (fields.body !== undefined) this.body = fields.body;
    /** What went wrong, without the action, status and code that `message` adds. */
    this.detail = detail;
  }

  toJSON() {
    const out = { name: this.name, message: this.message };
    for (const k of FIELDS) if (this[k] !== undefined) out[k] = this[k];
    return out;
  }
}

/** Builds the error from the core's JSON; `cause`, when given, is the original error (fetch's). */
export function makeError(json, cause) {
  let fields;
  try {
    fields = JSON.parse(json);
  } catch {
    fields = { code: 'HttpError', message: 'error' };
  }
  if (cause !== undefined && cause !== null) fields.cause = cause;
  return new IterableError(fields.message, fields);
}
