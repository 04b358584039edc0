/**
 * The waits every package shares: a sleep an abort cuts short, a deadline on a promise, and exponential backoff
 * with optional jitter. One copy, so a fix (a timer left running, a herd of retries in step) lands everywhere.
 * Jitter follows "Exponential Backoff And Jitter" (AWS Architecture Blog, 2015): `full` draws from [0, cap],
 * `equal` from [cap/2, cap]; the random source is a parameter so tests are deterministic.
 */

/** Resolves after `ms` (negative counts as 0), or at once when `signal` aborts; never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Settles like `work`, or rejects with `onTimeout()` after `ms`, whichever comes first. The timer is cleared
 * when `work` settles, so a finished call keeps no timer (and no process) alive. `onTimeout` builds the caller's
 * own typed error, and may cancel what the caller started.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** `none`: the capped exponential delay itself; `full`: uniform in [0, cap]; `equal`: uniform in [cap/2, cap]. */
export type Jitter = 'none' | 'full' | 'equal';

export interface BackoffPolicy {
  /** Delay of the first retry (attempt 0). */
  baseMs: number;
  /** Cap of the exponential delay, before jitter. */
  maxMs: number;
  jitter?: Jitter;
}

/** A number in [0, 1), as Math.random. */
export type RandomSource = () => number;

/** Past 2^30 × base every delay is the cap anyway; bounding the exponent keeps the product finite. */
const MAX_EXPONENT = 30;

/** Delay before retry number `attempt` (0-based): min(max, base × 2^attempt), then jittered. */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: RandomSource = Math.random): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(0, attempt), MAX_EXPONENT));
  switch (policy.jitter ?? 'none') {
    case 'full':
      return Math.floor(random() * cap);
    case 'equal':
      return Math.floor(cap / 2 + random() * (cap / 2));
    default:
      return cap;
  }
}

/** The attempt counter for a retry loop: `next()` gives each delay in turn, `reset()` after a success. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly random: RandomSource = Math.random,
  ) {}

  next(): number {
    return backoffDelay(this.attempt++, this.policy, this.random);
  }

  reset(): void {
    this.attempt = 0;
  }
}
