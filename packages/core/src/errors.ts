/**
 * Every error Flotilla raises on purpose. Each has a stable `code` (printed by the CLI, matched by tests), a
 * `hint` saying how to fix it, and optionally the `cause`. Adapters translate foreign errors (etcd, D-Bus,
 * Docker) into these once, at the boundary; `retryable` marks transient ones.
 */
export interface FlotillaErrorOptions {
  hint?: string;
  cause?: unknown;
  retryable?: boolean;
}

export class FlotillaError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly retryable: boolean;

  constructor(code: string, message: string, opts: FlotillaErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = opts.hint;
    this.retryable = opts.retryable ?? false;
  }
}

export function isFlotillaError(err: unknown): err is FlotillaError {
  return err instanceof FlotillaError;
}

export function isRetryable(err: unknown): boolean {
  return err instanceof FlotillaError && err.retryable;
}
