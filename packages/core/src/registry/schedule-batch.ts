/**
 * Packs placement changes into etcd transactions, pure: each change becomes its compares and writes, and
 * changes are grouped so that one transaction stays within etcd's `--max-txn-ops` (default 128; etcd checks
 * the compare list and the write list separately, and the fence compare counts) and never names one key
 * twice (etcd rejects duplicate keys in a transaction). Changes are split into two phases, removals first,
 * so a unit unassigned from a dead machine and assigned elsewhere in the same plan never races itself.
 */
import type { Assignment, RegistryLayout } from '../model.js';
import type { Keyspace } from './keyspace.js';
import type { ScheduleChange } from './types.js';

/** etcd's default `--max-txn-ops`: what batches are packed to unless the registry was told etcd allows more. */
export const MAX_TXN_OPS = 128;

/** What the registry may be told etcd allows (`RegistryOptions.maxTxnOps`, the daemon's FLOTILLA_ETCD_MAX_TXN_OPS):
 * never below etcd's default, which the registry's other transactions use. */
export const TXN_OPS_RULE = `a whole number from ${MAX_TXN_OPS} (etcd's default --max-txn-ops) to 65536`;

export function isTxnOps(value: number): boolean {
  return Number.isInteger(value) && value >= MAX_TXN_OPS && value <= 65_536;
}

/** Compares the adapter puts before a batch's own: the fence and the layout marker. */
export const ADAPTER_COMPARES = 2;

export type TxnCompare =
  | { kind: 'mod'; key: string; revision: string }
  | { kind: 'absent'; key: string }
  | { kind: 'present'; key: string }
  | { kind: 'value'; key: string; value: unknown };

export type TxnWrite = { kind: 'put'; key: string; value: unknown } | { kind: 'delete'; key: string };

export interface ChangeOps {
  change: ScheduleChange;
  compares: TxnCompare[];
  writes: TxnWrite[];
}

export interface TxnBatch {
  /** The layout its changes are written in (the adapter compares the marker). */
  layout: RegistryLayout;
  /** Without the fence and layout compares (the adapter adds them first). */
  compares: TxnCompare[];
  writes: TxnWrite[];
  changes: ScheduleChange[];
}

function assignmentOf(change: ScheduleChange & { kind: 'assign' | 'assign-global' }): Assignment {
  const { unit, machineId } = change;
  const assignment: Assignment = { unit: unit.name, machineId, hash: unit.hash, desiredState: unit.desiredState };
  return change.kind === 'assign' ? { ...assignment, placed: true } : assignment;
}

/**
 * The compares and writes of one change (what `assign`/`unassign` do, their global forms, and a refresh) in
 * `layout` (layout.ts). Layout 2 writes no `schedule/` key: a placement is its placed assignment, guarded by the
 * fence and the unit's revision (the leader plans from a cache that has seen its own writes: docs/registry.md);
 * an unassign also deletes a `schedule/` key a unit placed under layout 1 may still have.
 */
export function opsOf(keys: Keyspace, change: ScheduleChange, layout: RegistryLayout = 1): ChangeOps {
  const scheduleKeys = layout === 1;
  switch (change.kind) {
    case 'assign':
    case 'assign-global': {
      const name = change.unit.name;
      // Layout 1 guards a placement by its schedule key's absence and writes the key; the global form has none.
      const scheduled = scheduleKeys && change.kind === 'assign';
      return {
        change,
        compares: [
          { kind: 'mod', key: keys.unit(name), revision: change.unitModRevision },
          ...(scheduled ? [{ kind: 'absent', key: keys.schedule(name) } as const] : []),
        ],
        writes: [
          ...(scheduled ? [{ kind: 'put', key: keys.schedule(name), value: change.machineId } as const] : []),
          { kind: 'put', key: keys.assignment(change.machineId, name), value: assignmentOf(change) },
        ],
      };
    }
    case 'unassign': {
      const assignment = keys.assignment(change.machineId, change.unit);
      // Both keys go in either layout (in layout 2 the schedule key is one a half-done move left, if any).
      return {
        change,
        compares: [scheduleKeys ? { kind: 'value', key: keys.schedule(change.unit), value: change.machineId } : { kind: 'present', key: assignment }],
        writes: [
          { kind: 'delete', key: assignment },
          { kind: 'delete', key: keys.schedule(change.unit) },
        ],
      };
    }
    case 'unassign-global':
      return { change, compares: [], writes: [{ kind: 'delete', key: keys.assignment(change.machineId, change.unit) }] };
    case 'refresh': {
      const name = change.unit.name;
      const assignment = keys.assignment(change.machineId, name);
      return {
        change,
        compares: [
          { kind: 'mod', key: keys.unit(name), revision: change.unitModRevision },
          scheduleKeys ? { kind: 'value', key: keys.schedule(name), value: change.machineId } : { kind: 'present', key: assignment },
        ],
        writes: [{ kind: 'put', key: assignment, value: change.assignment }],
      };
    }
  }
}

function isRemoval(change: ScheduleChange): boolean {
  return change.kind === 'unassign' || change.kind === 'unassign-global';
}

/** Removals, then additions; each phase's batches may run concurrently, phases run one after the other. */
export function phasesOf(changes: readonly ScheduleChange[]): ScheduleChange[][] {
  const removals = changes.filter(isRemoval);
  const additions = changes.filter((c) => !isRemoval(c));
  return [removals, additions].filter((phase) => phase.length > 0);
}

/** A change's machine: the one whose agent watches the assignment it writes or deletes. */
function machineOf(change: ScheduleChange): string {
  return change.machineId;
}

/**
 * Changes grouped by machine, machines in order of first appearance, each machine's changes in order. An agent
 * watches only its own machine's assignments, so one machine's changes in one transaction reach it in one watch
 * event: a machine taking over a lost machine's units starts them in one reconcile pass, not in one pass per
 * transaction that carried some of them (docs/benchmarks.md, machine-loss).
 */
export function byMachine(changes: readonly ScheduleChange[]): ScheduleChange[][] {
  const groups = new Map<string, ScheduleChange[]>();
  for (const change of changes) {
    const machine = machineOf(change);
    let group = groups.get(machine);
    if (!group) groups.set(machine, (group = []));
    group.push(change);
  }
  return [...groups.values()];
}

/**
 * Packs changes into batches of at most `maxOps` compares (fence and layout included) and `maxOps` writes, one machine's
 * changes after another (`byMachine`). A machine's changes that fit in one transaction are never split over two:
 * when they do not fit in what is left of the current batch, a new one starts. A machine with more changes than
 * one transaction holds fills whole batches.
 */
export function packBatches(keys: Keyspace, changes: readonly ScheduleChange[], maxOps: number = MAX_TXN_OPS, layout: RegistryLayout = 1): TxnBatch[] {
  const batches: TxnBatch[] = [];
  let current: TxnBatch = { layout, compares: [], writes: [], changes: [] };
  // Keys written in the batch may not be compared or written again; keys compared may not be written
  // (compares see the state before the transaction). Comparing one key twice is fine (assign-global).
  let written = new Set<string>();
  let compared = new Set<string>();
  const flush = () => {
    if (current.changes.length === 0) return;
    batches.push(current);
    current = { layout, compares: [], writes: [], changes: [] };
    written = new Set();
    compared = new Set();
  };
  for (const group of byMachine(changes)) {
    const ops = group.map((change) => opsOf(keys, change, layout));
    const groupCompares = ops.reduce((n, o) => n + o.compares.length, 0);
    const groupWrites = ops.reduce((n, o) => n + o.writes.length, 0);
    const fitsAlone = groupCompares + ADAPTER_COMPARES <= maxOps && groupWrites <= maxOps;
    const fitsHere = current.compares.length + groupCompares + ADAPTER_COMPARES <= maxOps && current.writes.length + groupWrites <= maxOps;
    if (fitsAlone && !fitsHere) flush();
    for (const change of ops) {
      const fits =
        current.compares.length + change.compares.length + ADAPTER_COMPARES <= maxOps &&
        current.writes.length + change.writes.length <= maxOps &&
        change.writes.every((w) => !written.has(w.key) && !compared.has(w.key)) &&
        change.compares.every((c) => !written.has(c.key));
      if (!fits) flush();
      current.compares.push(...change.compares);
      current.writes.push(...change.writes);
      current.changes.push(change.change);
      for (const c of change.compares) compared.add(c.key);
      for (const w of change.writes) written.add(w.key);
    }
  }
  flush();
  return batches;
}
