/**
 * Failed etcd requests of the whole process (`flotilla_etcd_request_errors_total` counts every registry
 * call, not only the health reads). Whoever wraps the registry (the daemon) reports each failed call here;
 * each OpsMetrics listening counts it by code. Domain answers (unit not found, duplicate machine...) are no
 * request errors, nor is a lost race (etcd answered), and an abort is no failure: only the registry's own failures and unknown errors count.
 */
import { FlotillaError } from '@flotilla/core';

const REQUEST_ERROR_CODES: ReadonlySet<string> = new Set(['REGISTRY_UNAVAILABLE', 'REGISTRY_TIMEOUT', 'CORRUPT_RECORD']);

/** The metric's `code` label for a failed registry call, or undefined when it is not an etcd request error. */
export function etcdErrorCode(err: unknown): string | undefined {
  if (err instanceof FlotillaError) return REQUEST_ERROR_CODES.has(err.code) ? err.code : undefined;
  if (err instanceof Error && err.name === 'AbortError') return undefined;
  return 'UNKNOWN';
}

export type EtcdErrorListener = (err: unknown) => void;
const listeners = new Set<EtcdErrorListener>();

/** Reports one failed registry call to every listener (no-op for errors that are not request errors). */
export function reportEtcdRequestError(err: unknown): void {
  if (etcdErrorCode(err) === undefined) return;
  for (const l of listeners) l(err);
}

/** Listens for reported errors; returns the unsubscribe function. */
export function onEtcdRequestError(listener: EtcdErrorListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
