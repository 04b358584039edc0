/**
 * One MachineQueue per class of machines a unit can want (Nomad caches feasibility per node class the same
 * way): units whose rules accept only a class of machines (MachineMetadata: FilterRule.machineClass) walk a
 * queue of only those machines, so 5,000 `disk=ssd` units do not each pop the 8,000 `hdd` machines that happen
 * to be less loaded. The queue of a class is built the first time a unit asks for it; a load change re-sorts
 * the machine in every queue holding it.
 */
import type { MachineRecord, UnitRecord } from '@flotilla/core';
import { MachineQueue } from './machine-queue.js';
import type { FilterRule, MachineCheck, PlacementConfig, PlacementState } from './types.js';

export class MachineQueues {
  readonly all: MachineQueue;
  private readonly byClass = new Map<string, MachineQueue>();
  /** machine id → the class queues holding it (the `all` queue holds every machine). */
  private readonly holding = new Map<string, MachineQueue[]>();
  private readonly classRules: readonly FilterRule[];

  constructor(
    private readonly machines: readonly MachineRecord[],
    private readonly state: PlacementState,
    private readonly config: PlacementConfig,
  ) {
    this.all = new MachineQueue(machines, state, config.score);
    this.classRules = config.filters.filter((rule) => rule.machineClass !== undefined);
  }

  /** The queue `unit` should walk: the one of its class of machines, or all machines. */
  forUnit(unit: UnitRecord): MachineQueue {
    const parts: string[] = [];
    const checks: MachineCheck[] = [];
    for (const rule of this.classRules) {
      const key = rule.machineClass?.(unit);
      const check = key === undefined ? undefined : rule.prepare(unit);
      if (key === undefined || !check) continue;
      parts.push(`${rule.name}:${key}`);
      checks.push(check);
    }
    if (parts.length === 0) return this.all;
    const classKey = parts.join('\n');
    let queue = this.byClass.get(classKey);
    if (!queue) {
      const members = this.machines.filter((m) => checks.every((check) => check(m, this.state).fits));
      queue = new MachineQueue(members, this.state, this.config.score);
      this.byClass.set(classKey, queue);
      for (const m of members) this.holding.set(m.id, [...(this.holding.get(m.id) ?? []), queue]);
    }
    return queue;
  }

  /** `machineId`'s load changed. */
  update(machineId: string): void {
    this.all.update(machineId);
    for (const queue of this.holding.get(machineId) ?? []) queue.update(machineId);
  }
}
