/**
 * The one place etcd failures become Flotilla errors, plus the per-operation deadline. The port's adapters
 * (http-port.ts, grpc-port.ts) already turned their library's errors into EtcdRequestError with a kind; this maps
 * the kind: unreachable endpoints surface as RegistryUnavailableError, slow ones as RegistryTimeoutError (both
 * retryable); our own typed errors pass through untouched. Free of etcd3, so the HTTP transport never loads it.
 */
import { FlotillaError, RegistryTimeoutError, RegistryUnavailableError } from '../errors.js';
import { withDeadline } from '../timing.js';
import { EtcdRequestError } from './etcd-port.js';
import { RegistryError } from './registry-error.js';

export { RegistryError };

export interface ErrorContext {
  endpoints: string[];
  operation: string;
  timeoutMs: number;
}

export function translateEtcdError(err: unknown, ctx: ErrorContext): FlotillaError {
  if (err instanceof FlotillaError) return err;
  if (!(err instanceof EtcdRequestError)) return new RegistryError(ctx.operation, err);
  switch (err.kind) {
    case 'deadline':
      return new RegistryTimeoutError(ctx.operation, ctx.timeoutMs, { cause: err });
    case 'unavailable':
      return new RegistryUnavailableError(ctx.endpoints, { cause: err });
    case 'closed':
      return new RegistryError(ctx.operation, err, 'the registry client was closed; connect again');
    case 'auth':
      return new RegistryError(ctx.operation, err, 'check the etcd username/password and the role permissions');
    default:
      return new RegistryError(ctx.operation, err);
  }
}

/**
 * Runs `work` with a deadline: each etcd call also carries a gRPC deadline, this catches everything else
 * (waiting for a watch to connect, a lease grant queued behind a dead channel). On timeout `onTimeout` runs
 * so the caller can cancel what it started. Any failure comes out translated.
 */
export async function withRegistryDeadline<T>(work: Promise<T>, ctx: ErrorContext, onTimeout?: () => void): Promise<T> {
  try {
    return await withDeadline(work, ctx.timeoutMs, () => {
      onTimeout?.();
      return new RegistryTimeoutError(ctx.operation, ctx.timeoutMs);
    });
  } catch (err) {
    throw translateEtcdError(err, ctx);
  }
}
