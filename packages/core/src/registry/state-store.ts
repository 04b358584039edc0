/** Published unit states: written by agents under their lease, read by the CLI and API. */
import { assertValidMachineId } from '../machine-id.js';
import type { UnitStateRecord } from '../model.js';
import { assertValidUnitName } from '../unit/name.js';
import { encodeValue } from './codec.js';
import type { RegistryContext } from './context.js';
import { isUnitStateRecord } from './record-guards.js';
import type { PresenceLease, Subscription, WatchEvent } from './types.js';
import { watchPrefix } from './watch.js';

export async function publishState(ctx: RegistryContext, state: UnitStateRecord, lease: PresenceLease): Promise<void> {
  assertValidUnitName(state.unit);
  assertValidMachineId(state.machineId);
  return ctx.run(`publish state of ${state.unit}`, async () => {
    await ctx.port.put({ key: Buffer.from(ctx.keys.state(state.unit, state.machineId)), value: encodeValue(state), lease: lease.leaseId });
  });
}

export async function removeState(ctx: RegistryContext, unitName: string, machineId: string): Promise<void> {
  assertValidUnitName(unitName);
  assertValidMachineId(machineId);
  return ctx.run(`remove state of ${unitName}`, async () => {
    await ctx.port.deleteRange({ key: Buffer.from(ctx.keys.state(unitName, machineId)) });
  });
}

export function listStates(ctx: RegistryContext): Promise<UnitStateRecord[]> {
  return ctx.run('list unit states', async () =>
    (await ctx.readPrefix(ctx.keys.statesRoot, isUnitStateRecord)).records.map((r) => r.value),
  );
}

export async function getStates(ctx: RegistryContext, unitName: string): Promise<UnitStateRecord[]> {
  assertValidUnitName(unitName);
  return ctx.run(`get states of ${unitName}`, async () =>
    (await ctx.readPrefix(ctx.keys.statesOf(unitName), isUnitStateRecord)).records.map((r) => r.value),
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
