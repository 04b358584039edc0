/**
 * The leader's step that keeps stored services' counts (docs/services.md): when an instance or template changed,
 * on a resync, at the start of a term, and at least every `recheckMs` (a changed count is seen within it), read
 * the services, plan from the leader's cluster view (services.ts, pure) and write the instance changes fenced by
 * leadership. Placement of what it creates is the next pass's.
 */
import { LeadershipLostError, unitNameInfo, type ClusterEvent, type Fence, type ServiceControl, type UnitRecord } from '@flotilla/core';
import type { Logger } from 'pino';
import { planServices } from '../services.js';

export type KeeperOutcome = 'idle' | 'done' | 'conflict' | 'lost' | 'failed';

export class ServiceKeeper {
  /** A term starts by looking: a previous leader may have died between a count change and its writes. */
  private stale = true;
  private keptAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly registry: ServiceControl,
    private readonly logger: Logger,
    private readonly recheckMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  markDirty(): void {
    this.stale = true;
  }

  /** Instances (numbered units of a template) matter to services; other units do not. */
  onEvent(event: ClusterEvent): void {
    if (event.kind !== 'unit') return;
    const name = event.type === 'put' ? event.unit.name : event.name;
    if (unitNameInfo(name).isInstance || unitNameInfo(name).isTemplate) this.stale = true;
  }

  /** `units`: the leader's units as of now (only they matter to counts; no full view is copied for them). */
  async keep(units: () => Promise<readonly UnitRecord[]>, fence: Fence): Promise<KeeperOutcome> {
    if (!this.stale && this.now() - this.keptAt < this.recheckMs) return 'idle';
    this.stale = false;
    this.keptAt = this.now();
    try {
      const [services, current] = await Promise.all([this.registry.listServices(), units()]);
      const changes = planServices(services, current);
      if (changes.length === 0) return 'done';
      const result = await this.registry.applyServiceChanges(changes, fence);
      this.logger.info({ applied: result.applied, conflicts: result.conflicts.length, changes: changes.map((c) => `${c.kind} ${c.kind === 'create' ? c.unit.name : c.unit}`) }, 'kept service counts');
      if (result.conflicts.length === 0) return 'done';
      this.stale = true;
      return 'conflict';
    } catch (err) {
      if (err instanceof LeadershipLostError) return 'lost';
      this.stale = true;
      this.logger.warn({ err }, 'keeping service counts failed; retrying on the next pass');
      return 'failed';
    }
  }
}
