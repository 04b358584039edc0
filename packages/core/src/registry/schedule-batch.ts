/**
 * Packs placement changes into etcd transactions, pure: each change becomes its compares and writes, and
 * changes are grouped so that one transaction stays within etcd's `--max-txn-ops` (default 128; etcd checks
 * the compare list and the write list separately, and the fence compare counts) and never names one key
 * twice (etcd rejects duplicate keys in a transaction). Changes are split into two phases, removals first,
 * so a unit unassigned from a dead machine and assigned elsewhere in the same plan never races itself.
 */
import type { Assignment } from '../model.js';
import type { Keyspace } from './keyspace.js';
import type { ScheduleChange } from './types.js';

/** etcd's default `--max-txn-ops`. */
export const MAX_TXN_OPS = 128;

export type TxnCompare =
  | { kind: 'mod'; key: string; revision: string }
  | { kind: 'absent'; key: string }
  | { kind: 'value'; key: string; value: unknown };

export type TxnWrite = { kind: 'put'; key: string; value: unknown } | { kind: 'delete'; key: string };

export interface ChangeOps {
  change: ScheduleChange;
  compares: TxnCompare[];
  writes: TxnWrite[];
}

export interface TxnBatch {
  /** Without the fence compare (the adapter adds it first). */
  compares: TxnCompare[];
  writes: TxnWrite[];
  changes: ScheduleChange[];
}

function assignmentOf(change: ScheduleChange & { kind: 'assign' | 'assign-global' }): Assignment {
  const { unit, machineId } = change;
  return { unit: unit.name, machineId, hash: unit.hash, desiredState: unit.desiredState };
}

/** The compares and writes of one change (what `assign`/`unassign` do, and their global forms). */
export function opsOf(keys: Keyspace, change: ScheduleChange): ChangeOps {
  switch (change.kind) {
    case 'assign': {
      const name = change.unit.name;
      return {
        change,
        compares: [
          { kind: 'mod', key: keys.unit(name), revision: change.unitModRevision },
          { kind: 'absent', key: keys.schedule(name) },
        ],
        writes: [
          { kind: 'put', key: keys.schedule(name), value: change.machineId },
          { kind: 'put', key: keys.assignment(change.machineId, name), value: assignmentOf(change) },
        ],
      };
    }
    case 'unassign':
      return {
        change,
        compares: [{ kind: 'value', key: keys.schedule(change.unit), value: change.machineId }],
        writes: [
          { kind: 'delete', key: keys.schedule(change.unit) },
          { kind: 'delete', key: keys.assignment(change.machineId, change.unit) },
        ],
      };
    case 'assign-global':
      return {
        change,
        compares: [{ kind: 'mod', key: keys.unit(change.unit.name), revision: change.unitModRevision }],
        writes: [{ kind: 'put', key: keys.assignment(change.machineId, change.unit.name), value: assignmentOf(change) }],
      };
    case 'unassign-global':
      return { change, compares: [], writes: [{ kind: 'delete', key: keys.assignment(change.machineId, change.unit) }] };
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

/** Groups changes in order into batches of at most `maxOps` compares (fence included) and `maxOps` writes. */
export function packBatches(keys: Keyspace, changes: readonly ScheduleChange[], maxOps: number = MAX_TXN_OPS): TxnBatch[] {
  const batches: TxnBatch[] = [];
  let current: TxnBatch = { compares: [], writes: [], changes: [] };
  // Keys written in the batch may not be compared or written again; keys compared may not be written
  // (compares see the state before the transaction). Comparing one key twice is fine (assign-global).
  let written = new Set<string>();
  let compared = new Set<string>();
  for (const change of changes) {
    const ops = opsOf(keys, change);
    const fits =
      current.compares.length + ops.compares.length + 1 <= maxOps &&
      current.writes.length + ops.writes.length <= maxOps &&
      ops.writes.every((w) => !written.has(w.key) && !compared.has(w.key)) &&
      ops.compares.every((c) => !written.has(c.key));
    if (!fits && current.changes.length > 0) {
      batches.push(current);
      current = { compares: [], writes: [], changes: [] };
      written = new Set();
      compared = new Set();
    }
    current.compares.push(...ops.compares);
    current.writes.push(...ops.writes);
    current.changes.push(change);
    for (const c of ops.compares) compared.add(c.key);
    for (const w of ops.writes) written.add(w.key);
  }
  if (current.changes.length > 0) batches.push(current);
  return batches;
}
