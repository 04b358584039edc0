/**
 * When the leader runs its next pass. Registry events only mark the plan dirty (fleet's "events only wake
 * the loop"): a burst of events becomes one pass, and passes start at most once per `minGapMs`. Without
 * events a pass still runs every `intervalMs` to catch anything a watch missed.
 */
import { sleep } from '@flotilla/core';

export interface PassTriggerOptions {
  intervalMs: number;
  minGapMs: number;
  /** Monotonic clock in ms; injectable for tests. */
  now?: () => number;
}

export class PassTrigger {
  private dirty = true;
  private lastPassAt = Number.NEGATIVE_INFINITY;
  private wake: (() => void) | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: PassTriggerOptions) {
    this.now = opts.now ?? (() => performance.now());
  }

  /** Something changed: run a pass soon. */
  nudge(): void {
    this.dirty = true;
    this.wake?.();
  }

  /** Resolves true when the next pass should start, false once `signal` aborts. */
  async next(signal: AbortSignal): Promise<boolean> {
    if (!this.dirty) await this.waitForNudge(this.lastPassAt + this.opts.intervalMs - this.now(), signal);
    const gap = this.lastPassAt + this.opts.minGapMs - this.now();
    if (gap > 0) await sleep(gap, signal);
    if (signal.aborted) return false;
    this.dirty = false;
    this.lastPassAt = this.now();
    return true;
  }

  /** Sleeps until the periodic deadline, cut short by a nudge or by `signal`. */
  private async waitForNudge(ms: number, signal: AbortSignal): Promise<void> {
    const nudged = new AbortController();
    this.wake = () => nudged.abort();
    try {
      await sleep(ms, AbortSignal.any([signal, nudged.signal]));
    } finally {
      this.wake = undefined;
    }
  }
}
