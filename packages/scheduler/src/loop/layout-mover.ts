/**
 * Moves the registry to the newest layout (core's layout.ts; docs/registry.md, "One write per placement") once every
 * live machine's daemon says it can lead under it: a daemon that cannot would, once elected, find placed units
 * without `schedule/` keys and place them again. Runs between passes, so no pass writes in the old layout while the
 * marker changes; once per term when it succeeds (a later term resumes a move its predecessor left half done).
 */
import { canLead, LeadershipLostError, NEWEST_LAYOUT, type Fence, type MachineRecord, type RegistryLayout, type SchedulingRegistry } from '@flotilla/core';
import type { Logger } from 'pino';

/** How long after a failed move the next one is tried. */
const RETRY_MS = 5000;

export interface LayoutSource {
  layoutState(): Promise<{ layout: RegistryLayout; machines: readonly MachineRecord[] }>;
  layoutMoved(layout: RegistryLayout): void;
}

export type LayoutStep = 'idle' | 'moved' | 'lost';

export class LayoutMover {
  private done = false;
  private retryAt = 0;
  private readonly reported = new Set<string>();

  constructor(
    private readonly registry: Pick<SchedulingRegistry, 'migrateLayout'>,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async step(source: LayoutSource, fence: Fence): Promise<LayoutStep> {
    const { layout, machines } = await source.layoutState();
    const unable = machines.filter((m) => !canLead(m, NEWEST_LAYOUT));
    this.report(layout, unable);
    if (this.done || this.now() < this.retryAt) return 'idle';
    if (layout < NEWEST_LAYOUT && (machines.length === 0 || unable.length > 0)) return 'idle';
    try {
      const moved = await this.registry.migrateLayout(fence);
      this.done = true;
      source.layoutMoved(moved.layout);
      if (moved.layout !== layout || moved.migrated > 0) this.logger.info({ from: layout, layout: moved.layout, migrated: moved.migrated }, `registry layout ${moved.layout}: placements are one write each`);
      return 'moved';
    } catch (err) {
      if (err instanceof LeadershipLostError) return 'lost';
      this.retryAt = this.now() + RETRY_MS;
      this.logger.warn({ err }, 'moving the registry layout failed; trying again later');
      return 'idle';
    }
  }

  /** Each machine that cannot lead under the newest layout, once a term: while layout 1 stays, and after. */
  private report(layout: RegistryLayout, unable: readonly MachineRecord[]): void {
    for (const m of unable) {
      if (this.reported.has(m.id)) continue;
      this.reported.add(m.id);
      if (layout < NEWEST_LAYOUT) this.logger.info({ machine: m.id, version: m.version }, `registry stays at layout ${layout} while machine ${m.id} runs a daemon that cannot lead under layout ${NEWEST_LAYOUT}`);
      else this.logger.error({ machine: m.id, version: m.version }, `machine ${m.id} runs a daemon that cannot lead under registry layout ${layout}: it must not become leader (docs/registry.md); upgrade it`);
    }
  }
}
