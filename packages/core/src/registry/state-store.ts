/** Assignments (read and watched by each agent, for its own machine only) and published unit states. */
import type { Assignment, UnitStateRecord } from '../model.js';
import { encodeValue } from './codec.js';
import type { RegistryContext } from './context.js';
import { isAssignment, isUnitStateRecord } from './record-guards.js';
import type { PresenceLease, Subscription, WatchEvent } from './types.js';
import { watchPrefix } from './watch.js';

export function listAssignments(ctx: RegistryContext, machineId: string): Promise<Assignment[]> {
  return ctx.run(`list assignments of ${machineId}`, async () =>
    (await ctx.readPrefix(ctx.keys.assignmentsOf(machineId), isAssignment)).records.map((r) => r.value),
  );
}

/** Event keys are unit names. */
export function watchAssignments(
  ctx: RegistryContext,
  machineId: string,
  onEvent: (event: WatchEvent<Assignment>) => void,
): Promise<Subscription> {
  return watchPrefix(ctx, ctx.keys.assignmentsOf(machineId), isAssignment, onEvent);
}

export function publishState(ctx: RegistryContext, state: UnitStateRecord, lease: PresenceLease): Promise<void> {
  return ctx.run(`publish state of ${state.unit}`, async () => {
    await ctx.client.put(ctx.keys.state(state.unit, state.machineId)).value(encodeValue(state)).lease(lease.leaseId);
  });
}

export function removeState(ctx: RegistryContext, unitName: string, machineId: string): Promise<void> {
  return ctx.run(`remove state of ${unitName}`, async () => {
    await ctx.client.delete().key(ctx.keys.state(unitName, machineId));
  });
}

export function listStates(ctx: RegistryContext): Promise<UnitStateRecord[]> {
  return ctx.run('list unit states', async () =>
    (await ctx.readPrefix(ctx.keys.statesRoot, isUnitStateRecord)).records.map((r) => r.value),
  );
}

export function getStates(ctx: RegistryContext, unitName: string): Promise<UnitStateRecord[]> {
  return ctx.run(`get states of ${unitName}`, async () =>
    (await ctx.readPrefix(ctx.keys.statesOf(unitName), isUnitStateRecord)).records.map((r) => r.value),
  );
}

/** Event keys are machine ids. */
export function watchStates(
  ctx: RegistryContext,
  unitName: string,
  onEvent: (event: WatchEvent<UnitStateRecord>) => void,
): Promise<Subscription> {
  return watchPrefix(ctx, ctx.keys.statesOf(unitName), isUnitStateRecord, onEvent);
}
