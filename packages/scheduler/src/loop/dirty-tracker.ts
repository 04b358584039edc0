/**
 * The leader's dirty set between passes (incremental planning): every cluster event the follower applies marks
 * what it affects (dirty.ts), except the leader's own writes coming back on the watch — the plan that made them
 * already accounted for them, so they are expected (`expectEchoes`) and consumed. A pass takes the set and
 * plans that scope; a full pass is due at the start of a term, after a re-read, after a pass that did not
 * apply cleanly (conflict, failure) and at least every `fullIntervalMs` (the safety net).
 */
import type { ClusterEvent } from '@flotilla/core';
import { emptyDirty, isClean, markEvent, type Dirty, type Prior } from '../dirty.js';
import type { Decision } from '../plan.js';
import type { PlanScope } from '../plan-scope.js';

export class DirtyTracker {
  private dirty: Dirty = emptyDirty(true);
  private readonly echoes = new Map<string, number>();
  private lastFullAt: number;

  constructor(
    private readonly fullIntervalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastFullAt = now();
  }

  onEvent(event: ClusterEvent, prior: Prior): void {
    const key = eventKey(event);
    const expected = key === undefined ? undefined : this.echoes.get(key);
    if (key !== undefined && expected !== undefined) {
      if (expected <= 1) this.echoes.delete(key);
      else this.echoes.set(key, expected - 1);
      return;
    }
    markEvent(this.dirty, event, prior);
  }

  /** The watch events these decisions' writes will produce: not news to the leader. */
  expectEchoes(decisions: readonly Decision[]): void {
    for (const d of decisions) for (const key of decisionKeys(d)) this.echoes.set(key, (this.echoes.get(key) ?? 0) + 1);
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

function eventKey(e: ClusterEvent): string | undefined {
  if (e.kind === 'schedule') return e.type === 'put' ? `s+ ${e.unit} ${e.machineId}` : `s- ${e.unit}`;
  if (e.kind === 'assignment') return e.type === 'put' ? `a+ ${e.assignment.unit} ${e.assignment.machineId}` : `a- ${e.unit} ${e.machineId}`;
  return undefined;
}

function decisionKeys(d: Decision): string[] {
  switch (d.kind) {
    case 'assign':
      return [`s+ ${d.unit} ${d.machineId}`, `a+ ${d.unit} ${d.machineId}`];
    case 'unassign':
      return [`s- ${d.unit}`, `a- ${d.unit} ${d.machineId}`];
    case 'assign-global':
      return [`a+ ${d.unit} ${d.machineId}`];
    case 'unassign-global':
      return [`a- ${d.unit} ${d.machineId}`];
  }
}
