/**
 * The one place etcd3 errors become Flotilla errors, plus the per-operation deadline. Unreachable endpoints
 * surface as RegistryUnavailableError, slow ones as RegistryTimeoutError (both retryable); our own typed errors
 * pass through untouched.
 */
import {
  ClientClosedError,
  EtcdAuthenticationFailedError,
  EtcdPermissionDeniedError,
  GRPCDeadlineExceededError,
  GRPCUnauthenticatedError,
  GRPCUnavailableError,
  isRecoverableError,
} from 'etcd3';
import { FlotillaError, RegistryTimeoutError, RegistryUnavailableError } from '../errors.js';
import { RegistryError } from './registry-error.js';

export { RegistryError };

export interface ErrorContext {
  endpoints: string[];
  operation: string;
  timeoutMs: number;
}

/** retryable as etcd3 marks it (its RecoverableError symbol). */
function registryError(operation: string, err: unknown, hint?: string): RegistryError {
  return new RegistryError(operation, err, hint, err instanceof Error && isRecoverableError(err));
}

export function translateEtcdError(err: unknown, ctx: ErrorContext): FlotillaError {
  if (err instanceof FlotillaError) return err;
  if (err instanceof GRPCDeadlineExceededError) return new RegistryTimeoutError(ctx.operation, ctx.timeoutMs, { cause: err });
  if (err instanceof GRPCUnavailableError) return new RegistryUnavailableError(ctx.endpoints, { cause: err });
  if (err instanceof ClientClosedError) {
    return registryError(ctx.operation, err, 'the registry client was closed; connect again');
  }
  if (
    err instanceof EtcdAuthenticationFailedError ||
    err instanceof EtcdPermissionDeniedError ||
    err instanceof GRPCUnauthenticatedError
  ) {
    return registryError(ctx.operation, err, 'check the etcd username/password and the role permissions');
  }
  if (err instanceof Error && isRecoverableError(err)) return new RegistryUnavailableError(ctx.endpoints, { cause: err });
  return registryError(ctx.operation, err);
}

/**
 * Runs `work` with a deadline: each etcd call also carries a gRPC deadline, this catches everything else
 * (waiting for a watch to connect, a lease grant queued behind a dead channel). On timeout `onTimeout` runs
 * so the caller can cancel what it started.
 */
export async function withDeadline<T>(
  work: Promise<T>,
  ctx: ErrorContext,
  onTimeout?: () => void,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new RegistryTimeoutError(ctx.operation, ctx.timeoutMs));
    }, ctx.timeoutMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } catch (err) {
    throw translateEtcdError(err, ctx);
  } finally {
    clearTimeout(timer);
  }
}
