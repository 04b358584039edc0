/**
 * RegistryError on its own, free of etcd3: `@flotilla/core`'s index exports it, and loading the index must not
 * load the registry (CLI cold start: docs/fleetctl-compat.md). etcd-errors.ts decides which etcd failures are which.
 */
import { FlotillaError } from '../errors.js';

/** An etcd failure that fits no more specific class (permission denied, client closed, bad request). */
export class RegistryError extends FlotillaError {
  constructor(operation: string, cause: unknown, hint?: string, retryable = false) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super('REGISTRY_ERROR', `registry ${operation} failed: ${detail}`, {
      hint: hint ?? 'see the cause; etcd rejected the request',
      cause,
      retryable,
    });
  }
}
