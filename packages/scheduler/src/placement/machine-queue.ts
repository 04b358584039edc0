/**
 * Machines in placement order (best first), as an indexed binary heap: the planner pops machines until one
 * passes every filter, puts the popped ones back, and re-sorts only the machine whose load changed. Placing
 * a unit without constraints costs O(log machines) instead of scoring every machine. Each slot keeps its
 * machine's sort keys, read when the machine enters the heap or its load changes: a comparison is then a few
 * number compares, not map lookups (half of a 100,000-unit plan went to re-reading them: docs/benchmarks.md,
 * "Placement keys kept in the queue").
 */
import type { MachineRecord } from '@flotilla/core';
import type { PlacementState, ScoreRule } from './types.js';
import { unitCount } from './scores/spread.js';

/** A machine in the heap: where it is, and its place in the order (the score's keys, then fewer units, then the
 * lower machine id). */
interface Entry {
  machine: MachineRecord;
  index: number;
  first: number;
  second: number;
  units: number;
}

function readKeys(entry: Entry, state: PlacementState, score: ScoreRule): Entry {
  const [first, second] = score.keys(entry.machine, state);
  entry.first = first;
  entry.second = second;
  entry.units = unitCount(entry.machine, state);
  return entry;
}

function entryOf(machine: MachineRecord, index: number, state: PlacementState, score: ScoreRule): Entry {
  return readKeys({ machine, index, first: 0, second: 0, units: 0 }, state, score);
}

function compareEntries(a: Entry, b: Entry): number {
  const x = a.machine.id;
  const y = b.machine.id;
  return a.first - b.first || a.second - b.second || a.units - b.units || (x < y ? -1 : x > y ? 1 : 0);
}

/** The full placement order: the score, then fewer units, then the lower machine id. */
export function compareMachines(a: MachineRecord, b: MachineRecord, state: PlacementState, score: ScoreRule): number {
  return compareEntries(entryOf(a, 0, state, score), entryOf(b, 0, state, score));
}

export class MachineQueue {
  private readonly heap: Entry[] = [];
  private readonly entries = new Map<string, Entry>();

  constructor(
    machines: readonly MachineRecord[],
    private readonly state: PlacementState,
    private readonly score: ScoreRule,
  ) {
    // Floyd's bottom-up build: O(machines) comparisons, not O(machines log machines) (a scoped pass builds the
    // queue of 10,000 machines for one unit).
    for (const machine of machines) {
      if (this.entries.has(machine.id)) continue;
      const entry = entryOf(machine, this.heap.length, state, score);
      this.entries.set(machine.id, entry);
      this.heap.push(entry);
    }
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  get size(): number {
    return this.heap.length;
  }

  push(machine: MachineRecord): void {
    if (this.entries.has(machine.id)) return;
    const entry = entryOf(machine, this.heap.length, this.state, this.score);
    this.entries.set(machine.id, entry);
    this.heap.push(entry);
    this.up(entry.index);
  }

  pop(): MachineRecord | undefined {
    const top = this.heap[0];
    if (!top) return undefined;
    const last = this.heap.pop() as Entry;
    this.entries.delete(top.machine.id);
    if (this.heap.length > 0) {
      this.heap[0] = last;
      last.index = 0;
      this.down(0);
    }
    return top.machine;
  }

  /** Re-sorts `machineId` after its load changed; a machine not in the queue is ignored. */
  update(machineId: string): void {
    const entry = this.entries.get(machineId);
    if (entry === undefined) return;
    readKeys(entry, this.state, this.score);
    this.up(entry.index);
    this.down(entry.index);
  }

  private less(i: number, j: number): boolean {
    return compareEntries(this.heap[i] as Entry, this.heap[j] as Entry) < 0;
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i] as Entry;
    const b = this.heap[j] as Entry;
    this.heap[i] = b;
    this.heap[j] = a;
    b.index = i;
    a.index = j;
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
