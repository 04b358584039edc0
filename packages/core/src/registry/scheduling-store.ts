/**
 * The scheduler's side: one consistent snapshot, and assign/unassign as single transactions that compare
 * what the scheduler saw plus, when given, its leadership fence (the campaign key's create revision).
 */
import { ConflictError, LeadershipLostError } from '../errors.js';
import type { Assignment, UnitRecord } from '../model.js';
import { encodeValue } from './codec.js';
import type { RegistryContext } from './context.js';
import { Keyspace } from './keyspace.js';
import { mergeMetadata, readDynamicMetadata } from './machine-metadata-store.js';
import { isMachineId, isMachineRecord, isUnitRecord } from './record-guards.js';
import type { ClusterSnapshot, Fence, Subscription } from './types.js';
import { watchForChanges } from './watch.js';

export function snapshot(ctx: RegistryContext): Promise<ClusterSnapshot> {
  return ctx.run('snapshot', async () => {
    const units = await ctx.readPrefix(ctx.keys.unitsPrefix, isUnitRecord);
    // Read the rest at the units' revision so the three ranges are one consistent view.
    const machines = await ctx.readPrefix(ctx.keys.machinesPrefix, isMachineRecord, units.revision);
    const schedule = await ctx.readPrefix(ctx.keys.schedulePrefix, isMachineId, units.revision);
    const dynamic = await readDynamicMetadata(ctx, units.revision);
    const unitName = (key: string) => Keyspace.relative(ctx.keys.schedulePrefix, key);
    return {
      units: units.records.map((r) => r.value),
      machines: machines.records.map((r) => mergeMetadata(r.value, dynamic)),
      schedule: new Map(schedule.records.map((r) => [unitName(r.key), r.value])),
      unitRevisions: new Map(units.records.map((r) => [r.value.name, r.modRevision])),
      globalAssignments: new Map(), // TODO(issue 6): read assignments of global units
      revision: units.revision,
    };
  });
}

export function assign(ctx: RegistryContext, unit: UnitRecord, unitModRevision: string, machineId: string, fence?: Fence): Promise<void> {
  return ctx.run(`assign ${unit.name} to ${machineId}`, async () => {
    const assignment: Assignment = { unit: unit.name, machineId, hash: unit.hash, desiredState: unit.desiredState };
    const txn = ctx.client
      .if(ctx.keys.unit(unit.name), 'Mod', '==', unitModRevision)
      .and(ctx.keys.schedule(unit.name), 'Create', '==', 0);
    if (fence) txn.and(fence.key, 'Create', '==', fence.createRevision);
    const result = await txn
      .then(
        ctx.client.put(ctx.keys.schedule(unit.name)).value(encodeValue(machineId)),
        ctx.client.put(ctx.keys.assignment(machineId, unit.name)).value(encodeValue(assignment)),
      )
      .commit();
    if (!result.succeeded) await throwCompareFailure(ctx, fence, `unit ${unit.name} changed or is already scheduled`);
  });
}

export function unassign(ctx: RegistryContext, unitName: string, machineId: string, fence?: Fence): Promise<void> {
  return ctx.run(`unassign ${unitName} from ${machineId}`, async () => {
    const txn = ctx.client.if(ctx.keys.schedule(unitName), 'Value', '==', encodeValue(machineId));
    if (fence) txn.and(fence.key, 'Create', '==', fence.createRevision);
    const result = await txn
      .then(ctx.client.delete().key(ctx.keys.schedule(unitName)), ctx.client.delete().key(ctx.keys.assignment(machineId, unitName)))
      .commit();
    if (!result.succeeded) await throwCompareFailure(ctx, fence, `unit ${unitName} is no longer scheduled on ${machineId}`);
  });
}

export function watchScheduling(ctx: RegistryContext, onEvent: () => void): Promise<Subscription> {
  return watchForChanges(ctx, [ctx.keys.unitsPrefix, ctx.keys.machinesPrefix, ctx.keys.schedulePrefix], onEvent);
}

/** A failed fenced transaction is lost leadership when the fence no longer holds, else a plain conflict. */
async function throwCompareFailure(ctx: RegistryContext, fence: Fence | undefined, what: string): Promise<never> {
  if (fence && !(await fenceHolds(ctx, fence))) throw new LeadershipLostError(fence.key);
  throw new ConflictError(what);
}

export async function fenceHolds(ctx: RegistryContext, fence: Fence): Promise<boolean> {
  const kv = (await ctx.client.get(fence.key).exec()).kvs[0];
  return kv !== undefined && kv.create_revision === fence.createRevision;
}
