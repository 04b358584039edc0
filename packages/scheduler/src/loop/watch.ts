/**
 * The leader's subscription to registry changes. A watch that cannot be opened is not fatal: the periodic
 * pass still runs, and the next pass tries to subscribe again.
 */
import type { ClusterRegistry, Subscription } from '@flotilla/core';
import type { Logger } from 'pino';
import { withDeadline } from './timing.js';

export class SchedulingWatch {
  private subscription: Subscription | undefined;

  constructor(
    private readonly registry: ClusterRegistry,
    private readonly logger: Logger,
    private readonly timeoutMs: number,
    private readonly onEvent: () => void,
  ) {}

  async ensure(): Promise<void> {
    if (this.subscription) return;
    try {
      const opening = this.registry.watchScheduling(this.onEvent);
      this.subscription = await withDeadline(opening, this.timeoutMs, () => new Error('watchScheduling timed out'));
    } catch (err) {
      this.logger.warn({ err }, 'cannot watch the registry; relying on periodic passes');
    }
  }

  async close(): Promise<void> {
    const sub = this.subscription;
    this.subscription = undefined;
    if (!sub) return;
    try {
      await withDeadline(sub.close(), this.timeoutMs, () => new Error('closing the watch timed out'));
    } catch (err) {
      this.logger.warn({ err }, 'closing the registry watch failed');
    }
  }
}
