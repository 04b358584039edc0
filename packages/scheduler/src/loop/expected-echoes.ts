/**
 * The watch events a pass's own writes will produce (dirty-tracker.ts), kept compact: a first pass at
 * 10,000 machines × 100,000 units expects ~225,000 of them. As one `s+ unit machine` string per echo they were
 * ~25 MiB of a leader's peak (docs/benchmarks.md, "Where the leader's memory went"); here each kind of echo is a
 * map from the decision's own unit name to its own machine id (strings the plan already holds), so an echo
 * costs a map entry. A unit expecting the same kind of echo from more than one machine (a global unit's
 * assignments) gets a count per machine instead.
 */
import type { ClusterEvent, RegistryLayout } from '@flotilla/core';
import type { Decision } from '../plan.js';

/** Expected echoes of one kind: unit → machine (one echo), or unit → machine → count (several). */
class EchoesByUnit {
  private readonly byUnit = new Map<string, string | Map<string, number>>();

  add(unit: string, machineId: string): void {
    const held = this.byUnit.get(unit);
    if (held === undefined) return void this.byUnit.set(unit, machineId);
    const counts = typeof held === 'string' ? new Map([[held, 1]]) : held;
    counts.set(machineId, (counts.get(machineId) ?? 0) + 1);
    this.byUnit.set(unit, counts);
  }

  /** True (and one fewer expected) if this echo was expected. */
  take(unit: string, machineId: string): boolean {
    const held = this.byUnit.get(unit);
    if (held === undefined) return false;
    if (typeof held === 'string') {
      if (held !== machineId) return false;
      this.byUnit.delete(unit);
      return true;
    }
    const count = held.get(machineId);
    if (count === undefined) return false;
    if (count > 1) held.set(machineId, count - 1);
    else if (held.size > 1) held.delete(machineId);
    else this.byUnit.delete(unit);
    return true;
  }

  clear(): void {
    this.byUnit.clear();
  }
}

/** The deleted schedule key names no machine: a count per unit. */
class CountsByUnit {
  private readonly byUnit = new Map<string, number>();

  add(unit: string): void {
    this.byUnit.set(unit, (this.byUnit.get(unit) ?? 0) + 1);
  }

  take(unit: string): boolean {
    const count = this.byUnit.get(unit);
    if (count === undefined) return false;
    if (count > 1) this.byUnit.set(unit, count - 1);
    else this.byUnit.delete(unit);
    return true;
  }

  clear(): void {
    this.byUnit.clear();
  }
}

export class ExpectedEchoes {
  private readonly schedulePuts = new EchoesByUnit();
  private readonly scheduleDeletes = new CountsByUnit();
  private readonly assignmentPuts = new EchoesByUnit();
  private readonly assignmentDeletes = new EchoesByUnit();

  /** The watch events these decisions' writes will produce, written in `layout` (layout 2 writes no `schedule/` key;
   * an unassign's delete of a key left from layout 1 comes back unexpected, and only marks its unit). */
  expect(decisions: readonly Decision[], layout: RegistryLayout = 1): void {
    const scheduleKeys = layout === 1;
    for (const d of decisions) {
      switch (d.kind) {
        case 'assign':
          if (scheduleKeys) this.schedulePuts.add(d.unit, d.machineId);
          this.assignmentPuts.add(d.unit, d.machineId);
          break;
        case 'unassign':
          if (scheduleKeys) this.scheduleDeletes.add(d.unit);
          this.assignmentDeletes.add(d.unit, d.machineId);
          break;
        case 'assign-global':
        case 'refresh':
          this.assignmentPuts.add(d.unit, d.machineId);
          break;
        case 'unassign-global':
          this.assignmentDeletes.add(d.unit, d.machineId);
          break;
      }
    }
  }

  /** True if the event is one of the expected echoes (it is then no longer expected). */
  take(e: ClusterEvent): boolean {
    if (e.kind === 'schedule') return e.type === 'put' ? this.schedulePuts.take(e.unit, e.machineId) : this.scheduleDeletes.take(e.unit);
    if (e.kind === 'assignment') {
      return e.type === 'put' ? this.assignmentPuts.take(e.assignment.unit, e.assignment.machineId) : this.assignmentDeletes.take(e.unit, e.machineId);
    }
    return false;
  }

  clear(): void {
    this.schedulePuts.clear();
    this.scheduleDeletes.clear();
    this.assignmentPuts.clear();
    this.assignmentDeletes.clear();
  }
}
