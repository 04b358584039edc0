/**
 * Hands held (inherited) assignments back to the scheduler: `unassign(unit, me)` without a fence, which
 * deletes `schedule/<unit>` and this machine's assignment only if the schedule still points here. The
 * scheduler then places the unit from a view that includes this machine's new registration, and a new
 * assignment here arrives through the watch (not held). Each unit is released at most once per
 * registration; a failed call is tried again on a later pass. A conflict means the scheduler already
 * unassigned it (the same transaction deleted the assignment: the watch delivers the delete).
 */
import { ConflictError, type SchedulingRegistry } from '@flotilla/core';
import type { Logger } from 'pino';

export interface ReleaserOptions {
  registry: Pick<SchedulingRegistry, 'unassign'>;
  machineId: string;
  logger: Logger;
}

export class InheritedReleaser {
  /** Bumped by every registration: releases belong to one. */
  private epoch = 0;
  private readonly done = new Set<string>();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly opts: ReleaserOptions) {}

  /** A new registration: its held set is new, so every unit may be released once more. */
  registered(): void {
    this.epoch++;
    this.done.clear();
  }

  release(units: readonly string[]): void {
    for (const unit of units) {
      if (this.done.has(unit)) continue;
      this.done.add(unit);
      // One at a time: a machine returning with 1,000 stopped units sends 1,000 small transactions, not at once.
      const epoch = this.epoch;
      this.queue = this.queue.then(() => this.releaseOne(unit, epoch));
    }
  }

  private async releaseOne(unit: string, epoch: number): Promise<void> {
    const { registry, machineId, logger } = this.opts;
    if (this.epoch !== epoch) return; // registered again meanwhile: the new snapshot decides
    try {
      await registry.unassign(unit, machineId);
      logger.info({ unit, reason: 'assigned before this registration' }, 'released inherited assignment to the scheduler');
    } catch (err) {
      if (err instanceof ConflictError) return logger.debug({ unit }, 'inherited assignment already unassigned by the scheduler');
      logger.warn({ err, unit }, 'releasing inherited assignment failed; retrying on a later pass');
      if (this.epoch === epoch) this.done.delete(unit);
    }
  }
}
