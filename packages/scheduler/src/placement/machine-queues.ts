/**
 * One MachineQueue per class of machines a unit can want (Nomad caches feasibility per node class the same
 * way): units with MachineMetadata walk a queue of only the machines that match it, so 5,000 `disk=ssd`
 * units do not each pop the 8,000 `hdd` machines that happen to be less loaded. The queue of a class is
 * built the first time a unit asks for it; a load change re-sorts the machine in every queue holding it.
 */
import type { MachineRecord, UnitRecord } from '@flotilla/core';
import { metadataMatches } from './filters/metadata.js';
import { MachineQueue } from './machine-queue.js';
import { requirementsOf } from './requirements.js';
import type { PlacementState, ScoreRule } from './types.js';

export class MachineQueues {
  readonly all: MachineQueue;
  private readonly byClass = new Map<string, MachineQueue>();
  /** machine id → the class queues holding it (the `all` queue holds every machine). */
  private readonly holding = new Map<string, MachineQueue[]>();

  constructor(
    private readonly machines: readonly MachineRecord[],
    private readonly state: PlacementState,
    private readonly score: ScoreRule,
  ) {
    this.all = new MachineQueue(machines, state, score);
  }

  /** The queue `unit` should walk: the one of its metadata class, or all machines. */
  forUnit(unit: UnitRecord): MachineQueue {
    const wanted = requirementsOf(unit).metadata;
    const keys = Object.keys(wanted).sort();
    if (keys.length === 0) return this.all;
    const classKey = JSON.stringify(keys.map((k) => [k, [...(wanted[k] ?? [])].sort()]));
    let queue = this.byClass.get(classKey);
    if (!queue) {
      const members = this.machines.filter((m) => metadataMatches(m, wanted));
      queue = new MachineQueue(members, this.state, this.score);
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
