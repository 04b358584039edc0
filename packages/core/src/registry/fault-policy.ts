/**
 * Fault handling for the etcd3 client. Its defaults (three global retries, a per-host circuit breaker that
 * opens for 5 s, watch backoff up to 30 s) make calls to a dead endpoint hang or fail with a breaker error.
 * Ours: no breaker; a failed recoverable call is retried once on each other endpoint (failover, no waiting);
 * watches reconnect with a short capped, jittered backoff. Deadlines come from the call options, not from here.
 * The policies only need `execute` (all etcd3 calls); events are inert. Typed from etcd3's own options so
 * we do not import cockatiel, which is not our dependency.
 */
import { type IOptions, isRecoverableError } from 'etcd3';
import { backoffDelay, type BackoffPolicy, type RandomSource } from '../timing.js';
import { WATCH_REOPEN_BACKOFF } from './defaults.js';

type FaultHandling = NonNullable<IOptions['faultHandling']>;
type Policy = NonNullable<FaultHandling['global']>;
type Backoff = NonNullable<FaultHandling['watchBackoff']>;
type PolicyContext = Parameters<Parameters<Policy['execute']>[0]>[0];

const inertEvent = () => ({ dispose() {} });
const neverAborted = new AbortController().signal;

function policy(maxAttempts: number): Policy {
  const run = async <T>(fn: (context: PolicyContext) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> => {
    const context = { signal: signal ?? neverAborted };
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn(context);
      } catch (err) {
        const retry = attempt < maxAttempts && err instanceof Error && isRecoverableError(err) && !context.signal.aborted;
        if (!retry) throw err;
      }
    }
  };
  return { execute: run, onSuccess: inertEvent, onFailure: inertEvent } as unknown as Policy;
}

/**
 * etcd3's IBackoff: an immutable step whose `next()` is the following step. Its WatchManager (microsoft/etcd3
 * src/watch.ts) calls `next()` on the object it was given before the first wait: attempt 0 is never waited.
 * Our watches run on raw watch streams (grpc-port.ts, resumable-watch.ts), not on WatchManager; this only keeps
 * etcd3's own watches, should any be opened, on the same jittered policy instead of its 30 s default.
 */
export function watchBackoff(policy: BackoffPolicy, random: RandomSource = Math.random, attempt = 0): Backoff {
  return { duration: backoffDelay(attempt, policy, random), next: () => watchBackoff(policy, random, attempt + 1) };
}

export function faultHandling(endpointCount: number): FaultHandling {
  return {
    global: policy(Math.max(1, endpointCount)),
    host: () => policy(1),
    watchBackoff: watchBackoff(WATCH_REOPEN_BACKOFF),
  };
}
