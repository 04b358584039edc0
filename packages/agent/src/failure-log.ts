/**
 * The agent's entry in the cluster event log: `unit-failed` when a unit it publishes turns failed (once per
 * failure, not on every re-publish while it stays failed), with systemd's NRestarts: how many times `Restart=`
 * restarted it before it gave up (systemd/runtime.ts). Appended in the background; a failed append is
 * logged, never retried (the log is best effort; the unit's state itself is what health reads).
 */
import type { ClusterEventLog, UnitStateRecord } from '@flotilla/core';
import type { Logger } from 'pino';

export class FailureLog {
  private readonly failed = new Set<string>();

  constructor(
    private readonly log: Pick<ClusterEventLog, 'appendEvent'>,
    private readonly logger: Logger,
  ) {}

  /** Call with every state published; returns true when this one was logged as a new failure. */
  observe(state: UnitStateRecord): boolean {
    if (state.activeState !== 'failed') {
      this.failed.delete(state.unit);
      return false;
    }
    if (this.failed.has(state.unit)) return false;
    this.failed.add(state.unit);
    const restarts = state.restarts === undefined ? {} : { restarts: state.restarts };
    this.log
      .appendEvent({ kind: 'unit-failed', unit: state.unit, machineId: state.machineId, ...restarts, reason: state.subState, at: state.updatedAt })
      .catch((err: unknown) => this.logger.warn({ err, unit: state.unit }, 'logging the unit failure failed'));
    return true;
  }
}
