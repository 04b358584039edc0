/** Published unit states: written by agents under their lease (machine-records.ts), read by the CLI and API. */
import type { UnitStateRecord } from '../model.js';
import { assertValidUnitName } from '../unit/name.js';
import type { RegistryContext } from './context.js';
import { assertValidMachineId } from '../machine-id.js';
import { encodeValue } from './codec.js';
import { op } from './kv-ops.js';
import { publishMachineRecord, readValues, removeMachineRecord, type MachineRecordKind } from './machine-records.js';
import { isUnitStateRecord } from './record-guards.js';
import type { PresenceLease, Subscription, WatchEvent } from './types.js';
import { watchPrefix } from './watch.js';

const STATE = (ctx: RegistryContext): MachineRecordKind => ({ what: 'state', key: (unit, machineId) => ctx.keys.state(unit, machineId) });

export function publishState(ctx: RegistryContext, state: UnitStateRecord, lease: PresenceLease): Promise<void> {
  return publishMachineRecord(ctx, STATE(ctx), state, lease);
}

/** At most this many puts per etcd transaction (etcd's default --max-txn-ops is 128). */
export const STATES_PER_TXN = 128;

/**
 * Many states under one lease in as few transactions as etcd allows (one per 128 states): an agent's flush of a
 * burst is a handful of round trips, not one per unit. Names are checked before anything is written; a failure
 * (e.g. the lease gone) leaves earlier transactions applied, each all-or-nothing.
 */
export async function publishStates(ctx: RegistryContext, records: readonly UnitStateRecord[], lease: PresenceLease): Promise<void> {
  for (const record of records) {
    assertValidUnitName(record.unit);
    assertValidMachineId(record.machineId);
  }
  if (records.length === 0) return;
  return ctx.run(`publish states of ${records.length} unit(s)`, async () => {
    for (let i = 0; i < records.length; i += STATES_PER_TXN) {
      const puts = records.slice(i, i + STATES_PER_TXN).map((r) => op.put(ctx.keys.state(r.unit, r.machineId), encodeValue(r), lease.leaseId));
      await ctx.txn([], puts);
    }
  });
}

export function removeState(ctx: RegistryContext, unitName: string, machineId: string): Promise<void> {
  return removeMachineRecord(ctx, STATE(ctx), unitName, machineId);
}

export function listStates(ctx: RegistryContext): Promise<UnitStateRecord[]> {
  return ctx.run('list unit states', () => readValues(ctx, ctx.keys.statesRoot, isUnitStateRecord));
}

export async function getStates(ctx: RegistryContext, unitName: string): Promise<UnitStateRecord[]> {
  assertValidUnitName(unitName);
  return ctx.run(`get states of ${unitName}`, async () =>
    readValues(ctx, ctx.keys.statesOf(unitName), isUnitStateRecord),
  );
}

/** Event keys are machine ids. */
export async function watchStates(
  ctx: RegistryContext,
  unitName: string,
  onEvent: (event: WatchEvent<UnitStateRecord>) => void,
): Promise<Subscription> {
  assertValidUnitName(unitName);
  return watchPrefix(ctx, ctx.keys.statesOf(unitName), isUnitStateRecord, onEvent);
}
