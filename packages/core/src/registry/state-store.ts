/** Published unit states: written by agents under their lease (machine-records.ts), read by the CLI and API. */
import type { UnitStateRecord } from '../model.js';
import { assertValidUnitName } from '../unit/name.js';
import type { RegistryContext } from './context.js';
import { publishMachineRecord, readValues, removeMachineRecord, type MachineRecordKind } from './machine-records.js';
import { isUnitStateRecord } from './record-guards.js';
import type { PresenceLease, Subscription, WatchEvent } from './types.js';
import { watchPrefix } from './watch.js';

const STATE = (ctx: RegistryContext): MachineRecordKind => ({ what: 'state', key: (unit, machineId) => ctx.keys.state(unit, machineId) });

export function publishState(ctx: RegistryContext, state: UnitStateRecord, lease: PresenceLease): Promise<void> {
  return publishMachineRecord(ctx, STATE(ctx), state, lease);
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
