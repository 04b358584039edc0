/**
 * The leader's dirty set between passes (incremental planning): every cluster event the follower applies marks
 * what it affects (dirty.ts), except the leader's own writes coming back on the watch — the plan that made them
 * already accounted for them, so they are expected (`expectEchoes`) and consumed. A pass takes the set and
 * plans that scope; a full pass is due at the start of a term, after a re-read, after a pass that did not
 * apply cleanly (conflict, failure) and at least every `fullIntervalMs` (the safety net).
 */
import type { ClusterEvent, RegistryLayout } from '@flotilla/core';
import { emptyDirty, isClean, markEvent, type Dirty, type Prior } from '../dirty.js';
import type { Decision } from '../plan.js';
import type { PlanScope } from '../plan-scope.js';
import { ExpectedEchoes } from './expected-echoes.js';

export class DirtyTracker {
  private dirty: Dirty = emptyDirty(true);
  private readonly echoes = new ExpectedEchoes();
  private lastFullAt: number;

  constructor(
    private readonly fullIntervalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastFullAt = now();
  }

  onEvent(event: ClusterEvent, prior: Prior): void {
    if (this.echoes.take(event)) return;
    markEvent(this.dirty, event, prior);
  }

  /** The watch events these decisions' writes will produce: not news to the leader. */
  expectEchoes(decisions: readonly Decision[], layout?: RegistryLayout): void {
    this.echoes.expect(decisions, layout);
  }

  /** The watch has delivered everything the pass wrote (or the cache is re-read): what is left never comes. */
  forgetEchoes(): void {
    this.echoes.clear();
  }

  markFull(): void {
    this.dirty.full = true;
  }

  /** Nothing to plan: no event since the last pass and no full pass due. */
  get idle(): boolean {
    return isClean(this.dirty) && !this.fullDue();
  }

  /** What the next plan covers, and a clean set for the events after it; undefined = a full plan. */
  take(): PlanScope | undefined {
    const d = this.dirty;
    this.dirty = emptyDirty();
    if (d.full || this.fullDue()) {
      this.lastFullAt = this.now();
      return undefined;
    }
    return { units: d.units, machines: d.machines, globals: d.globals, retryUnscheduled: d.retryUnscheduled };
  }

  private fullDue(): boolean {
    return this.now() - this.lastFullAt >= this.fullIntervalMs;
  }
}
