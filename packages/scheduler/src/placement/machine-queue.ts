/**
 * Machines in placement order (best first), as an indexed binary heap: the planner pops machines until one
 * passes every filter, puts the popped ones back, and re-sorts only the machine whose load changed. Placing
 * a unit without constraints costs O(log machines) instead of scoring every machine.
 */
import type { MachineRecord } from '@flotilla/core';
import type { PlacementState, ScoreRule } from './types.js';
import { unitCount } from './scores/spread.js';

/** The full placement order: the score, then fewer units, then the lower machine id. */
export function compareMachines(a: MachineRecord, b: MachineRecord, state: PlacementState, score: ScoreRule): number {
  return score.compare(a, b, state) || unitCount(a, state) - unitCount(b, state) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export class MachineQueue {
  private readonly heap: MachineRecord[] = [];
  private readonly position = new Map<string, number>();

  constructor(
    machines: readonly MachineRecord[],
    private readonly state: PlacementState,
    private readonly score: ScoreRule,
  ) {
    // Floyd's bottom-up build: O(machines) comparisons, not O(machines log machines) (a scoped pass builds the
    // queue of 10,000 machines for one unit).
    for (const machine of machines) {
      if (this.position.has(machine.id)) continue;
      this.position.set(machine.id, this.heap.length);
      this.heap.push(machine);
    }
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  get size(): number {
    return this.heap.length;
  }

  push(machine: MachineRecord): void {
    if (this.position.has(machine.id)) return;
    this.heap.push(machine);
    this.position.set(machine.id, this.heap.length - 1);
    this.up(this.heap.length - 1);
  }

  pop(): MachineRecord | undefined {
    const top = this.heap[0];
    if (!top) return undefined;
    const last = this.heap.pop() as MachineRecord;
    this.position.delete(top.id);
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.position.set(last.id, 0);
      this.down(0);
    }
    return top;
  }

  /** Re-sorts `machineId` after its load changed; a machine not in the queue is ignored. */
  update(machineId: string): void {
    const i = this.position.get(machineId);
    if (i === undefined) return;
    this.up(i);
    this.down(this.position.get(machineId) as number);
  }

  private less(i: number, j: number): boolean {
    return compareMachines(this.heap[i] as MachineRecord, this.heap[j] as MachineRecord, this.state, this.score) < 0;
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i] as MachineRecord;
    const b = this.heap[j] as MachineRecord;
    this.heap[i] = b;
    this.heap[j] = a;
    this.position.set(b.id, i);
    this.position.set(a.id, j);
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let best = i;
      if (left < this.heap.length && this.less(left, best)) best = left;
      if (right < this.heap.length && this.less(right, best)) best = right;
      if (best === i) return;
      this.swap(i, best);
      i = best;
    }
  }
}
